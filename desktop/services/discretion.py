"""The discretion standard HQ published, as the officer uses it: which version is held, the
matters found by search or by the words of a statement, the conditions to tick, and the
engine's evaluation and the officer's choice (`legal.discretion.engine`).

The ``discretion`` dataset is decoded once per SHA-256 (a standard of 2,000 matters takes
tens of milliseconds to decode and index; the search index is built with it), and kept
while that version is held. `evaluate` adds nothing to the engine's answer: it finds the
standard, and turns the engine's refusals (unknown matter, unknown condition, a bad date)
into translated `UserError`s; `choose` keeps the engine's rules and turns a `ChoiceRefused`
into a translated `DiscretionRefused` that keeps the stable code. Nothing here writes: the
penalty decision (`desktop.services.penalty`) records what was proposed and chosen.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.model import TurnKind
from desktop.services import interview
from desktop.store import refdata
from desktop.store.store import Store
from legal.discretion import engine
from legal.discretion.evaluation import (
    Choice,
    ChoiceRefused,
    Deviation,
    Evaluation,
    Facts,
    MatterHit,
)
from legal.discretion.model import STATUTORY_CONDITIONS, Standard, StandardError

__all__ = ["DATASET", "ConditionChoice", "DiscretionRefused", "StandardHeld", "choose",
           "conditions", "evaluate", "held", "refusal_words", "search_matters", "standard",
           "suggest_for_statement", "suggest_for_text"]

DATASET = "discretion"


@dataclass(frozen=True)
class StandardHeld:
    """The standard this device holds: the dataset's version and hash, and what it says
    of itself (an example standard is shown as one wherever it appears)."""

    version: int
    sha256: str
    id: str
    title: str
    version_date: str
    effective_date: str
    issuer: str
    example: bool
    matters: int


@dataclass(frozen=True)
class ConditionChoice:
    """A condition the officer may tick for a matter: the law's own (statutory) or the
    standard's."""

    code: str
    words: str
    statutory: bool


class DiscretionRefused(UserError):
    """The engine refused the officer's choice or facts: a translated sentence, and the
    engine's stable code (and its values) for the GUI and the audit trail."""

    def __init__(self, code: str, params: Mapping[str, int | str]) -> None:
        super().__init__(refusal_words(code, params))
        self.code = code
        self.params = dict(params)


def refusal_words(code: str, params: Mapping[str, int | str]) -> str:
    """The officer's sentence for an engine refusal ``code``."""
    words = {
        "no_penalty": _("No penalty may be given in this case: give no amount."),
        "cannot_waive": _("The law gives no ground to waive the penalty in this case."),
        "amount_required": _("This tier's penalty is a fine: enter the amount."),
        "amount_not_positive": _("A fine must be at least 1 yuan."),
        "no_statutory_range": _("The penalty article sets no fine in yuan for this party; "
                                "the engine cannot check an amount."),
        "above_statutory_maximum": _("{amount} yuan is above the statutory maximum of "
                                     "{maximum} yuan: no reason allows that."),
        "on_the_spot_limit": _("An on-the-spot decision allows a fine of at most {limit} yuan "
                               "(Administrative Penalty Law art. 51)."),
        "on_the_spot_not_allowed": _("This case may not be decided on the spot; use the "
                                     "general procedure."),
        "deviation_not_needed": _("The amount is within the proposed range: no deviation is "
                                  "recorded."),
        "deviation_required": _("The amount is outside the proposed range: write the reason "
                                "for the deviation."),
        "reason_required": _("Write the reason for the deviation."),
        "wrong_deviation_kind": _("This amount is a deviation of another kind: choose "
                                  "{kind_words}."),
        "mitigation_without_grounds": _("A fine below the statutory minimum (mitigation) needs "
                                        "a statutory ground: tick it among the conditions "
                                        "(arts. 30-32)."),
        "heavier_under_mitigation": _("The law requires a lighter or mitigated penalty here: a "
                                      "heavier amount is not allowed."),
        "unknown_matter": _("The discretion standard held has no matter {matter}."),
        "unknown_condition": _("The discretion standard held has no condition {condition}."),
        "bad_date": _("{value} is not a date (YYYY-MM-DD)."),
        "party_not_provided": _("The penalty clause of “{name}” ({basis}) provides no penalty "
                                "for {party_words}: it addresses another kind of party, and "
                                "a penalty needs a clause that provides it (Administrative "
                                "Penalty Law art. 4). Check the party type, or choose the "
                                "matter whose clause applies to this party."),
        "base_required": _("This fine is taken of {base}: enter the amount of {base} and "
                           "its evidence, and evaluate again; the fine is then computed from "
                           "it."),
        "bad_base": _("{amount} is not an amount of yuan: enter the base as a positive number "
                      "with at most two decimals (e.g. 120000 or 98765.43)."),
        "base_not_used": _("This matter's fine is set in yuan; it takes no base amount. Clear "
                           "the base amount."),
        "base_too_small": _("{base} of {amount} yuan gives no fine of at least one whole yuan; "
                            "check the amount."),
        "rights_mismatch": _("The choice states another hearing right or legal review than "
                             "its penalty gives (arts. 58 and 63); choose the penalty again."),
    }.get(code)
    if words is None:
        return _("The discretion engine refused this ({code}).").format(code=code)
    kind = str(params.get("kind", ""))
    kind_words = {"lighter": _("lighter (从轻)"), "mitigated": _("mitigated (减轻)"),
                  "heavier": _("heavier (从重)")}.get(kind, kind)
    party = str(params.get("party", ""))
    party_words = {"individual": _("an individual (公民)"),
                   "unit": _("a unit (法人或者其他组织)")}.get(party, party)
    return words.format(kind_words=kind_words, party_words=party_words, **params)


_lock = threading.Lock()
_decoded: dict[str, tuple[Standard, engine.MatterIndex]] = {}


def _load(store: Store) -> tuple[refdata.DatasetHeld, Standard, engine.MatterIndex] | None:
    # The version and hash alone first: the bytes (a few MB for a large standard) are read
    # only when this version has not been decoded yet, not at every keystroke of a search.
    with store.reading() as conn:
        dataset = next((d for d in refdata.held_datasets(conn) if d.name == DATASET), None)
    if dataset is None:
        return None
    with _lock:
        cached = _decoded.get(dataset.sha256)
    if cached is None:
        with store.reading() as conn:
            held_bytes = refdata.dataset(conn, DATASET)
        if held_bytes is None or held_bytes.sha256 != dataset.sha256:
            return _load(store)  # a newer version arrived between the two reads
        try:
            decoded = Standard.from_bytes(held_bytes.data)
        except StandardError as exc:
            raise UserError(_("The discretion standard from HQ (version {version}) cannot be "
                              "read ({problem}).").format(version=dataset.version,
                                                          problem=exc)) from exc
        cached = (decoded, engine.MatterIndex(decoded))
        with _lock:
            _decoded.clear()  # one version is held at a time: keep only its decoding
            _decoded[dataset.sha256] = cached
    return dataset, cached[0], cached[1]


def _required(store: Store) -> tuple[Standard, engine.MatterIndex]:
    loaded = _load(store)
    if loaded is None:
        raise UserError(_("No discretion standard is held yet: it comes from HQ with the next "
                          "sync."))
    return loaded[1], loaded[2]


def held(store: Store) -> StandardHeld | None:
    loaded = _load(store)
    if loaded is None:
        return None
    dataset, std, _index = loaded
    return StandardHeld(version=dataset.version, sha256=dataset.sha256, id=std.id,
                        title=std.title, version_date=std.version_date,
                        effective_date=std.effective_date, issuer=std.issuer,
                        example=std.example, matters=len(std.matters))


def standard(store: Store) -> Standard | None:
    loaded = _load(store)
    return None if loaded is None else loaded[1]


def search_matters(store: Store, query: str, *, limit: int = 20) -> list[MatterHit]:
    return _required(store)[1].search(query, limit)


def suggest_for_text(store: Store, text: str, *, limit: int = 5) -> list[MatterHit]:
    return _required(store)[1].suggest(text, limit)


def suggest_for_statement(store: Store, statement_id: str, *, limit: int = 5
                          ) -> list[MatterHit]:
    """The matters the statement's questions and answers speak of."""
    statement = interview.get(store, statement_id)
    text = "\n".join(t.text for t in statement.turns
                     if t.kind in (TurnKind.QUESTION, TurnKind.ANSWER, TurnKind.NOTE))
    return suggest_for_text(store, text, limit=limit)


def conditions(store: Store, matter_code: str) -> list[ConditionChoice]:
    """The matter's own conditions (its tiers', mildest tier first), then the law's."""
    std, _index = _required(store)
    matter = std.matter(matter_code)
    if matter is None:
        raise DiscretionRefused("unknown_matter", {"matter": matter_code})
    own: dict[str, str] = {}
    for tier in matter.tiers:
        for code in tier.conditions:
            if code not in STATUTORY_CONDITIONS:
                own.setdefault(code, std.condition_words(code))
    return ([ConditionChoice(code, words, False) for code, words in own.items()]
            + [ConditionChoice(code, words, True) for code, words in STATUTORY_CONDITIONS.items()])


def evaluate(store: Store, facts: Facts) -> Evaluation:
    std, _index = _required(store)
    try:
        return engine.evaluate(std, facts)
    except engine.FactsError as exc:
        raise DiscretionRefused(exc.code, exc.params) from exc
    except StandardError as exc:  # HQ checked the ranges; a standard that breaks them is HQ's
        raise UserError(_("The discretion standard held cannot be applied to this matter "
                          "({problem}); ask HQ to correct it.").format(problem=exc)) from exc


def choose(evaluation: Evaluation, *, waive: bool, amount: int | None,
           deviation: Deviation | None) -> Choice:
    try:
        return engine.choose(evaluation, waive=waive, amount=amount, deviation=deviation)
    except ChoiceRefused as exc:
        raise DiscretionRefused(exc.code, exc.params) from exc
