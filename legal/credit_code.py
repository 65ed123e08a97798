"""The 统一社会信用代码 (unified social credit code, GB 32100-2015) and its check character:
the one implementation the desktop (desktop/domain/unit_party.py, which words the problems for
the officer) and the wire format HQ parses (sync/protocol/penalty.py, a decision's unit party)
both use. It lives in `legal`, the pure package both may import (the import contracts keep
`sync` from importing `desktop`, and `desktop.domain` from importing `sync`).

A code has 18 characters from the 31 of 0-9 and A-Z without I, O, S, V, Z: the registration
authority (1), the kind of unit (2), the administrative division of the registering authority
(3-8, digits), the unit's organisation code (9-17) and a check character (18). With the
characters valued 0-30 in that order and the weights 3^(i-1) mod 31 of positions 1-17, the
check character is the one valued 31 - (weighted sum mod 31), 31 itself written 0. A single
mistyped character, or two of the first seventeen swapped, always shows.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["CREDIT_CODE_CHARACTERS", "CREDIT_CODE_LENGTH", "CreditCodeFault",
           "credit_check_character", "credit_code_fault", "foreign_character"]

CREDIT_CODE_LENGTH = 18
CREDIT_CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(CREDIT_CODE_CHARACTERS)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(CREDIT_CODE_LENGTH - 1))


class CreditCodeFault(StrEnum):
    """What is wrong with a code, in the order it is checked (the callers word it)."""

    EMPTY = "empty"
    LENGTH = "length"  # not 18 characters
    CHARACTER = "character"  # a character outside the code's alphabet
    DIVISION = "division"  # characters 3-8 are not six digits
    CHECK = "check"  # the check character does not match the first 17


def credit_check_character(first_17: str) -> str:
    """The check character of a code's first 17 characters (all from the code's alphabet)."""
    total = sum(_VALUE[c] * w for c, w in zip(first_17, _WEIGHTS, strict=True))
    return CREDIT_CODE_CHARACTERS[(31 - total % 31) % 31]


def foreign_character(code: str) -> str | None:
    """The first character of `code` outside the code's alphabet, if any."""
    return next((c for c in code if c not in _VALUE), None)


def credit_code_fault(code: str) -> CreditCodeFault | None:
    """The first fault of `code` as written (no folding of case, spaces or full-width forms:
    the caller normalises what an officer types), or None for a valid code."""
    if not code:
        return CreditCodeFault.EMPTY
    if len(code) != CREDIT_CODE_LENGTH:
        return CreditCodeFault.LENGTH
    if foreign_character(code) is not None:
        return CreditCodeFault.CHARACTER
    if not code[2:8].isdigit():
        return CreditCodeFault.DIVISION
    if credit_check_character(code[:17]) != code[17]:
        return CreditCodeFault.CHECK
    return None
