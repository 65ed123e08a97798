"""GB 11643-1999 samples from the reference (§1.7) and properties of the check."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.idcard import checkdigit

VALID = [
    "360426199101010071",
    "120103198806018241",
    "110101202311012176",
    "11010219781027232X",
    "932682198501010017",
    "911124198108030024",
]


@pytest.mark.parametrize("number", VALID)
def test_reference_samples_are_valid(number: str) -> None:
    assert checkdigit.is_valid(number)
    assert checkdigit.check_char(number[:17]) == number[17]


def test_lower_case_x_is_accepted() -> None:
    assert checkdigit.is_valid("11010219781027232x")


@pytest.mark.parametrize(
    "number", ["360426199101010072", "11010219781027232", "A10101202311012176", ""]
)
def test_invalid_numbers(number: str) -> None:
    assert not checkdigit.is_valid(number)


def test_birth_date_and_sex() -> None:
    assert checkdigit.birth_date("11010219781027232X") == date(1978, 10, 27)
    assert checkdigit.sex_code("11010219781027232X") == "2"  # 17th digit 2 is even
    assert checkdigit.sex_code("360426199101010071") == "1"  # 17th digit 7 is odd


def test_malformed_input_raises_value_error() -> None:
    with pytest.raises(ValueError):
        checkdigit.check_char("123")
    with pytest.raises(ValueError):
        checkdigit.birth_date("110101")
    with pytest.raises(ValueError):
        checkdigit.birth_date("110101199902300011")  # 30 February
    with pytest.raises(ValueError):
        checkdigit.sex_code("xyz")


@given(st.text("0123456789", min_size=17, max_size=17), st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_is_caught(first17: str, position: int, delta: int) -> None:
    number = checkdigit.complete(first17)
    assert checkdigit.is_valid(number)
    changed = list(number)
    changed[position] = str((int(changed[position]) + delta) % 10)
    assert not checkdigit.is_valid("".join(changed))
