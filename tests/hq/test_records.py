"""A real HQ process: records are received once, verifiably, and kept across a SIGKILL.

The same record twice gets the same receipt; other content under the same id is refused,
quarantined and raised as an alert; a gap in a device's sequence shows in ``gaps``; a tree
head is countersigned only when it extends the last one by a consistency proof; every receipt
sits in HQ's receipt log, whose heads are linked by consistency proofs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import time
from pathlib import Path

import pytest

from sync.protocol.canonical import canonical_json
from sync.protocol.loghead import LogHead
from sync.protocol.merkle import consistency_proof, leaf_hash, root_hash, verify_consistency
from sync.protocol.records import RecordKind
from sync.protocol.signing import Signed
from sync.protocol.treehead import TreeHead, sign_tree_head
from tests.hq.client import Device, Reply, audit_leaves, enrolled
from tests.support.hq_server import RunningHQ

CAPTURE = RecordKind.SIGNATURE_CAPTURE


def _manifest_item(device: Device, entry_kind: RecordKind, entity: str, data: bytes,
                   op_id: str = "op") -> dict[str, object]:
    return {"op_id": op_id, "device_seq": 1, "kind": entry_kind.value, "entity_id": entity,
            "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def test_the_same_record_twice_gets_the_same_receipt(hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    data = b"pen capture of page 1"
    entry = device.entry(CAPTURE, "st-1/p/1", data)
    first = device.send(entry, data)
    assert first.status == 200, first.body
    receipt = first.receipt()
    assert device.pinned is not None and receipt.verify(device.pinned)
    assert (receipt.body.record_id, receipt.body.sha256, receipt.body.size) == (
        "st-1/p/1", entry.body.sha256, len(data))
    again = device.send(entry, data)
    assert again.status == 200 and again.body == first.body
    # The manifest answers with the receipt too: a lost answer costs nothing.
    answer = device.post_json("/v1/sync/manifest", {"v": 1, "entries": [
        _manifest_item(device, CAPTURE, "st-1/p/1", data),
        _manifest_item(device, CAPTURE, "st-1/p/2", b"other", "op-2")]}).json()
    assert answer["receipts"] == [receipt.to_json()]
    assert answer["missing"] == ["op-2"] and answer["conflicts"] == []
    log = Signed.from_json(answer["log"], LogHead)
    assert log.verify(device.pinned) and log.body.size == 1


def test_other_content_under_a_held_id_is_quarantined(hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    assert device.send(device.entry(CAPTURE, "st-1/p/1", b"first"), b"first").status == 200
    assert hq_server.admin("quarantine").returncode == 0
    changed = device.send(device.entry(CAPTURE, "st-1/p/1", b"changed"), b"changed")
    assert (changed.status, changed.error) == (409, "conflict")
    shown = hq_server.admin("quarantine")
    assert shown.returncode == 1 and "st-1/p/1" in shown.stdout
    alerts = hq_server.admin("alerts")
    assert alerts.returncode == 1 and "quarantined" in alerts.stdout
    answer = device.post_json("/v1/sync/manifest", {"v": 1, "entries": [
        _manifest_item(device, CAPTURE, "st-1/p/1", b"changed", "op-x")]}).json()
    assert answer["conflicts"] == ["op-x"]


def test_a_record_cut_mid_body_is_not_received(hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    data = b"capture" * 1000
    entry = device.entry(CAPTURE, "st-cut/p/1", data)
    body = canonical_json({"v": 1, "entry": entry.to_json(),
                           "payload_b64": base64.b64encode(data).decode()})
    headers = {**device.signed_headers("POST", "/v1/records", body),
               "Content-Length": str(len(body)), "Host": "127.0.0.1"}
    with socket.create_connection(("127.0.0.1", hq_server.port)) as sock:
        sock.sendall(b"POST /v1/records HTTP/1.1\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()).encode() + b"\r\n" + body[:500])
    time.sleep(0.2)
    assert "st-cut" not in hq_server.admin("records").stdout
    assert device.send(entry, data).status == 200  # sent again whole, it is received


def test_gaps_in_a_devices_sequence_are_visible(hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    for seq in (1, 2, 5):
        data = f"capture {seq}".encode()
        assert device.send(device.entry(CAPTURE, f"c{seq}", data, seq), data).status == 200
    gaps = hq_server.admin("gaps")
    assert gaps.returncode == 1
    assert f"device {device.id}: missing sequence numbers 3, 4" in gaps.stdout


def test_a_tree_head_is_countersigned_only_with_a_consistency_proof(
        hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    leaves = audit_leaves(12)

    def send_head(size: int, proof_from: int | None = None, proof: list[bytes] | None = None,
                  trail: list[bytes] = leaves, leaves_from: int = 0
                  ) -> tuple[int, str | None, Reply]:
        hashes = [leaf_hash(leaf) for leaf in trail[:size]]
        head = sign_tree_head(TreeHead(size, root_hash(hashes), 1_795_000_000_000,
                                       "store-1"), device.key).canonical_bytes()
        consistency = None if proof_from is None else {
            "from_size": proof_from, "proof": [p.hex() for p in (proof or [])]}
        reply = device.send(device.entry(RecordKind.TREE_HEAD, str(size), head), head,
                            consistency, (leaves_from, trail[leaves_from:size]))
        return reply.status, reply.error, reply

    status, _, first = send_head(5)  # the first head needs no proof
    assert status == 200
    assert device.pinned is not None and first.receipt().verify(device.pinned)
    assert send_head(9, leaves_from=5)[:2] == (409, "audit_inconsistent")
    # A rolled-back store: its log was rewritten after entry 3.
    rewritten = leaves[:3] + audit_leaves(9, start=3, action="rewritten")
    rewritten_hashes = [leaf_hash(leaf) for leaf in rewritten]
    assert send_head(9, 5, consistency_proof(rewritten_hashes[:9], 5), rewritten, 5)[:2] == (
        409, "audit_inconsistent")
    hashes = [leaf_hash(leaf) for leaf in leaves]
    assert send_head(9, 5, consistency_proof(hashes[:9], 5), leaves, 5)[0] == 200
    answer = device.post_json("/v1/sync/manifest", {"v": 1, "entries": []}).json()
    assert answer["audit"] == {"tree_size": 9, "root_hash": root_hash(hashes[:9]).hex(),
                               "leaves": 9}
    alerts = hq_server.admin("alerts")
    assert alerts.returncode == 1 and "rolled-back" in alerts.stdout


def test_the_receipt_log_only_grows(hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    assert device.pinned is not None
    heads, receipts = [], []
    for n in range(7):
        data = f"event {n}".encode()
        receipts.append(device.send(device.entry(CAPTURE, f"e{n}", data), data).receipt())
        heads.append(Signed.from_json(device.call("GET", "/v1/log/head").json(), LogHead))
    assert [r.body.log_index for r in receipts] == list(range(7))
    assert all(h.verify(device.pinned) for h in heads)
    leaves = [leaf_hash(r.body.canonical_bytes()) for r in receipts]
    assert heads[-1].body.root_hash == root_hash(leaves)
    for old, new in ((heads[2], heads[6]), (heads[0], heads[4]), (heads[3], heads[3])):
        reply = device.call("GET", f"/v1/log/consistency?from={old.body.size}"
                                   f"&to={new.body.size}")
        proof = [bytes.fromhex(p) for p in reply.json()["proof"]]
        assert verify_consistency(old.body.size, new.body.size, old.body.root_hash,
                                  new.body.root_hash, proof)
    beyond = device.call("GET", "/v1/log/consistency?from=1&to=99")
    assert (beyond.status, beyond.error) == (400, "bad_request")


def test_a_sigkill_after_a_receipt_loses_nothing(hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    data = b"statement page capture"
    entry = device.entry(CAPTURE, "st-9/p/1", data)
    receipt = device.send(entry, data)
    assert receipt.status == 200
    used = device.signed_headers("GET", "/v1/log/head", b"", nonce="used-before-the-kill")
    head_before = device.raw("GET", "/v1/log/head", headers=used).json()
    hq_server.restart()  # SIGKILL: no shutdown, no flush
    assert device.raw("GET", "/v1/log/head", headers=used).error == "replayed"
    assert device.send(entry, data).body == receipt.body
    head_after = device.call("GET", "/v1/log/head").json()
    assert (head_after["body"]["size"], head_after["body"]["root_hash"]) == (
        head_before["body"]["size"], head_before["body"]["root_hash"])
    assert device.pinned is not None
    assert Signed.from_json(head_after, LogHead).verify(device.pinned)  # the same key
    records = hq_server.admin("records").stdout
    assert "st-9/p/1" in records and entry.body.sha256 in records
    receipts = hq_server.admin("receipts").stdout
    assert json.loads(receipts.split("  ", 4)[-1]) == receipt.json()["receipt"]


# The folder's files; the bucket's objects are checked by test_blobstores.py.
@pytest.mark.embedded_only
def test_payloads_are_encrypted_at_rest(hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    data = "笔录内容：被询问人张三陈述的经过".encode() * 50
    entry = device.entry(CAPTURE, "st-plain/p/1", data)
    assert device.send(entry, data).status == 200
    assert_nothing_in_clear(hq_server.data_dir, data[:40], entry.body.sha256)


def assert_nothing_in_clear(data_dir: Path, plaintext: bytes, sha256: str) -> None:
    """No file of HQ (database included) holds ``plaintext``, and no blob file is named after
    its hash or holds it: the blob folder does not tell which content HQ holds."""
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    blob_files = [p for p in (data_dir / "blobs").rglob("*") if p.is_file()]
    assert blob_files
    for path in files:
        assert plaintext not in path.read_bytes(), path
    for path in blob_files:
        assert sha256 not in str(path) and sha256.encode() not in path.read_bytes()
