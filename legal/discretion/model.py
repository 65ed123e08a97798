"""A discretion standard (裁量基准) as data: matters, their tiers, conditions and ranges.

The bureau publishes its standard as a table (columns in ../shared/reference/discretion.md:
事项代码, 事项名称, 处罚依据, 阶次及适用条件, 裁量幅度, 裁量基准来源, 备注); HQ reads it
(`legal.discretion.table`) into this model and publishes it as the ``discretion`` dataset,
whose JSON form is `Standard.to_bytes` (canonical, so the same standard has one SHA-256).

Money is whole yuan (罚款 in standards is never below one yuan). A range is inclusive. A tier's
range for a party type is None where that tier imposes no fine on that party type (a warning,
an order to correct, or no penalty). Citations are strings in the form officers write them
(《行政处罚法》第三十三条第一款), resolved against the law library (`legal.library.citations`).

Conditions: every tier lists the condition codes that place a case in it. Codes are declared
once in the standard's catalogue (`Standard.conditions`, code -> words), so the officer ticks
words and the engine compares codes. The statutory conditions of the Administrative Penalty
Law (arts. 30-33) have fixed codes (`STATUTORY_CONDITIONS`) that every standard understands.

Fines that are a share or a multiple of a base (城乡规划法 第六十四条: 建设工程造价百分之五以上
百分之十以下; 大气污染防治法: 货值金额一倍以上三倍以下) are a `FactorRange`: the kind
(`FineBasis.SHARE_OF` or `MULTIPLE_OF`; `FIXED` is the yuan `FineRange`), the base's name and the
factors as exact fractions (never float). A matter keeps them in `Matter.statutory_factors` and
a tier in `Tier.factors`, beside the yuan ranges (which are then None for that party type); in
the JSON only where present, so a standard without them keeps its bytes and every row its hash.
The officer gives the base amount in the facts; `FactorRange.yuan_range` turns it into whole
yuan (the low end rounded up, the high end down: never outside the statute). Decision 52.

Each row keeps its provenance (`Matter.source`, `Tier.source`: the department document it
derives from), and `Matter.row_hash` is the SHA-256 of the matter's canonical JSON: a decision
records the hashes of the rows it used, so a later reader can tell whether they changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from legal.discretion.ranges import (
    FactorRange,
    FineBasis,
    FineRange,
    StandardError,
    factor_words,
)

_field = field

__all__ = ["FORMAT", "STATUTORY_CONDITIONS", "FactorRange", "FineBasis", "FineRange", "Matter",
           "PartyType", "Standard", "StandardError", "Tier", "TierLevel", "factor_words"]

FORMAT = "statement-room/discretion-standard/1"


class PartyType(StrEnum):
    INDIVIDUAL = "individual"  # 公民 (个人)
    UNIT = "unit"  # 法人或者其他组织 (单位)


class TierLevel(StrEnum):
    """The tiers (阶次) a standard may use, mildest first."""

    EXEMPT = "exempt"  # 不予处罚 / 免罚 (an exemption list's row)
    MINOR = "minor"  # 轻微
    GENERAL = "general"  # 一般
    SERIOUS = "serious"  # 较重
    GRAVE = "grave"  # 严重


# The conditions the Administrative Penalty Law itself attaches consequences to; the engine
# applies them to every matter. Words are the law's own (arts. 30-33).
STATUTORY_CONDITIONS: Mapping[str, str] = {
    "under_14": "不满十四周岁",  # art. 30: no penalty
    "age_14_to_18": "已满十四周岁不满十八周岁",  # art. 30: 应当从轻或者减轻
    # art. 31: no penalty
    "mental_no_control": "精神病人、智力残疾人在不能辨认或者不能控制自己行为时有违法行为",
    "mental_partial": "尚未完全丧失辨认或者控制自己行为能力的精神病人、智力残疾人",  # art. 31: 可以
    "eliminated_harm": "主动消除或者减轻违法行为危害后果",  # art. 32 (一)
    "coerced": "受他人胁迫或者诱骗实施违法行为",  # art. 32 (二)
    "confessed": "主动供述行政机关尚未掌握的违法行为",  # art. 32 (三)
    "cooperated_merit": "配合行政机关查处违法行为有立功表现",  # art. 32 (四)
    "minor_corrected_no_harm": "违法行为轻微并及时改正，没有造成危害后果",  # art. 33 ¶1
    "first_slight_corrected": "初次违法且危害后果轻微并及时改正",  # art. 33 ¶1: 可以不予
    "no_fault": "有证据足以证明没有主观过错",  # art. 33 ¶2
    "safety_or_finance_harm": "涉及公民生命健康安全、金融安全且有危害后果",  # art. 36: 5 years
    "major_public_interest": "涉及重大公共利益",  # art. 58 (一): legal review
    "major_rights_hearing": "直接关系当事人或者第三人重大权益，经过听证程序",  # art. 58 (二)
    "complex_case": "案件情况疑难复杂、涉及多个法律关系",  # art. 58 (三)
}

@dataclass(frozen=True)
class Tier:
    level: TierLevel
    conditions: tuple[str, ...]  # codes; any one of them places a case in this tier
    condition_text: str  # 阶次及适用条件, as the table states it
    penalties: tuple[str, ...]  # penalty kinds in words as the table states them (警告, 罚款…)
    fines: Mapping[PartyType, FineRange | None]  # None: no fine for that party type
    source: str = ""  # 裁量基准来源
    # A share or multiple of a base, per party type (its `fines` entry is then None).
    factors: Mapping[PartyType, FactorRange] = field(default_factory=dict)

    def fine(self, party: PartyType) -> FineRange | None:
        return self.fines.get(party)

    def factor(self, party: PartyType) -> FactorRange | None:
        return self.factors.get(party)

    def fines_party(self, party: PartyType) -> bool:
        """The tier fines ``party``: in yuan or as a share or multiple of a base."""
        return self.fine(party) is not None or party in self.factors


@dataclass(frozen=True)
class Matter:
    code: str  # 事项代码
    name: str  # 事项名称
    field: str  # the area the table groups it under (市容环卫, 城乡规划…)
    violation_basis: tuple[str, ...]  # citations of the rule broken (违法依据)
    penalty_basis: tuple[str, ...]  # citations of the penalty clause (处罚依据)
    statutory: Mapping[PartyType, FineRange | None]  # the penalty clause's own range
    statutory_penalties: tuple[str, ...]  # the kinds the penalty clause allows, in words
    tiers: tuple[Tier, ...]  # mildest first
    first_violation_exempt: bool = False  # 首违不罚 listed for this matter
    on_the_spot: bool = False  # the standard allows 当场处罚 (art. 51 limits still apply)
    keywords: tuple[str, ...] = ()  # words officers and parties use (人行道, 违停…)
    source: str = ""  # 裁量基准来源 for the matter
    remarks: str = ""  # 备注
    verified: bool = False  # the ranges were checked against the official gazette
    # The penalty clause's range as a share or multiple of a base, per party type (its
    # `statutory` entry is then None).
    # (`_field`: this class has an attribute named field.)
    statutory_factors: Mapping[PartyType, FactorRange] = _field(default_factory=dict)

    def base_name(self, party: PartyType) -> str | None:
        """The base the fine for ``party`` is taken of (建设工程造价…), None for yuan ranges."""
        factor = self.statutory_factors.get(party)
        return None if factor is None else factor.base

    def row_json(self) -> dict[str, Any]:
        return _matter_json(self)

    @property
    def row_hash(self) -> str:
        """SHA-256 (hex) of this matter's canonical JSON: what a decision records it used."""
        return hashlib.sha256(_canonical(self.row_json())).hexdigest()


@dataclass(frozen=True)
class Standard:
    """One version of the bureau's discretion standard."""

    id: str  # the bureau's name for it, stable across versions
    title: str  # e.g. "XX区综合行政执法局行政处罚裁量基准（示例）"
    version_date: str  # ISO date of this version
    effective_date: str  # ISO date it applies from
    issuer: str  # the bureau or department that published it
    example: bool  # a starter or synthetic standard: marked as an example wherever shown
    conditions: Mapping[str, str]  # code -> words, the standard's own conditions
    matters: tuple[Matter, ...]
    # Thresholds of "较大数额罚款" for hearing rights (art. 63), per party type, in yuan: set by
    # the province; the standard carries the ones the bureau applies.
    hearing_thresholds: Mapping[PartyType, int] = field(default_factory=dict)
    # Fines from which the bureau requires legal review (art. 58 (四): 其他情形), per party type.
    review_thresholds: Mapping[PartyType, int] = field(default_factory=dict)
    source: str = ""  # the document that published the standard
    # The party types for which the publisher declared that the standard sets no 较大数额
    # threshold although it fines them (HQ's import refuses that silence otherwise): the
    # engine then says the hearing right was not judged by the amount. In the JSON only when
    # declared, so a standard without the declaration keeps its bytes (and its SHA-256).
    no_hearing_threshold: tuple[PartyType, ...] = ()
    _by_code: Mapping[str, Matter] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {m.code: m for m in self.matters})

    def matter(self, code: str) -> Matter | None:
        return self._by_code.get(code)

    def condition_words(self, code: str) -> str:
        return self.conditions.get(code) or STATUTORY_CONDITIONS.get(code, code)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "id": self.id, "title": self.title,
            "version_date": self.version_date, "effective_date": self.effective_date,
            "issuer": self.issuer, "example": self.example, "source": self.source,
            "conditions": dict(self.conditions),
            "hearing_thresholds": {p.value: v for p, v in self.hearing_thresholds.items()},
            "review_thresholds": {p.value: v for p, v in self.review_thresholds.items()},
            "matters": [_matter_json(m) for m in self.matters],
        } | ({"no_hearing_threshold": [p.value for p in self.no_hearing_threshold]}
             if self.no_hearing_threshold else {})

    def to_bytes(self) -> bytes:
        return _canonical(self.to_json())

    @classmethod
    def from_bytes(cls, data: bytes) -> Standard:
        try:
            return cls.from_json(json.loads(data.decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise StandardError(f"not a discretion standard: {exc}") from exc

    @classmethod
    def from_json(cls, doc: object) -> Standard:
        try:
            assert isinstance(doc, dict)
            if doc.get("format") != FORMAT:
                raise StandardError(f"not a discretion standard of format {FORMAT}: "
                                    f"{doc.get('format')!r}")
            return cls(
                id=str(doc["id"]), title=str(doc["title"]),
                version_date=str(doc["version_date"]),
                effective_date=str(doc["effective_date"]), issuer=str(doc["issuer"]),
                example=bool(doc["example"]), source=str(doc.get("source", "")),
                conditions={str(k): str(v) for k, v in doc["conditions"].items()},
                hearing_thresholds={PartyType(k): int(v)
                                    for k, v in doc.get("hearing_thresholds", {}).items()},
                review_thresholds={PartyType(k): int(v)
                                   for k, v in doc.get("review_thresholds", {}).items()},
                matters=tuple(_matter_from(m) for m in doc["matters"]),
                no_hearing_threshold=tuple(PartyType(p)
                                           for p in doc.get("no_hearing_threshold", ())))
        except (AssertionError, KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
            if isinstance(exc, StandardError):
                raise
            raise StandardError(f"discretion standard damaged: {exc!r}") from exc


def _canonical(doc: object) -> bytes:
    return json.dumps(doc, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def _ranges_json(ranges: Mapping[PartyType, FineRange | None]) -> dict[str, Any]:
    return {p.value: None if r is None else [r.low, r.high] for p, r in ranges.items()}


def _ranges_from(d: Mapping[str, Any]) -> dict[PartyType, FineRange | None]:
    return {PartyType(k): None if v is None else FineRange(int(v[0]), int(v[1]))
            for k, v in d.items()}


def _factors_json(factors: Mapping[PartyType, FactorRange]) -> dict[str, Any]:
    return {p.value: f.to_json() for p, f in factors.items()}


def _factors_from(d: Mapping[str, Any]) -> dict[PartyType, FactorRange]:
    return {PartyType(k): FactorRange.from_json(v) for k, v in d.items()}


def _tier_json(t: Tier) -> dict[str, Any]:
    # "factors" only where there are some: a row without them keeps its bytes and hash.
    return {"level": t.level.value, "conditions": list(t.conditions),
            "condition_text": t.condition_text, "penalties": list(t.penalties),
            "fines": _ranges_json(t.fines), "source": t.source} | (
        {"factors": _factors_json(t.factors)} if t.factors else {})


def _matter_json(m: Matter) -> dict[str, Any]:
    extra = {"statutory_factors": _factors_json(m.statutory_factors)} \
        if m.statutory_factors else {}
    return extra | {
        "code": m.code, "name": m.name, "field": m.field,
        "violation_basis": list(m.violation_basis), "penalty_basis": list(m.penalty_basis),
        "statutory": _ranges_json(m.statutory),
        "statutory_penalties": list(m.statutory_penalties),
        "tiers": [_tier_json(t) for t in m.tiers],
        "first_violation_exempt": m.first_violation_exempt, "on_the_spot": m.on_the_spot,
        "keywords": list(m.keywords), "source": m.source, "remarks": m.remarks,
        "verified": m.verified,
    }


def _matter_from(d: Mapping[str, Any]) -> Matter:
    return Matter(
        code=str(d["code"]), name=str(d["name"]), field=str(d["field"]),
        violation_basis=tuple(str(c) for c in d["violation_basis"]),
        penalty_basis=tuple(str(c) for c in d["penalty_basis"]),
        statutory=_ranges_from(d["statutory"]),
        statutory_penalties=tuple(str(p) for p in d["statutory_penalties"]),
        tiers=tuple(Tier(level=TierLevel(t["level"]),
                         conditions=tuple(str(c) for c in t["conditions"]),
                         condition_text=str(t["condition_text"]),
                         penalties=tuple(str(p) for p in t["penalties"]),
                         fines=_ranges_from(t["fines"]), source=str(t.get("source", "")),
                         factors=_factors_from(t.get("factors", {})))
                    for t in d["tiers"]),
        first_violation_exempt=bool(d.get("first_violation_exempt", False)),
        on_the_spot=bool(d.get("on_the_spot", False)),
        keywords=tuple(str(k) for k in d.get("keywords", ())),
        source=str(d.get("source", "")), remarks=str(d.get("remarks", "")),
        verified=bool(d.get("verified", False)),
        statutory_factors=_factors_from(d.get("statutory_factors", {})))
