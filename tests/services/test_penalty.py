"""Penalty decisions and legal review on a real store: the officer's proposal and choice, the
refusals, the reviewer's signed approval or return, and the attacks on the review rules."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from desktop.domain.errors import UserError
from desktop.domain.model import Action, Officer, Outcome
from desktop.domain.penalty import DecisionState, ReviewVerdict
from desktop.services import audit_trail, penalty
from desktop.store import audit
from desktop.store import penalty as repo
from desktop.store.connection import Connection
from legal.discretion.evaluation import Choice, Deviation, DeviationKind
from tests.conftest import PASSWORD, SECOND_PASSWORD, FakeClock, World
from tests.services.penalty_decision_support import (
    LIBRARY,
    REVIEWER_CERT,
    REVIEWER_PASSWORD,
    STANDARD,
    add_reviewer,
    choice,
    evaluation,
    facts,
    lighter,
    login,
    provision_keys,
)


@dataclass
class Bureau:
    world: World
    reviewer: Officer
    clock: FakeClock

    def as_officer(self) -> None:
        login(self.world, "TEST0002", SECOND_PASSWORD, self.clock)

    def as_reviewer(self) -> None:
        login(self.world, REVIEWER_CERT, REVIEWER_PASSWORD, self.clock)

    def as_admin(self) -> None:
        login(self.world, "TEST0001", PASSWORD, self.clock)


@pytest.fixture
def bureau(world: World, clock: FakeClock) -> Bureau:
    reviewer = add_reviewer(world)
    provision_keys(world, reviewer)
    b = Bureau(world, reviewer, clock)
    b.as_officer()
    return b


@dataclass(frozen=True)
class Event:
    outcome: Outcome
    details: dict[str, Any]


def events(conn: Connection, action: Action) -> list[Event]:
    """The leaves of `action` in the audit log, oldest first."""
    return [Event(Outcome(r.outcome), json.loads(r.details)) for r in audit.records(conn)
            if r.action == action.value]


def drafted(b: Bureau, *, review: bool = True) -> str:
    """A decision the case officer opened, evaluated and chose (80 yuan, in the tier)."""
    store = b.world.store
    decision = penalty.open_decision(store, b.world.case.id, b.world.statement.id)
    stated = facts("obstructs_traffic")
    penalty.record_proposal(store, decision.id, stated, evaluation(stated, review=review),
                            STANDARD, LIBRARY)
    penalty.record_choice(store, decision.id, choice(80))
    return decision.id


def submitted(b: Bureau) -> str:
    decision_id = drafted(b)
    penalty.submit_for_review(b.world.store, decision_id)
    return decision_id


# -- the officer's proposal and choice -------------------------------------------------------
def test_a_proposal_and_choice_are_kept_with_the_datasets_and_audited(bureau: Bureau) -> None:
    store = bureau.world.store
    decision_id = drafted(bureau)
    decision = penalty.get(store, decision_id)
    assert decision.state is DecisionState.CHOSEN  # review required: waits for a reviewer
    assert decision.officer_id == bureau.world.second.id
    assert decision.standard == STANDARD and decision.library == LIBRARY
    assert decision.evaluation == evaluation(facts("obstructs_traffic"))
    assert decision.choice == choice(80)
    [proposed] = events(store.conn, Action.PENALTY_PROPOSED)
    assert proposed.details["standard_version"] == 3
    assert proposed.details["standard_sha256"] == STANDARD.sha256
    assert proposed.details["library_version"] == 7
    assert proposed.details["library_sha256"] == LIBRARY.sha256
    assert proposed.details["matter_row_hash"] == "a" * 64
    [chosen] = events(store.conn, Action.PENALTY_CHOSEN)
    assert chosen.details["amount"] == 80 and chosen.details["deviation"] is None
    assert chosen.details["standard_sha256"] == STANDARD.sha256
    assert chosen.details["library_sha256"] == LIBRARY.sha256
    assert chosen.details["matter_row_hash"] == "a" * 64
    assert [d.id for d in penalty.for_case(store, bureau.world.case.id)] == [decision_id]


def test_every_choice_and_deviation_stays_in_the_history(bureau: Bureau) -> None:
    store = bureau.world.store
    decision_id = drafted(bureau)
    penalty.record_choice(store, decision_id, lighter(30))
    penalty.record_choice(store, decision_id, choice(90))
    entries = penalty.history(store, decision_id)
    assert [e.kind for e in entries] == ["proposal", "choice", "choice", "choice"]
    assert [e.body["choice"]["amount"] for e in entries[1:]] == [80, 30, 90]
    assert entries[2].body["choice"]["deviation"] == {
        "kind": "lighter", "reason": "当事人系初次违法，且经指出后立即驶离。"}
    assert all(e.standard_sha256 == STANDARD.sha256 for e in entries)
    assert penalty.get(store, decision_id).choice == choice(90)
    [_, deviated, _] = events(store.conn, Action.PENALTY_CHOSEN)
    assert deviated.details["deviation"] == "lighter"


def test_a_decision_needing_no_review_is_approved_when_chosen(bureau: Bureau) -> None:
    decision_id = drafted(bureau, review=False)
    decision = penalty.get(bureau.world.store, decision_id)
    assert decision.state is DecisionState.APPROVED and not decision.review_required
    penalty.require_signable(decision)  # no refusal
    with pytest.raises(UserError, match="needs no legal review"):
        penalty.submit_for_review(bureau.world.store, decision_id)


@pytest.mark.parametrize(("offered", "message", "code"), [
    (choice(30, Deviation(DeviationKind.LIGHTER, "  ")),
     "needs a written reason for the deviation", "deviation_reason_missing"),
    (choice(30), "outside the proposed range of 50 to 100 yuan", "deviation_required"),
    (choice(500, Deviation(DeviationKind.HEAVIER, "多次违停。")),
     "above the statutory maximum of 200 yuan", "above_statutory_maximum"),
    (choice(10, Deviation(DeviationKind.LIGHTER, "初次违法。")),
     "below the statutory minimum of 20 yuan", "below_statutory_minimum"),
    (choice(150, Deviation(DeviationKind.LIGHTER, "初次违法。")),
     "a lighter or mitigated penalty goes the other way", "deviation_direction"),
])
def test_a_refused_choice_changes_nothing_and_is_audited(
        bureau: Bureau, offered: object, message: str, code: str) -> None:
    store = bureau.world.store
    decision_id = drafted(bureau)
    before = penalty.get(store, decision_id)
    with pytest.raises(UserError, match=message):
        penalty.record_choice(store, decision_id, offered)  # type: ignore[arg-type]
    assert penalty.get(store, decision_id) == before
    assert len(penalty.history(store, decision_id)) == 2
    [refused] = events(store.conn, Action.PENALTY_CHOICE_REFUSED)
    assert refused.outcome is Outcome.DENIED and refused.details["code"] == code
    assert refused.details["standard_sha256"] == STANDARD.sha256
    assert refused.details["library_sha256"] == LIBRARY.sha256


def test_a_mitigated_penalty_may_go_below_the_statutory_minimum(bureau: Bureau) -> None:
    decision_id = drafted(bureau)
    mitigated = choice(10, Deviation(DeviationKind.MITIGATED, "当事人主动消除违法行为危害后果。"))
    assert penalty.record_choice(bureau.world.store, decision_id, mitigated).choice == mitigated


def test_only_the_drafting_officer_changes_the_decision(bureau: Bureau) -> None:
    decision_id = drafted(bureau)
    bureau.as_admin()
    with pytest.raises(UserError, match="Only the case officer who drafts this decision"):
        penalty.record_choice(bureau.world.store, decision_id, choice(60))
    assert penalty.get(bureau.world.store, decision_id).choice == choice(80)


# -- legal review ----------------------------------------------------------------------------
def test_a_decision_needing_review_cannot_be_signed_until_approved(bureau: Bureau) -> None:
    decision_id = submitted(bureau)
    store = bureau.world.store
    with pytest.raises(UserError, match="needs legal review"):
        penalty.require_signable(penalty.get(store, decision_id))
    with pytest.raises(UserError, match="with the legal reviewer"):
        penalty.record_choice(store, decision_id, choice(60))
    bureau.as_reviewer()
    assert [d.id for d in penalty.review_queue(bureau.world.store)] == [decision_id]
    decision = penalty.approve(bureau.world.store, decision_id, "同意。",
                               secret=REVIEWER_PASSWORD)
    assert decision.state is DecisionState.APPROVED
    review = decision.last_review
    assert review is not None and review.verdict is ReviewVerdict.APPROVED
    assert review.reviewer_id == bureau.reviewer.id and review.reviewer_name == "测试审核员"
    penalty.require_signable(decision)
    check = penalty.verify_review(bureau.world.store, review.id)
    assert check.valid and check.current, check.problem
    assert penalty.review_queue(bureau.world.store) == []
    [reviewed] = events(bureau.world.store.conn, Action.PENALTY_REVIEWED)
    assert reviewed.details["verdict"] == "approved"
    assert reviewed.details["key_fingerprint"] == review.key_fingerprint
    report = audit_trail.verify(bureau.world.store)
    assert report.ok, report.problems
    assert {"penalty_decisions", "penalty_decision_history", "penalty_reviews"} <= set(
        report.records_by_table)


def test_a_returned_decision_goes_back_with_the_comments(bureau: Bureau) -> None:
    decision_id = submitted(bureau)
    bureau.as_reviewer()
    with pytest.raises(UserError, match="needs written comments"):
        penalty.return_for_changes(bureau.world.store, decision_id, "  ",
                                   secret=REVIEWER_PASSWORD)
    assert penalty.get(bureau.world.store, decision_id).state is DecisionState.IN_REVIEW
    comments = "当事人未在现场，请补充妨碍通行的证据后再定阶次。"
    decision = penalty.return_for_changes(bureau.world.store, decision_id, comments,
                                          secret=REVIEWER_PASSWORD)
    assert decision.state is DecisionState.RETURNED
    bureau.as_officer()
    store = bureau.world.store
    decision = penalty.get(store, decision_id)
    assert decision.last_review is not None and decision.last_review.comments == comments
    with pytest.raises(UserError, match=comments):
        penalty.require_signable(decision)
    assert penalty.verify_review(store, decision.last_review.id).valid
    penalty.record_choice(store, decision_id, choice(60))
    assert penalty.submit_for_review(store, decision_id).state is DecisionState.IN_REVIEW


def test_an_officer_who_is_not_a_legal_reviewer_cannot_review(bureau: Bureau) -> None:
    decision_id = submitted(bureau)
    bureau.as_admin()  # another officer, with a key and the right password, but no reviewer
    store = bureau.world.store
    with pytest.raises(UserError, match="Only a legal reviewer may review"):
        penalty.approve(store, decision_id, "同意。", secret=PASSWORD)
    decision = penalty.get(store, decision_id)
    assert decision.state is DecisionState.IN_REVIEW and decision.reviews == ()
    [refused] = events(store.conn, Action.PENALTY_REVIEW_REFUSED)
    assert refused.details["code"] == "not_a_reviewer" and refused.outcome is Outcome.DENIED


def test_the_drafting_officer_cannot_review_their_own_decision(bureau: Bureau) -> None:
    bureau.as_reviewer()  # a legal reviewer who drafts a decision as case officer
    decision_id = submitted(bureau)
    with pytest.raises(UserError, match="cannot review it"):
        penalty.approve(bureau.world.store, decision_id, "同意。", secret=REVIEWER_PASSWORD)
    decision = penalty.get(bureau.world.store, decision_id)
    assert decision.state is DecisionState.IN_REVIEW and decision.reviews == ()
    with pytest.raises(UserError, match="needs legal review"):
        penalty.require_signable(decision)


def test_a_wrong_password_signs_nothing_and_counts(bureau: Bureau) -> None:
    decision_id = submitted(bureau)
    bureau.as_reviewer()
    store = bureau.world.store
    with pytest.raises(UserError, match=r"(?i)wrong password"):
        penalty.approve(store, decision_id, "同意。", secret="not-the-password")
    decision = penalty.get(store, decision_id)
    assert decision.state is DecisionState.IN_REVIEW and decision.reviews == ()
    [failed] = events(store.conn, Action.SIGNER_AUTH_FAILED)
    assert failed.details["signer"] == bureau.reviewer.id


def test_a_tampered_stored_review_fails_its_signature_check(bureau: Bureau) -> None:
    decision_id = submitted(bureau)
    bureau.as_reviewer()
    store = bureau.world.store
    decision = penalty.return_for_changes(store, decision_id, "请补充证据。",
                                          secret=REVIEWER_PASSWORD)
    assert decision.last_review is not None
    review_id = decision.last_review.id
    # someone holding the data key drops the trigger and turns the return into an approval
    store.conn.execute("DROP TRIGGER penalty_reviews_no_update")
    store.conn.execute("UPDATE penalty_reviews SET verdict = 'approved', comments = '同意。'"
                       " WHERE id = ?", (review_id,))
    check = penalty.verify_review(store, review_id)
    assert not check.valid and "altered" in check.problem
    report = audit_trail.verify(store)
    assert any(f"penalty_reviews {review_id}" in p.message for p in report.problems)


def test_a_choice_changed_after_approval_needs_a_new_review(bureau: Bureau) -> None:
    decision_id = submitted(bureau)
    bureau.as_reviewer()
    approved = penalty.approve(bureau.world.store, decision_id, "同意。",
                               secret=REVIEWER_PASSWORD)
    assert approved.last_review is not None
    bureau.as_officer()
    store = bureau.world.store
    changed = penalty.record_choice(store, decision_id, lighter(40))
    assert changed.state is DecisionState.CHOSEN
    with pytest.raises(UserError, match="needs legal review"):
        penalty.require_signable(changed)
    check = penalty.verify_review(store, approved.last_review.id)
    assert check.valid and not check.current  # the old approval is genuine but for 80 yuan
    # Even a row forced back to APPROVED behind the program's back is not signable: the
    # approval's hash is of the earlier choice.
    store.conn.execute("UPDATE penalty_decisions SET state = 'approved' WHERE id = ?",
                       (decision_id,))
    with pytest.raises(UserError, match="needs legal review"):
        penalty.require_signable(penalty.get(store, decision_id))


def test_a_decided_decision_is_frozen(bureau: Bureau) -> None:
    decision_id = drafted(bureau, review=False)
    store = bureau.world.store
    with store.transaction() as tx:
        repo.set_decided(tx, decision_id)
    with pytest.raises(UserError, match="has been signed"):
        penalty.record_choice(store, decision_id, choice(60))
    with pytest.raises(UserError, match="signed or append-only"), store.transaction() as tx:
        tx.conn.execute("UPDATE penalty_decisions SET choice_json = NULL WHERE id = ?",
                        (decision_id,))
    with pytest.raises(UserError, match="already been signed"):
        penalty.require_signable(penalty.get(store, decision_id))


def test_facts_evaluated_again_after_approval_start_over_and_keep_the_past(
        bureau: Bureau) -> None:
    decision_id = submitted(bureau)
    bureau.as_reviewer()
    penalty.approve(bureau.world.store, decision_id, "同意。", secret=REVIEWER_PASSWORD)
    bureau.as_officer()
    store = bureau.world.store
    stated = facts("obstructs_traffic", "repeat_offence")
    again = penalty.record_proposal(store, decision_id, stated,
                                    evaluation(stated, row_hash="b" * 64), STANDARD, LIBRARY)
    assert again.state is DecisionState.DRAFT and again.choice is None
    assert again.facts == stated
    with pytest.raises(UserError, match="not been chosen yet"):
        penalty.require_signable(again)
    assert [e.kind for e in penalty.history(store, decision_id)] == [
        "proposal", "choice", "proposal"]
    assert [e.matter_row_hash for e in penalty.history(store, decision_id)] == [
        "a" * 64, "a" * 64, "b" * 64]
    with pytest.raises(UserError, match="made for other facts"):
        penalty.record_proposal(store, decision_id, facts(), evaluation(stated), STANDARD,
                                LIBRARY)


def test_waiving_a_penalty_the_evaluation_gives_is_refused(bureau: Bureau) -> None:
    decision_id = drafted(bureau)
    waived = Choice(waived=True, amount=None, penalties=(), deviation=None, steps=())
    with pytest.raises(UserError, match="no ground to waive it was found"):
        penalty.record_choice(bureau.world.store, decision_id, waived)
    assert penalty.get(bureau.world.store, decision_id).choice == choice(80)


def test_a_history_or_decision_row_edited_behind_the_program_is_named(bureau: Bureau) -> None:
    decision_id = drafted(bureau)
    store = bureau.world.store
    assert audit_trail.verify(store).ok
    # someone holding the data key lowers the fine kept in the history and in the decision
    store.conn.execute("DROP TRIGGER penalty_decision_history_no_update")
    store.conn.execute("UPDATE penalty_decision_history SET body_json = replace(body_json,"
                       " '\"amount\": 80', '\"amount\": 20') WHERE decision_id = ? AND seq = 2",
                       (decision_id,))
    store.conn.execute("UPDATE penalty_decisions SET choice_json = replace(choice_json,"
                       " '\"amount\": 80', '\"amount\": 20') WHERE id = ?", (decision_id,))
    assert penalty.get(store, decision_id).choice == choice(20)  # the edit took
    problems = [p.message for p in audit_trail.verify(store).problems]
    assert any(f"penalty_decision_history {decision_id}/2" in m for m in problems), problems
    assert any(f"penalty_decisions {decision_id}" in m for m in problems), problems
