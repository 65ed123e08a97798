"""Fines as a share or a multiple of a base (decision 52): the table reads them as statutes
write them, the JSON keeps them exactly (and leaves every yuan row's bytes and hash as they
were), and the engine computes the yuan range from the officer's base amount, saying each
step; without the base it proposes nothing and says the base is needed."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from legal.discretion.choice import deviation_kind
from legal.discretion.engine import FactsError, choose, evaluate
from legal.discretion.evaluation import (
    ChoiceRefused,
    Deviation,
    DeviationKind,
    Evaluation,
    Facts,
)
from legal.discretion.factors import parse_factors
from legal.discretion.model import (
    FactorRange,
    FineBasis,
    FineRange,
    PartyType,
    Standard,
    StandardError,
)
from legal.discretion.table import build_standard, parse_amount
from tests.legal.discretion_support import SIDEWALK, starter_standard

STANDARD = starter_standard()
BUILDING = "示例-GH-001"
COST = "建设工程造价"
SHARE, MULTIPLE = FineBasis.SHARE_OF, FineBasis.MULTIPLE_OF


@pytest.mark.parametrize(("text", "base", "expected"), [
    ("建设工程造价百分之五以上百分之十以下", None,
     FactorRange(SHARE, COST, Fraction(1, 20), Fraction(1, 10))),
    ("处建设工程造价百分之十以下的罚款", None,
     FactorRange(SHARE, COST, Fraction(0), Fraction(1, 10))),
    ("违法所得一倍以上五倍以下", None, FactorRange(MULTIPLE, "违法所得", Fraction(1), Fraction(5))),
    ("并处货值金额一倍以上三倍以下的罚款", None,
     FactorRange(MULTIPLE, "货值金额", Fraction(1), Fraction(3))),
    ("5%以上10%以下", COST, FactorRange(SHARE, COST, Fraction(1, 20), Fraction(1, 10))),
    ("5%-10%", COST, FactorRange(SHARE, COST, Fraction(1, 20), Fraction(1, 10))),
    ("百分之五至百分之十", COST, FactorRange(SHARE, COST, Fraction(1, 20), Fraction(1, 10))),
    ("建设工程造价的百分之七", COST, FactorRange(SHARE, COST, Fraction(7, 100), Fraction(7, 100))),
    ("0.5倍以上1.5倍以下", "违法所得",
     FactorRange(MULTIPLE, "违法所得", Fraction(1, 2), Fraction(3, 2))),
    ("千分之五以下", "货值金额", FactorRange(SHARE, "货值金额", Fraction(0), Fraction(1, 200))),
])
def test_shares_and_multiples_are_read_as_written(text: str, base: str | None,
                                                  expected: FactorRange) -> None:
    assert parse_factors(text, base=base) == expected


@pytest.mark.parametrize(("text", "base", "why"), [
    ("5%以上10%以下", None, "does not name the base"),
    ("百分之五以上三倍以下", COST, "mixes a share"),
    ("建设工程造价百分之十以上百分之五以下", None, "not a range"),
    ("违法所得百分之五以上", None, "no upper end"),
    ("违法所得一倍以上五倍以下", COST, "names the base 违法所得"),
    ("百分之五以上百分之八以上百分之十以下", COST, "more than two"),
    ("建设工程造价百分之五左右", None, "cannot read"),
])
def test_what_cannot_be_read_is_refused_with_the_text(text: str, base: str | None,
                                                      why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_factors(text, base=base)


def test_yuan_texts_are_not_shares_and_shares_are_not_yuan() -> None:
    assert parse_factors("20元以上200元以下") is None
    assert parse_factors("二十元以上二百元以下") is None
    with pytest.raises(ValueError):
        parse_amount("建设工程造价百分之五以上百分之十以下")


def _row(number: str, code: str, level: str, statutory: str, tier: str, *,
         base: str = "") -> dict[str, str]:
    return {"序号": number, "事项代码": code, "事项名称": "合成事项" if code else "",
            "处罚依据": "《中华人民共和国城乡规划法》第六十四条" if code else "",
            "法定处罚种类": "罚款" if code else "", "法定幅度（个人）": statutory,
            "法定幅度（单位）": statutory, "阶次": level, "处罚种类": "罚款",
            "裁量幅度（个人）": tier, "裁量幅度（单位）": tier, "罚款基数": base}


def _build(rows: list[dict[str, str]]) -> Standard:
    return build_standard(rows, id="synthetic", title="合成（示例）", version_date="2026-12-01",
                          effective_date="2026-12-01", issuer="合成", example=True)


def test_a_table_with_shares_tiers_and_a_base_column() -> None:
    standard = _build([
        _row("1", "S-1", "轻微", "5%以上10%以下", "5%以上7%以下", base=COST),
        _row("2", "", "一般", "", "百分之七以上百分之九以下"),
        _row("3", "", "严重", "", "百分之九以上"),  # runs up to the statutory 10%
        _row("4", "M-1", "一般", "货值金额一倍以上三倍以下", "货值金额一倍以上二倍以下"),
    ])
    share = standard.matter("S-1")
    assert share is not None
    statutory = FactorRange(SHARE, COST, Fraction(1, 20), Fraction(1, 10))
    assert share.statutory_factors == {PartyType.INDIVIDUAL: statutory, PartyType.UNIT: statutory}
    assert share.statutory == {PartyType.INDIVIDUAL: None, PartyType.UNIT: None}
    assert [t.factor(PartyType.UNIT) for t in share.tiers] == [
        FactorRange(SHARE, COST, Fraction(5, 100), Fraction(7, 100)),
        FactorRange(SHARE, COST, Fraction(7, 100), Fraction(9, 100)),
        FactorRange(SHARE, COST, Fraction(9, 100), Fraction(1, 10))]
    assert all(t.fine(PartyType.UNIT) is None for t in share.tiers)
    multiple = standard.matter("M-1")
    assert multiple is not None and multiple.base_name(PartyType.UNIT) == "货值金额"


@pytest.mark.parametrize(("statutory", "tier", "why"), [
    ("建设工程造价百分之五以上百分之十以下", "建设工程造价百分之四以上百分之六以下",
     "outside the statutory range 建设工程造价百分之五以上百分之十以下"),
    ("建设工程造价百分之十以下", "1000元以上2000元以下", "outside the statutory range"),
    ("1000元以上5000元以下", "建设工程造价百分之五", "outside the statutory range 1000-5000"),
    ("建设工程造价百分之十以下", "违法所得一倍以上二倍以下",
     "not measured as the statutory range is"),
    ("建设工程造价百分之五左右", "建设工程造价百分之五", "row 1, column 法定幅度（个人）"),
])
def test_a_tier_not_held_by_its_statutory_range_is_refused_naming_row_and_column(
        statutory: str, tier: str, why: str) -> None:
    with pytest.raises(StandardError, match=why):
        _build([_row("1", "X-1", "一般", statutory, tier)])


def test_the_json_keeps_the_factors_exactly_and_reads_them_back() -> None:
    data = STANDARD.to_bytes()
    again = Standard.from_bytes(data)
    assert again == STANDARD and again.to_bytes() == data
    building = again.matter(BUILDING)
    assert building is not None
    assert building.statutory_factors[PartyType.UNIT].to_json() == {
        "kind": "share_of", "base": COST, "low": "0", "high": "1/10"}
    assert building.row_json()["tiers"][0]["factors"]["unit"]["low"] == "1/20"


# SHA-256 of each yuan matter's row as the starter standard had it before shares existed
# (computed by the code of main at cc8f78c): a standard's old rows hash the same.
OLD_ROW_HASHES = {
    "示例-JT-001": "5541a23c705a2c3000a0ff9365721a3d88e25ca43c80fa0834dba7a924d73899",
    "示例-SR-001": "deabbdca1f93bd0fd9140b9f82c322b1e34055266f2169ad2a536484c85a2d00",
    "示例-SR-002": "0749f586e423671726079cfd35a5d7feee57bf547612dadb076297aa9ef7e263",
}


def test_rows_in_yuan_keep_their_json_and_hash() -> None:
    for code, digest in OLD_ROW_HASHES.items():
        matter = STANDARD.matter(code)
        assert matter is not None and matter.row_hash == digest
        row = matter.row_json()
        assert "statutory_factors" not in row and all("factors" not in t for t in row["tiers"])
    yuan_facts = Facts(SIDEWALK, PartyType.INDIVIDUAL, frozenset())
    assert "base_amount" not in yuan_facts.to_json()
    evaluation = evaluate(STANDARD, yuan_facts)
    assert "statutory_factors" not in evaluation.to_json()
    assert Evaluation.from_json(evaluation.to_json()) == evaluation


def building(base: str | None, *conditions: str, note: str = "造价核定书",
             party: PartyType = PartyType.UNIT) -> Facts:
    return Facts(BUILDING, party, frozenset(conditions), base_amount=None if base is None
                 else Decimal(base), base_note=note if base is not None else "")


def test_the_cost_gives_the_range_and_each_step_says_how() -> None:
    e = evaluate(STANDARD, building("120000"))
    assert e.statutory_range == FineRange(1, 12_000)
    assert e.proposed_range == FineRange(6000, 12_000)
    assert e.proposed_amount == 9000
    assert e.proposed_factors == FactorRange(SHARE, COST, Fraction(1, 20), Fraction(1, 10))
    [step] = [s for s in e.steps if s.rule == "base"]
    assert step.text.startswith(
        "建设工程造价为人民币120000元（依据：造价核定书）；裁量幅度建设工程造价百分之五以上百分之十"
        "以下，即人民币6000元至12000元；法定幅度建设工程造价百分之十以下，即人民币1元至12000元")
    assert step.citations == ("《中华人民共和国城乡规划法》第六十四条",)
    assert not e.hearing_right and not e.legal_review_required
    again = Evaluation.from_json(e.to_json())
    assert again == e and again.facts.base_amount == Decimal("120000")
    assert again.facts.base_note == "造价核定书"


def test_the_hearing_and_review_thresholds_apply_to_the_computed_amount() -> None:
    e = evaluate(STANDARD, building("2000000"))  # 5%-10% of 2,000,000: 100,000-200,000
    assert e.proposed_range == FineRange(100_000, 200_000) and e.proposed_amount == 150_000
    assert e.hearing_right and e.legal_review_required
    assert any(s.rule == "art63" and "拟处罚款150000元，达到较大数额罚款标准" in s.text
               for s in e.steps)
    low = choose(e, waive=False, amount=100_000, deviation=None)
    assert low.hearing_right  # 100,000 reaches the unit's threshold of 100,000
    lighter = choose(e, waive=False, amount=99_000,
                     deviation=Deviation(DeviationKind.LIGHTER, "主动拆除部分违法建筑。"))
    assert lighter.hearing_right is False and lighter.legal_review_required


def test_rounding_never_leaves_the_statute() -> None:
    e = evaluate(STANDARD, building("12345.67"))
    # 5% = 617.2835 → 618 (up); 10% = 1234.567 → 1234 (down)
    assert e.proposed_range == FineRange(618, 1234)
    with pytest.raises(ChoiceRefused) as refused:
        choose(e, waive=False, amount=1235,
               deviation=Deviation(DeviationKind.HEAVIER, "情节严重。"))
    assert refused.value.code == "above_statutory_maximum"


@pytest.mark.parametrize(("base", "code"), [
    ("0", "bad_base"), ("-5", "bad_base"), ("1.234", "bad_base"), ("NaN", "bad_base"),
    ("5", "base_too_small"),  # 5% of 5 yuan is less than one whole yuan
])
def test_a_base_that_is_no_sum_of_money_is_refused(base: str, code: str) -> None:
    with pytest.raises(FactsError) as refused:
        evaluate(STANDARD, building(base))
    assert refused.value.code == code


def test_a_base_for_a_matter_fined_in_yuan_is_refused() -> None:
    with pytest.raises(FactsError) as refused:
        evaluate(STANDARD, Facts(SIDEWALK, PartyType.INDIVIDUAL, frozenset(),
                                 base_amount=Decimal("100")))
    assert refused.value.code == "base_not_used"


def test_below_the_statutory_minimum_is_mitigated_never_heavier() -> None:
    # The screenshot of the last session: 10 yuan for sidewalk parking (statutory 20-200)
    # was offered as 从重. It is 减轻, and a 从重 is refused for its kind, reason or not.
    e = evaluate(STANDARD, Facts(SIDEWALK, PartyType.INDIVIDUAL, frozenset()))
    assert deviation_kind(e, 10) is DeviationKind.MITIGATED
    assert deviation_kind(e, 50) is DeviationKind.LIGHTER
    assert deviation_kind(e, 150) is DeviationKind.HEAVIER
    assert deviation_kind(e, 100) is None and deviation_kind(e, 201) is None
    for reason in ("", "情节严重。"):
        with pytest.raises(ChoiceRefused) as refused:
            choose(e, waive=False, amount=10, deviation=Deviation(DeviationKind.HEAVIER, reason))
        assert refused.value.code == "wrong_deviation_kind"
        assert refused.value.params["kind"] == "mitigated"
