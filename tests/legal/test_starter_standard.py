"""The starter standard as shipped: an example in its title and on every row, never
verified, every tier within the statutory range it was built from, every range one the
statute's text states, and sidewalk parking usable by the demo (an individual, 20-200 yuan,
on the spot)."""

from __future__ import annotations

import re
from pathlib import Path

from legal.discretion.engine import evaluate
from legal.discretion.evaluation import Facts, Outcome
from legal.discretion.factors import has_factor, parse_factors
from legal.discretion.model import PartyType
from legal.discretion.table import parse_amount, rows_from_csv
from resources.discretion import STARTER, starter_csv
from tests.legal.discretion_support import SIDEWALK, starter_standard

LAWS = Path(__file__).resolve().parents[2] / "resources" / "laws"


def test_it_is_marked_as_an_example_everywhere() -> None:
    standard = starter_standard()
    assert standard.example and "示例" in standard.title and STARTER["example"] is True
    for matter in standard.matters:
        assert matter.code.startswith("示例-") and matter.remarks.startswith("示例")
        assert "未经公报核对" in matter.remarks and not matter.verified
        assert all(t.source.startswith("示例") for t in matter.tiers)


def test_every_tier_lies_within_its_statutory_range() -> None:
    standard = starter_standard()
    assert len(standard.matters) >= 8
    for matter in standard.matters:
        for tier in matter.tiers:
            for party in PartyType:
                fine = tier.fine(party)
                if fine is not None:
                    statutory = matter.statutory[party]
                    assert statutory is not None and fine.within(statutory), (matter.code, tier)


def _statute_text(citation: str) -> str:
    title = re.match(r"《(?:中华人民共和国)?(.+?)》", citation)
    assert title is not None
    files = [p for p in LAWS.glob("*.md") if p.name.split("(")[0] == title.group(1)]
    assert files, citation
    return files[0].read_text(encoding="utf-8")


def test_every_statutory_range_is_written_in_the_cited_article() -> None:
    """Each range the table states appears, in the statute's own words, in the text of the
    penalty article it cites (never invented)."""
    for row in rows_from_csv(starter_csv()):
        if not row["事项代码"]:
            continue
        citation = row["处罚依据"].split("；")[0]
        text = _statute_text(citation)
        article = re.search(r"》(第[^条]+条)", citation)
        assert article is not None
        start = text.index("\n" + article.group(1) + " ")
        following = re.compile(r"\n第[零一二三四五六七八九十百]+条 ").search(text, start + 1)
        body = text[start:following.start() if following else None]
        for column in ("法定幅度（个人）", "法定幅度（单位）"):
            written = row[column]
            if has_factor(written):  # a share of a base: its words are the statute's own
                factors = parse_factors(written)
                assert factors is not None and factors.words() in body, (row["事项代码"],
                                                                         column, written)
                continue
            wanted = parse_amount(written)
            if wanted is None:
                continue
            amounts = [parse_amount(m) for m in re.findall(
                r"[零一二两三四五六七八九十百千万0-9]+元以上[零一二两三四五六七八九十百千万0-9]+元以下|"
                r"(?<![上至])[零一二两三四五六七八九十百千万0-9]+万?元以下", body)]
            assert wanted in amounts, (row["事项代码"], column, written, body[:200])


def test_sidewalk_parking_serves_the_demo() -> None:
    standard = starter_standard()
    evaluation = evaluate(standard, Facts(SIDEWALK, PartyType.INDIVIDUAL, frozenset(),
                                          on_the_spot=True))
    assert evaluation.outcome is Outcome.PENALTY and evaluation.on_the_spot_allowed
    assert evaluation.proposed_amount is not None and 20 <= evaluation.proposed_amount <= 200
    assert evaluation.statutory_range is not None
    assert (evaluation.statutory_range.low, evaluation.statutory_range.high) == (20, 200)
