"""What the Administrative Penalty Law (2021) fixes that the engine and the choice share:
how it is cited, art. 51's on-the-spot limits, art. 32's items and the statutory grounds of
mitigation (arts. 30-32), and how an amount is written in the reasoning."""

from __future__ import annotations

from collections.abc import Mapping

from legal.discretion.model import FineRange, PartyType

__all__ = ["ART32_ITEMS", "FINE", "LAW", "MITIGATION_GROUNDS", "ON_THE_SPOT_LIMITS", "WARNING",
           "yuan"]

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
