"""The law library's search index: the held ``laws`` dataset's articles, in migration 0019.

Everything here is derived from the ``laws`` bytes in ``ref_datasets`` (the signed, audited
record) and rebuilt from them (`rebuild`): in the transaction that accepts a new version
(`desktop.store.refdata.accept_dataset`), and at the first login of a store that accepted one
before this index existed (`pending`, called by `desktop.store.store.unlock`). A version that
cannot be decoded never gets this far today: `desktop.services.refdata` decodes it first and
sets it aside, so the index keeps the last good version. One held before that check (a store
that accepted it with an older program) is recorded as such (`IndexState.problem`) with no
articles, so the service can say what is wrong.

Search uses the statements' design (`desktop.store.search`): one FTS5 token per character and
a phrase query (`tokenize`, `match_expression`), so a hit is exactly an article containing the
query, for queries of one character and up; snippets are cut by the same `make_snippet`.

Ranking, best first:
1. Articles of a statute whose title contains the query (行政处罚法 lists that law): an
   officer typing a statute's name wants that statute, not every article that mentions it.
2. Then articles containing the query, by the statute's level (law, administrative
   regulation, local regulation, rules, documents), then the library's statute order, then
   article order. Higher-ranked law governs where texts conflict (立法法) and is cited first
   in a decision, and article order is the statute's own reading order. bm25 would say little:
   statute prose is uniform and the same words recur in every article of a chapter.
The rebuild assigns rowids in exactly that order, so FTS5's ascending rowid walk yields body
hits best first and stops at the limit: a one-character query matching every article reads
only the first page of them (search.py uses the same trick for newest-first).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from desktop.store.connection import Connection, guarded
from desktop.store.search import fold, make_snippet, match_expression, tokenize
from legal.library.model import Level, Library, LibraryError

__all__ = ["LAWS", "LEVEL_RANK", "ArticleRow", "IndexState", "article", "pending", "rebuild",
           "rebuild_held", "search", "state"]

LAWS = "laws"
LEVEL_RANK = {Level.LAW: 0, Level.ADMINISTRATIVE_REGULATION: 1, Level.LOCAL_REGULATION: 2,
              Level.DEPARTMENT_RULE: 3, Level.LOCAL_RULE: 4, Level.NORMATIVE_DOCUMENT: 5}

_ROW = ("SELECT a.rowid, s.id, s.title, s.short_title, s.level, s.status, s.version_date,"
        " s.effective_date, s.synthetic, a.number, a.suffix, a.label, a.chapter, a.text,"
        " a.dataset_version FROM law_articles AS a JOIN law_statutes AS s"
        " ON s.id = a.statute_id")


@dataclass(frozen=True)
class IndexState:
    """Which version of ``laws`` the index holds, or why it could not be read."""

    version: int
    sha256: str
    edition: str
    compiled: str
    statutes: int
    articles: int
    synthetic: bool
    problem: str | None
    indexed_at: datetime


@dataclass(frozen=True)
class ArticleRow:
    """One article found, with its statute's header and a snippet around the match."""

    statute_id: str
    title: str
    short_title: str
    level: str
    status: str
    version_date: str
    effective_date: str | None
    synthetic: bool
    number: int
    suffix: str
    label: str
    chapter: str
    text: str
    dataset_version: int
    title_hit: bool
    snippet: str
    spans: tuple[tuple[int, int], ...]

    @property
    def library_version(self) -> int:
        """The version of the ``laws`` dataset the article was indexed from."""
        return self.dataset_version


def state(conn: Connection) -> IndexState | None:
    """What the index holds, or None before the first library."""
    row = conn.execute("SELECT dataset_version, dataset_sha256, edition, compiled, statutes,"
                       " articles, synthetic, problem, indexed_at FROM law_index_state"
                       " WHERE id = 1").fetchone()
    if row is None:
        return None
    return IndexState(int(row[0]), str(row[1]), str(row[2]), str(row[3]), int(row[4]),
                      int(row[5]), bool(row[6]), None if row[7] is None else str(row[7]),
                      datetime.fromisoformat(str(row[8])))


def pending(conn: Connection) -> bool:
    """Whether a ``laws`` dataset is held that the index does not hold (a store that
    accepted one before migration 0019)."""
    row = conn.execute(
        "SELECT 1 FROM ref_datasets AS d LEFT JOIN law_index_state AS s ON s.id = 1"
        " WHERE d.name = ? AND (s.dataset_sha256 IS NULL OR s.dataset_sha256 != d.sha256"
        " OR s.dataset_version != d.version)", (LAWS,)).fetchone()
    return row is not None


def rebuild_held(conn: Connection, at: datetime) -> IndexState | None:
    """Index the held ``laws`` dataset, inside the caller's transaction (at login)."""
    row = conn.execute("SELECT version, sha256, data FROM ref_datasets WHERE name = ?",
                       (LAWS,)).fetchone()
    if row is None:
        return None
    return rebuild(conn, int(row[0]), str(row[1]), bytes(row[2]), at)


def rebuild(conn: Connection, version: int, sha256: str, data: bytes,
            at: datetime) -> IndexState:
    """Replace the index by ``data`` (version ``version`` of ``laws``) inside the caller's
    transaction. Returns what it now holds (with the problem if it could not be decoded)."""
    try:
        library: Library | None = Library.from_bytes(data)
        problem = None
    except LibraryError as exc:
        library, problem = None, str(exc)
    with guarded():
        conn.execute("INSERT INTO law_fts (law_fts) VALUES ('delete-all')")
        conn.execute("DELETE FROM law_articles")
        conn.execute("DELETE FROM law_statutes")
        articles = 0
        if library is not None:
            articles = _fill(conn, library, version)
        conn.execute(
            "INSERT INTO law_index_state (id, dataset_version, dataset_sha256, edition,"
            " compiled, statutes, articles, synthetic, problem, indexed_at)"
            " VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
            " dataset_version = excluded.dataset_version, dataset_sha256 ="
            " excluded.dataset_sha256, edition = excluded.edition, compiled = excluded.compiled,"
            " statutes = excluded.statutes, articles = excluded.articles, synthetic ="
            " excluded.synthetic, problem = excluded.problem, indexed_at = excluded.indexed_at",
            (version, sha256, "" if library is None else library.edition,
             "" if library is None else library.compiled,
             0 if library is None else len(library.statutes), articles,
             int(library is not None and library.synthetic), problem, at.isoformat()))
        # One segment, as search.rebuild_index does: the bulk insert leaves several levels.
        conn.execute("INSERT INTO law_fts (law_fts) VALUES ('optimize')")
    found = state(conn)
    assert found is not None  # just written
    return found


def _fill(conn: Connection, library: Library, version: int) -> int:
    order = sorted(range(len(library.statutes)),
                   key=lambda i: (LEVEL_RANK[library.statutes[i].level], i))
    conn.executemany(
        "INSERT INTO law_statutes (id, position, title, short_title, level, level_rank, status,"
        " version_date, effective_date, synthetic, collection, snapshot, file)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(s.id, position, s.title, s.short_title, s.level.value, LEVEL_RANK[s.level],
          s.status.value, s.version_date, s.effective_date, int(s.synthetic),
          s.source.collection, s.source.snapshot, s.source.file)
         for position, s in enumerate(library.statutes)])
    rowid = 0
    for index in order:
        statute = library.statutes[index]
        rows = []
        for article in statute.articles:
            rowid += 1
            rows.append((rowid, version, statute.id, article.number, article.suffix,
                         article.label, article.chapter, article.text))
        conn.executemany(
            "INSERT INTO law_articles (rowid, dataset_version, statute_id, number, suffix,"
            " label, chapter, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.executemany("INSERT INTO law_fts (rowid, body) VALUES (?, ?)",
                         [(row[0], tokenize(row[7])) for row in rows])
    return rowid


def _article(row: tuple[object, ...], query: str, title_hit: bool) -> ArticleRow:
    text = str(row[13])
    snippet, spans = make_snippet(text, query)
    return ArticleRow(
        statute_id=str(row[1]), title=str(row[2]), short_title=str(row[3]), level=str(row[4]),
        status=str(row[5]), version_date=str(row[6]),
        effective_date=None if row[7] is None else str(row[7]), synthetic=bool(row[8]),
        number=int(str(row[9])), suffix=str(row[10]), label=str(row[11]),
        chapter=str(row[12]), text=text, dataset_version=int(str(row[14])),
        title_hit=title_hit, snippet=snippet, spans=spans)


def search(conn: Connection, query: str, limit: int = 50) -> list[ArticleRow]:
    """Up to ``limit`` articles for ``query``, best first (see the module doc)."""
    stripped = query.strip()
    phrase = match_expression(stripped)
    if phrase is None or limit <= 0:
        return []
    needle = fold(stripped)
    with guarded():
        titled = [str(r[0]) for r in conn.execute(
            "SELECT id, title, short_title FROM law_statutes ORDER BY level_rank, position")
            if needle in fold(str(r[1])) or needle in fold(str(r[2]))]
        hits: list[ArticleRow] = []
        if titled:
            marks = ", ".join("?" * len(titled))
            for row in conn.execute(f"{_ROW} WHERE a.statute_id IN ({marks})"
                                    " ORDER BY a.rowid LIMIT ?", (*titled, limit)):
                hits.append(_article(tuple(row), stripped, True))
        if len(hits) >= limit:
            return hits
        skip = set(titled)
        for rowid_batch in _walk(conn, phrase):
            rows = {int(r[0]): tuple(r) for r in conn.execute(
                f"{_ROW} WHERE a.rowid IN (SELECT value FROM json_each(?))",
                (json.dumps(rowid_batch),))}
            for rowid in rowid_batch:
                row = rows.get(rowid)
                if row is None or str(row[1]) in skip:
                    continue
                hits.append(_article(row, stripped, False))
                if len(hits) >= limit:
                    return hits
    return hits


def _walk(conn: Connection, phrase: str) -> Iterator[list[int]]:
    """The matching rowids in ascending (ranking) order, in growing batches: FTS5 stops
    walking the phrase when the caller stops asking."""
    with contextlib.closing(conn.execute(
            "SELECT rowid FROM law_fts WHERE law_fts MATCH ? ORDER BY rowid", (phrase,))) as walk:
        size = 64
        while batch := [int(r[0]) for r in walk.fetchmany(size)]:
            yield batch
            size = min(size * 4, 4096)


def article(conn: Connection, statute_id: str, number: int, suffix: str = ""
            ) -> ArticleRow | None:
    """One article of the indexed library by its statute's id (no snippet)."""
    row = conn.execute(f"{_ROW} WHERE a.statute_id = ? AND a.number = ? AND a.suffix = ?",
                       (statute_id, number, suffix)).fetchone()
    return None if row is None else _article(tuple(row), "", False)
