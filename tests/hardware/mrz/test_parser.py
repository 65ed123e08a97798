"""Parser: the ICAO 9303 specimens, per-field check failures, normalisation and permits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from hardware.mrz.emulator import compose
from hardware.mrz.errors import (
    MrzError,
    MrzFormatError,
    MrzLayoutError,
    UnsupportedDocumentError,
)
from hardware.mrz.parser import (
    Layout,
    check_digit,
    normalize,
    parse,
    parse_birth_date,
    parse_expiry_date,
    split_name,
)

TODAY = date(2026, 1, 1)

# ICAO Doc 9303 specimens (hardware-protocols.md §4.1), fictional "Utopia" documents.
TD3_SPECIMEN = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
)
TD1_SPECIMEN = (
    "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
)


def _with(text: str, line: int, pos: int, ch: str) -> str:
    lines = text.split("\n")
    lines[line] = lines[line][:pos] + ch + lines[line][pos + 1 :]
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("data", "digit"),
    [("L898902C3", "6"), ("740812", "2"), ("120415", "9"), ("D23145890", "7"), ("", "0")],
)
def test_check_digit_vectors(data: str, digit: str) -> None:
    assert check_digit(data) == digit


def test_td3_specimen_every_field() -> None:
    r = parse(TD3_SPECIMEN, today=TODAY)
    assert r.layout is Layout.TD3
    assert r.document_type == "P"
    assert r.issuing_state == "UTO"
    assert r.surname == "ERIKSSON"
    assert r.given_names == "ANNA MARIA"
    assert r.document_number == "L898902C3"
    assert r.nationality == "UTO"
    assert r.birth_date_raw == "740812"
    assert r.birth_date == date(1974, 8, 12)
    assert r.sex == "F"
    assert r.expiry_date == date(2012, 4, 15)
    assert r.optional_data_1 == "ZE184226B"
    assert r.optional_data_2 == ""
    assert r.checks.as_dict() == {
        "document_number": True,
        "birth_date": True,
        "expiry_date": True,
        "optional_data": True,
        "composite": True,
    }
    assert r.valid
    assert r.warnings == ()
    assert not r.cn_permit


def test_td1_specimen_every_field() -> None:
    r = parse(TD1_SPECIMEN, today=TODAY)
    assert r.layout is Layout.TD1
    assert r.document_type == "I"
    assert r.issuing_state == "UTO"
    assert r.surname == "ERIKSSON"
    assert r.given_names == "ANNA MARIA"
    assert r.document_number == "D23145890"
    assert r.nationality == "UTO"
    assert r.birth_date == date(1974, 8, 12)
    assert r.sex == "F"
    assert r.expiry_date == date(2012, 4, 15)
    assert r.optional_data_1 == ""
    assert r.optional_data_2 == ""
    assert r.checks.as_dict() == {
        "document_number": True,
        "birth_date": True,
        "expiry_date": True,
        "optional_data": None,
        "composite": True,
    }
    assert r.valid


@pytest.mark.parametrize(
    ("line", "pos", "ch", "failed"),
    [
        (1, 9, "7", ("document_number", "composite")),
        (1, 19, "3", ("birth_date", "composite")),
        (1, 27, "0", ("expiry_date", "composite")),
        (1, 42, "2", ("optional_data", "composite")),
        (1, 43, "1", ("composite",)),
        (1, 2, "5", ("document_number", "composite")),  # data changed, digit kept
    ],
)
def test_td3_each_check_fails_alone(line: int, pos: int, ch: str, failed: tuple[str, ...]) -> None:
    r = parse(_with(TD3_SPECIMEN, line, pos, ch), today=TODAY)
    assert r.checks.failed() == failed
    assert not r.valid


@pytest.mark.parametrize(
    ("line", "pos", "ch", "failed"),
    [
        (0, 14, "1", ("document_number", "composite")),
        (1, 6, "5", ("birth_date", "composite")),
        (1, 14, "0", ("expiry_date", "composite")),
        (1, 29, "0", ("composite",)),
        (0, 20, "X", ("composite",)),  # optional data is only covered by the composite
    ],
)
def test_td1_each_check_fails_alone(line: int, pos: int, ch: str, failed: tuple[str, ...]) -> None:
    r = parse(_with(TD1_SPECIMEN, line, pos, ch), today=TODAY)
    assert r.checks.failed() == failed


def test_names_are_not_check_digit_protected() -> None:
    r = parse(_with(TD3_SPECIMEN, 0, 6, "X"), today=TODAY)
    assert r.valid
    assert r.surname == "EXIKSSON"


def test_normalisation_lower_case_crlf_underscores_and_spaces() -> None:
    messy = "  " + TD3_SPECIMEN.lower().replace("<", "_").replace("\n", "\r\n") + " \r\n\r\n"
    r = parse(messy, today=TODAY)
    assert r.valid
    assert r.lines == tuple(TD3_SPECIMEN.split("\n"))


def test_internal_spaces_and_guillemets_are_fillers() -> None:
    text = TD1_SPECIMEN.replace("<<<<<<<<<<<<<<<\n", "<<<<<<< «««««««\n", 1)
    assert parse(text, today=TODAY).lines == parse(TD1_SPECIMEN, today=TODAY).lines


def test_control_characters_from_framing_are_dropped() -> None:
    assert parse("\x02" + TD3_SPECIMEN + "\r\x03", today=TODAY).valid


def test_run_on_zone_without_line_breaks() -> None:
    assert parse(TD3_SPECIMEN.replace("\n", ""), today=TODAY).layout is Layout.TD3
    assert parse(TD1_SPECIMEN.replace("\n", ""), today=TODAY).layout is Layout.TD1


def test_o_for_zero_in_numeric_field_is_fixed_and_warned() -> None:
    r = parse(_with(TD3_SPECIMEN, 1, 15, "O"), today=TODAY)  # 740812 read as 74O812
    assert r.valid
    assert r.birth_date == date(1974, 8, 12)
    assert [(w.code, w.field) for w in r.warnings] == [("ocr", "birth_date")]
    assert "birth_date" in r.warnings[0].message


def test_zero_for_o_in_alphabetic_field_is_fixed_and_warned() -> None:
    r = parse(_with(TD3_SPECIMEN, 1, 10, "0"), today=TODAY)  # nationality "0TO"
    assert r.nationality == "OTO"
    assert [w.field for w in r.warnings] == ["nationality"]


def test_document_number_is_never_ocr_fixed() -> None:
    # O and 0 are both legal in a document number: a swap must surface as a check failure.
    r = parse(_with(TD3_SPECIMEN, 1, 3, "O"), today=TODAY)
    assert r.document_number == "L89O902C3"
    assert r.checks.failed() == ("document_number", "composite")
    assert r.warnings == ()


def test_td3_all_filler_personal_number_accepts_filler_check() -> None:
    line2 = "L898902C36UTO7408122F1204159<<<<<<<<<<<<<<<"
    composite = check_digit(line2[0:10] + line2[13:20] + line2[21:43])
    r = parse("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n" + line2 + composite, today=TODAY)
    assert r.checks.optional_data is True
    assert r.valid


def test_td1_document_number_overflow() -> None:
    # 12-character number: 9 in the number field, `<` as its check, the rest plus the real
    # check digit at the start of the optional data (ICAO 9303-5 §4.2.4).
    number = "D23145890123"
    top = "I<UTO" + number[:9] + "<" + number[9:] + check_digit(number)
    top = top.ljust(30, "<")
    middle = "7408122F1204159UTO<<<<<<<<<<<"
    middle += check_digit(top[5:30] + middle[0:7] + middle[8:15] + middle[18:29])
    r = parse("\n".join([top, middle, "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]), today=TODAY)
    assert r.document_number == number
    assert r.optional_data_1 == ""
    assert r.valid


def test_td2_and_visas() -> None:
    common: dict[str, Any] = {
        "issuing_state": "UTO",
        "surname": "TESTER",
        "given_names": "JIAN",
        "document_number": "X12345678",
        "nationality": "UTO",
        "birth_date": date(1980, 2, 29),
        "sex": "M",
        "expiry_date": date(2030, 12, 31),
        "optional_data": "AB12",
    }
    td2 = parse("\n".join(compose(Layout.TD2, document_type="I", **common)), today=TODAY)
    assert td2.layout is Layout.TD2
    assert td2.valid
    assert td2.optional_data_1 == "AB12"
    assert td2.checks.optional_data is None
    for layout in (Layout.MRVA, Layout.MRVB):
        visa = parse("\n".join(compose(layout, document_type="V", **common)), today=TODAY)
        assert visa.layout is layout
        assert visa.checks.composite is None
        assert visa.valid


def test_name_splitting() -> None:
    assert split_name("ERIKSSON<<ANNA<MARIA<<<<") == ("ERIKSSON", "ANNA MARIA")
    assert split_name("VAN<DER<BERG<<JAN") == ("VAN DER BERG", "JAN")
    assert split_name("MONONYM<<<<<<<") == ("MONONYM", "")
    assert split_name("ONLYSURNAME") == ("ONLYSURNAME", "")


def test_century_pivots() -> None:
    assert parse_birth_date("261231", TODAY) == date(1926, 12, 31)
    assert parse_birth_date("251231", TODAY) == date(2025, 12, 31)
    assert parse_birth_date("260101", TODAY) == date(2026, 1, 1)
    assert parse_birth_date("050607", TODAY) == date(2005, 6, 7)
    assert parse_expiry_date("350101", TODAY) == date(2035, 1, 1)
    assert parse_expiry_date("120415", TODAY) == date(2012, 4, 15)
    assert parse_expiry_date("751231", TODAY) == date(2075, 12, 31)
    assert parse_expiry_date("761231", TODAY) == date(1976, 12, 31)


def test_impossible_or_unknown_dates_are_warned_not_raised() -> None:
    r = parse(_with(_with(TD3_SPECIMEN, 1, 15, "3"), 1, 19, check_digit("743812")), today=TODAY)
    assert r.birth_date is None
    assert r.checks.birth_date is True
    assert not r.valid
    assert ("date", "birth_date") in [(w.code, w.field) for w in r.warnings]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", MrzFormatError),
        ("\r\n \x03", MrzFormatError),
        ("P<UTO€RIKSSON", MrzFormatError),
        (TD3_SPECIMEN + "\nEXTRA<LINE", MrzLayoutError),
        (TD3_SPECIMEN[:-1], MrzLayoutError),
        ("SHORT\nLINES", MrzLayoutError),
    ],
)
def test_structural_errors_are_typed(text: str, error: type[MrzError]) -> None:
    with pytest.raises(error) as info:
        parse(text, today=TODAY)
    assert info.value.message  # translated text for the operator


def test_three_line_permit_in_td1_shape() -> None:
    lines = compose(
        Layout.TD1,
        document_type="CS",
        issuing_state="CHN",
        surname="ZHANG",
        given_names="WEI",
        document_number="C12345678",
        nationality="CHN",
        birth_date=date(1990, 5, 17),
        sex="M",
        expiry_date=date(2032, 5, 16),
    )
    r = parse("\n".join(lines), today=TODAY)
    assert r.cn_permit
    assert r.document_type == "CS"
    assert r.valid


def test_permit_that_does_not_verify_is_unsupported_not_guessed() -> None:
    # A "CS…CHN" three-line zone whose digits do not verify under TD1 positions may be another
    # permit generation: refuse with the lines attached rather than return guessed fields.
    lines = ("CSCHNC12345678<2405171<3205166", "0" * 30, "ZHANG<<WEI".ljust(30, "<"))
    with pytest.raises(UnsupportedDocumentError) as info:
        parse("\n".join(lines), today=TODAY)
    assert info.value.lines == lines
    assert info.value.message


def test_one_line_permit_is_unsupported() -> None:
    with pytest.raises(UnsupportedDocumentError):
        parse("CSC123456785<2407011<3001017<6", today=TODAY)


def test_two_line_chinese_permit_is_unsupported() -> None:
    with pytest.raises(UnsupportedDocumentError):
        parse(TD3_SPECIMEN.replace("P<UTO", "CDCHN"), today=TODAY)


def test_record_is_frozen() -> None:
    r = parse(TD3_SPECIMEN, today=TODAY)
    with pytest.raises(AttributeError):
        r.surname = "X"  # type: ignore[misc]
    assert replace(r, surname="X").surname == "X"


def test_normalize_keeps_lines() -> None:
    assert normalize("abc\n\ndef") == ("ABC", "DEF")
