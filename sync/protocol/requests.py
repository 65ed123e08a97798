"""Signed requests and enrolment proofs: how HQ knows which device is asking.

Every request a device makes to HQ (after enrolment) is signed with the device's Ed25519 key
over `request_signing_bytes`: HQ's id, the device, the method, the target (path and query as
sent), the SHA-256 of the body, a nonce and the device's clock. A request therefore cannot be
replayed against another HQ, another path or with another body, and HQ refuses a nonce it has
seen. The device's clock is signed for the record only: HQ never refuses for skew (decision 25).

Enrolment is authenticated by a one-time code the HQ administrator hands over out of band:
both the request and HQ's answer carry an HMAC-SHA256 under the code's secret, so a man in the
middle without the code can neither enrol a device nor get his key pinned as HQ's. The device
proves it holds its key by signing `enrol_proof_bytes`.

A request made for an officer also names the officer (``SR-Officer``) and carries a second
signature by that officer's own HQ key over the same bytes (``SR-Officer-Signature``); the
signed bytes then hold ``"officer"`` too, so the device vouches for the officer it names. A
request without an officer signs exactly the bytes it always did (decision 27). The officer
registers that key once per device with `officer_proof_bytes`.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from sync.protocol.canonical import canonical_json

__all__ = [
    "HEADER_BODY_SHA256",
    "HEADER_DEVICE",
    "HEADER_ENROL_CODE",
    "HEADER_ENROL_MAC",
    "HEADER_HQ_TIME",
    "HEADER_NONCE",
    "HEADER_OFFICER",
    "HEADER_OFFICER_SIGNATURE",
    "HEADER_SIGNATURE",
    "HEADER_TIME",
    "REQUEST_SIGNING_VERSION",
    "SignedRequest",
    "enrol_mac",
    "enrol_mac_matches",
    "enrol_proof_bytes",
    "officer_proof_bytes",
    "request_signing_bytes",
]

REQUEST_SIGNING_VERSION = 1

HEADER_DEVICE = "SR-Device"
HEADER_NONCE = "SR-Nonce"
HEADER_TIME = "SR-Time"
HEADER_BODY_SHA256 = "SR-Body-SHA256"
HEADER_SIGNATURE = "SR-Signature"
HEADER_HQ_TIME = "SR-HQ-Time"
HEADER_ENROL_CODE = "SR-Enrol-Code"
HEADER_ENROL_MAC = "SR-Enrol-MAC"
HEADER_OFFICER = "SR-Officer"
HEADER_OFFICER_SIGNATURE = "SR-Officer-Signature"


@dataclass(frozen=True)
class SignedRequest:
    """The parts of one request that its signature covers."""

    hq: str
    device: str
    method: str
    target: str  # path and query exactly as sent, e.g. "/v1/uploads/abc"
    body_sha256: str
    nonce: str
    time_ms: int
    officer: str | None = None  # the officer the device acts for (SR-Officer), if any

    def signing_bytes(self) -> bytes:
        return request_signing_bytes(self)


def request_signing_bytes(request: SignedRequest) -> bytes:
    """The exact bytes a device (and its acting officer, if any) signs for one request."""
    signed: dict[str, object] = {
        "v": REQUEST_SIGNING_VERSION, "hq": request.hq, "device": request.device,
        "method": request.method.upper(), "target": request.target,
        "body_sha256": request.body_sha256, "nonce": request.nonce,
        "time_ms": request.time_ms,
    }
    if request.officer is not None:  # absent, not null: old clients sign what they always did
        signed["officer"] = request.officer
    return canonical_json(signed)


def enrol_proof_bytes(code_id: str, device_key_hex: str, nonce: str) -> bytes:
    """What a device signs with its new key to prove it holds it when enrolling."""
    return canonical_json({"v": REQUEST_SIGNING_VERSION, "purpose": "enrol", "code": code_id,
                           "device_key": device_key_hex, "nonce": nonce})


def officer_proof_bytes(hq: str, device: str, officer: str, officer_key_hex: str,
                        replaces: str | None = None) -> bytes:
    """What an officer's HQ key signs to register with HQ as that officer on that device.

    ``replaces`` is the officer's previous HQ key (hex) when an administrator's password reset
    on the device lost it (decision 27)."""
    proof: dict[str, object] = {"v": REQUEST_SIGNING_VERSION, "purpose": "officer", "hq": hq,
                                "device": device, "officer": officer,
                                "officer_key": officer_key_hex}
    if replaces is not None:
        proof["replaces"] = replaces
    return canonical_json(proof)


def enrol_mac(secret: str, body: bytes) -> str:
    """HMAC-SHA256 of an enrolment request or answer under the one-time code's secret (hex)."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def enrol_mac_matches(secret: str, body: bytes, mac_hex: str) -> bool:
    """Constant-time check of an enrolment MAC."""
    return hmac.compare_digest(enrol_mac(secret, body), mac_hex.lower())
