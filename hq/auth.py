"""Who is asking: the signed requests of docs/protocols/sync.md §1.

Every request but ``GET /v1/hq``, ``OPTIONS`` and ``POST /v1/enrol`` names its device and
carries an Ed25519 signature over HQ's id, the method, the target as sent, the body's
SHA-256, a nonce and the device's clock (`sync.protocol.requests`). HQ refuses an unknown
device (401), a revoked one (403), a bad signature (401), a body that is not the one signed
(400) and a nonce it has seen (409; nonces are kept 31 days, then `hq.janitor` drops
them). It never refuses for clock skew: it records the device's offset, and every response
carries HQ's time (`HQTimeMiddleware`).

A request that names an officer (``SR-Officer``) must also carry that officer's signature
over the same bytes, by the HQ key registered for (device, officer) (`hq.officers`): HQ
refuses an officer it does not know on that device (401 ``officer_unknown``), a signature that
does not verify (401 ``bad_officer_signature``) and an officer its administrator revoked (403
``officer_revoked``). The caller then knows who acted (`SignedCaller.officer`).
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hq.errors import HQError
from hq.state import HQState, now_ms
from sync.protocol.requests import (
    HEADER_BODY_SHA256,
    HEADER_DEVICE,
    HEADER_HQ_TIME,
    HEADER_NONCE,
    HEADER_OFFICER,
    HEADER_OFFICER_SIGNATURE,
    HEADER_SIGNATURE,
    HEADER_TIME,
    SignedRequest,
)
from sync.protocol.signing import Signature, key_id_for, verify_bytes

__all__ = ["HQTimeMiddleware", "SignedCaller", "authenticate", "officer_revoked"]


class SignedCaller:
    """The device a request was authenticated as, the officer it acted for (None: the device
    alone) and the body SHA-256 it signed."""

    def __init__(self, device: str, body_sha256: str, officer: str | None = None) -> None:
        self.device = device
        self.body_sha256 = body_sha256
        self.officer = officer


def _target(request: Request) -> str:
    """Path and query exactly as sent (what the device signed)."""
    raw = request.scope.get("raw_path") or request.scope["path"].encode("utf-8")
    query = request.scope.get("query_string", b"")
    target = bytes(raw).decode("latin-1")
    return f"{target}?{bytes(query).decode('latin-1')}" if query else target


def officer_revoked(state: HQState, device: str, officer: str) -> bool:
    """True when HQ's administrator revoked ``officer`` on ``device`` or on every device."""
    return state.db.one("SELECT 1 FROM officer_revocations WHERE officer_id = ? AND device IN "
                        "(?, '*')", (officer, device)) is not None


def authenticate(state: HQState, request: Request, body: bytes | None, *,
                 officer_key: Ed25519PublicKey | None = None) -> SignedCaller:
    """Check the request's signature; ``body`` None means the caller streams the body and
    must check it against `SignedCaller.body_sha256` itself. ``officer_key`` is the key an
    officer's registration brings (HQ checks the officer's signature with it instead of a
    registered one)."""
    headers = request.headers
    device = headers.get(HEADER_DEVICE, "")
    row = state.db.one("SELECT public_key, revoked_ms FROM devices WHERE device = ?", (device,))
    if row is None:
        raise HQError(401, "not_enrolled", f"device {device!r} is not enrolled at this HQ")
    if row["revoked_ms"] is not None:
        raise HQError(403, "device_revoked", f"device {device} was revoked")
    nonce, body_sha = headers.get(HEADER_NONCE, ""), headers.get(HEADER_BODY_SHA256, "")
    try:
        time_ms = int(headers.get(HEADER_TIME, ""))
        signature = Signature.from_hex(device, headers.get(HEADER_SIGNATURE, ""))
    except ValueError:
        raise HQError(401, "bad_signature", "the request's signature headers are malformed"
                      ) from None
    if not nonce or len(nonce) > 64 or len(body_sha) != 64:
        raise HQError(401, "bad_signature", "the request's nonce or body hash is malformed")
    officer = headers.get(HEADER_OFFICER)
    signed = SignedRequest(hq=state.hq_id, device=device, method=request.method,
                           target=_target(request), body_sha256=body_sha, nonce=nonce,
                           time_ms=time_ms, officer=officer)
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(row["public_key"]))
    if not verify_bytes(signed.signing_bytes(), signature, key):
        raise HQError(401, "bad_signature", "the request's signature does not verify")
    if officer is not None:
        _check_officer(state, device, officer, signed.signing_bytes(),
                       headers.get(HEADER_OFFICER_SIGNATURE, ""), officer_key)
    if body is not None and hashlib.sha256(body).hexdigest() != body_sha:
        raise HQError(400, "body_mismatch", "the body is not the one the request signed")
    _remember_nonce(state, device, nonce, time_ms)
    return SignedCaller(device, body_sha, officer)


def _check_officer(state: HQState, device: str, officer: str, signed: bytes,
                   signature_hex: str, officer_key: Ed25519PublicKey | None) -> None:
    """The officer a device names must be registered there, unrevoked, and have signed."""
    if officer_revoked(state, device, officer):
        raise HQError(403, "officer_revoked", f"officer {officer} was revoked by HQ")
    if officer_key is None:
        row = state.db.one("SELECT public_key FROM officers WHERE device = ? AND "
                           "officer_id = ?", (device, officer))
        if row is None:
            raise HQError(401, "officer_unknown", f"officer {officer} has no HQ key "
                          f"registered for device {device}")
        officer_key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(row["public_key"]))
    try:
        signature = Signature.from_hex(key_id_for(officer_key), signature_hex)
    except ValueError:
        raise HQError(401, "bad_officer_signature", "the officer's signature is malformed"
                      ) from None
    if not verify_bytes(signed, signature, officer_key):
        raise HQError(401, "bad_officer_signature", f"the signature of officer {officer} "
                      "does not verify")


def _remember_nonce(state: HQState, device: str, nonce: str, device_time_ms: int) -> None:
    now = now_ms()
    with state.db.transaction() as conn:
        # ON CONFLICT rather than catching the unique violation: it means the same on
        # SQLite and PostgreSQL, and leaves a PostgreSQL transaction usable.
        if conn.execute("INSERT INTO nonces (device, nonce, received_ms) VALUES (?, ?, ?) "
                        "ON CONFLICT (device, nonce) DO NOTHING", (device, nonce, now)
                        ).rowcount == 0:
            raise HQError(409, "replayed", f"nonce {nonce} was already used by device "
                          f"{device}")
        # The skew is information only (decision 25): squads are offline for days.
        conn.execute("UPDATE devices SET last_seen_ms = ?, last_skew_ms = ? WHERE device = ?",
                     (now, device_time_ms - now, device))


class HQTimeMiddleware:
    """Adds ``SR-HQ-Time`` (HQ's clock, ms) to every response, refusals included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_time(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((HEADER_HQ_TIME.lower().encode(), str(now_ms()).encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_time)
