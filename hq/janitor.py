"""The janitor: what HQ no longer needs goes, and nothing a record references ever does.

One pass (`clean`, also `statement-room-hq janitor [--dry-run]`) removes:

- upload sessions past their expiry: the staged file goes, the session is marked
  ``expired`` (the device creates the upload again, docs/protocols/sync.md §5). A session
  whose staged file was written in the last `BUSY_GRACE_S` is left for the next pass: a PATCH
  may be running in this or another HQ process;
- nonces older than `NONCE_KEEP_MS` (the protocol promises 30 days);
- staged audit-leaf batches a later batch replaced (`hq.audittrail`): a ``blobs`` row that no
  record, quarantined record, audit leaf or reference dataset names any more. Row and file go
  inside one write transaction, so no writer can name the blob between the check and the
  removal (`AuditTrails.stage` stores its blob again inside its own transaction);
- orphan staged files: a ``<id>.part`` whose session is not open (or has no row), and what a
  killed `put` left, once untouched for `ORPHAN_GRACE_S`;
- acknowledged alerts past their retention (`OpsSettings.alert_retention_s`). Open alerts,
  records, receipts, media, quarantined records and audit leaves are evidence: never deleted;
- the supervision room's expired sessions, and its access-log rows older than
  `OpsSettings.access_log_retention_s` (three years by default; never a newer row: the log
  is evidence of who looked at what, `hq.opsconfig` says why).

A pass never removes blobs while a backup runs (`maintenance_lock`, shared with
`hq.backup`): the backup's database snapshot may name a batch a later one just replaced.
`serve` runs a pass at start and every ``HQ_JANITOR_MINUTES``, on a worker thread with its
own database connection (`run_periodically`).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from starlette.concurrency import run_in_threadpool

from hq.blobs import BlobStoreUnavailable
from hq.db import Database, open_database
from hq.finalize import upload_lock
from hq.opsconfig import OpsSettings
from hq.requestlog import log_event
from hq.state import HQState, now_ms

__all__ = ["BUSY_GRACE_S", "NONCE_KEEP_MS", "ORPHAN_GRACE_S", "JanitorReport", "clean",
           "maintenance_lock", "run_periodically"]

BUSY_GRACE_S = 600.0
NONCE_KEEP_MS = 31 * 24 * 3600 * 1000  # at least the 30 days the protocol promises
ORPHAN_GRACE_S = 3600.0
_LOG = logging.getLogger("hq.janitor")
_UNREFERENCED_BLOBS = (
    "SELECT sha256, size FROM blobs b WHERE "
    "NOT EXISTS (SELECT 1 FROM records r WHERE r.sha256 = b.sha256) AND "
    "NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.sha256 = b.sha256) AND "
    "NOT EXISTS (SELECT 1 FROM audit_leaves a WHERE a.batch = b.sha256) AND "
    "NOT EXISTS (SELECT 1 FROM ref_datasets d WHERE d.sha256 = b.sha256)")


@dataclass
class JanitorReport:
    """What a pass removed (or, dry, would remove), and the bytes that freed on disk."""

    expired_uploads: int = 0
    nonces: int = 0
    replaced_batches: int = 0
    orphan_files: int = 0
    alerts: int = 0
    sessions: int = 0
    access_log: int = 0
    bytes_freed: int = 0
    blobs_skipped_for_backup: bool = False


@contextlib.contextmanager
def maintenance_lock(data_dir: Path, *, wait: bool) -> Iterator[bool]:
    """An exclusive lock between a backup and the janitor's blob removal; yields whether it
    was taken (without ``wait``, False when another holds it)."""
    path = data_dir / "maintenance.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing releases the lock


def _expire_uploads(state: HQState, db: Database, report: JanitorReport, dry: bool) -> None:
    staged = {upload_id: (size, written) for upload_id, size, written
              in state.blobs.staged_uploads()}
    now = time.time()
    for row in db.all("SELECT id FROM uploads WHERE state = 'open' AND expires_ms < ?",
                      (now_ms(),)):
        upload_id = str(row["id"])
        size, written = staged.get(upload_id, (0, 0.0))
        if upload_id in state.upload_holders or now - written < BUSY_GRACE_S:
            continue  # a PATCH is running; it finds the upload expired at its next request
        lock = upload_lock(upload_id)
        if not db.try_hold(lock):
            continue  # another HQ process writes it right now (PostgreSQL's advisory lock)
        try:
            report.expired_uploads += 1
            report.bytes_freed += size
            if not dry:
                try:
                    state.blobs.discard(upload_id)
                except BlobStoreUnavailable:
                    continue  # the object store is down: a later pass expires it
                with db.transaction() as conn:
                    conn.execute("UPDATE uploads SET state = 'expired' WHERE id = ? AND "
                                 "state = 'open'", (upload_id,))
        finally:
            db.release(lock)


def _replaced_batches(state: HQState, db: Database, report: JanitorReport, dry: bool) -> None:
    if dry:
        for row in db.all(_UNREFERENCED_BLOBS):
            report.replaced_batches += 1
            report.bytes_freed += state.blobs.stored_size(str(row["sha256"]))
        return
    with maintenance_lock(state.config.data_dir, wait=False) as taken:
        if not taken:
            report.blobs_skipped_for_backup = True
            return
        for row in db.all(_UNREFERENCED_BLOBS):
            sha256 = str(row["sha256"])
            with db.transaction() as conn:  # checked again under the write lock
                if conn.execute(_UNREFERENCED_BLOBS + " AND sha256 = ?", (sha256,)).fetchone():
                    report.replaced_batches += 1
                    report.bytes_freed += state.blobs.stored_size(sha256)
                    conn.execute("DELETE FROM blobs WHERE sha256 = ?", (sha256,))
                    state.blobs.delete(sha256)


def _orphans(state: HQState, db: Database, report: JanitorReport, dry: bool) -> None:
    open_ids = {str(r["id"]) for r in db.all("SELECT id FROM uploads WHERE state = 'open'")}
    now = time.time()
    for upload_id, size, written in list(state.blobs.staged_uploads()):
        if (upload_id in open_ids or upload_id in state.upload_holders
                or now - written < ORPHAN_GRACE_S):
            continue
        report.orphan_files += 1
        report.bytes_freed += size
        if not dry:
            with contextlib.suppress(BlobStoreUnavailable):
                state.blobs.discard(upload_id)
    if not dry:  # what a killed record write left (not counted: it never held a record)
        with contextlib.suppress(BlobStoreUnavailable):
            state.blobs.sweep(older_than_s=ORPHAN_GRACE_S)


def _room(db: Database, report: JanitorReport, now: int, settings: OpsSettings,
          dry: bool) -> None:
    """The room's sessions past their expiry, and access-log rows past retention (both
    counted, then deleted in one transaction, by the same conditions)."""
    log_cutoff = now - int(settings.access_log_retention_s * 1000)
    expired = ("web_sessions", "expires_ms <= ?", now)
    old_log = ("web_access_log", "at_ms < ?", log_cutoff)
    counts = []
    for table, condition, value in (expired, old_log):
        row = db.one(f"SELECT count(*) AS n FROM {table} WHERE {condition}", (value,))
        counts.append(int(row["n"]) if row else 0)
    report.sessions, report.access_log = counts
    if not dry:
        with db.transaction() as conn:
            for table, condition, value in (expired, old_log):
                conn.execute(f"DELETE FROM {table} WHERE {condition}", (value,))


def clean(state: HQState, settings: OpsSettings, *, dry_run: bool = False) -> JanitorReport:
    """One janitor pass on a database connection of its own (safe on a worker thread while
    HQ serves, or from the CLI beside a running HQ); with ``dry_run``, only count."""
    report = JanitorReport()
    db = open_database(state.config.database)
    try:
        _expire_uploads(state, db, report, dry_run)
        now = now_ms()
        nonce_cutoff = now - NONCE_KEEP_MS
        alert_cutoff = now - int(settings.alert_retention_s * 1000)
        row = db.one("SELECT count(*) AS n FROM nonces WHERE received_ms < ?", (nonce_cutoff,))
        report.nonces = int(row["n"]) if row else 0
        row = db.one("SELECT count(*) AS n FROM alerts WHERE acknowledged_ms IS NOT NULL AND "
                     "acknowledged_ms < ?", (alert_cutoff,))
        report.alerts = int(row["n"]) if row else 0
        _room(db, report, now, settings, dry_run)
        if not dry_run:
            with db.transaction() as conn:
                conn.execute("DELETE FROM nonces WHERE received_ms < ?", (nonce_cutoff,))
                conn.execute("DELETE FROM alerts WHERE acknowledged_ms IS NOT NULL AND "
                             "acknowledged_ms < ?", (alert_cutoff,))
        _replaced_batches(state, db, report, dry_run)
        _orphans(state, db, report, dry_run)
    finally:
        db.close()
    return report


async def run_periodically(state: HQState, settings: OpsSettings) -> None:
    """Inside `serve`: a pass at once, then every ``janitor_interval_s`` (never again when it
    is 0), its I/O on a worker thread so requests keep being answered; a failed pass is
    logged, not fatal."""
    first = True
    while first or settings.janitor_interval_s > 0:
        if not first:
            await asyncio.sleep(settings.janitor_interval_s)
        first = False
        try:
            report = await run_in_threadpool(clean, state, settings)
        except BlobStoreUnavailable as exc:  # an outage, not a bug: the next pass does it
            _LOG.warning("janitor pass skipped: %s", exc)
            continue
        except Exception:
            _LOG.exception("janitor pass failed")
            continue
        log_event(_LOG, "janitor", **vars(report))
