"""What HQ derives from the records it keeps, for the supervision room's lists and search.

Records are kept as received, sealed (decision 25); pages that list, search or count need
rows they can query. Each part of the room registers an `Indexer` per record kind here: it is
called inside the transaction that commits the record (`hq.receiver.Receiver.commit`), so a
record and what is derived from it commit together, on every HQ process and engine. An
indexer writes only what its pages need, and no party's personal data in the clear (names,
id numbers and words of a statement stay in the sealed record; a search index over them is
keyed, hq/catalog/statements.py). It must be idempotent (``ON CONFLICT DO NOTHING``):
`reindex` runs every indexer again over every record, for records HQ held before an indexer
existed (``statement-room-hq reindex``).

Small records come with their bytes (``payload``); a medium (``statement_pdf``,
``evidence_item``, ``penalty_document_pdf``) is committed after its upload with ``payload`` None
(its bytes are in the blob store, read with `hq.blobs.BlobStore.read` if an indexer needs them).
"""

from __future__ import annotations

from collections.abc import Callable

from hq.blobs import BlobStore
from hq.db import Connection, Database
from sync.protocol.canonical import parse_canonical
from sync.protocol.records import OutboxEntry, RecordKind
from sync.protocol.signing import Signed

__all__ = ["MEDIA", "Indexer", "index", "indexers", "reindex", "upsert_row"]

# The kinds committed after their upload, with no payload given to their indexers.
MEDIA = frozenset({RecordKind.STATEMENT_PDF, RecordKind.EVIDENCE_ITEM,
                   RecordKind.PENALTY_DOCUMENT_PDF})

Indexer = Callable[[Connection, OutboxEntry, bytes | None, int], None]
"""(transaction, the record's entry, its bytes or None for a medium, HQ's time of receipt)"""


def upsert_row(conn: Connection, table: str, key: tuple[str, str], device: str,
               values: dict[str, object], *, fill_only: bool = False) -> None:
    """Insert a derived row or update the one there: ``key`` is (column, value) of the row's
    own id. A record that is the row's authority overwrites with what it knows (a column it
    does not know, None, keeps what is there); with ``fill_only`` only empty columns are
    filled, so a record that merely mentions the row never overwrites its authority's
    values, whichever arrives first."""
    names = list(values)
    new, old = ("excluded", table) if not fill_only else (table, "excluded")
    conn.execute(
        f"INSERT INTO {table} ({key[0]}, device, {', '.join(names)}) "
        f"VALUES (?, ?, {', '.join('?' * len(names))}) ON CONFLICT ({key[0]}) DO UPDATE SET "
        + ", ".join(f"{n} = COALESCE({new}.{n}, {old}.{n})" for n in names),
        (key[1], device, *values.values()))


def indexers() -> dict[RecordKind, list[Indexer]]:
    """Every registered indexer by kind. Each part of the room keeps a module here with an
    ``INDEXERS: dict[RecordKind, Indexer]`` and adds it to ``parts`` (imported here, not at
    the top, so the parts may import this module's names)."""
    from hq.catalog import evidence, penalty, search, statements

    parts: tuple[dict[RecordKind, Indexer], ...] = (statements.INDEXERS, evidence.INDEXERS,
                                                    search.INDEXERS, penalty.INDEXERS)
    found: dict[RecordKind, list[Indexer]] = {}
    for part in parts:
        for kind, indexer in part.items():
            found.setdefault(kind, []).append(indexer)
    return found


def index(conn: Connection, entry: OutboxEntry, payload: bytes | None, received_ms: int
          ) -> None:
    """Derive what the room needs from one record, inside the transaction that commits it."""
    for indexer in indexers().get(entry.kind, []):
        indexer(conn, entry, payload, received_ms)


def reindex(db: Database, blobs: BlobStore, progress: Callable[[int], None] | None = None
            ) -> int:
    """Run every indexer over every record HQ holds, in receipt order; how many were seen."""
    kinds = indexers()
    names = tuple(kind.value for kind in kinds)
    if not names:
        return 0
    marks = ", ".join("?" * len(names))
    rows = db.all(f"SELECT entry, received_ms, kind FROM records WHERE kind IN ({marks}) "
                  "ORDER BY log_index", names)
    small = {kind for kind in kinds if kind not in MEDIA}
    for done, row in enumerate(rows, 1):
        entry = Signed.from_json(parse_canonical(str(row["entry"]).encode("utf-8")),
                                 OutboxEntry).body
        payload = b"".join(blobs.read(entry.sha256)) if entry.kind in small else None
        with db.transaction() as conn:
            index(conn, entry, payload, int(row["received_ms"]))
        if progress is not None:
            progress(done)
    return len(rows)
