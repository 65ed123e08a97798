"""The statement contexts and evidence records an older program did not write (issue 16).

Statements sealed and evidence imported before these records existed were announced without
them (desktop/store/context_records.py, `evidence.announce_record`). Migration 0017 marks
every store it updates (`BACKFILL_KEY` in ``meta``); at the next login `backfill` announces
what is missing and removes the mark, in one transaction: a crash leaves neither records nor
a gap in the device sequence, and the mark stays for the next login. It announces nothing
twice however often it runs (it looks for what is missing, not at the mark). Each record then
describes its statement or item as it stands at that login.
"""

from __future__ import annotations

from datetime import datetime

from desktop.store import context_records, evidence, statements
from desktop.store.connection import Connection
from sync.protocol.records import LEGACY_KIND_NAMES, RecordKind

__all__ = ["BACKFILL_KEY", "backfill", "backfill_pending"]

# Set by migration 0017; removed by `backfill` in the transaction that writes what was missing.
BACKFILL_KEY = "context_records_backfill"


def backfill_pending(conn: Connection) -> bool:
    """Whether migration 0017 asked for `backfill` and it has not run yet."""
    return conn.execute("SELECT 1 FROM meta WHERE key = ?", (BACKFILL_KEY,)).fetchone() is not None


def _missing(conn: Connection, kind: RecordKind, of: RecordKind) -> list[str]:
    """The entities announced as ``of`` with no ``kind`` record, in device order."""
    names = (of.value, *(name for name, k in LEGACY_KIND_NAMES.items() if k is of))
    rows = conn.execute(
        f"SELECT o.entity_id FROM outbox AS o WHERE o.kind IN ({', '.join('?' * len(names))})"
        " AND NOT EXISTS (SELECT 1 FROM outbox_payloads AS p WHERE p.kind = ?"
        " AND p.entity_id = o.entity_id) ORDER BY o.device_seq", (*names, kind.value))
    return list(dict.fromkeys(str(r[0]) for r in rows))


def backfill(conn: Connection, at: datetime) -> tuple[int, int]:
    """Inside the caller's transaction: announce the context of every sealed statement (one
    announced as ``statement``) without one and the record of every announced evidence item
    without one, then remove the mark. Returns (contexts, evidence records) announced."""
    sealed = _missing(conn, RecordKind.STATEMENT_CONTEXT, RecordKind.STATEMENT)
    for statement_id in sealed:
        context_records.announce_statement_context(
            conn, at, statements.get_statement(conn, statement_id))
    items = _missing(conn, RecordKind.EVIDENCE_RECORD, RecordKind.EVIDENCE_ITEM)
    for item_id in items:
        evidence.announce_record(conn, at, evidence.get_item(conn, item_id))
    conn.execute("DELETE FROM meta WHERE key = ?", (BACKFILL_KEY,))
    return len(sealed), len(items)
