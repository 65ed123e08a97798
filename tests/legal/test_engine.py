"""The engine rule by rule on the starter standard: each rule of the Administrative Penalty
Law gives its outcome, its Chinese reasoning and its citation; the officer's choice is
accepted inside the tier and refused outside it without a reason of the right kind."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from legal.discretion.choice import settle
from legal.discretion.engine import FactsError, choose, evaluate, proposed_amount, provides_for
from legal.discretion.evaluation import (
    Choice,
    ChoiceRefused,
    Deviation,
    DeviationKind,
    Evaluation,
    Facts,
    Outcome,
    Thresholds,
)
from legal.discretion.model import FineRange, PartyType, TierLevel
from legal.discretion.table import condition_code
from tests.legal.discretion_support import SIDEWALK, starter_standard

STANDARD = starter_standard()
LAW = "《中华人民共和国行政处罚法》"
FUMES = "示例-YY-001"
GARBAGE = "示例-LJ-001"
BUILDING = "示例-GH-001"


def facts(code: str = SIDEWALK, *conditions: str, party: PartyType = PartyType.INDIVIDUAL,
          **dates: str | bool) -> Facts:
    return Facts(matter_code=code, party_type=party, conditions=frozenset(conditions),
                 **dates)  # type: ignore[arg-type]


def rules(evaluation: Evaluation) -> list[str]:
    return [s.rule for s in evaluation.steps]


def cited(evaluation: Evaluation) -> set[str]:
    return {c for s in evaluation.steps for c in s.citations}


def test_sidewalk_parking_with_nothing_ticked_is_the_general_tier_on_the_spot() -> None:
    e = evaluate(STANDARD, facts(on_the_spot=True))
    assert e.outcome is Outcome.PENALTY and e.tier is TierLevel.GENERAL
    assert e.statutory_range == FineRange(20, 200) and e.proposed_range == FineRange(80, 140)
    assert e.proposed_amount == 110  # the middle of 80-140, to 10 yuan
    assert e.on_the_spot_allowed and not e.hearing_right and not e.legal_review_required
    assert rules(e) == ["matter", "art36", "tier", "amount", "art51"]
    assert e.steps[0].citations == ("《中华人民共和国道路交通安全法》第五十六条第一款",
                                    "《中华人民共和国道路交通安全法》第九十三条第二款")
    assert "一般阶次" in e.steps[2].text and "80元至140元" in e.steps[2].text
    assert "未超过对公民当场处罚200元以下" in e.steps[-1].text
    assert e.matter_row_hash == STANDARD.matter(SIDEWALK).row_hash  # type: ignore[union-attr]
    assert Evaluation.from_json(e.to_json()) == e


def test_the_most_severe_ticked_tier_wins() -> None:
    minor = condition_code("驾驶人虽不在现场但经通知后及时驶离")
    serious = condition_code("妨碍通行时间较长或者造成交通堵塞")
    assert evaluate(STANDARD, facts(SIDEWALK, minor)).tier is TierLevel.MINOR
    both = evaluate(STANDARD, facts(SIDEWALK, minor, serious))
    assert both.tier is TierLevel.SERIOUS and both.proposed_range == FineRange(140, 200)
    assert "妨碍通行时间较长" in both.steps[2].text


@pytest.mark.parametrize(("condition", "citation"), [
    ("under_14", f"{LAW}第三十条"),
    ("mental_no_control", f"{LAW}第三十一条"),
    ("minor_corrected_no_harm", f"{LAW}第三十三条第一款"),
    ("no_fault", f"{LAW}第三十三条第二款"),
])
def test_no_penalty_under_arts_30_31_33(condition: str, citation: str) -> None:
    e = evaluate(STANDARD, facts(SIDEWALK, condition))
    assert e.outcome is Outcome.NO_PENALTY and e.proposed_amount is None and e.tier is None
    assert citation in cited(e) and f"{LAW}第三十三条第三款" in cited(e)  # education
    assert any("不予行政处罚" in s.text for s in e.steps)
    with pytest.raises(ChoiceRefused) as refused:
        choose(e, waive=False, amount=50, deviation=None)
    assert refused.value.code == "no_penalty"
    assert choose(e, waive=True, amount=None, deviation=None).waived


def test_first_violation_may_be_waived_only_where_the_matter_lists_it() -> None:
    listed = evaluate(STANDARD, facts(SIDEWALK, "first_slight_corrected"))
    assert listed.outcome is Outcome.MAY_WAIVE and listed.proposed_amount == 110
    assert choose(listed, waive=True, amount=None, deviation=None).waived
    assert choose(listed, waive=False, amount=100, deviation=None).amount == 100
    unlisted = evaluate(STANDARD, facts(FUMES, "first_slight_corrected"))
    assert unlisted.outcome is Outcome.PENALTY
    assert any("未将本事项列入首违不罚" in s.text for s in unlisted.steps)
    with pytest.raises(ChoiceRefused) as refused:
        choose(unlisted, waive=True, amount=None, deviation=None)
    assert refused.value.code == "cannot_waive"


@pytest.mark.parametrize(("condition", "citation"), [
    ("eliminated_harm", f"{LAW}第三十二条第（一）项"),
    ("coerced", f"{LAW}第三十二条第（二）项"),
    ("confessed", f"{LAW}第三十二条第（三）项"),
    ("cooperated_merit", f"{LAW}第三十二条第（四）项"),
    ("age_14_to_18", f"{LAW}第三十条"),
])
def test_mandatory_mitigation_proposes_the_tiers_lowest_amount(condition: str,
                                                              citation: str) -> None:
    e = evaluate(STANDARD, facts(FUMES, condition, party=PartyType.UNIT))
    assert e.mandatory_mitigation and e.outcome is Outcome.PENALTY
    assert e.proposed_range == FineRange(20_000, 35_000) and e.proposed_amount == 20_000
    assert citation in cited(e) and any("应当从轻或者减轻" in s.text for s in e.steps)
    # Below the statutory minimum (减轻) on this statutory ground, with a reason.
    mitigated = choose(e, waive=False, amount=3000,
                       deviation=Deviation(DeviationKind.MITIGATED, "主动拆除并赔偿"))
    assert mitigated.amount == 3000 and citation in mitigated.steps[0].citations
    assert "减轻" in mitigated.steps[0].text and "主动拆除并赔偿" in mitigated.steps[0].text
    with pytest.raises(ChoiceRefused) as refused:
        choose(e, waive=False, amount=40_000, deviation=Deviation(DeviationKind.HEAVIER, "x"))
    assert refused.value.code == "heavier_under_mitigation"


def test_partial_capacity_may_mitigate_but_need_not() -> None:
    e = evaluate(STANDARD, facts(FUMES, "mental_partial"))
    assert not e.mandatory_mitigation and e.proposed_amount == 28_000
    assert f"{LAW}第三十一条" in cited(e)
    assert choose(e, waive=False, amount=4000, deviation=Deviation(
        DeviationKind.MITIGATED, "限制行为能力")).amount == 4000


def test_limitation_two_years_five_with_safety_harm_continuing_from_its_end() -> None:
    old: dict[str, Any] = {"violation_date": "2023-03-01", "discovered_date": "2025-03-02"}
    barred = evaluate(STANDARD, facts(SIDEWALK, **old))
    assert barred.outcome is Outcome.TIME_BARRED and barred.proposed_amount is None
    assert f"{LAW}第三十六条第一款" in cited(barred) and "不再给予行政处罚" in barred.steps[1].text
    assert choose(barred, waive=True, amount=None, deviation=None).waived
    on_the_day = evaluate(STANDARD, facts(SIDEWALK, violation_date="2023-03-01",
                                          discovered_date="2025-03-01"))
    assert on_the_day.outcome is Outcome.PENALTY
    five = evaluate(STANDARD, facts(SIDEWALK, "safety_or_finance_harm", **old))
    assert five.outcome is Outcome.PENALTY and "五年" in five.steps[1].text
    continuing = evaluate(STANDARD, facts(SIDEWALK, violation_ended="2024-06-01", **old))
    assert continuing.outcome is Outcome.PENALTY
    assert f"{LAW}第三十六条第二款" in cited(continuing)
    undated = evaluate(STANDARD, facts(SIDEWALK))
    assert "未审查" in undated.steps[1].text
    with pytest.raises(FactsError) as bad:
        evaluate(STANDARD, facts(SIDEWALK, violation_date="去年", discovered_date="2025-01-01"))
    assert bad.value.code == "bad_date"


def test_on_the_spot_limits_of_art_51() -> None:
    fumes = evaluate(STANDARD, facts(FUMES, on_the_spot=True))
    assert not fumes.on_the_spot_allowed
    spot = [s for s in fumes.steps if s.rule == "art51"]
    assert len(spot) == 1 and "应当适用普通程序" in spot[0].text
    with pytest.raises(ChoiceRefused) as refused:
        choose(fumes, waive=False, amount=28_000, deviation=None)
    assert refused.value.code == "on_the_spot_limit"
    sidewalk = evaluate(STANDARD, facts(on_the_spot=True))
    assert sidewalk.on_the_spot_allowed
    # An officer on the spot may not go beyond 200 yuan even with a reason.
    serious = evaluate(STANDARD, facts(SIDEWALK, condition_code("妨碍通行时间较长或者造成交通堵塞"),
                                       on_the_spot=True))
    assert serious.on_the_spot_allowed and serious.proposed_amount == 170
    assert "art51" not in rules(evaluate(STANDARD, facts(FUMES)))  # not asked, not explained


def test_hearing_and_legal_review_thresholds_of_arts_63_and_58() -> None:
    unit = evaluate(STANDARD, facts(GARBAGE, condition_code("情节严重：经责令改正后拒不改正"),
                                    party=PartyType.UNIT))
    assert unit.proposed_amount == 130_000 and unit.hearing_right and unit.legal_review_required
    assert f"{LAW}第六十三条第一款第（一）项" in cited(unit)
    assert {f"{LAW}第五十八条第（二）项", f"{LAW}第五十八条第（四）项"} <= cited(unit)
    severe = condition_code("情节严重：经责令改正后拒不改正")
    individual = evaluate(STANDARD, facts(GARBAGE, severe))
    assert individual.proposed_amount == 600 and not individual.hearing_right
    assert not individual.legal_review_required
    complex_case = evaluate(STANDARD, facts(SIDEWALK, "complex_case"))
    assert complex_case.legal_review_required and not complex_case.hearing_right
    assert f"{LAW}第五十八条第（三）项" in cited(complex_case)


def test_choices_inside_and_outside_the_tier() -> None:
    e = evaluate(STANDARD, facts())
    inside = choose(e, waive=False, amount=80, deviation=None)
    assert inside.amount == 80 and inside.deviation is None and inside.penalties == ("罚款",)
    lighter = Deviation(DeviationKind.LIGHTER, "当事人系残疾人，经济困难")
    done = choose(e, waive=False, amount=50, deviation=lighter)
    assert done.deviation == lighter and "从轻" in done.steps[0].text
    heavier = choose(e, waive=False, amount=200, deviation=Deviation(
        DeviationKind.HEAVIER, "拒不驶离并辱骂执法人员"))
    assert heavier.amount == 200
    for amount, deviation, code in [
        (50, None, "deviation_required"),
        (50, Deviation(DeviationKind.LIGHTER, "   "), "reason_required"),
        (50, Deviation(DeviationKind.HEAVIER, "理由"), "wrong_deviation_kind"),
        (10, Deviation(DeviationKind.MITIGATED, "理由"), "mitigation_without_grounds"),
        (10, Deviation(DeviationKind.LIGHTER, "理由"), "wrong_deviation_kind"),
        (201, Deviation(DeviationKind.HEAVIER, "理由"), "above_statutory_maximum"),
        (0, None, "amount_not_positive"),
        (-5, None, "amount_not_positive"),
        (100, Deviation(DeviationKind.LIGHTER, "理由"), "deviation_not_needed"),
    ]:
        with pytest.raises(ChoiceRefused) as refused:
            choose(e, waive=False, amount=amount, deviation=deviation)
        assert refused.value.code == code, (amount, deviation)


def test_a_warning_alone_and_a_tier_that_is_only_a_fine() -> None:
    left = condition_code("驾驶人虽不在现场但经通知后及时驶离")
    minor = evaluate(STANDARD, facts(SIDEWALK, left))
    warning = choose(minor, waive=False, amount=None, deviation=None)
    assert warning.penalties == ("警告",) and warning.amount is None
    general = evaluate(STANDARD, facts())
    with pytest.raises(ChoiceRefused) as refused:
        choose(general, waive=False, amount=None, deviation=None)
    assert refused.value.code == "amount_required"


def test_a_share_of_cost_without_the_cost_is_not_computed_and_says_so() -> None:
    e = evaluate(STANDARD, facts(BUILDING, party=PartyType.UNIT))
    assert e.outcome is Outcome.PENALTY and e.proposed_range is None and e.proposed_amount is None
    assert e.statutory_range is None
    assert "法定罚款幅度为建设工程造价百分之十以下" in e.steps[0].text
    [base] = [s for s in e.steps if s.rule == "base"]
    assert "未录入建设工程造价的数额" in base.text and "不拟定罚款数额" in base.text
    with pytest.raises(ChoiceRefused) as refused:
        choose(e, waive=False, amount=10_000, deviation=Deviation(DeviationKind.HEAVIER, "x"))
    assert refused.value.code == "base_required"
    chosen = choose(e, waive=False, amount=None, deviation=None)
    assert chosen.penalties == ("责令停止建设", "限期改正")


def test_unknown_matter_and_condition_are_refused_with_codes() -> None:
    with pytest.raises(FactsError) as unknown:
        evaluate(STANDARD, facts("不存在"))
    assert unknown.value.code == "unknown_matter"
    with pytest.raises(FactsError) as condition:
        evaluate(STANDARD, facts(SIDEWALK, "made_up"))
    assert condition.value.code == "unknown_condition"


@pytest.mark.parametrize(("fine", "mitigated", "amount"), [
    (FineRange(20, 200), False, 110), (FineRange(5000, 50_000), False, 28_000),
    (FineRange(80, 140), False, 110), (FineRange(1, 50), False, 26),
    (FineRange(200, 200), False, 200), (FineRange(80, 140), True, 80),
])
def test_the_proposed_amount(fine: FineRange, mitigated: bool, amount: int) -> None:
    assert proposed_amount(fine, mitigated=mitigated) == amount


def test_same_facts_same_evaluation_and_search() -> None:
    f = facts(SIDEWALK, "eliminated_harm", on_the_spot=True)
    assert evaluate(STANDARD, f) == evaluate(STANDARD, replace(f))


def test_the_standards_own_exemption_tier_gives_no_penalty() -> None:
    from legal.discretion.table import build_standard, rows_from_csv
    from tests.legal.test_table import HEADER, ROWS

    exempt = ("4,,,,,,,,,不予处罚,经教育后当场驶离且未妨碍通行,,不予罚款,不予罚款,,,,"
              "示例文件,,")
    standard = build_standard(rows_from_csv("\n".join([HEADER, *ROWS, exempt])), id="t",
                              title="合成（测试）", version_date="2026-12-01",
                              effective_date="2026-12-01", issuer="测试", example=True)
    e = evaluate(standard, facts("T-1", condition_code("经教育后当场驶离且未妨碍通行")))
    assert e.outcome is Outcome.NO_PENALTY
    assert any("符合裁量基准本事项不予处罚情形" in s.text for s in e.steps)
    assert evaluate(standard, facts("T-1")).outcome is Outcome.PENALTY


ROAD = "示例-DL-001"  # 擅自占用城市道路: 1-20,000 yuan; 一般 2,000-10,000


def test_a_heavier_choice_above_the_hearing_threshold_gives_a_hearing_and_review() -> None:
    e = evaluate(STANDARD, facts(ROAD))
    assert e.proposed_amount == 6000 and not e.hearing_right and e.legal_review_required
    assert e.thresholds == Thresholds(hearing=10_000, review=5000, example=True)  # individual's
    chosen = choose(e, waive=False, amount=15_000, deviation=Deviation(
        DeviationKind.HEAVIER, "占道时间长达三个月，经两次责令仍不改正"))
    assert chosen.hearing_right is True and chosen.legal_review_required is True
    hearing = [s for s in chosen.steps if s.rule == "art63"]
    assert len(hearing) == 1
    assert hearing[0].text == ("决定罚款15000元，达到较大数额罚款标准（示例：10000元），应当告知"
                               "当事人有要求听证的权利。")
    assert hearing[0].citations == (f"{LAW}第六十三条第一款第（一）项",)
    review = [s for s in chosen.steps if s.rule == "art58"]
    assert len(review) == 1
    assert "决定罚款15000元，达到本机关法制审核标准（示例：5000元）" in review[0].text
    assert {f"{LAW}第五十八条第（二）项", f"{LAW}第五十八条第（四）项"} == set(review[0].citations)
    assert Choice.from_json(chosen.to_json()) == chosen
    # The threshold itself gives the right (较大数额: reached, not only exceeded).
    at = choose(e, waive=False, amount=10_000, deviation=None)
    assert at.hearing_right is True


def test_a_lighter_choice_below_the_thresholds_drops_review_and_says_so() -> None:
    e = evaluate(STANDARD, facts(ROAD))
    chosen = choose(e, waive=False, amount=3000, deviation=None)  # inside the tier
    assert chosen.hearing_right is False and chosen.legal_review_required is False
    review = [s for s in chosen.steps if s.rule == "art58"]
    assert len(review) == 1 and review[0].citations == (f"{LAW}第五十八条",)
    assert review[0].text.startswith("决定罚款3000元，不属于")
    # The proposal itself adds nothing the evaluation did not already say.
    same = choose(e, waive=False, amount=6000, deviation=None)
    assert same.legal_review_required is True and [s.rule for s in same.steps] == ["choice"]
    # Art. 58 (一)-(三) hold whatever the amount; no penalty gives no hearing.
    complex_case = evaluate(STANDARD, facts(ROAD, "complex_case"))
    assert choose(complex_case, waive=False, amount=3000,
                  deviation=None).legal_review_required is True
    waived = evaluate(STANDARD, facts(ROAD, "minor_corrected_no_harm", "complex_case"))
    none = choose(waived, waive=True, amount=None, deviation=None)
    assert none.hearing_right is False and none.legal_review_required is True


def test_records_made_before_the_thresholds_were_kept_still_load_and_judge() -> None:
    e = evaluate(STANDARD, facts(ROAD))
    old = e.to_json()
    del old["thresholds"]
    legacy = Evaluation.from_json(old)
    assert legacy.thresholds is None and legacy.to_json() == old  # the same bytes, same hash
    chosen = choose(e, waive=False, amount=6000, deviation=None).to_json()
    del chosen["hearing_right"], chosen["legal_review_required"]
    kept = Choice.from_json(chosen)
    assert kept.hearing_right is None and kept.to_json() == chosen
    # Without the figures another amount cannot be judged: the evaluation's findings stand.
    lower = choose(legacy, waive=False, amount=3000, deviation=None)
    assert lower.legal_review_required is True and lower.hearing_right is False
    # A choice that states other rights than its penalty gives is refused.
    with pytest.raises(ChoiceRefused) as refused:
        settle(e, replace(choose(e, waive=False, amount=15_000, deviation=Deviation(
            DeviationKind.HEAVIER, "理由")), hearing_right=False))
    assert refused.value.code == "rights_mismatch"


def test_no_hearing_on_the_spot() -> None:
    spot = evaluate(STANDARD, facts(on_the_spot=True))
    low = replace(spot, thresholds=Thresholds(hearing=150, review=None))
    assert choose(low, waive=False, amount=140, deviation=None).hearing_right is False
    with pytest.raises(ChoiceRefused) as refused:
        choose(low, waive=False, amount=170, deviation=Deviation(DeviationKind.HEAVIER, "理由"))
    assert refused.value.code == "on_the_spot_not_allowed"
    # Nor does the engine propose the simple procedure for a proposal with a hearing.
    strict = replace(STANDARD, hearing_thresholds={PartyType.INDIVIDUAL: 100})
    proposed = evaluate(strict, facts(on_the_spot=True))  # 110 yuan proposed
    assert proposed.hearing_right and not proposed.on_the_spot_allowed
    assert rules(proposed)[-3:] == ["art51", "art63", "art58"]
    assert "听证" in proposed.steps[-3].text and "应当适用普通程序" in proposed.steps[-3].text


def test_a_clause_that_fines_only_drivers_is_refused_for_a_unit() -> None:
    with pytest.raises(FactsError) as refused:
        evaluate(STANDARD, facts(SIDEWALK, party=PartyType.UNIT))
    assert refused.value.code == "party_not_provided"
    assert refused.value.params == {
        "matter": SIDEWALK, "name": "在人行道上违法停放机动车", "party": "unit",
        "basis": "《中华人民共和国道路交通安全法》第九十三条第二款"}
    sidewalk = STANDARD.matter(SIDEWALK)
    assert sidewalk is not None and not provides_for(sidewalk, PartyType.UNIT)
    assert provides_for(sidewalk, PartyType.INDIVIDUAL)
    # A clause with no yuan range for anyone (a share of the cost) still applies to both.
    building = STANDARD.matter(BUILDING)
    assert building is not None and all(provides_for(building, p) for p in PartyType)


def test_the_on_the_spot_step_names_what_is_proposed() -> None:
    # Were a share-of-cost fine alone listed for the simple procedure, its amount is unknown:
    # art. 51's limit cannot be shown to hold (and no warning is proposed to say it is).
    listed = replace(STANDARD, matters=tuple(
        replace(m, on_the_spot=True, tiers=tuple(replace(t, penalties=("罚款",))
                                                 for t in m.tiers))
        if m.code == BUILDING else m for m in STANDARD.matters))
    share = evaluate(listed, facts(BUILDING, party=PartyType.UNIT, on_the_spot=True))
    spot = [s for s in share.steps if s.rule == "art51"]
    assert not share.on_the_spot_allowed and len(spot) == 1
    assert "警告" not in spot[0].text and "数额未能依裁量基准确定" in spot[0].text
