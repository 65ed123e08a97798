"""Chinese numerals of articles, paragraphs and items: every spelling statutes and citations
use reads, and writing then reading gives the number back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legal.library.numerals import NumeralError, to_chinese, to_int


@pytest.mark.parametrize(("text", "value"), [
    ("一", 1), ("十", 10), ("十五", 15), ("一十五", 15), ("二十", 20), ("三十三", 33),
    ("九十九", 99), ("一百", 100), ("一百零三", 103), ("一百一十", 110), ("二百一十", 210),
    ("一百二十六", 126), ("两", 2), ("两百", 200), ("一千零一", 1001), ("33", 33)])
def test_statute_spellings_read(text: str, value: int) -> None:
    assert to_int(text) == value


@pytest.mark.parametrize(("value", "text"), [
    (10, "十"), (15, "十五"), (103, "一百零三"), (110, "一百一十"), (210, "二百一十"),
    (86, "八十六"), (1010, "一千零一十")])
def test_written_as_statutes_print_them(value: int, text: str) -> None:
    assert to_chinese(value) == text


@pytest.mark.parametrize("bad", ["", "零", "三三", "十十", "百十百", "零十", "第", "a"])
def test_what_is_not_a_numeral_is_refused(bad: str) -> None:
    with pytest.raises(NumeralError):
        to_int(bad)


@pytest.mark.parametrize("bad", [0, -1, 10_000])
def test_numbers_outside_statutes_are_refused(bad: int) -> None:
    with pytest.raises(NumeralError):
        to_chinese(bad)


@given(st.integers(min_value=1, max_value=9999))
def test_writing_then_reading_gives_the_number(value: int) -> None:
    assert to_int(to_chinese(value)) == value
