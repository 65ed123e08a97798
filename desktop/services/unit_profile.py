"""The unit's legal particulars as the program uses them: shown to anyone, set by an admin.

The penalty documents print the unit's abbreviation in their numbers (文号), the body that
hears an application for reconsideration, the court where the party may sue and how a fine
is paid (art. 59 (五) of the Administrative Penalty Law asks the decision to name the
channels). None of these can be derived from the unit's name (嘉兴市南湖区综合行政执法局 and
嘉兴市综合行政执法局 would both shorten to 嘉综执), so an administrator sets them once per
store (`set_profile`, audited) and `require` refuses to draft a penalty document before
they are set, saying what to set and who can (decision 51).
"""

from __future__ import annotations

from dataclasses import fields
from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.model import Role
from desktop.store import unit_profile as repo
from desktop.store.store import Store
from desktop.store.unit_profile import KeptUnitProfile, UnitParticularsRow

__all__ = ["KeptUnitProfile", "UnitParticularsRow", "field_labels", "require", "set_profile",
           "show"]


def field_labels() -> dict[str, str]:
    """Each particular's name as the officer reads it (translated), in the order set."""
    return {
        "abbreviation": _("Abbreviation in document numbers"),
        "reconsideration_body": _("Reconsideration body"),
        "court": _("Court"),
        "payee": _("Payee (account name)"),
        "bank": _("Bank"),
        "account": _("Account number"),
        "payment_method": _("How to pay"),
    }


def show(store: Store) -> KeptUnitProfile | None:
    """The profile in force, or None before an administrator set one."""
    with store.reading() as conn:
        return repo.current(conn)


def require(store: Store) -> UnitParticularsRow:
    """The particulars in force; refused with what to set, and who can, when there are none."""
    held = show(store)
    if held is None:
        raise UserError(_(
            "The unit's legal particulars are not set, so no penalty document can be drafted: "
            "an administrator sets the abbreviation in document numbers, the reconsideration "
            "body, the court and the payment details (payee, bank, account, how to pay) in "
            "Settings > Unit legal particulars, or with `statement-room unit set`."))
    return held.particulars


def _cleaned(particulars: UnitParticularsRow) -> UnitParticularsRow:
    labels = field_labels()
    values: dict[str, str] = {}
    for field in fields(UnitParticularsRow):
        value = " ".join(str(getattr(particulars, field.name)).split())
        if not value:
            raise UserError(_("{field} cannot be empty.").format(field=labels[field.name]))
        values[field.name] = value
    if any(c in values["abbreviation"] for c in " 〔〕[]()（）/\\"):
        raise UserError(_("The abbreviation is printed inside the document number: give it "
                          "without spaces, brackets or slashes (e.g. 南综执)."))
    if len(values["abbreviation"]) > 12:
        raise UserError(_("The abbreviation is printed inside the document number: keep it "
                          "short (at most 12 characters, e.g. 南综执)."))
    return UnitParticularsRow(**values)


def set_profile(store: Store, particulars: UnitParticularsRow) -> KeptUnitProfile:
    """Put new particulars in force (administrators only; audited). Documents already signed
    keep what they print; the next drafted ones print these."""
    if store.officer.role is not Role.ADMIN:
        raise UserError(_("Only an administrator can set the unit's legal particulars."))
    cleaned = _cleaned(particulars)
    held = show(store)
    if held is not None and held.particulars == cleaned:
        return held
    with store.transaction() as tx:
        return repo.save(tx, cleaned, store.officer.id)
