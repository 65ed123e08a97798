"""The demo's penalty facts are dated by the clock the penalty documents are dated by: on a
machine whose clock says UTC, at 20:00 on 7 December (already 8 December in Beijing), the
facts, the document's date and the facts the decision recites all say 7 December. Real store,
real datasets accepted from HQ, real engine, the document composed as the officer reads it."""

from __future__ import annotations

from datetime import UTC, datetime

from desktop.domain.penalty import PenaltyDocumentKind
from desktop.services import penalty, penalty_documents
from desktop.services.demo_penalty import demo_facts
from tests.conftest import FakeClock, World
from tests.legal.discretion_support import SIDEWALK
from tests.legal.laws import shipped_library
from tests.services.penalty_support import set_unit_profile
from tests.services.test_penalty_document_flow import publish


def test_the_demo_facts_and_the_documents_share_one_date(world: World,
                                                          clock: FakeClock) -> None:
    publish(world, 1000, shipped_library())
    set_unit_profile(world.store)  # the administrator's, before any document
    clock.now = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)  # 8 December 04:00 in Beijing
    facts = demo_facts(world.store, SIDEWALK)  # the matter the demo's statement matches
    assert (facts.violation_date, facts.discovered_date) == ("2026-12-07", "2026-12-07")

    decision = penalty.open_decision(world.store, world.case.id, world.statement.id)
    evaluation = penalty.propose(world.store, decision.id, facts).evaluation
    assert evaluation is not None and evaluation.proposed_amount is not None
    penalty.choose(world.store, decision.id, waive=False,
                   amount=evaluation.proposed_amount, deviation=None)
    draft = penalty_documents.draft_for(world.store, decision.id,
                                        PenaltyDocumentKind.PRIOR_NOTICE)
    assert draft.content.dated.isoformat() == "2026-12-07"
    text = "\n".join(t for _style, t in draft.content.parts)
    assert "2026年12月7日" in text and "2026年12月8日" not in text
