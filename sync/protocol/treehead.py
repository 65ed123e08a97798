"""Ed25519-signed tree heads (STHs) for the audit-trail Merkle log.

A tree head commits to the whole log at one size: (log_id, tree_size, root_hash,
timestamp_ms). The log owner signs it so that the desktop client and HQ can later hold each
other to it: any two heads from the same key must be linked by a consistency proof, or the
log was rewritten. The signature covers the RFC 8785 canonical JSON of the head, so the
signed bytes are reproducible in any language, and the wire form is a flat JSON object with
hex-encoded bytes. Parsing is strict and reports every defect as ValueError because heads
arrive from the network; verification returns False, never raises, for a bad signature.
It follows the conventions of the other formats here: the version (``v``) is inside the
signed bytes and an unknown one is refused with `UnsupportedVersion`; key ids and signatures
are those of `signing`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from sync.protocol.canonical import MAX_SAFE_INTEGER, canonical_json
from sync.protocol.merkle import HASH_SIZE
from sync.protocol.signing import KEY_ID_HEX_CHARS, SIGNATURE_SIZE, key_id_for
from sync.protocol.wire import check_version

__all__ = [
    "KEY_ID_HEX_CHARS",
    "MAX_LOG_ID_CHARS",
    "SIGNATURE_SIZE",
    "STH_VERSION",
    "SignedTreeHead",
    "TreeHead",
    "key_id_for",
    "sign_tree_head",
]

STH_VERSION = 1
MAX_LOG_ID_CHARS = 256

# Only lowercase, fixed-length hex is accepted so that each value has one wire spelling.
_KEY_ID_RE = re.compile(rf"[0-9a-f]{{{KEY_ID_HEX_CHARS}}}")
_ROOT_RE = re.compile(rf"[0-9a-f]{{{2 * HASH_SIZE}}}")
_SIGNATURE_RE = re.compile(rf"[0-9a-f]{{{2 * SIGNATURE_SIZE}}}")
_JSON_KEYS = frozenset(
    {"v", "log_id", "tree_size", "root_hash", "timestamp_ms", "key_id", "signature"}
)


def _check_uint(name: str, value: object) -> None:
    # bool is an int subclass; True as a tree size is a bug, not a size of 1.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int")
    if not 0 <= value <= MAX_SAFE_INTEGER:
        raise ValueError(f"{name} must be between 0 and {MAX_SAFE_INTEGER}")


@dataclass(frozen=True)
class TreeHead:
    """The unsigned statement "log ``log_id`` had ``tree_size`` leaves with this root"."""

    tree_size: int
    root_hash: bytes
    timestamp_ms: int
    log_id: str

    def __post_init__(self) -> None:
        _check_uint("tree_size", self.tree_size)
        _check_uint("timestamp_ms", self.timestamp_ms)
        if not isinstance(self.root_hash, bytes):
            raise TypeError("root_hash must be bytes")
        if len(self.root_hash) != HASH_SIZE:
            raise ValueError(f"root_hash must be {HASH_SIZE} bytes")
        if not isinstance(self.log_id, str):
            raise TypeError("log_id must be a str")
        if not 0 < len(self.log_id) <= MAX_LOG_ID_CHARS:
            raise ValueError(f"log_id must be 1 to {MAX_LOG_ID_CHARS} characters")
        try:
            self.log_id.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError("log_id is not valid Unicode") from exc

    def canonical_bytes(self) -> bytes:
        return self.signing_bytes()

    def signing_bytes(self) -> bytes:
        """The exact bytes the Ed25519 signature covers (also `canonical_bytes`)."""
        return canonical_json(
            {
                "v": STH_VERSION,
                "log_id": self.log_id,
                "tree_size": self.tree_size,
                "root_hash": self.root_hash.hex(),
                "timestamp_ms": self.timestamp_ms,
            }
        )


@dataclass(frozen=True)
class SignedTreeHead:
    """A tree head plus the Ed25519 signature of its ``signing_bytes`` by ``key_id``."""

    head: TreeHead
    key_id: str
    signature: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.head, TreeHead):
            raise TypeError("head must be a TreeHead")
        if not isinstance(self.key_id, str):
            raise TypeError("key_id must be a str")
        if not _KEY_ID_RE.fullmatch(self.key_id):
            raise ValueError(f"key_id must be {KEY_ID_HEX_CHARS} lowercase hex characters")
        if not isinstance(self.signature, bytes):
            raise TypeError("signature must be bytes")
        if len(self.signature) != SIGNATURE_SIZE:
            raise ValueError(f"signature must be {SIGNATURE_SIZE} bytes")

    def to_json(self) -> dict[str, Any]:
        """Wire form: a flat JSON object, bytes as lowercase hex."""
        return {
            "v": STH_VERSION,
            "log_id": self.head.log_id,
            "tree_size": self.head.tree_size,
            "root_hash": self.head.root_hash.hex(),
            "timestamp_ms": self.head.timestamp_ms,
            "key_id": self.key_id,
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_json(cls, d: object) -> SignedTreeHead:
        """Parse the wire form; any missing, extra or malformed field raises ValueError."""
        if not isinstance(d, dict):
            raise ValueError("signed tree head must be a JSON object")
        # The version first: a newer head with other fields is a version we do not read.
        check_version("signed tree head", d.get("v"), STH_VERSION)
        keys = set(d)
        if keys != _JSON_KEYS:
            missing = sorted(_JSON_KEYS - keys, key=str)
            extra = sorted(repr(k) for k in keys - _JSON_KEYS)
            raise ValueError(f"signed tree head fields wrong: missing {missing}, extra {extra}")
        root_hex, sig_hex = d["root_hash"], d["signature"]
        if not isinstance(root_hex, str) or not _ROOT_RE.fullmatch(root_hex):
            raise ValueError(f"root_hash must be {2 * HASH_SIZE} lowercase hex characters")
        if not isinstance(sig_hex, str) or not _SIGNATURE_RE.fullmatch(sig_hex):
            raise ValueError(f"signature must be {2 * SIGNATURE_SIZE} lowercase hex characters")
        try:
            head = TreeHead(
                tree_size=d["tree_size"],
                root_hash=bytes.fromhex(root_hex),
                timestamp_ms=d["timestamp_ms"],
                log_id=d["log_id"],
            )
            return cls(head=head, key_id=d["key_id"], signature=bytes.fromhex(sig_hex))
        except TypeError as exc:
            raise ValueError(str(exc)) from exc

    def canonical_bytes(self) -> bytes:
        """The wire form as canonical JSON: the bytes an outbox entry announces."""
        return canonical_json(self.to_json())

    def verify(self, public_key: Ed25519PublicKey) -> bool:
        """True only if ``public_key`` is the key named by ``key_id`` and it signed the head."""
        # key_id is not covered by the signature, so a mismatch is refused outright rather
        # than letting a head claim to come from a key other than the one that signed it.
        if key_id_for(public_key) != self.key_id:
            return False
        try:
            public_key.verify(self.signature, self.head.signing_bytes())
        except InvalidSignature:
            return False
        return True


def sign_tree_head(head: TreeHead, private_key: Ed25519PrivateKey) -> SignedTreeHead:
    """Sign ``head`` with ``private_key`` (deterministic: Ed25519 needs no randomness)."""
    return SignedTreeHead(
        head=head,
        key_id=key_id_for(private_key.public_key()),
        signature=private_key.sign(head.signing_bytes()),
    )
