"""Read statutes from the Markdown texts of the LawRefBook collection (resources/laws).

The format, one file per version of a statute, named ``<short title>(<version date>).md``:

    # 中华人民共和国行政处罚法          the title
    1996年3月17日 …通过                 the adoption and amendment history, one line each
    <!-- INFO END -->
    ## 第一章 总则                       chapters (optional), ``### 第一节 …`` sections
    第一条 为了规范…                     an article starts with its label (第X条, 第X条之一)
    设定和实施行政处罚必须…             every further non-empty line is a paragraph of it;
    （一）依法给予…                      items (（一） or (一)) are paragraphs of their own

Nothing is invented or normalised: each paragraph is the line as printed, without trailing
blanks. What cannot be read is refused with a `LibraryError` naming the file and the line.

Choices this reader makes, each documented here because an officer sees the result:

- The short title drops a leading 中华人民共和国 (citations name 《行政处罚法》).
- The version date comes from the file name (the collection dates every file), never from
  the text, so two versions of one statute are told apart by their files.
- The effective date is only ever one the text states: a history line ``2014年6月1日 施行``
  (this version's own), else an article ``本法自2021年7月15日起施行`` (for an amended
  text, often the date the original took effect: it is what the text says). A text that
  states none has none; it is never guessed from the version date.
- The level (`infer_level`) is read from who made the statute, as the history says it
  (全国人民代表大会 → law; 国务院令 → administrative regulation; a local people's congress →
  local regulation; 人民政府令 → local rule), and from the title where the history says
  nothing (…法 → law, 省/市…条例 → local regulation, …条例 → administrative regulation,
  市…办法/规定 → local rule). The history wins because titles mislead: 嘉兴市餐饮业油烟管理办法
  is a regulation of the city's people's congress, not a rule of its government. Callers
  override per file (`read_library`'s ``levels``).
- A chapter's section is kept with it: ``第四章 行政处罚的决定 第一节 一般规定``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from legal.library.model import Article, Level, Library, LibraryError, Source, Status, Statute
from legal.library.numerals import NumeralError, to_int

__all__ = ["INFO_END", "PRC", "file_version_date", "infer_level", "read_library",
           "read_statute", "short_title"]

INFO_END = "<!-- INFO END -->"
PRC = "中华人民共和国"

_NUMERAL = "〇零一二三四五六七八九十百千两"
_ARTICLE = re.compile(rf"^第([{_NUMERAL}]+)条(之[{_NUMERAL}]+)?(?=[ \u3000]|$)")
_CHAPTER = re.compile(rf"^##[ \u3000]+(第[{_NUMERAL}]+章.*)$")
_SECTION = re.compile(rf"^###[ \u3000]+(第[{_NUMERAL}]+节.*)$")
_FILE = re.compile(r"^(?P<name>.+)\((?P<date>\d{4}-\d{2}-\d{2})\)\.md$")
_DATE = r"(\d{4})年(\d{1,2})月(\d{1,2})日"
_HISTORY_IN_FORCE = re.compile(rf"^{_DATE}[ \u3000]*施行")
_ARTICLE_IN_FORCE = re.compile(rf"本(?:法|条例|办法|规定|细则|决定)自{_DATE}起施行")


def short_title(title: str) -> str:
    """How citations name a statute: the title without a leading 中华人民共和国."""
    shorter = title.removeprefix(PRC)
    return shorter or title


def file_version_date(file: str) -> str:
    """The ISO version date a collection file's name carries (``行政处罚法(2021-01-22).md``)."""
    found = _FILE.match(file.rsplit("/", 1)[-1])
    if found is None:
        raise LibraryError(f"{file}: the file name does not carry a version date "
                           "(expected <title>(YYYY-MM-DD).md)")
    return found["date"]


def infer_level(title: str, history: tuple[str, ...] = ()) -> Level:
    """The statute's rank from its maker (the history) or, failing that, its title."""
    made = " ".join(history)
    if "全国人民代表大会" in made:
        return Level.LAW
    if "国务院令" in made or "国务院公布" in made or "国务院发布" in made:
        return Level.ADMINISTRATIVE_REGULATION
    if "人民代表大会" in made:
        return Level.LOCAL_REGULATION
    if "人民政府令" in made or "人民政府" in made:
        return Level.LOCAL_RULE
    if title.endswith("法") and not title.endswith(("办法", "方法")):
        return Level.LAW
    local = ("省" in title or "市" in title or "自治区" in title) and not title.startswith(PRC)
    if title.endswith("条例"):
        return Level.LOCAL_REGULATION if local else Level.ADMINISTRATIVE_REGULATION
    if title.endswith(("办法", "规定", "细则")):
        return Level.LOCAL_RULE if local else Level.DEPARTMENT_RULE
    return Level.NORMATIVE_DOCUMENT


def _iso(year: str, month: str, day: str) -> str:
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def _effective_date(history: tuple[str, ...], articles: list[Article]) -> str | None:
    for line in history:
        found = _HISTORY_IN_FORCE.match(line)
        if found:
            return _iso(*found.groups())
    for article in reversed(articles):  # the clause is at the end of a statute
        for paragraph in article.paragraphs:
            stated = _ARTICLE_IN_FORCE.search(paragraph)
            if stated:
                return _iso(*stated.groups())
    return None


class _Draft:
    """An article being read: its label and paragraphs so far, where it started."""

    def __init__(self, number: int, suffix: str, label: str, chapter: str, line: int,
                 first: str) -> None:
        self.number, self.suffix, self.label, self.chapter = number, suffix, label, chapter
        self.line = line
        self.paragraphs = [first]
        self.order = (number, 0)  # 第X条之二 after 第X条之一, numerically

    def article(self) -> Article:
        return Article(number=self.number, label=self.label, paragraphs=tuple(self.paragraphs),
                       chapter=self.chapter, suffix=self.suffix)


def read_statute(text: str, *, file: str, sha256: str, version_date: str, collection: str,
                 snapshot: str, origin: str = "", level: Level | None = None,
                 status: Status = Status.IN_FORCE) -> Statute:
    """One statute from one file's text (see the module doc for the format and choices)."""

    def fail(line: int, problem: str) -> LibraryError:
        return LibraryError(f"{file}:{line}: {problem}")

    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    numbered = [(index + 1, line) for index, line in enumerate(lines) if line.strip()]
    if not numbered or not numbered[0][1].startswith("# "):
        raise fail(numbered[0][0] if numbered else 1, "the first line is not a title (# 名称)")
    title = numbered[0][1][2:].strip()
    if not title:
        raise fail(numbered[0][0], "the title is empty")
    marker = next((i for i, (_n, line) in enumerate(numbered) if line.strip() == INFO_END),
                  None)
    if marker is None:
        raise fail(numbered[-1][0], f"no {INFO_END} line after the title and history")
    history = tuple(line.strip() for _n, line in numbered[1:marker])
    for number, line in numbered[1:marker]:
        if line.startswith("#"):
            raise fail(number, "a heading before the end of the history")

    articles: list[Article] = []
    chapter = section = ""
    draft: _Draft | None = None
    seen: dict[tuple[int, str], int] = {}
    for number, line in numbered[marker + 1:]:
        if line.startswith("#"):
            if (heading := _CHAPTER.match(line)) is not None:
                chapter, section = " ".join(heading[1].split()), ""
            elif (heading := _SECTION.match(line)) is not None:
                if not chapter:
                    raise fail(number, "a section (节) outside any chapter (章)")
                section = " ".join(heading[1].split())
            else:
                raise fail(number, f"a heading that is neither a chapter nor a section: {line!r}")
            continue
        found = _ARTICLE.match(line)
        if found is None:
            if draft is None:
                raise fail(number, "text before the first article (第一条)")
            draft.paragraphs.append(line)
            continue
        try:
            article_number = to_int(found[1])
            order = (article_number, 0 if found[2] is None else to_int(found[2][1:]))
        except NumeralError as exc:
            raise fail(number, f"the article number cannot be read: {exc}") from exc
        suffix = found[2] or ""
        key = (article_number, suffix)
        if key in seen:
            raise fail(number, f"{found[0]} again (first on line {seen[key]})")
        if draft is not None and order < draft.order:
            raise fail(number, f"{found[0]} comes after {draft.label}")
        seen[key] = number
        if draft is not None:
            articles.append(draft.article())
        where = f"{chapter} {section}" if section else chapter
        draft = _Draft(article_number, suffix, found[0], where, number, line)
        draft.order = order
    if draft is not None:
        articles.append(draft.article())
    if not articles:
        raise fail(numbered[-1][0], "no article (第一条 …) in the text")
    short = short_title(title)
    return Statute(
        id=f"{short}@{version_date}", title=title, short_title=short,
        level=level if level is not None else infer_level(title, history),
        version_date=version_date, effective_date=_effective_date(history, articles),
        status=status, history=history,
        source=Source(collection=collection, snapshot=snapshot, file=file, sha256=sha256,
                      origin=origin),
        articles=tuple(articles))


def read_library(files: Mapping[str, bytes], *, edition: str, compiled: str, collection: str,
                 snapshot: str, origin: str = "",
                 levels: Mapping[str, Level] | None = None) -> Library:
    """A library of every file (name → bytes; the name carries the version date), in the
    order of their names. ``levels`` overrides the inferred level of a file by its name."""
    overrides = dict(levels or {})
    unknown = sorted(set(overrides) - set(files))
    if unknown:
        raise LibraryError(f"a level is given for files not imported: {', '.join(unknown)}")
    statutes: list[Statute] = []
    ids: dict[str, str] = {}
    for file in sorted(files):
        data = files[file]
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise LibraryError(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})"
                               ) from exc
        statute = read_statute(text, file=file, sha256=hashlib.sha256(data).hexdigest(),
                               version_date=file_version_date(file), collection=collection,
                               snapshot=snapshot, origin=origin, level=overrides.get(file))
        if statute.id in ids:
            raise LibraryError(f"{file}: {statute.id} is already read from {ids[statute.id]}")
        ids[statute.id] = file
        statutes.append(statute)
    if not statutes:
        raise LibraryError("no statute file to read")
    return Library(edition=edition, compiled=compiled, statutes=tuple(statutes))
