"""Chinese numerals as statutes number their articles, paragraphs and items, and back.

Statutes write 第一条 … 第九十九条, 第一百零三条, 第二百一十条; a ten alone is 十 (not 一十)
below twenty, but 一百一十 above a hundred. `to_int` reads every spelling met in citations
(两 for 二, 〇 or 零 for a gap, 一十 for 十, Arabic digits as some documents print them);
`to_chinese` writes the one spelling the official texts use, so a round trip through
`to_chinese` is exact for 1 ≤ n ≤ 9999.
"""

from __future__ import annotations

__all__ = ["NumeralError", "to_chinese", "to_int"]

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_WRITE = "零一二三四五六七八九"


class NumeralError(ValueError):
    """Text that is not a Chinese (or Arabic) numeral of an article, paragraph or item."""


def to_int(text: str) -> int:
    """The value of ``text`` ("三十三" → 33, "一百零三" → 103, "十" → 10, "33" → 33)."""
    if not text:
        raise NumeralError("an empty numeral")
    if text.isascii() and text.isdigit():
        return int(text)
    total = 0
    digit: int | None = None
    last_unit = 10_000
    for char in text:
        if char in _DIGITS:
            if digit is not None and digit != 0 and _DIGITS[char] != 0:
                raise NumeralError(f"two digits in a row in {text!r}")
            digit = _DIGITS[char]
        elif char in _UNITS:
            unit = _UNITS[char]
            if unit >= last_unit:
                raise NumeralError(f"units out of order in {text!r}")
            if digit == 0:
                raise NumeralError(f"a zero before a unit in {text!r}")
            # 十 alone stands for 一十 (十五 = 15); elsewhere a unit needs its digit.
            total += (1 if digit is None else digit) * unit
            last_unit, digit = unit, None
        else:
            raise NumeralError(f"{char!r} is not a Chinese numeral (in {text!r})")
    if digit:
        total += digit
    if total == 0:
        raise NumeralError(f"{text!r} is zero")
    return total


def to_chinese(number: int) -> str:
    """``number`` as statutes print it: 10 → 十, 15 → 十五, 110 → 一百一十, 103 → 一百零三."""
    if not 1 <= number <= 9999:
        raise NumeralError(f"{number} is outside 1..9999")
    parts: list[str] = []
    zero_pending = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = (number // unit) % 10
        if digit == 0:
            zero_pending = bool(parts)
            continue
        if zero_pending:
            parts.append("零")
            zero_pending = False
        if unit == 10 and digit == 1 and not parts:
            parts.append("十")  # 十五, not 一十五, when nothing comes before
        else:
            parts.append(_WRITE[digit] + name)
    return "".join(parts)
