"""Citations of statutes as officers and documents write them, and their resolution.

``parse`` finds every citation in a text: 《行政处罚法》第三十三条, 《中华人民共和国行政处罚法》
第三十三条第二款, 第三十二条第（一）项 (or 第一项), 第十二条之一. Citations joined by 、，和
及 或 以及 或者 form a chain and inherit what they leave out from the one before:
《道路交通安全法》第五十六条、第九十三条第二款 cites article 93 of the same statute, and
第三十二条第（一）项、第（二）项 the second item of the same paragraph. Any other text between
two citations ends the chain, so 本条例第五条 after a cited statute is not taken to be that
statute's (it is read with the caller's ``default_statute``, "" when none).

``format`` writes the one canonical spelling (statutes' own: 第十条, 第（一）项, a nested title
with 〈〉), and ``parse(format(c)) == [c]`` for every citation (property-tested).

``resolve`` finds the article in a library and quotes what is cited: the whole article, the
paragraph (款, with its items) or the item (项). A citation that does not resolve raises
`CitationError`, whose ``code`` is stable (callers translate it) and whose message is English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from legal.library.model import Article, Library, Statute
from legal.library.numerals import NumeralError, to_chinese, to_int

__all__ = ["Citation", "CitationError", "ResolvedCitation", "format", "parse", "resolve"]

_N = "〇零一二三四五六七八九十百千两0-9"
_TOKEN = re.compile(
    rf"《(?P<statute>[^《》]+)》"
    rf"|第(?P<article>[{_N}]+)条(?:之(?P<suffix>[{_N}]+))?"
    rf"|第(?P<paragraph>[{_N}]+)款"
    rf"|第(?:[（(](?P<item_b>[{_N}]+)[）)]|(?P<item>[{_N}]+))项"
    r"|(?P<joint>以及|或者|[、，,和及与或])"
    r"|(?P<space>\s+)")

_PRC = "中华人民共和国"
_KINDS = ("statute", "article", "paragraph", "item_b", "item", "joint", "space")
_ARTICLE, _PARAGRAPH, _ITEM = 1, 2, 3


class CitationError(ValueError):
    """A citation that does not resolve. ``code``: unknown_statute, no_article,
    no_paragraph, no_item or unreadable; ``params``: the values its words need."""

    def __init__(self, code: str, message: str, **params: str | int) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Citation:
    """《statute》第{article}条{suffix}第{paragraph}款第（{item}）项; the statute as written."""

    statute: str  # as written, without 《》 ("" when the text named none)
    article: int
    suffix: str = ""  # "之一" for 第十二条之一
    paragraph: int | None = None  # 款, from 1
    item: int | None = None  # 项, from 1 (of the paragraph, or of the first)

    def __str__(self) -> str:
        return format(self)


@dataclass(frozen=True)
class ResolvedCitation:
    """A citation found in a library: the statute version, the article, the quoted text."""

    citation: Citation
    statute: Statute
    article: Article
    text: str  # the whole article, the paragraph with its items, or the item

    @property
    def canonical(self) -> str:
        """The citation under the statute's short title (《行政处罚法》第三十三条第二款)."""
        return format(Citation(self.statute.short_title, self.citation.article,
                               self.citation.suffix, self.citation.paragraph,
                               self.citation.item))


def parse(text: str, *, default_statute: str = "") -> list[Citation]:
    """Every citation in ``text``, in order (see the module doc for chains)."""
    found: list[Citation] = []
    statute = default_statute
    last: Citation | None = None  # the citation a chain continues from
    last_level = 0
    joined = False  # a connector came since the last token
    position = 0
    for token in _TOKEN.finditer(text):
        if token.start() != position:  # other text: the chain ends
            statute, last, last_level, joined = default_statute, None, 0, False
        position = token.end()
        kind = next(name for name in _KINDS if token[name] is not None)
        if kind == "space":  # 第三十三条 第二款 is still one citation
            continue
        if kind == "joint":
            joined = joined or last is not None or statute != default_statute
            continue
        if kind == "statute":
            statute = token["statute"].replace("〈", "《").replace("〉", "》").strip()
            last, last_level, joined = None, 0, False
            continue
        try:
            if kind == "article":
                level = _ARTICLE
                value = to_int(token["article"])
                suffix = "" if token["suffix"] is None else "之" + to_chinese(
                    to_int(token["suffix"]))
            elif kind == "paragraph":
                level, value, suffix = _PARAGRAPH, to_int(token["paragraph"]), ""
            else:
                level, value = _ITEM, to_int(token["item_b"] or token["item"])
                suffix = ""
        except NumeralError:  # 第三三条: not a citation; it ends any chain
            statute, last, last_level, joined = default_statute, None, 0, False
            continue
        adjacent = last is not None and not joined and level > last_level
        if level == _ARTICLE:
            citation = Citation(statute, value, suffix)
        elif last is None:
            joined = False
            continue  # 本条第二款: a paragraph of no article named here
        elif level == _PARAGRAPH:
            citation = Citation(last.statute, last.article, last.suffix, value)
        else:
            citation = Citation(last.statute, last.article, last.suffix, last.paragraph,
                                value)
        if adjacent:
            found[-1] = citation
        else:
            found.append(citation)
        last, last_level, joined = citation, level, False
    return found


def _without_state_name(library: Library, name: str) -> Statute | None:
    """A statute whose title matches ``name`` once every 中华人民共和国 is left out of both:
    《浙江省实施〈道路交通安全法〉办法》 names 浙江省实施《中华人民共和国道路交通安全法》办法. The
    newest version answers, as `Library.statute` does for a title."""
    wanted = name.replace(_PRC, "")
    found = [s for s in library.statutes if s.title.replace(_PRC, "") == wanted]
    return max(found, key=lambda s: s.version_date, default=None)


def format(citation: Citation) -> str:
    """The canonical spelling: 《行政处罚法》第三十二条第一款第（一）项."""
    parts = []
    if citation.statute:
        inner = citation.statute.replace("《", "〈").replace("》", "〉")
        parts.append(f"《{inner}》")
    parts.append(f"第{to_chinese(citation.article)}条{citation.suffix}")
    if citation.paragraph is not None:
        parts.append(f"第{to_chinese(citation.paragraph)}款")
    if citation.item is not None:
        parts.append(f"第（{to_chinese(citation.item)}）项")
    return "".join(parts)


def resolve(library: Library, citation: Citation | str) -> ResolvedCitation:
    """The article a citation names in ``library`` and the text it quotes."""
    if isinstance(citation, str):
        cited = parse(citation)
        if len(cited) != 1:
            raise CitationError(
                "unreadable", f"{citation!r} is not one citation of a statute's article "
                f"(found {len(cited)})", text=citation)
        citation = cited[0]
    if not citation.statute:
        raise CitationError("unknown_statute", "the citation names no statute",
                            statute="")
    statute = library.statute(citation.statute) or _without_state_name(library, citation.statute)
    if statute is None:
        raise CitationError("unknown_statute", f"no statute named 《{citation.statute}》 in "
                            f"this library", statute=citation.statute)
    article = statute.article(citation.article, citation.suffix)
    label = f"第{to_chinese(citation.article)}条{citation.suffix}"
    if article is None:
        raise CitationError("no_article", f"《{statute.short_title}》 has no {label}",
                            statute=statute.short_title, article=label)
    if citation.paragraph is None and citation.item is None:
        return ResolvedCitation(citation, statute, article, article.text)
    clauses = article.clauses
    paragraph = citation.paragraph or 1
    if paragraph > len(clauses):
        raise CitationError("no_paragraph", f"{article.label} of 《{statute.short_title}》 has "
                            f"{len(clauses)} paragraph(s), not {paragraph}",
                            statute=statute.short_title, article=article.label,
                            paragraph=paragraph, paragraphs=len(clauses))
    items = article.items(paragraph)
    if citation.item is None:
        return ResolvedCitation(citation, statute, article,
                                "\n".join((clauses[paragraph - 1], *items)))
    if citation.item > len(items):
        raise CitationError("no_item", f"paragraph {paragraph} of {article.label} of "
                            f"《{statute.short_title}》 has {len(items)} item(s), not "
                            f"{citation.item}", statute=statute.short_title,
                            article=article.label, item=citation.item, items=len(items))
    return ResolvedCitation(citation, statute, article, items[citation.item - 1])
