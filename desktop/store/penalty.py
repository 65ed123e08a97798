"""Penalty decisions in the store: the decision row, its append-only history, its reviews.

The row of a decision (`penalty_decisions`) holds the facts, evaluation and choice as they now
stand and the versions of the datasets they came from; every proposal and every choice is also
appended to `penalty_decision_history` and never changed, so a choice replaced after a legal
review, or an evaluation made again on other facts, stays readable as it was. Reviews
(`penalty_reviews`) are append-only and carry the reviewer's signature (migration 0020).

A decision once DECIDED and every review are announced to HQ in the transaction that makes
them (`penalty_records`, decision 53).

Every write is a covered row (decision 19): the leaf written in the same transaction holds the
row's digest. A write that touches the decision row and appends a history or review row writes
two leaves: the event's (the appended row) and `penalty.state` (the decision row).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from gettext import gettext as _
from typing import Any

from desktop.domain.errors import UserError
from desktop.domain.model import Action, Outcome
from desktop.domain.penalty import (
    DatasetUsed,
    DecisionState,
    LegalReview,
    PenaltyDecision,
    ReviewVerdict,
)
from desktop.store import penalty_records
from desktop.store.connection import Connection
from desktop.store.coverage import LeafFields, leaf_fields
from desktop.store.tx import Tx
from legal.discretion.evaluation import Choice, Evaluation, Facts
from sync.protocol.canonical import canonical_json

DECISIONS = "penalty_decisions"
HISTORY = "penalty_decision_history"
REVIEWS = "penalty_reviews"

_DECISION_COLUMNS = (
    "id, case_id, statement_id, officer_id, created_at, state, facts_json, evaluation_json,"
    " choice_json, standard_name, standard_version, standard_sha256, standard_label,"
    " library_name, library_version, library_sha256, library_label")
_REVIEW_COLUMNS = (
    "r.id, r.decision_id, r.reviewer_id, o.name, r.verdict, r.comments, r.at, r.signature,"
    " r.key_fingerprint, r.reviewed_sha256")


class HistoryKind:
    PROPOSAL = "proposal"
    CHOICE = "choice"


@dataclass(frozen=True)
class HistoryEntry:
    """One proposal (facts + evaluation) or one choice, as it was made."""

    seq: int
    kind: str  # HistoryKind
    body: dict[str, Any]  # {"facts", "evaluation"} or {"choice"}
    standard_version: int | None
    standard_sha256: str | None
    library_version: int | None
    library_sha256: str | None
    matter_row_hash: str
    officer_id: str
    at: datetime


@dataclass(frozen=True)
class StoredReview:
    """A review as kept, with what verifying its signature needs."""

    review: LegalReview
    identity_id: str


def reviewed_sha256(evaluation: Evaluation, choice: Choice) -> str:
    """The SHA-256 of what a review judges: the evaluation and the choice, canonical JSON."""
    return hashlib.sha256(canonical_json(
        {"evaluation": evaluation.to_json(), "choice": choice.to_json()})).hexdigest()


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _dataset(name: str | None, version: int | None, sha256: str | None,
             label: str | None) -> DatasetUsed | None:
    if name is None or version is None or sha256 is None:
        return None
    return DatasetUsed(name, int(version), sha256, label or "")


def _decision_leaf(tx: Tx, decision_id: str) -> LeafFields:
    return leaf_fields(tx.conn, DECISIONS, decision_id)


def insert_decision(tx: Tx, decision_id: str, case_id: str, statement_id: str | None,
                    officer_id: str) -> None:
    tx.conn.execute(
        f"INSERT INTO {DECISIONS} (id, case_id, statement_id, officer_id, state, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (decision_id, case_id, statement_id, officer_id, DecisionState.DRAFT.value,
         tx.at.isoformat(), tx.at.isoformat()))
    tx.audit(Action.PENALTY_OPENED, decision_id, case=case_id, statement=statement_id,
             **_decision_leaf(tx, decision_id))


def _append(tx: Tx, decision_id: str, kind: str, body: dict[str, Any],
            standard: DatasetUsed | None, library: DatasetUsed | None,
            matter_row_hash: str) -> int:
    row = tx.conn.execute(f"SELECT coalesce(max(seq), 0) + 1 FROM {HISTORY} WHERE decision_id = ?",
                          (decision_id,)).fetchone()
    seq = int(row[0])
    tx.conn.execute(
        f"INSERT INTO {HISTORY} (decision_id, seq, kind, body_json, standard_version,"
        " standard_sha256, library_version, library_sha256, matter_row_hash, officer_id, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (decision_id, seq, kind, _json(body), None if standard is None else standard.version,
         None if standard is None else standard.sha256,
         None if library is None else library.version,
         None if library is None else library.sha256, matter_row_hash, tx.actor,
         tx.at.isoformat()))
    return seq


def _versions(standard: DatasetUsed | None, library: DatasetUsed | None,
              matter_row_hash: str) -> dict[str, str | int | None]:
    """What every proposal's and choice's leaf says about the data it rests on."""
    return {"standard_version": None if standard is None else standard.version,
            "standard_sha256": None if standard is None else standard.sha256,
            "library_version": None if library is None else library.version,
            "library_sha256": None if library is None else library.sha256,
            "matter_row_hash": matter_row_hash}


def save_proposal(tx: Tx, decision_id: str, facts: Facts, evaluation: Evaluation,
                  standard: DatasetUsed, library: DatasetUsed | None) -> int:
    """Keep a new evaluation: appended to the history, the decision back to DRAFT with no
    choice (a choice was made on another evaluation). Returns the history's seq."""
    seq = _append(tx, decision_id, HistoryKind.PROPOSAL,
                  {"facts": facts.to_json(), "evaluation": evaluation.to_json()},
                  standard, library, evaluation.matter_row_hash)
    tx.conn.execute(
        f"UPDATE {DECISIONS} SET state = ?, facts_json = ?, evaluation_json = ?,"
        " choice_json = NULL, standard_name = ?, standard_version = ?, standard_sha256 = ?,"
        " standard_label = ?, library_name = ?, library_version = ?, library_sha256 = ?,"
        " library_label = ?, matter_row_hash = ?, updated_at = ? WHERE id = ?",
        (DecisionState.DRAFT.value, _json(facts.to_json()), _json(evaluation.to_json()),
         standard.name, standard.version, standard.sha256, standard.label,
         None if library is None else library.name,
         None if library is None else library.version,
         None if library is None else library.sha256,
         None if library is None else library.label,
         evaluation.matter_row_hash, tx.at.isoformat(), decision_id))
    tx.audit(Action.PENALTY_PROPOSED, decision_id, Outcome.OK, seq=seq,
             matter=evaluation.matter_code,
             engine_outcome=evaluation.outcome.value,
             tier=None if evaluation.tier is None else evaluation.tier.value,
             proposed_amount=evaluation.proposed_amount,
             legal_review_required=evaluation.legal_review_required,
             # the base a share or multiple was taken of (decision 52), only where given
             **({} if facts.base_amount is None
                else {"base_amount": format(facts.base_amount, "f")}),
             **_versions(standard, library, evaluation.matter_row_hash),
             **leaf_fields(tx.conn, HISTORY, decision_id, seq))
    _state_leaf(tx, decision_id, DecisionState.DRAFT)
    return seq


def save_choice(tx: Tx, decision: PenaltyDecision, choice: Choice,
                state: DecisionState) -> int:
    """Keep the officer's choice: appended to the history, the decision to `state`."""
    assert decision.evaluation is not None
    evaluation = decision.evaluation
    seq = _append(tx, decision.id, HistoryKind.CHOICE, {"choice": choice.to_json()},
                  decision.standard, decision.library, evaluation.matter_row_hash)
    tx.conn.execute(f"UPDATE {DECISIONS} SET state = ?, choice_json = ?, updated_at = ?"
                    " WHERE id = ?",
                    (state.value, _json(choice.to_json()), tx.at.isoformat(), decision.id))
    deviation = choice.deviation
    tx.audit(Action.PENALTY_CHOSEN, decision.id, Outcome.OK, seq=seq, waived=choice.waived,
             amount=choice.amount, deviation=None if deviation is None else deviation.kind.value,
             # the reason's text stays in the row (covered by its digest), out of the leaf
             reason_sha256=None if deviation is None
             else hashlib.sha256(deviation.reason.encode()).hexdigest(),
             proposed_low=None if evaluation.proposed_range is None
             else evaluation.proposed_range.low,
             proposed_high=None if evaluation.proposed_range is None
             else evaluation.proposed_range.high,
             reviewed_sha256=reviewed_sha256(evaluation, choice),
             # what the chosen penalty gives (arts. 58, 63), as the choice judged it
             hearing_right=choice.hearing_right,
             legal_review_required=choice.legal_review_required,
             **_versions(decision.standard, decision.library, evaluation.matter_row_hash),
             **leaf_fields(tx.conn, HISTORY, decision.id, seq))
    _state_leaf(tx, decision.id, state)
    return seq


def set_state(tx: Tx, decision_id: str, state: DecisionState, action: Action,
              **details: str | int | bool | None) -> None:
    """Move a decision to `state`, recorded by `action`'s leaf (with the row's digest)."""
    tx.conn.execute(f"UPDATE {DECISIONS} SET state = ?, updated_at = ? WHERE id = ?",
                    (state.value, tx.at.isoformat(), decision_id))
    tx.audit(action, decision_id, Outcome.OK, state=state.value, **details,
             **_decision_leaf(tx, decision_id))


def set_decided(tx: Tx, decision_id: str) -> None:
    """The decision document is signed (for the documents' service): DECIDED, never changed
    again (a trigger refuses any later update), and announced to HQ in the same transaction
    (`penalty_records`, decision 53)."""
    set_state(tx, decision_id, DecisionState.DECIDED, Action.PENALTY_STATE)
    penalty_records.announce_decision(tx, decision_id)


def _state_leaf(tx: Tx, decision_id: str, state: DecisionState) -> None:
    tx.audit(Action.PENALTY_STATE, decision_id, Outcome.OK, state=state.value,
             **_decision_leaf(tx, decision_id))


def add_review(tx: Tx, review: LegalReview, identity_id: str, state: DecisionState) -> None:
    """Keep a signed review and move its decision to `state` (APPROVED or RETURNED)."""
    tx.conn.execute(
        f"INSERT INTO {REVIEWS} (id, decision_id, reviewer_id, verdict, comments,"
        " reviewed_sha256, at, identity_id, key_fingerprint, signature)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (review.id, review.decision_id, review.reviewer_id, review.verdict.value,
         review.comments, review.reviewed_sha256, review.at.isoformat(), identity_id,
         review.key_fingerprint, review.signature))
    tx.conn.execute(f"UPDATE {DECISIONS} SET state = ?, updated_at = ? WHERE id = ?",
                    (state.value, tx.at.isoformat(), review.decision_id))
    tx.audit(Action.PENALTY_REVIEWED, review.id, decision=review.decision_id,
             verdict=review.verdict.value, reviewed_sha256=review.reviewed_sha256,
             key_fingerprint=review.key_fingerprint, identity=identity_id,
             **leaf_fields(tx.conn, REVIEWS, review.id))
    _state_leaf(tx, review.decision_id, state)
    penalty_records.announce_review(tx, review.id)  # HQ receives it (decision 53)


# -- reading ---------------------------------------------------------------------------------
def _review(row: Any) -> LegalReview:
    return LegalReview(id=row[0], decision_id=row[1], reviewer_id=row[2], reviewer_name=row[3],
                       verdict=ReviewVerdict(row[4]), comments=row[5],
                       at=datetime.fromisoformat(row[6]), signature=row[7],
                       key_fingerprint=row[8], reviewed_sha256=row[9])


def reviews(conn: Connection, decision_id: str) -> tuple[LegalReview, ...]:
    rows = conn.execute(
        f"SELECT {_REVIEW_COLUMNS} FROM {REVIEWS} r JOIN officers o ON o.id = r.reviewer_id"
        " WHERE r.decision_id = ? ORDER BY r.at, r.rowid", (decision_id,)).fetchall()
    return tuple(_review(row) for row in rows)


def stored_review(conn: Connection, review_id: str) -> StoredReview:
    row = conn.execute(
        f"SELECT {_REVIEW_COLUMNS}, r.identity_id FROM {REVIEWS} r"
        " JOIN officers o ON o.id = r.reviewer_id WHERE r.id = ?", (review_id,)).fetchone()
    if row is None:
        raise UserError(_("No such legal review."))
    return StoredReview(_review(row), row[10])


def _decision(conn: Connection, row: Any) -> PenaltyDecision:
    facts, evaluation, choice = row[6], row[7], row[8]
    return PenaltyDecision(
        id=row[0], case_id=row[1], statement_id=row[2], officer_id=row[3],
        created_at=datetime.fromisoformat(row[4]), state=DecisionState(row[5]),
        facts=None if facts is None else Facts.from_json(json.loads(facts)),
        evaluation=None if evaluation is None else Evaluation.from_json(json.loads(evaluation)),
        choice=None if choice is None else Choice.from_json(json.loads(choice)),
        standard=_dataset(row[9], row[10], row[11], row[12]),
        library=_dataset(row[13], row[14], row[15], row[16]),
        reviews=reviews(conn, row[0]))


def load_decision(conn: Connection, decision_id: str) -> PenaltyDecision:
    row = conn.execute(f"SELECT {_DECISION_COLUMNS} FROM {DECISIONS} WHERE id = ?",
                       (decision_id,)).fetchone()
    if row is None:
        raise UserError(_("No penalty decision has the id 「{id}」.").format(id=decision_id))
    return _decision(conn, row)


def for_case(conn: Connection, case_id: str) -> list[PenaltyDecision]:
    rows = conn.execute(f"SELECT {_DECISION_COLUMNS} FROM {DECISIONS} WHERE case_id = ?"
                        " ORDER BY created_at, rowid", (case_id,)).fetchall()
    return [_decision(conn, row) for row in rows]


def review_queue(conn: Connection) -> list[PenaltyDecision]:
    """Decisions waiting for a legal reviewer, oldest submission first."""
    rows = conn.execute(f"SELECT {_DECISION_COLUMNS} FROM {DECISIONS} WHERE state = ?"
                        " ORDER BY updated_at, rowid", (DecisionState.IN_REVIEW.value,)
                        ).fetchall()
    return [_decision(conn, row) for row in rows]


def history(conn: Connection, decision_id: str) -> list[HistoryEntry]:
    rows = conn.execute(
        f"SELECT seq, kind, body_json, standard_version, standard_sha256, library_version,"
        f" library_sha256, matter_row_hash, officer_id, at FROM {HISTORY}"
        " WHERE decision_id = ? ORDER BY seq", (decision_id,)).fetchall()
    return [HistoryEntry(int(r[0]), r[1], json.loads(r[2]), r[3], r[4], r[5], r[6], r[7], r[8],
                         datetime.fromisoformat(r[9])) for r in rows]
