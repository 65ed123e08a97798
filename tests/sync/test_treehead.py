"""Tests for sync.protocol.canonical (RFC 8785 subset) and sync.protocol.treehead
(Ed25519-signed tree heads): exact bytes, strict parsing, and tamper detection."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from sync.protocol.canonical import MAX_SAFE_INTEGER, canonical_json, parse_canonical
from sync.protocol.merkle import leaf_hash, root_hash
from sync.protocol.treehead import SignedTreeHead, TreeHead, key_id_for, sign_tree_head

# ---------------------------------------------------------------- canonical JSON


def test_keys_sorted_and_no_whitespace() -> None:
    value = {"b": [1, True, None, False], "a": {"z": "", "aa": 0}, "": -5}
    assert canonical_json(value) == b'{"":-5,"a":{"aa":0,"z":""},"b":[1,true,null,false]}'


def test_keys_sorted_by_utf16_code_units() -> None:
    # The member-sorting example of RFC 8785 section 3.2.3.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    parsed = parse_canonical(canonical_json(value))
    assert isinstance(parsed, dict)
    order = list(parsed)
    assert order == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    # Code-point order would put U+FB33 before U+1F600; UTF-16 order must not.
    assert sorted(value) != order


def test_non_ascii_kept_as_utf8_and_escapes_minimal() -> None:
    assert canonical_json({"name": "张三", "note": "é"}) == ('{"name":"张三","note":"é"}'.encode())
    assert canonical_json('"\\/\n\t\x01\x1f\x7f\u2028') == (
        b'"\\"\\\\/\\n\\t\\u0001\\u001f\x7f\xe2\x80\xa8"'
    )


def test_tuples_are_arrays_and_scalars() -> None:
    assert canonical_json(("a", 1)) == b'["a",1]'
    assert canonical_json([]) == b"[]"
    assert canonical_json({}) == b"{}"
    assert canonical_json(MAX_SAFE_INTEGER) == b"9007199254740991"
    assert canonical_json(-MAX_SAFE_INTEGER) == b"-9007199254740991"


@pytest.mark.parametrize("bad", [1.0, [0.5], {"a": {"b": float("nan")}}, {1: "x"}, b"x", {"s"}])
def test_unsupported_types_raise_type_error(bad: object) -> None:
    with pytest.raises(TypeError):
        canonical_json(bad)


@pytest.mark.parametrize("bad", [MAX_SAFE_INTEGER + 1, -(2**63), "\ud800", {"\udc00": 1}])
def test_unrepresentable_values_raise_value_error(bad: object) -> None:
    with pytest.raises(ValueError):
        canonical_json(bad)


def test_parse_canonical_accepts_canonical() -> None:
    data = '{"a":[1,-2,true,null],"b":"ü\\n"}'.encode()
    assert parse_canonical(data) == {"a": [1, -2, True, None], "b": "ü\n"}


@pytest.mark.parametrize(
    "data",
    [
        b'{"a": 1}',
        b'{"b":1,"a":2}',
        b'{"a":1,"a":1}',
        b"1.0",
        b"1e3",
        b"-0",
        b"01",
        b'"\\u0041"',
        b'"\\u001F"',
        b'"\\/"',
        b'"\xc3"',
        b"\xef\xbb\xbf{}",
        b"NaN",
        b"Infinity",
        b"[1]\n",
        b" []",
        b"",
        b"[",
        b"9007199254740992",
        b'"\\ud800"',
        b"[" * 5000 + b"]" * 5000,
        b"[" * 70 + b"]" * 70,
    ],
)
def test_parse_canonical_rejects_non_canonical(data: bytes) -> None:
    with pytest.raises(ValueError):
        parse_canonical(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)


@given(json_values)
def test_canonical_round_trip(value: object) -> None:
    data = canonical_json(value)
    assert parse_canonical(data) == value
    assert canonical_json(parse_canonical(data)) == data


@given(st.binary(max_size=64))
def test_parse_canonical_on_junk_raises_only_value_error(data: bytes) -> None:
    try:
        value = parse_canonical(data)
    except ValueError:
        return
    assert canonical_json(value) == data


# ---------------------------------------------------------------- tree heads

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
ROOT = root_hash([leaf_hash(b"statement-%d" % i) for i in range(5)])
HEAD = TreeHead(tree_size=5, root_hash=ROOT, timestamp_ms=1_700_000_000_123, log_id="room-7")


def test_signing_bytes_are_canonical_json() -> None:
    expected = (
        '{"log_id":"room-7","root_hash":"' + ROOT.hex() + '","timestamp_ms":1700000000123,'
        '"tree_size":5,"v":1}'
    ).encode()
    assert HEAD.signing_bytes() == expected


def test_sign_and_verify() -> None:
    sth = sign_tree_head(HEAD, KEY)
    assert sth.head == HEAD
    assert sth.key_id == key_id_for(KEY.public_key())
    assert len(sth.signature) == 64
    assert sth.verify(KEY.public_key())
    # Ed25519 is deterministic, so re-signing yields the identical head.
    assert sign_tree_head(HEAD, KEY) == sth


def test_key_id_is_sha256_prefix_of_raw_key() -> None:
    public = KEY.public_key()
    expected = hashlib.sha256(public.public_bytes_raw()).hexdigest()[:16]
    assert key_id_for(public) == expected
    assert key_id_for(OTHER_KEY.public_key()) != expected


@pytest.mark.parametrize(
    "changes",
    [
        {"tree_size": 6},
        {"tree_size": 4},
        {"root_hash": bytes([ROOT[0] ^ 1]) + ROOT[1:]},
        {"timestamp_ms": 1_700_000_000_124},
        {"log_id": "room-8"},
    ],
)
def test_tampered_head_fails(changes: dict[str, Any]) -> None:
    sth = sign_tree_head(HEAD, KEY)
    forged = dataclasses.replace(sth, head=dataclasses.replace(HEAD, **changes))
    assert not forged.verify(KEY.public_key())


def test_tampered_signature_and_wrong_key_fail() -> None:
    sth = sign_tree_head(HEAD, KEY)
    bad_sig = bytes([sth.signature[0] ^ 1]) + sth.signature[1:]
    assert not dataclasses.replace(sth, signature=bad_sig).verify(KEY.public_key())
    assert not dataclasses.replace(sth, signature=bytes(64)).verify(KEY.public_key())
    assert not sth.verify(OTHER_KEY.public_key())
    # Relabelling the head with the other key's id must not help: the signature decides.
    relabelled = dataclasses.replace(sth, key_id=key_id_for(OTHER_KEY.public_key()))
    assert not relabelled.verify(OTHER_KEY.public_key())


def test_json_round_trip() -> None:
    sth = sign_tree_head(HEAD, KEY)
    wire = sth.to_json()
    assert wire == {
        "v": 1,
        "log_id": "room-7",
        "tree_size": 5,
        "root_hash": ROOT.hex(),
        "timestamp_ms": 1_700_000_000_123,
        "key_id": sth.key_id,
        "signature": sth.signature.hex(),
    }
    back = SignedTreeHead.from_json(parse_canonical(canonical_json(wire)))
    assert back == sth
    assert back.verify(KEY.public_key())


def _wire(**changes: object) -> dict[str, object]:
    wire: dict[str, object] = sign_tree_head(HEAD, KEY).to_json()
    wire.update(changes)
    return wire


def _without(key: str) -> dict[str, object]:
    wire = _wire()
    del wire[key]
    return wire


def _with_int_key() -> dict[object, object]:
    wire: dict[object, object] = {key: value for key, value in _wire().items()}
    wire[1] = 2
    return wire


JUNK: list[object] = [
    None,
    [],
    "sth",
    5,
    {},
    _without("signature"),
    _without("v"),
    _wire(extra=1),
    _with_int_key(),
    _wire(v=2),
    _wire(v=True),
    _wire(v="1"),
    _wire(tree_size=-1),
    _wire(tree_size=True),
    _wire(tree_size="5"),
    _wire(tree_size=5.0),
    _wire(tree_size=2**53),
    _wire(tree_size=None),
    _wire(timestamp_ms=-1),
    _wire(timestamp_ms=1.5),
    _wire(root_hash=ROOT.hex().upper()),
    _wire(root_hash=ROOT.hex()[:-2]),
    _wire(root_hash="0x" + ROOT.hex()[2:]),
    _wire(root_hash="zz" + ROOT.hex()[2:]),
    _wire(root_hash=ROOT.hex() + "\n"),
    _wire(root_hash=list(ROOT)),
    _wire(signature="00" * 63),
    _wire(signature=""),
    _wire(signature=None),
    _wire(key_id="ABCDEF0123456789"),
    _wire(key_id="abc"),
    _wire(key_id=12345),
    _wire(log_id=""),
    _wire(log_id=7),
    _wire(log_id="x" * 257),
    _wire(log_id="\ud800"),
]


@pytest.mark.parametrize("junk", JUNK)
def test_from_json_rejects_junk(junk: object) -> None:
    with pytest.raises(ValueError):
        SignedTreeHead.from_json(junk)


@given(st.dictionaries(st.sampled_from(sorted(_wire())), json_values | st.binary()))
def test_from_json_on_random_fields_raises_only_value_error(fields: dict[str, object]) -> None:
    wire = _wire(**fields)
    try:
        sth = SignedTreeHead.from_json(wire)
    except ValueError:
        return
    assert sth.to_json() == wire


def test_tree_head_constructor_validates() -> None:
    with pytest.raises(ValueError):
        TreeHead(tree_size=1, root_hash=b"\x00" * 31, timestamp_ms=0, log_id="l")
    with pytest.raises(TypeError):
        TreeHead(tree_size=True, root_hash=ROOT, timestamp_ms=0, log_id="l")
    with pytest.raises(ValueError):
        SignedTreeHead(head=HEAD, key_id="0" * 16, signature=b"\x00" * 63)
