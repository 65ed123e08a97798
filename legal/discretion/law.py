"""What the Administrative Penalty Law (2021) fixes that the engine and the choice share:
how it is cited, art. 51's on-the-spot limits, art. 32's items and the statutory grounds of
mitigation (arts. 30-32), the grounds of a hearing right (art. 63) and of legal review (art.
58), and how an amount is written in the reasoning.

`hearing_grounds` and `review_grounds` are the one statement of arts. 63 and 58: the engine
applies them to the amount it proposes, `choose` to the amount the officer chose, so the two
can never disagree on what the same figure means."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from legal.discretion.model import STATUTORY_CONDITIONS, FineRange, PartyType

__all__ = ["ART32_ITEMS", "FINE", "HEARING_KINDS", "LAW", "MITIGATION_GROUNDS",
           "ON_THE_SPOT_LIMITS", "REVIEW_ITEMS", "WARNING", "hearing_grounds", "review_grounds",
           "threshold_words", "yuan"]

LAW = "《中华人民共和国行政处罚法》"
ON_THE_SPOT_LIMITS: Mapping[PartyType, int] = {PartyType.INDIVIDUAL: 200, PartyType.UNIT: 3000}
FINE = "罚款"
WARNING = "警告"
# Art. 32 (一)-(四): 应当从轻或者减轻.
ART32_ITEMS: Mapping[str, str] = {"eliminated_harm": "（一）", "coerced": "（二）",
                                  "confessed": "（三）", "cooperated_merit": "（四）"}
# The grounds on which a fine may go below the statutory minimum (减轻): arts. 30-32.
MITIGATION_GROUNDS = frozenset({"age_14_to_18", "mental_partial", *ART32_ITEMS})


def yuan(r: FineRange) -> str:
    return f"{r.low}元" if r.low == r.high else f"{r.low}元至{r.high}元"


# Penalty kinds of art. 63 (二)-(四) that give a hearing right whatever the fine.
HEARING_KINDS = ("降低资质等级", "吊销许可证", "吊销许可证件", "责令停产停业", "责令关闭",
                 "限制从业", "没收较大数额")
# Art. 58 (一)-(三): the statutory conditions that require legal review.
REVIEW_ITEMS: Mapping[str, str] = {"major_public_interest": "（一）",
                                   "major_rights_hearing": "（二）", "complex_case": "（三）"}


def _fined(amount: int, chosen: bool) -> str:
    return f"决定罚款{amount}元" if chosen else f"拟处罚款{amount}元"


def threshold_words(threshold: int, example: bool) -> str:
    """A standard's threshold as the reasoning prints it: an example standard's figure is
    marked 示例, so that nobody takes it for the province's or the bureau's own."""
    return f"（示例：{threshold}元）" if example else f"（{threshold}元）"


def hearing_grounds(penalties: Sequence[str], amount: int | None, threshold: int | None, *,
                    chosen: bool, example: bool = False) -> list[tuple[str, str]]:
    """Why art. 63 gives the party a right to a hearing, as (words, citation) pairs; empty
    when it does not. ``chosen``: the officer's choice (决定…) rather than the engine's
    proposal (拟…). The fine counts when it reaches the standard's 较大数额 threshold for the
    party type; the kinds of art. 63 (二)-(四) count whatever the fine. ``example``: the
    threshold is an example standard's, printed as one."""
    grounds: list[tuple[str, str]] = []
    if amount is not None and threshold is not None and amount >= threshold:
        grounds.append((f"{_fined(amount, chosen)}，达到较大数额罚款标准"
                        f"{threshold_words(threshold, example)}",
                        f"{LAW}第六十三条第一款第（一）项"))
    kinds = [k for k in penalties if any(h in k for h in HEARING_KINDS)]
    if kinds:
        grounds.append((f"{'决定' if chosen else '拟'}给予{'、'.join(kinds)}",
                        f"{LAW}第六十三条第一款"))
    return grounds


def review_grounds(conditions: Collection[str], amount: int | None, threshold: int | None,
                   hearing: bool, *, chosen: bool, example: bool = False
                   ) -> list[tuple[str, str]]:
    """Why art. 58 requires legal review before the decision, as (words, citation) pairs;
    empty when it does not: its conditions ticked, a hearing right (58 (二)), or the fine
    reaching the bureau's review threshold for the party type (58 (四)); ``example`` as for
    `hearing_grounds`."""
    grounds: list[tuple[str, str]] = []
    for code, item in REVIEW_ITEMS.items():
        if code in conditions:
            grounds.append((STATUTORY_CONDITIONS[code], f"{LAW}第五十八条第{item}项"))
    if hearing and "major_rights_hearing" not in conditions:
        grounds.append(("拟作出的决定当事人有权要求听证", f"{LAW}第五十八条第（二）项"))
    if amount is not None and threshold is not None and amount >= threshold:
        grounds.append((f"{_fined(amount, chosen)}，达到本机关法制审核标准"
                        f"{threshold_words(threshold, example)}",
                        f"{LAW}第五十八条第（四）项"))
    return grounds
