"""HQ's own keys, made at the first start and kept in the data directory (mode 0600).

- The receipt key (Ed25519, PKCS#8 PEM): signs every receipt and receipt-log head; devices
  pin its public half at enrolment. Behind `sign` of `sync.protocol.signing`, so SM2 can
  follow.
- The master key (32 random bytes): wraps each blob's own data key (AES-256-GCM) and keys
  the blob file names, so the blob folder reveals neither content nor content hashes
  (decision 25, "Media at rest").
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = ["MASTER_KEY_SIZE", "load_master_key", "load_receipt_key", "write_private"]

MASTER_KEY_SIZE = 32


def write_private(path: Path, data: bytes) -> None:
    """Create ``path`` readable by HQ's user only, durably, never overwriting a key."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def load_receipt_key(data_dir: Path) -> Ed25519PrivateKey:
    """HQ's receipt key, generated on first use."""
    path = data_dir / "keys" / "receipt-ed25519.pem"
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        with contextlib.suppress(FileExistsError):  # another HQ process made it first
            write_private(path, key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 key")
    return loaded


def load_master_key(data_dir: Path) -> bytes:
    """HQ's master key for blobs at rest, generated on first use."""
    path = data_dir / "keys" / "master.key"
    if not path.exists():
        with contextlib.suppress(FileExistsError):
            write_private(path, secrets.token_bytes(MASTER_KEY_SIZE))
    key = path.read_bytes()
    if len(key) != MASTER_KEY_SIZE:
        raise ValueError(f"{path} must hold {MASTER_KEY_SIZE} bytes")
    return key
