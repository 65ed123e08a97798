"""Everything a legal reviewer (or the case officer) reads about one penalty decision, loaded
in one go on the store thread: the decision with its reviews, the case, the statement its
facts came from (every turn), the case's evidence, the officers' names, the words of the
ticked conditions, and whether the standard used is an example.

`load_dossier` only reads; the screens build their text from the `Dossier` it returns, so
nothing on the GUI thread touches the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop.domain.errors import UserError
from desktop.domain.model import Case, Officer, Party, Statement
from desktop.domain.penalty import DatasetUsed, PenaltyDecision
from desktop.services import evidence, interview, penalty
from desktop.store import cases, officers, signing_keys
from desktop.store.evidence import EvidenceRecord
from desktop.store.store import Store
from legal.discretion.model import STATUTORY_CONDITIONS

EXAMPLE_MARK = "示例"  # what a starter standard's title carries (and the screens print)


@dataclass(frozen=True)
class Dossier:
    """One decision and what it rests on; see the module docstring."""

    decision: PenaltyDecision
    case: Case
    statement: Statement | None
    party: Party | None
    officers: dict[str, Officer]
    evidence: tuple[EvidenceRecord, ...]
    condition_words: dict[str, str] = field(default_factory=dict)
    standard_example: bool = False
    reviewer_token: bool = False  # the logged-in officer's key is on a token

    def officer_name(self, officer_id: str) -> str:
        officer = self.officers.get(officer_id)
        return officer.name if officer is not None else officer_id

    def condition(self, code: str) -> str:
        return self.condition_words.get(code, code)


def _condition_words(store: Store, matter_code: str) -> dict[str, str]:
    """Code -> words for the matter's conditions (the held standard's catalogue and the
    statutory ones); codes the standard no longer knows are shown as codes."""
    words = dict(STATUTORY_CONDITIONS)
    try:
        from desktop.services import discretion

        for choice in discretion.conditions(store, matter_code):
            words[choice.code] = choice.words
    except UserError:
        pass  # no standard held, or the matter left it: the statutory words and codes remain
    return words


def _is_example(store: Store, used: DatasetUsed | None) -> bool:
    """The standard a decision used is an example (starter or synthetic): its label says so,
    or the held standard of the same bytes is marked as one."""
    if used is None:
        return False
    if EXAMPLE_MARK in used.label or "合成" in used.label:
        return True
    from desktop.services import discretion

    held = discretion.held(store)
    return bool(held is not None and held.sha256 == used.sha256
                and held.example)


def load_dossier(store: Store, decision_id: str) -> Dossier:
    """Read the decision and what it rests on (store thread)."""
    decision = penalty.get(store, decision_id)
    statement = party = None
    if decision.statement_id is not None:
        statement = interview.get(store, decision.statement_id)
    with store.reading() as conn:
        case = cases.get_case(conn, decision.case_id)
        if statement is not None:
            party = cases.get_party(conn, statement.interviewee_id)
        people = {o.id: o for o in officers.list_officers(conn)}
        identity = signing_keys.active_identity(conn, signing_keys.OFFICER, store.officer.id)
    matter = decision.facts.matter_code if decision.facts is not None else ""
    return Dossier(
        decision=decision, case=case, statement=statement, party=party, officers=people,
        evidence=tuple(evidence.case_items(store, decision.case_id)),
        condition_words=_condition_words(store, matter) if matter else dict(
            STATUTORY_CONDITIONS),
        standard_example=_is_example(store, decision.standard),
        reviewer_token=identity is not None and identity.kind == "pkcs11")


def load_queue(store: Store) -> list[tuple[PenaltyDecision, Case, str]]:
    """The decisions waiting for review, each with its case and the drafting officer's name."""
    waiting = penalty.review_queue(store)
    with store.reading() as conn:
        people = {o.id: o.name for o in officers.list_officers(conn)}
        return [(d, cases.get_case(conn, d.case_id), people.get(d.officer_id, d.officer_id))
                for d in waiting]
