"""What the end-to-end sync tests share: a device with records and media, enrolled with a
real HQ process, and the check that follows every fault: nothing lost, nothing duplicated,
every receipt verifies, the audit head is countersigned over the leaves HQ holds, the receipt
log is consistent."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hq.db import Database
from sync.client.engine import SyncEngine
from sync.client.enrol import enrol
from sync.client.receipts import receipt_problem
from sync.client.source import Enrolment
from sync.protocol.merkle import leaf_hash
from sync.protocol.records import OutboxEntry
from tests.support.hq_server import RunningHQ
from tests.sync_client.memory_source import MemorySource

CHUNK = 1024 * 1024  # 1 MiB chunks keep the tests quick; the benchmark uses 8 MiB


class Killed(BaseException):
    """Unwinds a sync round from inside, as a kill of the client would stop it."""


def device(hq: RunningHQ, url: str | None = None) -> MemorySource:
    source = MemorySource()
    source.enrolled = enrol(url or hq.url, hq.enrol_code(), source.key, "desk-e2e")
    return source


def device_with(key: Ed25519PrivateKey, enrolment: Enrolment) -> MemorySource:
    return MemorySource(key=key, enrolled=enrolment)


def records_and_video(source: MemorySource, video_chunks: float = 3.5) -> OutboxEntry:
    """Three audit events, their tree head, and a video of ``video_chunks`` chunks."""
    for _ in range(3):
        source.add_event()
    source.add_tree_head()
    size = int(video_chunks * CHUNK)
    return source.add_media(bytes(i % 251 for i in range(size)))


def engine(source: MemorySource, **options: object) -> SyncEngine:
    settings: dict[str, object] = {"chunk_size": CHUNK, "backoff_base": 0.05,
                                   "backoff_cap": 0.5, "read_timeout": 5.0, "retries": 5}
    settings.update(options)
    return SyncEngine(source, **settings)  # type: ignore[arg-type]


@contextlib.contextmanager
def hq_db(hq: RunningHQ) -> Iterator[Database]:
    """HQ's database, on either lane; rows by column name."""
    db = hq.database()
    try:
        yield db
    finally:
        db.close()


def assert_delivered_once(source: MemorySource, hq: RunningHQ) -> None:
    """Every entry has a verified receipt, HQ holds each record once, the logs agree."""
    assert source.enrolled is not None
    assert source.receipted() == {e.op_id for e in source.entries}, source.failures
    for entry in source.entries:
        assert receipt_problem(source.receipts[entry.op_id], entry, source.enrolled) is None
    indexes = [r.body.log_index for r in source.receipts.values()]
    assert len(set(indexes)) == len(indexes)  # no receipt given twice
    with hq_db(hq) as db:
        rows = db.all("SELECT op_id, sha256 FROM records WHERE device = ?", (source.device,))
        assert sorted((r["op_id"], r["sha256"]) for r in rows) == sorted(
            (e.op_id, e.sha256) for e in source.entries)  # nothing lost, nothing twice
        log_size = len(db.all("SELECT log_index FROM receipt_log"))
        heads = db.all("SELECT tree_size FROM audit_heads WHERE device = ?", (source.device,))
        held_leaves = [bytes.fromhex(r["leaf_hash"]) for r in db.all(
            "SELECT leaf_hash FROM audit_leaves WHERE device = ? ORDER BY leaf_index",
            (source.device,))]
    assert log_size == len(source.entries)
    assert source.log_head is not None and source.log_head.body.size == log_size
    tree_sizes = [int(e.entity_id) for e in source.entries if e.kind.value == "tree_head"]
    if tree_sizes:  # the device's audit trail is countersigned at its last head
        assert [h["tree_size"] for h in heads] == [max(tree_sizes)]
        # and HQ holds its leaves up to there, byte for byte as the device hashed them
        assert held_leaves == [leaf_hash(x) for x in source.leaves[:max(tree_sizes)]]


def stop_clean(hq: RunningHQ) -> None:
    """Stop an HQ a test started itself; like the fixture, fail if HQ logged a traceback."""
    hq.stop()
    assert "Traceback" not in hq.log(), hq.log()
