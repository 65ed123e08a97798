"""The bureau's published discretion table (rows of a CSV or an Excel sheet) → `Standard`.

Callers read the file (HQ reads CSV or .xlsx; tests build rows) and pass its rows as
dicts keyed by the header. One row per tier; the matter's columns are filled on its first
row and may be left blank on its later rows (a matter's later rows repeat or blank them,
never contradict them). The columns, with Chinese headers as published tables have them
(../shared/reference/discretion.md) plus what `legal.discretion.model` needs:

    序号 领域 事项代码 事项名称 违法依据 处罚依据 法定处罚种类 法定幅度（个人） 法定幅度（单位）
    阶次 适用条件 处罚种类 裁量幅度（个人） 裁量幅度（单位） 首违不罚 当场处罚 关键词
    裁量基准来源 备注 已核对 罚款基数

- Citations (违法依据, 处罚依据) are written as officers write them, several separated by
  "；": 《中华人民共和国道路交通安全法》第九十三条第二款.
- Amounts are parsed as written: "20元以上200元以下", "二十元以上二百元以下",
  "1万元以上5万元以下", "5000-50000", "200元以下" (from one yuan: a fine is never zero),
  "5000元" (a fixed fine), "1万元以上" (a tier's range up to the statutory maximum), and
  "不予罚款" / "无" / "-" / blank (no fine for that party type).
- A fine that is a share or a multiple of a base (decision 52) is read by
  `legal.discretion.factors`: "建设工程造价百分之五以上百分之十以下", "违法所得一倍以上五倍以下",
  "5%以上10%以下" with the base in the optional column 罚款基数, and a tier's sub-range of the
  statutory one ("百分之八以上" runs to the statutory factor). A tier measured so needs a
  statutory range measured the same way (same kind, same base) that holds it.
- 阶次: 不予处罚 (免罚), 轻微, 一般, 较重, 严重.
- 适用条件: conditions separated by "；" or line breaks. The words of a statutory condition
  (`STATUTORY_CONDITIONS`, arts. 30-33 and 58) are recognised and get its code; any other
  condition gets a stable code derived from its words, so the same words keep their code
  across versions of the table.
- 首违不罚, 当场处罚, 已核对: 是/否 (blank is 否).
- Published tables' own headers are understood too (`ALIASES`: 阶次及适用条件 holding
  "一般：条件…", 执法事项名称…), and a title line above the header is skipped.

Every tier's range must lie within the matter's statutory range for that party type; a
tier may fine a party type only where the statute does. Every problem is a `StandardError`
whose message names the row (its 序号, else its line) and the column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from legal.discretion.factors import parse_factors
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

__all__ = ["ALIASES", "COLUMNS", "LINE", "REQUIRED", "TIER_WORDS", "build_standard",
           "condition_code", "parse_amount", "rows_from_csv", "rows_from_lines"]

COLUMNS = ("序号", "领域", "事项代码", "事项名称", "违法依据", "处罚依据", "法定处罚种类",
           "法定幅度（个人）", "法定幅度（单位）", "阶次", "适用条件", "处罚种类",
           "裁量幅度（个人）", "裁量幅度（单位）", "首违不罚", "当场处罚", "关键词",
           "裁量基准来源", "备注", "已核对", "罚款基数")
# Without these the table cannot be read at all.
REQUIRED = ("事项代码", "事项名称", "处罚依据", "阶次", "裁量幅度（个人）", "裁量幅度（单位）")
MATTER_COLUMNS = ("领域", "事项名称", "违法依据", "处罚依据", "法定处罚种类", "法定幅度（个人）",
                  "法定幅度（单位）", "首违不罚", "当场处罚", "关键词", "备注", "已核对",
                  "罚款基数")

TIER_WORDS: Mapping[str, TierLevel] = {
    "不予处罚": TierLevel.EXEMPT, "免罚": TierLevel.EXEMPT, "不予行政处罚": TierLevel.EXEMPT,
    "轻微": TierLevel.MINOR, "一般": TierLevel.GENERAL, "较重": TierLevel.SERIOUS,
    "严重": TierLevel.GRAVE,
    **{level.value: level for level in TierLevel},
}
# Headers published tables use for the same columns.
ALIASES: Mapping[str, str] = {"阶次及适用条件": "阶次", "执法事项代码": "事项代码",
                              "执法事项名称": "事项名称", "处罚事项名称": "事项名称",
                              "违法行为": "事项名称", "备 注": "备注"}
LINE = "\u0000line"  # the key under which `rows_from_lines` keeps each row's line number
_HEADER_KEY: Mapping[str, str] = {**{c: c for c in COLUMNS}, **ALIASES}
_YES = {"是", "Y", "y", "yes", "true", "1", "√", "✓"}
_NO = {"否", "N", "n", "no", "false", "0", "", "×"}
_NONE = {"", "无", "-", "—", "不予罚款", "不罚款", "不适用", "/"}
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMBER = r"[0-9.,，]+[万千]?|[零〇一二两三四五六七八九十百千万]+"
_RANGE = re.compile(rf"^(?:处)?(?P<low>{_NUMBER})元?(?:以上|至|到|-|－|~|～|—)"
                    rf"(?P<high>{_NUMBER})元(?:以下)?(?:的)?(?:罚款)?$|"
                    rf"^(?:处)?(?P<low2>{_NUMBER})(?:-|－|~|～|—)(?P<high2>{_NUMBER})$")
_UPTO = re.compile(rf"^(?:处)?(?P<high>{_NUMBER})元以下(?:的)?(?:罚款)?$")
_FROM = re.compile(rf"^(?:处)?(?P<low>{_NUMBER})元以上(?:的)?(?:罚款)?$")
_FIXED = re.compile(rf"^(?:处)?(?P<amount>{_NUMBER})元?(?:的)?(?:罚款)?$")
_LIST_SPLIT = re.compile(r"[；;\n]+")
_WORDS_SPLIT = re.compile(r"[、，,；;/\s]+")


def rows_from_lines(lines: Sequence[Sequence[str]]) -> list[dict[str, str]]:
    """Rows keyed by the header: the first line naming the matter code column (a title or a
    note above it, as published tables have, is skipped); empty lines are dropped."""
    if not lines:
        return []
    start = next((i for i, line in enumerate(lines)
                  if any(_HEADER_KEY.get(c.strip()) == "事项代码" for c in line)), 0)
    header = [c.strip() for c in lines[start]]
    return [{LINE: str(start + 2 + offset),  # where the file has it, for the messages
             **{name: (line[i] if i < len(line) else "").strip()
                for i, name in enumerate(header) if name}}
            for offset, line in enumerate(lines[start + 1:]) if any(c.strip() for c in line)]


def rows_from_csv(text: str) -> list[dict[str, str]]:
    """The rows of a CSV table (the caller decoded it; a UTF-8 BOM is dropped here)."""
    return rows_from_lines(list(csv.reader(io.StringIO(text.removeprefix("\ufeff")))))


def _chinese_number(text: str) -> int:
    """二百 -> 200, 五千 -> 5000, 一百万 -> 1000000, 十 -> 10 (as statutes write amounts)."""
    total = 0
    for wan_part in _split_wan(text):
        total = total * 10_000 + _below_wan(wan_part) if wan_part else total * 10_000
    return total


def _split_wan(text: str) -> list[str]:
    return text.split("万") if "万" in text else [text]


def _below_wan(text: str) -> int:
    value, digit = 0, None
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _UNITS:
            value += (1 if digit is None else digit) * _UNITS[char]
            digit = None
        else:
            raise ValueError(char)
    return value + (digit or 0)


def _number(text: str) -> int:
    text = text.replace(",", "").replace("，", "")
    if re.fullmatch(r"[零〇一二两三四五六七八九十百千万]+", text):
        return _chinese_number(text)
    scale = 1
    if text.endswith("万"):
        text, scale = text[:-1], 10_000
    elif text.endswith("千"):
        text, scale = text[:-1], 1000
    try:
        value = Decimal(text) * scale
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if value != value.to_integral_value():
        raise ValueError(text)
    return int(value)


def parse_amount(text: str, *, ceiling: int | None = None) -> FineRange | None:
    """A fine range in whole yuan as a table writes it, or None for "no fine".

    ``ceiling`` is the statutory maximum a tier's open range ("1万元以上") runs up to; without
    one such a range is refused. Raises ValueError with the text it could not read."""
    cleaned = re.sub(r"\s+", "", text).replace("人民币", "")
    if cleaned in _NONE:
        return None
    try:
        if m := _RANGE.match(cleaned):
            low = m.group("low") or m.group("low2")
            high = m.group("high") or m.group("high2")
            return FineRange(_number(low), _number(high))
        if m := _UPTO.match(cleaned):
            return FineRange(1, _number(m.group("high")))
        if m := _FROM.match(cleaned):
            if ceiling is None:
                raise ValueError(text)
            return FineRange(_number(m.group("low")), ceiling)
        if m := _FIXED.match(cleaned):
            amount = _number(m.group("amount"))
            return FineRange(amount, amount)
    except StandardError as exc:  # low above high
        raise ValueError(text) from exc
    raise ValueError(text)


def _normalise_condition(words: str) -> str:
    return words.strip().rstrip("。.；;，,").removesuffix("的").strip()


def condition_code(words: str) -> str:
    """The code of one condition: a statutory one's fixed code when its words are the law's
    (or contain them); otherwise ``c-`` and 10 hex digits of the SHA-256 of the words, stable
    across versions of a table."""
    normal = _normalise_condition(words)
    for code, statutory in STATUTORY_CONDITIONS.items():
        if normal == statutory or statutory in normal:
            return code
    return "c-" + hashlib.sha256(normal.encode("utf-8")).hexdigest()[:10]


@dataclass
class _MatterRows:
    code: str
    first: Mapping[str, str]
    where: str
    tiers: list[Tier] = field(default_factory=list)
    levels: set[TierLevel] = field(default_factory=set)


def _where(row: Mapping[str, str], index: int) -> str:
    """How a message names a row: its 序号, else its line in the file (else in the rows)."""
    number = row.get("序号", "").strip()
    return f"row {number}" if number else f"line {row.get(LINE) or index + 2}"


def _fail(where: str, column: str, problem: str) -> StandardError:
    return StandardError(f"{where}, column {column}: {problem}")


def _flag(row: Mapping[str, str], column: str, where: str) -> bool:
    value = row.get(column, "").strip()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise _fail(where, column, f"{value!r} is neither 是 nor 否")


def _citations(row: Mapping[str, str], column: str, where: str, *,
               required: bool) -> tuple[str, ...]:
    found = tuple(c.strip() for c in _LIST_SPLIT.split(row.get(column, "")) if c.strip())
    if required and not found:
        raise _fail(where, column, "no citation given")
    for citation in found:
        if "《" not in citation or "第" not in citation:
            raise _fail(where, column, f"{citation!r} is not a citation of an article "
                                       "(《名称》第X条)")
    return found


def _words(value: str) -> tuple[str, ...]:
    return tuple(w for w in _WORDS_SPLIT.split(value) if w)


def _range(row: Mapping[str, str], column: str, where: str, *,
           ceiling: FineRange | FactorRange | None = None
           ) -> FineRange | FactorRange | None:
    """The fine a cell states: a share or multiple of a base, or yuan."""
    text = row.get(column, "")
    base = row.get("罚款基数", "").strip() or None
    try:
        factors = parse_factors(text, base=base, ceiling=ceiling
                                if isinstance(ceiling, FactorRange) else None)
    except ValueError as exc:
        raise _fail(where, column, f"cannot read the share or multiple {text!r}: {exc}") \
            from None
    if factors is not None:
        return factors
    try:
        return parse_amount(text, ceiling=ceiling.high if isinstance(ceiling, FineRange)
                            else None)
    except ValueError:
        raise _fail(where, column, f"cannot read the amount {text!r} "
                                   "(e.g. 20元以上200元以下, 5000-50000, 不予罚款, "
                                   "建设工程造价百分之五以上百分之十以下)") from None


_PARTY_COLUMNS = ((PartyType.INDIVIDUAL, "法定幅度（个人）", "裁量幅度（个人）"),
                  (PartyType.UNIT, "法定幅度（单位）", "裁量幅度（单位）"))
Statutory = dict[PartyType, FineRange | FactorRange | None]


def _statutory(row: Mapping[str, str], where: str) -> Statutory:
    return {party: _range(row, column, where) for party, column, _ in _PARTY_COLUMNS}


def _yuan_only(ranges: Statutory) -> dict[PartyType, FineRange | None]:
    return {p: r if isinstance(r, FineRange) else None for p, r in ranges.items()}


def _factors_only(ranges: Statutory) -> dict[PartyType, FactorRange]:
    return {p: r for p, r in ranges.items() if isinstance(r, FactorRange)}


def _level(text: str) -> tuple[TierLevel | None, str]:
    """The tier a cell names, and what follows its name ("一般：…", "较重（…）")."""
    text = text.strip()
    if text in TIER_WORDS:
        return TIER_WORDS[text], ""
    for word in sorted(TIER_WORDS, key=len, reverse=True):
        if text.startswith(word):
            rest = text[len(word):].strip()
            if rest[:1] in ("：", ":", "（", "(", "，", ",", "；", " ", "—", "-"):
                rest = rest[1:].strip().removesuffix("）").removesuffix(")").strip()
                return TIER_WORDS[word], rest
    return None, ""


def _stated(limit: FineRange | FactorRange) -> str:
    return f"{limit.low}-{limit.high}" if isinstance(limit, FineRange) else limit.words()


def _tier(row: Mapping[str, str], where: str, statutory: Statutory,
          conditions: dict[str, str]) -> Tier:
    level, rest = _level(row.get("阶次", ""))
    if level is None:
        raise _fail(where, "阶次", f"{row.get('阶次', '')!r} is not a tier (不予处罚, 轻微, 一般, "
                                   "较重, 严重)")
    # A published table's one column "阶次及适用条件" ("一般：驾驶人不在现场…") holds both.
    condition_text = row.get("适用条件", "").strip() or rest
    codes: list[str] = []
    for words in _LIST_SPLIT.split(condition_text):
        if not _normalise_condition(words):
            continue
        code = condition_code(words)
        if code not in STATUTORY_CONDITIONS:
            conditions[code] = _normalise_condition(words)
        if code not in codes:
            codes.append(code)
    fines: dict[PartyType, FineRange | None] = {}
    factors: dict[PartyType, FactorRange] = {}
    for party, statutory_column, column in _PARTY_COLUMNS:
        limit = statutory[party]
        fine = _range(row, column, where, ceiling=limit)
        fines[party] = fine if isinstance(fine, FineRange) else None
        if fine is None:
            continue
        stated = f"{fine.low}-{fine.high} yuan" if isinstance(fine, FineRange) \
            else fine.words()
        if limit is None:
            raise _fail(where, column, f"a fine of {stated}, but {statutory_column} gives "
                                       "no range")
        if isinstance(fine, FactorRange):
            if not isinstance(limit, FactorRange) or not fine.within(limit):
                raise _fail(where, column, f"{stated} is outside the statutory range "
                                           f"{_stated(limit)} ({statutory_column})")
            factors[party] = fine
        elif not isinstance(limit, FineRange) or not fine.within(limit):
            raise _fail(where, column, f"{stated} is outside the statutory range "
                                       f"{_stated(limit)} ({statutory_column})")
    penalties = _words(row.get("处罚种类", ""))
    if level is not TierLevel.EXEMPT and not penalties:
        raise _fail(where, "处罚种类", "a tier that punishes names the penalty (警告, 罚款…)")
    return Tier(level=level, conditions=tuple(codes), condition_text=condition_text,
                penalties=penalties, fines=fines, source=row.get("裁量基准来源", "").strip(),
                factors=factors)


def _matter(group: _MatterRows) -> Matter:
    row, where = group.first, group.where
    name = row.get("事项名称", "").strip()
    if not name:
        raise _fail(where, "事项名称", "the matter has no name")
    statutory = _statutory(row, where)
    return Matter(
        code=group.code, name=name, field=row.get("领域", "").strip(),
        violation_basis=_citations(row, "违法依据", where, required=False),
        penalty_basis=_citations(row, "处罚依据", where, required=True),
        statutory=_yuan_only(statutory), statutory_factors=_factors_only(statutory),
        statutory_penalties=_words(row.get("法定处罚种类", "")),
        tiers=tuple(sorted(group.tiers, key=lambda t: list(TierLevel).index(t.level))),
        first_violation_exempt=_flag(row, "首违不罚", where),
        on_the_spot=_flag(row, "当场处罚", where), keywords=_words(row.get("关键词", "")),
        source=row.get("裁量基准来源", "").strip(), remarks=row.get("备注", "").strip(),
        verified=_flag(row, "已核对", where))


def _aliased(row: Mapping[str, str]) -> dict[str, str]:
    return {ALIASES.get(k.strip(), k.strip()): v for k, v in row.items()}


def build_standard(rows: Sequence[Mapping[str, str]], *, id: str, title: str,
                   version_date: str, effective_date: str, issuer: str, example: bool,
                   hearing_thresholds: Mapping[PartyType, int] | None = None,
                   review_thresholds: Mapping[PartyType, int] | None = None,
                   source: str = "") -> Standard:
    """The standard the rows state, with its metadata; StandardError names row and column."""
    if not rows:
        raise StandardError("the table has no rows")
    rows = [_aliased(row) for row in rows]
    missing = [c for c in REQUIRED if c not in rows[0]]
    if missing:
        raise StandardError(f"the table has no column {', '.join(missing)} "
                            f"(columns: {', '.join(COLUMNS)})")
    groups: dict[str, _MatterRows] = {}
    current: _MatterRows | None = None
    conditions: dict[str, str] = {}
    for index, raw in enumerate(rows):
        row = {k: (v or "").strip() for k, v in raw.items()}
        if not any(v for k, v in row.items() if k != LINE):
            continue  # a spreadsheet's empty line
        where = _where(row, index)
        code = row.get("事项代码", "")
        if code:
            if code in groups and (current is None or current.code != code):
                raise _fail(where, "事项代码", f"matter {code} appears again after other "
                                           f"matters (first at {groups[code].where})")
            if current is None or current.code != code:
                current = groups[code] = _MatterRows(code, row, where)
        elif current is None:
            raise _fail(where, "事项代码", "the first row of a matter needs its code")
        for column in MATTER_COLUMNS:
            value = row.get(column, "")
            if value and value != current.first.get(column, ""):
                raise _fail(where, column, f"{value!r} contradicts the matter's first row "
                                           f"({current.where}: {current.first.get(column)!r})")
        statutory = _statutory(current.first, current.where)
        tier = _tier(row, where, statutory, conditions)
        if tier.level in current.levels:
            raise _fail(where, "阶次", f"matter {current.code} has this tier twice")
        current.levels.add(tier.level)
        current.tiers.append(tier)
    if not groups:
        raise StandardError("the table has no rows")
    for date_name, date in (("version_date", version_date), ("effective_date", effective_date)):
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            raise StandardError(f"{date_name} {date!r} is not an ISO date (YYYY-MM-DD)")
    return Standard(
        id=id, title=title, version_date=version_date, effective_date=effective_date,
        issuer=issuer, example=example, conditions=dict(sorted(conditions.items())),
        matters=tuple(_matter(g) for g in groups.values()),
        hearing_thresholds=dict(hearing_thresholds or {}),
        review_thresholds=dict(review_thresholds or {}), source=source)
