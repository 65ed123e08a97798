"""Penalty decisions, legal reviews and penalty documents an older program kept without
announcing them to HQ (issue 17, decision 53).

Before decision 53 a decided decision, a signed review and a signed penalty document were
kept but never announced. No desktop migration marks such a store (none was wanted for
decision 53), so at every login `pending` compares how many of each the store keeps with how
many the outbox announces (two counting queries), and `backfill` announces what is missing,
in one transaction with the login's upkeep: a crash leaves neither records nor a gap in the
device sequence, and the next login finds the same work. It looks for what is missing, never
at a mark, so it announces nothing twice however often it runs. The records are rebuilt from
rows that never change (`penalty_records`), so a record announced late is the one that would
have been announced at the time.
"""

from __future__ import annotations

from datetime import datetime

from desktop.domain.penalty import DecisionState
from desktop.store import penalty_records
from desktop.store.connection import Connection
from sync.protocol.records import RecordKind

__all__ = ["backfill", "pending"]

_KINDS = tuple(kind.value for kind in penalty_records.KINDS)


def _kept(conn: Connection) -> dict[RecordKind, list[str]]:
    """What the store keeps that HQ should hear of, per kind, oldest first."""
    decided = conn.execute("SELECT id FROM penalty_decisions WHERE state = ?"
                           " ORDER BY updated_at, rowid",
                           (DecisionState.DECIDED.value,)).fetchall()
    reviews = conn.execute("SELECT id FROM penalty_reviews ORDER BY at, rowid").fetchall()
    documents = conn.execute("SELECT id FROM penalty_documents ORDER BY created_at, rowid"
                             ).fetchall()
    return {RecordKind.PENALTY_DECISION: [str(r[0]) for r in decided],
            RecordKind.LEGAL_REVIEW: [str(r[0]) for r in reviews],
            RecordKind.PENALTY_DOCUMENT: [str(r[0]) for r in documents],
            RecordKind.PENALTY_DOCUMENT_PDF: [str(r[0]) for r in documents]}


def pending(conn: Connection) -> bool:
    """Whether some decided decision, review or document is not announced yet."""
    row = conn.execute(
        "SELECT (SELECT count(*) FROM penalty_decisions WHERE state = ?)"
        " + (SELECT count(*) FROM penalty_reviews)"
        " + 2 * (SELECT count(*) FROM penalty_documents)",
        (DecisionState.DECIDED.value,)).fetchone()
    kept = int(row[0])
    if kept == 0:
        return False
    announced = conn.execute(
        f"SELECT count(*) FROM outbox WHERE kind IN ({', '.join('?' * len(_KINDS))})",
        _KINDS).fetchone()
    return int(announced[0]) < kept


def backfill(conn: Connection, at: datetime) -> dict[RecordKind, int]:
    """Inside the caller's transaction: announce every decided decision, review and
    document (and its PDF) the outbox does not announce yet, in the order they were made;
    how many of each were announced."""
    rows = conn.execute(
        f"SELECT kind, entity_id FROM outbox WHERE kind IN ({', '.join('?' * len(_KINDS))})",
        _KINDS).fetchall()
    announced = {(str(r[0]), str(r[1])) for r in rows}
    done: dict[RecordKind, int] = {}
    for kind, ids in _kept(conn).items():
        missing = [i for i in ids if (kind.value, i) not in announced]
        for entity_id in missing:
            penalty_records.announce(conn, at, kind, entity_id)
        done[kind] = len(missing)
    return done
