"""The supervision room's search over statements: a keyed (blind) index, confirmed in the
sealed records (decision 34).

What is searched: the case number, cause, matter and place, the party's name, the officers'
names, the interview's place and the words of every turn. Those are personal data (a name,
what the party said), and no HQ table may hold them in the clear, so the index holds only
tokens: HMAC-SHA256 of each character and of each pair of adjacent characters of every
field, normalised, under a key derived (HKDF) from HQ's master key, which lives in the data
directory and never in the database. A copied database or a ``pg_dump`` gives tokens that
cannot be tested against a guessed name without the key.

Normalising is the desktop's idea (desktop/store/search.py: one token per character, so a
query of any length, one character up, finds exact substrings, across word boundaries
Chinese has no spaces for), adapted: NFKC (full-width digits and letters are the ASCII ones)
and case folding, whitespace dropped. Each field is cut on its own, so no pair spans two
fields. A query of one character looks up its token; a longer one every pair it holds,
all of which a candidate must have; each candidate is then confirmed by opening its sealed
content and context (`confirm`) so a pair-wise coincidence is never a hit.

The indexer runs in the transaction that commits the record (hq/catalog) and needs the key:
`use_master_key` is called when HQ opens its data directory (hq/state.py). Without it (a
bare `Receiver` in a unit test) nothing is indexed and `unindexed` counts the statements the
room's search would miss until ``statement-room-hq reindex`` runs.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hq.catalog import Indexer
from hq.db import Connection, Database
from sync.protocol.context import StatementContext
from sync.protocol.records import OutboxEntry, RecordKind
from sync.protocol.statement import StatementContent

__all__ = ["INDEXERS", "NEWEST_FIRST", "QUERY_CHARS", "SearchKey", "Searchable", "candidates",
           "confirm", "grams", "installed_key", "normalise", "query_grams", "unindexed",
           "use_master_key"]

_INFO = b"statement-room hq room search index v1"
_TOKEN_BYTES = 16  # 128 bits: no two grams collide in practice, half the index of 256
_BATCH = 500  # tokens per INSERT
QUERY_CHARS = 40  # the longest query the room takes


class SearchKey:
    """The search index's key, derived from HQ's master key; tokens of grams."""

    def __init__(self, master_key: bytes) -> None:
        self._key = HKDF(hashes.SHA256(), 32, salt=None, info=_INFO).derive(master_key)

    def token(self, gram: str) -> str:
        return hmac.new(self._key, gram.encode("utf-8"), hashlib.sha256
                        ).digest()[:_TOKEN_BYTES].hex()


_installed: list[SearchKey] = []  # the key of this process's HQ (one data directory)


def use_master_key(master_key: bytes) -> SearchKey:
    """Make the index key of this HQ process from its master key (hq/state.py, at start)."""
    key = SearchKey(master_key)
    _installed[:] = [key]
    return key


def installed_key() -> SearchKey | None:
    """The key `use_master_key` made in this process, if it did."""
    return _installed[0] if _installed else None


def normalise(text: str) -> str:
    """NFKC, case-folded, without whitespace: what is indexed and what a query is cut from."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold()
                   if not ch.isspace())


def grams(field: str) -> set[str]:
    """Every character and every pair of adjacent characters of one normalised field."""
    text = normalise(field)
    return set(text) | {text[i:i + 2] for i in range(len(text) - 1)}


def query_grams(query: str) -> set[str]:
    """The grams a statement must hold to contain ``query``: its one character, or every
    pair of its characters (the pairs imply the characters)."""
    text = normalise(query)
    if len(text) == 1:
        return {text}
    return {text[i:i + 2] for i in range(len(text) - 1)}


@dataclass(frozen=True)
class Searchable:
    """A statement's searchable fields, from whichever of its records HQ holds."""

    content: StatementContent | None
    context: StatementContext | None

    def fields(self) -> Iterator[str]:
        if self.content is not None:
            yield self.content.place
            yield from (turn.text for turn in self.content.turns)
        if self.context is not None:
            case = self.context.case
            yield from (case.number, case.cause, case.matter, case.place,
                        self.context.party.name)
            yield from (officer.name for officer in self.context.officers)


def confirm(searchable: Searchable, query: str) -> bool:
    """Does one field of the statement contain ``query`` (normalised)? A blind-index
    candidate is a hit only then."""
    needle = normalise(query)
    return bool(needle) and any(needle in normalise(f) for f in searchable.fields())


def _add(conn: Connection, statement: str, source: str, sha256: str,
         fields: Iterable[str]) -> None:
    if not _installed:
        return  # no key in this process: `unindexed` counts it, `reindex` fills it
    key = _installed[0]
    tokens = sorted({key.token(g) for f in fields for g in grams(f)})
    for start in range(0, len(tokens), _BATCH):
        conn.executemany("INSERT INTO room_search_tokens (token, statement) VALUES (?, ?) "
                         "ON CONFLICT (token, statement) DO NOTHING",
                         [(t, statement) for t in tokens[start:start + _BATCH]])
    conn.execute("INSERT INTO room_search_sources (statement, source, sha256) VALUES (?, ?, ?) "
                 "ON CONFLICT (statement, source) DO NOTHING", (statement, source, sha256))


def _content(conn: Connection, entry: OutboxEntry, payload: bytes | None, at: int) -> None:
    assert payload is not None  # a small record always comes with its bytes
    content = StatementContent.from_bytes(payload)
    _add(conn, content.id, "statement", entry.sha256, Searchable(content, None).fields())


def _context(conn: Connection, entry: OutboxEntry, payload: bytes | None, at: int) -> None:
    assert payload is not None
    context = StatementContext.from_bytes(payload)
    _add(conn, context.statement, "statement_context", entry.sha256,
         Searchable(None, context).fields())


INDEXERS: dict[RecordKind, Indexer] = {
    RecordKind.STATEMENT: _content,
    RecordKind.STATEMENT_CONTEXT: _context,
}


NEWEST_FIRST = "ORDER BY s.started_ms IS NULL, s.started_ms DESC, s.statement"


def candidates(db: Database, key: SearchKey, query: str) -> list[str]:
    """The statements whose index holds every gram of ``query``, newest first: candidates,
    to be confirmed. A query is short (the page takes at most `QUERY_CHARS` characters)."""
    tokens = sorted({key.token(g) for g in query_grams(query)})
    if not tokens:
        return []
    rows = db.all(
        "SELECT s.statement FROM room_statements s WHERE s.statement IN (SELECT statement "
        f"FROM room_search_tokens WHERE token IN ({', '.join('?' * len(tokens))}) "
        f"GROUP BY statement HAVING count(*) = {len(tokens)}) {NEWEST_FIRST}", tokens)
    return [str(r["statement"]) for r in rows]


def unindexed(db: Database) -> int:
    """How many statements' content or context HQ holds without their tokens."""
    row = db.one(
        "SELECT count(*) AS n FROM room_statements s WHERE "
        "(s.content_sha256 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM room_search_sources x "
        "WHERE x.statement = s.statement AND x.source = 'statement')) OR "
        "(s.context_sha256 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM room_search_sources x "
        "WHERE x.statement = s.statement AND x.source = 'statement_context'))")
    return 0 if row is None else int(row["n"])
