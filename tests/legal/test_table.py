"""The bureau's table → a standard: amounts as tables write them, condition words → stable
codes (the law's own conditions recognised), matter columns blank on later rows, and every
problem refused naming its row and column."""

from __future__ import annotations

import pytest

from legal.discretion.model import FineRange, PartyType, Standard, StandardError, TierLevel
from legal.discretion.table import build_standard, condition_code, parse_amount, rows_from_csv

HEADER = ("序号,领域,事项代码,事项名称,违法依据,处罚依据,法定处罚种类,法定幅度（个人）,"
          "法定幅度（单位）,阶次,适用条件,处罚种类,裁量幅度（个人）,裁量幅度（单位）,首违不罚,"
          "当场处罚,关键词,裁量基准来源,备注,已核对")
ROWS = [
    "1,示例领域,T-1,示例事项,《示例法》第三条,《示例法》第九条第二款,警告、罚款,二十元以上二百元以下,"
    "不予罚款,轻微,经指出后立即改正,警告、罚款,20-80,,是,是,人行道、违停,示例文件,合成测试数据,否",
    "2,,,,,,,,,一般,,罚款,80元以上140元以下,不予罚款,,,,示例文件,,",
    "3,,,,,,,,,较重,主动消除或者减轻违法行为危害后果的；拒不改正,罚款,140元以上,,,,,示例文件,,",
]


def _standard(rows: list[str] | None = None, **overrides: object) -> Standard:
    text = "\ufeff" + "\n".join([HEADER, *(ROWS if rows is None else rows)]) + "\n"
    meta: dict[str, object] = dict(id="test", title="测试基准（合成）", version_date="2026-12-01",
                                   effective_date="2027-01-01", issuer="测试局", example=True)
    meta.update(overrides)
    return build_standard(rows_from_csv(text), **meta)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "expected"), [
    ("20元以上200元以下", FineRange(20, 200)),
    ("二十元以上二百元以下", FineRange(20, 200)),
    ("1万元以上5万元以下", FineRange(10_000, 50_000)),
    ("五万元以上五十万元以下", FineRange(50_000, 500_000)),
    ("十万元以上一百万元以下", FineRange(100_000, 1_000_000)),
    ("5000-50000", FineRange(5000, 50_000)),
    ("3.5万元以上5万元以下", FineRange(35_000, 50_000)),
    ("处五千元以上五万元以下的罚款", FineRange(5000, 50_000)),
    ("200元以下", FineRange(1, 200)),
    ("5000元", FineRange(5000, 5000)),
    ("不予罚款", None), ("", None), ("无", None),
])
def test_amounts_are_read_as_tables_write_them(text: str, expected: FineRange | None) -> None:
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["很多", "200-20", "20元以上", "1.5元", "二十元以上abc"])
def test_unreadable_amounts_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


def test_a_table_becomes_a_standard_with_its_tiers_and_codes() -> None:
    standard = _standard(hearing_thresholds={PartyType.INDIVIDUAL: 10_000})
    matter = standard.matter("T-1")
    assert matter is not None
    assert matter.statutory == {PartyType.INDIVIDUAL: FineRange(20, 200), PartyType.UNIT: None}
    assert [t.level for t in matter.tiers] == [TierLevel.MINOR, TierLevel.GENERAL,
                                              TierLevel.SERIOUS]
    # An open tier runs to the statutory maximum; blank matter columns are the matter's.
    assert matter.tiers[2].fine(PartyType.INDIVIDUAL) == FineRange(140, 200)
    assert matter.first_violation_exempt and matter.on_the_spot and not matter.verified
    assert matter.keywords == ("人行道", "违停")
    assert matter.penalty_basis == ("《示例法》第九条第二款",)
    # The law's own words get the law's code; the bureau's words a code derived from them.
    assert "eliminated_harm" in matter.tiers[2].conditions
    own = condition_code("拒不改正")
    assert own in matter.tiers[2].conditions and standard.conditions[own] == "拒不改正"
    assert own == condition_code("拒不改正的。")  # stable across small differences of writing
    assert "eliminated_harm" not in standard.conditions  # the law's catalogue, not the table's
    assert standard.hearing_thresholds == {PartyType.INDIVIDUAL: 10_000}
    assert Standard.from_bytes(standard.to_bytes()) == standard


@pytest.mark.parametrize(("rows", "where"), [
    ([ROWS[0].replace("20-80", "10-80")], "row 1, column 裁量幅度（个人）: 10-80 yuan is "
                                          "outside the statutory range 20-200"),
    ([ROWS[0].replace("20-80,,", "20-80,20-80,")], "row 1, column 裁量幅度（单位）: a fine"),
    ([ROWS[0].replace("轻微", "很轻")], "row 1, column 阶次"),
    ([ROWS[0].replace("20-80", "好多钱")], "row 1, column 裁量幅度（个人）: cannot read"),
    ([ROWS[0].replace(",是,是,", ",也许,是,")], "row 1, column 首违不罚"),
    ([ROWS[0].replace("《示例法》第九条第二款", "")], "row 1, column 处罚依据: no citation"),
    ([ROWS[0].replace("《示例法》第九条第二款", "示例法九条")], "row 1, column 处罚依据"),
    ([ROWS[1]], "row 2, column 事项代码: the first row of a matter needs its code"),
    ([ROWS[0], ROWS[1].replace("一般", "轻微")], "row 2, column 阶次: matter T-1 has this "
                                                  "tier twice"),
    ([ROWS[0], "2,,,另一个名称" + ROWS[1][4:]], "row 2, column 事项名称"),
    ([ROWS[0], ROWS[1].replace(",罚款,80", ",,80")], "row 2, column 处罚种类"),
])
def test_every_problem_names_its_row_and_column(rows: list[str], where: str) -> None:
    with pytest.raises(StandardError) as refused:
        _standard(rows)
    assert where in str(refused.value)


def test_a_matter_that_comes_back_later_and_bad_dates_are_refused() -> None:
    second = ROWS[0].replace("1,示例领域,T-1", "4,示例领域,T-2")
    again = ROWS[0].replace("1,示例领域", "5,示例领域")
    with pytest.raises(StandardError, match="row 5, column 事项代码: matter T-1 appears again"):
        _standard([ROWS[0], second, again])
    with pytest.raises(StandardError, match="version_date"):
        _standard(version_date="2026/12/01")
    with pytest.raises(StandardError, match="no column"):
        build_standard([{"名称": "x"}], id="t", title="t", version_date="2026-12-01",
                       effective_date="2026-12-01", issuer="x", example=True)


def test_a_published_tables_combined_tier_and_condition_column() -> None:
    header = HEADER.replace("阶次,适用条件", "阶次及适用条件,适用条件")
    rows = [ROWS[0].replace("轻微,经指出后立即改正", "轻微：经指出后立即改正,"),
            ROWS[1].replace(",一般,", ",一般（未及时驶离）,")]
    standard = build_standard(rows_from_csv("\n".join([header, *rows])), id="t", title="t",
                              version_date="2026-12-01", effective_date="2026-12-01",
                              issuer="x", example=True)
    matter = standard.matter("T-1")
    assert matter is not None
    assert [(t.level, t.condition_text) for t in matter.tiers] == [
        (TierLevel.MINOR, "经指出后立即改正"), (TierLevel.GENERAL, "未及时驶离")]
    assert matter.tiers[0].conditions == (condition_code("经指出后立即改正"),)
    with pytest.raises(StandardError, match="column 阶次"):
        build_standard(rows_from_csv("\n".join([header, ROWS[0].replace("轻微", "轻微些")])),
                       id="t", title="t", version_date="2026-12-01",
                       effective_date="2026-12-01", issuer="x", example=True)


def test_a_title_above_the_header_is_skipped() -> None:
    text = "\n".join(["某某局行政处罚裁量基准（合成）,,,", ",,,", HEADER, *ROWS])
    standard = build_standard(rows_from_csv(text), id="t", title="t", version_date="2026-12-01",
                              effective_date="2026-12-01", issuer="x", example=True)
    assert [m.code for m in standard.matters] == ["T-1"]


def test_without_a_row_number_the_message_names_the_files_line() -> None:
    rows = [r.split(",", 1)[1] for r in ROWS]  # no 序号 column
    rows[1] = rows[1].replace("一般", "不存在的阶次")
    text = "\n".join(["标题", HEADER.split(",", 1)[1], "", *rows])
    with pytest.raises(StandardError, match="line 5, column 阶次"):
        build_standard(rows_from_csv(text), id="t", title="t", version_date="2026-12-01",
                       effective_date="2026-12-01", issuer="x", example=True)
