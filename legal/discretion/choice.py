"""The officer's choice under an evaluation (`choose`), accepted or refused with a stable code.

Inside the proposed range: no deviation is recorded. Outside it: a `Deviation` with a reason
that is not blank and the kind the amount is: LIGHTER (below the tier, not below the
statutory minimum), MITIGATED (below the statutory minimum, only on a ticked ground of arts.
30-32), HEAVIER (above the tier, never under mandatory mitigation). Never above the statutory
maximum, never zero or negative; no amount when there is no penalty; on the spot never above
art. 51's limit. See docs/decisions/0038-discretion-engine.md. `legal.discretion.engine`
re-exports `choose`.
"""

from __future__ import annotations

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
    yuan,
)

__all__ = ["choose"]

_KIND_WORDS = {DeviationKind.LIGHTER: "从轻", DeviationKind.MITIGATED: "减轻",
               DeviationKind.HEAVIER: "从重"}


def choose(evaluation: Evaluation, *, waive: bool, amount: int | None,
           deviation: Deviation | None) -> Choice:
    """The officer's choice, accepted (a `Choice`) or refused (`ChoiceRefused`)."""
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
    if tier is not None and amount < tier.low:
        wanted = DeviationKind.LIGHTER if amount >= statutory.low else DeviationKind.MITIGATED
    else:
        wanted = DeviationKind.HEAVIER
    _check_deviation(evaluation, deviation, wanted)
    assert deviation is not None
    return Choice(waived=False, amount=amount, penalties=penalties, deviation=deviation,
                  steps=(_deviation_step(evaluation, amount, deviation),))


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
    if not deviation.reason.strip():
        raise ChoiceRefused("reason_required", "a deviation needs a written reason",
                            kind=wanted.value)
    if deviation.kind is not wanted:
        raise ChoiceRefused("wrong_deviation_kind", f"this amount is {wanted.value}, "
                            f"not {deviation.kind.value}", kind=wanted.value,
                            given=deviation.kind.value)
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
