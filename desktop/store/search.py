"""Chinese full-text search over turn text, party names and case causes (exact substrings).

Every character of a document is indexed as its own FTS5 token and a query is issued as one
phrase of its characters, so a hit is exactly a document containing the query as a
substring, for queries of any length (trigram cannot answer 1-2 characters, and word
segmentation misses matches across word boundaries). Punctuation, symbols and newlines are
tokens too (the tokenizer in 0002_search.sql treats every category as a token character), so
"笔。录" never matches "笔录". Only U+0020 separates tokens; a space or NUL in the text becomes
a two-character private-use token, which no single user character (not even a user-defined
EUDC character in the private-use area) can equal. Latin, Greek and Cyrillic letters match
case-insensitively, because unicode61 folds case; surrounding whitespace of a query is ignored.

Ranking. A statement's hit is its best document; a party-name hit counts for every statement
of that party, a cause hit for every statement of that case. A query matching at most
`CHUNK_DOCS` documents (a name, a plate, a place, an unusual phrase) is ranked exactly by
bm25 over all of them, ties newest first. A query matching more (a common character, or a
phrase of the template questions every statement repeats) lists the newest documents first,
with score 0.0. The trade-off: bm25 costs time in proportion to every match (FTS5 makes an
IDF pass over the whole phrase, then a docsize lookup per row: 1-2 s for a character found
in every document of a 100k-statement store) and would say little, since such a query's IDF
is near zero and its documents all look alike. One probe counts (and lists) at most
`CHUNK_DOCS + 1` matches inside SQLite, and FTS5 stops there. Up to `TEXT_RANKED_DOCS`
matches are scored here from their texts with FTS5's bm25 formula (the same doubles)
when that is cheaper than bm25()'s two further walks of the phrase; a frequent query is resolved to
statements as FTS5 walks it, so it reads only the documents it shows. Snippets are cut for
the shown hits only, their texts read in one statement.

Cost (benchmarks/search_bench.py, 100k statements): a search reads its phrase once; the
slowest are phrases whose characters are all everywhere but rarely occur together (a date
such as "月7日10", ~5 ms of CPU): FTS5 checks positions in every document holding all the
characters. That is the price of one token per character.

Newest first is cheap because FTS5 rowids are the negated `search_docs` rowids: FTS5 walks
doclists in ascending rowid order two to four times faster than descending.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from gettext import gettext as _

from desktop.store.connection import (
    Connection,
    StoreDamaged,
    guarded,
)

SOURCES = ("turn", "party", "cause")
CHUNK_DOCS = 1024  # above this many matching documents a query is ranked newest first
SNIPPET_CHARS = 40
BM25_K1, BM25_B = 1.2, 0.75  # FTS5's bm25() constants
TEXT_RANKED_DOCS = 256  # up to this many matches, bm25 may be computed from the texts
TEXT_RANK_MS_PER_DOC = 0.07  # reading and scoring one text, pages not cached (100k store)
ELLIPSIS = "…"

# A space cannot be a token (it is the separator) and a NUL ends FTS5's query string, so
# both become two-character tokens behind a private-use marker (U+10FFFD, no noncharacter).
_MARK = "\U0010fffd"
_SPECIAL = {" ": _MARK + "\U00100020", "\x00": _MARK + "\U00100000"}

_INSERT = "INSERT INTO search_fts (rowid, body) VALUES (?, ?)"
_PROBE = (
    "SELECT count(*), json_group_array(rowid) FROM (SELECT rowid FROM search_fts"
    " WHERE search_fts MATCH ? ORDER BY rowid LIMIT ?)"
)
# Newest first, resolved as FTS5 walks: a frequent query reads only the documents it shows.
_NEWEST = (
    "SELECT d.source, d.ref_id, t.statement_id FROM search_fts AS f"
    " JOIN search_docs AS d ON d.rowid = -f.rowid"
    " LEFT JOIN turns AS t ON d.source = 'turn' AND t.id = d.ref_id"
    " WHERE search_fts MATCH ? ORDER BY f.rowid"
)
_DOCS = (
    "SELECT d.rowid, d.source, d.ref_id, t.statement_id FROM search_docs AS d"
    " LEFT JOIN turns AS t ON d.source = 'turn' AND t.id = d.ref_id"
    " WHERE d.rowid IN (SELECT value FROM json_each(?))"
)
_DOC_TEXTS = (
    "SELECT d.rowid, d.source, d.ref_id, t.statement_id, coalesce(CASE d.source"
    " WHEN 'turn' THEN (SELECT text FROM turn_revisions WHERE turn_id = d.ref_id"
    "  ORDER BY revision DESC LIMIT 1)"
    " WHEN 'party' THEN (SELECT name FROM parties WHERE id = d.ref_id)"
    " ELSE (SELECT cause FROM cases WHERE id = d.ref_id) END, ''),"
    " (SELECT sz FROM search_fts_docsize WHERE id = -d.rowid)"
    " FROM search_docs AS d LEFT JOIN turns AS t ON d.source = 'turn' AND t.id = d.ref_id"
    " WHERE d.rowid IN (SELECT value FROM json_each(?))"
)
_TURN_TEXTS = "SELECT id, text FROM current_turns WHERE id IN (SELECT value FROM json_each(?))"
_RESOLVE = {
    "turn": "SELECT statement_id FROM turns WHERE id = ?",
    "party": "SELECT id FROM statements WHERE interviewee_id = ? ORDER BY id DESC",
    "cause": "SELECT id FROM statements WHERE case_id = ? ORDER BY id DESC",
}
_TEXT = {
    "party": "SELECT name FROM parties WHERE id = ?",
    "cause": "SELECT cause FROM cases WHERE id = ?",
}


class SearchIndexDamaged(StoreDamaged):
    """A page read while searching failed SQLCipher's check: most likely one of the index's."""


REBUILD_COMMAND = "statement-room maintenance rebuild-search"
FTS_SHADOW_TABLES = ("search_fts_data", "search_fts_idx", "search_fts_docsize",
                     "search_fts_config", "search_fts_content")


def index_damaged_message() -> str:
    return _(
        "The search index cannot be read: a page of it fails its integrity check. Searching "
        "does not work until the index is rebuilt from the records; nothing else was changed. "
        "Run {command} (it takes a few seconds to minutes, with no other window open on the "
        "store). If the rebuild fails too, the store itself is damaged: restore it from a "
        "backup or contact HQ.").format(command=REBUILD_COMMAND)


@contextlib.contextmanager
def _index_guard() -> Iterator[None]:
    """Name a page failure while searching as the index's (the search reads little else)."""
    try:
        with guarded():
            yield
    except SearchIndexDamaged:
        raise
    except StoreDamaged as exc:
        raise SearchIndexDamaged(index_damaged_message()) from exc


@dataclass(frozen=True)
class SearchHit:
    """One statement found; `snippet` comes from its best document, `spans` index into it."""

    statement_id: str
    score: float  # -bm25 of the best document, higher is better; 0.0 if ranked by recency
    source: str  # 'turn', 'party' or 'cause'
    ref_id: str  # turn, party or case id
    snippet: str
    spans: tuple[tuple[int, int], ...]  # [start, end) of every match inside `snippet`


def tokenize(text: str) -> str:
    """Return `text` as space-separated one-character tokens for the index or a query."""
    if " " not in text and "\x00" not in text:
        return " ".join(text)  # the common case for Chinese text, and the fastest
    return " ".join(_SPECIAL.get(char, char) for char in text)


def match_expression(query: str) -> str | None:
    """Return the FTS5 phrase for `query`, or None when it is empty or only whitespace."""
    stripped = query.strip()
    if not stripped:
        return None
    try:
        stripped.encode("utf-8")
    except UnicodeEncodeError:
        return None  # a lone surrogate cannot be in stored (UTF-8) text, so nothing matches
    return '"' + tokenize(stripped).replace('"', '""') + '"'


def set_document(
    conn: Connection, source: str, ref_id: str, old_text: str | None, new_text: str
) -> None:
    """Index `new_text` for one document inside the caller's transaction.

    `old_text` must be exactly the text indexed last time (None if the document was never
    indexed): a contentless FTS5 table can only remove a document given its old tokens.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown search source {source!r}")
    if old_text == new_text:
        return  # an autosave that changed nothing
    with _index_guard():
        row = conn.execute(
            "SELECT rowid FROM search_docs WHERE source = ? AND ref_id = ?", (source, ref_id)
        ).fetchone()
        if (row is None) != (old_text is None):
            raise ValueError(f"old_text does not match the index for {source} {ref_id}")
        if row is None:
            doc = conn.execute(
                "INSERT INTO search_docs (source, ref_id) VALUES (?, ?)", (source, ref_id)
            ).lastrowid
        else:
            doc = row[0]
            conn.execute(
                "INSERT INTO search_fts (search_fts, rowid, body) VALUES ('delete', ?, ?)",
                (-doc, tokenize(old_text or "")),
            )
        conn.execute(_INSERT, (-doc, tokenize(new_text)))


def rebuild_index(conn: Connection) -> int:
    """Index every current document from scratch in the caller's transaction.

    For a store that predates the index, or one whose index was fed a wrong `old_text`.
    Returns the number of documents indexed.
    """
    with guarded():
        conn.execute("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")
        conn.execute("DELETE FROM search_docs")
        conn.execute(
            "INSERT INTO search_docs (source, ref_id)"
            " SELECT source, ref_id FROM ("
            "  SELECT 'turn' AS source, id AS ref_id, recorded_at AS at FROM turns"
            "  UNION ALL SELECT 'party', id, created_at FROM parties"
            "  UNION ALL SELECT 'cause', id, created_at FROM cases)"
            " ORDER BY at, source, ref_id"
        )
        rows = conn.execute(
            "SELECT d.rowid, coalesce(t.text, p.name, c.cause, '') FROM search_docs AS d"
            " LEFT JOIN current_turns AS t ON d.source = 'turn' AND t.id = d.ref_id"
            " LEFT JOIN parties AS p ON d.source = 'party' AND p.id = d.ref_id"
            " LEFT JOIN cases AS c ON d.source = 'cause' AND c.id = d.ref_id"
            " ORDER BY d.rowid DESC"
        )
        count = 0
        # Ascending FTS rowids (newest document first) let FTS5 buffer the whole rebuild;
        # a rowid lower than the previous one would force a segment flush per document.
        for doc, text in rows:
            conn.execute(_INSERT, (-doc, tokenize(text)))
            count += 1
        conn.execute(
            "UPDATE search_docs SET indexed_revision = (SELECT max(revision) FROM turn_revisions"
            " WHERE turn_id = search_docs.ref_id) WHERE source = 'turn'"
        )
        conn.execute("DELETE FROM search_queue")
        # A bulk insert leaves a dozen segments at several levels (11 for 100k statements):
        # every query then seeks in each, and the automerges that later join them to the
        # small segments of autosaves cost up to ~0.1 s inside a search. One segment costs
        # ~3 s here, once, at 100k statements.
        conn.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
    return count


def mark_stale(conn: Connection, turn_id: str) -> None:
    """Note, in the caller's (autosave) transaction, that a turn's text changed.

    Re-tokenising a whole answer on every keystroke-save was most of an autosave's cost; the
    mark is one row, and `refresh` indexes each stale turn once, at its latest text.
    """
    conn.execute("INSERT OR IGNORE INTO search_queue (turn_id) VALUES (?)", (turn_id,))


def has_stale(conn: Connection) -> bool:
    """Whether autosave left turns for `refresh` to index."""
    with _index_guard():
        return conn.execute("SELECT 1 FROM search_queue LIMIT 1").fetchone() is not None


def refresh(conn: Connection) -> int:
    """Bring stale turns up to date in the caller's transaction; return how many."""
    with _index_guard():
        stale = conn.execute(
            "SELECT q.turn_id, d.indexed_revision FROM search_queue AS q"
            " LEFT JOIN search_docs AS d ON d.source = 'turn' AND d.ref_id = q.turn_id"
        ).fetchall()
        for turn_id, indexed_revision in stale:
            revision, text = conn.execute(
                "SELECT revision, text FROM turn_revisions WHERE turn_id = ?"
                " ORDER BY revision DESC LIMIT 1",
                (turn_id,),
            ).fetchone()
            old_text = None
            if indexed_revision is not None:
                old_text = conn.execute(
                    "SELECT text FROM turn_revisions WHERE turn_id = ? AND revision = ?",
                    (turn_id, indexed_revision),
                ).fetchone()[0]
            set_document(conn, "turn", turn_id, old_text, text)
            conn.execute(
                "UPDATE search_docs SET indexed_revision = ? WHERE source = 'turn' AND ref_id = ?",
                (revision, turn_id),
            )
            conn.execute("DELETE FROM search_queue WHERE turn_id = ?", (turn_id,))
    return len(stale)


def search(conn: Connection, query: str, limit: int = 20) -> list[SearchHit]:
    """Return up to `limit` statements containing `query`, best first (see module doc).

    The index must be fresh: call `refresh` first (the search service does both in one
    transaction). A stale index would silently miss the latest answers, so it is refused.
    """
    if has_stale(conn):
        raise RuntimeError("the search index has stale turns: call refresh() first")
    phrase = match_expression(query)
    if phrase is None or limit <= 0:
        return []
    with _index_guard():
        # One pass over the phrase, counted and listed inside SQLite: a common character's
        # first 1025 rowids never reach Python as rows.
        started = time.perf_counter()
        matches, listed = conn.execute(_PROBE, (phrase, CHUNK_DOCS + 1)).fetchone()
        probe_ms = (time.perf_counter() - started) * 1000
        if matches > CHUNK_DOCS:
            with contextlib.closing(conn.execute(_NEWEST, (phrase,))) as walk:
                best = _best_per_statement(
                    conn, ((source, ref_id, statement, 0.0) for source, ref_id, statement in walk),
                    limit)
        else:
            # Both rankings give the same doubles. Scoring from the texts reads every
            # matching document (~0.07 ms each when its pages are not cached); bm25() walks
            # the phrase twice more (each walk costs what the probe did) and reads texts for
            # the shown hits only. Take the cheaper.
            by_text = matches * TEXT_RANK_MS_PER_DOC < 2 * probe_ms
            best = _best_per_statement(conn, _ranked(
                conn, phrase, query.strip(), [-rowid for rowid in json.loads(listed or "[]")],
                by_text=by_text), limit)
        texts = _texts(conn, list(best.values()))
        hits = []
        for statement_id, (score, source, ref_id) in best.items():
            snippet, spans = make_snippet(texts.get((source, ref_id), ""), query.strip())
            hits.append(SearchHit(statement_id, score, source, ref_id, snippet, spans))
    return hits


def _ranked(
    conn: Connection, phrase: str, query: str, docs: list[int], *, by_text: bool
) -> Iterator[tuple[str, str, str | None, float]]:
    """Rank the (at most `CHUNK_DOCS`) matching documents by bm25, best first, ties newest.

    FTS5's bm25() walks the phrase twice more (its IDF pass, then every row): for a phrase
    of characters found everywhere that rarely occur together ("月7日10") that is most of
    the search. The probe has already counted the matches, so with `by_text` (and at most
    `TEXT_RANKED_DOCS` of them) the score is computed here from each document's text with
    FTS5's formula and constants: the same doubles (tests compare with bm25()). If Python's
    case folding finds the query fewer times than the index did (scripts where the two fold
    differently), FTS5's own bm25() ranks the query instead.
    """
    if not by_text or len(docs) > TEXT_RANKED_DOCS:
        return _resolved(conn, _fts5_ranked(conn, phrase))
    if not docs:
        return iter(())
    rows, total_docs, total_tokens = _documents(conn, docs), *_totals(conn)
    idf = math.log((total_docs - len(docs) + 0.5) / (len(docs) + 0.5))
    idf = idf if idf > 0.0 else 1e-6
    average = total_tokens / total_docs
    needle = fold(query)
    scored = []
    for doc in docs:
        if doc not in rows:
            continue  # cannot happen while both tables change in one transaction
        source, ref_id, statement, text, size = rows[doc]
        frequency = _occurrences(fold(text), needle)
        if frequency == 0 or size is None:
            return _resolved(conn, _fts5_ranked(conn, phrase))
        # bm25 of fts5_aux.c, term for term: k1 = 1.2, b = 0.75, one phrase, one column,
        # the document's length in tokens as FTS5 recorded it (its docsize varint).
        length = _varint(bytes(size), 0)[0]
        score = idf * ((frequency * (BM25_K1 + 1.0))
                       / (frequency + BM25_K1 * (1 - BM25_B + BM25_B * length / average)))
        scored.append((-score, -doc, (source, ref_id, statement, score)))
    scored.sort(key=lambda row: (row[0], row[1]))
    return (entry for _rank, _doc, entry in scored)


def _fts5_ranked(conn: Connection, phrase: str) -> Iterator[tuple[int, float]]:
    ranked = conn.execute(
        "SELECT rowid, bm25(search_fts) FROM search_fts WHERE search_fts MATCH ?", (phrase,)
    ).fetchall()
    ranked.sort(key=lambda row: (row[1], row[0]))  # bm25 is negative; then newest
    return ((-rowid, -rank) for rowid, rank in ranked)


def _occurrences(text: str, needle: str) -> int:
    """How many times `needle` starts in `text`, overlaps included (as phrase matches)."""
    count, found = 0, text.find(needle)
    while found >= 0:
        count += 1
        found = text.find(needle, found + 1)
    return count


def _documents(
    conn: Connection, docs: list[int]
) -> dict[int, tuple[str, str, str | None, str, bytes | None]]:
    """Source, reference, statement (of a turn), current text and FTS5 size of each document."""
    return {row[0]: row[1:] for row in conn.execute(_DOC_TEXTS, (json.dumps(docs),))}


def _totals(conn: Connection) -> tuple[int, int]:
    """FTS5's row and token counts, from its averages record (%_data row 1: varints).

    FTS5 keeps the totals of a transaction that wrote to it (the catch-up just before a
    search) in memory until it syncs; opening a savepoint makes it sync (xSavepoint flushes
    the table), so the record read next is current. Without a pending write it is a no-op.
    """
    conn.execute("SAVEPOINT search_totals")
    conn.execute("RELEASE search_totals")
    row = conn.execute("SELECT block FROM search_fts_data WHERE id = 1").fetchone()
    values: list[int] = []
    position = 0
    block = bytes(row[0]) if row else b""
    while position < len(block) and len(values) < 2:
        value, position = _varint(block, position)
        values.append(value)
    if len(values) < 2 or values[0] <= 0:
        return 1, 1  # no document yet; never reached with matches
    return values[0], values[1]


def _varint(data: bytes, position: int) -> tuple[int, int]:
    """Decode one SQLite varint (big-endian 7-bit groups; a ninth byte carries 8 bits)."""
    value = 0
    for index in range(8):
        byte = data[position + index]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, position + index + 1
    return (value << 8) | data[position + 8], position + 9


def _resolved(
    conn: Connection, docs: Iterator[tuple[int, float]]
) -> Iterator[tuple[str, str, str | None, float]]:
    """Yield (source, ref_id, statement of a turn, score) for `docs` in order, looking
    documents up in batches (one statement per batch, not two per document)."""
    size = 32
    while batch := list(itertools.islice(docs, size)):
        rows = {row[0]: row[1:] for row in conn.execute(
            _DOCS, (json.dumps([doc for doc, _score in batch]),))}
        for doc, score in batch:
            if doc in rows:  # always, while both tables change in one transaction
                source, ref_id, statement = rows[doc]
                yield source, ref_id, statement, score
        size = min(size * 2, 512)  # the first batch usually suffices


def _best_per_statement(
    conn: Connection, docs: Iterator[tuple[str, str, str | None, float]], limit: int
) -> dict[str, tuple[float, str, str]]:
    """Map documents, best first, to statements until `limit` distinct statements are found."""
    best: dict[str, tuple[float, str, str]] = {}
    for source, ref_id, turn_statement, score in docs:
        statements = ([turn_statement] if turn_statement is not None
                      else [row[0] for row in conn.execute(_RESOLVE[source], (ref_id,))])
        for statement_id in statements:
            best.setdefault(statement_id, (score, source, ref_id))
            if len(best) == limit:
                return best
    return best


def _texts(
    conn: Connection, documents: list[tuple[float, str, str]]
) -> dict[tuple[str, str], str]:
    """The current text of each document shown, turns in one statement."""
    turns = sorted({ref_id for _score, source, ref_id in documents if source == "turn"})
    texts = {("turn", turn): text for turn, text in conn.execute(
        _TURN_TEXTS, (json.dumps(turns),))} if turns else {}
    for _score, source, ref_id in documents:
        if source != "turn" and (source, ref_id) not in texts:
            row = conn.execute(_TEXT[source], (ref_id,)).fetchone()
            texts[source, ref_id] = row[0] if row else ""
    return texts


def fold(text: str) -> str:
    """Lower-case like unicode61 does, keeping one character per character (also used by
    the law library's index, `desktop.store.law_index`, which shares this tokenizer)."""
    folded = text.lower()
    if len(folded) == len(text):
        return folded
    # A few characters (İ) lower to two; keep those unchanged so offsets stay aligned.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def make_snippet(
    text: str, query: str, width: int = SNIPPET_CHARS
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Cut about `width` characters of `text` around the first match of `query`.

    Returns the snippet (with "…" where text was cut) and the non-overlapping [start, end)
    spans of every whole match inside it.
    """
    folded_text, folded_query = fold(text), fold(query)
    first = folded_text.find(folded_query) if folded_query else -1
    size = max(width, len(query) + 10)
    # Put the match a third of the way in: readers need more of what follows it. If Python's
    # folding disagrees with the index (rare scripts), show the start of the text unmarked.
    start = max(0, min(first - (size - len(query)) // 3, len(text) - size)) if first >= 0 else 0
    end = min(len(text), start + size)
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    spans = []
    window = folded_text[start:end]
    found = window.find(folded_query) if first >= 0 else -1
    while found >= 0:
        spans.append((found + len(prefix), found + len(prefix) + len(query)))
        found = window.find(folded_query, found + len(query))
    return prefix + text[start:end] + suffix, tuple(spans)


def highlight(
    snippet: str, spans: tuple[tuple[int, int], ...], before: str = "【", after: str = "】"
) -> str:
    """Wrap each span of `snippet` in `before`/`after`; overlapping spans are merged."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        elif end > start:
            merged.append([start, end])
    parts: list[str] = []
    done = 0
    for start, end in merged:
        parts += [snippet[done:start], before, snippet[start:end], after]
        done = end
    parts.append(snippet[done:])
    return "".join(parts)
