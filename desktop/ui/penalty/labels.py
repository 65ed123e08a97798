"""The words the penalty screens use for the decision's records (states, tiers, verdicts,
documents, deviations), in the window's language, and the few formatting helpers they share.

The reasoning steps, citations and documents themselves are Chinese legal wording and are
shown as recorded; only the screens' own words are translated here.
"""

from __future__ import annotations

from gettext import gettext as _

from desktop.domain.penalty import DecisionState, PenaltyDocumentKind, ReviewVerdict
from legal.discretion.evaluation import DeviationKind, Outcome
from legal.discretion.model import FineRange, PartyType, TierLevel

__all__ = ["decision_state_explained", "decision_state_label", "deviation_explained",
           "deviation_label", "document_label", "escape", "outcome_label", "party_type_label",
           "tier_label", "verdict_label", "yuan", "yuan_range"]


def decision_state_label(state: DecisionState) -> str:
    return {
        DecisionState.DRAFT: _("Draft"),
        DecisionState.CHOSEN: _("Penalty chosen"),
        DecisionState.IN_REVIEW: _("Waiting for legal review"),
        DecisionState.RETURNED: _("Returned by the legal reviewer"),
        DecisionState.APPROVED: _("Approved"),
        DecisionState.DECIDED: _("Decided (signed)"),
    }[state]


def decision_state_explained(state: DecisionState) -> str:
    """What the state means for the officer at the discretion panel (a sentence)."""
    return {
        DecisionState.DRAFT: _("Proposal recorded; no penalty chosen yet"),
        DecisionState.CHOSEN: _("Penalty chosen; legal review is required before signing"),
        DecisionState.IN_REVIEW: _("With the legal reviewer"),
        DecisionState.RETURNED: _("Returned by the legal reviewer"),
        DecisionState.APPROVED: _("Approved: the documents can be drawn up"),
        DecisionState.DECIDED: _("Decided: the decision has been signed"),
    }[state]


def verdict_label(verdict: ReviewVerdict) -> str:
    return {ReviewVerdict.APPROVED: _("Approved"),
            ReviewVerdict.RETURNED: _("Returned for changes")}[verdict]


def document_label(kind: PenaltyDocumentKind) -> str:
    """The document's official name (the Chinese catalogue gives the form's own title)."""
    return {
        PenaltyDocumentKind.ORDER_TO_CORRECT: _("Order to correct"),
        PenaltyDocumentKind.PRIOR_NOTICE: _("Prior notice of administrative penalty"),
        PenaltyDocumentKind.DECISION: _("Administrative penalty decision"),
        PenaltyDocumentKind.ON_THE_SPOT: _("On-the-spot penalty decision"),
        PenaltyDocumentKind.NO_PENALTY: _("Decision not to impose a penalty"),
    }[kind]


def tier_label(tier: TierLevel | None) -> str:
    if tier is None:
        return _("No tier (no penalty)")
    return {
        TierLevel.EXEMPT: _("Exempt"),
        TierLevel.MINOR: _("Minor"),
        TierLevel.GENERAL: _("General"),
        TierLevel.SERIOUS: _("Serious"),
        TierLevel.GRAVE: _("Grave"),
    }[tier]


def party_type_label(party_type: PartyType) -> str:
    return {PartyType.INDIVIDUAL: _("Individual"),
            PartyType.UNIT: _("Unit (legal person or organisation)")}[party_type]


def outcome_label(outcome: Outcome) -> str:
    return {
        Outcome.PENALTY: _("Penalty"),
        Outcome.MAY_WAIVE: _("May be waived (first violation, art. 33)"),
        Outcome.NO_PENALTY: _("No penalty (arts. 30, 31, 33)"),
        Outcome.TIME_BARRED: _("Time-barred (art. 36)"),
    }[outcome]


def deviation_label(kind: DeviationKind) -> str:
    return {
        DeviationKind.LIGHTER: _("Lighter penalty (从轻)"),
        DeviationKind.MITIGATED: _("Mitigated penalty (减轻)"),
        DeviationKind.HEAVIER: _("Heavier penalty (从重)"),
    }[kind]


def deviation_explained(kind: DeviationKind) -> str:
    """The kind with the rule it follows, where the officer chooses one."""
    return {
        DeviationKind.LIGHTER: _("Lighter (从轻): below the tier, within the statutory range"),
        DeviationKind.MITIGATED: _("Mitigated (减轻): below the statutory minimum"),
        DeviationKind.HEAVIER: _("Heavier (从重): above the tier"),
    }[kind]


def yuan(amount: int) -> str:
    return _("{amount} yuan").format(amount=f"{amount:,}")


def yuan_range(fine: FineRange | None) -> str:
    if fine is None:
        return _("no fine")
    return _("{low} to {high} yuan").format(low=f"{fine.low:,}", high=f"{fine.high:,}")


def escape(text: str) -> str:
    """Text for rich-text labels and browsers (a party's words never become markup)."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\n", "<br>"))
