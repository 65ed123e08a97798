"""What the command line needs to work with cases and statements by name, without a window.

An officer names a case by its number (案件编号) as often as by its id, and an officer by
their enforcement certificate number (执法证号); `find_case` accepts either for a case,
`normalize_certificate_number` checks and normalizes a certificate number before it is
stored or looked up. `statement_rows` is the statement list with the case number, the party
and the date on each line; `turn_at` finds a turn by the number it is shown with;
`unfiled_items` is the evidence waiting to be filed under a case.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.model import Case, Statement, StatementKind, StatementState, Turn
from desktop.services.records import case_summaries
from desktop.store import cases
from desktop.store.evidence import EvidenceRecord, all_items
from desktop.store.store import Store

# Certificate numbers differ between provinces and agencies (digits only, a letter prefix,
# hyphens), so the check is about what can never be one: spaces inside, punctuation,
# ideographs, control characters, or a length no card carries.
_CERTIFICATE = re.compile(r"[A-Z0-9](?:[A-Z0-9-]*[A-Z0-9])?")
CERTIFICATE_MIN, CERTIFICATE_MAX = 3, 32


def normalize_certificate_number(text: str) -> str:
    """The certificate number as stored: full-width forms folded to ASCII (NFKC), letters
    upper-case; refused (translated) when it cannot be an enforcement certificate number."""
    number = unicodedata.normalize("NFKC", text).strip().upper()
    if not number:
        raise UserError(_("Enter the enforcement certificate number."))
    if not CERTIFICATE_MIN <= len(number) <= CERTIFICATE_MAX:
        raise UserError(_("The enforcement certificate number 「{number}」 has {count} "
                          "characters; it must have {low} to {high}.").format(
            number=number, count=len(number), low=CERTIFICATE_MIN, high=CERTIFICATE_MAX))
    if _CERTIFICATE.fullmatch(number) is None:
        raise UserError(_("The enforcement certificate number 「{number}」 may hold only "
                          "letters, digits and hyphens.").format(number=number))
    return number


def find_case(store: Store, reference: str) -> Case:
    """The case with this id or this case number (refused, translated, when none has)."""
    wanted = reference.strip()
    with store.reading() as conn:
        for case in cases.list_cases(conn):
            if wanted in (case.id, case.number):
                return case
    raise UserError(_("No case has the number or id 「{reference}」.").format(reference=wanted))


@dataclass(frozen=True)
class StatementRow:
    """One line of the statement list: which case, whom, when, how far it is."""

    id: str
    case_id: str
    case_number: str
    kind: StatementKind
    state: StatementState
    party_name: str
    started_at: datetime
    turns: int


def statement_rows(store: Store, case_id: str | None = None) -> list[StatementRow]:
    """Every statement (or the case's), newest case first, each case's oldest first."""
    return [StatementRow(s.id, summary.case.id, summary.case.number, s.kind, s.state,
                         s.party_name, s.started_at, s.turns)
            for summary in case_summaries(store)
            if case_id is None or summary.case.id == case_id
            for s in summary.statements]


def turn_at(statement: Statement, number: int) -> Turn:
    """The turn shown as `number` (its sequence number in the statement)."""
    for turn in statement.turns:
        if turn.seq == number:
            return turn
    raise UserError(_("The statement has no turn {number}; `statement show` lists them.")
                    .format(number=number))


def unfiled_items(store: Store) -> list[EvidenceRecord]:
    """Evidence imported without a case (a docking at the end of a shift), oldest first."""
    with store.reading() as conn:
        return [item for item in all_items(conn) if item.case_id is None]
