"""A secret sealed under a passphrase in a small JSON file: HQ's escrow key, a unit's root key.

Both are private keys an administrator keeps offline, opened rarely and worth more than any one
store. `cryptography` writes encrypted PKCS#8 only with PBKDF2, which GPUs test cheaply, so the
file is our own: the secret wrapped with the same primitive as the officers' data-key wraps
(Argon2id, then AES-256-GCM), at a heavier cost (t=3, 256 MiB, p=4), with a caller's context
bound as associated data, and the public half beside it in clear so the file can be recognised
without the passphrase. Decisions 13 and 15.

    {"format": <kind>, "version": 1, "kdf": {"name": "argon2id", "t":…, "m":…, "p":…},
     "cipher": "aes-256-gcm", "salt": hex, "nonce": hex, "ciphertext": hex, …public fields}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from desktop.store.keys import (
    KdfParams,
    PasswordWrap,
    UnwrapError,
    WeakKdfParams,
    unwrap_with_password,
    wrap_with_password,
)

VERSION = 1
SEALED_KDF = KdfParams(iterations=3, memory_kib=256 * 1024, lanes=4)


class SealedFileDamaged(ValueError):
    """Not a sealed file of the expected kind, or damaged."""


class SealedFileWeak(ValueError):
    """The file asks for Argon2id parameters below the floor (or absurd ones): tampered."""


class SealedFileWrongPassphrase(ValueError):
    """The passphrase does not open the file (or the sealed part was altered)."""


def is_sealed_file(data: bytes) -> bool:
    return data.lstrip().startswith(b"{")


def seal(secret: bytes, passphrase: str, *, kind: str, context: bytes,
         public: Mapping[str, str], params: KdfParams = SEALED_KDF) -> bytes:
    """The sealed file's bytes (write them with mode 0600)."""
    wrap = wrap_with_password(secret, passphrase, context, params.at_least_floor())
    document = {
        **public, "format": kind, "version": VERSION,
        "kdf": {"name": "argon2id", **wrap.params.to_json()}, "cipher": "aes-256-gcm",
        "salt": wrap.salt.hex(), "nonce": wrap.nonce.hex(), "ciphertext": wrap.ciphertext.hex(),
    }
    return (json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode(
        "utf-8")


def read_public(data: bytes, kind: str) -> dict[str, Any]:
    """The file's fields (public ones included), checked for kind and shape, not opened."""
    try:
        document = json.loads(data.decode("utf-8"))
        if not isinstance(document, dict) or document.get("format") != kind or \
                document.get("version") != VERSION or \
                document.get("cipher") != "aes-256-gcm" or \
                document["kdf"].get("name") != "argon2id":
            raise SealedFileDamaged(kind)
        return document
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SealedFileDamaged(kind) from exc


def unseal(data: bytes, passphrase: str, *, kind: str,
           context: Callable[[Mapping[str, Any]], bytes]) -> tuple[bytes, dict[str, Any]]:
    """(the secret, the file's fields); `context` rebuilds the associated data from them."""
    document = read_public(data, kind)
    try:
        wrap = PasswordWrap(bytes.fromhex(document["salt"]), bytes.fromhex(document["nonce"]),
                            bytes.fromhex(document["ciphertext"]),
                            KdfParams.from_json(document["kdf"]))
        if len(wrap.salt) != 16 or len(wrap.nonce) != 12:
            raise SealedFileDamaged(kind)
        bound = context(document)
    except WeakKdfParams as exc:
        raise SealedFileWeak(kind) from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SealedFileDamaged(kind) from exc
    try:
        return unwrap_with_password(wrap, passphrase, bound), document
    except UnwrapError as exc:
        raise SealedFileWrongPassphrase(kind) from exc
