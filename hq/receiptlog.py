"""HQ's receipt log: an append-only Merkle log (RFC 9162) over every receipt's canonical bytes.

Each receipt takes the next index; its leaf is appended in the same transaction as the
record row, so a receipt exists exactly when its leaf does. The log's right edge (a
`CompactRange`) is kept in the database, so appending and signing a head never re-read the
leaves; every perfect subtree an append completes is stored too, so a consistency proof reads
O(log² n) nodes (`merkle.consistency_path` over stored subtrees), never the whole log.
"""

from __future__ import annotations

from collections.abc import Callable

from hq.db import Connection, Database
from sync.protocol.loghead import LogHead
from sync.protocol.merkle import (
    CompactRange,
    consistency_path,
    fold_subtrees,
    leaf_hash,
    perfect_subtrees,
)
from sync.protocol.signing import Signed, Signer, sign

__all__ = ["ReceiptLog"]


class ReceiptLog:
    def __init__(self, db: Database, hq_id: str, key: Signer,
                 clock_ms: Callable[[], int]) -> None:
        self._db = db
        self._hq_id = hq_id
        self._key = key
        self._clock_ms = clock_ms

    def _range(self, conn: Connection) -> CompactRange:
        row = conn.execute("SELECT compact FROM log_state WHERE id = 1").fetchone()
        return CompactRange() if row is None else CompactRange.from_bytes(
            bytes.fromhex(row["compact"]))

    def next_index(self, conn: Connection) -> int:
        return self._range(conn).size

    def append(self, conn: Connection, receipt_bytes: bytes, receipt_id: str) -> int:
        """Append one receipt inside the caller's transaction; return its index."""
        compact = self._range(conn)
        index = compact.size
        leaf = leaf_hash(receipt_bytes)
        completed = compact.append_subtrees(leaf)
        conn.execute("INSERT INTO receipt_log (log_index, leaf_hash, receipt_id) "
                     "VALUES (?, ?, ?)", (index, leaf.hex(), receipt_id))
        for height, node in enumerate(completed[1:], start=1):
            conn.execute("INSERT INTO log_nodes (height, start, node_hash) VALUES (?, ?, ?)",
                         (height, index + 1 - (1 << height), node.hex()))
        conn.execute("INSERT INTO log_state (id, compact) VALUES (1, ?) "
                     "ON CONFLICT (id) DO UPDATE SET compact = excluded.compact",
                     (compact.to_bytes().hex(),))
        return index

    def root(self) -> tuple[int, bytes]:
        compact = self._range(self._db.conn)
        return compact.size, compact.root()

    def head(self) -> Signed[LogHead]:
        """The current head, signed with HQ's receipt key."""
        size, root = self.root()
        return sign(LogHead(hq=self._hq_id, size=size, root_hash=root,
                            hq_time_ms=self._clock_ms()), self._key)

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        """Proof that the log at ``old_size`` is a prefix of the log at ``new_size``."""
        size, _ = self.root()
        if not 0 <= old_size <= new_size <= size:
            raise ValueError(f"sizes must satisfy 0 <= from <= to <= {size}")
        return consistency_path(self._subtree, old_size, new_size)

    def _subtree(self, lo: int, hi: int) -> bytes:
        """MTH of leaves lo..hi-1 from the stored perfect subtrees that tile the range."""
        roots = []
        for start, height in perfect_subtrees(lo, hi):
            row = (self._db.one("SELECT leaf_hash AS h FROM receipt_log WHERE log_index = ?",
                                (start,)) if height == 0 else
                   self._db.one("SELECT node_hash AS h FROM log_nodes WHERE height = ? AND "
                                "start = ?", (height, start)))
            assert row is not None, f"receipt log node {height}/{start} is missing"
            roots.append(bytes.fromhex(row["h"]))
        return fold_subtrees(roots)
