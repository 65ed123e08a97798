"""Strict reading of wire objects: versions, field sets and typed fields.

Everything HQ checks arrives from the network, so every format in `sync.protocol` parses the
same way: the exact set of fields (a missing or an extra one is an error, so two spellings of
one record cannot both verify), each field of exactly its type (``True`` is not the integer 1),
and a version that this program knows. An unknown version is refused with a message naming
the format, the version found and the one understood: a newer client talking to an older HQ
must be told so, not be half-read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sync.protocol.canonical import MAX_SAFE_INTEGER

__all__ = [
    "HEX64",
    "UnsupportedVersion",
    "check_version",
    "fields",
    "hex64",
    "opt_int",
    "opt_str",
    "req_bool",
    "req_int",
    "req_str",
]

HEX64 = re.compile(r"[0-9a-f]{64}")


class UnsupportedVersion(ValueError):
    """A wire object of a version this program does not read."""

    def __init__(self, what: str, found: object, supported: object) -> None:
        super().__init__(
            f"{what}: version {found!r} is not supported (this program reads version "
            f"{supported!r}); upgrade the program that reads it"
        )
        self.what = what
        self.found = found
        self.supported = supported


def check_version(what: str, found: object, supported: int | str) -> None:
    """Refuse ``found`` unless it is exactly ``supported`` (same type, same value)."""
    if type(found) is not type(supported) or found != supported:
        raise UnsupportedVersion(what, found, supported)


def fields(what: str, value: object, required: frozenset[str]) -> Mapping[str, object]:
    """``value`` as a JSON object with exactly the ``required`` keys, else ValueError."""
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a JSON object")
    keys = set(value)
    if keys != required:
        missing = sorted(required - keys)
        extra = sorted(repr(k) for k in keys - required)
        raise ValueError(f"{what} fields wrong: missing {missing}, extra {extra}")
    return value


def req_str(what: str, d: Mapping[str, object], key: str) -> str:
    value = d[key]
    if not isinstance(value, str):
        raise ValueError(f"{what}.{key} must be a string")
    return value


def opt_str(what: str, d: Mapping[str, object], key: str) -> str | None:
    return None if d[key] is None else req_str(what, d, key)


def req_int(what: str, d: Mapping[str, object], key: str, *, minimum: int = 0) -> int:
    value = d[key]
    if type(value) is not int or not minimum <= value <= MAX_SAFE_INTEGER:
        raise ValueError(f"{what}.{key} must be an integer from {minimum} to {MAX_SAFE_INTEGER}")
    return value


def opt_int(what: str, d: Mapping[str, object], key: str) -> int | None:
    # Signed: clock offsets may be negative.
    return None if d[key] is None else req_int(what, d, key, minimum=-MAX_SAFE_INTEGER)


def req_bool(what: str, d: Mapping[str, object], key: str) -> bool:
    value = d[key]
    if not isinstance(value, bool):
        raise ValueError(f"{what}.{key} must be true or false")
    return value


def hex64(what: str, d: Mapping[str, object], key: str) -> str:
    """A SHA-256 (or SM3) digest in its one wire spelling: 64 lowercase hex characters."""
    value = req_str(what, d, key)
    if not HEX64.fullmatch(value):
        raise ValueError(f"{what}.{key} must be 64 lowercase hex characters")
    return value
