"""The supervision room's catalog of statements: one row per statement HQ has heard of.

Three records describe a statement, and they arrive in any order (each is sent when it is
ready, and a lost answer makes one come again): its content (``statement``), its context
(``statement_context``: case, party, officers) and its signed PDF (``statement_pdf``). Each
fills its own columns of the statement's row, creating the row if it is the first, so the
row is the same whatever the order and however often a record is indexed again.

The row holds what lists, counts and search need and no party's personal data: the party is
its id; its name, id number and the words of the statement stay in the sealed records. The
officers a context names go to ``room_officers`` (the bureau's own staff, as the roster HQ
publishes names them), the last context seen winning.
"""

from __future__ import annotations

import json
from datetime import datetime

from hq.catalog import Indexer, upsert_row
from hq.db import Connection
from sync.protocol.context import StatementContext
from sync.protocol.records import OutboxEntry, RecordKind
from sync.protocol.statement import StatementContent

__all__ = ["INDEXERS", "iso_ms"]


def iso_ms(value: str | None) -> int | None:
    """An ISO 8601 time with offset (as the desktop stores it) in ms since the epoch."""
    return None if value is None else int(datetime.fromisoformat(value).timestamp() * 1000)


def _content(conn: Connection, entry: OutboxEntry, payload: bytes | None, at: int) -> None:
    assert payload is not None  # a small record always comes with its bytes
    content = StatementContent.from_bytes(payload)
    upsert_row(conn, "room_statements", ("statement", content.id), entry.device, {
        "case_id": content.case, "kind": content.kind, "recorder": content.recorder,
        "interviewers": json.dumps(list(content.interviewers)),
        "party": content.interviewee, "started_ms": iso_ms(content.started_at),
        "ended_ms": iso_ms(content.ended_at), "content_sha256": entry.sha256,
        "content_version": content.version, "content_ms": at})


def _context(conn: Connection, entry: OutboxEntry, payload: bytes | None, at: int) -> None:
    assert payload is not None
    context = StatementContext.from_bytes(payload)
    lead = context.officers[0] if context.officers else None  # the first interviewer
    upsert_row(conn, "room_statements", ("statement", context.statement), entry.device, {
        "case_id": context.case.id, "case_number": context.case.number,
        "matter": context.case.matter, "unit": None if lead is None else lead.unit,
        "party": context.party.id, "context_sha256": entry.sha256, "context_ms": at})
    for officer in context.officers:
        conn.execute(
            "INSERT INTO room_officers (officer, name, certificate_no, unit, seen_ms) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (officer) DO UPDATE SET name = excluded.name, "
            "certificate_no = excluded.certificate_no, unit = excluded.unit, "
            "seen_ms = excluded.seen_ms WHERE excluded.seen_ms >= room_officers.seen_ms",
            (officer.id, officer.name, officer.certificate_no, officer.unit, at))


def _pdf(conn: Connection, entry: OutboxEntry, payload: bytes | None, at: int) -> None:
    upsert_row(conn, "room_statements", ("statement", entry.entity_id), entry.device,
               {"pdf_sha256": entry.sha256, "pdf_ms": at})


INDEXERS: dict[RecordKind, Indexer] = {
    RecordKind.STATEMENT: _content,
    RecordKind.STATEMENT_CONTEXT: _context,
    RecordKind.STATEMENT_PDF: _pdf,
}
