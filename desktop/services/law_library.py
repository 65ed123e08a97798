"""The law library as officers use it: what is held, search, citation lookup, quotes.

The library is the ``laws`` reference dataset HQ publishes (`desktop.services.refdata`
accepts it, signed); its articles are indexed in the store when it is accepted
(`desktop.store.law_index`), so search works offline on the last good version. Citations are
resolved against the decoded library (`legal.library.citations`), kept in memory by SHA-256:
a new version is decoded once, an unchanged one never again.

Every answer names the library version it came from (documents quote "the article text from
the held library version"). Nothing held, a library that cannot be read, and a citation that
does not resolve are translated `UserError`s; a citation's refusal keeps the stable code of
`legal.library.citations.CitationError` (``LawLibraryError.code``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from gettext import gettext as _
from gettext import ngettext

from desktop.domain.errors import UserError
from desktop.store import law_index, refdata
from desktop.store.store import Store
from legal.library.citations import Citation, CitationError, parse, resolve
from legal.library.model import Article, Library, LibraryError, Statute

__all__ = ["ArticleHit", "CitedArticle", "LawLibraryError", "LibraryHeld", "cite", "held",
           "level_words", "library", "quote", "search", "status_words"]


class LawLibraryError(UserError):
    """The library cannot answer: ``code`` is a citation's (unknown_statute, no_article,
    no_paragraph, no_item, unreadable) or no_library / damaged."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class LibraryHeld:
    """The library this device holds: its dataset version and what is in it."""

    version: int
    sha256: str
    edition: str
    compiled: str
    statutes: int
    articles: int
    synthetic: bool
    problem: str | None = None  # why it cannot be read (then it has no articles)


# An article found, as the store's index answers it (statute header, snippet, spans): the
# service hands the rows on as they are.
ArticleHit = law_index.ArticleRow


@dataclass(frozen=True)
class CitedArticle:
    """A citation resolved in the held library: what was cited and the text it quotes."""

    citation: Citation
    canonical: str  # under the statute's short title: 《行政处罚法》第三十三条第二款
    statute: Statute
    article: Article
    text: str  # the whole article, the paragraph (with its items) or the item
    library_version: int


def level_words(level: str) -> str:
    """A statute's level in the officer's words."""
    words = {"law": _("law"), "administrative_regulation": _("administrative regulation"),
             "local_regulation": _("local regulation"), "department_rule": _("department rule"),
             "local_rule": _("local government rule"),
             "normative_document": _("normative document")}
    return words.get(level, level)


def status_words(status: str) -> str:
    """Whether a statute is in force, in the officer's words."""
    words = {"in_force": _("in force"), "amended": _("amended"), "repealed": _("repealed"),
             "not_yet_in_force": _("not yet in force")}
    return words.get(status, status)


def _no_library() -> LawLibraryError:
    return LawLibraryError("no_library", _(
        "No law library is held on this device yet: HQ publishes it as reference data; sync "
        "with HQ to receive it."))


def _damaged(version: int, problem: str) -> LawLibraryError:
    return LawLibraryError("damaged", _(
        "The law library from HQ (laws version {version}) cannot be read ({problem}); ask HQ "
        "to publish it again.").format(version=version, problem=problem))


def held(store: Store) -> LibraryHeld | None:
    """The library held (as indexed), or None before HQ sent one."""
    with store.reading() as conn:
        found = law_index.state(conn)
    if found is None:
        return None
    return LibraryHeld(found.version, found.sha256, found.edition, found.compiled,
                       found.statutes, found.articles, found.synthetic, found.problem)


_cache_lock = threading.Lock()
_cache: dict[str, Library] = {}  # sha256 -> the decoded library (the latest one only)


def library(store: Store) -> Library | None:
    """The held library, decoded (once per version), or None before HQ sent one."""
    with store.reading() as conn:
        dataset = refdata.dataset(conn, law_index.LAWS)
    if dataset is None:
        return None
    with _cache_lock:
        cached = _cache.get(dataset.sha256)
    if cached is not None:
        return cached
    try:
        decoded = Library.from_bytes(dataset.data)
    except LibraryError as exc:
        raise _damaged(dataset.version, str(exc)) from exc
    with _cache_lock:
        _cache.clear()
        _cache[dataset.sha256] = decoded
    return decoded


def _held_or_refuse(store: Store) -> LibraryHeld:
    found = held(store)
    if found is None:
        raise _no_library()
    if found.problem is not None:
        raise _damaged(found.version, found.problem)
    return found


def search(store: Store, query: str, *, limit: int = 50) -> list[ArticleHit]:
    """Articles containing ``query`` (exact substring, one character and up) or of a statute
    whose title contains it, best first (`desktop.store.law_index`)."""
    _held_or_refuse(store)
    with store.reading() as conn:
        return law_index.search(conn, query, limit)


def _refusal(error: CitationError, version: int) -> LawLibraryError:
    params = error.params
    if error.code == "unknown_statute" and not params.get("statute"):
        words = _("The citation names no statute: write the statute's name first, as in "
                  "《行政处罚法》第三十三条.")
    elif error.code == "unknown_statute":
        words = _("The law library (laws version {version}) holds no statute named "
                  "《{statute}》.").format(version=version, statute=params["statute"])
    elif error.code == "no_article":
        words = _("《{statute}》 has no {article} in the law library (laws version "
                  "{version}).").format(statute=params["statute"], article=params["article"],
                                        version=version)
    elif error.code == "no_paragraph":
        count = int(params["paragraphs"])
        words = ngettext("{article} of 《{statute}》 has {count} paragraph; there is no "
                         "paragraph {paragraph}.",
                         "{article} of 《{statute}》 has {count} paragraphs; there is no "
                         "paragraph {paragraph}.", count).format(
            article=params["article"], statute=params["statute"], count=count,
            paragraph=params["paragraph"])
    elif error.code == "no_item":
        count = int(params["items"])
        words = ngettext("{article} of 《{statute}》 has {count} item there; there is no "
                         "item {item}.",
                         "{article} of 《{statute}》 has {count} items there; there is no "
                         "item {item}.", count).format(
            article=params["article"], statute=params["statute"], count=count,
            item=params["item"])
    else:
        words = _("「{text}」 is not a citation of one article (write it as "
                  "《行政处罚法》第三十三条第二款).").format(text=params.get("text", ""))
    return LawLibraryError(error.code, words)


def _resolved(found: Library, citation: Citation | str, version: int) -> CitedArticle:
    try:
        resolved = resolve(found, citation)
    except CitationError as exc:
        raise _refusal(exc, version) from exc
    return CitedArticle(resolved.citation, resolved.canonical, resolved.statute,
                        resolved.article, resolved.text, version)


def _library_or_refuse(store: Store) -> tuple[Library, int]:
    version = _held_or_refuse(store).version
    found = library(store)
    if found is None:  # the dataset went away between the two reads: cannot happen today
        raise _no_library()
    return found, version


def cite(store: Store, text: str) -> list[CitedArticle]:
    """Every citation in ``text`` resolved in the held library, in order; the first that
    does not resolve refuses the whole text (a document must not quote half of it)."""
    found, version = _library_or_refuse(store)
    citations = parse(text)
    if not citations:
        raise _refusal(CitationError("unreadable", "no citation", text=text.strip()), version)
    return [_resolved(found, citation, version) for citation in citations]


def quote(store: Store, citation_text: str) -> str:
    """The text one citation quotes from the held library version (for documents)."""
    found, version = _library_or_refuse(store)
    return _resolved(found, citation_text, version).text
