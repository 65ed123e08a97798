"""What HQ learns of a sealed statement beyond its content (issue 16): its context.

A statement's content names its case, party and officers by id only; HQ's supervision room
needs to know whose statement it is, in which case, taken by whom. So a `StatementContext`
(sync/protocol/context.py) is announced in the transaction that seals the statement: the
case, the party (the party record is immutable) and each officer the statement names
(interviewers in order, then the recorder, once each), as the store holds them at that
moment. Cases and the officers' roster may still change after that, so the record's bytes
are kept as announced (`outbox.enqueue_kept`) rather than rebuilt when sent. The evidence
item's own record is written by desktop/store/evidence.py; what an older program sealed or
imported gets both once (desktop/store/context_backfill.py).
"""

from __future__ import annotations

from datetime import datetime

from desktop.domain.model import Statement
from desktop.store import outbox
from desktop.store.connection import Connection
from sync.protocol.context import CaseSnapshot, OfficerSnapshot, PartySnapshot, StatementContext
from sync.protocol.records import RecordKind

__all__ = ["announce_statement_context", "statement_context"]

_PARTY_COLUMNS = ("id, id_kind, id_number, name, sex, nation, birth_date, address, authority,"
                  " valid_from, valid_until, phone, workplace, source")


def _one(conn: Connection, sql: str, key: str, what: str) -> tuple[object, ...]:
    row = conn.execute(sql, (key,)).fetchone()
    if row is None:
        raise LookupError(f"no {what} {key}")  # a dangling id: the schema's keys forbid it
    return tuple(row)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def statement_context(conn: Connection, statement: Statement) -> StatementContext:
    """The context of ``statement`` as the store holds its case, party and officers now."""
    case = _one(conn, "SELECT id, number, cause, matter, place FROM cases WHERE id = ?",
                statement.case_id, "case")
    p = _one(conn, f"SELECT {_PARTY_COLUMNS} FROM parties WHERE id = ?",
             statement.interviewee_id, "party")
    party = PartySnapshot(
        id=str(p[0]), id_kind=str(p[1]), id_number=str(p[2]), name=str(p[3]), sex=str(p[4]),
        nation=str(p[5]), birth_date=_text(p[6]), address=str(p[7]), authority=str(p[8]),
        valid_from=_text(p[9]), valid_until=_text(p[10]), phone=str(p[11]),
        workplace=str(p[12]), source=str(p[13]))
    # The interviewers in their order (the first leads), then the recorder; each once.
    named = dict.fromkeys((*statement.interviewer_ids, statement.recorder_id))
    officers = tuple(
        OfficerSnapshot(*(str(v) for v in _one(
            conn, "SELECT id, name, certificate_no, unit FROM officers WHERE id = ?",
            officer_id, "officer")))
        for officer_id in named)
    return StatementContext(statement=statement.id,
                            case=CaseSnapshot(*(str(v) for v in case)),
                            party=party, officers=officers)


def announce_statement_context(conn: Connection, at: datetime, statement: Statement) -> None:
    """Announce a sealed statement's context, inside the caller's transaction."""
    outbox.enqueue_kept(conn, at, RecordKind.STATEMENT_CONTEXT, statement.id,
                        statement_context(conn, statement).canonical_bytes())
