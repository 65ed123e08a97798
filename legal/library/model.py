"""The law library: statutes, their articles, and the ``laws`` dataset's JSON form.

A library is one edition: the statutes as HQ imported them, each with its version date (the
date of the text: promulgation or latest amendment), its effective date where the text states
one, its status and where it came from. An article keeps its paragraphs as written; items
(``（一）…``) are paragraphs of their own, as in the official texts, and `Article.items` finds
them. Nothing here invents text: a statute is only ever what an importer read.

The JSON form is the ``laws`` reference dataset (`FORMAT`), canonical UTF-8 so that the same
library always has the same SHA-256 (HQ publishes the same bytes only once).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "FORMAT",
    "Article",
    "Level",
    "Library",
    "LibraryError",
    "Source",
    "Status",
    "Statute",
]

FORMAT = "statement-room/law-library/1"
_ITEM = re.compile(r"^[（(][〇零一二三四五六七八九十百]+[）)]")


class LibraryError(ValueError):
    """A library (or its JSON) that cannot be read: the message says what is wrong."""


class Level(StrEnum):
    """The rank of a statute (立法法): what it may set, and how it is cited."""

    LAW = "law"  # 法律
    ADMINISTRATIVE_REGULATION = "administrative_regulation"  # 行政法规
    LOCAL_REGULATION = "local_regulation"  # 地方性法规 (province or city people's congress)
    DEPARTMENT_RULE = "department_rule"  # 部门规章
    LOCAL_RULE = "local_rule"  # 地方政府规章
    NORMATIVE_DOCUMENT = "normative_document"  # 规范性文件


class Status(StrEnum):
    """Whether a statute's text is in force (时效性)."""

    IN_FORCE = "in_force"  # 现行有效
    AMENDED = "amended"  # 已被修改 (a newer version exists)
    REPEALED = "repealed"  # 已废止
    NOT_YET_IN_FORCE = "not_yet_in_force"  # 尚未生效


@dataclass(frozen=True)
class Source:
    """Provenance of a statute's text: which collection, which file, which bytes."""

    collection: str  # e.g. "LawRefBook/Laws"
    snapshot: str  # the collection's version, e.g. "2f4c5c2 (2025-04-19)"
    file: str  # the file name within the collection
    sha256: str  # of the file's bytes as imported
    origin: str = ""  # where the collection took it from, e.g. "flk.npc.gov.cn"
    verified: bool = False  # compared with the official gazette by the bureau


@dataclass(frozen=True)
class Article:
    """One article: ``number`` is 33 for 第三十三条; ``suffix`` is "之一" for 第三十三条之一."""

    number: int
    label: str  # as printed: "第三十三条"
    paragraphs: tuple[str, ...]  # the first starts with the label, as in the text
    chapter: str = ""  # "第二章 行政处罚的种类和设定", or "" where the statute has none
    suffix: str = ""

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def body(self) -> str:
        """The text without the leading label (for quoting after a citation)."""
        first = self.paragraphs[0].removeprefix(self.label).lstrip() if self.paragraphs else ""
        return "\n".join((first, *self.paragraphs[1:]))

    def is_item(self, index: int) -> bool:
        """An item (项) is a paragraph opening with its number in brackets: （一） as most
        texts print it, (一) as some State Council texts do."""
        return _ITEM.match(self.paragraphs[index]) is not None

    @property
    def clauses(self) -> tuple[str, ...]:
        """The paragraphs (款) without the items (项), which belong to the paragraph before."""
        return tuple(p for i, p in enumerate(self.paragraphs) if not self.is_item(i))

    def items(self, clause: int) -> tuple[str, ...]:
        """The items (项) of the ``clause``-th paragraph (款, from 1)."""
        found: list[str] = []
        seen = 0
        for i, paragraph in enumerate(self.paragraphs):
            if not self.is_item(i):
                seen += 1
                continue
            if seen == clause:
                found.append(paragraph)
        return tuple(found)


@dataclass(frozen=True)
class Statute:
    """One version of one statute."""

    id: str  # stable within a library: short title and version date, "行政处罚法@2021-01-22"
    title: str  # "中华人民共和国行政处罚法"
    short_title: str  # "行政处罚法": how citations name it
    level: Level
    version_date: str  # ISO date of this text (公布/修正日期)
    effective_date: str | None  # ISO date the text says it takes effect, if it says
    status: Status
    history: tuple[str, ...]  # the adoption and amendment lines as printed
    source: Source
    articles: tuple[Article, ...]
    issuer: str = ""  # 制定机关, where known
    synthetic: bool = False  # made up for a test or benchmark: shown as such wherever seen

    def article(self, number: int, suffix: str = "") -> Article | None:
        for article in self.articles:
            if article.number == number and article.suffix == suffix:
                return article
        return None


@dataclass(frozen=True)
class Library:
    """One edition of the law library: what HQ published as one version of ``laws``."""

    edition: str  # HQ's words for this edition, e.g. "2026-12 法规库"
    compiled: str  # ISO date the edition was compiled
    statutes: tuple[Statute, ...]
    _by_name: Mapping[str, Statute] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        names: dict[str, Statute] = {}
        for statute in self.statutes:
            for name in (statute.id, statute.title, statute.short_title):
                # The newest version answers a citation by name; older ones by id.
                held = names.get(name)
                if held is None or statute.version_date > held.version_date:
                    names[name] = statute
        object.__setattr__(self, "_by_name", names)

    def statute(self, name: str) -> Statute | None:
        """By id, full title or short title (the newest version for a title)."""
        found = self._by_name.get(name)
        if found is None and not name.startswith("中华人民共和国"):
            found = self._by_name.get("中华人民共和国" + name)
        return found

    def articles(self) -> Iterator[tuple[Statute, Article]]:
        for statute in self.statutes:
            for article in statute.articles:
                yield statute, article

    @property
    def synthetic(self) -> bool:
        return any(s.synthetic for s in self.statutes)

    # -- the dataset's JSON form -----------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "edition": self.edition, "compiled": self.compiled,
            "statutes": [_statute_json(s) for s in self.statutes],
        }

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True,
                          separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> Library:
        try:
            return cls.from_json(json.loads(data.decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise LibraryError(f"not a law library: {exc}") from exc

    @classmethod
    def from_json(cls, doc: object) -> Library:
        try:
            assert isinstance(doc, dict)
            if doc.get("format") != FORMAT:
                raise LibraryError(f"not a law library of format {FORMAT}: "
                                   f"{doc.get('format')!r}")
            return cls(edition=str(doc["edition"]), compiled=str(doc["compiled"]),
                       statutes=tuple(_statute_from(s) for s in doc["statutes"]))
        except (AssertionError, KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, LibraryError):
                raise
            raise LibraryError(f"law library damaged: {exc!r}") from exc


def _statute_json(s: Statute) -> dict[str, Any]:
    return {
        "id": s.id, "title": s.title, "short_title": s.short_title, "level": s.level.value,
        "version_date": s.version_date, "effective_date": s.effective_date,
        "status": s.status.value, "history": list(s.history), "issuer": s.issuer,
        "synthetic": s.synthetic,
        "source": {"collection": s.source.collection, "snapshot": s.source.snapshot,
                   "file": s.source.file, "sha256": s.source.sha256,
                   "origin": s.source.origin, "verified": s.source.verified},
        "articles": [{"number": a.number, "suffix": a.suffix, "label": a.label,
                      "chapter": a.chapter, "paragraphs": list(a.paragraphs)}
                     for a in s.articles],
    }


def _statute_from(d: dict[str, Any]) -> Statute:
    src = d["source"]
    return Statute(
        id=str(d["id"]), title=str(d["title"]), short_title=str(d["short_title"]),
        level=Level(d["level"]), version_date=str(d["version_date"]),
        effective_date=None if d["effective_date"] is None else str(d["effective_date"]),
        status=Status(d["status"]), history=tuple(str(h) for h in d["history"]),
        issuer=str(d.get("issuer", "")), synthetic=bool(d.get("synthetic", False)),
        source=Source(collection=str(src["collection"]), snapshot=str(src["snapshot"]),
                      file=str(src["file"]), sha256=str(src["sha256"]),
                      origin=str(src.get("origin", "")), verified=bool(src.get("verified"))),
        articles=tuple(Article(number=int(a["number"]), suffix=str(a.get("suffix", "")),
                               label=str(a["label"]), chapter=str(a.get("chapter", "")),
                               paragraphs=tuple(str(p) for p in a["paragraphs"]))
                       for a in d["articles"]))
