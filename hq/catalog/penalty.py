"""The supervision room's catalog of penalty cases (issue 17, decision 53): one row per
decision, per legal review, per penalty document HQ has heard of.

A decision (``penalty_decision``) and a review (``legal_review``) each fill their own row
once; a document is described by two records that arrive in any order, its record
(``penalty_document``: kind, number, service) and its signed PDF (``penalty_document_pdf``,
a medium committed after its upload), each filling its own columns of the document's row,
so the row is the same whatever the order and however often a record is indexed again.

The rows hold what the case page lists: ids, the matter, the amount and the kind of
deviation, the standard's version, verdicts, numbers and times, and a reviewer's name as
their certificate gives it (the records name officers by id; the page names them from
``room_officers`` and HQ's registered officers). A deviation's written reason and a
reviewer's comments stay in the sealed records; the case page reads them from there.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import NameOID

from hq.catalog import Indexer, upsert_row
from hq.catalog.statements import iso_ms
from hq.db import Connection
from sync.protocol.penalty import LegalReviewRecord, PenaltyDecisionRecord, PenaltyDocumentRecord
from sync.protocol.records import OutboxEntry, RecordKind

__all__ = ["INDEXERS", "reviewer_name"]


def _ms(value: str) -> int:
    ms = iso_ms(value)
    assert ms is not None
    return ms


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def reviewer_name(record: LegalReviewRecord) -> str | None:
    """The name the reviewer's certificate gives (its common name), if it reads."""
    try:
        certificate = x509.load_pem_x509_certificate(record.certificate.encode("ascii"))
    except ValueError:
        return None
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else None


def _decision(conn: Connection, entry: OutboxEntry, payload: bytes | None, at: int) -> None:
    assert payload is not None  # a small record always comes with its bytes
    record = PenaltyDecisionRecord.from_bytes(payload)
    conn.execute(
        "INSERT INTO room_penalty_decisions (decision, device, case_id, statement,"
        " matter_code, matter_name, waived, amount, deviation, standard_version,"
        " standard_label, matter_row_hash, library_version, reviewed_sha256, decided_by,"
        " decided_ms, record_sha256, received_ms)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (decision) DO NOTHING",
        (record.id, entry.device, record.case, record.statement,
         record.matter_code, record.matter_name, int(record.waived), record.amount,
         record.deviation_kind, record.standard.version, record.standard.label,
         _text(record.evaluation.get("matter_row_hash")),
         None if record.library is None else record.library.version, record.reviewed_sha256,
         record.decided_by, _ms(record.decided_at), entry.sha256, at))


def _review(conn: Connection, entry: OutboxEntry, payload: bytes | None, at: int) -> None:
    assert payload is not None
    record = LegalReviewRecord.from_bytes(payload)
    conn.execute(
        "INSERT INTO room_legal_reviews (review, device, decision, case_id, verdict, reviewer,"
        " reviewer_name, reviewed_sha256, at_ms, record_sha256, received_ms)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (review) DO NOTHING",
        (record.id, entry.device, record.decision, record.case, record.verdict,
         record.reviewer, reviewer_name(record), record.reviewed_sha256, _ms(record.at),
         entry.sha256, at))


def _document(conn: Connection, entry: OutboxEntry, payload: bytes | None, at: int) -> None:
    assert payload is not None
    record = PenaltyDocumentRecord.from_bytes(payload)
    upsert_row(conn, "room_penalty_documents", ("document", record.id), entry.device, {
        "decision": record.decision, "case_id": record.case, "kind": record.kind,
        "number": record.number, "sha256": record.sha256, "pages": record.pages,
        "served_ms": _ms(record.served_at), "receipt": record.receipt,
        "rights_waived": int(record.rights_waived), "record_sha256": entry.sha256,
        "record_ms": at})


def _pdf(conn: Connection, entry: OutboxEntry, payload: bytes | None, at: int) -> None:
    upsert_row(conn, "room_penalty_documents", ("document", entry.entity_id), entry.device,
               {"pdf_sha256": entry.sha256, "pdf_ms": at})


INDEXERS: dict[RecordKind, Indexer] = {
    RecordKind.PENALTY_DECISION: _decision,
    RecordKind.LEGAL_REVIEW: _review,
    RecordKind.PENALTY_DOCUMENT: _document,
    RecordKind.PENALTY_DOCUMENT_PDF: _pdf,
}
