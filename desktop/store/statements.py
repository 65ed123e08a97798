"""Statements and their turns: autosave with full revision history, and the lifecycle.

Saving a turn is one durable transaction holding the new revision, a mark that its search
entry is stale (the index catches up before the next search), and its audit leaf with the
SHA-256 of the text, so the verifier can tell if a stored text was changed outside the
program. Domain rules are checked here; the schema's triggers enforce immutability once
signed, whatever the caller does.
"""

from __future__ import annotations

from datetime import date, datetime
from gettext import gettext as _
from typing import Any

from desktop.domain import rules
from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import (
    Action,
    OpeningItem,
    Outcome,
    SignatureRefusal,
    Statement,
    StatementForm,
    StatementKind,
    StatementState,
    Turn,
    TurnKind,
    TurnRevision,
)
from desktop.store import context_records, outbox, refdata, search
from desktop.store.audit import text_digest
from desktop.store.connection import Connection
from desktop.store.coverage import leaf_fields
from desktop.store.officers import get_officer
from desktop.store.tx import Tx
from sync.protocol.records import RecordKind
from sync.protocol.statement import (
    STATEMENT_CONTENT_VERSION,
    ContentRefusal,
    ContentTurn,
    StatementContent,
)

_STATEMENT_COLUMNS = (
    "id, case_id, kind, place, started_at, ended_at, interviewer1_id, interviewer2_id,"
    " recorder_id, interviewee_id, state, addendum_of, refusal_reason, refusal_witness,"
    " refusal_witness_id, refusal_at, sequence, interpreter, interpreter_language, guardian,"
    " guardian_relation"
)

# The content version (sync.protocol.statement) a statement is fixed at when it is signed:
# its PDF prints the digest of that version, so it is kept with the statement (migration
# 0015; NULL on a signed row is version 1, the only one before). Tests set 1 here to make a
# statement exactly as the program before decision 28 did.
SIGNING_CONTENT_VERSION = STATEMENT_CONTENT_VERSION
_SIGNED_STATES = (StatementState.SIGNED, StatementState.SEALED)


# 第N次 when the officer entered none: 1 + the statements of the same kind taken earlier in
# the case from the same person (the same identity document: each interview records the
# party afresh). Statements are never deleted and later ones sort after, so the number of a
# statement never changes; an addendum is not numbered. Only an entered number that differs
# from it is stored, so rows keep no value that the record already implies.
_AUTO_SEQUENCE = (
    "CASE WHEN s.kind = 'addendum' THEN NULL ELSE (SELECT count(*) FROM statements AS o"
    " JOIN parties AS op ON op.id = o.interviewee_id JOIN parties AS me ON me.id = ?"
    " WHERE o.case_id = ? AND o.kind = s.kind AND op.id_kind = me.id_kind"
    " AND op.id_number = me.id_number AND o.created_at < ?) + 1 END"
)


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _or_null(text: str) -> str | None:
    """An empty form field is stored as NULL (so rows without it keep their audit digest)."""
    return text.strip() or None


def _form_values(form: StatementForm, automatic: int | None
                 ) -> tuple[int | None, str | None, str | None, str | None, str | None]:
    entered = None if form.sequence == automatic else form.sequence
    return (entered, _or_null(form.interpreter), _or_null(form.interpreter_language),
            _or_null(form.guardian), _or_null(form.guardian_relation))


def _automatic_sequence(conn: Connection, case_id: str, party_id: str, kind: StatementKind,
                        before: str) -> int | None:
    row = conn.execute(f"SELECT {_AUTO_SEQUENCE} FROM (SELECT ? AS kind) AS s",
                       (party_id, case_id, before, kind.value)).fetchone()
    return None if row[0] is None else int(row[0])


def create_statement(tx: Tx, statement: Statement) -> None:
    """Open a new draft statement after checking the interviewers and any addendum target."""
    first, second = (get_officer(tx.conn, oid) for oid in statement.interviewer_ids)
    rules.check_interviewers(first, second)
    get_officer(tx.conn, statement.recorder_id)
    target = get_statement(tx.conn, statement.addendum_of) if statement.addendum_of else None
    rules.check_addendum_target(statement.kind, target)
    rules.check_form(statement.form)
    automatic = _automatic_sequence(tx.conn, statement.case_id, statement.interviewee_id,
                                    statement.kind, tx.at.isoformat())
    tx.conn.execute(
        f"INSERT INTO statements ({_STATEMENT_COLUMNS}, created_at)"
        " VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, 'draft', ?, NULL, NULL, NULL, NULL,"
        " ?, ?, ?, ?, ?, ?)",
        (statement.id, statement.case_id, statement.kind.value, statement.place,
         statement.started_at.isoformat(), first.id, second.id, statement.recorder_id,
         statement.interviewee_id, statement.addendum_of,
         *_form_values(statement.form, automatic), tx.at.isoformat()),
    )
    tx.audit(Action.STATEMENT_CREATED, statement.id, case=statement.case_id,
             kind=statement.kind.value, addendum_of=statement.addendum_of,
             **leaf_fields(tx.conn, "statements", statement.id))


def set_form(tx: Tx, statement_id: str, form: StatementForm) -> Statement:
    """Change the form fields (number, interpreter, guardian) of a draft statement."""
    rules.check_editable(_state(tx.conn, statement_id))
    rules.check_form(form)
    case_id, party_id, kind, created_at = tx.conn.execute(
        "SELECT case_id, interviewee_id, kind, created_at FROM statements WHERE id = ?",
        (statement_id,)).fetchone()
    automatic = _automatic_sequence(tx.conn, case_id, party_id, StatementKind(kind), created_at)
    tx.conn.execute(
        "UPDATE statements SET sequence = ?, interpreter = ?, interpreter_language = ?,"
        " guardian = ?, guardian_relation = ? WHERE id = ?",
        (*_form_values(form, automatic), statement_id),
    )
    tx.audit(Action.STATEMENT_UPDATED, statement_id, fields="form",
             **leaf_fields(tx.conn, "statements", statement_id))
    return get_statement(tx.conn, statement_id)


def next_sequence(conn: Connection, case_id: str, party_id: str, kind: StatementKind
                  ) -> int | None:
    """The 第N次 a statement of `kind` opened now for this party in this case would get
    (None for an addendum)."""
    return _automatic_sequence(conn, case_id, party_id, kind, "9999")


def party_birth_date(conn: Connection, party_id: str) -> date | None:
    """The interviewee's birth date as recorded (from the card), or None."""
    row = conn.execute("SELECT birth_date FROM parties WHERE id = ?", (party_id,)).fetchone()
    return date.fromisoformat(row[0]) if row and row[0] else None


def _state(conn: Connection, statement_id: str) -> StatementState:
    row = conn.execute("SELECT state FROM statements WHERE id = ?", (statement_id,)).fetchone()
    if row is None:
        raise UserError(_("No such statement."))
    return StatementState(row[0])


def add_turn(
    tx: Tx, statement_id: str, kind: TurnKind, text: str, tag: OpeningItem | None = None
) -> Turn:
    """Append a question, answer or note; its first revision is saved at once."""
    rules.check_editable(_state(tx.conn, statement_id))
    row = tx.conn.execute(
        "SELECT coalesce(max(seq), 0) + 1 FROM turns WHERE statement_id = ?", (statement_id,)
    ).fetchone()
    turn = Turn(id=new_id(), statement_id=statement_id, seq=int(row[0]), kind=kind, text=text,
                recorded_at=tx.at, revision=1, tag=tag)
    tx.conn.execute(
        "INSERT INTO turns (id, statement_id, seq, kind, tag, recorded_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (turn.id, statement_id, turn.seq, kind.value, tag.value if tag else None,
         tx.at.isoformat()),
    )
    _insert_revision(tx, turn.id, statement_id, 1, text, cover_turn=True)
    return turn


def save_turn(tx: Tx, turn_id: str, text: str) -> int:
    """Autosave a turn's text as a new revision; return the revision now current."""
    row = tx.conn.execute(
        "SELECT t.statement_id, s.state, r.revision, r.text FROM turns AS t"
        " JOIN statements AS s ON s.id = t.statement_id"
        " JOIN turn_revisions AS r ON r.turn_id = t.id"
        " WHERE t.id = ? ORDER BY r.revision DESC LIMIT 1",
        (turn_id,),
    ).fetchone()
    if row is None:
        raise UserError(_("No such turn."))
    statement_id, state, revision, old_text = row
    rules.check_editable(StatementState(state))
    if old_text == text:
        return int(revision)
    _insert_revision(tx, turn_id, statement_id, int(revision) + 1, text)
    return int(revision) + 1


def turn_context(conn: Connection, turn_id: str) -> tuple[str, TurnKind, str | None]:
    """(statement id, kind) of a turn, and for an answer the id of the question right before
    it, if any: where a recording marks the moment an answer (and its question) began."""
    row = conn.execute("SELECT statement_id, seq, kind FROM turns WHERE id = ?",
                       (turn_id,)).fetchone()
    if row is None:
        raise UserError(_("No such turn."))
    statement_id, seq, kind = str(row[0]), int(row[1]), TurnKind(row[2])
    question = None
    if kind is TurnKind.ANSWER:
        before = conn.execute("SELECT id FROM turns WHERE statement_id = ? AND seq = ?"
                              " AND kind = ?", (statement_id, seq - 1,
                                                TurnKind.QUESTION.value)).fetchone()
        question = None if before is None else str(before[0])
    return statement_id, kind, question


def _insert_revision(tx: Tx, turn_id: str, statement_id: str, revision: int, text: str,
                     *, cover_turn: bool = False) -> None:
    # The first revision's leaf also covers the turn row (seq, kind, tag); autosaves do not
    # read it back.
    if tx.actor is None:
        raise UserError(_("Log in to edit a statement."))
    tx.conn.execute(
        "INSERT INTO turn_revisions (turn_id, revision, text, saved_at, saved_by)"
        " VALUES (?, ?, ?, ?, ?)",
        (turn_id, revision, text, tx.at.isoformat(), tx.actor),
    )
    search.mark_stale(tx.conn, turn_id)
    if cover_turn:
        tx.audit(Action.TURN_SAVED, turn_id, statement=statement_id, revision=revision,
                 sha256=text_digest(text), **leaf_fields(tx.conn, "turns", turn_id))
        return
    tx.audit(Action.TURN_SAVED, turn_id, statement=statement_id, revision=revision,
             sha256=text_digest(text))


def revisions(conn: Connection, turn_id: str) -> list[TurnRevision]:
    rows = conn.execute(
        "SELECT turn_id, revision, text, saved_at, saved_by FROM turn_revisions"
        " WHERE turn_id = ? ORDER BY revision",
        (turn_id,),
    ).fetchall()
    return [TurnRevision(r[0], int(r[1]), r[2], datetime.fromisoformat(r[3]), r[4]) for r in rows]


def get_statement(conn: Connection, statement_id: str) -> Statement:
    row = conn.execute(
        f"SELECT {_STATEMENT_COLUMNS}, created_at, content_version FROM statements WHERE id = ?",
        (statement_id,)
    ).fetchone()
    if row is None:
        raise UserError(_("No such statement."))
    turn_rows = conn.execute(
        "SELECT id, statement_id, seq, kind, text, recorded_at, revision, tag FROM current_turns"
        " WHERE statement_id = ? ORDER BY seq",
        (statement_id,),
    ).fetchall()
    turns = tuple(
        Turn(id=t[0], statement_id=t[1], seq=int(t[2]), kind=TurnKind(t[3]), text=t[4],
             recorded_at=datetime.fromisoformat(t[5]), revision=int(t[6]),
             tag=OpeningItem(t[7]) if t[7] else None)
        for t in turn_rows
    )
    refusal = None
    if row[12] is not None:
        refusal = SignatureRefusal(reason=row[12], witness_name=row[13],
                                   witness_id_number=row[14] or "",
                                   recorded_at=datetime.fromisoformat(row[15]))
    sequence = int(row[16]) if row[16] is not None else _automatic_sequence(
        conn, row[1], row[9], StatementKind(row[2]), row[21])
    form = StatementForm(sequence=sequence,
                         interpreter=row[17] or "", interpreter_language=row[18] or "",
                         guardian=row[19] or "", guardian_relation=row[20] or "")
    state = StatementState(row[10])
    content_version = (int(row[22]) if row[22] is not None
                       else 1 if state in _SIGNED_STATES else None)
    return Statement(
        id=row[0], case_id=row[1], kind=StatementKind(row[2]), place=row[3],
        started_at=datetime.fromisoformat(row[4]), ended_at=_dt(row[5]),
        interviewer_ids=(row[6], row[7]), recorder_id=row[8], interviewee_id=row[9],
        state=state, addendum_of=row[11], turns=turns, refusal=refusal, form=form,
        content_version=content_version,
    )


def list_statements(conn: Connection, case_id: str | None = None) -> list[str]:
    if case_id is None:
        rows = conn.execute("SELECT id FROM statements ORDER BY created_at").fetchall()
    else:
        rows = conn.execute(
            "SELECT id FROM statements WHERE case_id = ? ORDER BY created_at", (case_id,)
        ).fetchall()
    return [str(r[0]) for r in rows]


def count_statements(conn: Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM statements").fetchone()[0])


def change_state(
    tx: Tx, statement_id: str, target: StatementState, refusal: SignatureRefusal | None = None
) -> Statement:
    """Move a statement through its lifecycle under the domain rules."""
    statement = get_statement(tx.conn, statement_id)
    rules.check_transition(statement, target,
                           party_birth_date(tx.conn, statement.interviewee_id))
    ended_at = statement.ended_at
    if target is StatementState.READ_BACK:
        ended_at = tx.at  # the interview proper ends when the read-back starts
    if target is StatementState.SIGNED and refusal is not None:
        rules.check_refusal(refusal)
        tx.conn.execute(
            "UPDATE statements SET refusal_reason = ?, refusal_witness = ?,"
            " refusal_witness_id = ?, refusal_at = ? WHERE id = ?",
            (refusal.reason, refusal.witness_name, refusal.witness_id_number,
             refusal.recorded_at.isoformat(), statement_id),
        )
        tx.audit(Action.REFUSAL_RECORDED, statement_id,
                 witness_sha256=text_digest(refusal.witness_name),
                 **leaf_fields(tx.conn, "statements", statement_id))
    if target is StatementState.SIGNED:  # the content freezes: so does its version
        stored = None if SIGNING_CONTENT_VERSION == 1 else SIGNING_CONTENT_VERSION
        tx.conn.execute("UPDATE statements SET content_version = ? WHERE id = ?",
                        (stored, statement_id))
    tx.conn.execute(
        "UPDATE statements SET state = ?, ended_at = ? WHERE id = ?",
        (target.value, ended_at.isoformat() if ended_at else None, statement_id),
    )
    # A sealed statement keeps which HQ reference data it was made under (issue 15).
    used = (refdata.record_versions_used(tx.conn, statement_id)
            if target is StatementState.SEALED else None)
    extra: dict[str, str] = {"ref_versions": used} if used else {}
    tx.audit(Action.STATE_CHANGED, statement_id, Outcome.OK, from_state=statement.state.value,
             to_state=target.value, **extra, **leaf_fields(tx.conn, "statements", statement_id))
    updated = get_statement(tx.conn, statement_id)
    if target is StatementState.SEALED:
        _enqueue_for_sync(tx, updated)
    return updated


def statement_content(statement: Statement) -> StatementContent:
    """The statement as HQ receives it (sync.protocol.statement): what was signed, as data,
    in the content version it was signed with (or, before signing, will be)."""
    version = statement.content_version or SIGNING_CONTENT_VERSION
    extra: dict[str, Any] = {}
    if version >= 2:  # the form and the refusal, as the PDF prints them
        form, refusal = statement.form, statement.refusal
        extra = {"sequence": form.sequence, "interpreter": _or_null(form.interpreter),
                 "interpreter_language": _or_null(form.interpreter_language),
                 "guardian": _or_null(form.guardian),
                 "guardian_relation": _or_null(form.guardian_relation),
                 "refusal": None if refusal is None else ContentRefusal(
                     reason=refusal.reason, witness=refusal.witness_name,
                     at=refusal.recorded_at.isoformat())}
    return StatementContent(
        id=statement.id, case=statement.case_id, kind=statement.kind.value,
        place=statement.place, started_at=statement.started_at.isoformat(),
        ended_at=statement.ended_at.isoformat() if statement.ended_at else None,
        interviewers=statement.interviewer_ids, recorder=statement.recorder_id,
        interviewee=statement.interviewee_id, addendum_of=statement.addendum_of,
        turns=tuple(ContentTurn(id=t.id, seq=t.seq, kind=t.kind.value,
                                tag=t.tag.value if t.tag else None, revision=t.revision,
                                text=t.text) for t in statement.turns),
        version=version, **extra,
    )


def content_digest(statement: Statement) -> str:
    """SHA-256 over the canonical content of a statement: what was signed, as data."""
    return statement_content(statement).digest()


def _enqueue_for_sync(tx: Tx, statement: Statement) -> None:
    """Transactional outbox: the sealed record, and its context (case, party, officers as
    they stand now), are announced in the same commit."""
    outbox.enqueue_bytes(tx.conn, tx.at, RecordKind.STATEMENT, statement.id,
                         statement_content(statement).canonical_bytes())
    context_records.announce_statement_context(tx.conn, tx.at, statement)


def summary_rows(conn: Connection) -> list[tuple[str, str, str, str, str, datetime, int]]:
    """(case id, statement id, kind, state, party name, started at, turns) of every statement,
    oldest first: what a case list shows, in one query instead of loading every turn."""
    rows = conn.execute(
        "SELECT s.case_id, s.id, s.kind, s.state, p.name, s.started_at,"
        " (SELECT count(*) FROM turns t WHERE t.statement_id = s.id)"
        " FROM statements s JOIN parties p ON p.id = s.interviewee_id"
        " ORDER BY s.created_at"
    ).fetchall()
    return [(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]),
             datetime.fromisoformat(str(r[5])), int(r[6])) for r in rows]
