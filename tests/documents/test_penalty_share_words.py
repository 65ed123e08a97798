"""How a decision's penalty sentence prints a fine taken of a base (decision 52): the base, its
amount and the chosen amount's exact share or multiple of it; where the amount is no short
exact share (its low end was rounded up to whole yuan), the range it was chosen in, never an
approximate factor. Evaluations and choices are the real engine's, over synthetic tables."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from desktop.documents.penalty_text import penalty_words
from desktop.domain.penalty import DecisionState, PenaltyDecision
from legal.discretion.engine import choose, evaluate
from legal.discretion.evaluation import Deviation, DeviationKind, Facts
from legal.discretion.model import PartyType, Standard
from legal.discretion.table import build_standard


def _standard(statutory: str, tier: str) -> Standard:
    row = {"序号": "1", "事项代码": "X-1", "事项名称": "合成事项",
           "处罚依据": "《中华人民共和国大气污染防治法》第一百零五条", "法定处罚种类": "罚款",
           "法定幅度（个人）": statutory, "法定幅度（单位）": statutory, "阶次": "一般",
           "处罚种类": "罚款", "裁量幅度（个人）": tier, "裁量幅度（单位）": tier}
    return build_standard([row], id="synthetic", title="合成（示例）", version_date="2026-12-01",
                          effective_date="2026-12-01", issuer="合成", example=True)


def _words(standard: Standard, base: str, amount: int,
           deviation: Deviation | None = None) -> str:
    facts = Facts("X-1", PartyType.UNIT, frozenset(), base_amount=Decimal(base),
                  base_note="合成证据")
    evaluation = evaluate(standard, facts)
    choice = choose(evaluation, waive=False, amount=amount, deviation=deviation)
    return penalty_words(PenaltyDecision(
        id="d", case_id="c", statement_id=None, officer_id="o",
        created_at=datetime(2026, 12, 1, tzinfo=UTC), state=DecisionState.CHOSEN, facts=facts,
        evaluation=evaluation, choice=choice, standard=None, library=None))


@pytest.mark.parametrize(("base", "amount", "printed"), [
    ("10000", 20_000, "处货值金额（人民币10000元）二倍的罚款，计人民币20000元（大写：贰万元整）"),
    ("10000", 15_000, "处货值金额（人民币10000元）一点五倍的罚款，计人民币15000元"),
    ("3333.33", 6667, "处货值金额（人民币3333.33元）一倍以上三倍以下幅度内的罚款，计人民币6667元"),
])
def test_a_multiple_of_the_goods_value(base: str, amount: int, printed: str) -> None:
    standard = _standard("货值金额一倍以上三倍以下", "货值金额一倍以上三倍以下")
    assert _words(standard, base, amount).startswith(printed)


def test_a_share_of_the_cost_below_the_tier() -> None:
    standard = _standard("建设工程造价百分之五以上百分之十以下",
                         "建设工程造价百分之七以上百分之十以下")
    assert _words(standard, "100000", 7500).startswith(
        "处建设工程造价（人民币100000元）百分之七点五的罚款，计人民币7500元")
    lighter = _words(standard, "100000", 6000,
                     Deviation(DeviationKind.LIGHTER, "主动拆除部分违法建筑。"))
    assert lighter.startswith("处建设工程造价（人民币100000元）百分之六的罚款，计人民币6000元")
