"""Properties of the engine over generated standards and facts (hypothesis):

- the proposed amount always lies within the statutory range of the cited penalty article
  (and within the proposed tier);
- a deviation without a reason is always refused, and so is any amount outside the tier
  without a deviation, or above the statutory maximum;
- the same facts under the same standard version always give the same evaluation, also after
  the standard went through its dataset bytes (what the desktop holds);
- for every choice the engine accepts, its hearing right (art. 63) and legal review (art. 58)
  are set exactly when the chosen fine reaches the threshold the evaluation recorded, or the
  evaluation's own grounds hold (a penalty kind of art. 63, the conditions of art. 58);
- a matter whose penalty clause fines another party type and not this one is refused for
  this one (``party_not_provided``), and only then;
- every matter search hit holds the query.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from legal.discretion.engine import FactsError, MatterIndex, choose, evaluate, provides_for
from legal.discretion.evaluation import (
    ChoiceRefused,
    Deviation,
    DeviationKind,
    Evaluation,
    Facts,
    Outcome,
)
from legal.discretion.law import HEARING_KINDS, REVIEW_ITEMS
from legal.discretion.model import (
    STATUTORY_CONDITIONS,
    FineRange,
    Matter,
    PartyType,
    Standard,
    Tier,
    TierLevel,
)

OWN_CONDITIONS = {f"c-{i}": f"合成情形{i}" for i in range(6)}
ALL_CONDITIONS = sorted({*OWN_CONDITIONS, *STATUTORY_CONDITIONS})


@st.composite
def fine_ranges(draw: st.DrawFn) -> FineRange:
    low = draw(st.integers(1, 100_000))
    return FineRange(low, low + draw(st.integers(0, 500_000)))


@st.composite
def sub_range(draw: st.DrawFn, outer: FineRange | None) -> FineRange | None:
    if outer is None or (draw(st.booleans()) and draw(st.booleans())):
        return None  # no fine in this tier (a warning, an order to correct)
    low = draw(st.integers(outer.low, outer.high))
    return FineRange(low, draw(st.integers(low, outer.high)))


@st.composite
def matters(draw: st.DrawFn, code: str) -> Matter:
    statutory = {p: draw(st.one_of(st.none(), fine_ranges())) for p in PartyType}
    levels = draw(st.lists(st.sampled_from(list(TierLevel)), min_size=1, max_size=5,
                           unique=True))
    if all(level is TierLevel.EXEMPT for level in levels):
        levels.append(TierLevel.GENERAL)
    tiers = []
    for level in sorted(levels, key=list(TierLevel).index):
        conditions = tuple(draw(st.lists(st.sampled_from(ALL_CONDITIONS), max_size=3,
                                         unique=True)))
        penalties = tuple(draw(st.lists(st.sampled_from(["警告", "罚款", "没收违法所得",
                                                         "责令停产停业"]),
                                        min_size=1, max_size=3, unique=True)))
        tiers.append(Tier(level=level, conditions=conditions, condition_text="合成",
                          penalties=penalties,
                          fines={p: draw(sub_range(statutory[p])) for p in PartyType}))
    return Matter(code=code, name=draw(st.text("人行道停车违法油烟垃圾招牌犬", min_size=1,
                                               max_size=8)),
                  field="合成", violation_basis=("《合成法》第一条",),
                  penalty_basis=("《合成法》第二条",), statutory=statutory,
                  statutory_penalties=("罚款",), tiers=tuple(tiers),
                  first_violation_exempt=draw(st.booleans()), on_the_spot=draw(st.booleans()),
                  keywords=tuple(draw(st.lists(st.text("停车油烟犬垃圾", min_size=1,
                                                       max_size=3), max_size=3))))


@st.composite
def standards(draw: st.DrawFn) -> Standard:
    count = draw(st.integers(1, 4))
    thresholds = {p: draw(st.integers(1, 1_000_000)) for p in PartyType
                  if draw(st.booleans())}
    return Standard(id="synthetic", title="合成基准（测试）", version_date="2026-12-01",
                    effective_date="2026-12-01", issuer="合成", example=True,
                    conditions=OWN_CONDITIONS,
                    matters=tuple(draw(matters(f"M{i}")) for i in range(count)),
                    hearing_thresholds=thresholds,
                    review_thresholds={p: draw(st.integers(1, 1_000_000)) for p in PartyType})


@st.composite
def cases(draw: st.DrawFn) -> tuple[Standard, Facts]:
    standard = draw(standards())
    matter = draw(st.sampled_from(standard.matters))
    committed = date(2020, 1, 1) + timedelta(days=draw(st.integers(0, 2000)))
    dated = draw(st.booleans())
    facts = Facts(matter_code=matter.code, party_type=draw(st.sampled_from(list(PartyType))),
                  conditions=frozenset(draw(st.lists(st.sampled_from(ALL_CONDITIONS),
                                                     max_size=5))),
                  violation_date=committed.isoformat() if dated else None,
                  discovered_date=(committed + timedelta(days=draw(st.integers(0, 2500))))
                  .isoformat() if dated else None,
                  on_the_spot=draw(st.booleans()))
    return standard, facts


def evaluated(standard: Standard, facts: Facts) -> Evaluation:
    """The evaluation, for facts whose matter's clause provides for the party type; the
    others are refused with ``party_not_provided`` (checked here) and not generated on."""
    matter = standard.matter(facts.matter_code)
    assert matter is not None
    if not provides_for(matter, facts.party_type):
        with pytest.raises(FactsError) as refused:
            evaluate(standard, facts)
        assert refused.value.code == "party_not_provided"
        assume(False)
    return evaluate(standard, facts)


@settings(deadline=None, max_examples=300)
@given(cases())
def test_the_proposed_amount_lies_within_the_statutory_range(case: tuple[Standard, Facts]
                                                             ) -> None:
    standard, facts = case
    evaluation = evaluated(standard, facts)
    matter = standard.matter(facts.matter_code)
    assert matter is not None
    statutory = matter.statutory[facts.party_type]
    assert evaluation.statutory_range == statutory
    assert evaluation.penalty_basis == matter.penalty_basis  # the article the range is of
    if evaluation.proposed_amount is not None:
        assert statutory is not None and evaluation.proposed_amount in statutory
        assert evaluation.proposed_range is not None
        assert evaluation.proposed_amount in evaluation.proposed_range
    if evaluation.outcome in (Outcome.NO_PENALTY, Outcome.TIME_BARRED):
        assert evaluation.proposed_amount is None
    if evaluation.proposed_amount is not None and not (
            facts.on_the_spot and not evaluation.on_the_spot_allowed):
        # The proposal itself is always a lawful choice.
        chosen = choose(evaluation, waive=False, amount=evaluation.proposed_amount,
                        deviation=None)
        assert chosen.amount == evaluation.proposed_amount and chosen.deviation is None


@settings(deadline=None, max_examples=300)
@given(cases(), st.integers(-1000, 2_000_000), st.sampled_from(list(DeviationKind)),
       st.sampled_from(["", " ", "\u3000", "\n\t"]))
def test_a_deviation_without_a_reason_is_always_refused(
        case: tuple[Standard, Facts], amount: int, kind: DeviationKind, blank: str) -> None:
    standard, facts = case
    evaluation = evaluated(standard, facts)
    tier = evaluation.proposed_range
    assume(tier is None or amount not in tier)
    for deviation in (None, Deviation(kind, blank)):
        try:
            choice = choose(evaluation, waive=False, amount=amount, deviation=deviation)
        except ChoiceRefused:
            continue
        raise AssertionError(f"accepted {choice} for {amount} outside {tier}")


@settings(deadline=None, max_examples=200)
@given(cases(), st.integers(1, 3_000_000), st.sampled_from(list(DeviationKind)))
def test_no_choice_goes_above_the_statutory_maximum(case: tuple[Standard, Facts], amount: int,
                                                    kind: DeviationKind) -> None:
    standard, facts = case
    evaluation = evaluated(standard, facts)
    try:
        choice = choose(evaluation, waive=False, amount=amount,
                        deviation=Deviation(kind, "合成理由"))
    except ChoiceRefused:
        return
    statutory = evaluation.statutory_range
    assert statutory is not None and choice.amount is not None
    assert 0 < choice.amount <= statutory.high
    if choice.amount < statutory.low:
        assert choice.deviation is not None
        assert choice.deviation.kind is DeviationKind.MITIGATED


@settings(deadline=None, max_examples=200)
@given(cases())
def test_the_same_facts_under_the_same_standard_give_the_same_evaluation(
        case: tuple[Standard, Facts]) -> None:
    standard, facts = case
    first = evaluated(standard, facts)
    assert evaluate(standard, facts) == first
    held = Standard.from_bytes(standard.to_bytes())  # as the desktop decodes the dataset
    again = evaluate(held, Facts.from_json(facts.to_json()))
    assert again == first and again.to_json() == first.to_json()


@settings(deadline=None, max_examples=300)
@given(cases(), st.one_of(st.none(), st.integers(1, 600_000)),
       st.sampled_from([None, *DeviationKind]), st.booleans())
def test_hearing_and_review_follow_the_chosen_fine(
        case: tuple[Standard, Facts], amount: int | None, kind: DeviationKind | None,
        waive: bool) -> None:
    standard, facts = case
    evaluation = evaluated(standard, facts)
    deviation = None if kind is None else Deviation(kind, "合成理由")
    try:
        choice = choose(evaluation, waive=waive, amount=amount, deviation=deviation)
    except ChoiceRefused:
        return
    party = facts.party_type
    hearing_at = standard.hearing_thresholds.get(party)
    review_at = standard.review_thresholds.get(party)
    # The thresholds that applied are part of the record, and survive its JSON.
    assert evaluation.thresholds is not None
    assert (evaluation.thresholds.hearing, evaluation.thresholds.review) == (hearing_at,
                                                                             review_at)
    assert Evaluation.from_json(evaluation.to_json()) == evaluation
    fine = None if choice.waived else choice.amount
    kinds = not choice.waived and any(h in p for p in choice.penalties for h in HEARING_KINDS)
    hearing = kinds or (fine is not None and hearing_at is not None and fine >= hearing_at)
    assert choice.hearing_right is hearing
    review = (hearing or bool(facts.conditions & set(REVIEW_ITEMS))
              or (fine is not None and review_at is not None and fine >= review_at))
    assert choice.legal_review_required is review
    # Said in a cited step wherever the choice differs from what the evaluation found.
    if hearing != evaluation.hearing_right:
        assert any(s.rule == "art63" and s.citations for s in choice.steps)
    if review != evaluation.legal_review_required:
        assert any(s.rule == "art58" and s.citations for s in choice.steps)
    if facts.on_the_spot:
        assert not hearing  # a hearing is told in a prior notice, never on the spot


@settings(deadline=None, max_examples=200)
@given(standards(), st.text("人行道停车违法油烟垃圾招牌犬M0123", min_size=1, max_size=3))
def test_every_search_hit_holds_the_query(standard: Standard, query: str) -> None:
    hits = MatterIndex(standard).search(query, 50)
    for hit in hits:
        matter = standard.matter(hit.code)
        assert matter is not None
        assert any(query.casefold() in text.casefold() for text in
                   (matter.code, matter.name, matter.field, *matter.keywords))
    plain = [m.code for m in standard.matters if any(
        query.casefold() in t.casefold() for t in (m.code, m.name, m.field, *m.keywords))]
    assert sorted(h.code for h in hits) == sorted(plain)
