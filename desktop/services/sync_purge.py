"""Freeing the vault of media HQ holds: the purge rule of sync-hq.md §3.5, audited.

A medium's local copy (its vault blob) may be deleted only when every one of these holds:

1. HQ's receipt for it verifies with the receipt key pinned at enrolment;
2. the receipt's SHA-256 and size are the evidence item's, and the blob still decrypts to
   exactly that content (checked again just before deleting);
3. the receipt's durability meets the policy's minimum;
4. the retention time has passed since HQ received it (counted from the later of HQ's time
   and the device's, so neither clock alone can shorten it);
5. the receipt's index is below the receipt-log head the device keeps (verified by
   consistency proofs), so HQ cannot later drop it unnoticed;

and every evidence entry with the same content (the vault keeps one blob per content) has
such a receipt. The purge commits its record and audit event first and deletes the file
after: a crash in between leaves a blob the next purge removes, never a missing blob
without its record. The item then reads as "held at HQ (receipt …)". Hashes and receipts
are kept for good. The policy lives in the store and only an administrator changes it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.model import Action, Role
from desktop.store import evidence, sync_state
from desktop.store.connection import Connection
from desktop.store.store import Store
from desktop.store.sync_state import PurgePolicy
from desktop.store.vault_format import VaultIntegrityError
from desktop.store.vault_read import verify_blob
from sync.client.source import Enrolment
from sync.protocol.receipt import Durability
from sync.protocol.records import RecordKind


@dataclass(frozen=True)
class PurgeCheck:
    """One medium (one blob) and whether it may go; `reason` says why not, in words."""

    sha256: str
    size: int
    item_ids: tuple[str, ...]
    op_id: str | None
    receipt_id: str | None
    reason: str | None

    @property
    def eligible(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class PurgeReport:
    purged: tuple[PurgeCheck, ...]
    kept: tuple[PurgeCheck, ...]
    freed_bytes: int
    dry_run: bool


def _now(store: Store) -> datetime:
    return store.clock().astimezone(UTC)


def purge_checks(store: Store, now: datetime | None = None) -> list[PurgeCheck]:
    """Every medium still in the vault and whether the purge rule lets it go."""
    when = now or _now(store)
    with store.reading() as conn:
        return _checks(conn, when)


def purge_eligible(store: Store, now: datetime | None = None) -> list[PurgeCheck]:
    return [c for c in purge_checks(store, now) if c.eligible]


def _checks(conn: Connection, now: datetime) -> list[PurgeCheck]:
    pinned = sync_state.enrolment(conn)
    policy = sync_state.purge_policy(conn)
    head = sync_state.log_head(conn)
    covered = 0 if head is None else head.body.size
    by_content: dict[str, list[sync_state.Progress]] = {}
    for progress in sync_state.entries(conn, "kind = ?", (RecordKind.EVIDENCE_ITEM.value,)):
        by_content.setdefault(progress.queued.sha256, []).append(progress)
    checks = []
    for sha256, entries in by_content.items():
        if sync_state.purged_receipt(conn, sha256) is not None:
            continue
        items = tuple(p.queued.entity_id for p in entries)
        size = entries[0].queued.size
        reason, chosen = None, None
        for progress in entries:
            reason = _problem(progress, pinned, policy, covered, now)
            if reason is not None:
                break
            chosen = chosen or progress
        receipt = None if chosen is None or chosen.receipt is None else chosen.receipt.body
        checks.append(PurgeCheck(sha256, size, items, None if chosen is None else
                                 chosen.queued.op_id,
                                 None if receipt is None else receipt.receipt_id,
                                 reason))
    return checks


def _problem(progress: sync_state.Progress, pinned: Enrolment | None, policy: PurgePolicy,
             covered: int, now: datetime) -> str | None:
    """Why this entry's receipt does not allow the purge, or None."""
    receipt = progress.receipt
    if receipt is None:
        return _("HQ has not acknowledged it yet.")
    if pinned is None or not receipt.verify(pinned.receipt_key):
        return _("HQ's receipt does not verify with the pinned key.")
    body, q = receipt.body, progress.queued
    if (body.sha256, body.size, body.op_id) != (q.sha256, q.size, q.op_id):
        return _("HQ's receipt names other content.")
    if not sync_state.meets(body.durability, policy.durability):
        return _("HQ holds it as “{held}”; the policy asks for “{wanted}”.").format(
            held=body.durability.value, wanted=policy.durability.value)
    received = datetime.fromtimestamp(body.hq_time_ms / 1000, UTC)
    if received + timedelta(days=policy.retention_days) > now:
        return _("Kept until {date} (retention of {days} days).").format(
            date=(received + timedelta(days=policy.retention_days)).date().isoformat(),
            days=policy.retention_days)
    if body.log_index >= covered:
        return _("HQ's receipt log head kept here does not cover it yet; sync again.")
    return None


def purge(store: Store, *, dry_run: bool = False, now: datetime | None = None) -> PurgeReport:
    """Delete the vault copy of every medium the purge rule lets go (administrators only)."""
    if store.officer.role is not Role.ADMIN:
        raise UserError(_("Only an administrator can purge media held at HQ."))
    when = now or _now(store)
    checks = purge_checks(store, when)
    eligible = [c for c in checks if c.eligible]
    kept = [c for c in checks if not c.eligible]
    if dry_run:
        return PurgeReport(tuple(eligible), tuple(kept), sum(c.size for c in eligible), True)
    key = store.vault_key()
    purged = []
    for check in eligible:
        blob = evidence.blob_path(store.paths.workdir, check.sha256, key)
        try:
            verify_blob(blob, key, check.sha256)
        except (VaultIntegrityError, OSError):
            kept.append(replace(check, reason=_("The local copy does not match its SHA-256.")))
            continue
        _record(store, check)
        with contextlib.suppress(FileNotFoundError):
            blob.unlink()
        purged.append(check)
    _remove_leftovers(store)
    return PurgeReport(tuple(purged), tuple(kept), sum(c.size for c in purged), False)


def _record(store: Store, check: PurgeCheck) -> None:
    def run() -> None:
        with store.transaction() as tx:
            sync_state.record_purge(tx.conn, check.sha256, check.op_id or "",
                                    check.receipt_id or "", tx.at, store.officer.id)
            for item_id in check.item_ids:
                tx.audit(Action.EVIDENCE_PURGED, item_id, sha256=check.sha256,
                         size=check.size, receipt=check.receipt_id, op_id=check.op_id)

    store.write(run)


def _remove_leftovers(store: Store) -> None:
    """Blobs whose purge was committed but whose file a crash left behind."""
    key = store.vault_key()
    with store.reading() as conn:
        rows = conn.execute("SELECT sha256 FROM evidence_purges").fetchall()
    for (sha256,) in rows:
        with contextlib.suppress(FileNotFoundError):
            evidence.blob_path(store.paths.workdir, str(sha256), key).unlink()


def set_policy(store: Store, durability: Durability | None = None,
               retention_days: int | None = None) -> PurgePolicy:
    """Change the purge policy (administrators only; audited)."""
    if store.officer.role is not Role.ADMIN:
        raise UserError(_("Only an administrator can change the purge policy."))
    if retention_days is not None and retention_days < 0:
        raise UserError(_("The retention time cannot be negative."))
    with store.transaction() as tx:
        old = sync_state.purge_policy(tx.conn)
        new = PurgePolicy(durability or old.durability,
                          old.retention_days if retention_days is None else retention_days)
        sync_state.save_purge_policy(tx.conn, new)
        if new.durability is not old.durability:
            tx.audit(Action.SETTING_CHANGED, "purge_durability", value=new.durability.value)
        if new.retention_days != old.retention_days:
            tx.audit(Action.SETTING_CHANGED, "purge_retention_days", value=new.retention_days)
    return new


def policy(store: Store) -> PurgePolicy:
    with store.reading() as conn:
        return sync_state.purge_policy(conn)
