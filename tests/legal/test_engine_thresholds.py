"""The engine never passes over a missing 较大数额 threshold in silence, and prints an example
standard's thresholds as examples (issue 17 audit, helper P).

- A standard that fines the party type but sets no hearing threshold for it: the reasoning has
  an art. 63 step saying the hearing right was not judged by the amount (and, where the
  publisher declared it, that the standard sets none on purpose).
- The starter standard is an example: "达到较大数额罚款标准（示例：10000元）", in the engine's
  reasoning and in the officer's choice; a bureau's own standard prints the bare figure.
"""

from __future__ import annotations

from dataclasses import replace

from legal.discretion.choice import choose
from legal.discretion.engine import evaluate
from legal.discretion.evaluation import Evaluation, Facts, Thresholds
from legal.discretion.law import LAW
from legal.discretion.model import PartyType, Standard
from tests.legal.discretion_support import starter_standard

STANDARD = starter_standard()
ROAD = "示例-DL-001"  # 擅自占用城市道路: 一般 2,000-10,000 yuan for an individual
NOT_JUDGED = "未依罚款数额判断当事人是否有要求听证的权利"


def road(standard: Standard) -> Evaluation:
    return evaluate(standard, Facts(ROAD, PartyType.INDIVIDUAL, frozenset(),
                                    violation_date="2026-11-20", discovered_date="2026-11-20"))


def art63(evaluation: Evaluation) -> list[str]:
    return [s.text for s in evaluation.steps if s.rule == "art63"]


def test_without_a_hearing_threshold_the_reasoning_says_the_amount_was_not_judged() -> None:
    silent = replace(STANDARD, hearing_thresholds={PartyType.UNIT: 100_000})
    e = road(silent)
    assert e.proposed_amount == 6000 and not e.hearing_right
    assert art63(e) == ["裁量基准未规定对公民“较大数额罚款”的数额标准，未依罚款数额判断当事人"
                        "是否有要求听证的权利；拟处罚款是否属于较大数额罚款，应当依照本省规定的"
                        "标准认定。"]
    step = next(s for s in e.steps if s.rule == "art63")
    assert step.citations == (f"{LAW}第六十三条第一款第（一）项",)
    assert e.thresholds == Thresholds(hearing=None, review=5000, example=True)


def test_a_declared_absence_is_said_as_declared() -> None:
    declared = replace(STANDARD, hearing_thresholds={},
                       no_hearing_threshold=(PartyType.INDIVIDUAL, PartyType.UNIT))
    [text] = art63(road(declared))
    assert "数额标准（发布时已声明不设），" + NOT_JUDGED in text
    # The declaration travels in the dataset's bytes and reads back.
    again = Standard.from_bytes(declared.to_bytes())
    assert again.no_hearing_threshold == (PartyType.INDIVIDUAL, PartyType.UNIT)
    assert b"no_hearing_threshold" not in STANDARD.to_bytes()  # undeclared: bytes unchanged


def test_with_a_threshold_nothing_is_said_below_it() -> None:
    e = road(STANDARD)  # 6,000 below the example 10,000
    assert not e.hearing_right and art63(e) == []


def test_an_example_standards_thresholds_are_printed_as_examples() -> None:
    low = replace(STANDARD, hearing_thresholds={PartyType.INDIVIDUAL: 5000})
    e = road(low)
    assert e.hearing_right and e.legal_review_required
    assert art63(e) == ["拟处罚款6000元，达到较大数额罚款标准（示例：5000元），应当告知当事人有"
                        "要求听证的权利。"]
    review = next(s.text for s in e.steps if s.rule == "art58")
    assert "拟处罚款6000元，达到本机关法制审核标准（示例：5000元）" in review
    # The officer's choice judges its amount by the same figures, marked the same way, and
    # the mark survives the evaluation's JSON (what the decision keeps).
    kept = Evaluation.from_json(e.to_json())
    assert kept.thresholds == Thresholds(hearing=5000, review=5000, example=True)
    chosen = choose(kept, waive=False, amount=8000, deviation=None)
    assert "决定罚款8000元，达到较大数额罚款标准（示例：5000元）" in " ".join(
        s.text for s in chosen.steps)


def test_a_bureaus_own_standard_prints_the_bare_figures() -> None:
    own = replace(STANDARD, example=False, hearing_thresholds={PartyType.INDIVIDUAL: 5000})
    e = road(own)
    assert art63(e) == ["拟处罚款6000元，达到较大数额罚款标准（5000元），应当告知当事人有要求"
                        "听证的权利。"]
    assert "示例" not in " ".join(s.text for s in e.steps if s.rule in ("art58", "art63"))
    assert "example" not in e.to_json()["thresholds"]  # the JSON of before, hash unchanged


def test_a_fine_without_a_figure_says_the_hearing_right_is_to_be_judged() -> None:
    # 城乡规划法 第六十四条 fines a share of the construction cost: no figure to compare.
    e = evaluate(STANDARD, Facts("示例-GH-001", PartyType.UNIT, frozenset(),
                                 violation_date="2026-11-20", discovered_date="2026-11-20"))
    assert e.proposed_amount is None and not e.hearing_right
    assert art63(e) == ["拟处罚款的数额未能依裁量基准确定，未依罚款数额判断当事人是否有要求听证"
                        "的权利；罚款数额达到较大数额罚款标准（示例：100000元）的，应当告知当事人"
                        "有要求听证的权利。"]
