"""Canonical JSON (RFC 8785 / JCS) for the value subset the sync protocol signs.

Anything that is signed or hashed on the wire (tree heads, later statement envelopes) must
serialize to exactly one byte string on every machine, or the client and HQ would disagree
about what was signed. RFC 8785 defines that byte string; this module implements it for
the subset we actually use: objects with string keys, arrays, strings, integers inside the
I-JSON safe range, booleans and null. Floats are refused outright: their JCS form depends
on ECMAScript number formatting and nothing we sign needs them. ``parse_canonical`` is the
strict inverse used on received data: it accepts only bytes that are already canonical, so
two different encodings of "the same" value can never both verify.
"""

from __future__ import annotations

import json

__all__ = ["MAX_DEPTH", "MAX_SAFE_INTEGER", "canonical_json", "parse_canonical"]

# RFC 8785 serializes numbers as IEEE-754 doubles; integers beyond 2**53 - 1 would be
# silently rounded by a conforming peer, so they are rejected rather than mis-signed.
MAX_SAFE_INTEGER = 2**53 - 1

# Wire values are shallow; the bound keeps hostile input from exhausting the C stack.
MAX_DEPTH = 64

_encode_string = json.JSONEncoder(ensure_ascii=False).encode


def _utf16_key(key: str) -> bytes:
    # JCS orders members by UTF-16 code units, which differs from Python's code-point
    # order for characters outside the BMP; big-endian UTF-16 bytes compare identically.
    return key.encode("utf-16-be", "surrogatepass")


def _emit(value: object, out: list[str], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ValueError(f"nesting deeper than {MAX_DEPTH} levels")
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise ValueError(f"integer {value} is outside the I-JSON safe range")
        out.append(str(int(value)))
    elif isinstance(value, float):
        raise TypeError("floats are not allowed in canonical JSON (never sign floats)")
    elif isinstance(value, str):
        out.append(_encode_string(value))
    elif isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"object keys must be str, got {type(key).__name__}")
        out.append("{")
        for i, key in enumerate(sorted(value, key=_utf16_key)):
            if i:
                out.append(",")
            out.append(_encode_string(key))
            out.append(":")
            _emit(value[key], out, depth + 1)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _emit(item, out, depth + 1)
        out.append("]")
    else:
        raise TypeError(f"type {type(value).__name__} is not serializable as canonical JSON")


def canonical_json(value: object) -> bytes:
    """Serialize ``value`` to its RFC 8785 canonical UTF-8 bytes.

    Raises TypeError for unsupported types (floats, non-str keys, arbitrary objects) and
    ValueError for unrepresentable values (unsafe integers, lone surrogates, deep nesting).
    """
    parts: list[str] = []
    _emit(value, parts, 0)
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("string contains a lone surrogate; not valid Unicode") from exc


def _reject_float(text: str) -> object:
    raise ValueError(f"non-integer number {text!r} is not allowed")


def _reject_constant(text: str) -> object:
    raise ValueError(f"{text} is not valid JSON")


def _reject_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, item in pairs:
        if key in result:
            raise ValueError(f"duplicate object key {key!r}")
        result[key] = item
    return result


def parse_canonical(data: bytes) -> object:
    """Parse ``data`` and return the value, but only if ``data`` is exactly canonical.

    Raises ValueError on invalid UTF-8, invalid JSON, floats, duplicate keys, or any
    encoding that differs from ``canonical_json`` of the parsed value (whitespace, key
    order, escapes, ``-0``...).
    """
    try:
        text = bytes(data).decode("utf-8")
        value = json.loads(
            text,
            parse_float=_reject_float,
            parse_constant=_reject_constant,
            object_pairs_hook=_reject_duplicates,
        )
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc
    # canonical_json only raises TypeError for types json.loads cannot produce here.
    if canonical_json(value) != data:
        raise ValueError("JSON is valid but not in canonical form")
    return value
