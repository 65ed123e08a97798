"""Enrolment with one-time codes (docs/protocols/sync.md §3), and ``GET /v1/hq``.

The administrator issues a code: an id and a secret, printed as ``<code_id>-<secret>``,
valid 24 hours, usable once. The device's request and HQ's answer each carry an HMAC under
the secret, and the device signs a proof of possession with its key, so a man in the middle
without the code can neither enrol nor have his key pinned. An unknown, used or expired code
and a wrong MAC get the same answer (401 ``bad_code``): nothing tells a guesser which it
was. A lost answer costs nothing: the same code with the same device key gets the same
answer, byte for byte.

When HQ holds the unit CA (`hq.unit_ca`) and the request carries a ``csr`` for the device's
new signing key, the answer also carries the device ``certificate`` and its ``chain`` up to
and including the root (`hq.device_certs`, decision 26), under the same MAC.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from starlette.requests import Request
from starlette.responses import Response

from hq import device_certs
from hq.db import Connection
from hq.errors import HQError, read_body
from hq.state import HQState, now_ms
from hq.unit_ca import UnitCa, load_ca
from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.requests import (
    HEADER_ENROL_CODE,
    HEADER_ENROL_MAC,
    enrol_mac,
    enrol_mac_matches,
    enrol_proof_bytes,
)
from sync.protocol.signing import key_id_for

__all__ = ["CODE_VALID_MS", "hq_info", "issue_code", "post_enrol"]

CODE_VALID_MS = 24 * 3600 * 1000
_MAX_BODY = 64 * 1024


def _bad_code() -> HQError:
    return HQError(401, "bad_code", "the enrolment code is unknown, used, expired, or its MAC "
                   "does not hold")


def issue_code(conn: Connection, now: int) -> str:
    """A new one-time code, as the administrator hands it over: ``<code_id>-<secret>``."""
    code_id = secrets.token_hex(5)
    secret = base64.b32encode(secrets.token_bytes(15)).decode("ascii").lower()
    conn.execute("INSERT INTO enrol_codes (code_id, secret, created_ms, expires_ms) "
                 "VALUES (?, ?, ?, ?)", (code_id, secret, now, now + CODE_VALID_MS))
    return f"{code_id}-{secret}"


def _unit_ca(state: HQState) -> UnitCa | None:
    """The unit CA HQ holds; a damaged one is the operator's to mend, not the device's: an
    alert, and 503 so the device tries again later with the same, unspent code."""
    try:
        return load_ca(state.config.data_dir)
    except ValueError as exc:
        state.receiver.alert("unit_ca_damaged", None, f"enrolment could not issue a device "
                             f"certificate: {exc}", "unit_ca_damaged")
        raise HQError(503, "unavailable", "HQ cannot issue certificates now; its operator "
                      "is alerted", {"Retry-After": "300"}) from None


def hq_info(state: HQState) -> dict[str, object]:
    """What ``GET /v1/hq`` tells anyone (information only: never pinned from here)."""
    key = state.receiver.public_key
    return {"v": 1, "hq": state.hq_id, "receipt_key": key.public_bytes_raw().hex(),
            "key_id": key_id_for(key)}


def _text(request: dict[str, object], key: str) -> str:
    value = request[key]
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    return value


_FIELDS = {"v", "device_key", "name", "nonce", "proof"}


def _parse(body: bytes) -> tuple[str, Ed25519PublicKey, str, str, bytes, str | None]:
    try:
        request = parse_canonical(body)
        if not isinstance(request, dict) or set(request) - {"csr"} != _FIELDS or \
                request["v"] != 1:
            raise ValueError("an enrolment request has v, device_key, name, nonce and proof, "
                             "and may have csr")
        key_hex, name, nonce, proof = (_text(request, k) for k in ("device_key", "name",
                                                                   "nonce", "proof"))
        csr = _text(request, "csr") if "csr" in request else None
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_hex))
        if key.public_bytes_raw().hex() != key_hex:
            raise ValueError("device_key must be lowercase hex")
        return key_hex, key, name, nonce, bytes.fromhex(proof), csr
    except ValueError as exc:
        raise HQError(400, "bad_request", f"malformed enrolment request: {exc}") from None


async def post_enrol(state: HQState, request: Request) -> Response:
    code_id = request.headers.get(HEADER_ENROL_CODE, "")
    mac = request.headers.get(HEADER_ENROL_MAC, "")
    body = await read_body(request, _MAX_BODY)
    now = now_ms()
    row = state.db.one("SELECT * FROM enrol_codes WHERE code_id = ?", (code_id,))
    if row is None or row["expires_ms"] < now or not enrol_mac_matches(row["secret"], body, mac):
        raise _bad_code()
    key_hex, key, name, nonce, proof, csr_pem = _parse(body)
    if row["used_ms"] is not None and row["device_key"] != key_hex:
        raise _bad_code()
    try:
        key.verify(proof, enrol_proof_bytes(code_id, key_hex, nonce))
    except Exception:
        raise HQError(401, "bad_signature", "the proof of possession does not verify") from None
    csr = None if csr_pem is None else device_certs.check_csr(csr_pem)
    secret = str(row["secret"])
    if row["answer"] is not None:  # the same request again after a lost answer
        return _answer(secret, row["answer"].encode("utf-8"))
    device = key_id_for(key)
    revoked = state.db.one("SELECT revoked_ms FROM devices WHERE device = ?", (device,))
    if revoked is not None and revoked["revoked_ms"] is not None:
        raise HQError(403, "device_revoked", f"device {device} was revoked")
    fields: dict[str, object] = {
        "v": 1, "hq": state.hq_id, "device": device,
        "receipt_key": state.receiver.public_key.public_bytes_raw().hex(), "enrolled_ms": now}
    ca = None if csr is None else _unit_ca(state)
    certificate: x509.Certificate | None = None
    if ca is not None and csr is not None:
        certificate = device_certs.issue(ca, csr, device, dt.datetime.fromtimestamp(
            now / 1000, dt.UTC))
        fields["certificate"] = device_certs.pem(certificate)
        fields["chain"] = [device_certs.pem(ca.certificate)]
    answer = canonical_json(fields)
    with state.db.transaction() as conn:
        taken = conn.execute("UPDATE enrol_codes SET used_ms = ?, device_key = ?, answer = ? "
                             "WHERE code_id = ? AND used_ms IS NULL",
                             (now, key_hex, answer.decode("utf-8"), code_id)).rowcount
        if taken != 1:
            raise _bad_code()
        state.receiver.enrol_in(conn, key, name, code_id)
        if certificate is not None:
            device_certs.record(conn, certificate, device, code_id, now)
    return _answer(secret, answer)


def _answer(secret: str, body: bytes) -> Response:
    return Response(body, media_type="application/json",
                    headers={HEADER_ENROL_MAC: enrol_mac(secret, body)})
