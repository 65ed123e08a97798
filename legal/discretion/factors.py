"""Fines written as a share or a multiple of a base, as tables and statutes write them → a
`FactorRange` (decision 52).

Read: "建设工程造价百分之五以上百分之十以下", "处建设工程造价百分之十以下的罚款",
"违法所得一倍以上五倍以下", "货值金额一倍以上三倍以下", "5%以上10%以下", "5%-10%",
"百分之五至百分之十", "千分之五以下", "0.5倍以上1倍以下", "建设工程造价百分之七" (one factor),
and "百分之八以上" (a tier's open range, up to the statutory factor given as ``ceiling``).
The base is the words before the first factor; a table may name it in a column instead
(``base``), and where both name one they must agree. A text with no factor in it (百分之,
千分之, %, ‰, 倍) is not one of these: `parse_factors` returns None and the caller reads it as
yuan. A text with a factor that cannot be read is refused (ValueError naming what is wrong),
never guessed.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from legal.discretion.model import FactorRange, FineBasis, StandardError
from legal.library.numerals import NumeralError, to_int

__all__ = ["has_factor", "parse_factors"]

_NUMBER = r"[0-9]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十百千]+"
_FACTOR = re.compile(rf"(?P<pre>百分之|千分之)(?P<num>{_NUMBER})|"
                     rf"(?P<num2>[0-9]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十]+)"
                     r"(?P<suf>[%％‰]|倍)")
_BETWEEN = re.compile(r"^(?:以上|至|到|-|－|~|～|—)(?P<base>.*?)的?$")
_PREFIXES = ("并处", "处")


def has_factor(text: str) -> bool:
    """Whether ``text`` writes a fine as a share or multiple (百分之, %, 倍…)."""
    return _FACTOR.search(re.sub(r"\s+", "", text)) is not None


def _value(match: re.Match[str]) -> tuple[Fraction, FineBasis]:
    number = match.group("num") or match.group("num2")
    if re.fullmatch(r"[0-9.]+", number):
        try:
            value = Fraction(Decimal(number))
        except InvalidOperation as exc:
            raise ValueError(f"cannot read the number {number!r}") from exc
    else:
        try:
            value = Fraction(to_int(number))
        except NumeralError as exc:
            raise ValueError(f"cannot read the number {number!r}") from exc
    marker = match.group("pre") or match.group("suf")
    if marker == "倍":
        return value, FineBasis.MULTIPLE_OF
    per_mille = marker in ("千分之", "‰")
    return value / (1000 if per_mille else 100), FineBasis.SHARE_OF


def _clean(text: str) -> str:
    cleaned = re.sub(r"\s+", "", text).replace("人民币", "").rstrip("。；;")
    for prefix in _PREFIXES:
        cleaned = cleaned.removeprefix(prefix)
    cleaned = cleaned.removesuffix("罚款").removesuffix("的")
    return cleaned


def parse_factors(text: str, *, base: str | None = None,
                  ceiling: FactorRange | None = None) -> FactorRange | None:
    """The share or multiple ``text`` writes (see the module docstring), or None when it
    writes none. ``base``: the base a table's column names; ``ceiling``: the statutory range
    an open tier ("百分之八以上") runs up to."""
    cleaned = _clean(text)
    tokens = list(_FACTOR.finditer(cleaned))
    if not tokens:
        return None
    if len(tokens) > 2:
        raise ValueError(f"more than two factors in {text!r}")
    named = cleaned[:tokens[0].start()].removesuffix("的")
    after = cleaned[tokens[-1].end():]
    values = [_value(t) for t in tokens]
    kinds = {kind for _, kind in values}
    if len(kinds) != 1:
        raise ValueError(f"{text!r} mixes a share (百分之) and a multiple (倍)")
    kind = kinds.pop()
    if len(tokens) == 2:
        between = _BETWEEN.match(cleaned[tokens[0].end():tokens[1].start()])
        if between is None or after not in ("", "以下"):
            raise ValueError(f"cannot read the range in {text!r} "
                             "(e.g. 建设工程造价百分之五以上百分之十以下)")
        if between.group("base") and between.group("base") != named:
            raise ValueError(f"{text!r} names two bases")
        low, high = values[0][0], values[1][0]
    elif after == "以下":
        low, high = Fraction(0), values[0][0]
    elif after == "以上":
        if ceiling is None:
            raise ValueError(f"{text!r} has no upper end, and no statutory range to run to")
        low, high = values[0][0], ceiling.high
    elif after == "":
        low = high = values[0][0]
    else:
        raise ValueError(f"cannot read {after!r} after the factor in {text!r}")
    if named and base and named != base:
        raise ValueError(f"{text!r} names the base {named}, the table's column {base}")
    name = named or base or (ceiling.base if ceiling is not None else "")
    if not name:
        raise ValueError(f"{text!r} does not name the base the fine is taken of "
                         "(建设工程造价, 违法所得, 货值金额…)")
    if ceiling is not None and (ceiling.kind is not kind or ceiling.base != name):
        raise ValueError(f"{text!r} is not measured as the statutory range is "
                         f"({ceiling.words()})")
    try:
        return FactorRange(kind=kind, base=name, low=low, high=high)
    except StandardError as exc:
        raise ValueError(f"{text!r}: {exc}") from exc
