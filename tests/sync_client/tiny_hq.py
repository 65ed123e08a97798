"""A tiny HQ on the standard library's http.server, for the client's state-machine tests.

It speaks protocol v1 (docs/protocols/sync.md) closely enough to drive every branch of the
client: signed requests checked with `request_signing_bytes`, enrolment with the code's HMAC
both ways, manifest, records, the tus subset with per-chunk SHA-256, receipts in a Merkle
log. It keeps everything in memory and has switches the real HQ has not: refuse the next
chunks with 460, expire an upload, answer enrolment as a man in the middle. The end-to-end
tests run against the real HQ (tests/sync_client/test_e2e_*.py); this one is for speed and
for faults a real server cannot be asked to make.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.loghead import LogHead
from sync.protocol.merkle import consistency_proof, leaf_hash, root_hash
from sync.protocol.receipt import Durability, Receipt
from sync.protocol.records import OutboxEntry
from sync.protocol.requests import (
    SignedRequest,
    enrol_mac,
    enrol_mac_matches,
    enrol_proof_bytes,
)
from sync.protocol.signing import Signed, key_id_for, sign


@dataclass
class Upload:
    entry: Signed[OutboxEntry]
    data: bytearray = field(default_factory=bytearray)
    receipt: Signed[Receipt] | None = None


class HqRefusal(Exception):
    def __init__(self, status: int, code: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(code)
        self.status, self.code, self.headers = status, code, headers or {}


@dataclass
class TinyHq:
    hq_id: str = "hq-tiny"
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    codes: dict[str, str] = field(default_factory=dict)  # code id -> secret
    devices: dict[str, Ed25519PublicKey] = field(default_factory=dict)
    held: dict[tuple[str, str, str], Signed[Receipt]] = field(default_factory=dict)
    log: list[bytes] = field(default_factory=list)  # receipts' canonical bytes
    uploads: dict[str, Upload] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> upload id
    audit: dict[str, int] = field(default_factory=dict)
    nonces: set[str] = field(default_factory=set)
    gone: set[str] = field(default_factory=set)  # expired uploads: 410
    refuse_chunks: int = 0  # answer the next PATCHes with 460
    stuck: bool = False  # answer every PATCH with 409 at the offset it already has
    garbled: set[str] = field(default_factory=set)  # paths answered with wrong JSON
    mitm: bool = False  # answer enrolment with another key and no valid MAC
    clock_offset_ms: int = 0
    requests: list[tuple[str, str]] = field(default_factory=list)
    patched_bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000 + self.clock_offset_ms

    def issue_code(self) -> str:
        code_id, secret = uuid.uuid4().hex[:12], "s3cr-et_" + uuid.uuid4().hex
        self.codes[code_id] = secret
        return f"{code_id}-{secret}"

    def log_head(self) -> Signed[LogHead]:
        root = root_hash([leaf_hash(r) for r in self.log])
        return sign(LogHead(self.hq_id, len(self.log), root, self.now_ms()), self.key)

    def receipt_for(self, signed: Signed[OutboxEntry]) -> Signed[Receipt]:
        entry = signed.body
        key = (entry.device, entry.kind.value, entry.entity_id)
        held = self.held.get(key)
        if held is not None:
            if held.body.sha256 != entry.sha256:
                raise HqRefusal(409, "conflict")
            return held
        receipt = sign(Receipt(
            receipt_id=str(uuid.uuid4()), hq=self.hq_id, device=entry.device,
            device_seq=entry.device_seq, op_id=entry.op_id, kind=entry.kind,
            record_id=entry.entity_id, sha256=entry.sha256, size=entry.size,
            hq_time_ms=self.now_ms(), durability=Durability.STORED, log_index=len(self.log)),
            self.key)
        self.log.append(receipt.body.canonical_bytes())
        self.held[key] = receipt
        return receipt


def _receipt_header(receipt: Signed[Receipt]) -> str:
    return base64.b64encode(canonical_json(receipt.to_json())).decode("ascii")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None
                ) -> None:
        self.send_response(status)
        self.send_header("SR-HQ-Time", str(self.server.hq.now_ms()))
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, value: object, headers: dict[str, str] | None = None) -> None:
        self._answer(status, canonical_json(value), {"Content-Type": "application/json",
                                                     **(headers or {})})

    def _handle(self) -> None:
        hq = self.server.hq
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        hq.requests.append((self.command, path))
        try:
            with hq.lock:
                if path == "/v1/enrol":
                    return self._enrol(body)
                device = self._check_signature(body)
                if path in hq.garbled:
                    return self._json(200, {"v": 1, "receipts": [{"not": "a receipt"}]})
                self._route(path, body, device)
        except HqRefusal as refusal:
            self._json(refusal.status, {"error": refusal.code, "message": refusal.code},
                       refusal.headers)

    do_GET = do_POST = do_PATCH = do_HEAD = do_DELETE = _handle

    def _check_signature(self, body: bytes) -> str:
        hq, h = self.server.hq, self.headers
        device = h.get("SR-Device") or ""
        key = hq.devices.get(device)
        if key is None:
            raise HqRefusal(401, "not_enrolled")
        if hashlib.sha256(body).hexdigest() != h.get("SR-Body-SHA256"):
            raise HqRefusal(400, "body_mismatch")
        request = SignedRequest(hq=hq.hq_id, device=device, method=self.command,
                                target=self.path, body_sha256=h["SR-Body-SHA256"],
                                nonce=h["SR-Nonce"], time_ms=int(h["SR-Time"]))
        try:
            key.verify(bytes.fromhex(h["SR-Signature"]), request.signing_bytes())
        except Exception:
            raise HqRefusal(401, "bad_signature") from None
        if request.nonce in hq.nonces:
            raise HqRefusal(409, "replayed")
        hq.nonces.add(request.nonce)
        return device

    def _enrol(self, body: bytes) -> None:
        hq = self.server.hq
        secret = hq.codes.get(self.headers.get("SR-Enrol-Code") or "")
        if secret is None or not enrol_mac_matches(secret, body,
                                                   self.headers.get("SR-Enrol-MAC") or ""):
            raise HqRefusal(401, "bad_code")
        request = json.loads(body)
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(request["device_key"]))
        key.verify(bytes.fromhex(request["proof"]), enrol_proof_bytes(
            self.headers["SR-Enrol-Code"], request["device_key"], request["nonce"]))
        device = key_id_for(key)
        hq.devices[device] = key
        receipt_key = Ed25519PrivateKey.generate().public_key() if hq.mitm else hq.key.public_key()
        answer = canonical_json({"v": 1, "hq": hq.hq_id, "device": device,
                                 "receipt_key": receipt_key.public_bytes_raw().hex(),
                                 "enrolled_ms": hq.now_ms()})
        mac = enrol_mac("not the secret" if hq.mitm else secret, answer)
        self._answer(200, answer, {"Content-Type": "application/json", "SR-Enrol-MAC": mac})

    def _route(self, path: str, body: bytes, device: str) -> None:
        hq = self.server.hq
        if path == "/v1/sync/manifest":
            entries = json.loads(body)["entries"]
            receipts = [r.to_json() for e in entries
                        if (r := hq.held.get((device, e["kind"], e["entity_id"])))
                        and r.body.sha256 == e["sha256"]]
            conflicts = [e["op_id"] for e in entries
                         if (r := hq.held.get((device, e["kind"], e["entity_id"])))
                         and r.body.sha256 != e["sha256"]]
            size = hq.audit.get(device)
            self._json(200, {"v": 1, "receipts": receipts, "missing": [], "conflicts": conflicts,
                             "audit": None if size is None else {"tree_size": size,
                                                                 "root_hash": "00" * 32},
                             "log": hq.log_head().to_json()})
        elif path == "/v1/records":
            value = json.loads(body)
            signed = Signed.from_json(value["entry"], OutboxEntry)
            if signed.body.kind.value == "tree_head":
                hq.audit[device] = int(signed.body.entity_id)
            self._json(200, {"receipt": hq.receipt_for(signed).to_json()})
        elif path == "/v1/log/head":
            self._json(200, hq.log_head().to_json())
        elif path == "/v1/log/consistency":
            query = parse_qs(urlsplit(self.path).query)
            old, new = int(query["from"][0]), int(query["to"][0])
            leaves = [leaf_hash(r) for r in hq.log[:new]]
            self._json(200, {"proof": [p.hex() for p in consistency_proof(leaves, old)]})
        elif path == "/v1/uploads" and self.command == "POST":
            self._create(device)
        elif path.startswith("/v1/uploads/"):
            self._upload(path.rsplit("/", 1)[1], body)
        else:
            raise HqRefusal(404, "not_found")

    def _create(self, device: str) -> None:
        hq = self.server.hq
        raw = base64.b64decode(self.headers["Upload-Metadata"].split(" ", 1)[1])
        signed = Signed.from_json(parse_canonical(raw), OutboxEntry)
        entry = signed.body
        held = hq.held.get((device, entry.kind.value, entry.entity_id))
        key = self.headers["Idempotency-Key"]
        upload_id = hq.by_key.get(key)
        if upload_id is None or upload_id not in hq.uploads:
            upload_id = uuid.uuid4().hex
            hq.by_key[key] = upload_id
            hq.uploads[upload_id] = Upload(signed)
        headers = {"Location": f"/v1/uploads/{upload_id}", "Tus-Resumable": "1.0.0"}
        if held is not None and held.body.sha256 == entry.sha256:
            hq.uploads[upload_id].receipt = held
            headers.update({"Upload-Offset": str(entry.size), "SR-Receipt": _receipt_header(held)})
        self._answer(201, b"", headers)

    def _upload(self, upload_id: str, body: bytes) -> None:
        hq = self.server.hq
        if upload_id in hq.gone:
            raise HqRefusal(410, "upload_expired")
        upload = hq.uploads.get(upload_id)
        if upload is None:
            raise HqRefusal(404, "unknown_upload")
        headers = {"Upload-Offset": str(len(upload.data)),
                   "Upload-Length": str(upload.entry.body.size)}
        if self.command == "DELETE":
            del hq.uploads[upload_id]
            return self._answer(204)
        if self.command == "PATCH":
            hq.patched_bytes += len(body)
            if hq.stuck or int(self.headers["Upload-Offset"]) != len(upload.data):
                raise HqRefusal(409, "offset_mismatch", headers)
            _algorithm, digest = self.headers["Upload-Checksum"].split(" ")
            if hq.refuse_chunks or base64.b64decode(digest) != hashlib.sha256(body).digest():
                hq.refuse_chunks = max(0, hq.refuse_chunks - 1)
                raise HqRefusal(460, "checksum_mismatch")
            upload.data += body
            headers["Upload-Offset"] = str(len(upload.data))
            if len(upload.data) == upload.entry.body.size:
                if hashlib.sha256(upload.data).hexdigest() != upload.entry.body.sha256:
                    del hq.uploads[upload_id]
                    raise HqRefusal(422, "hash_mismatch")
                upload.receipt = hq.receipt_for(upload.entry)
        if upload.receipt is not None:
            headers["SR-Receipt"] = _receipt_header(upload.receipt)
        self._answer(204 if self.command == "PATCH" else 200, b"", headers)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    hq: TinyHq


class TinyHqServer:
    """The tiny HQ on a loopback port (a context manager)."""

    def __init__(self, hq: TinyHq | None = None) -> None:
        self.hq = hq or TinyHq()
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.hq = self.hq
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def expire(self, upload_id: str) -> None:
        """The upload's 14 days are over: 410 from now on, and its bytes are gone."""
        self.hq.uploads.pop(upload_id, None)
        self.hq.gone.add(upload_id)

    def __enter__(self) -> TinyHqServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
