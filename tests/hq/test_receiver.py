"""The reference HQ's receiving core (hq.receiver): it accepts what a real store announces,
answers with receipts that verify against HQ's pinned key, answers a retry with the same
receipt, and refuses forged, altered, conflicting and unknown-version records."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.store import audit, outbox
from hq.audittrail import LeafBatch
from hq.blobs import FilesystemBlobStore
from hq.db import _MIGRATIONS, open_database
from hq.receiver import AuditInconsistent, Conflict, Consistency, Receiver, Refused
from sync.protocol.canonical import canonical_json
from sync.protocol.merkle import consistency_proof, leaf_hash, root_hash
from sync.protocol.receipt import Receipt
from sync.protocol.records import OutboxEntry, RecordKind
from sync.protocol.signing import Signed, key_id_for, sign
from sync.protocol.treehead import TreeHead, sign_tree_head
from tests.conftest import World
from tests.hq.client import audit_leaves
from tests.store.test_outbox import everything, payload
from tests.sync.test_formats import certificate, statement

DEVICE = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
HQ_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(2, 34)))


def receiver(folder: Path) -> Receiver:
    """A receiver on a real HQ database and encrypted blob store in ``folder``."""
    ids = itertools.count(1)
    blobs = FilesystemBlobStore(folder, bytes(32))
    return Receiver(open_database(folder / "hq.db"), "hq-test", HQ_KEY, blobs,
                    clock_ms=lambda: 1_795_000_000_000, new_id=lambda: f"receipt-{next(ids)}")


def announce(kind: RecordKind, entity: str, data: bytes, seq: int,
             key: Ed25519PrivateKey = DEVICE) -> Signed[OutboxEntry]:
    return sign(OutboxEntry(op_id=f"op-{seq}", device=key_id_for(key.public_key()),
                            device_seq=seq, kind=kind, entity_id=entity,
                            sha256=hashlib.sha256(data).hexdigest(), size=len(data)), key)


def test_everything_a_real_store_announces_is_received_once(world: World,
                                                             tmp_path: Path) -> None:
    media = everything(world, tmp_path)
    conn = world.store.conn
    device_key = audit.device_private_key(conn)
    hq = receiver(tmp_path / "hq")
    device = hq.enrol(device_key.public_key())
    receipts = []
    for row in outbox.all_entries(conn):
        data = payload(conn, world.store.store_id, row, media)
        submitted = sign(row.entry(device), device_key)
        wire = canonical_json(submitted.to_json())  # what crosses the network
        leaves = None
        if row.kind is RecordKind.TREE_HEAD:  # with the audit leaves since the last head
            start = hq.trails.verified(device).size
            leaves = LeafBatch(start, tuple(r.leaf_data() for r in audit.records(
                conn, start, int(row.entity_id))))
        got = hq.accept(Signed.from_json(json.loads(wire), OutboxEntry), data, leaves=leaves)
        # The device checks the receipt against the key it pinned, and what it names.
        back = Signed.from_json(json.loads(canonical_json(got.to_json())), Receipt)
        assert back.verify(hq.public_key)
        assert (back.body.record_id, back.body.device_seq, back.body.sha256, back.body.kind) \
            == (row.entity_id, row.device_seq, row.sha256, row.kind)
        assert hq.accept(submitted, data) == got  # a retry after a lost answer: same receipt
        receipts.append(back.body)
    assert [r.log_index for r in receipts] == list(range(len(receipts)))
    assert hq.missing(device) == []
    size, root = hq.log_root()
    assert (size, root) == (len(receipts), root_hash([leaf_hash(r.canonical_bytes())
                                                      for r in receipts]))
    # HQ holds the store's audit leaves up to its last head, byte for byte.
    countersigned = hq.audit_head(device)
    assert countersigned is not None
    assert hq.trails.leaves(device, 0, countersigned[0]) == [
        r.leaf_data() for r in audit.records(conn, 0, countersigned[0])]


def test_the_same_record_with_other_content_is_a_conflict_and_kept(tmp_path: Path) -> None:
    hq = receiver(tmp_path)
    hq.enrol(DEVICE.public_key())
    first = statement()
    hq.accept(announce(RecordKind.STATEMENT, first.id, first.canonical_bytes(), 1),
              first.canonical_bytes())
    changed = dataclasses.replace(first, place="别处")
    with pytest.raises(Conflict, match="already received with other content"):
        hq.accept(announce(RecordKind.STATEMENT, first.id, changed.canonical_bytes(), 2),
                  changed.canonical_bytes())
    assert [r["reason"] for r in hq.db.all("SELECT reason FROM quarantine")] == [
        "same record, different content"]
    other = b"another record"
    with pytest.raises(Conflict, match="sequence number 1"):
        hq.accept(announce(RecordKind.STATEMENT_PDF, "st-2", other, 1), other)


def test_forged_altered_and_unknown_submissions_are_refused(tmp_path: Path) -> None:
    hq = receiver(tmp_path)
    data = b"%PDF synthetic"
    with pytest.raises(Refused, match="not enrolled"):
        hq.accept(announce(RecordKind.STATEMENT_PDF, "st-1", data, 1), data)
    hq.enrol(DEVICE.public_key())
    stranger = Ed25519PrivateKey.from_private_bytes(bytes(range(3, 35)))
    forged = announce(RecordKind.STATEMENT_PDF, "st-1", data, 1, stranger)
    with pytest.raises(Refused, match="not enrolled"):
        hq.accept(forged, data)
    resigned = Signed(dataclasses.replace(forged.body, device=key_id_for(DEVICE.public_key())),
                      forged.signature)
    with pytest.raises(Refused, match="not signed by device"):
        hq.accept(resigned, data)
    with pytest.raises(Refused, match="do not match the announced SHA-256"):
        hq.accept(announce(RecordKind.STATEMENT_PDF, "st-1", data, 1), data + b"x")
    assert hq.log_root()[0] == 0  # nothing refused took a receipt


def test_a_certificate_must_verify_with_the_device_key(tmp_path: Path) -> None:
    hq = receiver(tmp_path)
    hq.enrol(DEVICE.public_key())
    good = sign(certificate(), DEVICE)
    # A changed certificate under the old signature.
    forged = Signed(dataclasses.replace(good.body, officer="someone-else"), good.signature)
    data = canonical_json(forged.to_json())
    with pytest.raises(Refused, match="ingest certificate does not verify"):
        hq.accept(announce(RecordKind.DOCKING, "docking-1", data, 1), data)
    data = canonical_json(good.to_json())
    assert hq.accept(announce(RecordKind.DOCKING, "docking-1", data, 1), data).verify(
        hq.public_key)


def test_an_unknown_version_is_refused_in_words(tmp_path: Path) -> None:
    hq = receiver(tmp_path)
    hq.enrol(DEVICE.public_key())
    data = canonical_json(statement().to_json() | {"v": 3})
    with pytest.raises(Refused, match="statement content: version 3 is not supported"):
        hq.accept(announce(RecordKind.STATEMENT, statement().id, data, 1), data)


def test_gaps_in_the_sequence_are_visible(tmp_path: Path) -> None:
    hq = receiver(tmp_path)
    device = hq.enrol(DEVICE.public_key())
    for seq in (1, 2, 5):
        data = f"capture {seq}".encode()
        hq.accept(announce(RecordKind.SIGNATURE_CAPTURE, f"st/p/{seq}", data, seq), data)
    assert hq.missing(device) == [3, 4]


def test_a_tree_head_is_countersigned_only_if_it_extends_the_last_one(tmp_path: Path) -> None:
    hq = receiver(tmp_path)
    device = hq.enrol(DEVICE.public_key())
    leaves = audit_leaves(10)
    hashes = [leaf_hash(leaf) for leaf in leaves]

    def head(size: int, seq: int, consistency: Consistency | None = None) -> Receipt:
        signed = sign_tree_head(TreeHead(size, root_hash(hashes[:size]), 1_795_000_000_000,
                                         "store-1"), DEVICE)
        data = signed.canonical_bytes()
        start = min(size, hq.trails.verified(device).size)
        return hq.accept(announce(RecordKind.TREE_HEAD, str(size), data, seq), data,
                         consistency, LeafBatch(start, tuple(leaves[start:size]))).body

    head(4, 1)  # the first head needs no proof
    with pytest.raises(AuditInconsistent, match="rolled-back"):
        head(7, 2)  # no proof
    with pytest.raises(AuditInconsistent):
        head(7, 2, Consistency(4, (bytes(32),)))
    with pytest.raises(AuditInconsistent):  # a rolled-back store: smaller than the last head
        head(3, 2, Consistency(4, ()))
    countersigned = head(7, 2, Consistency(4, tuple(consistency_proof(hashes[:7], 4))))
    assert countersigned.record_id == "7"
    assert hq.audit_head(device) == (7, root_hash(hashes[:7]))
    kinds = [r["kind"] for r in hq.db.all("SELECT kind FROM alerts")]
    assert kinds == ["audit_inconsistent"] * 2  # one per inconsistent head, however often sent


def test_a_head_countersigned_before_hq_kept_leaves_is_followed_by_the_whole_trail(
        tmp_path: Path) -> None:
    # An HQ database of schema 1 that countersigned a head of 4 before leaves were kept.
    leaves = audit_leaves(9)
    hashes = [leaf_hash(leaf) for leaf in leaves]
    old = sqlite3.connect(tmp_path / "hq.db")
    old.executescript(_MIGRATIONS[0])
    old.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    old.execute("INSERT INTO schema_version (version) VALUES (1)")
    old.execute("INSERT INTO audit_heads (device, tree_size, root_hash, receipt_id, "
                "countersigned_ms) VALUES (?, 4, ?, 'r-1', 1)",
                (key_id_for(DEVICE.public_key()), root_hash(hashes[:4]).hex()))
    old.commit()
    old.close()
    hq = receiver(tmp_path)
    device = hq.enrol(DEVICE.public_key())
    assert hq.audit_head(device) == (4, root_hash(hashes[:4]))
    assert hq.trails.verified(device).size == 0  # the manifest says: send from 0
    signed = sign_tree_head(TreeHead(9, root_hash(hashes), 1_795_000_000_000, "store-1"),
                            DEVICE)
    data = signed.canonical_bytes()
    proof = Consistency(4, tuple(consistency_proof(hashes, 4)))
    with pytest.raises(Refused, match="send from 0 to 0"):  # from 4: HQ lacks 0 to 3
        hq.accept(announce(RecordKind.TREE_HEAD, "9", data, 2), data, proof,
                  LeafBatch(4, tuple(leaves[4:])))
    hq.accept(announce(RecordKind.TREE_HEAD, "9", data, 2), data, proof,
              LeafBatch(0, tuple(leaves)))
    assert hq.trails.verified(device).size == 9
    assert hq.trails.leaves(device, 0, 9) == leaves
