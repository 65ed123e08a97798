"""Text-block parsing for all four layouts (§1.6), the encoder round trip, and warnings."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.idcard import checkdigit
from hardware.idcard.errors import MalformedPayloadError
from hardware.idcard.payload import (
    build_read_payload,
    parse_read_payload,
    to_card_read,
)
from hardware.idcard.synthetic import synthetic_card
from hardware.idcard.tables import NATIONS, SEXES, CardKind, nation_name, sex_name
from hardware.idcard.text import (
    IdentityRecord,
    encode_text_block,
    parse_text_block,
)


def blank() -> bytearray:
    return bytearray(" ".encode("utf-16-le") * 128)


def put(block: bytearray, offset: int, size: int, text: str) -> None:
    """Write `text` at a byte offset taken straight from the reference tables."""
    encoded = text.encode("utf-16-le")
    assert len(encoded) <= size
    block[offset : offset + size] = " ".encode("utf-16-le") * (size // 2)
    block[offset : offset + len(encoded)] = encoded


RESIDENT_NUMBER = checkdigit.complete("11010119900307123")  # 17th digit 3: male


def resident_block() -> bytearray:
    block = blank()
    put(block, 0, 30, "买买提·测试")
    put(block, 30, 2, "1")
    put(block, 32, 4, "05")
    put(block, 36, 16, "19900307")
    put(block, 52, 70, "北京市东城区测试路 1 号")
    put(block, 122, 36, RESIDENT_NUMBER)
    put(block, 158, 30, "北京市公安局东城分局")
    put(block, 188, 16, "20200101")
    put(block, 204, 16, "长期")
    return block


def test_hand_assembled_resident_block() -> None:
    record = parse_text_block(bytes(resident_block()))
    assert record.kind is CardKind.RESIDENT
    assert record.name == "买买提·测试"
    assert record.sex == "1"
    assert record.sex_name == "男"
    assert record.nation == "05"
    assert record.nation_name == "维吾尔"
    assert record.birth_date == date(1990, 3, 7)
    assert record.address == "北京市东城区测试路 1 号"  # inner spaces kept
    assert record.id_number == RESIDENT_NUMBER
    assert record.authority == "北京市公安局东城分局"
    assert record.valid_from == date(2020, 1, 1)
    assert record.valid_until is None
    assert record.long_term
    assert record.warnings == ()


def test_resident_with_end_date() -> None:
    block = resident_block()
    put(block, 204, 16, "20400101")
    record = parse_text_block(bytes(block))
    assert record.valid_until == date(2040, 1, 1)
    assert not record.long_term


HMT_NUMBER = checkdigit.complete("81000019851212004")  # 17th digit 4: female


def test_hand_assembled_hmt_block() -> None:
    block = blank()
    put(block, 0, 30, "陈样例")
    put(block, 30, 2, "2")
    put(block, 36, 16, "19851212")
    put(block, 52, 70, "北京市东城区样例街2号")
    put(block, 122, 36, HMT_NUMBER)
    put(block, 158, 30, "北京市公安局东城分局")
    put(block, 188, 16, "20210601")
    put(block, 204, 16, "20260601")
    put(block, 220, 18, "H12345678")
    put(block, 238, 4, "03")
    put(block, 248, 2, "J")
    record = parse_text_block(bytes(block))
    assert record.kind is CardKind.HMT_RESIDENCE
    assert (record.name, record.sex, record.nation) == ("陈样例", "2", "")
    assert record.nation_name is None
    assert record.birth_date == date(1985, 12, 12)
    assert record.address == "北京市东城区样例街2号"
    assert record.id_number == HMT_NUMBER
    assert record.authority == "北京市公安局东城分局"
    assert (record.valid_from, record.valid_until) == (date(2021, 6, 1), date(2026, 6, 1))
    assert record.pass_number == "H12345678"
    assert record.issue_count == "03"
    assert record.warnings == ()


def test_hand_assembled_foreigner_2017_block() -> None:
    block = blank()
    put(block, 0, 120, "SAMPLE TESTER JOHN")
    put(block, 120, 2, "1")
    put(block, 122, 30, "CAN110800101001")
    put(block, 152, 6, "CAN")
    put(block, 158, 30, "测试约翰")
    put(block, 188, 16, "20170301")
    put(block, 204, 16, "20270301")
    put(block, 220, 16, "19800101")
    put(block, 236, 4, "02")
    put(block, 240, 8, "1100")
    put(block, 248, 2, "I")
    record = parse_text_block(bytes(block))
    assert record.kind is CardKind.FOREIGNER_2017
    assert record.english_name == "SAMPLE TESTER JOHN"
    assert record.sex == "1"
    assert record.id_number == "CAN110800101001"
    assert record.nationality == "CAN"
    assert record.name == "测试约翰"
    assert (record.valid_from, record.valid_until) == (date(2017, 3, 1), date(2027, 3, 1))
    assert record.birth_date == date(1980, 1, 1)
    assert record.card_version == "02"
    assert record.authority_code == "1100"
    assert record.warnings == ()


Y_NUMBER = checkdigit.complete("91110119750505003")  # odd: male


def test_hand_assembled_foreigner_2023_block_with_long_english_name() -> None:
    english = "PLACEHOLDER-EXAMPLE-SAMPLE-DEMONSTRATION TESTE"  # 46 chars: 35 + 11
    assert len(english) == 46
    block = blank()
    put(block, 0, 30, "样例")
    put(block, 30, 2, "1")
    put(block, 32, 4, "01")
    put(block, 36, 16, "19750505")
    put(block, 52, 70, english[:35])
    put(block, 122, 36, Y_NUMBER)
    put(block, 188, 16, "20230101")
    put(block, 204, 16, "20330101")
    put(block, 220, 22, english[35:])
    put(block, 242, 6, "GBR")
    put(block, 248, 2, "Y")
    put(block, 250, 6, "ABC")
    record = parse_text_block(bytes(block))
    assert record.kind is CardKind.FOREIGNER_2023
    assert record.name == "样例"
    assert record.sex == "1"
    assert record.renewal_count == "01"
    assert record.birth_date == date(1975, 5, 5)
    assert record.english_name == english
    assert record.id_number == Y_NUMBER
    assert record.authority == ""
    assert (record.valid_from, record.valid_until) == (date(2023, 1, 1), date(2033, 1, 1))
    assert record.nationality == "GBR"
    assert record.previous_card == "ABC"
    assert record.warnings == ()
    assert encode_text_block(record) == bytes(block)


@pytest.mark.parametrize("kind", list(CardKind))
@pytest.mark.parametrize("seed", range(8))
def test_synthetic_cards_round_trip(kind: CardKind, seed: int) -> None:
    card = synthetic_card(kind, seed)
    block = card.text_block
    assert len(block) == 256
    record = parse_text_block(block)
    assert record == card.record
    assert record.warnings == ()
    assert encode_text_block(record) == block
    if kind is CardKind.RESIDENT:
        assert record.id_number.startswith("110101")
    if kind is not CardKind.FOREIGNER_2017:
        assert checkdigit.is_valid(record.id_number)


def test_synthetic_cards_are_deterministic() -> None:
    assert synthetic_card(CardKind.RESIDENT, 3) == synthetic_card(CardKind.RESIDENT, 3)
    assert synthetic_card(CardKind.RESIDENT, 3) != synthetic_card(CardKind.RESIDENT, 4)


def test_trailing_padding_only_is_trimmed() -> None:
    block = resident_block()
    put(block, 0, 30, " 测 试 ")
    assert parse_text_block(bytes(block)).name == " 测 试"


def test_wrong_check_digit_is_a_warning_not_a_rejection() -> None:
    block = resident_block()
    wrong = RESIDENT_NUMBER[:17] + ("0" if RESIDENT_NUMBER[17] != "0" else "1")
    put(block, 122, 36, wrong)
    record = parse_text_block(bytes(block))
    assert record.id_number == wrong
    assert record.warnings == ("The ID number's check digit is wrong.",)


def test_sex_and_birth_mismatch_are_warnings() -> None:
    block = resident_block()
    put(block, 30, 2, "2")
    put(block, 36, 16, "19900308")
    warnings = parse_text_block(bytes(block)).warnings
    assert "The sex on the card does not match the ID number." in warnings
    assert "The birth date on the card does not match the ID number." in warnings


def test_unknown_codes_and_bad_dates_are_warnings() -> None:
    block = resident_block()
    put(block, 30, 2, "7")
    put(block, 32, 4, "77")
    put(block, 188, 16, "2020AB01")
    record = parse_text_block(bytes(block))
    assert record.nation == "77"
    assert record.nation_name is None
    assert record.valid_from is None
    assert record.warnings == (
        "The validity start date 2020AB01 is not a valid date.",
        "Unknown sex code 7.",
        "Unknown nation code 77.",
    )


def test_malformed_number_and_reversed_validity() -> None:
    block = resident_block()
    put(block, 122, 36, "1101011990")
    put(block, 188, 16, "20300101")
    put(block, 204, 16, "20200101")
    warnings = parse_text_block(bytes(block)).warnings
    assert "The validity period ends before it starts." in warnings
    assert "The ID number is not 17 digits and a check character." in warnings


def test_undecodable_characters_are_replaced_with_a_warning() -> None:
    block = resident_block()
    block[0:2] = b"\x00\xd8"  # a lone high surrogate
    record = parse_text_block(bytes(block))
    assert record.name.startswith("\ufffd")
    assert "Some characters on the card could not be decoded." in record.warnings


def test_wrong_block_size_is_a_typed_error() -> None:
    with pytest.raises(MalformedPayloadError):
        parse_text_block(bytes(255))


def test_encoder_rejects_overlong_fields() -> None:
    record = synthetic_card(CardKind.RESIDENT, 1).record
    with pytest.raises(ValueError):
        encode_text_block(replace(record, name="测" * 16))


@given(st.binary(min_size=256, max_size=256))
def test_any_256_bytes_parse_without_raising(block: bytes) -> None:
    assert isinstance(parse_text_block(block), IdentityRecord)


def test_tables() -> None:
    assert len(NATIONS) == 58
    assert nation_name("01") == "汉"
    assert nation_name("46") == "德昂"
    assert nation_name("98") == "外国血统中国籍人士"
    assert set(SEXES) == {"0", "1", "2", "9"}
    assert sex_name("2") == "女"
    assert CardKind.from_flag("\x00\x00") is CardKind.RESIDENT


# --------------------------------------------------------------------------- payloads


@pytest.mark.parametrize(
    ("fingerprints", "frame_size"), [(None, 1295), (0, 1297), (1, 1809), (2, 2321)]
)
def test_read_payload_sizes(fingerprints: int | None, frame_size: int) -> None:
    from hardware.idcard.codec import build_response

    card = synthetic_card(CardKind.RESIDENT, 5, fingerprints=fingerprints or 0)
    finger = None if fingerprints is None else card.fingerprint
    data = build_read_payload(card.text_block, card.photo, finger)
    assert len(build_response(0x90, data)) == frame_size
    payload = parse_read_payload(data, with_fingerprint=fingerprints is not None)
    assert payload.text == card.text_block
    assert payload.photo == card.photo
    assert payload.fingerprint == finger
    read = to_card_read(payload)
    assert read.record == card.record
    assert len(read.photo_sha256) == 64
    assert len(read.fingerprint_templates) == (fingerprints or 0)
    assert read.decode_photo(None) is None


def test_fingerprint_offsets_match_reference() -> None:
    # §1.5: with `30 10` the ID number sits at frame offset 16 + 122 = 138.
    from hardware.idcard.codec import build_response

    card = synthetic_card(CardKind.RESIDENT, 6, fingerprints=2)
    frame = build_response(0x90, build_read_payload(card.text_block, card.photo, card.fingerprint))
    assert frame[138 : 138 + 36].decode("utf-16-le") == card.record.id_number
    assert frame[16 + 256 : 16 + 256 + 1024] == card.photo
    assert frame[1296:-1] == card.fingerprint


@pytest.mark.parametrize(
    "data",
    [
        b"\x01\x00",
        bytes.fromhex("0100 0400") + bytes(100),
        bytes.fromhex("0101 0400") + bytes(1281),
        bytes.fromhex("0100 0400 0100") + bytes(1281),
    ],
)
def test_malformed_payloads(data: bytes) -> None:
    with pytest.raises(MalformedPayloadError):
        parse_read_payload(data, with_fingerprint=len(data) > 1284)


def test_missing_dates_are_warnings() -> None:
    block = resident_block()
    put(block, 36, 16, "")
    put(block, 204, 16, "")
    record = parse_text_block(bytes(block))
    assert record.birth_date is None
    assert "The birth date is missing." in record.warnings
    assert "The validity end date is missing." in record.warnings
