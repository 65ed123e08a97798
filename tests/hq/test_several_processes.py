"""Two HQ processes sharing one PostgreSQL (and one data directory: keys and blobs), as behind
a load balancer (decision 29): what one device sends to either is received exactly once, and
the receipt log stays one log, in order, without a hole or a repeated index.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sync.protocol.loghead import LogHead
from sync.protocol.merkle import leaf_hash, root_hash
from sync.protocol.receipt import Receipt
from sync.protocol.records import OutboxEntry, RecordKind
from sync.protocol.signing import Signed
from sync.protocol.treehead import TreeHead, sign_tree_head
from tests.hq.client import Device, Reply, audit_leaves, enrolled
from tests.support.hq_server import RunningHQ, start_hq
from tests.support.postgres import PostgresServer

CAPTURE = RecordKind.SIGNATURE_CAPTURE
# An entry, its bytes, and for a tree head its leaves (the first's index, their bytes).
_Sending = tuple[Signed[OutboxEntry], bytes, tuple[int, list[bytes]] | None]


@pytest.fixture
def two_hqs(pg_cluster: PostgresServer | None, tmp_path: Path
            ) -> Iterator[tuple[RunningHQ, RunningHQ]]:
    if pg_cluster is None:
        pytest.skip("no PostgreSQL here (CI installs it; see tests/support/postgres.py)")
    url = pg_cluster.create_database()
    env = {"HQ_LOCK_WAIT_S": "1"}  # a PATCH waits 1 s for an upload's holder
    first = start_hq(tmp_path / "hq", env, db_url=url)  # makes the keys and the schema
    second = start_hq(tmp_path / "hq", env, db_url=url)
    try:
        yield first, second
    finally:
        second.stop()
        first.stop()
    for server in (first, second):
        assert "Traceback" not in server.log(), server.log()


def _at(device: Device, hq: RunningHQ) -> Device:
    """The same device (key, pinned receipt key), talking to ``hq``."""
    return dataclasses.replace(device, hq=hq)


def _check_log(hq: RunningHQ, device: Device, receipts: list[Signed[Receipt]]) -> None:
    """The receipts are the whole log: indexes 0..n-1 once each, every leaf where its receipt
    says, and the log head both processes sign is the root over them."""
    assert device.pinned is not None
    assert all(r.verify(device.pinned) for r in receipts)
    by_index = sorted(receipts, key=lambda r: r.body.log_index)
    assert [r.body.log_index for r in by_index] == list(range(len(receipts)))
    db = hq.database()
    try:
        leaves = db.all("SELECT log_index, leaf_hash FROM receipt_log ORDER BY log_index")
        held = db.all("SELECT log_index FROM records ORDER BY log_index")
    finally:
        db.close()
    assert [row["log_index"] for row in leaves] == list(range(len(receipts)))
    assert [row["log_index"] for row in held] == list(range(len(receipts)))
    hashes = [leaf_hash(r.body.canonical_bytes()) for r in by_index]
    assert [bytes.fromhex(row["leaf_hash"]) for row in leaves] == hashes
    head = Signed.from_json(device.call("GET", "/v1/log/head").json(), LogHead)
    assert head.verify(device.pinned)
    assert (head.body.size, head.body.root_hash) == (len(receipts), root_hash(hashes))


def test_records_sent_to_either_process_are_received_once_in_one_log(
        two_hqs: tuple[RunningHQ, RunningHQ]) -> None:
    first, second = two_hqs
    devices = [enrolled(first) for _ in range(6)]
    jobs = []  # (device at one of the two processes, seq, entity, bytes)
    for d, device in enumerate(devices):
        for n in range(1, 21):
            via = _at(device, (first, second)[(d + n) % 2])
            jobs.append((via, n, f"st-{d}/p/{n}", f"capture {d}/{n}".encode()))

    def send(job: tuple[Device, int, str, bytes]) -> Reply:
        via, seq, entity, data = job
        return via.send(via.entry(CAPTURE, entity, data, seq=seq), data)

    with ThreadPoolExecutor(12) as pool:
        replies = list(pool.map(send, jobs))
    assert [r.status for r in replies] == [200] * len(jobs), [
        r.body for r in replies if r.status != 200][:3]
    receipts = [r.receipt() for r in replies]
    assert sorted((r.body.device, r.body.record_id) for r in receipts) == sorted(
        (job[0].id, job[2]) for job in jobs)
    _check_log(second, devices[0], receipts)
    for hq in (first, second):
        gaps = hq.admin("gaps")
        assert gaps.returncode == 0, gaps.stdout  # every sequence number of every device


def test_the_same_record_at_both_processes_at_once_gets_one_receipt(
        two_hqs: tuple[RunningHQ, RunningHQ]) -> None:
    first, second = two_hqs
    device = enrolled(first)
    records = [(n, f"e{n}", f"event {n}".encode()) for n in range(1, 16)]
    leaves = audit_leaves(12)
    head = sign_tree_head(TreeHead(12, root_hash([leaf_hash(x) for x in leaves]),
                                   1_795_000_000_000, "store-1"), device.key).canonical_bytes()
    entries: list[_Sending] = [(device.entry(CAPTURE, entity, data, seq=n), data, None)
                               for n, entity, data in records]
    entries.append((device.entry(RecordKind.TREE_HEAD, "12", head, seq=16), head, (0, leaves)))

    def both(sending: _Sending) -> list[Reply]:
        entry, data, batch = sending
        barrier = threading.Barrier(2)

        def at(hq: RunningHQ) -> Reply:
            via = _at(device, hq)
            barrier.wait()
            return via.send(entry, data, None, batch)

        with ThreadPoolExecutor(2) as pool:
            return list(pool.map(at, (first, second)))

    pairs = [both(e) for e in entries]
    for one, other in pairs:
        assert (one.status, other.status) == (200, 200), (one.body, other.body)
        assert one.receipt().to_json() == other.receipt().to_json()  # one receipt, twice
    _check_log(first, device, [one.receipt() for one, _ in pairs])
    db = first.database()
    try:
        countersigned = db.all("SELECT tree_size FROM audit_heads WHERE device = ?",
                               (device.id,))
        held = db.all("SELECT leaf_index FROM audit_leaves WHERE device = ? "
                      "ORDER BY leaf_index", (device.id,))
        quarantined = db.all("SELECT id FROM quarantine")
    finally:
        db.close()
    assert countersigned == [{"tree_size": 12}]
    assert [row["leaf_index"] for row in held] == list(range(12))
    assert quarantined == []  # a record raced to both is no conflict


def test_one_upload_is_created_once_and_written_by_one_process_at_a_time(
        two_hqs: tuple[RunningHQ, RunningHQ]) -> None:
    first, second = two_hqs
    device = enrolled(first)
    data = hashlib.shake_256(b"body-cam clip").digest(200_000)
    entry = device.entry(RecordKind.EVIDENCE_ITEM, "ev-1", data)
    barrier = threading.Barrier(2)

    def create(hq: RunningHQ) -> Reply:
        barrier.wait()
        return _at(device, hq).create_upload(entry)

    with ThreadPoolExecutor(2) as pool:
        created = list(pool.map(create, (first, second)))
    assert [c.status for c in created] == [201, 201]
    location = created[0].headers["location"]
    assert created[1].headers["location"] == location  # one Idempotency-Key, one upload

    stalled = device.partial_patch(location, 0, data, 1000)  # at the first; then nothing
    try:
        time.sleep(0.3)  # the first process holds the upload
        busy = _at(device, second).patch(location, 0, data)
        assert (busy.status, busy.error) == (503, "unavailable")
        assert busy.headers["retry-after"]
    finally:
        stalled.close()  # the stalled connection ends: the first process lets go
    deadline = time.monotonic() + 10
    while True:
        done = _at(device, second).patch(location, 0, data)
        if done.status != 503 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert done.status == 204, done.body  # from offset 0: the stalled bytes never counted
    receipt = done.receipt()
    assert receipt.body.sha256 == entry.body.sha256
    again = device.head(location)  # at the first process: the same receipt
    assert again.receipt().to_json() == receipt.to_json()
    _check_log(first, device, [receipt])


def test_one_process_killed_mid_upload_while_the_other_serves_loses_nothing(
        two_hqs: tuple[RunningHQ, RunningHQ]) -> None:
    # Issue 16: "kill one HQ process mid-upload while the other keeps serving". The device
    # was writing to the first process, which is SIGKILLed with a PATCH in flight; the
    # second (behind the same load balancer) goes on serving other records at once, and
    # the device finishes the upload there from the last offset HQ committed.
    first, second = two_hqs
    device = enrolled(first)
    data = hashlib.shake_256(b"body-cam clip, 3 MiB").digest(3 * 1024 * 1024)
    entry = device.entry(RecordKind.EVIDENCE_ITEM, "ev-killed", data)
    created = device.create_upload(entry)
    assert created.status == 201, created.body
    location = created.headers["location"]
    part = 1024 * 1024
    assert device.patch(location, 0, data[:part]).status == 204
    stalled = device.partial_patch(location, part, data[part:], 200_000)
    try:
        time.sleep(0.3)  # the first process holds the upload, mid-PATCH
        first.kill()
    finally:
        stalled.close()

    at_second = _at(device, second)
    note = b"a pen capture sent meanwhile"
    served = at_second.send(device.entry(CAPTURE, "st-9/p/1", note), note)
    assert served.status == 200, served.body  # the other process kept serving
    assert int(at_second.head(location).headers["upload-offset"]) == part  # what was committed
    deadline = time.monotonic() + 15  # PostgreSQL frees the dead process's lock
    while True:
        done = at_second.patch(location, part, data[part:])
        if done.status != 503 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert done.status == 204, done.body
    receipt = done.receipt()
    assert (receipt.body.sha256, receipt.body.size) == (entry.body.sha256, len(data))
    _check_log(second, at_second, [served.receipt(), receipt])

    first.start()  # back behind the load balancer: the same receipt, nothing doubled
    assert device.head(location).receipt().to_json() == receipt.to_json()
    again = device.send(device.entry(CAPTURE, "st-9/p/1", note), note)
    assert again.receipt().to_json() == served.receipt().to_json()
    _check_log(first, device, [served.receipt(), receipt])
