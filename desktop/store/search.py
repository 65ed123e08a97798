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
is near zero and its documents all look alike. The probe that chooses reads at most
`CHUNK_DOCS + 1` matches and FTS5 stops there, so no query ranks more than `CHUNK_DOCS`
documents. benchmarks/search_bench.py, 100k statements: p95 5 ms (1 character) to 50 ms (5
characters) against 1-3 s for an instr() scan. The slowest queries (~0.1 s) are phrases
whose characters are all everywhere but which rarely occur together (a date such as
"月7日10"): FTS5 checks positions in every document holding all the characters, three times
(the probe, bm25's IDF pass, bm25 itself). That is the price of one token per character.

Newest first is cheap because FTS5 rowids are the negated `search_docs` rowids: FTS5 walks
doclists in ascending rowid order two to four times faster than descending.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from desktop.store.connection import Connection, guarded

SOURCES = ("turn", "party", "cause")
CHUNK_DOCS = 1024  # above this many matching documents a query is ranked newest first
SNIPPET_CHARS = 40
ELLIPSIS = "…"

# A space cannot be a token (it is the separator) and a NUL ends FTS5's query string, so
# both become two-character tokens behind a private-use marker (U+10FFFD, no noncharacter).
_MARK = "\U0010fffd"
_SPECIAL = {" ": _MARK + "\U00100020", "\x00": _MARK + "\U00100000"}

_INSERT = "INSERT INTO search_fts (rowid, body) VALUES (?, ?)"
_MATCHES = (
    "SELECT rowid FROM search_fts WHERE search_fts MATCH ? AND rowid > ?"
    " ORDER BY rowid LIMIT ?"
)
_RESOLVE = {
    "turn": "SELECT statement_id FROM turns WHERE id = ?",
    "party": "SELECT id FROM statements WHERE interviewee_id = ? ORDER BY id DESC",
    "cause": "SELECT id FROM statements WHERE case_id = ? ORDER BY id DESC",
}
_TEXT = {
    "turn": "SELECT text FROM current_turns WHERE id = ?",
    "party": "SELECT name FROM parties WHERE id = ?",
    "cause": "SELECT cause FROM cases WHERE id = ?",
}


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
    with guarded():
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
    return count


def mark_stale(conn: Connection, turn_id: str) -> None:
    """Note, in the caller's (autosave) transaction, that a turn's text changed.

    Re-tokenising a whole answer on every keystroke-save was most of an autosave's cost; the
    mark is one row, and `refresh` indexes each stale turn once, at its latest text.
    """
    conn.execute("INSERT OR IGNORE INTO search_queue (turn_id) VALUES (?)", (turn_id,))


def refresh(conn: Connection) -> int:
    """Bring stale turns up to date in the caller's transaction; return how many."""
    with guarded():
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
    if conn.execute("SELECT 1 FROM search_queue LIMIT 1").fetchone() is not None:
        raise RuntimeError("the search index has stale turns: call refresh() first")
    phrase = match_expression(query)
    if phrase is None or limit <= 0:
        return []
    with guarded():
        first = conn.execute(_MATCHES, (phrase, -(2**63), CHUNK_DOCS + 1)).fetchall()
        if len(first) <= CHUNK_DOCS:
            ranked = conn.execute(
                "SELECT rowid, bm25(search_fts) FROM search_fts WHERE search_fts MATCH ?",
                (phrase,),
            ).fetchall()
            ranked.sort(key=lambda row: (row[1], row[0]))  # bm25 is negative; then newest
            docs: Iterator[tuple[int, float]] = ((-rowid, -rank) for rowid, rank in ranked)
        else:
            docs = _newest_first(conn, phrase, [rowid for (rowid,) in first])
        best = _best_per_statement(conn, docs, limit)
        hits = []
        for statement_id, (score, source, ref_id) in best.items():
            row = conn.execute(_TEXT[source], (ref_id,)).fetchone()
            snippet, spans = make_snippet(row[0] if row else "", query.strip())
            hits.append(SearchHit(statement_id, score, source, ref_id, snippet, spans))
    return hits


def _newest_first(conn: Connection, phrase: str, rowids: list[int]) -> Iterator[tuple[int, float]]:
    """Yield (document, 0.0) newest first, reading further chunks only when asked to."""
    while rowids:
        yield from ((-rowid, 0.0) for rowid in rowids)
        rowids = [
            rowid
            for (rowid,) in conn.execute(_MATCHES, (phrase, rowids[-1], CHUNK_DOCS)).fetchall()
        ]


def _best_per_statement(
    conn: Connection, docs: Iterator[tuple[int, float]], limit: int
) -> dict[str, tuple[float, str, str]]:
    """Map documents, best first, to statements until `limit` distinct statements are found."""
    best: dict[str, tuple[float, str, str]] = {}
    for doc, score in docs:
        row = conn.execute(
            "SELECT source, ref_id FROM search_docs WHERE rowid = ?", (doc,)
        ).fetchone()
        if row is None:
            continue  # cannot happen while both tables change in one transaction
        source, ref_id = row
        for (statement_id,) in conn.execute(_RESOLVE[source], (ref_id,)).fetchall():
            best.setdefault(statement_id, (score, source, ref_id))
            if len(best) == limit:
                return best
    return best


def _fold(text: str) -> str:
    """Lower-case like unicode61 does, keeping one character per character."""
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
    folded_text, folded_query = _fold(text), _fold(query)
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
