"""GB 11643-1999 citizen identity numbers: the ISO 7064 MOD 11-2 check and embedded facts.

An 18-character number is a 6-digit administrative code, an 8-digit birth date, a 3-digit
sequence (odd for men, even for women) and a check character from "10X98765432". The same
check applies to Hong Kong/Macau/Taiwan residence permits and 2023 foreigner cards. These are
pure helpers; malformed input raises ValueError, and callers decide whether that is fatal.
"""

from __future__ import annotations

import re
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"\d{17}[\dX]")


def check_char(first17: str) -> str:
    """The check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("expected 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def is_well_formed(number: str) -> bool:
    """17 digits then a digit or X (upper case, as printed on the card)."""
    return _SHAPE.fullmatch(number) is not None


def is_valid(number: str) -> bool:
    """Well formed and the check character matches (lower-case x is accepted)."""
    number = number.upper()
    return is_well_formed(number) and check_char(number[:17]) == number[17]


def birth_date(number: str) -> date:
    """Digits 7-14 as a date; ValueError if they are not one."""
    if not is_well_formed(number.upper()):
        raise ValueError("not an 18-character identity number")
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def sex_code(number: str) -> str:
    """GB/T 2261.1 sex code from the sequence: '1' male (odd), '2' female (even)."""
    if not is_well_formed(number.upper()):
        raise ValueError("not an 18-character identity number")
    return "1" if int(number[16]) % 2 else "2"


def complete(first17: str) -> str:
    """The full 18-character number for 17 digits."""
    return first17 + check_char(first17)
