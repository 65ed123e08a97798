"""The law library's and the discretion standard's JSON forms: what HQ publishes is read back
whole, the same data gives the same bytes, and damaged data is refused with a reason."""

from __future__ import annotations

import pytest

from legal.discretion.evaluation import Evaluation, Facts, Outcome, Step
from legal.discretion.model import (
    FineRange,
    Matter,
    PartyType,
    Standard,
    StandardError,
    Tier,
    TierLevel,
)
from legal.library.model import Article, Level, Library, LibraryError, Source, Status, Statute

SOURCE = Source(collection="synthetic", snapshot="test", file="示例法.md", sha256="0" * 64)


def _library() -> Library:
    article = Article(number=3, label="第三条", chapter="第一章 总则",
                      paragraphs=("第三条 合成条文（测试用）。", "（一）第一项；", "第二款。"))
    statute = Statute(id="示例法@2020-01-01", title="中华人民共和国示例法", short_title="示例法",
                      level=Level.LAW, version_date="2020-01-01", effective_date=None,
                      status=Status.IN_FORCE, history=("2020年1月1日通过",), source=SOURCE,
                      articles=(article,), synthetic=True)
    return Library(edition="测试", compiled="2026-12-07", statutes=(statute,))


def _matter(high: int = 200) -> Matter:
    tier = Tier(level=TierLevel.GENERAL, conditions=("c1",), condition_text="一般",
                penalties=("罚款",), fines={PartyType.INDIVIDUAL: FineRange(20, high),
                                             PartyType.UNIT: None})
    return Matter(code="M1", name="示例事项", field="示例", violation_basis=("《示例法》第三条",),
                  penalty_basis=("《示例法》第三条",),
                  statutory={PartyType.INDIVIDUAL: FineRange(20, 200), PartyType.UNIT: None},
                  statutory_penalties=("警告", "罚款"), tiers=(tier,))


def test_library_round_trips_and_is_canonical() -> None:
    library = _library()
    data = library.to_bytes()
    again = Library.from_bytes(data)
    assert again == library
    assert again.to_bytes() == data
    assert again.statute("示例法") is not None
    assert again.statute("中华人民共和国示例法") is again.statute("示例法")
    article = again.statutes[0].article(3)
    assert article is not None
    assert article.body.startswith("合成条文")
    assert article.clauses == ("第三条 合成条文（测试用）。", "第二款。")
    assert article.items(1) == ("（一）第一项；",)
    assert again.synthetic


def test_damaged_library_is_refused_with_a_reason() -> None:
    with pytest.raises(LibraryError, match="not a law library"):
        Library.from_bytes(b"\x00garbage")
    with pytest.raises(LibraryError, match="damaged"):
        Library.from_json({"format": "statement-room/law-library/1", "edition": "x"})


def test_standard_round_trips_and_row_hash_follows_the_row() -> None:
    standard = Standard(id="S", title="示例基准（示例）", version_date="2026-01-01",
                        effective_date="2026-01-01", issuer="示例局", example=True,
                        conditions={"c1": "情节一般"}, matters=(_matter(),),
                        hearing_thresholds={PartyType.INDIVIDUAL: 10000})
    data = standard.to_bytes()
    again = Standard.from_bytes(data)
    assert again == standard
    assert again.matter("M1") == _matter()
    assert _matter().row_hash == again.matters[0].row_hash
    assert _matter(150).row_hash != _matter().row_hash
    with pytest.raises(StandardError):
        Standard.from_bytes(b"{}")


def test_a_range_must_be_a_range() -> None:
    with pytest.raises(StandardError):
        FineRange(200, 20)
    assert 20 in FineRange(20, 200)
    assert 201 not in FineRange(20, 200)


def test_evaluation_round_trips() -> None:
    facts = Facts(matter_code="M1", party_type=PartyType.INDIVIDUAL,
                  conditions=frozenset({"c1"}), violation_date="2026-12-01")
    evaluation = Evaluation(
        standard_id="S", standard_version_date="2026-01-01", matter_code="M1",
        matter_name="示例事项", matter_row_hash=_matter().row_hash, facts=facts,
        outcome=Outcome.PENALTY, tier=TierLevel.GENERAL, statutory_range=FineRange(20, 200),
        proposed_range=FineRange(20, 200), proposed_amount=100, penalties=("罚款",),
        mandatory_mitigation=False, on_the_spot_allowed=True, hearing_right=False,
        legal_review_required=False,
        steps=(Step("matter", "适用示例事项。", ("《示例法》第三条",)),),
        penalty_basis=("《示例法》第三条",), violation_basis=("《示例法》第三条",))
    assert Evaluation.from_json(evaluation.to_json()) == evaluation
