"""The Markdown reader over every statute file shipped in resources/laws, and over the
malformed texts an importer must refuse with the file and the line."""

from __future__ import annotations

import hashlib
import re

import pytest

from legal.library.markdown import (
    file_version_date,
    infer_level,
    read_library,
    read_statute,
    short_title,
)
from legal.library.model import Level, LibraryError, Status
from legal.library.numerals import to_int
from tests.legal.laws import COLLECTION, ORIGIN, SNAPSHOT, law_files, shipped_library

ARTICLE_LINE = re.compile(r"^第([一二三四五六七八九十百零]+)条[ \u3000]", re.MULTILINE)

# Article counts of the official texts (the last article of each is its 施行 clause).
KNOWN_COUNTS = {
    "行政处罚法": 86, "行政强制法": 71, "道路交通安全法": 124, "道路交通安全法实施条例": 115,
    "城乡规划法": 70, "大气污染防治法": 129, "固体废物污染环境防治法": 126,
    "城市市容和环境卫生管理条例": 45, "浙江省综合行政执法条例": 38, "浙江省生活垃圾管理条例": 52,
}


def test_every_shipped_file_is_read_with_every_article_in_order() -> None:
    files = law_files()
    library = shipped_library()
    assert len(library.statutes) == len(files) == 19
    for statute in library.statutes:
        text = files[statute.source.file].decode("utf-8")
        labels = ARTICLE_LINE.findall(text)
        # Every article line of the file is one article, numbered 1, 2, 3… without a gap.
        assert [a.number for a in statute.articles] == [to_int(n) for n in labels]
        assert [a.number for a in statute.articles] == list(range(1, len(labels) + 1))
        assert all(a.paragraphs[0].startswith(a.label) for a in statute.articles)
        assert statute.version_date == file_version_date(statute.source.file)
        assert statute.id == f"{statute.short_title}@{statute.version_date}"
        assert statute.source == statute.source.__class__(
            COLLECTION, SNAPSHOT, statute.source.file,
            hashlib.sha256(files[statute.source.file]).hexdigest(), ORIGIN)
        # Not a word is lost or invented: the paragraphs are the file's lines after the marker.
        body = text.split("<!-- INFO END -->", 1)[1]
        lines = [line.rstrip() for line in body.splitlines()
                 if line.strip() and not line.startswith("#")]
        assert [p for a in statute.articles for p in a.paragraphs] == lines
    for name, count in KNOWN_COUNTS.items():
        found = library.statute(name)
        assert found is not None and len(found.articles) == count, name


def test_the_administrative_penalty_law_as_printed() -> None:
    statute = shipped_library().statute("中华人民共和国行政处罚法")
    assert statute is not None
    assert (statute.title, statute.short_title, statute.level, statute.status) == (
        "中华人民共和国行政处罚法", "行政处罚法", Level.LAW, Status.IN_FORCE)
    assert (statute.version_date, statute.effective_date) == ("2021-01-22", "2021-07-15")
    assert statute.history[-1] == (
        "2021年1月22日 第十三届全国人民代表大会常务委员会第二十五次会议修订")
    article = statute.article(33)
    assert article is not None and article.label == "第三十三条"
    assert article.text == (
        "第三十三条 违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚。初次违法且危害后果"
        "轻微并及时改正的，可以不予行政处罚。\n"
        "当事人有证据足以证明没有主观过错的，不予行政处罚。法律、行政法规另有规定的，从其规定。\n"
        "对当事人的违法行为依法不予行政处罚的，行政机关应当对当事人进行教育。")
    assert article.chapter == "第四章 行政处罚的管辖和适用"
    items = statute.article(32)
    assert items is not None and items.items(1) == (
        "（一）主动消除或者减轻违法行为危害后果的；",
        "（二）受他人胁迫或者诱骗实施违法行为的；",
        "（三）主动供述行政机关尚未掌握的违法行为的；",
        "（四）配合行政机关查处违法行为有立功表现的；",
        "（五）法律、法规、规章规定其他应当从轻或者减轻行政处罚的。")
    assert items.clauses == (
        "第三十二条 当事人有下列情形之一，应当从轻或者减轻行政处罚：",)
    chapters = list(dict.fromkeys(a.chapter.split(" ")[0] for a in statute.articles))
    assert chapters == [f"第{n}章" for n in "一二三四五六七八"]
    simple = statute.article(51)
    assert simple is not None and simple.chapter == "第五章 行政处罚的决定 第二节 简易程序"


def test_levels_and_effective_dates_come_from_what_the_texts_say() -> None:
    library = shipped_library()
    levels = {s.short_title: s.level for s in library.statutes}
    assert levels["城市市容和环境卫生管理条例"] == Level.ADMINISTRATIVE_REGULATION
    assert levels["道路交通安全法实施条例"] == Level.ADMINISTRATIVE_REGULATION
    assert levels["浙江省城市市容和环境卫生管理条例"] == Level.LOCAL_REGULATION
    # 办法 and 规定 made by a people's congress are regulations, not a government's rules.
    assert levels["嘉兴市餐饮业油烟管理办法"] == Level.LOCAL_REGULATION
    assert levels["金华市禁止销售燃放烟花爆竹管理规定"] == Level.LOCAL_REGULATION
    dates = {s.short_title: s.effective_date for s in library.statutes}
    assert dates["杭州市户外广告设施和招牌指示牌管理条例"] == "2014-06-01"  # a history line
    assert dates["浙江省生活垃圾管理条例"] == "2021-05-01"  # its last article
    # The text states none: none is guessed.
    assert dates["金华市禁止销售燃放烟花爆竹管理规定"] is None
    # Items printed with ASCII brackets in a State Council text are items too.
    implementing = library.statute("道路交通安全法实施条例")
    assert implementing is not None
    article = implementing.article(5)
    assert article is not None and article.items(2)[0].startswith("(一)")


def test_the_level_is_inferred_from_the_maker_then_the_title_and_can_be_overridden() -> None:
    assert infer_level("某某法") == Level.LAW
    assert infer_level("某市市容条例") == Level.LOCAL_REGULATION
    assert infer_level("某某管理条例") == Level.ADMINISTRATIVE_REGULATION
    assert infer_level("某市停车管理办法") == Level.LOCAL_RULE
    assert infer_level("某市停车管理办法", ("2020年1月1日 某市人民政府令第1号公布",)) == (
        Level.LOCAL_RULE)
    assert short_title("中华人民共和国行政处罚法") == "行政处罚法"
    files = law_files()
    name = "嘉兴市餐饮业油烟管理办法(2020-04-10).md"
    library = read_library(files, edition="e", compiled="2026-12-07", collection=COLLECTION,
                           snapshot=SNAPSHOT, levels={name: Level.LOCAL_RULE})
    statute = library.statute("嘉兴市餐饮业油烟管理办法")
    assert statute is not None and statute.level == Level.LOCAL_RULE
    with pytest.raises(LibraryError, match=r"not imported: 不存在\.md"):
        read_library(files, edition="e", compiled="2026-12-07", collection=COLLECTION,
                     snapshot=SNAPSHOT, levels={"不存在.md": Level.LAW})


def _read(text: str) -> None:
    read_statute(text, file="测试法(2020-01-01).md", sha256="0" * 64, version_date="2020-01-01",
                 collection=COLLECTION, snapshot=SNAPSHOT)


GOOD = "# 测试法\n\n2020年1月1日 通过\n\n<!-- INFO END -->\n\n第一条 甲。\n\n第二条 乙。\n"


@pytest.mark.parametrize(("text", "problem"), [
    ("", r":1: the first line is not a title"),
    ("测试法\n<!-- INFO END -->\n第一条 甲。", r":1: the first line is not a title"),
    ("# 测试法\n第一条 甲。\n", r":2: no <!-- INFO END -->"),
    ("# 测试法\n## 第一章 总则\n<!-- INFO END -->\n第一条 甲。", r":2: a heading before the end"),
    ("# 测试法\n<!-- INFO END -->\n\n为了测试。\n第一条 甲。", r":4: text before the first"),
    ("# 测试法\n<!-- INFO END -->\n### 第一节 甲\n第一条 甲。", r":3: a section \(节\) outside"),
    ("# 测试法\n<!-- INFO END -->\n## 附录\n第一条 甲。", r":3: a heading that is neither"),
    ("# 测试法\n<!-- INFO END -->\n第一条 甲。\n第一条 乙。", r":4: 第一条 again \(first on l"),
    ("# 测试法\n<!-- INFO END -->\n第二条 甲。\n第一条 乙。", r":4: 第一条 comes after 第二条"),
    ("# 测试法\n<!-- INFO END -->\n第一条 甲。\n第三三条 乙。", r":4: the article number"),
    ("# 测试法\n<!-- INFO END -->\n第一条 甲。\n第十十条 乙。", r":4: the article number"),
    ("# 测试法\n<!-- INFO END -->\n\n", r":2: no article"),
])
def test_malformed_texts_are_refused_naming_file_and_line(text: str, problem: str) -> None:
    with pytest.raises(LibraryError, match=r"^测试法\(2020-01-01\)\.md" + problem):
        _read(text)


def test_a_good_minimal_text_and_articles_with_suffixes() -> None:
    _read(GOOD)
    statute = read_statute(GOOD.replace("第二条 乙。", "第一条之一 补。\n\n第二条 乙。"),
                           file="测试法(2020-01-01).md", sha256="0" * 64,
                           version_date="2020-01-01", collection=COLLECTION, snapshot=SNAPSHOT)
    assert [(a.number, a.suffix, a.label) for a in statute.articles] == [
        (1, "", "第一条"), (1, "之一", "第一条之一"), (2, "", "第二条")]
    assert statute.article(1, "之一") is not None


def test_file_level_problems_name_the_file() -> None:
    with pytest.raises(LibraryError, match="does not carry a version date"):
        read_library({"测试法.md": GOOD.encode()}, edition="e", compiled="c",
                     collection=COLLECTION, snapshot=SNAPSHOT)
    with pytest.raises(LibraryError, match=r"^测试法\(2020-01-01\)\.md: not UTF-8"):
        read_library({"测试法(2020-01-01).md": GOOD.encode("gb18030")}, edition="e",
                     compiled="c", collection=COLLECTION, snapshot=SNAPSHOT)
    with pytest.raises(LibraryError, match="already read from"):
        read_library({"测试法(2020-01-01).md": GOOD.encode(),
                      "x/测试法(2020-01-01).md": GOOD.encode()}, edition="e", compiled="c",
                     collection=COLLECTION, snapshot=SNAPSHOT)
    with pytest.raises(LibraryError, match="no statute file"):
        read_library({}, edition="e", compiled="c", collection=COLLECTION, snapshot=SNAPSHOT)


def test_the_library_round_trips_as_the_laws_dataset() -> None:
    library = shipped_library()
    again = type(library).from_bytes(library.to_bytes())
    assert again == library and again.to_bytes() == library.to_bytes()
    assert not again.synthetic
