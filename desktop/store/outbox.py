"""The transactional outbox: every record HQ will receive, announced in the record's commit.

Each writer of such a record (a sealed statement, its signed PDF and pen captures, an evidence
item, a completed docking, a signed tree head, a signature, officer or key event, a decided
penalty decision, a legal review, a signed penalty document and its PDF) calls `enqueue` inside
the same transaction, so the record and its announcement commit or vanish together: a crash can
never leave a record HQ will not hear of, nor an announcement of a record that does not exist.
Most records are rebuilt from their (immutable) rows when sent; a record that describes rows
which may still change (a statement's context, an evidence item's record) is announced with
`enqueue_kept`, which keeps its exact bytes (``outbox_payloads``) for the sync to send.
``device_seq`` is the next number after the highest so far; the write lock of ``BEGIN
IMMEDIATE`` makes it gapless and increasing (a rolled-back transaction takes its number with
it). The kinds, and the bytes each announces, are defined in `sync.protocol.records`; the sync
engine (issue 15) reads `pending` and updates ``state`` and ``receipt``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from desktop.domain.ids import new_id
from desktop.store.connection import Connection
from sync.protocol.records import OutboxEntry, RecordKind, parse_kind, priority_for
from sync.protocol.wire import HEX64

QUEUED = "queued"


@dataclass(frozen=True)
class Queued:
    """One outbox row."""

    op_id: str
    device_seq: int
    kind: RecordKind
    entity_id: str
    sha256: str
    size: int
    priority: int
    state: str
    created_at: datetime

    def entry(self, device: str) -> OutboxEntry:
        """The typed announcement the device signs and sends (``device``: its key id)."""
        return OutboxEntry(op_id=self.op_id, device=device, device_seq=self.device_seq,
                           kind=self.kind, entity_id=self.entity_id, sha256=self.sha256,
                           size=self.size)


def enqueue(conn: Connection, at: datetime, kind: RecordKind, entity_id: str, sha256: str,
            size: int, *, media_kind: str | None = None) -> int:
    """Announce one record inside the caller's transaction; return its device sequence."""
    if not HEX64.fullmatch(sha256):
        raise ValueError(f"outbox sha256 must be 64 lowercase hex characters, not {sha256!r}")
    row = conn.execute("SELECT coalesce(max(device_seq), 0) + 1 FROM outbox").fetchone()
    seq = int(row[0])
    conn.execute(
        "INSERT INTO outbox (op_id, device_seq, kind, entity_id, sha256, size, priority, state,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (new_id(), seq, kind.value, entity_id, sha256, size, priority_for(kind, media_kind),
         QUEUED, at.isoformat()),
    )
    return seq


def enqueue_bytes(conn: Connection, at: datetime, kind: RecordKind, entity_id: str,
                  payload: bytes) -> int:
    """Announce a record whose bytes are at hand: their SHA-256 and length."""
    return enqueue(conn, at, kind, entity_id, hashlib.sha256(payload).hexdigest(), len(payload))


# The kinds whose bytes are kept at announcement (`enqueue_kept`), not rebuilt when sent.
KEPT_KINDS = frozenset({RecordKind.STATEMENT_CONTEXT, RecordKind.EVIDENCE_RECORD})


def enqueue_kept(conn: Connection, at: datetime, kind: RecordKind, entity_id: str,
                 payload: bytes) -> int:
    """Announce a record and keep its bytes (once per kind and entity: a second
    announcement of the same record fails on the table's key, with the transaction)."""
    if kind not in KEPT_KINDS:
        raise ValueError(f"{kind.value} is rebuilt from its rows, not kept")
    conn.execute("INSERT INTO outbox_payloads (kind, entity_id, payload) VALUES (?, ?, ?)",
                 (kind.value, entity_id, payload))
    return enqueue_bytes(conn, at, kind, entity_id, payload)


def kept_payload(conn: Connection, kind: RecordKind, entity_id: str) -> bytes:
    """The bytes `enqueue_kept` kept for a record; LookupError if there are none."""
    row = conn.execute("SELECT payload FROM outbox_payloads WHERE kind = ? AND entity_id = ?",
                       (kind.value, entity_id)).fetchone()
    if row is None:
        raise LookupError(f"no kept bytes for {kind.value} {entity_id}")
    return bytes(row[0])


_COLUMNS = "op_id, device_seq, kind, entity_id, sha256, size, priority, state, created_at"


def queued_row(row: tuple[object, ...]) -> Queued:
    """A `Queued` from the first nine columns of an outbox row (``_COLUMNS``)."""
    return Queued(op_id=str(row[0]), device_seq=int(str(row[1])), kind=parse_kind(str(row[2])),
                  entity_id=str(row[3]), sha256=str(row[4]), size=int(str(row[5])),
                  priority=int(str(row[6])), state=str(row[7]),
                  created_at=datetime.fromisoformat(str(row[8])))


def all_entries(conn: Connection) -> list[Queued]:
    """Every outbox row in device order."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM outbox ORDER BY device_seq").fetchall()
    return [queued_row(tuple(r)) for r in rows]


def pending(conn: Connection) -> list[Queued]:
    """Rows still to send, in send order: priority, then device order."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM outbox WHERE state = ? ORDER BY priority, device_seq",
        (QUEUED,),
    ).fetchall()
    return [queued_row(tuple(r)) for r in rows]
