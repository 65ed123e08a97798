"""What HQ learns of a statement and an evidence item beyond their bytes (issue 16).

A statement's content names its case, party and officers by id only, and an evidence item's
medium carries no custody; HQ's supervision room needs both. So two more records are
announced, each in the transaction that makes the thing it describes
(sync/protocol/context.py):

- `StatementContext` when a statement is sealed: the case, the party (the party record is
  immutable) and each officer the statement names (interviewers in order, then the
  recorder, once each), as the store holds them at that moment;
- `EvidenceItemRecord` when an item is imported: its facts and custody as stored, without
  the file's original name or path (the audit trail keeps only their hash).

Cases, officers and an item's filing may still change after that, so the records' bytes
are kept as announced (`outbox.enqueue_kept`) rather than rebuilt when sent, and never
change. Stores that sealed statements or imported evidence before these records existed
get them once, at the first login after migration 0017 (`backfill`): each then describes
its statement or item as it stands at that login.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from desktop.domain.model import Statement
from desktop.store import outbox
from desktop.store.connection import Connection
from sync.protocol.context import (
    CaseSnapshot,
    EvidenceItemRecord,
    OfficerSnapshot,
    PartySnapshot,
    StatementContext,
)
from sync.protocol.records import LEGACY_KIND_NAMES, RecordKind

if TYPE_CHECKING:  # evidence.py and statements.py announce through this module
    from desktop.store.evidence import EvidenceRecord

__all__ = ["BACKFILL_KEY", "announce_evidence_record", "announce_statement_context",
           "backfill", "backfill_pending", "evidence_record", "statement_context"]

# Set by migration 0017; removed by `backfill` in the transaction that writes what was missing.
BACKFILL_KEY = "context_records_backfill"

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


def evidence_record(item: EvidenceRecord) -> EvidenceItemRecord:
    """The record HQ receives for an evidence item (no original name or path)."""
    return EvidenceItemRecord(
        id=item.id, case=item.case_id, statement=item.statement_id, sha256=item.sha256,
        sm3=item.sm3, size=item.size, kind=item.kind, source=item.source, marked=item.marked,
        captured_at=item.captured_at, imported_at=item.imported_at.isoformat(),
        imported_by=item.imported_by, device_serial=item.device_serial,
        officer_number=item.officer_number, docking=item.docking_id,
        device_path=item.device_path, custody=item.custody_details)


def announce_statement_context(conn: Connection, at: datetime, statement: Statement) -> None:
    """Announce a sealed statement's context, inside the caller's transaction."""
    outbox.enqueue_kept(conn, at, RecordKind.STATEMENT_CONTEXT, statement.id,
                        statement_context(conn, statement).canonical_bytes())


def announce_evidence_record(conn: Connection, at: datetime, item: EvidenceRecord) -> None:
    """Announce an imported item's record, inside the caller's transaction."""
    outbox.enqueue_kept(conn, at, RecordKind.EVIDENCE_RECORD, item.id,
                        evidence_record(item).canonical_bytes())


def backfill_pending(conn: Connection) -> bool:
    """Whether migration 0017 asked for `backfill` and it has not run yet."""
    return conn.execute("SELECT 1 FROM meta WHERE key = ?", (BACKFILL_KEY,)).fetchone() is not None


def backfill(conn: Connection, at: datetime) -> tuple[int, int]:
    """Announce the context of every statement already announced (sealed) without one, and
    the record of every evidence item already announced without one, in device order; then
    remove migration 0017's mark. Inside the caller's transaction, so a crash leaves
    neither records nor a gap in the device sequence, and the mark stays for the next login.
    Announces nothing twice, however often it runs. Returns (contexts, evidence records)."""
    from desktop.store.evidence import get_item
    from desktop.store.statements import get_statement

    def missing(kind: RecordKind, of: RecordKind) -> list[str]:
        names = (of.value, *(name for name, k in LEGACY_KIND_NAMES.items() if k is of))
        rows = conn.execute(
            f"SELECT o.entity_id FROM outbox AS o WHERE o.kind IN ({', '.join('?' * len(names))})"
            " AND NOT EXISTS (SELECT 1 FROM outbox_payloads AS p WHERE p.kind = ?"
            " AND p.entity_id = o.entity_id) ORDER BY o.device_seq", (*names, kind.value))
        return list(dict.fromkeys(str(r[0]) for r in rows))

    statements = missing(RecordKind.STATEMENT_CONTEXT, RecordKind.STATEMENT)
    for statement_id in statements:
        announce_statement_context(conn, at, get_statement(conn, statement_id))
    items = missing(RecordKind.EVIDENCE_RECORD, RecordKind.EVIDENCE_ITEM)
    for item_id in items:
        announce_evidence_record(conn, at, get_item(conn, item_id))
    conn.execute("DELETE FROM meta WHERE key = ?", (BACKFILL_KEY,))
    return len(statements), len(items)
