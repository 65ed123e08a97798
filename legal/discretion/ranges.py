"""Fine ranges of a discretion standard: whole yuan (`FineRange`), or a share or multiple of
a base (`FactorRange`, decision 52) with exact factors and the statute's words for them; and
`StandardError`, the error of everything in a standard. `legal.discretion.model` re-exports
all of it (it is the model's vocabulary; kept here so the model stays readable).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

__all__ = ["FactorRange", "FineBasis", "FineRange", "StandardError", "factor_words"]


class StandardError(ValueError):
    """A standard (or its table or JSON) that cannot be used: the message says where."""


@dataclass(frozen=True)
class FineRange:
    low: int  # yuan, inclusive
    high: int  # yuan, inclusive

    def __post_init__(self) -> None:
        if not 0 <= self.low <= self.high:
            raise StandardError(f"fine range {self.low}-{self.high} is not a range")

    def __contains__(self, amount: object) -> bool:
        return isinstance(amount, int) and self.low <= amount <= self.high

    def within(self, other: FineRange) -> bool:
        return other.low <= self.low and self.high <= other.high


class FineBasis(StrEnum):
    """What a fine range is measured in."""

    FIXED = "fixed"  # whole yuan (`FineRange`)
    SHARE_OF = "share_of"  # a share of a base: 建设工程造价百分之五以上百分之十以下
    MULTIPLE_OF = "multiple_of"  # a multiple of a base: 违法所得一倍以上五倍以下


def factor_words(value: Fraction, kind: FineBasis) -> str:
    """A factor as statutes write it: 百分之五 (a share), 一倍 / 0.5倍 (a multiple)."""
    if kind is FineBasis.SHARE_OF:
        percent = value * 100
        return f"百分之{_cjk(percent)}"
    return f"{_cjk(value)}倍"


_CJK_DIGITS = "零一二三四五六七八九"


def _cjk(value: Fraction) -> str:
    """Numbers below 100 in Chinese numerals (五, 十, 二十五, 七点五), else Arabic digits."""
    if not 0 <= value < 100:
        return _plain(value)
    whole = int(value)
    if value.denominator != 1:
        decimals = _plain(value - whole)
        if "/" in decimals:
            return _plain(value)
        return _cjk_whole(whole) + "点" + "".join(_CJK_DIGITS[int(d)]
                                                 for d in decimals.removeprefix("0."))
    return _cjk_whole(whole)


def _cjk_whole(n: int) -> str:
    if n < 10:
        return _CJK_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CJK_DIGITS[tens]) + "十" + ("" if ones == 0
                                                             else _CJK_DIGITS[ones])


def _plain(value: Fraction) -> str:
    """A fraction in decimal digits where it has a finite one (0.5), else as n/d."""
    as_decimal = Decimal(value.numerator) / Decimal(value.denominator)
    if Fraction(as_decimal) == value:
        return format(as_decimal.normalize(), "f")
    return f"{value.numerator}/{value.denominator}"


@dataclass(frozen=True)
class FactorRange:
    """A fine of a share or a multiple of a base, factors inclusive and exact.

    ``low`` may be zero ("建设工程造价百分之十以下": a fine is never zero, so the yuan range then
    starts at one yuan)."""

    kind: FineBasis  # SHARE_OF or MULTIPLE_OF
    base: str  # the base's name as the statute says it: 建设工程造价, 违法所得, 货值金额
    low: Fraction
    high: Fraction

    def __post_init__(self) -> None:
        if self.kind is FineBasis.FIXED:
            raise StandardError("a fixed fine is a FineRange, not a FactorRange")
        if not self.base.strip():
            raise StandardError("a share or multiple of a fine needs the base it is taken of")
        if not (isinstance(self.low, Fraction) and isinstance(self.high, Fraction)):
            raise StandardError("factors are exact fractions")
        if not 0 <= self.low <= self.high or self.high == 0:
            raise StandardError(f"factors {self.low}-{self.high} are not a range")

    def within(self, other: FactorRange) -> bool:
        return (self.kind is other.kind and self.base == other.base
                and other.low <= self.low and self.high <= other.high)

    def yuan_range(self, base_amount: Decimal | Fraction) -> FineRange | None:
        """The whole-yuan range of ``base_amount`` × the factors: the low end rounded up,
        the high end rounded down, so every amount in it lies within the exact range; never
        below one yuan. None when no whole yuan lies in it (a base too small)."""
        base = Fraction(base_amount)
        low = max(1, math.ceil(base * self.low))
        high = math.floor(base * self.high)
        return FineRange(low, high) if low <= high else None

    def words(self) -> str:
        """As a table and a decision write it: 建设工程造价百分之五以上百分之十以下."""
        low, high = (factor_words(v, self.kind) for v in (self.low, self.high))
        if self.low == self.high:
            return f"{self.base}{low}"
        if self.low == 0:
            return f"{self.base}{high}以下"
        return f"{self.base}{low}以上{high}以下"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "base": self.base, "low": _fraction_json(self.low),
                "high": _fraction_json(self.high)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> FactorRange:
        return cls(kind=FineBasis(d["kind"]), base=str(d["base"]),
                   low=_fraction_from(d["low"]), high=_fraction_from(d["high"]))


def _fraction_json(value: Fraction) -> str:
    return str(value)  # "1/20", "3": exact, and one spelling per value (hash-stable)


def _fraction_from(value: object) -> Fraction:
    if not isinstance(value, str):
        raise StandardError(f"a factor is written as a fraction string, not {value!r}")
    return Fraction(value)
