"""A fine taken as a share of the construction cost (decision 52), through the real store, the
real engine and the starter standard accepted from HQ: the decision keeps the cost, its
evidence note and the factors; the choice is judged on the computed range; the decision's
document prints the cost and the share (pdftotext of the rendered PDF); the command line
takes the base in its facts file and refuses one that is no sum of money, in words."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from desktop.documents.penalty_text import penalty_words
from desktop.domain.errors import UserError
from desktop.domain.model import Action, RepresentativeTitle, UnitParty
from desktop.domain.penalty import PenaltyDocumentKind as Kind
from desktop.services import case_party, penalty, penalty_documents
from desktop.store import audit
from legal.discretion.evaluation import Deviation, DeviationKind, Facts
from legal.discretion.model import FactorRange, FineBasis, FineRange, PartyType
from tests.cli.helpers import last_json, run_cli
from tests.conftest import World
from tests.documents.test_penalty_render import text_of
from tests.services.test_penalty_with_engine import OFFICER, held

__all__ = ["held"]  # the fixture, shared with the engine's service tests

BUILDING = "示例-GH-001"
# The builder, a unit named as the case's party (decision 54; synthetic, valid check code).
BUILDER = UnitParty(name="测试建筑工程有限公司", credit_code="91110101TE00000019",
                    representative="测试法人丙",
                    representative_title=RepresentativeTitle.LEGAL_REPRESENTATIVE,
                    address="北京市东城区测试大街2号", phone="010-00000002")


@pytest.fixture
def builder(held: World) -> World:
    """The starter standard held, the case officer logged in, the builder the case's party."""
    case_party.set_unit(held.store, held.case.id, BUILDER)
    return held


def building(base: str | None, note: str = "造价核定书（合成）") -> Facts:
    return Facts(BUILDING, PartyType.UNIT, frozenset(), violation_date="2026-11-20",
                 discovered_date="2026-11-20",
                 base_amount=None if base is None else Decimal(base),
                 base_note="" if base is None else note)


def test_the_decision_keeps_the_cost_its_note_and_the_factors(builder: World) -> None:
    store = builder.store
    decision = penalty.open_decision(store, builder.case.id, builder.statement.id)
    decision = penalty.propose(store, decision.id, building("120000"))
    kept = penalty.get(store, decision.id)  # read back from the store
    assert kept.facts is not None and kept.facts.base_amount == Decimal("120000")
    assert kept.facts.base_note == "造价核定书（合成）"
    evaluation = kept.evaluation
    assert evaluation is not None
    assert evaluation.proposed_factors == FactorRange(FineBasis.SHARE_OF, "建设工程造价",
                                                      Fraction(1, 20), Fraction(1, 10))
    assert evaluation.proposed_range == FineRange(6000, 12_000)
    assert evaluation.proposed_amount == 9000
    [entry] = penalty.history(store, decision.id)
    assert entry.body["facts"]["base_amount"] == "120000"
    assert entry.body["evaluation"]["statutory_factors"]["high"] == "1/10"
    [proposed] = [json.loads(r.details) for r in audit.events_about(store.conn, decision.id)
                  if r.action == Action.PENALTY_PROPOSED.value]
    assert proposed["base_amount"] == "120000" and proposed["proposed_amount"] == 9000

    with pytest.raises(UserError, match="outside the proposed range of 6,000 to 12,000"):
        penalty.choose(store, decision.id, waive=False, amount=5000, deviation=None)
    chosen = penalty.choose(store, decision.id, waive=False, amount=6000, deviation=None)
    assert chosen.choice is not None and chosen.choice.amount == 6000
    assert penalty_words(chosen) == (
        "责令停止建设，并处限期改正，并处建设工程造价（人民币120000元）百分之五的罚款，"
        "计人民币6000元（大写：陆仟元整）")
    lighter = penalty.choose(store, decision.id, waive=False, amount=5999,
                             deviation=Deviation(DeviationKind.LIGHTER, "主动拆除部分违建。"))
    # 5999 is no short share of 120000: the range it left is printed, not an approximation.
    assert "建设工程造价（人民币120000元）百分之五以上百分之十以下幅度内的罚款，计人民币5999元" in \
        penalty_words(lighter)


def test_without_the_cost_nothing_is_proposed_and_a_fine_is_refused(builder: World) -> None:
    store = builder.store
    decision = penalty.open_decision(store, builder.case.id, builder.statement.id)
    decision = penalty.propose(store, decision.id, building(None))
    assert decision.evaluation is not None and decision.evaluation.proposed_amount is None
    assert any("未录入建设工程造价的数额" in s.text for s in decision.evaluation.steps)
    with pytest.raises(UserError, match="enter the amount of 建设工程造价"):
        penalty.choose(store, decision.id, waive=False, amount=6000, deviation=None)
    assert penalty.get(store, decision.id).choice is None  # nothing recorded


def test_the_prior_notice_prints_the_cost_and_the_share(builder: World, tmp_path: Path) -> None:
    store = builder.store
    decision = penalty.open_decision(store, builder.case.id, builder.statement.id)
    decision = penalty.propose(store, decision.id, building("240000"))
    penalty.choose(store, decision.id, waive=False, amount=18_000, deviation=None)
    drafted = penalty_documents.draft_for(store, decision.id, Kind.PRIOR_NOTICE)
    text = "".join(text_of(drafted.pdf, tmp_path).split())
    assert "建设工程造价（人民币240000元）百分之七点五的罚款，计人民币18000元" in text
    assert "建设工程造价为人民币240000元（依据：造价核定书（合成））" in text


def test_the_command_line_takes_the_base_and_refuses_a_bad_one(builder: World,
                                                               tmp_path: Path) -> None:
    workdir = builder.paths.workdir
    builder.store.close()
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(building("120000").to_json()), encoding="utf-8")
    result = run_cli("penalty", "propose", "测试〔2026〕1号", "--facts", str(facts), "--json",
                     "--workdir", str(workdir), env=OFFICER)
    assert result.returncode == 0, result.stderr
    proposed = last_json(result.stdout)
    assert proposed["evaluation"]["proposed_range"] == [6000, 12_000]
    assert proposed["evaluation"]["facts"]["base_note"] == "造价核定书（合成）"
    bad = {**building("120000").to_json(), "base_amount": "12万"}
    facts.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    result = run_cli("penalty", "propose", "测试〔2026〕1号", "--facts", str(facts), "--json",
                     "--workdir", str(workdir), env=OFFICER)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "is not valid" in result.stderr + result.stdout
    tiny = {**building("120000").to_json(), "base_amount": "5"}
    facts.write_text(json.dumps(tiny), encoding="utf-8")
    result = run_cli("penalty", "propose", "测试〔2026〕1号", "--facts", str(facts), "--json",
                     "--workdir", str(workdir), env=OFFICER)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "gives no fine of at least one whole yuan" in result.stderr + result.stdout
