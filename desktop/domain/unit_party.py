"""The checks a unit party passes before it is kept: its 统一社会信用代码 and its particulars.

The code's structure and its check character (GB 32100-2015) are checked by
`legal.credit_code`, the one implementation the desktop and HQ's wire format share; this
module words each fault for the officer.

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
from legal.credit_code import (
    CREDIT_CODE_CHARACTERS,
    CREDIT_CODE_LENGTH,
    CreditCodeFault,
    credit_check_character,
    credit_code_fault,
    foreign_character,
)

__all__ = ["CREDIT_CODE_CHARACTERS", "CREDIT_CODE_LENGTH", "MAX_ADDRESS", "MAX_NAME", "checked",
           "credit_check_character", "credit_code_problem", "normalized_credit_code"]

# Long enough for any real name or address, short enough that a paste of a whole page is
# refused rather than printed.
MAX_NAME = 120
MAX_ADDRESS = 200


def normalized_credit_code(text: str) -> str:
    """The code as typed, full-width forms folded (NFKC), without spaces and upper-cased
    (codes are printed in capitals)."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def credit_code_problem(text: str) -> str | None:
    """What is wrong with `text` as a 统一社会信用代码 (a translated sentence), or None."""
    code = normalized_credit_code(text)
    fault = credit_code_fault(code)
    if fault is None:
        return None
    if fault is CreditCodeFault.EMPTY:
        return _("Enter the unit's unified social credit code (统一社会信用代码).")
    if fault is CreditCodeFault.LENGTH:
        return _("A unified social credit code has 18 characters; this one has {count}.").format(
            count=len(code))
    if fault is CreditCodeFault.CHARACTER:
        return _("A unified social credit code uses only digits and capital letters without "
                 "I, O, S, V and Z; “{character}” is not one of them.").format(
                     character=foreign_character(code))
    if fault is CreditCodeFault.DIVISION:
        return _("Characters 3 to 8 of a unified social credit code are the administrative "
                 "division's six digits.")
    return _("The unified social credit code's check character does not match: a "
             "character is mistyped. Compare it with the business licence.")


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
