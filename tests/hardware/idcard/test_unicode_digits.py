"""Issue 11 §6: an ID number typed with full-width (or other Unicode) digits.

A Chinese input method in full-width mode types '１１０１０１…'; `\\d` matched those, so the
number passed as well formed and `check_char` raised a bare ValueError (a crash dialog).
"""

from __future__ import annotations

import pytest

from hardware.idcard import checkdigit

VALID = "110101199003071233"  # synthetic: administrative code 110101, valid check digit
FULL = VALID.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})


def test_full_width_digits_are_not_well_formed_and_do_not_raise() -> None:
    assert FULL != VALID
    assert not checkdigit.is_well_formed(FULL)
    assert not checkdigit.is_valid(FULL)  # False, not ValueError


def test_normalize_turns_full_width_into_ascii() -> None:
    assert checkdigit.normalize(FULL) == VALID
    assert checkdigit.normalize(" " + FULL + "\u3000") == VALID
    x_number = next(n for s in range(1000)
                    if (n := checkdigit.complete(f"11010119900307{s:03d}")).endswith("X"))
    assert checkdigit.normalize(x_number[:-1] + "\uff58") == x_number  # full-width small x


@pytest.mark.parametrize("foreign", [
    "\u0661\u0661\u0660\u0661\u0660\u0661199003071233",  # Arabic-Indic ١١٠١٠١
    "11010119900307123\u0663",
    "\u2460\u2460\u24ea101199003071233",  # circled digits (NFKC would turn them into 1, 0)
    "11010119900307１２３\u06f3",  # Extended Arabic-Indic after full-width
])
def test_other_unicode_digits_are_refused_with_a_clear_message(foreign: str) -> None:
    with pytest.raises(checkdigit.IdNumberError) as caught:
        checkdigit.normalize(foreign)
    assert "0-9" in caught.value.message
    assert not checkdigit.is_valid(foreign)


def test_validate_says_what_is_wrong() -> None:
    assert checkdigit.validate(FULL) == VALID
    with pytest.raises(checkdigit.IdNumberError, match="18 characters"):
        checkdigit.validate("1101011990")
    with pytest.raises(checkdigit.IdNumberError, match="check digit"):
        checkdigit.validate(VALID[:-1] + "4")
    with pytest.raises(checkdigit.IdNumberError, match="0-9"):
        checkdigit.validate("\u0661" * 18)
