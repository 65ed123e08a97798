"""Signed penalty documents (处罚文书) and their numbers (文号), kept inside the encrypted store.

A document of a penalty decision is kept once it is signed, with its SHA-256 and how it was
served: the party's signature for receipt (the pen capture behind the picture in its receipt
box) or their refusal, with the reason and a witness. The triggers of migration 0021 keep the
row unchanged for good, and its leaf in the audit trail covers it (`coverage`), so an edit
behind the program is named by `audit verify`. A kept document and its signed PDF are announced
to HQ in the same transaction (`penalty_records`, decision 53). Numbers come from one counter
per kind, series (the agency's abbreviation in the number) and year that only moves on by one
(`next_number` reads it, `take_number` moves it in the transaction that keeps the document).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.model import Action, SignatureRefusal
from desktop.domain.penalty import PenaltyDocumentKind
from desktop.store import penalty_records
from desktop.store.connection import Connection
from desktop.store.coverage import leaf_fields
from desktop.store.tx import Tx

SIGNED = "signed"
REFUSED = "refused"


@dataclass(frozen=True)
class ReceiptCapture:
    """The party's signature for receipt as kept: strokes (canonical JSON), picture, digest."""

    record: bytes
    png: bytes
    digest: str


@dataclass(frozen=True)
class KeptPenaltyDocument:
    """A signed penalty document as the store keeps it (the PDF is read on demand)."""

    id: str
    decision_id: str
    case_id: str
    kind: PenaltyDocumentKind
    number: str
    sha256: str
    pages: int
    content_digest: str
    served_at: datetime
    receipt: str  # SIGNED or REFUSED
    refusal: SignatureRefusal | None
    created_at: datetime
    rights_waived: bool = False  # a prior notice whose periods the party waived in writing


@dataclass(frozen=True)
class NewPenaltyDocument:
    id: str
    decision_id: str
    case_id: str
    kind: PenaltyDocumentKind
    number: str
    pdf: bytes
    pages: int
    content_digest: str
    served_at: datetime
    receipt: ReceiptCapture | SignatureRefusal
    rights_waived: bool = False  # the party waived the prior notice's periods in writing


def next_number(conn: Connection, kind: PenaltyDocumentKind, unit: str, year: int) -> int:
    """The number the next document of `kind` in series `unit` (the agency's abbreviation)
    and `year` will get (not taken)."""
    row = conn.execute(
        "SELECT last FROM penalty_document_numbers WHERE kind = ? AND unit = ? AND year = ?",
        (kind.value, unit, year)).fetchone()
    return 1 if row is None else int(row[0]) + 1


def take_number(tx: Tx, kind: PenaltyDocumentKind, unit: str, year: int, expected: int) -> None:
    """Take number `expected`; refused if another document took it since it was printed."""
    if next_number(tx.conn, kind, unit, year) != expected:
        raise UserError(_("Document number {number} was given to another document after this "
                          "one was prepared; prepare the document again.").format(
                              number=expected))
    if expected == 1:
        tx.conn.execute("INSERT INTO penalty_document_numbers (kind, unit, year, last)"
                        " VALUES (?, ?, ?, 1)", (kind.value, unit, year))
    else:
        tx.conn.execute("UPDATE penalty_document_numbers SET last = ? WHERE kind = ? AND"
                        " unit = ? AND year = ?", (expected, kind.value, unit, year))


def keep(tx: Tx, document: NewPenaltyDocument) -> str:
    """Keep a signed document with its service record; audited, covered. Its SHA-256."""
    digest = hashlib.sha256(document.pdf).hexdigest()
    receipt = document.receipt
    capture = receipt if isinstance(receipt, ReceiptCapture) else None
    refusal = receipt if isinstance(receipt, SignatureRefusal) else None
    tx.conn.execute(
        "INSERT INTO penalty_documents (id, decision_id, case_id, kind, number, pdf, sha256,"
        " pages, content_digest, served_at, receipt, receipt_record, receipt_png,"
        " receipt_digest, refusal_reason, witness_name, witness_id_number, rights_waived,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (document.id, document.decision_id, document.case_id, document.kind.value,
         document.number, document.pdf, digest, document.pages, document.content_digest,
         document.served_at.isoformat(), SIGNED if capture else REFUSED,
         capture.record if capture else None, capture.png if capture else None,
         capture.digest if capture else None, refusal.reason if refusal else None,
         refusal.witness_name if refusal else None,
         (refusal.witness_id_number or None) if refusal else None,
         int(document.rights_waived), tx.at.isoformat()))
    tx.audit(Action.PENALTY_DOCUMENT_SIGNED, document.id, decision=document.decision_id,
             kind=document.kind.value, sha256=digest, pages=document.pages,
             receipt=SIGNED if capture else REFUSED, rights_waived=document.rights_waived,
             **leaf_fields(tx.conn, "penalty_documents", document.id))
    penalty_records.announce_document(tx, document.id)  # and its PDF (decision 53)
    return digest


_COLUMNS = ("id, decision_id, case_id, kind, number, sha256, pages, content_digest, served_at,"
            " receipt, refusal_reason, witness_name, witness_id_number, created_at,"
            " rights_waived")


def _kept(row: tuple[object, ...]) -> KeptPenaltyDocument:
    refusal = None
    if row[9] == REFUSED:
        refusal = SignatureRefusal(reason=str(row[10]), witness_name=str(row[11]),
                                   recorded_at=datetime.fromisoformat(str(row[8])),
                                   witness_id_number=str(row[12] or ""))
    return KeptPenaltyDocument(
        id=str(row[0]), decision_id=str(row[1]), case_id=str(row[2]),
        kind=PenaltyDocumentKind(str(row[3])), number=str(row[4]), sha256=str(row[5]),
        pages=int(str(row[6])), content_digest=str(row[7]),
        served_at=datetime.fromisoformat(str(row[8])), receipt=str(row[9]), refusal=refusal,
        created_at=datetime.fromisoformat(str(row[13])), rights_waived=bool(row[14]))


def for_decision(conn: Connection, decision_id: str) -> list[KeptPenaltyDocument]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM penalty_documents WHERE decision_id = ?"
                        " ORDER BY created_at, id", (decision_id,)).fetchall()
    return [_kept(tuple(r)) for r in rows]


def get(conn: Connection, document_id: str) -> KeptPenaltyDocument:
    row = conn.execute(f"SELECT {_COLUMNS} FROM penalty_documents WHERE id = ?",
                       (document_id,)).fetchone()
    if row is None:
        raise UserError(_("There is no penalty document {id}.").format(id=document_id))
    return _kept(tuple(row))


def pdf(conn: Connection, document_id: str) -> bytes:
    """The kept PDF, checked against the SHA-256 kept with it when it was signed."""
    row = conn.execute("SELECT pdf, sha256 FROM penalty_documents WHERE id = ?",
                       (document_id,)).fetchone()
    if row is None:
        raise UserError(_("There is no penalty document {id}.").format(id=document_id))
    data = bytes(row[0])
    if hashlib.sha256(data).hexdigest() != str(row[1]):
        raise UserError(_("The kept penalty document {id} has been altered: its content no "
                          "longer matches the digest recorded when it was signed.").format(
                              id=document_id))
    return data


def receipt_capture(conn: Connection, document_id: str) -> ReceiptCapture | None:
    row = conn.execute("SELECT receipt_record, receipt_png, receipt_digest FROM"
                       " penalty_documents WHERE id = ?", (document_id,)).fetchone()
    if row is None or row[0] is None:
        return None
    return ReceiptCapture(bytes(row[0]), bytes(row[1]), str(row[2]))


def find_record(conn: Connection, pdf: bytes) -> tuple[str, bool] | None:
    """The kept penalty document this PDF is: (document id, exact copy?), or None. Not exact:
    the kept PDF with incremental updates appended (as `documents.find_record`)."""
    digest = hashlib.sha256(pdf).hexdigest()
    row = conn.execute("SELECT id FROM penalty_documents WHERE sha256 = ?",
                       (digest,)).fetchone()
    if row is not None:
        return str(row[0]), True
    for document_id, kept in conn.execute("SELECT id, pdf FROM penalty_documents").fetchall():
        if len(pdf) > len(kept) and pdf.startswith(bytes(kept)):
            return str(document_id), False
    return None
