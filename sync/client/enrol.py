"""Enrolment with HQ by a one-time code (protocol §3): the device pins HQ's receipt key.

The officer types the code the HQ administrator printed, ``<code_id>-<secret>``. The secret
never crosses the wire: the request carries an HMAC of its body under it, and HQ's answer an
HMAC of its own body. The device pins the receipt key only from an answer whose HMAC holds, so
a man in the middle without the code can neither enrol the device nor get his key pinned.
The device proves it holds its key by signing `enrol_proof_bytes`.

With a ``csr`` (PEM PKCS#10 for a new signing key, self-signed as CSRs are), an HQ that holds
the unit CA answers with the device certificate and its chain up to the root, under the same
MAC; they come back in `Enrolled.certificate` for the caller to check and keep (decision 26).
An HQ without a CA answers as before, and `Enrolled.certificate` is None.
"""

from __future__ import annotations

import json
import ssl
import uuid
from dataclasses import dataclass

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

__all__ = ["Enrolled", "EnrolmentRefused", "IssuedCertificate", "enrol", "parse_code"]


@dataclass(frozen=True)
class IssuedCertificate:
    """What HQ issued for the CSR: the certificate and the chain above it, root last (PEM).

    Authenticated only as HQ's answer is (the code's MAC): the caller checks that it fits
    its key and chains to the root before keeping anything."""

    certificate: bytes
    chain: tuple[bytes, ...]


@dataclass(frozen=True)
class Enrolled(Enrolment):
    """An enrolment as HQ answered it: what to pin, and the certificate HQ issued, if any."""

    certificate: IssuedCertificate | None = None


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
          ssl_context: ssl.SSLContext | None = None, csr: bytes | None = None) -> Enrolled:
    """Enrol ``device_key`` with the HQ at ``hq_url``; what to keep (the pinned key) on success,
    with the certificate HQ issued for ``csr`` (PEM) if it acts as the unit CA.

    Raises `EnrolmentRefused` when HQ said no (its error code) or its answer is not
    authenticated by the code; `NetworkError` when HQ could not be reached (try again: a
    repeated request with the same code and key gets the same answer); `InsecureUrl` (a
    ValueError) for plain http:// off loopback."""
    code_id, secret = parse_code(code)
    device_hex = device_key.public_key().public_bytes_raw().hex()
    nonce = str(uuid.uuid4())
    proof = device_key.sign(enrol_proof_bytes(code_id, device_hex, nonce)).hex()
    request: dict[str, object] = {"v": REQUEST_SIGNING_VERSION, "device_key": device_hex,
                                  "name": name, "nonce": nonce, "proof": proof}
    if csr is not None:
        request["csr"] = csr.decode("ascii")
    body = canonical_json(request)
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


def _certificate(value: dict[str, object]) -> IssuedCertificate | None:
    """The certificate and chain of an answer (PEM), or None when HQ issued none."""
    if "certificate" not in value:
        return None
    certificate, chain = value["certificate"], value.get("chain")
    if not (isinstance(certificate, str) and isinstance(chain, list) and chain
            and all(isinstance(c, str) for c in chain)):
        raise ValueError("certificate must be a PEM string and chain a list of them")
    return IssuedCertificate(certificate.encode("ascii"),
                             tuple(str(c).encode("ascii") for c in chain))


def _pinned(hq_url: str, body: bytes, device_id: str) -> Enrolled:
    try:
        value = json.loads(body)
        if not isinstance(value, dict) or value.get("v") != REQUEST_SIGNING_VERSION:
            raise ValueError("not a version 1 enrolment answer")
        hq_id, device, key_hex = value["hq"], value["device"], value["receipt_key"]
        if not (isinstance(hq_id, str) and hq_id and isinstance(device, str)
                and isinstance(key_hex, str)):
            raise ValueError("hq, device and receipt_key must be strings")
        receipt_key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_hex))
        issued = _certificate(value)
    except (ValueError, KeyError, UnicodeError) as exc:
        raise EnrolmentRefused("bad_answer", f"HQ's enrolment answer is malformed: {exc}"
                               ) from None
    if device != device_id:
        raise EnrolmentRefused("bad_answer", f"HQ enrolled device {device}, not {device_id}")
    return Enrolled(hq_url=hq_url, hq_id=hq_id, device_id=device_id, receipt_key=receipt_key,
                    certificate=issued)
