"""What the engine is given and what it answers: facts, reasoning steps, the evaluation, and
the officer's choice with its deviation reason.

These are the records a decision keeps (their JSON forms go into the store, the audit trail
and the documents), so they carry everything needed to show the reasoning again later without
the engine: the standard's id and version, the hash of the matter's row, and every step with
its citations. `legal.discretion.engine` produces them; nothing here decides anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from legal.discretion.model import FactorRange, FineRange, PartyType, TierLevel

__all__ = ["Choice", "ChoiceRefused", "Deviation", "DeviationKind", "Evaluation", "Facts",
           "MatterHit", "Outcome", "Step", "Thresholds"]


class Outcome(StrEnum):
    PENALTY = "penalty"  # a penalty within the proposed tier
    MAY_WAIVE = "may_waive"  # 可以不予行政处罚 (art. 33 ¶1, first violation): the officer decides
    NO_PENALTY = "no_penalty"  # 不予行政处罚 (arts. 30, 31, 33)
    TIME_BARRED = "time_barred"  # 不再给予行政处罚 (art. 36)


class DeviationKind(StrEnum):
    LIGHTER = "lighter"  # 从轻: below the tier, within the statutory range
    MITIGATED = "mitigated"  # 减轻: below the statutory minimum (only on statutory grounds)
    HEAVIER = "heavier"  # 从重: above the tier, never above the statutory maximum


@dataclass(frozen=True)
class Facts:
    """The facts of one case as the officer states them to the engine."""

    matter_code: str
    party_type: PartyType
    conditions: frozenset[str]  # ticked condition codes (the standard's and the statutory)
    violation_date: str | None = None  # ISO date the act was committed
    violation_ended: str | None = None  # ISO date a continuing act ended (art. 36 ¶2)
    discovered_date: str | None = None  # ISO date the bureau discovered it (art. 36)
    on_the_spot: bool = False  # the officer proposes the simple procedure (arts. 51-52)
    # The base a share or multiple is taken of (建设工程造价, 违法所得, 货值金额), in yuan as
    # the officer established it, and a short note of its evidence (造价核定书…); None where
    # the matter's fine is in yuan, or the base is not known yet (decision 52).
    base_amount: Decimal | None = None
    base_note: str = ""

    def to_json(self) -> dict[str, Any]:
        # The base only when given: facts recorded before it existed keep their bytes.
        base: dict[str, Any] = {} if self.base_amount is None else {
            "base_amount": format(self.base_amount, "f"), "base_note": self.base_note}
        return {"matter_code": self.matter_code, "party_type": self.party_type.value,
                "conditions": sorted(self.conditions), "violation_date": self.violation_date,
                "violation_ended": self.violation_ended,
                "discovered_date": self.discovered_date, "on_the_spot": self.on_the_spot,
                **base}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Facts:
        return cls(matter_code=str(d["matter_code"]), party_type=PartyType(d["party_type"]),
                   conditions=frozenset(str(c) for c in d.get("conditions", ())),
                   violation_date=d.get("violation_date"),
                   violation_ended=d.get("violation_ended"),
                   discovered_date=d.get("discovered_date"),
                   on_the_spot=bool(d.get("on_the_spot", False)),
                   base_amount=None if d.get("base_amount") is None
                   else _decimal(d["base_amount"]),
                   base_note=str(d.get("base_note", "")))


def _decimal(value: Any) -> Decimal:
    """A JSON number or string as an exact Decimal; ValueError when it is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not an amount: {value!r}")
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


@dataclass(frozen=True)
class Step:
    """One step of the reasoning, in Chinese as printed, with the articles it rests on."""

    rule: str  # stable code: "matter", "tier", "art30", "art32", "art33", "art36", "art51"…
    text: str  # "当事人主动消除违法行为危害后果，依法应当从轻或者减轻处罚。"
    citations: tuple[str, ...] = ()  # "《中华人民共和国行政处罚法》第三十二条第（一）项"

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "text": self.text, "citations": list(self.citations)}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Step:
        return cls(rule=str(d["rule"]), text=str(d["text"]),
                   citations=tuple(str(c) for c in d.get("citations", ())))


def _range(r: FineRange | None) -> list[int] | None:
    return None if r is None else [r.low, r.high]


def _range_from(v: Any) -> FineRange | None:
    return None if v is None else FineRange(int(v[0]), int(v[1]))


def _factors_from(v: Any) -> FactorRange | None:
    return None if v is None else FactorRange.from_json(v)


@dataclass(frozen=True)
class Thresholds:
    """The standard's figures that applied to the party type when the evaluation was made:
    the 较大数额 fine from which art. 63 gives a hearing right, and the fine from which the
    bureau requires legal review (art. 58 (四)); None where the standard sets none. Kept in
    the evaluation so that `choose`, which does not see the standard, judges the officer's
    amount by the same figures."""

    hearing: int | None
    review: int | None
    # The figures are an example standard's: the reasoning marks them 示例. In the JSON only
    # when true, so a record made before it was kept reads back with its own hash.
    example: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"hearing": self.hearing, "review": self.review} | (
            {"example": True} if self.example else {})

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Thresholds:
        hearing, review = d.get("hearing"), d.get("review")
        return cls(hearing=None if hearing is None else int(hearing),
                   review=None if review is None else int(review),
                   example=bool(d.get("example", False)))


@dataclass(frozen=True)
class Evaluation:
    """The engine's answer for one set of facts under one standard version."""

    standard_id: str
    standard_version_date: str
    matter_code: str
    matter_name: str
    matter_row_hash: str  # `Matter.row_hash` of the row used
    facts: Facts
    outcome: Outcome
    tier: TierLevel | None  # None when no penalty is given
    statutory_range: FineRange | None  # the penalty clause's range for the party type
    proposed_range: FineRange | None  # the tier's range (None: no fine proposed)
    proposed_amount: int | None  # a single figure within proposed_range, or None
    penalties: tuple[str, ...]  # kinds proposed, in words (警告, 罚款…)
    mandatory_mitigation: bool  # art. 30/32: 应当从轻或者减轻
    on_the_spot_allowed: bool  # arts. 51: within its limits and the standard allows it
    hearing_right: bool  # art. 63: the party must be told of the right to a hearing
    legal_review_required: bool  # art. 58
    steps: tuple[Step, ...]
    penalty_basis: tuple[str, ...]  # citations
    violation_basis: tuple[str, ...]  # citations
    # The thresholds that applied (issue 17, DISC2). None only in a record made before they
    # were kept: its JSON has no "thresholds" key and writes none back, so its hash (what a
    # legal review signed) is unchanged.
    thresholds: Thresholds | None = None
    # The penalty clause's and the tier's ranges as a share or multiple of a base, where the
    # matter measures the fine so (decision 52): `statutory_range` and `proposed_range` are
    # then the whole-yuan ranges of the facts' base amount (None without it). In the JSON only
    # when set, so an evaluation of a yuan range keeps its bytes and its hash.
    statutory_factors: FactorRange | None = None
    proposed_factors: FactorRange | None = None

    def to_json(self) -> dict[str, Any]:
        extra: dict[str, Any] = ({} if self.thresholds is None
                                 else {"thresholds": self.thresholds.to_json()})
        if self.statutory_factors is not None:
            extra["statutory_factors"] = self.statutory_factors.to_json()
        if self.proposed_factors is not None:
            extra["proposed_factors"] = self.proposed_factors.to_json()
        return {
            **extra,
            "standard_id": self.standard_id,
            "standard_version_date": self.standard_version_date,
            "matter_code": self.matter_code, "matter_name": self.matter_name,
            "matter_row_hash": self.matter_row_hash, "facts": self.facts.to_json(),
            "outcome": self.outcome.value,
            "tier": None if self.tier is None else self.tier.value,
            "statutory_range": _range(self.statutory_range),
            "proposed_range": _range(self.proposed_range),
            "proposed_amount": self.proposed_amount, "penalties": list(self.penalties),
            "mandatory_mitigation": self.mandatory_mitigation,
            "on_the_spot_allowed": self.on_the_spot_allowed,
            "hearing_right": self.hearing_right,
            "legal_review_required": self.legal_review_required,
            "steps": [s.to_json() for s in self.steps],
            "penalty_basis": list(self.penalty_basis),
            "violation_basis": list(self.violation_basis),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Evaluation:
        return cls(
            standard_id=str(d["standard_id"]),
            standard_version_date=str(d["standard_version_date"]),
            matter_code=str(d["matter_code"]), matter_name=str(d["matter_name"]),
            matter_row_hash=str(d["matter_row_hash"]), facts=Facts.from_json(d["facts"]),
            outcome=Outcome(d["outcome"]),
            tier=None if d["tier"] is None else TierLevel(d["tier"]),
            statutory_range=_range_from(d["statutory_range"]),
            proposed_range=_range_from(d["proposed_range"]),
            proposed_amount=None if d["proposed_amount"] is None else int(d["proposed_amount"]),
            penalties=tuple(str(p) for p in d["penalties"]),
            mandatory_mitigation=bool(d["mandatory_mitigation"]),
            on_the_spot_allowed=bool(d["on_the_spot_allowed"]),
            hearing_right=bool(d["hearing_right"]),
            legal_review_required=bool(d["legal_review_required"]),
            steps=tuple(Step.from_json(s) for s in d["steps"]),
            penalty_basis=tuple(str(c) for c in d["penalty_basis"]),
            violation_basis=tuple(str(c) for c in d["violation_basis"]),
            thresholds=None if d.get("thresholds") is None
            else Thresholds.from_json(d["thresholds"]),
            statutory_factors=_factors_from(d.get("statutory_factors")),
            proposed_factors=_factors_from(d.get("proposed_factors")))


@dataclass(frozen=True)
class Deviation:
    """Why the officer's amount leaves the proposed tier: the kind and the written reason."""

    kind: DeviationKind
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "reason": self.reason}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Deviation:
        return cls(kind=DeviationKind(d["kind"]), reason=str(d["reason"]))


@dataclass(frozen=True)
class Choice:
    """What the officer decided, accepted by `legal.discretion.engine.choose`."""

    waived: bool  # no penalty (NO_PENALTY, TIME_BARRED, or a MAY_WAIVE the officer took)
    amount: int | None  # yuan; None when no fine
    penalties: tuple[str, ...]
    deviation: Deviation | None  # set exactly when the amount leaves the proposed range
    steps: tuple[Step, ...]  # the steps the choice adds (the deviation and its basis)
    # What the chosen penalty gives (issue 17, DISC2): a hearing right (art. 63) and legal
    # review (art. 58), judged on the chosen amount and kinds by the evaluation's thresholds.
    # None only in a record made before `choose` set them (its JSON has neither key, and
    # writes none back): the evaluation's own flags then stand.
    hearing_right: bool | None = None
    legal_review_required: bool | None = None

    def to_json(self) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if self.hearing_right is not None:
            extra["hearing_right"] = self.hearing_right
        if self.legal_review_required is not None:
            extra["legal_review_required"] = self.legal_review_required
        return {"waived": self.waived, "amount": self.amount, "penalties": list(self.penalties),
                "deviation": None if self.deviation is None else self.deviation.to_json(),
                "steps": [s.to_json() for s in self.steps], **extra}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Choice:
        return cls(waived=bool(d["waived"]),
                   amount=None if d["amount"] is None else int(d["amount"]),
                   penalties=tuple(str(p) for p in d["penalties"]),
                   deviation=None if d["deviation"] is None
                   else Deviation.from_json(d["deviation"]),
                   steps=tuple(Step.from_json(s) for s in d["steps"]),
                   hearing_right=_flag(d.get("hearing_right")),
                   legal_review_required=_flag(d.get("legal_review_required")))


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


class ChoiceRefused(ValueError):
    """The officer's choice is not lawful under the evaluation. ``code`` is stable (the
    desktop translates it); the message is English for logs."""

    def __init__(self, code: str, message: str, **params: int | str) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class MatterHit:
    """A matter found by search: why it matched, for ranking and for showing."""

    code: str
    name: str
    field: str
    score: float
    matched: str  # what matched: the name, the code, a keyword, words of the statement
