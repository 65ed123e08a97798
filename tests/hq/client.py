"""A minimal device for the HQ tests: enrols, signs requests, speaks the tus subset, with
the standard library's http.client only (as the desktop does, decision 25).

It is deliberately not the desktop's sync engine: the tests drive HQ's wire protocol
(docs/protocols/sync.md) directly, including requests a correct client never sends.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.client
import json
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from sync.protocol.auditleaf import AuditLeaf
from sync.protocol.canonical import canonical_json
from sync.protocol.receipt import Receipt
from sync.protocol.records import OutboxEntry, RecordKind
from sync.protocol.requests import (
    SignedRequest,
    enrol_mac,
    enrol_mac_matches,
    enrol_proof_bytes,
)
from sync.protocol.signing import Signed, key_id_for, sign
from tests.support.hq_server import RunningHQ

CHUNK = 8 * 1024 * 1024


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error(self) -> str | None:
        return self.json().get("error") if self.body.startswith(b"{") else None

    def receipt(self) -> Signed[Receipt]:
        """The receipt in ``SR-Receipt`` (tus) or in the JSON body (records)."""
        if "sr-receipt" in self.headers:
            return Signed.from_json(json.loads(base64.b64decode(self.headers["sr-receipt"])),
                                    Receipt)
        return Signed.from_json(self.json()["receipt"], Receipt)


@dataclass
class Device:
    hq: RunningHQ
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    pinned: Ed25519PublicKey | None = None
    seq: int = 0

    @property
    def id(self) -> str:
        return key_id_for(self.key.public_key())

    @functools.cached_property
    def hq_id(self) -> str:
        return str(self.hq.info()["hq"])

    def raw(self, method: str, target: str, body: bytes = b"",
            headers: dict[str, str] | None = None) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.hq.port, timeout=60)
        try:
            connection.request(method, target, body=body, headers=headers or {})
            response = connection.getresponse()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()},
                         response.read())
        finally:
            connection.close()

    def signed_headers(self, method: str, target: str, body: bytes, *,
                       nonce: str | None = None, time_ms: int | None = None,
                       key: Ed25519PrivateKey | None = None) -> dict[str, str]:
        nonce = nonce or str(uuid.uuid4())
        time_ms = time.time_ns() // 1_000_000 if time_ms is None else time_ms
        body_sha = hashlib.sha256(body).hexdigest()
        signed = SignedRequest(hq=self.hq_id, device=self.id, method=method, target=target,
                               body_sha256=body_sha, nonce=nonce, time_ms=time_ms)
        signature = (key or self.key).sign(signed.signing_bytes())
        return {"SR-Device": self.id, "SR-Nonce": nonce, "SR-Time": str(time_ms),
                "SR-Body-SHA256": body_sha, "SR-Signature": signature.hex()}

    def call(self, method: str, target: str, body: bytes = b"",
             headers: dict[str, str] | None = None, **signing: Any) -> Reply:
        return self.raw(method, target, body,
                        {**self.signed_headers(method, target, body, **signing),
                         **(headers or {})})

    def post_json(self, target: str, value: object) -> Reply:
        return self.call("POST", target, canonical_json(value),
                         {"Content-Type": "application/json"})

    def enrol(self, code: str, *, name: str = "desk-1", mac_secret: str | None = None,
              proof_key: Ed25519PrivateKey | None = None) -> Reply:
        code_id, _, secret = code.partition("-")
        key_hex = self.key.public_key().public_bytes_raw().hex()
        nonce = str(uuid.uuid4())
        proof = (proof_key or self.key).sign(enrol_proof_bytes(code_id, key_hex, nonce))
        body = canonical_json({"v": 1, "device_key": key_hex, "name": name, "nonce": nonce,
                               "proof": proof.hex()})
        reply = self.raw("POST", "/v1/enrol", body, {
            "SR-Enrol-Code": code_id, "SR-Enrol-MAC": enrol_mac(mac_secret or secret, body),
            "Content-Type": "application/json"})
        if reply.status == 200 and enrol_mac_matches(secret, reply.body,
                                                     reply.headers["sr-enrol-mac"]):
            self.pinned = Ed25519PublicKey.from_public_bytes(
                bytes.fromhex(reply.json()["receipt_key"]))
        return reply

    def entry(self, kind: RecordKind, entity: str, data: bytes,
              seq: int | None = None) -> Signed[OutboxEntry]:
        if seq is None:
            self.seq += 1
            seq = self.seq
        return sign(OutboxEntry(op_id=str(uuid.uuid4()), device=self.id, device_seq=seq,
                                kind=kind, entity_id=entity,
                                sha256=hashlib.sha256(data).hexdigest(), size=len(data)),
                    self.key)

    def send(self, entry: Signed[OutboxEntry], data: bytes,
             consistency: dict[str, Any] | None = None,
             leaves: tuple[int, list[bytes]] | None = None) -> Reply:
        """``POST /v1/records``; a tree head's ``leaves`` are (the first's index, their bytes)."""
        body: dict[str, Any] = {"v": 1, "entry": entry.to_json(),
                                "payload_b64": base64.b64encode(data).decode()}
        if consistency is not None:
            body["consistency"] = consistency
        if leaves is not None:
            body["leaves_from"] = leaves[0]
            body["leaves"] = [base64.b64encode(leaf).decode() for leaf in leaves[1]]
        return self.post_json("/v1/records", body)

    def send_leaves(self, start: int, leaves: list[bytes]) -> Reply:
        """``POST /v1/audit/leaves``: leaves ahead of their tree head."""
        return self.post_json("/v1/audit/leaves", {"v": 1, "from": start, "leaves": [
            base64.b64encode(leaf).decode() for leaf in leaves]})

    # The tus subset.

    def create_upload(self, entry: Signed[OutboxEntry], length: int | None = None) -> Reply:
        metadata = base64.b64encode(canonical_json(entry.to_json())).decode()
        return self.call("POST", "/v1/uploads", headers={
            "Tus-Resumable": "1.0.0", "Upload-Length": str(entry.body.size if length is None
                                                           else length),
            "Idempotency-Key": entry.body.op_id, "Upload-Metadata": f"entry {metadata}"})

    def patch(self, location: str, offset: int, chunk: bytes, *, algorithm: str = "sha256",
              checksum_of: bytes | None = None) -> Reply:
        digest = hashlib.new(algorithm, chunk if checksum_of is None else checksum_of).digest()
        return self.call("PATCH", location, chunk, {
            "Tus-Resumable": "1.0.0", "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": str(offset),
            "Upload-Checksum": f"{algorithm} {base64.b64encode(digest).decode()}"})

    def head(self, location: str) -> Reply:
        return self.call("HEAD", location, headers={"Tus-Resumable": "1.0.0"})

    def upload(self, entry: Signed[OutboxEntry], data: bytes, chunk: int = CHUNK) -> Reply:
        """Create and send a whole upload; the last reply (with the receipt on success)."""
        created = self.create_upload(entry)
        assert created.status == 201, created.body
        location = created.headers["location"]
        offset = int(created.headers.get("upload-offset", 0))
        reply = created
        while offset < len(data):
            reply = self.patch(location, offset, data[offset:offset + chunk])
            if reply.status != 204:
                return reply
            offset = int(reply.headers["upload-offset"])
        return reply

    def partial_patch(self, location: str, offset: int, chunk: bytes, sent: int) -> socket.socket:
        """A PATCH announcing ``chunk`` whose first ``sent`` bytes only are sent: the socket
        stays open (a stalled client) until the caller closes it (a cut connection)."""
        headers = {**self.signed_headers("PATCH", location, chunk),
                   "Tus-Resumable": "1.0.0", "Content-Type": "application/offset+octet-stream",
                   "Upload-Offset": str(offset), "Content-Length": str(len(chunk)),
                   "Upload-Checksum": "sha256 " + base64.b64encode(
                       hashlib.sha256(chunk).digest()).decode(), "Host": "127.0.0.1"}
        head = f"PATCH {location} HTTP/1.1\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        sock = socket.create_connection(("127.0.0.1", self.hq.port))
        sock.sendall(head.encode("latin-1") + chunk[:sent])
        return sock


def audit_leaves(count: int, start: int = 0, action: str = "search.run") -> list[bytes]:
    """The canonical bytes of ``count`` audit leaves from index ``start``, as a store's log
    holds them."""
    return [AuditLeaf(idx=idx, id=str(uuid.uuid5(uuid.NAMESPACE_OID, f"{action}/{idx}")),
                      at="2026-12-07T03:00:00.000+08:00", actor="officer-1", action=action,
                      subject=None, outcome="ok", details={"hits": idx}).canonical_bytes()
            for idx in range(start, start + count)]


def enrolled(hq: RunningHQ) -> Device:
    device = Device(hq)
    reply = device.enrol(hq.enrol_code())
    assert reply.status == 200, reply.body
    return device
