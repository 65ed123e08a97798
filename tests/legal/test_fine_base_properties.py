"""Properties of fines taken as a share or a multiple of a base (hypothesis; decision 52):

- for any base amount and any tier, the proposed amount lies within the statutory share (or
  multiple) of the base, exactly (no float), and within the tier's; never below one yuan;
- a base too small for any whole yuan is refused (``base_too_small``), and only then;
- the same facts under the same standard give the same evaluation, also after the standard
  and the evaluation went through their bytes;
- without a base no amount is proposed and a step says the base is needed;
- a deviation without a reason is always refused, and every amount the engine accepts lies
  within the statute's exact range of the base.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from legal.discretion.engine import FactsError, choose, evaluate
from legal.discretion.evaluation import (
    ChoiceRefused,
    Deviation,
    DeviationKind,
    Evaluation,
    Facts,
    Outcome,
)
from legal.discretion.model import (
    FactorRange,
    FineBasis,
    Matter,
    PartyType,
    Standard,
    Tier,
    TierLevel,
)

CODE = "P-1"


@st.composite
def factor_ranges(draw: st.DrawFn) -> FactorRange:
    kind = draw(st.sampled_from([FineBasis.SHARE_OF, FineBasis.MULTIPLE_OF]))
    scale = 1000 if kind is FineBasis.SHARE_OF else 4  # ‰ steps; quarter multiples
    top = 1000 if kind is FineBasis.SHARE_OF else 40
    low = draw(st.integers(0, top - 1))
    high = draw(st.integers(max(low, 1), top))
    base = "建设工程造价" if kind is FineBasis.SHARE_OF else draw(st.sampled_from(["违法所得",
                                                                               "货值金额"]))
    return FactorRange(kind, base, Fraction(low, scale), Fraction(high, scale))


@st.composite
def inner(draw: st.DrawFn, outer: FactorRange) -> FactorRange:
    steps = 1000
    span = outer.high - outer.low
    a = draw(st.integers(0, steps))
    b = draw(st.integers(a, steps))
    low, high = outer.low + span * Fraction(a, steps), outer.low + span * Fraction(b, steps)
    if high == 0:
        high = outer.high
    return FactorRange(outer.kind, outer.base, low, high)


@st.composite
def standards(draw: st.DrawFn) -> Standard:
    statutory = draw(factor_ranges())
    levels = sorted(draw(st.lists(st.sampled_from([TierLevel.MINOR, TierLevel.GENERAL,
                                                   TierLevel.GRAVE]), min_size=1,
                                  unique=True)), key=list(TierLevel).index)
    tiers = tuple(Tier(level=level, conditions=(f"c-{i}",), condition_text=f"合成情形{i}",
                       penalties=("罚款",), fines={p: None for p in PartyType},
                       factors={p: draw(inner(statutory)) for p in PartyType})
                  for i, level in enumerate(levels))
    matter = Matter(code=CODE, name="合成事项", field="合成", violation_basis=(),
                    penalty_basis=("《中华人民共和国城乡规划法》第六十四条",),
                    statutory={p: None for p in PartyType}, statutory_penalties=("罚款",),
                    tiers=tiers, statutory_factors={p: statutory for p in PartyType})
    return Standard(id="synthetic", title="合成（示例）", version_date="2026-12-01",
                    effective_date="2026-12-01", issuer="合成", example=True,
                    conditions={f"c-{i}": f"合成情形{i}" for i in range(3)}, matters=(matter,),
                    hearing_thresholds={p: draw(st.integers(1, 10**9)) for p in PartyType},
                    review_thresholds={p: draw(st.integers(1, 10**9)) for p in PartyType})


bases = st.integers(1, 10**12).map(lambda cents: Decimal(cents) / 100)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Standard, Facts]:
    standard = draw(standards())
    conditions = frozenset(draw(st.lists(st.sampled_from(["c-0", "c-1", "c-2"]), max_size=2)))
    facts = Facts(CODE, draw(st.sampled_from(list(PartyType))), conditions,
                  base_amount=draw(bases), base_note="合成证据")
    return standard, facts


def _evaluated(standard: Standard, facts: Facts) -> Evaluation | str:
    """The evaluation, or the code of the engine's refusal."""
    try:
        return evaluate(standard, facts)
    except FactsError as exc:
        return exc.code


def _chosen(e: Evaluation, amount: int, deviation: Deviation | None) -> int | str | None:
    """The amount the engine accepted, or the code of its refusal."""
    try:
        return choose(e, waive=False, amount=amount, deviation=deviation).amount
    except ChoiceRefused as exc:
        return exc.code


def _exact(factors: FactorRange, base: Decimal) -> tuple[Fraction, Fraction]:
    return Fraction(base) * factors.low, Fraction(base) * factors.high


@settings(max_examples=300, deadline=None)
@given(cases())
def test_the_proposed_amount_lies_within_the_statutory_share_of_the_base(
        case: tuple[Standard, Facts]) -> None:
    standard, facts = case
    matter = standard.matter(CODE)
    assert matter is not None and facts.base_amount is not None
    statutory = matter.statutory_factors[facts.party_type]
    e = _evaluated(standard, facts)
    if isinstance(e, str):
        assert e == "base_too_small"
        tier_factors = [t.factor(facts.party_type) for t in matter.tiers]
        assert any(f is not None and math.floor(_exact(f, facts.base_amount)[1])
                   < max(1, math.ceil(_exact(f, facts.base_amount)[0]))
                   for f in [statutory, *tier_factors])
        return
    assert e.outcome is Outcome.PENALTY
    assert e.proposed_amount is not None and e.proposed_range is not None
    assert e.statutory_range is not None and e.proposed_range.within(e.statutory_range)
    low, high = _exact(statutory, facts.base_amount)
    assert e.proposed_amount >= 1 and low <= e.proposed_amount <= high
    assert e.proposed_factors is not None
    tier_low, tier_high = _exact(e.proposed_factors, facts.base_amount)
    assert tier_low <= e.proposed_amount <= tier_high
    assert e.proposed_amount in e.proposed_range


@settings(max_examples=150, deadline=None)
@given(cases())
def test_same_facts_same_result_also_through_the_bytes(case: tuple[Standard, Facts]) -> None:
    standard, facts = case
    first = _evaluated(standard, facts)
    if isinstance(first, str):
        assert first == "base_too_small"
        return
    again = evaluate(Standard.from_bytes(standard.to_bytes()),
                     Facts.from_json(facts.to_json()))
    assert again == first
    assert Evaluation.from_json(first.to_json()) == first


@settings(max_examples=100, deadline=None)
@given(standards(), st.sampled_from(list(PartyType)))
def test_without_a_base_nothing_is_proposed_and_the_base_is_asked_for(
        standard: Standard, party: PartyType) -> None:
    e = evaluate(standard, Facts(CODE, party, frozenset()))
    assert e.proposed_amount is None and e.proposed_range is None and e.statutory_range is None
    assert any(s.rule == "base" and "未录入" in s.text for s in e.steps)
    assert _chosen(e, 1000, None) == "base_required"


@settings(max_examples=300, deadline=None)
@given(cases(), st.integers(1, 10**13), st.sampled_from(list(DeviationKind)),
       st.sampled_from(["", "  ", "当事人主动拆除。"]))
def test_choices_stay_within_the_statute_and_a_deviation_needs_a_reason(
        case: tuple[Standard, Facts], amount: int, kind: DeviationKind, reason: str) -> None:
    standard, facts = case
    e = _evaluated(standard, facts)
    if isinstance(e, str):
        return
    assert facts.base_amount is not None and e.statutory_factors is not None
    low, high = _exact(e.statutory_factors, facts.base_amount)
    chosen = _chosen(e, amount, Deviation(kind, reason))
    if isinstance(chosen, str):
        assert reason.strip() or chosen in ("reason_required", "above_statutory_maximum",
                                            "deviation_not_needed", "wrong_deviation_kind",
                                            "mitigation_without_grounds")
        return
    assert reason.strip(), "a deviation without a reason was accepted"
    # No ground of arts. 30-32 is ticked here, so nothing goes below the statute either.
    assert chosen is not None and low <= chosen <= high
