"""What the printer gets: the signed statement, the interviewee's copy, the package summary,
a signed penalty document.

Paper leaves the statement room's control, so every print is recorded in the audit trail
(`record_print`, as a `document.exported` event whose `kind` says which print) with the
printer's name and the number of pages. The Qt side (`desktop.ui.printing`) paints; this
module says what is printed and keeps the record.

Why the interviewee's copy is marked and the officers' print is not: the signed original is
the electronically signed PDF kept in the store; every paper page is a print of it, tied to
it by its QR code and hash. The officers' print goes into the case file as the paper form of
that record and so shows the document exactly as signed. The interviewee's copy leaves with
a private person: were it identical, nobody could tell it from the case file's print, and a
copy that was altered and handed back could be passed off as the file's. So every page of
it says, above the running head and across the text in a light diagonal, that it is the
copy kept by the interviewee and not the original, and names the statement's content
digest, while the QR code, the short hash, the signatures and the seal stay exactly where
and as they are, so the copy can still be checked against the original like any print.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.model import Action, StatementState
from desktop.services.export import ExportedPackage
from desktop.services.templates import load_template
from desktop.store import cases, documents
from desktop.store import statements as repo
from desktop.store.store import Store

PRINTABLE_STATES = frozenset({StatementState.SIGNED, StatementState.SEALED})


class PrintKind(StrEnum):
    """Which print; the `kind` of its audit event."""

    STATEMENT = "print"
    PARTY_COPY = "print_party_copy"
    PACKAGE_SUMMARY = "print_package_summary"
    # A signed penalty document (prior notice, decision…): its own kind, so the audit trail
    # does not record the print of a decision as the print of a statement.
    PENALTY_DOCUMENT = "print_penalty_document"


@dataclass(frozen=True)
class PrintableStatement:
    """The signed PDF of a statement and what the copy mark names."""

    statement_id: str
    pdf: bytes
    case_number: str
    title: str
    content_digest: str


def printable_statement(store: Store, statement_id: str) -> PrintableStatement:
    """The signed statement to print; refused before it is signed."""
    statement = repo.get_statement(store.conn, statement_id)
    if statement.state not in PRINTABLE_STATES:
        raise UserError(_("Only a signed statement can be printed."))
    return PrintableStatement(
        statement_id=statement_id,
        pdf=documents.signed_document(store.conn, statement_id),
        case_number=cases.get_case(store.conn, statement.case_id).number,
        title=load_template(statement.kind).title,
        content_digest=repo.content_digest(statement))


def record_print(store: Store, statement_id: str, kind: PrintKind, *, pages: int,
                 printer: str) -> None:
    """Keep in the audit trail that `pages` pages of this print went to `printer`."""
    with store.transaction() as tx:
        tx.audit(Action.DOCUMENT_EXPORTED, statement_id, kind=kind.value, pages=pages,
                 printer=printer)


def package_summary_rows(package: ExportedPackage) -> list[tuple[str, str]]:
    """The court package's summary as (label, value) rows, in Chinese like the package's own
    README: what a court clerk compares with the file it received."""
    at = package.exported_at
    evidence = (f"{package.evidence_items} 项（含媒体文件）" if package.media_included
                else f"{package.evidence_items} 项（仅清单与哈希，不含媒体文件）")
    return [
        ("案件编号", package.case_number),
        ("笔录编号", package.statement_id),
        ("文件名", package.path.name),
        ("文件大小", f"{package.size} 字节"),
        ("证据包 SHA-256", package.sha256),
        ("审计事件", f"{package.events} 条，审计树大小 {package.tree_size}"),
        ("案件证据", evidence),
        ("导出人", package.exported_by),
        ("导出时间", at.astimezone().strftime("%Y-%m-%d %H:%M:%S (UTC%z)") if at else ""),
        ("核验程序 SHA-256", package.verifier_sha256),
    ]
