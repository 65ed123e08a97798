"""Each device's audit trail at HQ: its leaves, kept encrypted, and the root HQ computes over
them to check every tree head the device sends (docs/protocols/sync.md §4).

A device sends the leaves of its audit log (the canonical bytes of each `AuditLeaf`) from the
number HQ holds verified up to the size of the head they go with: in batches of at most
`MAX_LEAVES_PER_CALL` before the head (``POST /v1/audit/leaves``) and the last batch with the
head itself. Leaves beyond the last countersigned head are *staged*: nothing HQ signed covers
them yet, so a batch may replace them (a retry, or a new attempt after a refused head) but
never a leaf a countersigned head covers. When a head comes, HQ folds the staged leaf hashes
up to its size onto the right edge it keeps for the device (a `CompactRange` at the verified
size, saved with the countersigned head) and refuses the head unless that root is the
head's root. Checking a head so costs the leaves since the last one, never the whole trail.

Every leaf must parse as an `AuditLeaf` (canonical bytes, which is what the device hashed)
whose ``idx`` is its place, so indexes are contiguous. A batch's bytes go to the blob store
like any record payload (sealed under HQ's key, decision 25): one blob per batch, the leaves
joined by newlines (canonical JSON holds none); the database holds each leaf's index, hash and
where its bytes are, never the bytes. A staged batch a later one replaced leaves its blob
behind, unreferenced.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from hq.blobs import BlobStore
from hq.db import Connection, Database
from sync.protocol.auditleaf import AuditLeaf
from sync.protocol.merkle import CompactRange, leaf_hash

__all__ = ["MAX_LEAVES_PER_CALL", "AuditTrails", "LeafBatch"]

MAX_LEAVES_PER_CALL = 1000
_SEPARATOR = b"\n"


@dataclass(frozen=True)
class LeafBatch:
    """Leaves ``start``, ``start + 1``, ... of a device's audit log, as the device sent them."""

    start: int
    leaves: tuple[bytes, ...]


class AuditTrails:
    """The audit leaves HQ holds per device, and the right edge of the verified ones."""

    def __init__(self, db: Database, blobs: BlobStore, clock_ms: Callable[[], int]) -> None:
        self._db = db
        self._blobs = blobs
        self._clock_ms = clock_ms

    def verified(self, device: str, conn: Connection | None = None) -> CompactRange:
        """The right edge of the leaves the device's last countersigned head covers (empty
        before the first head, and for a head countersigned before HQ kept leaves)."""
        row = (conn or self._db.conn).execute(
            "SELECT frontier FROM audit_heads WHERE device = ?", (device,)).fetchone()
        if row is None or row["frontier"] is None:
            return CompactRange()
        return CompactRange.from_bytes(bytes.fromhex(row["frontier"]))

    def held(self, device: str, conn: Connection | None = None) -> int:
        """How many leaves of the device HQ holds, staged ones included (contiguous from 0
        up to here, except that a head from before HQ kept leaves left none below it)."""
        db = conn or self._db.conn
        row = db.execute("SELECT max(leaf_index) AS last FROM audit_leaves WHERE device = ?",
                         (device,)).fetchone()
        last = -1 if row is None or row["last"] is None else int(row["last"])
        return max(last + 1, self.verified(device, db).size)

    def stage(self, device: str, batch: LeafBatch) -> int:
        """Keep ``batch`` as the device's leaves from ``batch.start`` on (replacing staged
        ones from there); return how many leaves HQ now holds. ValueError (in words for the
        operator) for a batch out of place, too large, or a leaf that is not an audit leaf."""
        if len(batch.leaves) > MAX_LEAVES_PER_CALL:
            raise ValueError(f"at most {MAX_LEAVES_PER_CALL} audit leaves per call")
        hashes = [leaf_hash(_checked(data, batch.start + pos))
                  for pos, data in enumerate(batch.leaves)]
        floor, held = self.verified(device).size, self.held(device)
        if not floor <= batch.start <= held:
            raise ValueError(f"audit leaves from {batch.start}: HQ holds {held} leaves of device "
                             f"{device}, {floor} of them under a countersigned head; send from "
                             f"{floor} to {held}")
        if not batch.leaves:
            return held
        data = _SEPARATOR.join(batch.leaves)
        name = hashlib.sha256(data).hexdigest()
        self._blobs.put(name, data)  # sealed and durable before any row names it
        now = self._clock_ms()
        with self._db.transaction() as conn:
            # Again under the write lock (a stat when held): the janitor removes a replaced
            # batch's blob in its own write transaction, maybe just after the `put` above.
            self._blobs.put(name, data)
            conn.execute("INSERT INTO blobs (sha256, size, stored_ms) VALUES (?, ?, ?) "
                         "ON CONFLICT (sha256) DO NOTHING", (name, len(data), now))
            conn.execute("DELETE FROM audit_leaves WHERE device = ? AND leaf_index >= ?",
                         (device, batch.start))
            conn.executemany(
                "INSERT INTO audit_leaves (device, leaf_index, leaf_hash, batch, batch_pos, "
                "received_ms) VALUES (?, ?, ?, ?, ?, ?)",
                [(device, batch.start + pos, h.hex(), name, pos, now)
                 for pos, h in enumerate(hashes)])
        return batch.start + len(batch.leaves)

    def extended_to(self, device: str, tree_size: int) -> CompactRange:
        """The verified right edge with the staged leaves up to ``tree_size`` appended: its
        root is what a head of that size must sign. ValueError if HQ lacks some of them."""
        compact = self.verified(device)
        if tree_size < compact.size:
            raise ValueError(f"a head of {tree_size} leaves is below the {compact.size} "
                             "HQ already verified")
        rows = self._db.all("SELECT leaf_hash FROM audit_leaves WHERE device = ? AND "
                            "leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index",
                            (device, compact.size, tree_size))
        if len(rows) != tree_size - compact.size:
            raise ValueError(f"HQ holds {self.held(device)} audit leaves of device {device}; "
                             f"the leaves up to {tree_size} must come before or with the head")
        compact.extend(bytes.fromhex(r["leaf_hash"]) for r in rows)
        return compact

    def leaves(self, device: str, start: int, stop: int) -> list[bytes]:
        """The bytes of the device's leaves ``start`` to ``stop - 1`` that HQ holds, read
        back from the blob store."""
        rows = self._db.all("SELECT batch, batch_pos FROM audit_leaves WHERE device = ? AND "
                            "leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index",
                            (device, start, stop))
        batches: dict[str, list[bytes]] = {}
        out = []
        for row in rows:
            name = str(row["batch"])
            if name not in batches:
                batches[name] = b"".join(self._blobs.read(name)).split(_SEPARATOR)
            out.append(batches[name][int(row["batch_pos"])])
        return out


def _checked(data: bytes, index: int) -> bytes:
    """``data`` if it is the canonical audit leaf of index ``index``; ValueError otherwise."""
    try:
        leaf = AuditLeaf.from_bytes(data)
    except ValueError as exc:
        raise ValueError(f"audit leaf {index} is not an audit leaf: {exc}") from None
    if leaf.idx != index:
        raise ValueError(f"audit leaf {index} holds index {leaf.idx}")
    return data

