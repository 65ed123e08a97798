"""The checks a unit party passes before it is kept: its 统一社会信用代码 and its particulars.

The unified social credit code (GB 32100-2015) has 18 characters from the 31 of
0-9 and A-Z without I, O, S, V, Z: the registration authority (1), the kind of unit (2),
the administrative division of the registering authority (3-8, digits), the unit's
organisation code (9-17) and a check character (18). The check character is what makes a
mistyped code show at once: with the characters valued 0-30 in that order and the weights
3^(i-1) mod 31 of positions 1-17, it is the character valued 31 - (weighted sum mod 31)
(31 itself written 0). A single mistyped character, or two of the first seventeen swapped,
always shows.

`credit_code_problem` says what is wrong with a code (translated), or None; the capture
form calls it on every keystroke. `checked` cleans a whole unit party (spaces collapsed,
the code upper-cased) and refuses one that lacks what a decision must print.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.model import UnitParty

CREDIT_CODE_LENGTH = 18
CREDIT_CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(CREDIT_CODE_CHARACTERS)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(CREDIT_CODE_LENGTH - 1))
# Long enough for any real name or address, short enough that a paste of a whole page is
# refused rather than printed.
MAX_NAME = 120
MAX_ADDRESS = 200


def normalized_credit_code(text: str) -> str:
    """The code as typed, full-width forms folded (NFKC), without spaces and upper-cased
    (codes are printed in capitals)."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def credit_check_character(first_17: str) -> str:
    """The check character of a code's first 17 characters (all from the code's alphabet)."""
    total = sum(_VALUE[c] * w for c, w in zip(first_17, _WEIGHTS, strict=True))
    return CREDIT_CODE_CHARACTERS[(31 - total % 31) % 31]


def credit_code_problem(text: str) -> str | None:
    """What is wrong with `text` as a 统一社会信用代码 (a translated sentence), or None."""
    code = normalized_credit_code(text)
    if not code:
        return _("Enter the unit's unified social credit code (统一社会信用代码).")
    if len(code) != CREDIT_CODE_LENGTH:
        return _("A unified social credit code has 18 characters; this one has {count}.").format(
            count=len(code))
    wrong = [c for c in code if c not in _VALUE]
    if wrong:
        return _("A unified social credit code uses only digits and capital letters without "
                 "I, O, S, V and Z; “{character}” is not one of them.").format(
                     character=wrong[0])
    if not code[2:8].isdigit():
        return _("Characters 3 to 8 of a unified social credit code are the administrative "
                 "division's six digits.")
    if credit_check_character(code[:17]) != code[17]:
        return _("The unified social credit code's check character does not match: a "
                 "character is mistyped. Compare it with the business licence.")
    return None


def _line(text: str) -> str:
    return " ".join(text.split())


def checked(unit: UnitParty) -> UnitParty:
    """`unit` cleaned for keeping; refused (translated) when a particular is missing or wrong."""
    cleaned = replace(unit, name=_line(unit.name), representative=_line(unit.representative),
                      address=_line(unit.address), phone=_line(unit.phone),
                      credit_code=normalized_credit_code(unit.credit_code))
    if not cleaned.name:
        raise UserError(_("Enter the unit's name (名称) as on its business licence."))
    if len(cleaned.name) > MAX_NAME:
        raise UserError(_("The unit's name is too long (at most {count} characters).").format(
            count=MAX_NAME))
    problem = credit_code_problem(cleaned.credit_code)
    if problem is not None:
        raise UserError(problem)
    if not cleaned.representative:
        raise UserError(_("Enter the name of the unit's legal representative or principal "
                          "(法定代表人或者负责人)."))
    if len(cleaned.representative) > MAX_NAME:
        raise UserError(_("The representative's name is too long (at most {count} "
                          "characters).").format(count=MAX_NAME))
    if not cleaned.address:
        raise UserError(_("Enter the unit's registered address (住所)."))
    if len(cleaned.address) > MAX_ADDRESS:
        raise UserError(_("The unit's address is too long (at most {count} characters)."
                          ).format(count=MAX_ADDRESS))
    return cleaned
