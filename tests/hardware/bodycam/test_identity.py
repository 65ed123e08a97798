from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.bodycam.errors import (
    BodycamError,
    FieldEncodingError,
    FieldTooLongError,
    IdentityRecordError,
    MissingFieldError,
    RecordLengthError,
)
from hardware.bodycam.identity import (
    AIRLINE_LAYOUT,
    C_LAYOUT,
    PACKED_LAYOUT,
    IdentityRecord,
    RecordLayout,
    decode_identity,
    encode_identity,
    fit_gbk,
)

RECORD = IdentityRecord("1234567", "123456", "张三", "110105000000", "北京市公安局朝阳分局")
LAYOUTS = [C_LAYOUT, PACKED_LAYOUT, AIRLINE_LAYOUT]


def test_layout_sizes() -> None:
    assert C_LAYOUT.size == 94
    assert PACKED_LAYOUT.size == 89
    assert AIRLINE_LAYOUT.size == 92


def test_c_layout_golden_bytes() -> None:
    data = encode_identity(RECORD, C_LAYOUT)
    assert data[0:8] == b"1234567\x00"
    assert data[8:15] == b"123456\x00"
    assert data[15:48] == "张三".encode("gbk").ljust(33, b"\x00")
    assert data[48:61] == b"110105000000\x00"
    assert data[61:94] == "北京市公安局朝阳分局".encode("gbk").ljust(33, b"\x00")


def test_packed_layout_offsets() -> None:
    data = encode_identity(RECORD, PACKED_LAYOUT)
    assert data[0:7] == b"1234567"
    assert data[7:13] == b"123456"
    assert data[13:45].rstrip(b"\x00") == "张三".encode("gbk")
    assert data[45:57] == b"110105000000"
    assert data[57:89].rstrip(b"\x00").decode("gbk") == "北京市公安局朝阳分局"


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
def test_round_trip(layout: RecordLayout) -> None:
    assert decode_identity(encode_identity(RECORD, layout), layout) == RECORD


def test_optional_fields_may_be_empty() -> None:
    record = IdentityRecord("ABC0001", "000001")
    assert decode_identity(encode_identity(record, PACKED_LAYOUT), PACKED_LAYOUT) == record


def test_too_long_is_refused_without_truncate() -> None:
    long_name = IdentityRecord("1234567", "123456", "警" * 17)  # 34 bytes > 32
    with pytest.raises(FieldTooLongError):
        encode_identity(long_name, C_LAYOUT)


def test_truncation_never_splits_a_gbk_character() -> None:
    # 1 ASCII byte then 2-byte characters: an odd byte is left over, never half a character.
    record = IdentityRecord("1234567", "123456", "A" + "警" * 20, unit_name="公" * 40)
    for layout in LAYOUTS:
        data = encode_identity(record, layout, truncate=True)
        decoded = decode_identity(data, layout)
        name_cap, unit_cap = layout.capacity("officer_name"), layout.capacity("unit_name")
        assert decoded.officer_name == "A" + "警" * ((name_cap - 1) // 2)
        assert decoded.unit_name == "公" * (unit_cap // 2)
        assert len(data) == layout.size


def test_serial_is_never_truncated() -> None:
    with pytest.raises(FieldTooLongError):
        encode_identity(IdentityRecord("12345678", "123456"), C_LAYOUT, truncate=True)


@pytest.mark.parametrize(
    "record",
    [
        IdentityRecord("", "123456"),
        IdentityRecord("1234567", ""),
    ],
)
def test_required_fields(record: IdentityRecord) -> None:
    with pytest.raises(MissingFieldError):
        encode_identity(record)


@pytest.mark.parametrize(
    "record",
    [
        IdentityRecord("12345\x0067", "123456"),
        IdentityRecord("１２３", "123456"),
        IdentityRecord("1234567", "123456", "😀"),
    ],
)
def test_unencodable(record: IdentityRecord) -> None:
    with pytest.raises(FieldEncodingError):
        encode_identity(record)


def test_fit_gbk() -> None:
    assert fit_gbk("张三", 3) == "张".encode("gbk")
    assert fit_gbk("张三", 4) == "张三".encode("gbk")
    assert fit_gbk("", 0) == b""


def test_wrong_length() -> None:
    with pytest.raises(RecordLengthError):
        decode_identity(b"\x00" * 93, C_LAYOUT)


def test_bytes_after_nul_are_ignored() -> None:
    data = bytearray(encode_identity(RECORD, C_LAYOUT))
    data[20:25] = b"\xffgar\x01"  # garbage after the name's terminator
    assert decode_identity(bytes(data), C_LAYOUT) == RECORD


def test_half_gbk_character_is_refused() -> None:
    data = bytearray(encode_identity(RECORD, PACKED_LAYOUT))
    data[13:45] = ("张" * 15).encode("gbk") + b"\xd5" + b"\x00"  # lone lead byte
    with pytest.raises(FieldEncodingError):
        decode_identity(bytes(data), PACKED_LAYOUT)


def test_errors_carry_message() -> None:
    with pytest.raises(IdentityRecordError) as info:
        decode_identity(b"", C_LAYOUT)
    assert info.value.message
    assert str(info.value) == info.value.message


@given(st.binary(max_size=120), st.sampled_from(LAYOUTS))
def test_decoder_raises_only_typed_errors(data: bytes, layout: RecordLayout) -> None:
    try:
        record = decode_identity(data, layout)
    except BodycamError:
        return
    assert decode_identity(encode_identity(record, layout), layout) == record


@given(st.binary(min_size=94, max_size=94))
def test_decoder_full_length_only_typed_errors(data: bytes) -> None:
    with contextlib.suppress(IdentityRecordError):
        decode_identity(data, C_LAYOUT)


_gbk_text = st.text(
    alphabet=st.characters(codec="gbk", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
    max_size=40,
).filter(lambda s: s.isprintable())


@given(_gbk_text, _gbk_text, st.sampled_from(LAYOUTS))
def test_truncated_round_trip_is_a_prefix(name: str, unit: str, layout: RecordLayout) -> None:
    record = IdentityRecord("1234567", "123456", name, unit_name=unit)
    decoded = decode_identity(encode_identity(record, layout, truncate=True), layout)
    assert name.startswith(decoded.officer_name)
    assert unit.startswith(decoded.unit_name)
    assert len(decoded.officer_name.encode("gbk")) <= layout.capacity("officer_name")
