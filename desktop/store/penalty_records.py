"""What HQ learns of a penalty case (issue 17, decision 53): the records a decision, a legal
review and a signed penalty document announce, built from the store's rows.

Each is announced in the transaction that makes it: a decision when it becomes DECIDED
(`desktop.store.penalty.set_decided`, in the transaction that keeps its final document), a
review when it is kept (`penalty.add_review`), a document when it is kept signed
(`penalty_documents.keep`), with its signed PDF as a medium. No desktop migration was wanted
for them (the kept bytes of `outbox.enqueue_kept` are limited to two kinds by a CHECK), so
each record holds only what never changes once announced, and is rebuilt from the rows when
it is sent: the decided decision's row (a trigger freezes it), the review's and the
document's (never updated), the signing identity's certificate, the audit leaves; cases and
officers by id, never a name or number that may be corrected later. The evaluation and the
choice are sent as the JSON text kept, parsed, not re-made by the engine's classes, so a later
program that writes them otherwise still sends the bytes it announced.

The decision's party (`party_of`) is the naming of the case's party in force when the
decision was decided: the highest version of `case_parties` whose audit leaf comes before the
leaf that decided it (none: the person interviewed, as for every case before 0024).

Who decided and who signed are the actors of the audit leaves that recorded it (the leaf of
the decision's move to DECIDED, the leaf of the document's keeping), and when is that leaf's
time: the same answer when the record is built in that transaction and when an older store's
decision is announced later (`desktop.store.penalty_backfill`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from desktop.domain.model import Action
from desktop.domain.penalty import DecisionState
from desktop.store import case_parties, outbox
from desktop.store.connection import Connection
from desktop.store.tx import Tx
from sync.protocol.penalty import (
    DatasetSnapshot,
    LegalReviewRecord,
    PenaltyDecisionRecord,
    PenaltyDocumentRecord,
    UnitParticulars,
    reviewed_sha256,
)
from sync.protocol.records import RecordKind

__all__ = ["KINDS", "announce", "announce_decision", "announce_document", "announce_review",
           "decision_record", "document_record", "party_of", "payload", "pdf_of", "review_record"]

KINDS = frozenset({RecordKind.PENALTY_DECISION, RecordKind.LEGAL_REVIEW,
                   RecordKind.PENALTY_DOCUMENT, RecordKind.PENALTY_DOCUMENT_PDF})


def _leaf(conn: Connection, action: Action, subject: str) -> tuple[str, str, int]:
    """(actor, time, index) of the last audit leaf of ``action`` about ``subject``."""
    row = conn.execute("SELECT actor, at, idx FROM audit_log WHERE subject = ? AND action = ?"
                       " ORDER BY idx DESC LIMIT 1", (subject, action.value)).fetchone()
    if row is None or row[0] is None:
        raise LookupError(f"no {action.value} leaf of {subject}")
    return str(row[0]), str(row[1]), int(row[2])


def party_of(conn: Connection, case_id: str, decided_leaf: int) -> UnitParticulars | None:
    """The unit a decision names, or None for the person interviewed: the case's party as
    named when the decision was decided (its leaf at index ``decided_leaf``).

    The naming in force then is the highest version whose audit leaf (written in the same
    transaction as the row) precedes the decision's: the log's order is the order of the
    commits, and neither it nor the rows ever change, so every rebuild finds the same version
    and sends the bytes announced. The rows' times would not do: `set_at` keeps microseconds
    while a leaf's time keeps milliseconds, and a clock set back between the two commits
    would reorder them. (A later naming is refused once a decision of the case is decided,
    decision 54; this choice does not rest on that rule.)"""
    row = conn.execute(
        "SELECT max(CAST(json_extract(details, '$.version') AS INTEGER)) FROM audit_log"
        " WHERE subject = ? AND action IN (?, ?) AND idx < ?",
        (case_id, Action.CASE_PARTY_SET.value, Action.CASE_PARTY_CHANGED.value,
         decided_leaf)).fetchone()
    if row is None or row[0] is None:
        return None
    held = case_parties.naming(conn, case_id, int(row[0]))
    if held.unit is None:
        return None
    unit = held.unit
    return UnitParticulars(
        version=held.version, name=unit.name, credit_code=unit.credit_code,
        representative=unit.representative,
        representative_title=unit.representative_title.value, address=unit.address,
        phone=unit.phone)


def decision_record(conn: Connection, decision_id: str) -> PenaltyDecisionRecord:
    """The record of a DECIDED decision, from its row and the leaf that decided it."""
    row = conn.execute(
        "SELECT id, case_id, statement_id, officer_id, state, evaluation_json, choice_json,"
        " standard_name, standard_version, standard_sha256, standard_label, library_name,"
        " library_version, library_sha256, library_label FROM penalty_decisions WHERE id = ?",
        (decision_id,)).fetchone()
    if row is None or row[4] != DecisionState.DECIDED.value or row[5] is None \
            or row[6] is None or row[7] is None:
        raise ValueError(f"decision {decision_id} is not decided")
    actor, at, leaf = _leaf(conn, Action.PENALTY_STATE, decision_id)
    # The JSON as kept: the same dicts the engine's `to_json` gave when it was written, so
    # the digest is the one a review of this decision signed (penalty.reviewed_sha256).
    evaluation, choice = json.loads(row[5]), json.loads(row[6])
    return PenaltyDecisionRecord(
        id=str(row[0]), case=str(row[1]),
        statement=None if row[2] is None else str(row[2]),
        standard=DatasetSnapshot(str(row[7]), int(row[8]), str(row[9]), str(row[10] or "")),
        library=None if row[11] is None else DatasetSnapshot(
            str(row[11]), int(row[12]), str(row[13]), str(row[14] or "")),
        evaluation=evaluation, choice=choice,
        reviewed_sha256=reviewed_sha256(evaluation, choice),
        party=party_of(conn, str(row[1]), leaf),
        drafted_by=str(row[3]), decided_by=actor,
        decided_at=at)


def review_record(conn: Connection, review_id: str) -> LegalReviewRecord:
    """The record of a kept review, with the certificate whose key signed it."""
    row = conn.execute(
        "SELECT r.id, r.decision_id, d.case_id, r.reviewer_id, r.verdict, r.comments, r.at,"
        " r.reviewed_sha256, r.key_fingerprint, r.signature, i.cert_pem FROM penalty_reviews r"
        " JOIN penalty_decisions d ON d.id = r.decision_id"
        " JOIN signing_identities i ON i.id = r.identity_id WHERE r.id = ?",
        (review_id,)).fetchone()
    if row is None:
        raise LookupError(f"no legal review {review_id}")
    return LegalReviewRecord(
        id=str(row[0]), decision=str(row[1]), case=str(row[2]),
        reviewer=str(row[3]), verdict=str(row[4]), comments=str(row[5]),
        at=str(row[6]),  # the text signed, as stored
        reviewed_sha256=str(row[7]), key_sha256=str(row[8]), signature=str(row[9]),
        certificate=bytes(row[10]).decode("ascii"))


def document_record(conn: Connection, document_id: str) -> PenaltyDocumentRecord:
    """The record of a kept penalty document (its PDF travels as its own medium)."""
    row = conn.execute(
        "SELECT id, decision_id, case_id, kind, number, sha256, length(pdf), pages,"
        " content_digest, served_at, receipt, rights_waived FROM penalty_documents"
        " WHERE id = ?", (document_id,)).fetchone()
    if row is None:
        raise LookupError(f"no penalty document {document_id}")
    actor, _at, _leaf_index = _leaf(conn, Action.PENALTY_DOCUMENT_SIGNED, document_id)
    return PenaltyDocumentRecord(
        id=str(row[0]), decision=str(row[1]), case=str(row[2]), kind=str(row[3]),
        number=str(row[4]), sha256=str(row[5]), size=int(row[6]), pages=int(row[7]),
        content_digest=str(row[8]), served_at=str(row[9]), receipt=str(row[10]),
        rights_waived=bool(row[11]), signed_by=actor)


def payload(conn: Connection, kind: RecordKind, entity_id: str) -> bytes:
    """The bytes a penalty record sends (rebuilt: the same as announced)."""
    if kind is RecordKind.PENALTY_DECISION:
        return decision_record(conn, entity_id).canonical_bytes()
    if kind is RecordKind.LEGAL_REVIEW:
        return review_record(conn, entity_id).canonical_bytes()
    if kind is RecordKind.PENALTY_DOCUMENT:
        return document_record(conn, entity_id).canonical_bytes()
    if kind is RecordKind.PENALTY_DOCUMENT_PDF:
        return pdf_of(conn, entity_id)
    raise ValueError(f"{kind.value} is not a penalty record")


def pdf_of(conn: Connection, document_id: str) -> bytes:
    """A kept document's signed PDF (what ``penalty_document_pdf`` sends)."""
    row = conn.execute("SELECT pdf FROM penalty_documents WHERE id = ?",
                       (document_id,)).fetchone()
    if row is None:
        raise LookupError(f"no penalty document {document_id}")
    return bytes(row[0])


def announce(conn: Connection, at: datetime, kind: RecordKind, entity_id: str) -> None:
    """Announce one penalty record (its bytes as `payload` rebuilds them), inside the
    caller's transaction."""
    data = payload(conn, kind, entity_id)
    outbox.enqueue(conn, at, kind, entity_id, hashlib.sha256(data).hexdigest(), len(data))


def announce_decision(tx: Tx, decision_id: str) -> None:
    """Announce a decision just decided, inside the caller's transaction."""
    announce(tx.conn, tx.at, RecordKind.PENALTY_DECISION, decision_id)


def announce_review(tx: Tx, review_id: str) -> None:
    """Announce a review just kept, inside the caller's transaction."""
    announce(tx.conn, tx.at, RecordKind.LEGAL_REVIEW, review_id)


def announce_document(tx: Tx, document_id: str) -> None:
    """Announce a document just kept signed, then its PDF, inside the caller's transaction."""
    announce(tx.conn, tx.at, RecordKind.PENALTY_DOCUMENT, document_id)
    announce(tx.conn, tx.at, RecordKind.PENALTY_DOCUMENT_PDF, document_id)
