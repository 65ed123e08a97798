"""Enrolment with HQ by a one-time code (protocol §3): the device pins HQ's receipt key.

The officer types the code the HQ administrator printed, ``<code_id>-<secret>``. The secret
never crosses the wire: the request carries an HMAC of its body under it, and HQ's answer an
HMAC of its own body. The device pins the receipt key only from an answer whose HMAC holds, so
a man in the middle without the code can neither enrol the device nor get his key pinned.
The device proves it holds its key by signing `enrol_proof_bytes`.
"""

from __future__ import annotations

import json
import ssl
import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from sync.client.source import Enrolment
from sync.client.transport import CONNECT_TIMEOUT, READ_TIMEOUT, HqConnection, HqError
from sync.protocol.canonical import canonical_json
from sync.protocol.requests import (
    HEADER_ENROL_CODE,
    HEADER_ENROL_MAC,
    REQUEST_SIGNING_VERSION,
    enrol_mac,
    enrol_mac_matches,
    enrol_proof_bytes,
)
from sync.protocol.signing import key_id_for

__all__ = ["EnrolmentRefused", "enrol", "parse_code"]


class EnrolmentRefused(Exception):
    """The enrolment did not succeed; ``code`` names why (for the officer's words)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_code(code: str) -> tuple[str, str]:
    """(code_id, secret) of a typed code ``<code_id>-<secret>``; the id holds no hyphen."""
    code_id, sep, secret = code.strip().partition("-")
    if not sep or not code_id or not secret:
        raise EnrolmentRefused("bad_code_format",
                               "an enrolment code looks like <code id>-<secret>")
    return code_id, secret


def enrol(hq_url: str, code: str, device_key: Ed25519PrivateKey, name: str, *,
          connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT,
          ssl_context: ssl.SSLContext | None = None) -> Enrolment:
    """Enrol ``device_key`` with the HQ at ``hq_url``; what to keep (the pinned key) on success.

    Raises `EnrolmentRefused` when HQ said no (its error code) or its answer is not
    authenticated by the code; `NetworkError` when HQ could not be reached (try again: a
    repeated request with the same code and key gets the same answer); `InsecureUrl` (a
    ValueError) for plain http:// off loopback."""
    code_id, secret = parse_code(code)
    device_hex = device_key.public_key().public_bytes_raw().hex()
    nonce = str(uuid.uuid4())
    proof = device_key.sign(enrol_proof_bytes(code_id, device_hex, nonce)).hex()
    body = canonical_json({"v": REQUEST_SIGNING_VERSION, "device_key": device_hex,
                           "name": name, "nonce": nonce, "proof": proof})
    headers = {"Content-Type": "application/json", HEADER_ENROL_CODE: code_id,
               HEADER_ENROL_MAC: enrol_mac(secret, body)}
    with HqConnection(hq_url, hq_id="", device_key=None, connect_timeout=connect_timeout,
                      read_timeout=read_timeout, ssl_context=ssl_context) as conn:
        try:
            answer = conn.request("POST", "/v1/enrol", body, headers=headers, signed=False)
        except HqError as err:
            raise EnrolmentRefused(err.code, err.message or str(err)) from None
    mac = answer.header(HEADER_ENROL_MAC) or ""
    if not enrol_mac_matches(secret, answer.body, mac):
        raise EnrolmentRefused(
            "unauthenticated_answer",
            "HQ's answer is not authenticated by the enrolment code: another server may be "
            "answering in HQ's place; nothing was pinned")
    return _pinned(hq_url, answer.body, key_id_for(device_key.public_key()))


def _pinned(hq_url: str, body: bytes, device_id: str) -> Enrolment:
    try:
        value = json.loads(body)
        if not isinstance(value, dict) or value.get("v") != REQUEST_SIGNING_VERSION:
            raise ValueError("not a version 1 enrolment answer")
        hq_id, device, key_hex = value["hq"], value["device"], value["receipt_key"]
        if not (isinstance(hq_id, str) and hq_id and isinstance(device, str)
                and isinstance(key_hex, str)):
            raise ValueError("hq, device and receipt_key must be strings")
        receipt_key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_hex))
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        raise EnrolmentRefused("bad_answer", f"HQ's enrolment answer is malformed: {exc}"
                               ) from None
    if device != device_id:
        raise EnrolmentRefused("bad_answer", f"HQ enrolled device {device}, not {device_id}")
    return Enrolment(hq_url=hq_url, hq_id=hq_id, device_id=device_id, receipt_key=receipt_key)
