"""The legal steps of a statement as checks that refuse with a clear, translated reason.

Administrative Penalty Law (2021) art. 42: two officers with enforcement certificates act;
art. 43: the party is told of recusal and the answer recorded; practice: read-back before
signing, a refusal to sign is recorded with a witness, a signed statement is never edited
(corrections are addenda). The store calls these before every change, and also enforces the
immutability of signed statements itself, so a bug above cannot bypass them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from gettext import gettext as _

from desktop.domain.errors import RuleViolation
from desktop.domain.model import (
    Officer,
    OpeningItem,
    SignatureRefusal,
    Statement,
    StatementForm,
    StatementKind,
    StatementState,
    TurnKind,
)

# Allowed lifecycle moves. read_back -> draft is how a correction asked for during read-back
# is made: the statement goes back to draft, is corrected, and is read back again.
TRANSITIONS: dict[StatementState, frozenset[StatementState]] = {
    StatementState.DRAFT: frozenset({StatementState.READ_BACK}),
    StatementState.READ_BACK: frozenset({StatementState.DRAFT, StatementState.SIGNED}),
    StatementState.SIGNED: frozenset({StatementState.SEALED}),
    StatementState.SEALED: frozenset(),
}


def check_interviewers(first: Officer, second: Officer) -> None:
    """Two distinct officers, each with an enforcement certificate number."""
    same_certificate = first.certificate_no.strip() == second.certificate_no.strip()
    if first.id == second.id or (first.certificate_no.strip() and same_certificate):
        raise RuleViolation(_("A statement needs two different interviewers."))
    for officer in (first, second):
        if not officer.certificate_no.strip():
            raise RuleViolation(
                _("Interviewer {name} has no enforcement certificate number.").format(
                    name=officer.name
                )
            )


def check_editable(state: StatementState) -> None:
    """Turns may be added or changed only while the statement is a draft."""
    if state is not StatementState.DRAFT:
        if state in (StatementState.SIGNED, StatementState.SEALED):
            raise RuleViolation(
                _("This statement is signed and can no longer be changed; record an addendum.")
            )
        raise RuleViolation(_("Return the statement to draft before editing it."))


def check_opening_complete(statement: Statement) -> None:
    """The rights notice was given and acknowledged, and the recusal question was answered."""
    if not opening_answered(statement, OpeningItem.RIGHTS_NOTICE):
        raise RuleViolation(
            _("The interviewee's acknowledgement of the rights notice has not been recorded yet.")
        )
    if not opening_answered(statement, OpeningItem.RECUSAL):
        raise RuleViolation(_("The interviewee's answer to the recusal question is missing."))


def opening_answered(statement: Statement, item: OpeningItem) -> bool:
    """True when the opening question `item` was asked and its tagged answer is not empty."""
    asked = any(t.tag is item and t.kind is TurnKind.QUESTION and t.text.strip()
                for t in statement.turns)
    answered = any(t.tag is item and t.kind is TurnKind.ANSWER and t.text.strip()
                   for t in statement.turns)
    return asked and answered


def check_transition(statement: Statement, target: StatementState,
                     party_birth: date | None = None) -> None:
    """Refuse a lifecycle move the law or practice does not allow.

    `party_birth` is the interviewee's birth date (from the card): a minor's statement
    goes to read-back, and is signed, only with their guardian named (`check_guardian`).
    """
    if target not in TRANSITIONS[statement.state]:
        raise RuleViolation(
            _("A statement cannot go from {current} to {target}.").format(
                current=state_label(statement.state), target=state_label(target)
            )
        )
    if target is StatementState.READ_BACK:
        if not any(t.kind is TurnKind.ANSWER and t.text.strip() for t in statement.turns):
            raise RuleViolation(_("The statement has no answers to read back."))
        if statement.kind is not StatementKind.ADDENDUM:
            check_opening_complete(statement)
    if target in (StatementState.READ_BACK, StatementState.SIGNED):
        check_guardian(statement, party_birth)


# The age of majority (民法典 art. 17): a younger party is interviewed with a guardian or
# legal representative present (民法典 art. 23: the guardian is the legal representative).
MAJORITY_AGE = 18


def age_on(birth: date, day: date) -> int:
    """Full years of age on `day` of someone born on `birth` (a 29 February birthday
    counts from 1 March in other years)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def minor_at(birth: date | None, at: datetime) -> bool:
    """True when someone born on `birth` is under 18 at `at`, on `at`'s own calendar day
    (the statement's local time); False when the birth date is unknown."""
    return birth is not None and age_on(birth, at.date()) < MAJORITY_AGE


def check_guardian(statement: Statement, party_birth: date | None) -> None:
    """A party under 18 when the interview started needs their guardian named on the form."""
    if minor_at(party_birth, statement.started_at) and not statement.form.guardian.strip():
        raise RuleViolation(_(
            "The interviewee was under 18 when the interview started: record the guardian "
            "or legal representative who attended before read-back and signing."))


def check_form(form: StatementForm) -> None:
    """A sequence number counts from 1; an interpreter's language needs the interpreter,
    a guardian's relation the guardian."""
    if form.sequence is not None and form.sequence < 1:
        raise RuleViolation(_("The interview number starts at 1."))
    if form.interpreter_language.strip() and not form.interpreter.strip():
        raise RuleViolation(_("Enter the interpreter's name as well as the language."))
    if form.guardian_relation.strip() and not form.guardian.strip():
        raise RuleViolation(_("Enter the guardian's name as well as the relation."))


# A break is recorded while or after it happens, never ahead of time; a small allowance
# covers clocks read a moment apart.
_BREAK_CLOCK_SLACK = timedelta(minutes=1)


def check_break(statement: Statement, start: datetime, end: datetime, now: datetime) -> None:
    """A break lies inside the interview: after it started, not in the future, and ends
    after it began."""
    if end <= start:
        raise RuleViolation(_("A break must end after it starts."))
    if start < statement.started_at - _BREAK_CLOCK_SLACK:
        raise RuleViolation(_("A break cannot start before the interview did."))
    if end > now + _BREAK_CLOCK_SLACK:
        raise RuleViolation(_("A break cannot end in the future; record it when it is over."))


def check_signable(state: StatementState) -> None:
    """Only a statement in read-back is shown to the interviewee for signing, and signed."""
    if state is not StatementState.READ_BACK:
        raise RuleViolation(_("Only a statement in read-back can be signed."))


def check_refusal(refusal: SignatureRefusal) -> None:
    """A refusal to sign is recorded with the reason and a witness."""
    if not refusal.witness_name.strip():
        raise RuleViolation(_("A refusal to sign must be recorded with a witness."))
    if not refusal.reason.strip():
        raise RuleViolation(_("Record what the interviewee said when refusing to sign."))


def check_addendum_target(kind: StatementKind, target: Statement | None) -> None:
    """An addendum references a signed statement; other kinds reference none."""
    if kind is StatementKind.ADDENDUM:
        if target is None:
            raise RuleViolation(_("An addendum must reference the statement it adds to."))
        if target.state not in (StatementState.SIGNED, StatementState.SEALED):
            raise RuleViolation(_("An addendum can only be added to a signed statement."))
    elif target is not None:
        raise RuleViolation(_("Only an addendum can reference another statement."))


def state_label(state: StatementState) -> str:
    """The user-facing name of a lifecycle state."""
    labels = {
        StatementState.DRAFT: _("draft"),
        StatementState.READ_BACK: _("read-back"),
        StatementState.SIGNED: _("signed"),
        StatementState.SEALED: _("sealed"),
    }
    return labels[state]
