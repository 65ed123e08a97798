"""The discretion panel's words for the engine's and the decision's values, in one place.

The engine's reasoning steps are Chinese legal wording and are shown as written; what the
panel itself says (an outcome, a tier, a party type, a decision's state) goes through gettext
with an English msgid like every other screen.
"""

from __future__ import annotations

from gettext import gettext as _

from desktop.domain.penalty import DecisionState
from legal.discretion.evaluation import DeviationKind, Outcome
from legal.discretion.model import FineRange, PartyType, TierLevel

__all__ = ["deviation_words", "outcome_words", "party_words", "range_words", "state_words",
           "tier_words", "yuan"]


def outcome_words(outcome: Outcome) -> str:
    return {
        Outcome.PENALTY: _("Penalty"),
        Outcome.MAY_WAIVE: _("No penalty may be given (first violation, art. 33)"),
        Outcome.NO_PENALTY: _("No penalty (arts. 30, 31, 33)"),
        Outcome.TIME_BARRED: _("Time-barred: no penalty (art. 36)"),
    }[outcome]


def tier_words(level: TierLevel | None) -> str:
    if level is None:
        return _("none")
    return {
        TierLevel.EXEMPT: _("Exempt"),
        TierLevel.MINOR: _("Minor"),
        TierLevel.GENERAL: _("General"),
        TierLevel.SERIOUS: _("Serious"),
        TierLevel.GRAVE: _("Grave"),
    }[level]


def party_words(party: PartyType) -> str:
    return {PartyType.INDIVIDUAL: _("Individual"), PartyType.UNIT: _("Unit")}[party]


def deviation_words(kind: DeviationKind) -> str:
    return {
        DeviationKind.LIGHTER: _("Lighter (从轻): below the tier, within the statutory range"),
        DeviationKind.MITIGATED: _("Mitigated (减轻): below the statutory minimum"),
        DeviationKind.HEAVIER: _("Heavier (从重): above the tier"),
    }[kind]


def state_words(state: DecisionState) -> str:
    return {
        DecisionState.DRAFT: _("Proposal recorded; no penalty chosen yet"),
        DecisionState.CHOSEN: _("Penalty chosen; legal review is required before signing"),
        DecisionState.IN_REVIEW: _("With the legal reviewer"),
        DecisionState.RETURNED: _("Returned by the legal reviewer"),
        DecisionState.APPROVED: _("Approved: the documents can be drawn up"),
        DecisionState.DECIDED: _("Decided: the decision has been signed"),
    }[state]


def yuan(amount: int) -> str:
    return _("{amount} yuan").format(amount=f"{amount:,}")


def range_words(fine: FineRange | None) -> str:
    if fine is None:
        return _("no fine")
    return _("{low}–{high} yuan").format(low=f"{fine.low:,}", high=f"{fine.high:,}")
