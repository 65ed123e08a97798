"""A legal review signed with a key on a hardware token (SoftHSM2 through PKCS#11) on a real
store: the reviewer approves or returns with their token's PIN; the review is verified by the
same check as one signed with a software key; a tampered review fails it; a wrong PIN keeps
nothing, says so, and is counted and audited like a wrong password."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from desktop.domain.errors import UserError
from desktop.domain.model import Action, Officer, Outcome
from desktop.domain.penalty import DecisionState, ReviewVerdict
from desktop.services import audit_trail, penalty
from desktop.store import audit
from tests.conftest import SECOND_PASSWORD, FakeClock, World, provision_world_keys
from tests.services.penalty_decision_support import (
    LIBRARY,
    STANDARD,
    TOKEN_REVIEWER_CERT,
    TOKEN_REVIEWER_PASSWORD,
    add_token_reviewer,
    choice,
    evaluation,
    facts,
    login,
)
from tests.services.test_penalty import events


@dataclass
class TokenBureau:
    world: World
    reviewer: Officer
    clock: FakeClock
    pki: Any
    pin: str

    def as_officer(self) -> None:
        login(self.world, "TEST0002", SECOND_PASSWORD, self.clock)

    def as_reviewer(self) -> None:
        login(self.world, TOKEN_REVIEWER_CERT, TOKEN_REVIEWER_PASSWORD, self.clock)

    def submitted(self) -> str:
        """As the case officer: a decision evaluated, chosen (80 yuan) and submitted."""
        self.as_officer()
        store = self.world.store
        decision = penalty.open_decision(store, self.world.case.id, self.world.statement.id)
        stated = facts("obstructs_traffic")
        penalty.record_proposal(store, decision.id, stated, evaluation(stated), STANDARD,
                                LIBRARY)
        penalty.record_choice(store, decision.id, choice(80))
        penalty.submit_for_review(store, decision.id)
        return decision.id


@pytest.fixture
def bureau(world: World, clock: FakeClock, pki: Any, softhsm: Any) -> TokenBureau:
    provision_world_keys(world)  # the case officer's and the administrator's software keys
    reviewer = add_token_reviewer(world, pki, softhsm)
    return TokenBureau(world, reviewer, clock, pki, softhsm.user_pin)


def pin_nowhere(b: TokenBureau) -> None:
    """The PIN is in no audit leaf and no stored review."""
    conn = b.world.store.conn
    assert not any(b.pin in (r.details or "") for r in audit.records(conn))
    rows = conn.execute("SELECT * FROM penalty_reviews").fetchall()
    assert not any(b.pin in str(value) for row in rows for value in row)


def test_an_approval_signed_on_the_token_is_verified(bureau: TokenBureau) -> None:
    decision_id = bureau.submitted()
    bureau.as_reviewer()
    store = bureau.world.store
    decision = penalty.approve(store, decision_id, "同意。", secret=bureau.pin)
    assert decision.state is DecisionState.APPROVED
    review = decision.last_review
    assert review is not None and review.verdict is ReviewVerdict.APPROVED
    assert review.reviewer_id == bureau.reviewer.id
    # the key that signed is the one on the token: its certificate's public key
    token_certificate = bureau.pki.officers[0].certificate
    assert review.key_fingerprint == penalty.key_fingerprint(token_certificate)
    check = penalty.verify_review(store, review.id)
    assert check.valid and check.current, check.problem
    # checked independently too: a DER ECDSA/SHA-256 signature over the canonical record
    record = penalty.review_record(review.id, decision_id, review.reviewed_sha256,
                                   review.verdict, review.comments, review.at,
                                   review.reviewer_id, review.key_fingerprint)
    public = token_certificate.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    public.verify(bytes.fromhex(review.signature), record, ec.ECDSA(hashes.SHA256()))
    penalty.require_signable(decision)
    [reviewed] = events(store.conn, Action.PENALTY_REVIEWED)
    assert reviewed.details["verdict"] == "approved"
    assert reviewed.details["key_fingerprint"] == review.key_fingerprint
    report = audit_trail.verify(store)
    assert report.ok, report.problems
    pin_nowhere(bureau)


def test_a_return_signed_on_the_token_is_verified_and_tampering_fails(
        bureau: TokenBureau) -> None:
    decision_id = bureau.submitted()
    bureau.as_reviewer()
    store = bureau.world.store
    comments = "请补充当事人不在现场的证据后再定阶次。"
    decision = penalty.return_for_changes(store, decision_id, comments, secret=bureau.pin)
    assert decision.state is DecisionState.RETURNED
    review = decision.last_review
    assert review is not None and review.comments == comments
    check = penalty.verify_review(store, review.id)
    assert check.valid and check.current, check.problem
    # someone holding the data key drops the trigger and turns the return into an approval
    store.conn.execute("DROP TRIGGER penalty_reviews_no_update")
    store.conn.execute("UPDATE penalty_reviews SET verdict = 'approved', comments = '同意。'"
                       " WHERE id = ?", (review.id,))
    tampered = penalty.verify_review(store, review.id)
    assert not tampered.valid and "altered" in tampered.problem
    report = audit_trail.verify(store)
    assert any(f"penalty_reviews {review.id}" in p.message for p in report.problems)
    pin_nowhere(bureau)


def test_a_wrong_pin_keeps_nothing_and_says_so(bureau: TokenBureau) -> None:
    decision_id = bureau.submitted()
    bureau.as_reviewer()
    store = bureau.world.store
    with pytest.raises(UserError, match="Wrong token PIN"):
        penalty.approve(store, decision_id, "同意。", secret="0000")
    decision = penalty.get(store, decision_id)
    assert decision.state is DecisionState.IN_REVIEW and decision.reviews == ()
    assert [d.id for d in penalty.review_queue(store)] == [decision_id]  # still waiting
    [failed] = events(store.conn, Action.SIGNER_AUTH_FAILED)
    assert failed.details["signer"] == bureau.reviewer.id
    assert failed.details["method"] == "token" and failed.outcome is Outcome.DENIED
    assert events(store.conn, Action.PENALTY_REVIEWED) == []
    # the login password is not the token's PIN either
    with pytest.raises(UserError, match="Wrong token PIN"):
        penalty.return_for_changes(store, decision_id, "请补充。",
                                   secret=TOKEN_REVIEWER_PASSWORD)
    assert penalty.get(store, decision_id).reviews == ()
    # the right PIN then signs
    approved = penalty.approve(store, decision_id, "同意。", secret=bureau.pin)
    assert approved.state is DecisionState.APPROVED and approved.last_review is not None
    assert penalty.verify_review(store, approved.last_review.id).valid
    assert len(events(store.conn, Action.SIGNER_AUTH_FAILED)) == 2
    pin_nowhere(bureau)
