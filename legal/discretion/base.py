"""A fine taken as a share or a multiple of a base (decision 52): from the officer's base amount
to whole-yuan ranges, and the steps of the reasoning that say how.

The statute's and the tier's factors (`FactorRange`) times the base amount the facts give
(`Facts.base_amount`, yuan, with a note of its evidence) are exact fractions; the yuan range
rounds the low end up and the high end down to whole yuan, so every amount in it lies within
the statute's exact range (and never below one yuan). Without a base amount no range and no
amount are computed, and a step says the base is needed: never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from legal.discretion.evaluation import Facts, Step
from legal.discretion.model import FactorRange, FineRange, Matter, PartyType, Tier

__all__ = ["BaseError", "Measured", "base_step", "base_words", "measure", "money"]


class BaseError(ValueError):
    """A base amount the engine cannot use: ``code`` is stable ("bad_base",
    "base_not_used", "base_too_small"); the engine raises it as a `FactsError`."""

    def __init__(self, code: str, message: str, **params: str) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def money(amount: Decimal) -> str:
    """A base amount as the reasoning prints it: 120000, 98765.43 (no exponent)."""
    return format(amount, "f")


def base_words(factors: FactorRange, amount: Decimal) -> str:
    """建设工程造价（人民币120000元）: the base with its amount."""
    return f"{factors.base}（人民币{money(amount)}元）"


@dataclass(frozen=True)
class Measured:
    """The ranges of one evaluation where the fine is a share or multiple of a base."""

    statutory_factors: FactorRange | None  # None: the matter fines in yuan
    tier_factors: FactorRange | None
    statutory: FineRange | None  # yuan; None without a base amount (or not a factor matter)
    tier: FineRange | None


def _check_amount(amount: Decimal) -> None:
    exponent = amount.as_tuple().exponent
    if not amount.is_finite() or not isinstance(exponent, int) or exponent < -2 \
            or amount <= 0 or amount >= Decimal(10) ** 13:
        raise BaseError("bad_base", f"base amount {amount} is not a positive amount of yuan "
                        "with at most two decimals", amount=str(amount))


def measure(matter: Matter, tier: Tier | None, facts: Facts) -> Measured:
    """The statutory and tier ranges for the facts' party type: yuan as the standard states
    them, or the base amount times the factors. Refuses a base amount that is not a sum of
    money, one given for a matter that fines in yuan, and one too small for a whole yuan."""
    party: PartyType = facts.party_type
    statutory_factors = matter.statutory_factors.get(party)
    tier_factors = None if tier is None else tier.factor(party)
    amount = facts.base_amount
    if amount is not None:
        _check_amount(amount)
        if statutory_factors is None:
            raise BaseError("base_not_used", f"matter {matter.code} fines in yuan; it takes "
                            "no base amount", matter=matter.code)
    if statutory_factors is None:
        return Measured(None, None, matter.statutory.get(party),
                        None if tier is None else tier.fine(party))
    if amount is None:
        return Measured(statutory_factors, tier_factors, None, None)
    statutory = statutory_factors.yuan_range(amount)
    tier_range = None if tier_factors is None else tier_factors.yuan_range(amount)
    if statutory is None or (tier_factors is not None and tier_range is None):
        short = statutory_factors if statutory is None else tier_factors
        assert short is not None
        raise BaseError("base_too_small", f"{short.words()} of {amount} yuan is less than one "
                        "whole yuan", base=short.base, amount=money(amount))
    return Measured(statutory_factors, tier_factors, statutory, tier_range)


def base_step(matter: Matter, measured: Measured, facts: Facts) -> Step | None:
    """The step that says how the yuan range follows from the base, or that the base is
    needed; None where the matter fines in yuan."""
    statutory_factors, tier_factors = measured.statutory_factors, measured.tier_factors
    if statutory_factors is None:
        return None
    amount = facts.base_amount
    if amount is None:
        return Step("base", f"本事项罚款以{statutory_factors.base}为基数计算"
                            f"（{statutory_factors.words()}），未录入{statutory_factors.base}的"
                            "数额，无法计算罚款数额，不拟定罚款数额；应当查明"
                            f"{statutory_factors.base}并录入其数额及证据后重新评估。",
                    matter.penalty_basis)
    note = f"（依据：{facts.base_note.strip()}）" if facts.base_note.strip() else ""
    parts = [f"{statutory_factors.base}为人民币{money(amount)}元{note}"]
    if tier_factors is not None and measured.tier is not None:
        parts.append(f"裁量幅度{tier_factors.words()}，即人民币{_yuan(measured.tier)}")
    if measured.statutory is not None:
        parts.append(f"法定幅度{statutory_factors.words()}，即人民币{_yuan(measured.statutory)}")
    return Step("base", "；".join(parts) + "（以元为单位，下限向上取整、上限向下取整，"
                                           "不超出法定幅度）。", matter.penalty_basis)


def _yuan(r: FineRange) -> str:
    return f"{r.low}元" if r.low == r.high else f"{r.low}元至{r.high}元"
