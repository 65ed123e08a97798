"""A penalty case from the engine's proposal to the signed decision, through the program's own
wiring (`penalty_documents.draft_for`/`sign_for`): the starter standard and the shipped law
library accepted from HQ, the facts evaluated, the review a complex case needs given by a
legal reviewer who logs in as themselves, the prior notice served before the decision, and
what the rules refuse on the way. Store, keys, engine, PDFs: all real."""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.documents.synthetic_signature import synthetic_signature
from desktop.domain.errors import UserError
from desktop.domain.penalty import DecisionState
from desktop.domain.penalty import PenaltyDocumentKind as Kind
from desktop.services import penalty, penalty_documents, refdata
from desktop.services.officer_signing import Credentials
from legal.discretion.evaluation import Facts
from legal.discretion.model import PartyType
from legal.library.model import Library
from sync.protocol.refdata import DatasetVersion, RefManifest
from sync.protocol.signing import sign
from tests.conftest import PASSWORD, SECOND_PASSWORD, FakeClock, World
from tests.legal.discretion_support import SIDEWALK, starter_standard
from tests.legal.laws import shipped_library
from tests.poppler import poppler_tool
from tests.services.penalty_decision_support import (
    REVIEWER_CERT,
    REVIEWER_PASSWORD,
    add_reviewer,
    login,
    provision_keys,
)
from tests.services.penalty_support import set_unit_profile

HQ_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def publish(world: World, issued_ms: int, library: Library, version: int = 1) -> None:
    """HQ's manifest naming the starter standard and `library`, accepted by the device."""
    data = {"discretion": starter_standard().to_bytes(), "laws": library.to_bytes()}
    versions = {"discretion": 1, "laws": version}
    signed = sign(RefManifest(hq="hq-test", issued_ms=issued_ms, expires_ms=10**13, datasets={
        name: DatasetVersion(versions[name], hashlib.sha256(d).hexdigest(), len(d))
        for name, d in data.items()}), HQ_KEY)
    refdata.accept(world.store, signed.to_json(), pinned_key=HQ_KEY.public_key(),
                   hq_id="hq-test", fetch=lambda name, _version: data[name])


@pytest.fixture
def case(world: World, clock: FakeClock) -> World:
    """The datasets held, everyone's keys, a legal reviewer; the case officer logged in."""
    publish(world, 1000, shipped_library())
    set_unit_profile(world.store)
    provision_keys(world, add_reviewer(world))
    return world


def facts(*conditions: str) -> Facts:
    return Facts(SIDEWALK, PartyType.INDIVIDUAL, frozenset(conditions),
                 violation_date="2026-11-20", discovered_date="2026-11-20")


def decided_so_far(world: World, *conditions: str) -> str:
    """A decision of the case with the engine's proposed amount chosen; its id."""
    decision = penalty.open_decision(world.store, world.case.id, world.statement.id)
    proposed = penalty.propose(world.store, decision.id, facts(*conditions)).evaluation
    assert proposed is not None
    penalty.choose(world.store, decision.id, waive=False, amount=proposed.proposed_amount,
                   deviation=None)
    return decision.id


def serve(world: World, decision_id: str, kind: Kind, *, waived: bool = False
          ) -> penalty_documents.KeptPenaltyDocument:
    """Draft, have the party sign for it on the pad, and sign it as the officers."""
    draft = penalty_documents.draft_for(world.store, decision_id, kind, rights_waived=waived)
    page = draft.receipt_page
    receipt = synthetic_signature(page, draft.page_bindings[page], seed=5)
    credentials = Credentials(secrets={world.admin.id: PASSWORD,
                                       world.second.id: SECOND_PASSWORD},
                              custodian_id=world.admin.id, custodian_secret=PASSWORD)
    return penalty_documents.sign_for(world.store, decision_id, kind, credentials=credentials,
                                      receipt=receipt, at=draft.at, rights_waived=waived)


def test_a_complex_case_is_reviewed_before_its_decision_is_signed(
        case: World, clock: FakeClock) -> None:
    decision_id = decided_so_far(case, "complex_case")  # art. 58 (三)
    chosen = penalty.get(case.store, decision_id)
    assert chosen.review_required and chosen.state is DecisionState.CHOSEN
    assert penalty_documents.kinds_for(chosen) == [Kind.PRIOR_NOTICE, Kind.DECISION]
    notice = serve(case, decision_id, Kind.PRIOR_NOTICE)  # told before review: allowed
    assert notice.number.endswith("第1号")
    with pytest.raises(UserError, match="legal review"):
        serve(case, decision_id, Kind.DECISION)
    penalty.submit_for_review(case.store, decision_id)
    login(case, REVIEWER_CERT, REVIEWER_PASSWORD, clock)
    assert [d.id for d in penalty.review_queue(case.store)] == [decision_id]
    penalty.approve(case.store, decision_id, "事实清楚，依据正确，同意。",
                    secret=REVIEWER_PASSWORD)
    login(case, "TEST0002", SECOND_PASSWORD, clock)
    clock.advance(days=6)  # the notice's five days to state and defend have run out
    decided = serve(case, decision_id, Kind.DECISION)
    assert decided.kind is Kind.DECISION
    final = penalty.get(case.store, decision_id)
    assert final.state is DecisionState.DECIDED
    with pytest.raises(UserError):  # a decided decision is never chosen again
        penalty.choose(case.store, decision_id, waive=False, amount=50, deviation=None)
    assert [k.kind for k in penalty_documents.documents(case.store, decision_id)] == [
        Kind.PRIOR_NOTICE, Kind.DECISION]


def test_the_decision_waits_for_its_prior_notice(case: World, clock: FakeClock) -> None:
    login(case, "TEST0002", SECOND_PASSWORD, clock)
    decision_id = decided_so_far(case)
    assert penalty.get(case.store, decision_id).state is DecisionState.APPROVED  # no review
    with pytest.raises(UserError, match="prior notice"):
        serve(case, decision_id, Kind.DECISION)
    assert penalty_documents.documents(case.store, decision_id) == []
    notice = serve(case, decision_id, Kind.PRIOR_NOTICE)
    served = notice.served_at.date()
    # Five days to state and defend, counted from the day after it was received (art. 45).
    with pytest.raises(UserError, match=f"until {served + timedelta(days=5)}.*from "
                                        f"{served + timedelta(days=6)}"):
        serve(case, decision_id, Kind.DECISION)
    clock.advance(days=5)
    with pytest.raises(UserError, match="state their case"):
        serve(case, decision_id, Kind.DECISION)
    clock.advance(days=1)
    serve(case, decision_id, Kind.DECISION)
    assert penalty.get(case.store, decision_id).state is DecisionState.DECIDED


def test_a_party_who_waives_the_period_in_writing_is_decided_at_once(
        case: World, clock: FakeClock, tmp_path: Path) -> None:
    login(case, "TEST0002", SECOND_PASSWORD, clock)
    decision_id = decided_so_far(case)
    with pytest.raises(UserError, match="Only a party who signs for the prior notice"):
        penalty_documents.draft_for(case.store, decision_id, Kind.DECISION,
                                    rights_waived=True)
    notice = serve(case, decision_id, Kind.PRIOR_NOTICE, waived=True)
    assert notice.rights_waived
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(penalty_documents.document_pdf(case.store, notice.id))
    text = subprocess.run([poppler_tool("pdftotext"), str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout.replace("\n", "")
    assert "自愿放弃" in text and "陈述、申辩" in text  # above the party's signature
    serve(case, decision_id, Kind.DECISION)  # the same day
    assert penalty.get(case.store, decision_id).state is DecisionState.DECIDED


def test_documents_wait_for_a_new_evaluation_after_the_library_changed(
        case: World, clock: FakeClock) -> None:
    login(case, "TEST0002", SECOND_PASSWORD, clock)
    decision_id = decided_so_far(case)
    newer = shipped_library()
    publish(case, 2000, replace(newer, edition=newer.edition + "（更新）"), version=2)
    with pytest.raises(UserError, match="law library was updated"):
        penalty_documents.draft_for(case.store, decision_id, Kind.PRIOR_NOTICE)
    evaluated_again = penalty.propose(case.store, decision_id, facts()).evaluation
    assert evaluated_again is not None
    penalty.choose(case.store, decision_id, waive=False,
                   amount=evaluated_again.proposed_amount, deviation=None)
    drafted = penalty_documents.draft_for(case.store, decision_id, Kind.PRIOR_NOTICE)
    assert drafted.page_count >= 1
