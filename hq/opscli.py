"""The operator's maintenance commands of ``statement-room-hq`` (`hq.cli` adds them):

    janitor [--dry-run]      remove expired uploads, old nonces, replaced audit batches,
                             orphan staged files, acknowledged alerts past retention, the
                             room's expired sessions and access-log rows past retention
    ack-alert ID             acknowledge an alert (see `alerts`): retention may then delete it
    backup DEST              an online, consistent copy of the embedded HQ into DEST
    restore SRC              restore a backup into the (new or empty) data directory, and
                             sign the restore statement its devices act on (hq/restores.py)
    restored [--backup-time T]   sign that statement after restoring by other means
                             (PostgreSQL: pg_restore and the bucket)
    reindex                  derive the supervision room's rows again from every record HQ
                             holds (`hq.catalog.reindex`: for records received before a
                             part of the room existed; idempotent)

Messages are in the operator's language (`hq.i18n`); exit codes as in `hq.cli`.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime
from gettext import gettext as _
from pathlib import Path

from hq.config import HQConfig
from hq.opsconfig import OpsSettings

__all__ = ["COMMANDS", "add_commands", "run"]

COMMANDS = ("janitor", "ack-alert", "backup", "restore", "restored", "reindex")


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    janitor = commands.add_parser(
        "janitor", help=_("remove what HQ no longer needs (expired uploads, old nonces, "
                          "replaced audit batches, orphan staged files, acknowledged alerts "
                          "past retention, the room's expired sessions and access-log rows "
                          "past retention); never a record or its media"))
    janitor.add_argument("--dry-run", action="store_true",
                         help=_("only count what would be removed"))
    commands.add_parser("ack-alert", help=_("acknowledge an alert (see alerts)")).add_argument(
        "alert", help=_("the alert's id"))
    commands.add_parser("backup", help=_("copy HQ (database, blobs, keys) into a new folder, "
                                         "while it serves")).add_argument(
        "dest", help=_("the backup folder (new or empty)"))
    commands.add_parser("restore", help=_("restore a backup into the data directory (new or "
                                          "empty)")).add_argument(
        "src", help=_("the backup folder"))
    restored = commands.add_parser(
        "restored", help=_("declare that this HQ was restored from a backup: its devices then "
                           "send again what the backup did not hold"))
    restored.add_argument("--backup-time", metavar="ISO",
                          help=_("when the backup was taken (ISO 8601 with offset)"))
    commands.add_parser("reindex", help=_("derive the supervision room's lists again from every "
                                          "record HQ holds (after an update that adds to "
                                          "them); safe to run at any time"))


def _fail(exc: Exception) -> int:
    print(f"statement-room-hq: {exc}", file=sys.stderr)
    return 2


def _mib(size: int) -> str:
    return f"{size / 1024**2:.1f}"


def _janitor(config: HQConfig, dry_run: bool) -> int:
    from hq.janitor import clean
    from hq.state import open_hq

    try:
        settings = OpsSettings.from_env()
        state = open_hq(config)
    except (OSError, ValueError, RuntimeError) as exc:
        return _fail(exc)
    try:
        report = clean(state, settings, dry_run=dry_run)
    finally:
        state.close()
    print((_("janitor (dry run): would remove {uploads} expired uploads, {nonces} old nonces, "
             "{batches} replaced audit batches, {orphans} orphan staged files, {alerts} "
             "acknowledged alerts, {sessions} expired room sessions, {log} access-log rows "
             "past retention; {mib} MiB would be freed") if dry_run else
           _("janitor: removed {uploads} expired uploads, {nonces} old nonces, {batches} "
             "replaced audit batches, {orphans} orphan staged files, {alerts} acknowledged "
             "alerts, {sessions} expired room sessions, {log} access-log rows past retention; "
             "{mib} MiB freed")).format(
        uploads=report.expired_uploads, nonces=report.nonces,
        batches=report.replaced_batches, orphans=report.orphan_files, alerts=report.alerts,
        sessions=report.sessions, log=report.access_log, mib=_mib(report.bytes_freed)))
    if report.blobs_skipped_for_backup:
        print(_("a backup is running: replaced audit batches are left for the next pass"))
    return 0


def _ack(config: HQConfig, alert: str) -> int:
    from hq.db import open_database
    from hq.state import now_ms

    db = open_database(config.database)
    try:
        row = db.one("SELECT acknowledged_ms FROM alerts WHERE id = ?", (alert,))
        if row is None:
            print(_("no alert {alert}").format(alert=alert), file=sys.stderr)
            return 1
        if row["acknowledged_ms"] is None:
            with db.transaction() as conn:
                conn.execute("UPDATE alerts SET acknowledged_ms = ?, acknowledged_by = ? "
                             "WHERE id = ? AND acknowledged_ms IS NULL",
                             (now_ms(), f"cli:{getpass.getuser()}", alert))
    finally:
        db.close()
    print(_("alert {alert} acknowledged").format(alert=alert))
    return 0


def _reindex(config: HQConfig) -> int:
    from hq.catalog import reindex
    from hq.state import open_hq

    try:
        state = open_hq(config)
    except (OSError, ValueError, RuntimeError) as exc:
        return _fail(exc)
    try:
        seen = reindex(state.db, state.blobs)
    except OSError as exc:  # a blob the store cannot give back (a full or missing disk)
        return _fail(exc)
    finally:
        state.close()
    print(_("reindex: {records} records indexed again").format(records=seen))
    return 0


def run(config: HQConfig, args: argparse.Namespace) -> int:
    from hq.backup import BackupError, backup, restore

    if args.command == "janitor":
        return _janitor(config, args.dry_run)
    if args.command == "ack-alert":
        return _ack(config, args.alert)
    if args.command == "restored":
        try:
            taken = (None if args.backup_time is None
                     else int(datetime.fromisoformat(args.backup_time).timestamp() * 1000))
        except ValueError as exc:
            return _fail(exc)
        return _declare_restore(config, taken)
    if args.command == "reindex":
        return _reindex(config)
    if config.db_url is not None:  # the embedded lane's copy; PostgreSQL has its own tools
        print(_("statement-room-hq: {command} copies the embedded HQ (SQLite and a folder); on "
                "PostgreSQL and S3 follow docs/operations/hq-backup.md (pg_dump and the "
                "bucket)").format(command=args.command), file=sys.stderr)
        return 2
    try:
        if args.command == "backup":
            summary = backup(config.data_dir, Path(args.dest).resolve())
            print(_("HQ server {hq} backed up: {files} files, {mib} MiB, in {dest}").format(
                hq=summary.hq_id, files=summary.files, mib=_mib(summary.bytes),
                dest=args.dest))
            print(_("keys/master.key in the backup opens every blob: keep it apart from "
                    "the blobs (docs/operations/hq-backup.md)"))
            return 0
        summary = restore(Path(args.src).resolve(), config.data_dir)
    except (BackupError, OSError) as exc:
        return _fail(exc)
    print(_("HQ server {hq} restored into {data}: {files} files, {mib} MiB; start it with "
            "serve").format(hq=summary.hq_id, data=config.data_dir, files=summary.files,
                            mib=_mib(summary.bytes)))
    return _declare_restore(config, summary.created_ms)


def _declare_restore(config: HQConfig, backup_ms: int | None) -> int:
    from hq.restores import declare
    from hq.state import open_hq

    state = open_hq(config)
    try:
        statement = declare(state, backup_ms).body
    finally:
        state.close()
    print(_("Restore statement signed: the receipt log restarts at {size} receipts. Devices "
            "that synced after the backup send again what it did not hold.").format(
                size=statement.log_size))
    return 0
