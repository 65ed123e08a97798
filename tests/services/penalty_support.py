"""Penalty decisions and a law library for the penalty-document tests (SYNTHETIC data).

The decisions are built directly as the engine's records (`legal.discretion.evaluation`) for
the sidewalk-parking matter: an individual parked on the pavement while away from the car,
《中华人民共和国道路交通安全法》第九十三条第二款, 20 to 200 yuan. The standard and library
versions they name are labelled synthetic, and that label is what the documents print.

The library is built with `legal.library.model` from the statute texts the product ships
(`resources/laws`): the articles are the real texts, the edition is a test edition marked
synthetic. `quote` resolves a citation against it the way documents cite: 第N条, 第N款,
第（N）项; it stands in for the law-library service's `quote` (helper LAW's, not on this
branch).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from importlib import resources
from typing import Any

from desktop.domain.penalty import DatasetUsed, DecisionState, PenaltyDecision
from legal.discretion.evaluation import (
    Choice,
    Deviation,
    DeviationKind,
    Evaluation,
    Facts,
    Outcome,
    Step,
)
from legal.discretion.model import FineRange, PartyType, TierLevel
from legal.library.model import Article, Level, Library, Source, Status, Statute

PARKING = "《中华人民共和国道路交通安全法》第九十三条第二款"
NO_PARKING_ON_PAVEMENT = "《中华人民共和国道路交通安全法》第五十六条第一款"
ART_32_1 = "《中华人民共和国行政处罚法》第三十二条第（一）项"
ART_33_1 = "《中华人民共和国行政处罚法》第三十三条第一款"
LIBRARY_LABEL = "测试法规库 2026-12（合成，仅供测试）"
STANDARD_LABEL = "示例区行政处罚裁量基准（示例，合成测试数据）2026-01-01"

_NUMERALS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9}


def chinese_number(text: str) -> int:
    """一百二十三 -> 123 (article numbers up to 999)."""
    total, digit = 0, 0
    for char in text:
        if char in _NUMERALS:
            digit = _NUMERALS[char]
        else:
            total += (digit or 1) * {"十": 10, "百": 100}[char]
            digit = 0
    return total + digit


_ARTICLE = re.compile(r"^(第([零一二三四五六七八九十百]+)条)\s*(.*)$")


def _statute(file: str, title: str, short: str, version: str) -> Statute:
    text = (resources.files("resources.laws") / file).read_text("utf-8")
    articles: list[Article] = []
    label, number, paragraphs = "", 0, []  # type: ignore[var-annotated]
    for line in text.splitlines():
        line = line.strip()
        found = _ARTICLE.match(line)
        if found or line.startswith("#"):
            if label:
                articles.append(Article(number, label, tuple(paragraphs)))
            label = ""
        if found:
            label, number, paragraphs = found.group(1), chinese_number(found.group(2)), [line]
        elif label and line:
            paragraphs.append(line)
    if label:
        articles.append(Article(number, label, tuple(paragraphs)))
    return Statute(id=f"{short}@{version}", title=title, short_title=short, level=Level.LAW,
                   version_date=version, effective_date=None, status=Status.IN_FORCE,
                   history=(), source=Source("resources/laws", "test", file, "0" * 64),
                   articles=tuple(articles), synthetic=True)


def library() -> Library:
    return Library(edition=LIBRARY_LABEL, compiled="2026-12-01", statutes=(
        _statute("道路交通安全法(2021-04-29).md", "中华人民共和国道路交通安全法", "道路交通安全法",
                 "2021-04-29"),
        _statute("行政处罚法(2021-01-22).md", "中华人民共和国行政处罚法", "行政处罚法",
                 "2021-01-22")))


_CITATION = re.compile(r"《(.+?)》第([零一二三四五六七八九十百]+)条"
                       r"(?:第([一二三四五六七八九十]+)款)?(?:第（([一二三四五六七八九十]+)）项)?$")


class QuoteError(LookupError):
    pass


def quoting(lib: Library) -> Callable[[str], str]:
    """A `quote(citation) -> text` over `lib`: the article, paragraph or item cited."""

    def quote(citation: str) -> str:
        found = _CITATION.match(citation)
        if not found:
            raise QuoteError(citation)
        statute = lib.statute(found.group(1))
        article = statute.article(chinese_number(found.group(2))) if statute else None
        if article is None:
            raise QuoteError(citation)
        if found.group(4):  # an item: of the first paragraph unless a paragraph is named
            clause = chinese_number(found.group(3)) if found.group(3) else 1
            return article.items(clause)[chinese_number(found.group(4)) - 1]
        if found.group(3):
            clause = chinese_number(found.group(3))
            text = article.clauses[clause - 1]
            text = text.removeprefix(article.label).strip()
            return "".join((text, *article.items(clause)))
        return "".join(p.removeprefix(article.label).strip() for p in article.paragraphs)

    return quote


def _facts(**changes: object) -> Facts:
    facts = Facts(matter_code="SR-TEST-0093", party_type=PartyType.INDIVIDUAL,
                  conditions=frozenset({"general"}), violation_date="2026-11-26",
                  discovered_date="2026-11-26")
    return replace(facts, **changes)  # type: ignore[arg-type]


def evaluation(**changes: object) -> Evaluation:
    facts = changes.pop("facts", None) or _facts()
    base = Evaluation(
        standard_id="test-standard", standard_version_date="2026-01-01",
        matter_code="SR-TEST-0093", matter_name="机动车在人行道上违法停放",
        matter_row_hash="ab" * 32, facts=facts,  # type: ignore[arg-type]
        outcome=Outcome.PENALTY, tier=TierLevel.GENERAL,
        statutory_range=FineRange(20, 200), proposed_range=FineRange(50, 100),
        proposed_amount=100, penalties=("罚款",), mandatory_mitigation=False,
        on_the_spot_allowed=True, hearing_right=False, legal_review_required=False,
        steps=(
            Step("matter", "当事人将机动车停放在人行道上，驾驶人不在现场，妨碍行人通行，"
                           "适用“机动车在人行道上违法停放”事项。", (PARKING,)),
            Step("tier", "违法情节一般，适用一般阶次，对个人的罚款幅度为五十元以上一百元以下。"),
        ),
        penalty_basis=(PARKING,), violation_basis=(NO_PARKING_ON_PAVEMENT,))
    return replace(base, **changes)  # type: ignore[arg-type]


def decision(case_id: str, statement_id: str | None, officer_id: str, *,
             evaluated: Evaluation | None = None, choice: Choice | None = None,
             state: DecisionState = DecisionState.APPROVED) -> PenaltyDecision:
    evaluated = evaluated or evaluation()
    choice = choice or Choice(waived=False, amount=evaluated.proposed_amount,
                              penalties=evaluated.penalties, deviation=None, steps=())
    return PenaltyDecision(
        id="0190f3c0-0000-7000-8000-00000000d0c1", case_id=case_id, statement_id=statement_id,
        officer_id=officer_id,
        created_at=datetime(2026, 11, 27, 9, 30, tzinfo=timezone(timedelta(hours=8))),
        state=state, facts=evaluated.facts, evaluation=evaluated, choice=choice,
        standard=DatasetUsed("discretion", 3, "cd" * 32, STANDARD_LABEL),
        library=DatasetUsed("laws", 7, "ef" * 32, LIBRARY_LABEL))


def hearing() -> Evaluation:
    """An evaluation that found the party must be told of the right to a hearing."""
    return evaluation(hearing_right=True)


def on_the_spot() -> Evaluation:
    return evaluation(facts=_facts(on_the_spot=True), proposed_amount=50,
                      steps=(*evaluation().steps, Step(
                          "art51", "对个人处以二百元以下罚款，违法事实确凿并有法定依据，"
                                   "可以当场作出行政处罚决定。",
                          ("《中华人民共和国行政处罚法》第五十一条",))))


def no_penalty() -> tuple[Evaluation, Choice]:
    evaluated = evaluation(
        outcome=Outcome.NO_PENALTY, tier=None, proposed_range=None, proposed_amount=None,
        penalties=(), facts=_facts(conditions=frozenset({"minor_corrected_no_harm"})),
        steps=(*evaluation().steps[:1], Step(
            "art33", "当事人违法行为轻微并及时驶离改正，没有造成危害后果，依法不予行政处罚。",
            (ART_33_1,))))
    return evaluated, Choice(waived=True, amount=None, penalties=(), deviation=None, steps=())


def lighter_with_correction() -> tuple[Evaluation, Choice]:
    """A fine below the tier (从轻, written reason) and an order to correct."""
    evaluated = evaluation(penalties=("罚款", "责令改正"))
    reason = "当事人主动消除违法行为危害后果，立即将车辆驶离人行道"
    return evaluated, Choice(
        waived=False, amount=30, penalties=("罚款", "责令改正"),
        deviation=Deviation(DeviationKind.LIGHTER, reason),
        steps=(Step("deviation", f"{reason}，依法从轻处罚，罚款三十元。", (ART_32_1,)),))


# The unit's legal particulars the documents print (SYNTHETIC): set by the world's administrator
# before any document is drafted, as a unit's administrator does once (decision 51).
UNIT_ABBREVIATION = "示综执"
RECONSIDERATION_BODY = "示例区人民政府"
COURT = "示例区人民法院"
PAYEE = "示例区财政局（测试）"
BANK = "测试银行示例区支行"
ACCOUNT = "1234 5678 9012 3456"
PAYMENT_METHOD = "持本决定书到开户银行缴纳，或者通过统一公共支付平台在线缴纳"


def unit_particulars(abbreviation: str = UNIT_ABBREVIATION, **overrides: str) -> Any:
    from desktop.services.unit_profile import UnitParticularsRow

    values = {"abbreviation": abbreviation, "reconsideration_body": RECONSIDERATION_BODY,
              "court": COURT, "payee": PAYEE, "bank": BANK, "account": ACCOUNT,
              "payment_method": PAYMENT_METHOD, **overrides}
    return UnitParticularsRow(**values)


def set_unit_profile(store: Any, abbreviation: str = UNIT_ABBREVIATION,
                     **overrides: str) -> Any:
    """Set the unit's particulars through the service, as the logged-in administrator."""
    from desktop.services import unit_profile

    return unit_profile.set_profile(store, unit_particulars(abbreviation, **overrides))
