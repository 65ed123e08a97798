"""The officer's choice under an evaluation (`choose`), accepted or refused with a stable code.

Inside the proposed range: no deviation is recorded. Outside it: a `Deviation` with a reason
that is not blank and the kind the amount is: LIGHTER (below the tier, not below the
statutory minimum), MITIGATED (below the statutory minimum, only on a ticked ground of arts.
30-32), HEAVIER (above the tier, never under mandatory mitigation). Never above the statutory
maximum, never zero or negative; no amount when there is no penalty; on the spot never above
art. 51's limit. See docs/decisions/0038-discretion-engine.md. `legal.discretion.engine`
re-exports `choose`.

An accepted choice also says what the chosen penalty gives the party (`Choice.hearing_right`,
art. 63) and whether it needs legal review (`Choice.legal_review_required`, art. 58), judged
on the chosen amount and kinds by the thresholds the evaluation recorded (`law.
hearing_grounds`, `law.review_grounds`, the engine's own rules), with a cited step wherever
this differs from what the evaluation found for its proposal or rests on another amount.
`settle` does the same for a choice made elsewhere (a record handed to the desktop).
"""

from __future__ import annotations

from dataclasses import replace

from legal.discretion.evaluation import (
    Choice,
    ChoiceRefused,
    Deviation,
    DeviationKind,
    Evaluation,
    Outcome,
    Step,
)
from legal.discretion.law import (
    ART32_ITEMS,
    FINE,
    LAW,
    MITIGATION_GROUNDS,
    ON_THE_SPOT_LIMITS,
    WARNING,
    hearing_grounds,
    review_grounds,
    yuan,
)

__all__ = ["choose", "consequences", "deviation_kind", "settle"]

_KIND_WORDS = {DeviationKind.LIGHTER: "从轻", DeviationKind.MITIGATED: "减轻",
               DeviationKind.HEAVIER: "从重"}


def choose(evaluation: Evaluation, *, waive: bool, amount: int | None,
           deviation: Deviation | None) -> Choice:
    """The officer's choice, accepted (a `Choice` with its hearing right and legal review
    set) or refused (`ChoiceRefused`)."""
    choice = _choose(evaluation, waive=waive, amount=amount, deviation=deviation)
    settled = _settled(evaluation, choice)
    if evaluation.facts.on_the_spot and settled.hearing_right:
        # A hearing needs the prior notice of the general procedure (arts. 63-64).
        raise ChoiceRefused("on_the_spot_not_allowed", "a penalty with a hearing right is not "
                            "decided on the spot")
    return settled


def consequences(evaluation: Evaluation, *, waived: bool, amount: int | None,
                 penalties: tuple[str, ...]) -> tuple[bool, bool, tuple[Step, ...]]:
    """(hearing right, legal review required, the steps saying so) for a chosen penalty.

    Judged by the thresholds the evaluation recorded. An evaluation recorded before they were
    kept (``thresholds`` None) cannot judge another amount: its own findings then stand, so
    a right it found is never lost."""
    thresholds = evaluation.thresholds
    fine = None if waived else amount
    example = thresholds is not None and thresholds.example
    hearing_by = [] if waived else hearing_grounds(
        penalties, fine, None if thresholds is None else thresholds.hearing, chosen=True,
        example=example)
    hearing = bool(hearing_by) or (thresholds is None and not waived
                                   and evaluation.hearing_right)
    review_by = review_grounds(evaluation.facts.conditions, fine,
                               None if thresholds is None else thresholds.review, hearing,
                               chosen=True, example=example)
    review = bool(review_by) or (thresholds is None and evaluation.legal_review_required)
    what = ("决定不予行政处罚" if waived else f"决定罚款{amount}元" if amount is not None
            else f"决定给予{'、'.join(penalties)}")
    other_amount = amount != evaluation.proposed_amount
    steps: list[Step] = []
    if hearing_by and (not evaluation.hearing_right or other_amount):
        steps.append(Step("art63", f"{'；'.join(g for g, _ in hearing_by)}，应当告知当事人有要求"
                                   "听证的权利。", tuple(dict.fromkeys(c for _, c in hearing_by))))
    elif not hearing and evaluation.hearing_right:
        steps.append(Step("art63", f"{what}，不属于行政处罚法第六十三条规定的听证情形，不告知"
                                   "听证权利。", (f"{LAW}第六十三条",)))
    if review_by and (not evaluation.legal_review_required or other_amount):
        steps.append(Step("art58", f"{'；'.join(g for g, _ in review_by)}，在作出决定之前应当进行"
                                   "法制审核；未经法制审核或者审核未通过的，不得作出决定。",
                          tuple(dict.fromkeys(c for _, c in review_by))))
    elif not review and evaluation.legal_review_required:
        steps.append(Step("art58", f"{what}，不属于行政处罚法第五十八条规定应当进行法制审核的"
                                   "情形。", (f"{LAW}第五十八条",)))
    return hearing, review, tuple(steps)


def settle(evaluation: Evaluation, choice: Choice) -> Choice:
    """``choice`` with its hearing right and legal review set from ``evaluation`` (and the
    steps saying so). A choice that already states them must state what the law gives:
    one that understates or overstates either is refused (``rights_mismatch``). A choice
    that states neither, under an evaluation recorded before the thresholds were kept, is
    left as it is: the evaluation's own findings stand for it, as `consequences` would say."""
    if evaluation.thresholds is None and choice.hearing_right is None \
            and choice.legal_review_required is None:
        return choice
    return _settled(evaluation, choice)


def _settled(evaluation: Evaluation, choice: Choice) -> Choice:
    hearing, review, steps = consequences(evaluation, waived=choice.waived,
                                          amount=choice.amount, penalties=choice.penalties)
    if choice.hearing_right is None and choice.legal_review_required is None:
        return replace(choice, hearing_right=hearing, legal_review_required=review,
                       steps=(*choice.steps, *steps))
    if (choice.hearing_right, choice.legal_review_required) != (hearing, review):
        raise ChoiceRefused("rights_mismatch", "the choice states another hearing right or "
                            "legal review than its penalty gives", hearing=str(hearing),
                            review=str(review))
    return choice


def _choose(evaluation: Evaluation, *, waive: bool, amount: int | None,
            deviation: Deviation | None) -> Choice:
    outcome = evaluation.outcome
    if outcome in (Outcome.NO_PENALTY, Outcome.TIME_BARRED) or (
            waive and outcome is Outcome.MAY_WAIVE):
        if amount is not None or deviation is not None:
            raise ChoiceRefused("no_penalty", "no penalty may be given: no amount, no deviation")
        text = ("依法不再给予行政处罚。" if outcome is Outcome.TIME_BARRED else
                "决定不予行政处罚，对当事人进行教育。")
        return Choice(waived=True, amount=None, penalties=(), deviation=None,
                      steps=(Step("choice", text, ()),))
    if waive:
        raise ChoiceRefused("cannot_waive", "the law gives no ground to waive the penalty")
    if amount is None:
        return _without_fine(evaluation, deviation)
    if amount <= 0:
        raise ChoiceRefused("amount_not_positive", f"a fine of {amount} yuan", amount=amount)
    statutory = evaluation.statutory_range
    if statutory is None and evaluation.statutory_factors is not None:
        # A share or multiple of a base (decision 52) with no base given: no yuan to check.
        raise ChoiceRefused("base_required", "the fine is a share or multiple of a base; "
                            "give the base amount and evaluate again",
                            base=evaluation.statutory_factors.base)
    if statutory is None:
        raise ChoiceRefused("no_statutory_range", "the penalty clause gives this party type no "
                                                  "fine range")
    if amount > statutory.high:
        raise ChoiceRefused("above_statutory_maximum", f"{amount} above {statutory.high}",
                            amount=amount, maximum=statutory.high)
    facts = evaluation.facts
    limit = ON_THE_SPOT_LIMITS[facts.party_type]
    if facts.on_the_spot and amount > limit:
        raise ChoiceRefused("on_the_spot_limit", f"{amount} above {limit} on the spot",
                            amount=amount, limit=limit)
    if facts.on_the_spot and not evaluation.on_the_spot_allowed:
        raise ChoiceRefused("on_the_spot_not_allowed", "not eligible for an on-the-spot decision")
    tier = evaluation.proposed_range
    penalties = tuple(dict.fromkeys((*[p for p in evaluation.penalties if p != WARNING], FINE)))
    if tier is not None and amount in tier:
        if deviation is not None:
            raise ChoiceRefused("deviation_not_needed", "the amount is within the tier")
        return Choice(waived=False, amount=amount, penalties=penalties, deviation=None,
                      steps=(Step("choice", f"决定罚款{amount}元，在裁量幅度{yuan(tier)}内。",
                                  evaluation.penalty_basis),))
    wanted = deviation_kind(evaluation, amount)
    assert wanted is not None  # outside the tier, within the statutory maximum
    _check_deviation(evaluation, deviation, wanted)
    assert deviation is not None
    return Choice(waived=False, amount=amount, penalties=penalties, deviation=deviation,
                  steps=(_deviation_step(evaluation, amount, deviation),))


def deviation_kind(evaluation: Evaluation, amount: int) -> DeviationKind | None:
    """The kind of deviation ``amount`` is from the evaluation's proposal: MITIGATED below
    the statutory minimum (whatever the tier), LIGHTER below the tier, HEAVIER above it;
    None inside the tier, above the statutory maximum, or without a statutory range.

    Below the tier is never HEAVIER, also where the tier has no fine at all: an amount below
    the statutory minimum is 减轻 whatever else holds (the form preselects this kind; the
    officer writes the reason)."""
    statutory, tier = evaluation.statutory_range, evaluation.proposed_range
    if statutory is None or amount > statutory.high or (tier is not None and amount in tier):
        return None
    if amount < statutory.low:
        return DeviationKind.MITIGATED
    if tier is not None and amount < tier.low:
        return DeviationKind.LIGHTER
    return DeviationKind.HEAVIER  # above the tier, or a fine where the tier gives none


def _without_fine(evaluation: Evaluation, deviation: Deviation | None) -> Choice:
    others = tuple(p for p in evaluation.penalties if p != FINE)
    if not others:
        raise ChoiceRefused("amount_required", "the tier's penalty is a fine: give the amount")
    if deviation is not None:
        raise ChoiceRefused("deviation_not_needed", "no fine, nothing to deviate from")
    if evaluation.facts.on_the_spot and not evaluation.on_the_spot_allowed:
        raise ChoiceRefused("on_the_spot_not_allowed", "not eligible for an on-the-spot decision")
    return Choice(waived=False, amount=None, penalties=others, deviation=None,
                  steps=(Step("choice", f"决定给予{'、'.join(others)}。",
                              evaluation.penalty_basis),))


def _check_deviation(evaluation: Evaluation, deviation: Deviation | None,
                     wanted: DeviationKind) -> None:
    if deviation is None:
        raise ChoiceRefused("deviation_required", "an amount outside the tier needs a reason",
                            kind=wanted.value)
    # The kind first: a wrong kind (从重 for an amount below the statutory minimum) is said
    # as such, not hidden behind the missing reason.
    if deviation.kind is not wanted:
        raise ChoiceRefused("wrong_deviation_kind", f"this amount is {wanted.value}, "
                            f"not {deviation.kind.value}", kind=wanted.value,
                            given=deviation.kind.value)
    if not deviation.reason.strip():
        raise ChoiceRefused("reason_required", "a deviation needs a written reason",
                            kind=wanted.value)
    if wanted is DeviationKind.MITIGATED and not (
            evaluation.facts.conditions & MITIGATION_GROUNDS):
        raise ChoiceRefused("mitigation_without_grounds", "below the statutory minimum only "
                            "on the grounds of arts. 30-32")
    if wanted is DeviationKind.HEAVIER and evaluation.mandatory_mitigation:
        raise ChoiceRefused("heavier_under_mitigation", "the law requires a lighter or "
                            "mitigated penalty")


def _deviation_step(evaluation: Evaluation, amount: int, deviation: Deviation) -> Step:
    tier = evaluation.proposed_range
    where = f"裁量幅度{yuan(tier)}" if tier is not None else "裁量基准本阶次（未设罚款）"
    citations: list[str] = list(evaluation.penalty_basis)
    if deviation.kind is DeviationKind.MITIGATED:
        for code, item in ART32_ITEMS.items():
            if code in evaluation.facts.conditions:
                citations.append(f"{LAW}第三十二条第{item}项")
        if "age_14_to_18" in evaluation.facts.conditions:
            citations.append(f"{LAW}第三十条")
        if "mental_partial" in evaluation.facts.conditions:
            citations.append(f"{LAW}第三十一条")
    words = _KIND_WORDS[deviation.kind]
    return Step("deviation", f"执法人员决定{words}处罚，罚款{amount}元，超出{where}。理由："
                             f"{deviation.reason.strip()}", tuple(dict.fromkeys(citations)))
