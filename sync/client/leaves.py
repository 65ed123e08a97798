"""Audit leaves on their way to HQ (docs/protocols/sync.md §4, item 5).

With each tree head the device sends the canonical bytes of the audit leaves HQ does not hold
yet, up to the head's size, at most `LEAF_BATCH` leaves and about `LEAF_BATCH_BYTES` of leaf
bytes per call: all calls' worth but the last ahead of the head (``POST /v1/audit/leaves``),
the last in the head's own body. HQ keeps leaves no head covers yet as staged and lets a batch
replace them, so a retry simply sends again; within a round, a retry of the same head goes on
after the batches HQ acknowledged.
"""

from __future__ import annotations

import base64

from sync.client.source import SyncSource
from sync.client.transport import HqConnection, NetworkError
from sync.protocol.canonical import canonical_json

__all__ = ["LEAF_BATCH", "LEAF_BATCH_BYTES", "LeafSender", "encode"]

# HQ takes at most 1,000 leaves per call (hq.audittrail); 4 MiB of leaf bytes keeps a call far
# under HQ's body limits whatever the leaves hold.
LEAF_BATCH = 1000
LEAF_BATCH_BYTES = 4 * 1024 * 1024


def encode(leaves: list[bytes]) -> list[str]:
    return [base64.b64encode(leaf).decode("ascii") for leaf in leaves]


class LeafSender:
    """Sends the leaves ahead of the heads of one round."""

    def __init__(self, conn: HqConnection, source: SyncSource) -> None:
        self._conn, self._source = conn, source
        self._staged: dict[int, int] = {}  # head size -> leaves HQ acknowledged for it

    def ahead_of_head(self, start: int, to_size: int) -> tuple[int, list[bytes]]:
        """Send leaves ``start`` (HQ's verified count) up to ``to_size`` in batches, all but
        the last; return the last (its first index and its leaves), which goes with the head.
        ValueError if the store lacks some of them; NetworkError or HqError as for a call."""
        start = self._staged.get(to_size, start)
        while True:
            batch = self._batch(start, to_size)
            if start + len(batch) >= to_size:
                return start, batch
            body = canonical_json({"v": 1, "from": start, "leaves": encode(batch)})
            answer = self._conn.request("POST", "/v1/audit/leaves", body,
                                        headers={"Content-Type": "application/json"}).json()
            held = answer.get("leaves") if isinstance(answer, dict) else None
            if held != start + len(batch):
                raise NetworkError(f"HQ's answer to audit leaves from {start} holds {held!r} "
                                   f"leaves, not {start + len(batch)}")
            start = self._staged[to_size] = start + len(batch)

    def _batch(self, start: int, to_size: int) -> list[bytes]:
        """The leaves from ``start`` that fit one call (at least one, if any are due)."""
        stop = min(to_size, start + LEAF_BATCH)
        if stop <= start:
            return []
        leaves = self._source.audit_leaves(start, stop)
        if len(leaves) != stop - start:
            raise ValueError(f"the store holds audit leaves only up to {start + len(leaves)}, "
                             f"not {stop}")
        total = 0
        for count, leaf in enumerate(leaves):
            total += len(leaf)
            if total > LEAF_BATCH_BYTES and count:
                return leaves[:count]
        return leaves
