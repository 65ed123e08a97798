"""Detached Ed25519 signatures over canonical bytes, and the signed-object wrapper.

Every record that crosses to HQ is signed the same way: the signer's key id (first 16 hex
characters of SHA-256 of the raw public key) and the Ed25519 signature of the object's
canonical bytes (RFC 8785, see `canonical`). The key id is not covered by the signature, so
verification refuses a key whose id differs from the one named: an object cannot claim to
come from a key other than the one that signed it. Ed25519 sits behind these two functions
only, so SM2 can be added as another algorithm later without touching the formats.

`Signer` is what signs for a party that may keep its key elsewhere: HQ signs receipts,
receipt-log heads and reference manifests through it, so an SM2 key on a token or behind a
signing service can replace `Ed25519Signer` without touching the callers.

`Signed` wraps any format of this package (anything with ``canonical_bytes``, ``to_json``
and ``from_json``) so statements, certificates, outbox entries and receipts share one wire
shape: ``{"body": …, "key_id": …, "signature": …}``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Generic, Protocol, Self, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from sync.protocol.wire import fields, req_str

__all__ = [
    "KEY_ID_HEX_CHARS",
    "SIGNATURE_SIZE",
    "Ed25519Signer",
    "Signature",
    "Signed",
    "Signer",
    "WireFormat",
    "key_id_for",
    "sign",
    "sign_bytes",
    "verify_bytes",
]

SIGNATURE_SIZE = 64
KEY_ID_HEX_CHARS = 16

_KEY_ID_RE = re.compile(rf"[0-9a-f]{{{KEY_ID_HEX_CHARS}}}")
_SIGNATURE_RE = re.compile(rf"[0-9a-f]{{{2 * SIGNATURE_SIZE}}}")
_SIGNED_KEYS = frozenset({"body", "key_id", "signature"})


def key_id_for(public_key: Ed25519PublicKey) -> str:
    """Short, stable name for a key: first 16 hex chars of SHA-256(raw 32-byte key)."""
    digest = hashlib.sha256(public_key.public_bytes_raw()).hexdigest()
    return digest[:KEY_ID_HEX_CHARS]


@dataclass(frozen=True)
class Signature:
    """Who signed (``key_id``) and the 64-byte Ed25519 signature."""

    key_id: str
    value: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.key_id, str) or not _KEY_ID_RE.fullmatch(self.key_id):
            raise ValueError(f"key_id must be {KEY_ID_HEX_CHARS} lowercase hex characters")
        if not isinstance(self.value, bytes) or len(self.value) != SIGNATURE_SIZE:
            raise ValueError(f"signature must be {SIGNATURE_SIZE} bytes")

    @classmethod
    def from_hex(cls, key_id: str, signature_hex: str) -> Signature:
        if not _SIGNATURE_RE.fullmatch(signature_hex):
            raise ValueError(f"signature must be {2 * SIGNATURE_SIZE} lowercase hex characters")
        return cls(key_id, bytes.fromhex(signature_hex))


def sign_bytes(payload: bytes, private_key: Ed25519PrivateKey) -> Signature:
    """Sign ``payload`` (deterministic: Ed25519 needs no randomness)."""
    return Signature(key_id_for(private_key.public_key()), private_key.sign(payload))


def verify_bytes(payload: bytes, signature: Signature, public_key: Ed25519PublicKey) -> bool:
    """True only if ``public_key`` is the key ``signature`` names and it signed ``payload``."""
    if key_id_for(public_key) != signature.key_id:
        return False
    try:
        public_key.verify(signature.value, payload)
    except InvalidSignature:
        return False
    return True


class WireFormat(Protocol):
    """What every typed format of `sync.protocol` offers."""

    def canonical_bytes(self) -> bytes: ...

    def to_json(self) -> dict[str, Any]: ...

    @classmethod
    def from_json(cls, value: object) -> Self: ...


T = TypeVar("T", bound=WireFormat)


@dataclass(frozen=True)
class Signed(Generic[T]):
    """A typed object and the signature of its canonical bytes."""

    body: T
    signature: Signature

    def verify(self, public_key: Ed25519PublicKey) -> bool:
        return verify_bytes(self.body.canonical_bytes(), self.signature, public_key)

    def to_json(self) -> dict[str, Any]:
        return {"body": self.body.to_json(), "key_id": self.signature.key_id,
                "signature": self.signature.value.hex()}

    @classmethod
    def from_json(cls, value: object, body_type: type[T]) -> Signed[T]:
        """Parse the wire form, reading ``body`` as ``body_type``; ValueError on any defect."""
        d = fields("signed object", value, _SIGNED_KEYS)
        body = body_type.from_json(d["body"])
        signature = Signature.from_hex(req_str("signed object", d, "key_id"),
                                       req_str("signed object", d, "signature"))
        return cls(body, signature)


class Signer(Protocol):
    """Signs bytes as one key; verifiers find the key by ``key_id`` (see `Signature`)."""

    @property
    def key_id(self) -> str: ...

    def sign_bytes(self, payload: bytes) -> Signature: ...


@dataclass(frozen=True)
class Ed25519Signer:
    """A `Signer` over an Ed25519 private key held in memory."""

    private_key: Ed25519PrivateKey

    def __repr__(self) -> str:  # never show key material
        return f"Ed25519Signer({self.key_id})"

    @property
    def key_id(self) -> str:
        return key_id_for(self.private_key.public_key())

    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def sign_bytes(self, payload: bytes) -> Signature:
        return sign_bytes(payload, self.private_key)


def sign(body: T, signer: Ed25519PrivateKey | Signer) -> Signed[T]:
    """Sign the canonical bytes of ``body`` with a key or a `Signer`."""
    if isinstance(signer, Ed25519PrivateKey):
        return Signed(body, sign_bytes(body.canonical_bytes(), signer))
    return Signed(body, signer.sign_bytes(body.canonical_bytes()))
