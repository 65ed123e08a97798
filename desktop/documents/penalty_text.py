"""What a penalty document says: its template filled from the decision, the case and the law.

`compose` takes a penalty decision (the engine's evaluation and the officer's choice, as the
decision recorded them), the case, the party, the officers, the document's number and date,
and a `quote` function that gives the text of a cited article from the law-library version
the decision used; it fills the kind's template (`resources/templates/penalty/<kind>.toml`,
with `common.toml`) and returns `PenaltyDocumentContent`: every paragraph as printed, the
reasoning steps with their citations, each cited article with its quoted text, and the
digest of all of it that the document's QR codes carry. Parts of a template marked `when`
appear only when their condition holds (the hearing rights only where art. 63 applies to the
penalty as chosen, `PenaltyDecision.hearing_right`; the payment terms only with a fine).
Where the party applies for reconsideration or sues and how a fine is paid come from the
unit's particulars (`UnitParticulars`, set by its administrator: decision 51).
A party that is a unit is named by the particulars the case holds for it (`UnitParty`,
decision 54): its name, 统一社会信用代码, 法定代表人 or 负责人 and 住所.
Nothing here reads a file but the templates, and nothing is invented: an article's text is
only ever what `quote` gives.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from typing import Any

from desktop.domain.model import Case, Officer, Party, SignatureRefusal, UnitParty
from desktop.domain.penalty import PenaltyDecision, PenaltyDocumentKind
from legal.discretion.evaluation import Outcome, Step
from legal.discretion.model import FineBasis, PartyType, factor_words

Quote = Callable[[str], str]
CONTENT_FORMAT = "statement-room/penalty-document/1"
# The rules of the engine's steps that say why no penalty is given (arts. 30, 31, 33, 36).
_WAIVER_RULES = ("art30", "art31", "art33", "art36")
_DEFAULT_WAIVER = "《中华人民共和国行政处罚法》第三十三条第一款"


@lru_cache(maxsize=8)
def template(name: str) -> dict[str, Any]:
    """A penalty template by file stem (`common` or a kind's value), read once."""
    folder = resources.files("resources.templates").joinpath("penalty")
    return tomllib.loads(folder.joinpath(f"{name}.toml").read_text("utf-8"))


def title(kind: PenaltyDocumentKind) -> str:
    return str(template(kind.value)["title"])


def chinese_date(day: date) -> str:
    return str(template("common")["date"]).format(year=day.year, month=day.month, day=day.day)


def chinese_datetime(at: datetime) -> str:
    return str(template("common")["datetime"]).format(
        year=at.year, month=at.month, day=at.day, hour=at.hour, minute=at.minute)


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_LARGE_UNITS = ("", "万", "亿")


def amount_in_words(yuan: int) -> str:
    """Whole yuan in capital figures, as money is written on a decision: 壹佰元整."""
    if yuan < 0 or yuan >= 10 ** 12:
        raise ValueError(f"amount out of range: {yuan}")
    if yuan == 0:
        return "零元整"
    groups: list[int] = []
    while yuan:
        groups.append(yuan % 10000)
        yuan //= 10000
    out = ""
    zero_pending = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero_pending = bool(out)
            continue
        digits = [group // 1000, group // 100 % 10, group // 10 % 10, group % 10]
        if out and (zero_pending or digits[0] == 0):
            out += "零"
        zero_pending = False
        text = ""
        for position, digit in enumerate(digits):
            unit = _SMALL_UNITS[3 - position]
            if digit:
                if zero_pending:
                    text += "零"
                    zero_pending = False
                text += _DIGITS[digit] + unit
            elif text:
                zero_pending = True
        zero_pending = False
        out += text.lstrip("零") + _LARGE_UNITS[index]
    return out + "元整"


@dataclass(frozen=True)
class UnitParticulars:
    """What the unit's administrator set for its documents to print (decision 51): where the
    party applies for reconsideration or sues, and how a fine is paid (art. 59 (五))."""

    reconsideration_body: str  # 嘉兴市南湖区人民政府
    court: str  # 嘉兴市南湖区人民法院
    payee: str  # 收款单位
    bank: str  # 开户银行
    account: str  # 账号
    payment_method: str  # 缴款方式


@dataclass(frozen=True)
class PenaltyInputs:
    """Everything a penalty document is composed from (loaded by the service)."""

    decision: PenaltyDecision
    kind: PenaltyDocumentKind
    case: Case
    party: Party
    officers: tuple[Officer, ...]  # the enforcement officers named and signing, first the lead
    unit: str  # the agency's name
    particulars: UnitParticulars  # the unit's legal particulars in force
    number: str  # 文号
    at: datetime  # when it is made and served (aware)
    evidence: tuple[str, ...] = ()  # the evidence in words ("询问笔录（2026年11月27日）")
    notice: tuple[str, date] | None = None  # (number, date) of the prior notice served
    refusal: SignatureRefusal | None = None  # the party refused to sign for it
    # On a prior notice: the party gives up the periods to state and defend (and to ask for
    # a hearing) in writing, above their signature for receipt (`waiver` printed).
    rights_waived: bool = False
    # The unit the case names as its party (decision 54), required when the decision is for
    # a unit: the document names it, never the interviewee's workplace or home.
    unit_party: UnitParty | None = None


@dataclass(frozen=True)
class PenaltyDocumentContent:
    """A penalty document as printed, before layout. `parts` are (style, text) with style
    "addressee", "paragraph", "heading" or "step"."""

    kind: PenaltyDocumentKind
    decision_id: str
    title: str
    unit: str
    number: str
    dated: date
    parts: tuple[tuple[str, str], ...]
    citations: tuple[tuple[str, str], ...]  # (citation, quoted text)
    sources: str  # which library and standard versions the citations and reasoning come from
    officers: tuple[tuple[str, str], ...]  # (name, certificate number)
    served: str  # the receipt's printed line
    refusal: str  # the refusal as printed, or ""
    content_digest: str  # SHA-256 of all of the above: what the QR codes carry
    waiver: str = ""  # the party's waiver of the notice's periods as printed, or ""


def _joined(items: Sequence[str]) -> str:
    words = template("common")["words"]
    return str(words["list_separator"]).join(items) if items else str(
        template("common")["empty"])


def _unique(items: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def _steps(decision: PenaltyDecision) -> list[Step]:
    steps = list(decision.evaluation.steps) if decision.evaluation else []
    return steps + (list(decision.choice.steps) if decision.choice else [])


def penalty_words(decision: PenaltyDecision) -> str:
    """The penalty in words: 罚款人民币100元（大写：壹佰元整）, 警告，并处…"""
    words = template("common")["words"]
    choice, evaluation = decision.choice, decision.evaluation
    kinds = choice.penalties if choice else evaluation.penalties if evaluation else ()
    amount = choice.amount if choice else evaluation.proposed_amount if evaluation else None
    printed = []
    for kind in kinds:
        if kind == "罚款" and amount is not None:
            printed.append(_fine_words(decision, amount, words))
        else:
            printed.append(kind)
    if not printed:
        return str(template("common")["empty"])
    first, base = printed[0], _share_of_base(decision)
    if base is not None and first.startswith(base):
        first = "处" + first  # 处建设工程造价（…）百分之五的罚款 when the fine comes first
    return first + "".join("，并处" + p for p in printed[1:])


def _share_of_base(decision: PenaltyDecision) -> str | None:
    """The base's name where the fine was taken of a base the officer gave (decision 52)."""
    evaluation = decision.evaluation
    if evaluation is None or evaluation.statutory_factors is None \
            or evaluation.facts.base_amount is None:
        return None
    return evaluation.statutory_factors.base


def _fine_words(decision: PenaltyDecision, amount: int, words: Mapping[str, Any]) -> str:
    """罚款人民币6000元（大写：…）; for a share or multiple of a base, the base, its amount and
    the factor the amount is of it: 建设工程造价（人民币120000元）百分之五的罚款，计人民币6000元
    （大写：…）. Where the amount is no short exact share of the base (its low end rounded up
    to a whole yuan), the range it was chosen in is printed instead of a factor: never an
    approximate figure."""
    evaluation = decision.evaluation
    in_words = amount_in_words(amount)
    factors = None if evaluation is None else evaluation.statutory_factors
    base = None if evaluation is None else evaluation.facts.base_amount
    if evaluation is None or factors is None or base is None:
        return str(words["fine"]).format(amount=amount, words=in_words)
    share = Fraction(amount) / Fraction(base)
    # Short and exact: a percentage with at most two decimals, a multiple with at most two.
    short = (share * (10_000 if factors.kind is FineBasis.SHARE_OF else 100)).denominator == 1
    ranged = evaluation.proposed_factors or factors
    factor = (factor_words(share, factors.kind) if short
              else ranged.words().removeprefix(ranged.base) + "幅度内")
    return str(words["share_fine"]).format(base=factors.base, base_amount=format(base, "f"),
                                           factor=factor, amount=amount, words=in_words)


def _fine(decision: PenaltyDecision) -> bool:
    amount = decision.choice.amount if decision.choice else None
    return amount is not None and amount > 0


def _party_type(decision: PenaltyDecision) -> PartyType:
    facts = decision.facts or (decision.evaluation.facts if decision.evaluation else None)
    return facts.party_type if facts else PartyType.INDIVIDUAL


def _unit_party(inputs: PenaltyInputs) -> UnitParty:
    if inputs.unit_party is None:
        raise ValueError("a decision for a unit needs the case's unit party")
    return inputs.unit_party


def _party_lines(inputs: PenaltyInputs) -> list[str]:
    """The party block. A unit: the particulars art. 59 (一) asks of it (名称, 统一社会信用代码,
    法定代表人（负责人）, 住所), never the interviewee's; a person: as read from their identity
    document, their home address (住址) and never their workplace in its place."""
    common, p = template("common"), inputs.party
    empty = str(common["empty"])
    party = common["party"]
    if _party_type(inputs.decision) is PartyType.UNIT:
        unit = _unit_party(inputs)
        return [str(party["unit"]).format(name=unit.name),
                str(party["unit_code"]).format(credit_code=unit.credit_code),
                str(party["unit_representative"]).format(
                    title=common["representative_title"][unit.representative_title.value],
                    representative=unit.representative),
                str(party["unit_address"]).format(address=unit.address,
                                                  phone=unit.phone or empty)]
    return [
        str(party["individual"]).format(
            name=p.name, sex=common["sex"][p.sex.value],
            birth=chinese_date(p.birth_date) if p.birth_date else empty),
        str(party["identity"]).format(id_kind=common["id_kind"][p.id_kind.value],
                                      id_number=p.id_number),
        str(party["address"]).format(address=p.address or empty, phone=p.phone or empty),
    ]


def _facts(inputs: PenaltyInputs, who: str) -> str:
    words = template("common")["words"]
    facts = inputs.decision.facts
    happened = facts.violation_date if facts else None
    place = inputs.case.place or str(template("common")["empty"])
    if happened:
        return str(words["facts"]).format(date=chinese_date(date.fromisoformat(happened)),
                                          party=who, place=place, act=inputs.case.cause)
    return str(words["facts_no_date"]).format(party=who, place=place, act=inputs.case.cause)


def _waiver_basis(steps: Sequence[Step]) -> list[str]:
    found = _unique([c for s in steps if s.rule in _WAIVER_RULES for c in s.citations])
    return found or [_DEFAULT_WAIVER]


def _conditions(inputs: PenaltyInputs) -> dict[str, bool]:
    evaluation = inputs.decision.evaluation
    # The hearing right of the penalty as chosen (art. 63), not only as proposed.
    hearing = inputs.decision.hearing_right
    outcome = evaluation.outcome if evaluation else None
    return {"hearing_right": hearing, "no_hearing_right": not hearing,
            "fine": _fine(inputs.decision), "notice_served": inputs.notice is not None,
            "education": outcome is not Outcome.TIME_BARRED}


def _values(inputs: PenaltyInputs, steps: Sequence[Step]) -> dict[str, object]:
    common, words = template("common"), template("common")["words"]
    evaluation = inputs.decision.evaluation
    unit_party = _party_type(inputs.decision) is PartyType.UNIT
    who = _unit_party(inputs).name if unit_party else inputs.party.name
    evidence = _joined(inputs.evidence) if inputs.evidence else str(words["evidence_default"])
    notice_number, notice_date = inputs.notice or ("", inputs.at.date())
    return {
        "party": who, "you": words["you_unit" if unit_party else "you_individual"],
        "facts": _facts(inputs, who),
        "evidence": str(words["evidence"]).format(evidence=evidence),
        "cause": inputs.case.cause, "case_number": inputs.case.number,
        "violation_basis": _joined(evaluation.violation_basis if evaluation else ()),
        "penalty_basis": _joined(evaluation.penalty_basis if evaluation else ()),
        "penalty": penalty_words(inputs.decision),
        "waiver_basis": _joined(_waiver_basis(steps)),
        "officers": _joined([f"{o.name}（{o.certificate_no}）" for o in inputs.officers]),
        "decided_at": chinese_datetime(inputs.at), "decided_place": inputs.case.place,
        "notice_number": notice_number, "notice_date": chinese_date(notice_date),
        "notice_rights": "、要求听证" if inputs.decision.hearing_right else "",
        "reconsideration_body": inputs.particulars.reconsideration_body,
        "court": inputs.particulars.court,
        "payment": str(common["payment"]).format(
            method=inputs.particulars.payment_method, payee=inputs.particulars.payee,
            bank=inputs.particulars.bank, account=inputs.particulars.account),
        **{key: common[key] for key in ("defence_days", "hearing_days", "payment_days")},
    }


def _reasoning(steps: Sequence[Step], decision: PenaltyDecision) -> list[tuple[str, str]]:
    words = template("common")["words"]
    out = []
    for n, step in enumerate(steps, start=1):
        text = str(words["step"]).format(n=n, text=step.text)
        if step.citations:
            text += str(words["step_basis"]).format(citations=_joined(step.citations))
        out.append(("step", text))
    deviation = decision.choice.deviation if decision.choice else None
    if deviation is not None and not any(deviation.reason in s.text for s in steps):
        kind = words["deviation_kinds"][deviation.kind.value]
        out.append(("step", str(words["deviation"]).format(kind=kind, reason=deviation.reason)))
    return out


def _citations(inputs: PenaltyInputs, spec: Mapping[str, Any], steps: Sequence[Step],
               conditions: Mapping[str, bool]) -> list[str]:
    evaluation = inputs.decision.evaluation
    cited = list(evaluation.violation_basis) if evaluation else []
    if inputs.kind is not PenaltyDocumentKind.NO_PENALTY and evaluation:
        cited += evaluation.penalty_basis
    else:
        cited += _waiver_basis(steps)
    cited += [c for s in steps for c in s.citations]
    cited += spec.get("cites", [])
    if conditions["hearing_right"]:
        cited += spec.get("hearing_cites", [])
    if conditions["education"]:
        cited += spec.get("education_cites", [])
    return _unique(cited)


def compose(inputs: PenaltyInputs, quote: Quote) -> PenaltyDocumentContent:
    """The document's content: the template filled in, every citation quoted by `quote`."""
    spec, common = template(inputs.kind.value), template("common")
    steps = _steps(inputs.decision)
    conditions = _conditions(inputs)
    values = _values(inputs, steps)
    parts: list[tuple[str, str]] = []
    for part in spec.get("part", []):
        if part.get("when") and not conditions[str(part["when"])]:
            continue
        if part.get("heading"):
            parts.append(("heading", str(part["heading"])))
        block = part.get("block")
        if block == "party":
            parts.extend(("addressee", line) for line in _party_lines(inputs))
        elif block == "reasoning":
            parts.extend(_reasoning(steps, inputs.decision))
        elif "text" in part:
            text = str(part["text"]).format(**values)
            parts.append(("addressee" if text.endswith("：") and len(parts) == 0
                          else "paragraph", text))
    citations = tuple((c, quote(c)) for c in _citations(inputs, spec, steps, conditions))
    library = inputs.decision.library
    standard = inputs.decision.standard
    unknown = str(common["citations"]["unknown_source"])
    sources = str(common["citations"]["sources"]).format(
        library=library.label if library else unknown,
        standard=standard.label if standard else unknown)
    dated = inputs.at.date()
    receipt = common["receipt"]
    refusal = ""
    if inputs.refusal is not None:
        witness_id = (str(receipt["witness_id"]).format(number=inputs.refusal.witness_id_number)
                      if inputs.refusal.witness_id_number else "")
        refusal = str(receipt["refused"]).format(
            reason=inputs.refusal.reason, witness=inputs.refusal.witness_name,
            witness_id=witness_id, at=chinese_datetime(inputs.refusal.recorded_at))
    waiver = ""
    if inputs.rights_waived:
        if inputs.kind is not PenaltyDocumentKind.PRIOR_NOTICE or inputs.refusal is not None:
            raise ValueError("only a party who signs for a prior notice waives its periods")
        waiver = str(receipt["waiver_hearing" if inputs.decision.hearing_right else "waiver"])
    record = {
        "format": CONTENT_FORMAT, "kind": inputs.kind.value,
        "decision_id": inputs.decision.id, "title": str(spec["title"]), "unit": inputs.unit,
        "number": inputs.number, "dated": dated.isoformat(), "parts": parts,
        "citations": citations, "sources": sources,
        "officers": [(o.name, o.certificate_no) for o in inputs.officers],
        "served": str(receipt["served"]).format(date=chinese_date(dated)), "refusal": refusal,
        **({"waiver": waiver} if waiver else {}),  # absent otherwise: older digests hold
    }
    digest = hashlib.sha256(json.dumps(record, ensure_ascii=False, sort_keys=True,
                                       separators=(",", ":")).encode("utf-8")).hexdigest()
    return PenaltyDocumentContent(
        kind=inputs.kind, decision_id=inputs.decision.id, title=str(spec["title"]),
        unit=inputs.unit, number=inputs.number, dated=dated, parts=tuple(parts),
        citations=citations, sources=sources,
        officers=tuple((o.name, o.certificate_no) for o in inputs.officers),
        served=str(record["served"]), refusal=refusal, content_digest=digest, waiver=waiver)
