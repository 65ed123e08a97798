"""Exporting a sealed statement as a court package (`statement-room export`).

`export_package` gathers the signed PDF, every audit event about the statement or one of its
turns, signs a fresh tree head (the store's ordinary session-end path, which also refreshes
the anchor), proves each event's inclusion in it, builds the zip in memory
(`desktop.documents.package`) and writes it with one atomic rename: no plaintext temporary
file is left anywhere but the target. The export itself is then audited with the package's
SHA-256; that event necessarily comes after the package and so is not inside it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from gettext import gettext as _
from importlib import metadata
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from desktop.documents.package import (
    PackageEvent,
    PackageInfo,
    PackageTrust,
    build_package,
    verifier_sha256,
)
from desktop.domain.errors import UserError
from desktop.domain.model import Action, StatementState
from desktop.services import keys
from desktop.services.verify import store_trust_roots
from desktop.store import audit, cases, documents
from desktop.store import statements as repo
from desktop.store.audit import AuditRecord
from desktop.store.files import atomic_write_bytes
from desktop.store.store import Store

EXPORTABLE_STATES = frozenset({StatementState.SIGNED, StatementState.SEALED})


@dataclass(frozen=True)
class ExportedPackage:
    """Where the package went and what identifies it."""

    path: Path
    sha256: str
    size: int
    events: int
    tree_size: int
    verifier_sha256: str


def tool_version() -> str:
    try:
        return metadata.version("statement-room")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def statement_events(store: Store, statement_id: str) -> list[AuditRecord]:
    """Every audit event whose subject is the statement or one of its turns, by index."""
    statement = repo.get_statement(store.conn, statement_id)
    found: dict[int, AuditRecord] = {}
    for subject in (statement.id, *(turn.id for turn in statement.turns)):
        for record in audit.events_about(store.conn, subject):
            found[record.idx] = record
    return [found[idx] for idx in sorted(found)]


def package_trust(store: Store) -> PackageTrust:
    """The device certificate (which signs the binding record), its chain, the unit roots."""
    device = keys.device_signer(store)
    pem = serialization.Encoding.PEM
    chain = [device.certificate, *(c for c in device.chain if c.issuer != c.subject)]
    roots = [c for c in device.chain if c.issuer == c.subject]
    for root in store_trust_roots(store):
        if root not in roots:
            roots.append(root)
    return PackageTrust(
        device_chain_pem=b"".join(c.public_bytes(pem) for c in chain),
        root_pem=b"".join(c.public_bytes(pem) for c in roots),
        device_certificate_der=device.certificate.public_bytes(serialization.Encoding.DER),
        sign=device.sign_bytes)


def build_statement_package(store: Store, statement_id: str) -> tuple[bytes, int, int]:
    """The package bytes for one sealed statement, its event count and tree size."""
    statement = repo.get_statement(store.conn, statement_id)
    if statement.state not in EXPORTABLE_STATES:
        raise UserError(_("Only a signed and sealed statement can be exported as a court "
                          "package."))
    pdf = documents.signed_document(store.conn, statement_id)
    head = store.sign_tree_head()
    public = audit.device_public_keys(store.conn)[head.key_id].public_bytes_raw()
    size = head.head.tree_size
    events = [
        PackageEvent(record.idx, record.leaf_data(),
                     tuple(audit.prove_inclusion(store.conn, record.idx, size)))
        for record in statement_events(store, statement_id) if record.idx < size
    ]
    officer = store.officer
    info = PackageInfo(
        statement_id=statement_id,
        case_number=cases.get_case(store.conn, statement.case_id).number,
        exported_by=f"{officer.name} ({officer.certificate_no})",
        exported_at=store.clock(),
        tool_version=tool_version(),
    )
    trust = package_trust(store)
    return build_package(pdf, events, head, public, info, trust), len(events), size


def export_package(store: Store, statement_id: str, out: Path) -> ExportedPackage:
    """Write the court package of a sealed statement to `out` and audit the export."""
    data, count, size = build_statement_package(store, statement_id)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(out, data)
    except OSError as exc:
        raise UserError(_("Cannot write {path}: {reason}").format(
            path=out, reason=exc.strerror or exc)) from exc
    digest = hashlib.sha256(data).hexdigest()
    with store.transaction() as tx:
        tx.audit(Action.DOCUMENT_EXPORTED, statement_id, name=out.name, kind="court_package",
                 sha256=digest, tree_size=size)
    return ExportedPackage(path=out, sha256=digest, size=len(data), events=count,
                           tree_size=size, verifier_sha256=verifier_sha256())
