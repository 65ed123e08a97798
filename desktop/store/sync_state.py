"""What the store keeps of its sync with HQ: enrolment, outbox progress, receipts, log heads.

Small reads and writes on a connection, each inside the caller's transaction (migration 0013
describes the tables). `desktop.services.sync` puts them behind the engine's `SyncSource`.
A receipt is kept only when it verifies against the key pinned at enrolment and names the
entry exactly as it was announced (op id, kind, id, SHA-256, size, sequence): a receipt for
anything else is refused here whatever the engine checked. A receipt for a tree head is HQ's
countersignature of that head: its size and root are kept as the newest countersigned head,
which login then holds the store to (`desktop.store.countersign`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from desktop.store.connection import Connection
from desktop.store.outbox import QUEUED, Queued, queued_row
from sync.client.source import Enrolment, UploadProgress
from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.loghead import LogHead
from sync.protocol.receipt import Durability, Receipt
from sync.protocol.records import RecordKind
from sync.protocol.restore import RestoreStatement
from sync.protocol.signing import Signed

RECEIPTED = "receipted"
FAILED = "failed"  # waits for a person (a conflict, a refusal): never retried by itself

DURABILITY_ORDER = tuple(Durability)  # weakest first


@dataclass(frozen=True)
class Progress:
    """One outbox row with its sync progress."""

    queued: Queued
    upload: UploadProgress | None
    attempts: int
    next_attempt_ms: int | None
    last_error: str | None
    last_message: str | None
    receipt: Signed[Receipt] | None


@dataclass(frozen=True)
class Countersigned:
    """The newest audit tree head HQ countersigned: its size, root, and HQ's receipt."""

    tree_size: int
    root_hash: bytes
    receipt: Signed[Receipt]


@dataclass(frozen=True)
class PurgePolicy:
    """When a medium's local copy may go (sync-hq.md §3.5): HQ holds it at least this
    durably, and the receipt is at least this many days old."""

    durability: Durability = Durability.STORED
    retention_days: int = 30


_COLUMNS = ("op_id, device_seq, kind, entity_id, sha256, size, priority, state, created_at,"
            " upload_url, server_offset, attempts, next_attempt_ms, last_error, last_message,"
            " receipt")


def _progress(row: tuple[object, ...]) -> Progress:
    receipt = row[15]
    return Progress(
        queued=queued_row(row[:9]),
        upload=None if row[9] is None else UploadProgress(str(row[9]), int(str(row[10]))),
        attempts=int(str(row[11])),
        next_attempt_ms=None if row[12] is None else int(str(row[12])),
        last_error=None if row[13] is None else str(row[13]),
        last_message=None if row[14] is None else str(row[14]),
        receipt=None if not isinstance(receipt, bytes) else parse_receipt(receipt),
    )


def parse_receipt(data: bytes) -> Signed[Receipt]:
    return Signed.from_json(parse_canonical(data), Receipt)


def entries(conn: Connection, where: str = "1", params: tuple[object, ...] = ()
            ) -> list[Progress]:
    """Outbox rows with their progress, in send order (priority, then device order)."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE {where}"
                        " ORDER BY priority, device_seq", params).fetchall()
    return [_progress(tuple(r)) for r in rows]


def sendable(conn: Connection, now_ms: int) -> list[Progress]:
    """Entries without a receipt whose retry time has come, in send order."""
    return entries(conn, "state = ? AND (next_attempt_ms IS NULL OR next_attempt_ms <= ?)",
                   (QUEUED, now_ms))


def entries_about(conn: Connection, *, statement_id: str | None = None,
                  evidence_id: str | None = None) -> list[Progress]:
    """The entries of one statement (its record, PDF, pen captures and signature events) or
    of one evidence item; every entry when neither is named."""
    if evidence_id is not None:
        return entries(conn, "kind = ? AND entity_id = ?",
                       (RecordKind.EVIDENCE_ITEM.value, evidence_id))
    if statement_id is not None:
        return entries(conn, "entity_id = ? OR substr(entity_id, 1, ?) = ? OR entity_id IN"
                       " (SELECT id FROM audit_log WHERE subject = ?)",
                       (statement_id, len(statement_id) + 1, statement_id + "/", statement_id))
    return entries(conn)


def entry(conn: Connection, op_id: str) -> Progress:
    found = entries(conn, "op_id = ?", (op_id,))
    if not found:
        raise LookupError(f"no outbox entry {op_id}")
    return found[0]


# Enrolment ---------------------------------------------------------------------------------


def enrolment(conn: Connection) -> Enrolment | None:
    row = conn.execute("SELECT hq_url, hq_id, device_id, receipt_key FROM sync_enrolment"
                       " WHERE id = 1").fetchone()
    if row is None:
        return None
    return Enrolment(hq_url=str(row[0]), hq_id=str(row[1]), device_id=str(row[2]),
                     receipt_key=Ed25519PublicKey.from_public_bytes(bytes(row[3])))


def save_enrolment(conn: Connection, enrolled: Enrolment, at: datetime) -> None:
    """Pin HQ's receipt key (replacing an earlier enrolment, which the caller audits)."""
    conn.execute(
        "INSERT INTO sync_enrolment (id, hq_url, hq_id, device_id, receipt_key, enrolled_at)"
        " VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET hq_url = excluded.hq_url,"
        " hq_id = excluded.hq_id, device_id = excluded.device_id,"
        " receipt_key = excluded.receipt_key, enrolled_at = excluded.enrolled_at",
        (enrolled.hq_url, enrolled.hq_id, enrolled.device_id,
         enrolled.receipt_key.public_bytes_raw(), at.isoformat()))


# Progress ----------------------------------------------------------------------------------


def save_upload(conn: Connection, op_id: str, upload: UploadProgress | None) -> None:
    conn.execute("UPDATE outbox SET upload_url = ?, server_offset = ? WHERE op_id = ?",
                 (None if upload is None else upload.url,
                  0 if upload is None else upload.offset, op_id))


def save_failure(conn: Connection, op_id: str, error: str, message: str,
                 retry_at_ms: int | None) -> None:
    """Count a failed attempt; with no retry time the entry waits for a person."""
    conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?, last_message = ?,"
        " next_attempt_ms = ?, state = CASE WHEN state = ? THEN state ELSE ? END"
        " WHERE op_id = ?",
        (error, message, retry_at_ms, RECEIPTED, QUEUED if retry_at_ms is not None else FAILED,
         op_id))


def retry_failed(conn: Connection) -> int:
    """Queue again every entry that waited for a person (after they dealt with it)."""
    cursor = conn.execute("UPDATE outbox SET state = ?, next_attempt_ms = NULL WHERE state = ?",
                          (QUEUED, FAILED))
    return int(cursor.rowcount)


class ReceiptRefused(ValueError):
    """A receipt that does not verify or does not name its entry as announced."""


def check_receipt(conn: Connection, op_id: str, receipt: Signed[Receipt]) -> Progress:
    """The entry the receipt acknowledges; ReceiptRefused unless it verifies against the
    pinned key and names the entry exactly as it was announced."""
    pinned = enrolment(conn)
    if pinned is None or not receipt.verify(pinned.receipt_key):
        raise ReceiptRefused(f"the receipt for {op_id} does not verify with HQ's pinned key")
    progress = entry(conn, op_id)
    q, body = progress.queued, receipt.body
    announced = (q.op_id, q.kind, q.entity_id, q.sha256, q.size, q.device_seq, pinned.hq_id,
                 pinned.device_id)
    stated = (body.op_id, body.kind, body.record_id, body.sha256, body.size, body.device_seq,
              body.hq, body.device)
    if announced != stated:
        raise ReceiptRefused(f"the receipt for {op_id} names another record")
    return progress


def save_receipt(conn: Connection, op_id: str, receipt: Signed[Receipt], at: datetime
                 ) -> None:
    """Keep a verified receipt; for a tree head, remember it as HQ's countersignature."""
    progress = check_receipt(conn, op_id, receipt)
    conn.execute(
        "UPDATE outbox SET state = ?, receipt = ?, receipted_at = coalesce(receipted_at, ?),"
        " last_error = NULL, last_message = NULL, next_attempt_ms = NULL, upload_url = NULL"
        " WHERE op_id = ?",
        (RECEIPTED, canonical_json(receipt.to_json()), at.isoformat(), op_id))
    if progress.queued.kind is RecordKind.TREE_HEAD:
        size = int(progress.queued.entity_id)
        current = countersigned(conn)
        if current is None or size > current.tree_size:
            row = conn.execute("SELECT root_hash FROM tree_heads WHERE tree_size = ?",
                               (size,)).fetchone()
            if row is not None:
                conn.execute(
                    "UPDATE sync_state SET countersigned_size = ?, countersigned_root = ?,"
                    " countersigned_receipt = ? WHERE id = 1",
                    (size, bytes(row[0]), canonical_json(receipt.to_json())))


def countersigned(conn: Connection) -> Countersigned | None:
    row = conn.execute("SELECT countersigned_size, countersigned_root, countersigned_receipt"
                       " FROM sync_state WHERE id = 1").fetchone()
    if row is None or row[0] is None:
        return None
    return Countersigned(int(row[0]), bytes(row[1]), parse_receipt(bytes(row[2])))


# HQ's receipt log --------------------------------------------------------------------------


def log_head(conn: Connection) -> Signed[LogHead] | None:
    row = conn.execute("SELECT log_head FROM sync_state WHERE id = 1").fetchone()
    if row is None or row[0] is None:
        return None
    return Signed.from_json(parse_canonical(bytes(row[0])), LogHead)


def save_log_head(conn: Connection, head: Signed[LogHead]) -> None:
    """Keep a newer verified head (never a smaller one: the log only grows)."""
    pinned = enrolment(conn)
    if pinned is None or not head.verify(pinned.receipt_key):
        raise ReceiptRefused("the receipt-log head does not verify with HQ's pinned key")
    current = log_head(conn)
    if current is not None and head.body.size < current.body.size:
        raise ReceiptRefused("the receipt-log head is older than the one kept")
    conn.execute("UPDATE sync_state SET log_head = ? WHERE id = 1",
                 (canonical_json(head.to_json()),))


@dataclass(frozen=True)
class RestoreOutcome:
    """What accepting HQ's restore statement did: entries queued again, and media among them
    whose local copy was purged (HQ held them; now neither side does)."""

    requeued: int
    purged_and_lost: tuple[str, ...]  # op ids


def _keep_lost(conn: Connection, op_id: str, receipt: Signed[Receipt],
               restore: Signed[RestoreStatement], at: datetime) -> None:
    # The receipt as stored (its one spelling), so the trigger finds it (0018).
    conn.execute("INSERT INTO outbox_lost_receipts (op_id, receipt, restore, lost_at)"
                 " SELECT op_id, receipt, ?, ? FROM outbox WHERE op_id = ?",
                 (canonical_json(restore.to_json()), at.isoformat(), op_id))


def accept_restore(conn: Connection, restore: Signed[RestoreStatement],
                   head: Signed[LogHead], at: datetime) -> RestoreOutcome:
    """HQ was restored from a backup (sync.protocol.restore; the engine checked the statement
    and that ``head`` extends the restored log): every entry whose receipt HQ gave before the
    restore at an index the restore dropped is queued again, and ``head`` replaces the kept
    head although it is smaller. Each lost receipt stays on record with the statement
    (``outbox_lost_receipts``). A purged medium cannot go again: it waits for a person, its
    old receipt kept in place as the record of what HQ once held."""
    pinned = enrolment(conn)
    if pinned is None or not restore.verify(pinned.receipt_key) \
            or not head.verify(pinned.receipt_key):
        raise ReceiptRefused("the restore statement does not verify with HQ's pinned key")
    lost = restore.body
    requeued, purged = 0, []
    for progress in entries(conn, "state = ?", (RECEIPTED,)):
        receipt = progress.receipt
        if receipt is None or receipt.body.log_index < lost.log_size \
                or receipt.body.hq_time_ms >= lost.restored_ms:
            continue
        queued = progress.queued
        if queued.kind is RecordKind.EVIDENCE_ITEM \
                and purged_receipt(conn, queued.sha256) is not None:
            purged.append(queued.op_id)
            _keep_lost(conn, queued.op_id, receipt, restore, at)
            conn.execute("UPDATE outbox SET state = ?, last_error = ?, last_message = ?"
                         " WHERE op_id = ?",
                         (FAILED, "lost_at_hq_purged", "HQ lost this medium in a restore "
                          "and its local copy was purged", queued.op_id))
            continue
        _keep_lost(conn, queued.op_id, receipt, restore, at)
        conn.execute("UPDATE outbox SET state = ?, receipt = NULL, upload_url = NULL,"
                     " server_offset = 0, attempts = 0, next_attempt_ms = NULL,"
                     " last_error = NULL, last_message = NULL WHERE op_id = ?",
                     (QUEUED, queued.op_id))
        requeued += 1
    held = countersigned(conn)
    if held is not None and held.receipt.body.log_index >= lost.log_size \
            and held.receipt.body.hq_time_ms < lost.restored_ms:
        # HQ no longer holds that countersignature: the re-sent heads earn it again.
        conn.execute("UPDATE sync_state SET countersigned_size = NULL, countersigned_root = NULL,"
                     " countersigned_receipt = NULL WHERE id = 1")
    conn.execute("UPDATE sync_state SET log_head = ? WHERE id = 1",
                 (canonical_json(head.to_json()),))
    return RestoreOutcome(requeued, tuple(purged))


# Rounds and policy -------------------------------------------------------------------------


def save_round(conn: Connection, at: datetime, summary: bytes) -> None:
    conn.execute("UPDATE sync_state SET last_round_at = ?, last_round = ? WHERE id = 1",
                 (at.isoformat(), summary.decode("utf-8")))


def last_round(conn: Connection) -> tuple[datetime, str] | None:
    row = conn.execute("SELECT last_round_at, last_round FROM sync_state WHERE id = 1"
                       ).fetchone()
    if row is None or row[0] is None:
        return None
    return datetime.fromisoformat(str(row[0])), str(row[1])


def save_hq_offset(conn: Connection, offset_ms: int, at: datetime) -> None:
    """Keep HQ's time minus this device's clock, as a round measured it (`SR-HQ-Time`)."""
    conn.execute("UPDATE sync_state SET hq_offset_ms = ?, hq_offset_at = ? WHERE id = 1",
                 (offset_ms, at.isoformat()))


def hq_offset(conn: Connection) -> int | None:
    """HQ's time minus this device's clock (ms) as last measured; None before any round
    reached HQ."""
    row = conn.execute("SELECT hq_offset_ms FROM sync_state WHERE id = 1").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def purge_policy(conn: Connection) -> PurgePolicy:
    row = conn.execute("SELECT purge_durability, purge_retention_days FROM sync_state"
                       " WHERE id = 1").fetchone()
    return PurgePolicy(Durability(str(row[0])), int(row[1]))


def save_purge_policy(conn: Connection, policy: PurgePolicy) -> None:
    conn.execute("UPDATE sync_state SET purge_durability = ?, purge_retention_days = ?"
                 " WHERE id = 1", (policy.durability.value, policy.retention_days))


def meets(durability: Durability, minimum: Durability) -> bool:
    return DURABILITY_ORDER.index(durability) >= DURABILITY_ORDER.index(minimum)


# Purged media ------------------------------------------------------------------------------


def record_purge(conn: Connection, sha256: str, op_id: str, receipt_id: str, at: datetime,
                 by: str) -> None:
    conn.execute("INSERT INTO evidence_purges (sha256, op_id, receipt_id, purged_at,"
                 " purged_by) VALUES (?, ?, ?, ?, ?)",
                 (sha256, op_id, receipt_id, at.isoformat(), by))


def purged_receipt(conn: Connection, sha256: str) -> str | None:
    """The receipt id under which HQ holds a medium whose local copy was purged, or None."""
    row = conn.execute("SELECT receipt_id FROM evidence_purges WHERE sha256 = ?",
                       (sha256,)).fetchone()
    return None if row is None else str(row[0])
