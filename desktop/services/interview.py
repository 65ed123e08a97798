"""Interview use cases: open a statement from its template, autosave turns, record breaks,
name the interpreter and guardian (第N次询问 too), read back, sign.

Each function is one durable transaction: when it returns, the change and its audit leaf
are on disk, and the caller (GUI or CLI) may show it as saved. While the statement is being
recorded in this process (`live_recordings`), a turn created or first saved is marked with
the recording's media time in that same transaction, and its text becomes the subtitle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from desktop.domain import rules
from desktop.domain.ids import new_id
from desktop.domain.model import (
    BreakKind,
    Case,
    Officer,
    Party,
    SignatureRefusal,
    Statement,
    StatementForm,
    StatementKind,
    StatementState,
    Turn,
    TurnKind,
    TurnRevision,
)
from desktop.services import live_recordings
from desktop.services.live_recordings import LiveHandle
from desktop.services.templates import load_template
from desktop.store import cases, officers, recordings
from desktop.store import statements as repo
from desktop.store.store import Store
from desktop.store.tx import Tx


def open_statement(
    store: Store,
    *,
    case_id: str,
    interviewee_id: str,
    kind: StatementKind,
    place: str,
    interviewers: tuple[str, str],
    recorder_id: str,
    addendum_of: str | None = None,
    started_at: datetime | None = None,
    form: StatementForm | None = None,
) -> Statement:
    """Create a draft statement with the template's opening questions already inserted.

    Each opening question is followed by an empty answer turn carrying the same tag, which
    the recorder fills in; read-back is refused until the required ones are answered.
    `form` names the interpreter and guardian; its `sequence` (第N次询问), when not given,
    is counted from the statements of this kind taken earlier from the same person in the
    case (an addendum is not numbered).
    """
    form = form or StatementForm()
    template = load_template(kind)
    with store.transaction() as tx:
        # A disabled officer is never named on a new statement (decision 24).
        first: Officer = officers.require_active(tx.conn, interviewers[0])
        second: Officer = officers.require_active(tx.conn, interviewers[1])
        officers.require_active(tx.conn, recorder_id)
        statement = Statement(
            id=new_id(), case_id=case_id, kind=kind, place=place,
            started_at=started_at or tx.at, interviewer_ids=interviewers,
            recorder_id=recorder_id, interviewee_id=interviewee_id, addendum_of=addendum_of,
            form=form,
        )
        repo.create_statement(tx, statement)
        for question in template.render_opening(
            unit=first.unit, interviewer1=first.name, interviewer2=second.name,
            certificate1=first.certificate_no, certificate2=second.certificate_no,
            place=place,
        ):
            repo.add_turn(tx, statement.id, TurnKind.QUESTION, question.text, question.tag)
            repo.add_turn(tx, statement.id, TurnKind.ANSWER, "", question.tag)
        return repo.get_statement(tx.conn, statement.id)


def _mark(tx: Tx, live: LiveHandle, turn_ids: tuple[str, ...]) -> None:
    """Mark turns at the recording's current moment (a turn marked already keeps its first
    mark); nothing if the recording ended meanwhile, so a turn is never refused for it."""
    current = recordings.live(tx.conn, live.statement_id)
    if current is None or current.id != live.recording_id:
        return
    media_ms = live.media_ms()
    for turn_id in turn_ids:
        recordings.mark_turn(tx, live.recording_id, turn_id, media_ms)


def _show(live: LiveHandle | None, kind: TurnKind, text: str) -> None:
    """The turn as the recording's subtitle (问：… / 答：…, a note as it is)."""
    if live is not None:
        live.set_subtitle(live_recordings.subtitle(kind, text))


def add_turn(store: Store, statement_id: str, kind: TurnKind, text: str) -> Turn:
    live = live_recordings.live(statement_id) if live_recordings.active() else None
    with store.transaction() as tx:
        turn = repo.add_turn(tx, statement_id, kind, text)
        if live is not None:
            _mark(tx, live, (turn.id,))
    _show(live, kind, text)
    return turn


def set_form(store: Store, statement_id: str, form: StatementForm) -> Statement:
    """Change the number, interpreter and guardian of a draft statement (audited)."""
    with store.transaction() as tx:
        return repo.set_form(tx, statement_id, form)


def next_sequence(store: Store, case_id: str, party_id: str, kind: StatementKind
                  ) -> int | None:
    """The 第N次 a new statement of `kind` from this party in this case would get."""
    return repo.next_sequence(store.conn, case_id, party_id, kind)


# The note's words are the statement's own language (Chinese), like the template's
# questions, whatever the language of the interface.
BREAK_WORDS = {BreakKind.REST: "休息", BreakKind.MEAL: "用餐"}


def break_text(kind: BreakKind, start: datetime, end: datetime) -> str:
    """The note recording a break: "14:05—14:20 休息" (printed in brackets, as notes are).
    A break that ends on another day names the end's date."""
    until = f"{end:%H:%M}" if end.date() == start.date() else (
        f"{end.month}月{end.day}日{end:%H:%M}")
    return f"{start:%H:%M}—{until} {BREAK_WORDS[kind]}"


def add_break(store: Store, statement_id: str, kind: BreakKind, start: datetime,
              end: datetime) -> Turn:
    """Record a break (休息、用餐) from `start` to `end` as a note turn after the last turn."""
    with store.transaction() as tx:
        statement = repo.get_statement(tx.conn, statement_id)
        rules.check_editable(statement.state)
        rules.check_break(statement, start, end, tx.at)
        turn = repo.add_turn(tx, statement_id, TurnKind.NOTE, break_text(kind, start, end))
        live = live_recordings.live(statement_id) if live_recordings.active() else None
        if live is not None:
            _mark(tx, live, (turn.id,))
        return turn


def save_turn(store: Store, turn_id: str, text: str) -> int:
    """Autosave: the new text is durable (with its audit leaf) when this returns.

    While recording, a turn first saved now (an opening answer the template put in before the
    recording started) is marked now, with the question just before it if that has no mark
    yet: the moment it was asked is when its answer began to be typed."""
    if not live_recordings.active():
        with store.transaction() as tx:
            return repo.save_turn(tx, turn_id, text)
    with store.transaction() as tx:
        revision = repo.save_turn(tx, turn_id, text)
        statement_id, kind, question = repo.turn_context(tx.conn, turn_id)
        live = live_recordings.live(statement_id)
        if live is not None:
            _mark(tx, live, (turn_id,) if question is None else (question, turn_id))
    _show(live, kind, text)
    return revision


def history(store: Store, turn_id: str) -> list[TurnRevision]:
    return repo.revisions(store.conn, turn_id)


def get(store: Store, statement_id: str) -> Statement:
    return repo.get_statement(store.conn, statement_id)


def start_read_back(store: Store, statement_id: str) -> Statement:
    with store.transaction() as tx:
        return repo.change_state(tx, statement_id, StatementState.READ_BACK)


def return_to_draft(store: Store, statement_id: str) -> Statement:
    """The interviewee asked for a correction during read-back."""
    with store.transaction() as tx:
        return repo.change_state(tx, statement_id, StatementState.DRAFT)


def sign(
    store: Store, statement_id: str, refusal: SignatureRefusal | None = None
) -> Statement:
    """The interviewee signed (or refused, with a witness); the statement is now immutable."""
    with store.transaction() as tx:
        return repo.change_state(tx, statement_id, StatementState.SIGNED, refusal)


def seal(store: Store, statement_id: str) -> Statement:
    with store.transaction() as tx:
        return repo.change_state(tx, statement_id, StatementState.SEALED)


# --- What the interview workspace of the GUI needs (issue 6 §3) -----------------------------
# (The interviewee's identity, read or typed, is `desktop.services.devices`'.)


@dataclass(frozen=True)
class StatementHeader:
    """A statement with the case, interviewee and officers it names (for a window's header)."""

    statement: Statement
    case: Case
    party: Party
    officers: dict[str, Officer]


def describe(store: Store, statement_id: str) -> StatementHeader:
    statement = repo.get_statement(store.conn, statement_id)
    return StatementHeader(
        statement=statement,
        case=cases.get_case(store.conn, statement.case_id),
        party=cases.get_party(store.conn, statement.interviewee_id),
        officers={o.id: o for o in officers.list_officers(store.conn)},
    )


def list_officers(store: Store) -> list[Officer]:
    """Every officer of the store, by name, disabled ones included (names of past records)."""
    return officers.list_officers(store.conn)


def choosable_officers(store: Store) -> list[Officer]:
    """The officers who can interview or record a new statement: the active ones, by name."""
    return [officer for officer in officers.list_officers(store.conn) if officer.active]
