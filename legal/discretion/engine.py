"""The discretion engine: the facts of a case under one standard → an `Evaluation` whose
every step says in Chinese what the law and the standard decide, with the articles cited;
then the officer's `choose`, refused where it is not lawful. Pure: no clock, no file.

Order of the law's rules (行政处罚法 2021), each a `Step`:

1. The matter (违法依据, 处罚依据).
2. Art. 36, limitation: two years from the act (five where 公民生命健康安全、金融安全 is
   harmed), from the end of a continuing act; past it → TIME_BARRED (不再给予行政处罚). The
   dates are needed: without them the step says the limitation was not examined.
3. No penalty (NO_PENALTY): art. 30 (under 14), art. 31 (no control of one's acts), art. 33
   ¶1 (轻微并及时改正，没有造成危害后果), art. 33 ¶2 (no fault), or the standard's own
   不予处罚 tier; then art. 33 ¶3 (education).
4. May waive (MAY_WAIVE): art. 33 ¶1's first violation (初次违法且危害后果轻微并及时改正),
   only where the matter lists 首违不罚; else a step says the matter does not list it.
5. Mandatory mitigation: art. 30 (14-18) and art. 32's conditions → 应当从轻或者减轻; art. 31's
   partial capacity → 可以从轻或者减轻 (a ground for 减轻, not a duty).
6. The tier: the most severe punishing tier that a ticked condition places the case in; with
   none ticked the 一般 tier (else the mildest punishing tier). Most severe, because a case
   that is 情节严重 in one respect is not made 一般 by being ordinary in another; mitigation
   is then applied within the tier (and by the officer's deviation below it), not by picking
   a milder tier, which would hide the seriousness from the record.
6a. A fine taken as a share or multiple of a base (decision 52, `legal.discretion.base`):
   the facts' base amount times the statute's and the tier's factors, in whole yuan (low
   end up, high end down), are the statutory and tier ranges from here on, and a ``base``
   step says how; without a base amount no range or amount is proposed and the step says
   the base is needed. A base that is no sum of money, is given for a yuan matter, or gives
   no whole yuan is refused (`FactsError`).
7. The proposed amount: the tier's lowest amount under mandatory mitigation (从轻 within the
   tier; 减轻 below it is the officer's reasoned deviation); otherwise the middle of the
   tier, rounded to a round unit of about a tenth of the tier's width (10 yuan for 20-200,
   1,000 for 5,000-50,000): what an officer would write, and never outside the tier.
8. Art. 51, on the spot: the standard allows it for the matter, the penalty is a warning
   or a fine up to 200 yuan (citizen) / 3,000 yuan (unit), nothing else is imposed, and it
   gives no hearing right (rule 9: a hearing is told in the prior notice).
9. Art. 63, hearing: the proposed fine reaches the standard's 较大数额 threshold for the
   party type, or a penalty kind of art. 63 (三)(四) is proposed. Where the standard sets no
   threshold for the party type and the tier fines it, or the fine has no figure (a share
   of a cost whose base was not given), a step says the hearing right was not judged by
   the amount (never silence: no step would read as no right). An example standard's
   thresholds are printed marked 示例 (here and in `choose`).
10. Art. 58, legal review: its conditions ticked, the proposed fine reaching the standard's
    review threshold, or a hearing right (58 (二)).
    Both thresholds are recorded in the evaluation (`Evaluation.thresholds`), and `choose`
    applies the same rules (`law.hearing_grounds`, `law.review_grounds`) to the amount the
    officer chose: what the party is told and whether review is needed follow the choice.

Before all of these, the matter's penalty clause must provide a penalty for the party type
(`provides_for`): a clause that fines another party type and not this one is refused
(`FactsError` ``party_not_provided``), not evaluated into a fine nobody may impose.

`choose` (`legal.discretion.choice`, re-exported here) accepts the officer's amount inside
the proposed range, and outside it only with a reasoned deviation of the right kind, never
above the statutory maximum; a refusal is a `ChoiceRefused` with a stable code.
"""

from __future__ import annotations

from datetime import date

from legal.discretion.base import BaseError, base_step, measure
from legal.discretion.choice import choose
from legal.discretion.evaluation import Evaluation, Facts, MatterHit, Outcome, Step, Thresholds
from legal.discretion.law import (
    ART32_ITEMS,
    FINE,
    LAW,
    ON_THE_SPOT_LIMITS,
    WARNING,
    hearing_grounds,
    review_grounds,
    threshold_words,
    yuan,
)
from legal.discretion.model import (
    STATUTORY_CONDITIONS,
    FactorRange,
    FineRange,
    Matter,
    PartyType,
    Standard,
    StandardError,
    Tier,
    TierLevel,
)
from legal.discretion.search import MatterIndex

__all__ = ["ON_THE_SPOT_LIMITS", "FactsError", "MatterIndex", "choose", "evaluate",
           "proposed_amount", "provides_for", "search_matters", "suggest_matters"]

_PARTY_WORDS = {PartyType.INDIVIDUAL: "公民", PartyType.UNIT: "法人或者其他组织"}


class FactsError(ValueError):
    """Facts the engine cannot evaluate: ``code`` is stable ("unknown_matter",
    "unknown_condition", "bad_date", "party_not_provided"); the message is English for
    logs."""

    def __init__(self, code: str, message: str, **params: str) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def search_matters(standard: Standard, query: str, limit: int = 20) -> list[MatterHit]:
    return MatterIndex(standard).search(query, limit)


def suggest_matters(standard: Standard, text: str, limit: int = 5) -> list[MatterHit]:
    return MatterIndex(standard).suggest(text, limit)


def _date(value: str | None, name: str) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FactsError("bad_date", f"{name} {value!r} is not an ISO date",
                         field=name, value=value) from None


def _years_after(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February: the period ends on 28 February
        return start.replace(year=start.year + years, day=28)


def _limitation(facts: Facts) -> tuple[Step, bool]:
    committed = _date(facts.violation_date, "violation_date")
    ended = _date(facts.violation_ended, "violation_ended")
    discovered = _date(facts.discovered_date, "discovered_date")
    if committed is None or discovered is None:
        return Step("art36", "未提供违法行为发生日期或者发现日期，未审查行政处罚的追责期限。",
                    (f"{LAW}第三十六条",)), False
    start, continuing = (ended, True) if ended is not None and ended > committed else (
        committed, False)
    years = 5 if "safety_or_finance_harm" in facts.conditions else 2
    deadline = _years_after(start, years)
    citations = [f"{LAW}第三十六条第一款"] + ([f"{LAW}第三十六条第二款"] if continuing else [])
    begin = (f"违法行为有连续或者继续状态，期限自行为终了之日（{start.isoformat()}）起计算"
             if continuing else f"期限自违法行为发生之日（{start.isoformat()}）起计算")
    span = ("五年（涉及公民生命健康安全、金融安全且有危害后果）" if years == 5 else "二年")
    if discovered > deadline:
        return Step("art36", f"{begin}，违法行为于{discovered.isoformat()}被发现，已超过{span}，"
                             "依法不再给予行政处罚。", tuple(citations)), True
    return Step("art36", f"{begin}，违法行为于{discovered.isoformat()}被发现，未超过{span}的"
                         "追责期限。", tuple(citations)), False


def _no_penalty_steps(ticked: frozenset[str], matter: Matter) -> list[Step]:
    steps = []
    if "under_14" in ticked:
        steps.append(Step("art30", "当事人不满十四周岁，依法不予行政处罚，责令监护人加以管教。",
                          (f"{LAW}第三十条",)))
    if "mental_no_control" in ticked:
        steps.append(Step("art31", "当事人系精神病人、智力残疾人，在不能辨认或者不能控制自己行为"
                                   "时有违法行为，依法不予行政处罚，应当责令其监护人严加看管和治疗。",
                          (f"{LAW}第三十一条",)))
    if "minor_corrected_no_harm" in ticked:
        steps.append(Step("art33", "违法行为轻微并及时改正，没有造成危害后果，依法不予行政处罚。",
                          (f"{LAW}第三十三条第一款",)))
    if "no_fault" in ticked:
        steps.append(Step("art33", "当事人有证据足以证明没有主观过错，依法不予行政处罚。",
                          (f"{LAW}第三十三条第二款",)))
    for tier in matter.tiers:
        if tier.level is TierLevel.EXEMPT and set(tier.conditions) & ticked - {
                "first_slight_corrected"}:
            steps.append(Step("tier", f"符合裁量基准本事项不予处罚情形（{tier.condition_text}），"
                                      "不予行政处罚。", (f"{LAW}第三十三条第一款",)))
            break
    return steps


def _pick_tier(matter: Matter, ticked: frozenset[str]) -> Tier | None:
    punishing = [t for t in matter.tiers if t.level is not TierLevel.EXEMPT]
    placed = [t for t in punishing if set(t.conditions) & ticked]
    if placed:
        return max(placed, key=lambda t: list(TierLevel).index(t.level))
    general = [t for t in punishing if t.level is TierLevel.GENERAL]
    return general[0] if general else (punishing[0] if punishing else None)


def _round_unit(width: int) -> int:
    """A round unit of about a tenth of ``width``: 10 for 180, 1000 for 45000."""
    unit = 1
    while unit * 100 <= width:
        unit *= 10
    return unit


def proposed_amount(fine: FineRange, *, mitigated: bool) -> int:
    """The figure proposed within ``fine`` (see the module docstring, rule 7)."""
    if mitigated:
        return fine.low
    unit = _round_unit(fine.high - fine.low)
    # The middle rounded half up to the unit, in integers (no float in a legal figure).
    amount = (fine.low + fine.high + unit) // (2 * unit) * unit
    return min(max(amount, fine.low), fine.high)


def _tier_step(matter: Matter, tier: Tier, facts: Facts, standard: Standard) -> Step:
    placed = [standard.condition_words(c) for c in tier.conditions if c in facts.conditions]
    fine = tier.fine(facts.party_type)
    factors = tier.factor(facts.party_type)
    reason = (f"当事人具有「{'」「'.join(placed)}」情形" if placed
              else "当事人未具有从重、从轻情形，按一般情形")
    penalty = "、".join(tier.penalties) or "不予处罚"
    amount = (f"，罚款幅度为{yuan(fine)}" if fine is not None
              else f"，罚款幅度为{factors.words()}" if factors is not None else "")
    source = f"（裁量基准来源：{tier.source}）" if tier.source else ""
    return Step("tier", f"{reason}，适用裁量基准「{matter.name}」的{tier_label(tier.level)}"
                        f"阶次（{tier.condition_text or '一般情形'}）：{penalty}{amount}。{source}",
                matter.penalty_basis)


def tier_label(level: TierLevel) -> str:
    """A tier's name as standards and documents print it (轻微, 一般, 较重…)."""
    return {TierLevel.EXEMPT: "不予处罚", TierLevel.MINOR: "轻微", TierLevel.GENERAL: "一般",
            TierLevel.SERIOUS: "较重", TierLevel.GRAVE: "严重"}[level]


def _mitigation_steps(ticked: frozenset[str]) -> tuple[list[Step], bool]:
    steps, mandatory = [], False
    if "age_14_to_18" in ticked:
        mandatory = True
        steps.append(Step("art30", "当事人已满十四周岁不满十八周岁，依法应当从轻或者减轻行政处罚。",
                          (f"{LAW}第三十条",)))
    if "mental_partial" in ticked:
        steps.append(Step("art31", "当事人系尚未完全丧失辨认或者控制自己行为能力的精神病人、智力"
                                   "残疾人，可以从轻或者减轻行政处罚。", (f"{LAW}第三十一条",)))
    for code, item in ART32_ITEMS.items():
        if code in ticked:
            mandatory = True
            steps.append(Step("art32", f"当事人{STATUTORY_CONDITIONS[code]}，依法应当从轻或者减轻"
                                       "行政处罚。", (f"{LAW}第三十二条第{item}项",)))
    return steps, mandatory


def evaluate(standard: Standard, facts: Facts) -> Evaluation:
    """The evaluation of ``facts`` under ``standard`` (rules in the module docstring)."""
    matter = standard.matter(facts.matter_code)
    if matter is None:
        raise FactsError("unknown_matter", f"no matter {facts.matter_code!r} in standard "
                         f"{standard.id} of {standard.version_date}", matter=facts.matter_code)
    known = set(standard.conditions) | set(STATUTORY_CONDITIONS)
    unknown = sorted(facts.conditions - known)
    if unknown:
        raise FactsError("unknown_condition", f"unknown condition codes {unknown}",
                         condition=", ".join(unknown))
    ticked = facts.conditions
    party = facts.party_type
    if not provides_for(matter, party):
        raise FactsError("party_not_provided", f"the penalty clause of matter {matter.code} "
                         f"provides no penalty for party type {party.value}",
                         matter=matter.code, name=matter.name, party=party.value,
                         basis="、".join(matter.penalty_basis))
    tier = _pick_tier(matter, ticked)
    try:  # the yuan ranges, from the base amount where the fine is a share or multiple
        measured = measure(matter, tier, facts)
    except BaseError as exc:
        raise FactsError(exc.code, str(exc), **exc.params) from None
    statutory = measured.statutory
    factors = measured.statutory_factors
    steps = [Step("matter", f"本案违法行为属于裁量基准事项「{matter.name}」（{matter.code}）。"
                            f"当事人为{_PARTY_WORDS[party]}"
                            + (f"，法定罚款幅度为{factors.words()}。" if factors is not None
                               else f"，法定罚款幅度为{yuan(statutory)}。"
                               if statutory is not None
                               else "，处罚依据对其未规定罚款金额幅度。"),
                  (*matter.violation_basis, *matter.penalty_basis))]
    limitation, barred = _limitation(facts)
    steps.append(limitation)
    no_penalty = [] if barred else _no_penalty_steps(ticked, matter)
    steps += no_penalty
    outcome = (Outcome.TIME_BARRED if barred else Outcome.NO_PENALTY if no_penalty
               else Outcome.PENALTY)
    if outcome is Outcome.PENALTY and "first_slight_corrected" in ticked:
        if matter.first_violation_exempt:
            outcome = Outcome.MAY_WAIVE
            steps.append(Step("art33", "当事人初次违法且危害后果轻微并及时改正，本事项列入首违不罚"
                                       "事项，可以不予行政处罚；执法人员决定是否给予处罚。",
                              (f"{LAW}第三十三条第一款",)))
        else:
            steps.append(Step("art33", "当事人初次违法且危害后果轻微并及时改正，但裁量基准未将本"
                                       "事项列入首违不罚事项，依法给予处罚。",
                              (f"{LAW}第三十三条第一款",)))
    if outcome in (Outcome.NO_PENALTY, Outcome.TIME_BARRED):
        if outcome is Outcome.NO_PENALTY:
            steps.append(Step("art33", "对当事人依法不予行政处罚的，应当对当事人进行教育。",
                              (f"{LAW}第三十三条第三款",)))
        return _evaluation(standard, matter, facts, outcome, None, statutory, None, None, (),
                           False, False, False, _review(standard, facts, None, False, steps),
                           steps, factors, None)
    mitigation, mandatory = _mitigation_steps(ticked)
    steps += mitigation
    if tier is None:
        raise StandardError(f"matter {matter.code} has no tier that punishes")
    steps.append(_tier_step(matter, tier, facts, standard))
    measuring = base_step(matter, measured, facts)
    if measuring is not None:
        steps.append(measuring)
    fine = measured.tier
    if fine is not None and (statutory is None or not fine.within(statutory)):
        raise StandardError(f"matter {matter.code}: tier {tier.level.value} lies outside the "
                            "statutory range")
    amount = None if fine is None else proposed_amount(fine, mitigated=mandatory)
    if amount is not None:
        steps.append(Step("amount", (f"依法应当从轻处罚，按裁量幅度下限拟处罚款{amount}元。"
                                     if mandatory else
                                     f"在裁量幅度内拟处罚款{amount}元（幅度中间值取整）。"), ()))
    hearing_steps: list[Step] = []
    hearing = _hearing(standard, tier, party, amount, hearing_steps)
    spot, spot_step = _on_the_spot(matter, tier, facts, amount, hearing)
    if spot_step is not None:
        steps.append(spot_step)
    steps += hearing_steps
    review = _review(standard, facts, amount, hearing, steps)
    return _evaluation(standard, matter, facts, outcome, tier.level, statutory, fine, amount,
                       tier.penalties, mandatory, spot, hearing, review, steps, factors,
                       measured.tier_factors)


def _on_the_spot(matter: Matter, tier: Tier, facts: Facts, amount: int | None,
                 hearing: bool) -> tuple[bool, Step | None]:
    limit = ON_THE_SPOT_LIMITS[facts.party_type]
    other = [p for p in tier.penalties if p not in (FINE, WARNING)]
    citation = (f"{LAW}第五十一条",)
    if not matter.on_the_spot:
        allowed, why = False, "裁量基准未将本事项列为可以当场处罚的事项"
    elif other:
        allowed, why = False, f"拟给予的处罚含{'、'.join(other)}，不属于警告或者罚款"
    elif amount is not None and amount > limit:
        allowed, why = False, f"拟处罚款{amount}元，超过对{_PARTY_WORDS[facts.party_type]}" \
                              f"当场处罚{limit}元以下的限额"
    elif hearing:  # a hearing is told in the prior notice of the general procedure
        allowed, why = False, "拟作出的行政处罚依法应当告知当事人有要求听证的权利"
    elif amount is None and FINE in tier.penalties:
        # A fine the standard gives no figure for (a share of a cost): art. 51's limit
        # cannot be shown to hold.
        allowed, why = False, "拟处罚款的数额未能依裁量基准确定，无法认定未超过当场处罚的限额"
    else:
        proposed = (f"拟处罚款{amount}元" if amount is not None
                    else f"拟给予{'、'.join(tier.penalties) or WARNING}")
        allowed, why = True, proposed + \
            f"，未超过对{_PARTY_WORDS[facts.party_type]}当场处罚{limit}元以下罚款或者警告的限额"
    if not allowed and not facts.on_the_spot:
        return False, None  # nothing asked, nothing to explain
    verdict = ("可以当场作出行政处罚决定" if allowed
               else "不得适用简易程序当场处罚，应当适用普通程序")
    return allowed, Step("art51", f"{why}，{verdict}。", citation)


def _hearing(standard: Standard, tier: Tier, party: PartyType, amount: int | None,
             steps: list[Step]) -> bool:
    threshold = standard.hearing_thresholds.get(party)
    if threshold is None and tier.fines_party(party):
        # Without the 较大数额 figure no fine can be found to give a hearing right: say so,
        # rather than let the absence of a hearing step read as "no right" (the officer
        # judges the amount by the province's rule).
        declared = "（发布时已声明不设）" if party in standard.no_hearing_threshold else ""
        steps.append(Step("art63", f"裁量基准未规定对{_PARTY_WORDS[party]}“较大数额罚款”的数额"
                                   f"标准{declared}，未依罚款数额判断当事人是否有要求听证的权利；"
                                   "拟处罚款是否属于较大数额罚款，应当依照本省规定的标准认定。",
                          (f"{LAW}第六十三条第一款第（一）项",)))
    elif amount is None and any(FINE in p for p in tier.penalties):
        # A fine the standard gives no figure for (a share of a cost): the amount cannot be
        # compared with the threshold here, so the officer is told to, not left to infer.
        figure = "" if threshold is None else threshold_words(threshold, standard.example)
        steps.append(Step("art63", "拟处罚款的数额未能依裁量基准确定，未依罚款数额判断当事人是否"
                                   f"有要求听证的权利；罚款数额达到较大数额罚款标准{figure}的，"
                                   "应当告知当事人有要求听证的权利。",
                          (f"{LAW}第六十三条第一款第（一）项",)))
    grounds = hearing_grounds(tier.penalties, amount, threshold, chosen=False,
                              example=standard.example)
    if not grounds:
        return False
    steps.append(Step("art63", f"{'；'.join(g for g, _ in grounds)}，应当告知当事人有要求听证"
                               "的权利。", tuple(dict.fromkeys(c for _, c in grounds))))
    return True


def _review(standard: Standard, facts: Facts, amount: int | None, hearing: bool,
            steps: list[Step]) -> bool:
    grounds = review_grounds(facts.conditions, amount,
                             standard.review_thresholds.get(facts.party_type), hearing,
                             chosen=False, example=standard.example)
    if not grounds:
        return False
    steps.append(Step("art58", f"{'；'.join(r for r, _ in grounds)}，在作出决定之前应当进行法制"
                               "审核；未经法制审核或者审核未通过的，不得作出决定。",
                      tuple(dict.fromkeys(c for _, c in grounds))))
    return True


def provides_for(matter: Matter, party: PartyType) -> bool:
    """Whether the matter's penalty clause provides a penalty for ``party``.

    Not, when the clause sets a fine range for another party type and none for this one, and
    no tier fines this one: the clause addresses the other (道路交通安全法 第九十三条 fines a
    vehicle's driver, never a unit). A share or multiple of a base counts as a range (decision
    52). A clause that sets no range for anyone (no fine at all) is taken to provide for every
    party type, as before. See decision 38's addendum for the limit of this reading."""
    if matter.statutory.get(party) is not None or party in matter.statutory_factors:
        return True
    others = any(r is not None for p, r in matter.statutory.items() if p is not party) or any(
        p is not party for p in matter.statutory_factors)
    return not others or any(t.fines_party(party) for t in matter.tiers)


def _evaluation(standard: Standard, matter: Matter, facts: Facts, outcome: Outcome,
                tier: TierLevel | None, statutory: FineRange | None, fine: FineRange | None,
                amount: int | None, penalties: tuple[str, ...], mandatory: bool, spot: bool,
                hearing: bool, review: bool, steps: list[Step],
                statutory_factors: FactorRange | None,
                proposed_factors: FactorRange | None) -> Evaluation:
    return Evaluation(
        standard_id=standard.id, standard_version_date=standard.version_date,
        matter_code=matter.code, matter_name=matter.name, matter_row_hash=matter.row_hash,
        facts=facts, outcome=outcome, tier=tier, statutory_range=statutory,
        proposed_range=fine, proposed_amount=amount, penalties=penalties,
        mandatory_mitigation=mandatory, on_the_spot_allowed=spot, hearing_right=hearing,
        legal_review_required=review, steps=tuple(steps), penalty_basis=matter.penalty_basis,
        violation_basis=matter.violation_basis,
        thresholds=Thresholds(hearing=standard.hearing_thresholds.get(facts.party_type),
                              review=standard.review_thresholds.get(facts.party_type),
                              example=standard.example),
        statutory_factors=statutory_factors, proposed_factors=proposed_factors)
