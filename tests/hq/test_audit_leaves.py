"""HQ receives every audit event of a device and checks each tree head against them, on a real
HQ process and a store made with `statement-room init`.

After rounds HQ holds exactly the store's leaves (same count, same hashes, same bytes read back
from its encrypted blobs) and keeps the right edge of each device's trail across a SIGKILL; a
trail of thousands of events reaches HQ with its first head in batches; a leaf altered on the
way, a head signed over another root, and a store rolled back to a backup and then extended
are refused (409 ``audit_inconsistent``) with an alert; malformed or misplaced leaves are
refused (422) without wedging the device: the right leaves then go through.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.domain.model import AuditEvent
from desktop.services.backup import create_backup
from desktop.services.backup_restore import restore_backup
from desktop.services.sync_round import enrol, run_round
from desktop.store import audit, sync_state
from desktop.store.store import Store, StorePaths, unlock
from hq.audittrail import AuditTrails
from hq.db import Row
from sync.client.leaves import LEAF_BATCH
from sync.protocol.merkle import CompactRange, consistency_proof, leaf_hash, root_hash
from sync.protocol.records import RecordKind
from sync.protocol.signing import key_id_for
from sync.protocol.treehead import TreeHead, sign_tree_head
from tests.cli.helpers import run_cli
from tests.cli.test_cli_end_to_end import ADMIN, UNIT, login, ok
from tests.hq.client import Device, Reply, audit_leaves, enrolled
from tests.support.hq_server import RunningHQ


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    """A store made with `statement-room init` (its administrator logs in below)."""
    workdir = tmp_path / "store"
    ok(run_cli("init", "--workdir", str(workdir), "--name", ADMIN[0], "--certificate",
               ADMIN[1], "--unit", UNIT, env=login(ADMIN)))
    return workdir


def open_store(workdir: Path) -> Store:
    return unlock(StorePaths(workdir), ADMIN[1], ADMIN[2])


def add_events(store: Store, count: int) -> None:
    """``count`` audit events (searches: identifiers and counts only), in batches as a busy
    day would add them."""
    for start in range(0, count, 500):
        events = [AuditEvent("search.run", store.officer.id, None, details={"hits": n})
                  for n in range(start, min(count, start + 500))]
        with store.transaction() as tx:
            audit.append_many(tx.conn, events, tx.at)


def store_leaves(store: Store, stop: int) -> list[bytes]:
    with store.reading() as conn:
        return [r.leaf_data() for r in audit.records(conn, 0, stop)]


def countersigned(store: Store) -> int:
    with store.reading() as conn:
        held = sync_state.countersigned(conn)
    assert held is not None
    return held.tree_size


def device_id(store: Store) -> str:
    with store.reading() as conn:
        return key_id_for(audit.device_private_key(conn).public_key())


def hq_rows(hq: RunningHQ, device: str) -> tuple[list[Row], Row | None]:
    """HQ's leaf rows of ``device`` in index order, and its audit head row."""
    db = hq.database()
    try:
        leaves = db.all("SELECT * FROM audit_leaves WHERE device = ? ORDER BY leaf_index",
                        (device,))
        return leaves, db.one("SELECT * FROM audit_heads WHERE device = ?", (device,))
    finally:
        db.close()


def hq_leaf_bytes(hq: RunningHQ, device: str, stop: int) -> list[bytes]:
    """The leaves HQ holds, decrypted from its blob store with its own master key."""
    db = hq.database()
    try:
        blobs = hq.blobs()
        return AuditTrails(db, blobs, lambda: 0).leaves(device, 0, stop)
    finally:
        db.close()


@pytest.fixture
def synced(store_dir: Path, hq_server: RunningHQ) -> Iterator[tuple[Store, str]]:
    """The init store, enrolled with HQ and through one complete round."""
    store = open_store(store_dir)
    try:
        enrol(store, hq_server.url, hq_server.enrol_code())
        assert run_round(store).complete
        yield store, device_id(store)
    finally:
        store.close()


def test_hq_holds_exactly_the_stores_leaves_and_keeps_the_edge_across_a_kill(
        synced: tuple[Store, str], hq_server: RunningHQ) -> None:
    store, device = synced
    add_events(store, 40)
    assert run_round(store).complete
    size = countersigned(store)
    leaves = store_leaves(store, size)
    rows, head = hq_rows(hq_server, device)
    assert [r["leaf_index"] for r in rows] == list(range(size))
    assert [bytes.fromhex(r["leaf_hash"]) for r in rows] == [leaf_hash(x) for x in leaves]
    assert hq_leaf_bytes(hq_server, device, size) == leaves
    assert head is not None and head["tree_size"] == size
    edge = CompactRange()
    edge.extend(leaf_hash(x) for x in leaves)
    assert CompactRange.from_bytes(bytes.fromhex(head["frontier"])) == edge
    listed = hq_server.admin("devices").stdout
    assert f"audit trail {size} events held, head countersigned at {size}" in listed

    hq_server.restart()  # SIGKILL: the edge is in the database, not in memory
    add_events(store, 25)
    assert run_round(store).complete
    later = countersigned(store)
    rows, head = hq_rows(hq_server, device)
    assert later > size and len(rows) == later and head is not None
    assert [bytes.fromhex(r["leaf_hash"]) for r in rows] == [
        leaf_hash(x) for x in store_leaves(store, later)]


def test_a_trail_of_thousands_of_events_reaches_hq_with_its_first_head(
        store_dir: Path, hq_server: RunningHQ) -> None:
    store = open_store(store_dir)
    try:
        add_events(store, 3 * LEAF_BATCH + 300)  # a device that worked offline for weeks
        enrol(store, hq_server.url, hq_server.enrol_code())
        report = run_round(store)
        assert report.complete, report.problems
        size = countersigned(store)
        rows, head = hq_rows(hq_server, device_id(store))
        assert head is not None and head["tree_size"] == size
        assert size > 3 * LEAF_BATCH + 300 and len(rows) == size
        assert [bytes.fromhex(r["leaf_hash"]) for r in rows] == [
            leaf_hash(x) for x in store_leaves(store, size)]
        # No call carried more than a batch (the head `init` signed goes first, with the
        # few leaves before it; the round's head brings the thousands).
        per_batch = Counter(r["batch"] for r in rows)
        assert max(per_batch.values()) == LEAF_BATCH and len(per_batch) >= 4
    finally:
        store.close()


def test_a_store_rolled_back_to_a_backup_and_extended_is_refused_at_the_next_sync(
        store_dir: Path, hq_server: RunningHQ, tmp_path: Path) -> None:
    drive = tmp_path / "drive"
    store = open_store(store_dir)
    try:
        enrol(store, hq_server.url, hq_server.enrol_code())
        assert run_round(store).complete
        device = device_id(store)
        create_backup(store, drive)
        add_events(store, 30)
        assert run_round(store).complete
        at_hq = countersigned(store)
    finally:
        store.close()
    # Someone puts the older copy back (forced past the desktop's own refusal, which moves
    # HQ's countersignature aside with the rest) and works on: the store opens and grows
    # past what HQ countersigned, with another history.
    restore_backup(drive, store_dir, ADMIN[1], ADMIN[2], force=True)
    rolled = open_store(store_dir)
    try:
        add_events(rolled, 60)
        report = run_round(rolled)
        heads = {int(f.entity_id): f for f in report.result.failed
                 if f.kind is RecordKind.TREE_HEAD}
        # The head past HQ's is refused for not extending it; one the restore's own session
        # signed reuses a sequence number of the first history: a conflict. Both wait for a
        # person; nothing of this store is countersigned.
        assert heads[max(heads)].error == "audit_inconsistent" and max(heads) > at_hq
        assert {f.error for f in heads.values()} <= {"audit_inconsistent", "conflict"}
        assert not any(f.retry for f in heads.values())
    finally:
        rolled.close()
    _rows, head = hq_rows(hq_server, device)
    assert head is not None and head["tree_size"] == at_hq  # nothing of the other history
    alerts = hq_server.admin("alerts")
    assert alerts.returncode == 1 and "audit_inconsistent" in alerts.stdout
    assert "rolled-back" in alerts.stdout


def _head(device: Device, leaves: list[bytes], size: int) -> bytes:
    root = root_hash([leaf_hash(x) for x in leaves[:size]])
    return sign_tree_head(TreeHead(size, root, 1_795_000_000_000, "store-1"),
                          device.key).canonical_bytes()


def _send_head(device: Device, head: bytes, size: int, start: int, leaves: list[bytes]
               ) -> Reply:
    return device.send(device.entry(RecordKind.TREE_HEAD, str(size), head), head,
                       None, (start, leaves))


def test_a_leaf_altered_on_the_way_is_refused_with_an_alert(hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    leaves = audit_leaves(8)
    head = _head(device, leaves, 8)
    # A leaf that still parses, with its index, but is not the one the head's root covers:
    # the request itself is signed by the device, so only the root can tell.
    altered = list(leaves)
    altered[5] = audit_leaves(1, start=5, action="login")[0]
    reply = _send_head(device, head, 8, 0, altered)
    assert (reply.status, reply.error) == (409, "audit_inconsistent")
    alerts = hq_server.admin("alerts")
    assert alerts.returncode == 1 and "does not sign the root of the 8 audit leaves" \
        in alerts.stdout
    rows, audit_head = hq_rows(hq_server, device.id)
    assert audit_head is None  # nothing countersigned
    # The right leaves replace the staged ones: the same head is then countersigned.
    reply = _send_head(device, head, 8, 0, leaves)
    assert reply.status == 200, reply.body
    rows, audit_head = hq_rows(hq_server, device.id)
    assert audit_head is not None and audit_head["tree_size"] == 8
    assert [bytes.fromhex(r["leaf_hash"]) for r in rows] == [leaf_hash(x) for x in leaves]


def test_a_head_signed_over_another_root_is_refused_with_an_alert(
        hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    leaves = audit_leaves(6)
    other = audit_leaves(6, action="rewritten")
    reply = _send_head(device, _head(device, other, 6), 6, 0, leaves)
    assert (reply.status, reply.error) == (409, "audit_inconsistent")
    alerts = hq_server.admin("alerts")
    assert alerts.returncode == 1 and f"device {device.id}" in alerts.stdout
    assert hq_rows(hq_server, device.id)[1] is None


def test_leaves_that_are_not_audit_leaves_or_out_of_place_are_refused(
        hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    leaves = audit_leaves(5)
    assert device.send_leaves(0, leaves[:2]).json() == {"v": 1, "leaves": 2}
    for start, batch, words in (
            (2, [b'{"not":"a leaf"}'], "is not an audit leaf"),
            (2, [leaves[2] + b" "], "is not an audit leaf"),  # not canonical: not what was hashed
            (2, [leaves[3]], "holds index 3"),  # a leaf out of its place
            (3, [leaves[3]], "send from 0 to 2")):  # a gap after what HQ holds
        reply = device.send_leaves(start, batch)
        assert (reply.status, reply.error) == (422, "refused"), reply.body
        assert words in reply.json()["message"]
    # Without the leaves up to its size, a head is refused, not countersigned.
    head = _head(device, leaves, 5)
    reply = _send_head(device, head, 5, 2, [])
    assert (reply.status, reply.error) == (422, "refused")
    assert "must come before or with the head" in reply.json()["message"]
    assert hq_server.admin("alerts").returncode == 0  # a malformed request is no alarm
    # A head of the same size sent again with its leaves is countersigned.
    reply = _send_head(device, head, 5, 2, leaves[2:])
    assert reply.status == 200, reply.body
    # A record that is not a tree head carries no leaves.
    data = b"pen capture"
    reply = device.send(device.entry(RecordKind.SIGNATURE_CAPTURE, "st/p/1", data), data,
                        None, (5, []))
    assert (reply.status, reply.error) == (400, "bad_request")


def test_a_head_whose_sending_failed_while_a_later_one_went_through_is_countersigned(
        hq_server: RunningHQ) -> None:
    # Head 6 failed on the way (a cut connection), head 9 reached HQ; head 6 is sent again
    # next round with the proof that it is a prefix of 9: countersigned, no alarm, and the
    # device's countersigned head stays at 9.
    device = enrolled(hq_server)
    leaves = audit_leaves(9)
    hashes = [leaf_hash(x) for x in leaves]
    assert _send_head(device, _head(device, leaves, 9), 9, 0, leaves).status == 200
    late = _head(device, leaves, 6)
    proof = consistency_proof(hashes, 6)
    reply = device.send(device.entry(RecordKind.TREE_HEAD, "6", late), late,
                        {"from_size": 9, "proof": [p.hex() for p in proof]}, (9, []))
    assert reply.status == 200, reply.body
    assert hq_server.admin("alerts").returncode == 0
    assert hq_rows(hq_server, device.id)[1]["tree_size"] == 9  # type: ignore[index]
    # A head of 7 over another history has no such proof: refused, with the alarm.
    other = _head(device, audit_leaves(7, action="rewritten"), 7)
    proof = consistency_proof(hashes, 7)
    reply = device.send(device.entry(RecordKind.TREE_HEAD, "7", other), other,
                        {"from_size": 9, "proof": [p.hex() for p in proof]}, (9, []))
    assert (reply.status, reply.error) == (409, "audit_inconsistent")
    alerts = hq_server.admin("alerts")
    assert alerts.returncode == 1 and "tree head of 7 entries" in alerts.stdout
    assert hq_rows(hq_server, device.id)[1]["tree_size"] == 9  # type: ignore[index]
