"""GB 11643-1999 citizen identity numbers: the ISO 7064 MOD 11-2 check and embedded facts.

An 18-character number is a 6-digit administrative code, an 8-digit birth date, a 3-digit
sequence (odd for men, even for women) and a check character from "10X98765432". The same
check applies to Hong Kong/Macau/Taiwan residence permits and 2023 foreigner cards. These are
pure helpers; malformed input raises ValueError, and callers decide whether that is fatal.

Typed numbers go through `normalize` (or `validate`) first: a Chinese input method in
full-width mode types '１１０１…', which becomes ASCII; any other Unicode digit (Arabic-Indic,
circled, ...) is refused with `IdNumberError`, whose `message` is translated and says what is
wrong. Only ASCII 0-9 and X are ever well formed.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from gettext import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
_FULL_WIDTH = range(0xFF01, 0xFF5F)  # the full-width forms of printable ASCII
_SPACES = " \t\u3000"  # ASCII and ideographic (full-width) spaces around a typed number


class IdNumberError(ValueError):
    """A typed identity number that cannot be right; `message` says why, translated."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message


def normalize(number: str) -> str:
    """A typed number in ASCII upper case: full-width forms become ASCII, spaces around go.

    Refuses (`IdNumberError`) any other non-ASCII digit, since it is not what the card says
    and `int()` would silently accept it.
    """
    folded = "".join(
        unicodedata.normalize("NFKC", c) if ord(c) in _FULL_WIDTH else c for c in number
    ).strip(_SPACES).upper()
    for c in folded:
        if not c.isascii() and (c.isdigit() or c.isnumeric()):
            raise IdNumberError(
                _("The ID number contains the character \u201c{char}\u201d, which is not one "
                  "of the digits 0-9; type it with the digits 0-9 (and X).").format(char=c)
            )
    return folded


def validate(number: str) -> str:
    """The typed number, normalised, if it is well formed with a matching check character."""
    number = normalize(number)
    if not is_well_formed(number):
        raise IdNumberError(
            _("An ID number has 18 characters: 17 digits, then a digit or X."))
    if not is_valid(number):
        raise IdNumberError(_("The ID number's check digit is wrong; check the number."))
    return number


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
