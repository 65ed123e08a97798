"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): the administrators' second
factor.

Six digits, 30-second steps, HMAC-SHA1: what every authenticator app reads from an
``otpauth://`` URI. A code is accepted one step either side of HQ's clock (a phone's clock
drifts), and never twice: the caller keeps the last step used (`users.check_login`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote

__all__ = ["ISSUER", "STEP_S", "code_at", "matching_step", "new_secret", "otpauth_uri"]

STEP_S = 30
DIGITS = 6
ISSUER = "Statement Room HQ"


def new_secret() -> str:
    """A fresh 160-bit secret, base32 without padding (as authenticator apps take it)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    return base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)


def code_at(secret: str, step: int) -> str:
    """The code of time step ``step`` (RFC 4226 §5.3 dynamic truncation)."""
    digest = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def matching_step(secret: str, code: str, now_s: float, window: int = 1) -> int | None:
    """The time step ``code`` belongs to, within ``window`` steps of ``now_s``; None if none."""
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    current = int(now_s // STEP_S)
    for step in range(current - window, current + window + 1):
        if hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def otpauth_uri(secret: str, account: str) -> str:
    """The ``otpauth://totp/…`` URI an authenticator app reads (as text or a QR code)."""
    label = quote(f"{ISSUER}:{account}", safe="")
    return (f"otpauth://totp/{label}?secret={secret}&issuer={quote(ISSUER, safe='')}"
            f"&algorithm=SHA1&digits={DIGITS}&period={STEP_S}")
