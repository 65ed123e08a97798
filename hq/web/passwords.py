"""Passwords of the supervision room's users: Argon2id, with the library the desktop uses.

HQ imports nothing of the client but `sync.protocol`, so this is HQ's own small module over
`cryptography`'s Argon2id (the dependency the desktop's key file already uses, decision 13),
at the desktop's cost (RFC 9106's second recommendation: t=3, 64 MiB, p=4). A stored hash is
``argon2id$t=3,m=65536,p=4$<salt hex>$<tag hex>``: the parameters travel with it, so raising
them later leaves older hashes readable.
"""

from __future__ import annotations

import hmac
import os
import re

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

__all__ = ["MIN_LENGTH", "hash_password", "verify_password"]

MIN_LENGTH = 10
_ITERATIONS, _MEMORY_KIB, _LANES = 3, 64 * 1024, 4
_FORMAT = re.compile(r"argon2id\$t=(\d{1,2}),m=(\d{5,7}),p=(\d{1,2})"
                     r"\$([0-9a-f]{32})\$([0-9a-f]{64})")


def _derive(password: str, salt: bytes, iterations: int, memory_kib: int, lanes: int) -> bytes:
    return Argon2id(salt=salt, length=32, iterations=iterations, lanes=lanes,
                    memory_cost=memory_kib).derive(password.encode("utf-8"))


def hash_password(password: str) -> str:
    """A new salted Argon2id hash of ``password``, in the stored form."""
    salt = os.urandom(16)
    tag = _derive(password, salt, _ITERATIONS, _MEMORY_KIB, _LANES)
    return f"argon2id$t={_ITERATIONS},m={_MEMORY_KIB},p={_LANES}${salt.hex()}${tag.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from (constant-time compare); a
    stored value that is not a hash of ours never matches."""
    match = _FORMAT.fullmatch(stored)
    if match is None:
        return False
    t, m, p = (int(match.group(i)) for i in (1, 2, 3))
    tag = _derive(password, bytes.fromhex(match.group(4)), t, m, p)
    return hmac.compare_digest(tag, bytes.fromhex(match.group(5)))
