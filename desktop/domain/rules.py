"""The legal steps of a statement as checks that refuse with a clear, translated reason.

Administrative Penalty Law (2021) art. 42: two officers with enforcement certificates act;
art. 43: the party is told of recusal and the answer recorded; practice: read-back before
signing, a refusal to sign is recorded with a witness, a signed statement is never edited
(corrections are addenda). The store calls these before every change, and also enforces the
immutability of signed statements itself, so a bug above cannot bypass them.
"""

from __future__ import annotations

from gettext import gettext as _

from desktop.domain.errors import RuleViolation
from desktop.domain.model import (
    Officer,
    OpeningItem,
    SignatureRefusal,
    Statement,
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


def check_transition(statement: Statement, target: StatementState) -> None:
    """Refuse a lifecycle move the law or practice does not allow."""
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
