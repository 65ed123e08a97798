"""Citations as officers write them, parsed, written canonically and resolved against the
library read from resources/laws; what does not resolve says why with a stable code."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legal.library.citations import Citation, CitationError, format, parse, resolve
from tests.legal.laws import shipped_library

LIBRARY = shipped_library()


@pytest.mark.parametrize(("text", "cited"), [
    ("《行政处罚法》第三十三条", [Citation("行政处罚法", 33)]),
    ("依据《中华人民共和国行政处罚法》第三十三条第二款之规定",
     [Citation("中华人民共和国行政处罚法", 33, paragraph=2)]),
    ("《行政处罚法》第三十二条第（一）项", [Citation("行政处罚法", 32, item=1)]),
    ("《行政处罚法》第三十二条第一项", [Citation("行政处罚法", 32, item=1)]),
    ("《行政处罚法》第三十二条第一款第(三)项", [Citation("行政处罚法", 32, paragraph=1, item=3)]),
    ("第三十二条第（一）项", [Citation("", 32, item=1)]),
    ("《某条例》第十二条之一", [Citation("某条例", 12, suffix="之一")]),
    ("违反《道路交通安全法》第五十六条、第九十三条第二款的规定",
     [Citation("道路交通安全法", 56), Citation("道路交通安全法", 93, paragraph=2)]),
    ("《道路交通安全法》第九十三条第二款、第三款",
     [Citation("道路交通安全法", 93, paragraph=2), Citation("道路交通安全法", 93, paragraph=3)]),
    ("《行政处罚法》第三十二条第（一）项、第（二）项和第三十三条",
     [Citation("行政处罚法", 32, item=1), Citation("行政处罚法", 32, item=2),
      Citation("行政处罚法", 33)]),
    ("《行政处罚法》第三十三条，《行政强制法》第五条",
     [Citation("行政处罚法", 33), Citation("行政强制法", 5)]),
    # Other text ends the chain: 本条例第五条 is not the Penalty Law's.
    ("依照《行政处罚法》第三十三条处理，本条例第五条另有规定",
     [Citation("行政处罚法", 33), Citation("", 5)]),
    ("《行政处罚法》的规定", []),
    ("本条第二款", []),
])
def test_citations_as_written_are_found(text: str, cited: list[Citation]) -> None:
    assert parse(text) == cited


def test_canonical_spelling() -> None:
    assert format(Citation("行政处罚法", 32, paragraph=1, item=1)) == (
        "《行政处罚法》第三十二条第一款第（一）项")
    assert format(Citation("浙江省实施《中华人民共和国道路交通安全法》办法", 110)) == (
        "《浙江省实施〈中华人民共和国道路交通安全法〉办法》第一百一十条")
    assert str(Citation("", 12, suffix="之一")) == "第十二条之一"


def test_resolving_quotes_the_article_the_paragraph_or_the_item() -> None:
    law = LIBRARY.statute("行政处罚法")
    assert law is not None
    whole = resolve(LIBRARY, "《中华人民共和国行政处罚法》第三十三条")
    assert whole.statute is law and whole.article is law.article(33)
    assert whole.text == law.article(33).text  # type: ignore[union-attr]
    second = resolve(LIBRARY, "《行政处罚法》第三十三条第二款")
    assert second.text == ("当事人有证据足以证明没有主观过错的，不予行政处罚。"
                           "法律、行政法规另有规定的，从其规定。")
    assert second.canonical == "《行政处罚法》第三十三条第二款"
    item = resolve(LIBRARY, Citation("行政处罚法", 32, item=1))
    assert item.text == "（一）主动消除或者减轻违法行为危害后果的；"
    with_items = resolve(LIBRARY, "《行政处罚法》第三十二条第一款")
    assert with_items.text.splitlines()[0] == (
        "第三十二条 当事人有下列情形之一，应当从轻或者减轻行政处罚：")
    assert len(with_items.text.splitlines()) == 6
    road = resolve(LIBRARY, "《道路交通安全法》第五十六条")
    assert road.statute.short_title == "道路交通安全法" and road.article.label == "第五十六条"
    nested = resolve(LIBRARY, "《浙江省实施〈中华人民共和国道路交通安全法〉办法》第一条")
    assert nested.statute.version_date == "2014-11-28"
    # As it is usually cited: the state's name left out of the nested title too.
    assert resolve(LIBRARY, "《浙江省实施〈道路交通安全法〉办法》第一条").statute is nested.statute


@pytest.mark.parametrize(("text", "code", "words"), [
    ("《治安管理处罚法》第二十三条", "unknown_statute", "no statute named 《治安管理处罚法》"),
    ("第三十三条", "unknown_statute", "names no statute"),
    ("《行政处罚法》第八十七条", "no_article", "《行政处罚法》 has no 第八十七条"),
    ("《行政处罚法》第三十三条之一", "no_article", "has no 第三十三条之一"),
    ("《行政处罚法》第三十三条第四款", "no_paragraph", "has 3 paragraph(s), not 4"),
    ("《行政处罚法》第三十二条第（六）项", "no_item", "has 5 item(s), not 6"),
    ("《行政处罚法》第三十三条第（一）项", "no_item", "has 0 item(s), not 1"),
    ("三十三条", "unreadable", "not one citation"),
    ("《行政处罚法》第三十二条、第三十三条", "unreadable", "found 2"),
])
def test_what_does_not_resolve_says_why(text: str, code: str, words: str) -> None:
    with pytest.raises(CitationError) as raised:
        resolve(LIBRARY, text)
    assert raised.value.code == code and words in str(raised.value)


NAMES = st.text(alphabet=st.sampled_from("行政处罚法道路交通安全条例浙江省市容第一十条款项之〈〉"),
                min_size=1, max_size=12).filter(lambda n: "〈" not in n and "〉" not in n)
CITATIONS = st.builds(
    Citation, statute=st.one_of(st.just(""), NAMES), article=st.integers(1, 9999),
    suffix=st.one_of(st.just(""), st.integers(1, 99).map(
        lambda n: "之" + format(Citation("", n))[1:-1])),
    paragraph=st.one_of(st.none(), st.integers(1, 99)),
    item=st.one_of(st.none(), st.integers(1, 99)))


@given(CITATIONS)
def test_format_then_parse_round_trips(citation: Citation) -> None:
    assert parse(format(citation)) == [citation]


@given(st.lists(CITATIONS, min_size=1, max_size=5))
def test_several_citations_in_one_text_are_each_found(citations: list[Citation]) -> None:
    text = "；依照".join(format(c) for c in citations)
    assert parse(text) == citations
