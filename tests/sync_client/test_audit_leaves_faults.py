"""Audit leaves on their way to a real HQ under faults: a connection cut (RST) or an answer lost
among the batches that go ahead of a tree head costs at most one batch again; the round
completes and HQ holds exactly the device's leaves, under a countersigned head."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from sync.client.leaves import LEAF_BATCH
from sync.protocol.auditleaf import AuditLeaf
from sync.protocol.merkle import leaf_hash
from tests.support.fault_proxy import Action, Fault, FaultProxy
from tests.support.hq_server import RunningHQ, start_hq
from tests.sync_client.e2e import assert_delivered_once, device, engine, hq_db, stop_clean
from tests.sync_client.memory_source import MemorySource

TRAIL = 2 * LEAF_BATCH + 600  # two batches ahead of the head, the rest with it


def long_trail(source: MemorySource, count: int) -> None:
    """``count`` audit events that are not announced on their own (most of a store's are
    not: saves, searches, logins); only the tree head over them is."""
    for _ in range(count):
        source.leaves.append(AuditLeaf(
            idx=len(source.leaves), id=str(uuid.uuid4()), at="2026-12-07T03:00:00.000+08:00",
            actor="officer-1", action="turn.saved", subject=str(uuid.uuid4()), outcome="ok",
            details={"revision": 1, "sha256": "ab" * 32}).canonical_bytes())
    source.add_tree_head()


def hq_leaf_hashes(hq: RunningHQ, source: MemorySource) -> list[bytes]:
    with hq_db(hq) as db:
        rows = db.all("SELECT leaf_hash FROM audit_leaves WHERE device = ? "
                      "ORDER BY leaf_index", (source.device,))
    return [bytes.fromhex(r["leaf_hash"]) for r in rows]


@pytest.mark.parametrize("action", ["rst", "lose_response"])
def test_a_fault_among_the_leaf_batches_costs_at_most_one_batch(
        hq_server: RunningHQ, action: Action, tmp_path: Path) -> None:
    other_hq = start_hq(tmp_path / "other-hq")  # the same trail without a fault
    try:
        clean = device(other_hq)
        long_trail(clean, TRAIL)
        once = engine(clean).run_round()
        assert once.complete, once
    finally:
        stop_clean(other_hq)
    # One call's body: each leaf in base64 with its quotes and comma, and 1 KiB around them.
    batch_bytes = LEAF_BATCH * (4 * -(-max(map(len, clean.leaves)) // 3) + 3) + 1024

    # Half-way through the second batch ahead of the head (enrolment and manifest are small).
    with FaultProxy(("127.0.0.1", hq_server.port),
                    [Fault(action, batch_bytes * 3 // 2)]) as proxy:
        source = device(hq_server, proxy.url)
        long_trail(source, TRAIL)
        result = engine(source).run_round()
        assert proxy.fired
    assert result.complete, result
    assert result.bytes_sent - once.bytes_sent <= batch_bytes  # the batches HQ had: not again
    assert_delivered_once(source, hq_server)
    assert hq_leaf_hashes(hq_server, source) == [leaf_hash(x) for x in source.leaves]
