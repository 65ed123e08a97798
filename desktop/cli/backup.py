"""The `backup` subcommand of `statement-room`: an encrypted backup to a folder or a drive.

    statement-room backup create --to FOLDER [--workdir DIR] [--officer CERT] [--json]
    statement-room backup verify FOLDER [--json]
    statement-room backup restore FOLDER [--workdir DIR] [--officer CERT] [--force] [--json]

`create` needs a logged-in officer and is audited (`backup.created`); a second backup into
the same folder copies only the new evidence files. `verify` and `restore` take the password
of an officer listed in the backup (the backup carries its own key file, so they work when
the store is gone); `restore` into an existing store needs an administrator, refuses a backup
older than the store unless `--force`, keeps the replaced files aside and is audited
(`backup.restored`). See docs/decisions/0023-backup.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from gettext import gettext as _
from pathlib import Path

from desktop import config
from desktop.cli.common import (
    EXIT_REFUSED,
    Subparsers,
    action,
    add_json,
    command,
    emit,
    group,
    login_from_args,
    officer_login,
    secret,
)


def _progress(what: str) -> Callable[[int, int], None]:
    """Per-file progress on stderr when it is a terminal (stdout stays for results)."""
    def show(done: int, total: int) -> None:
        if sys.stderr.isatty():
            end = "\n" if done == total else "\r"
            print(_("{what}: {done}/{total} files").format(what=what, done=done, total=total),
                  end=end, file=sys.stderr, flush=True)
    return show


def cmd_create(args: argparse.Namespace) -> int:
    from desktop.services.backup import create_backup

    with login_from_args(args) as store:
        result = create_backup(store, args.to, progress=_progress(_("Evidence files")))
    print(_("Backup written to {folder} and read back: {events} audit events, {new} new "
            "evidence files copied, {kept} already there.").format(
                folder=args.to, events=result.audit_size, new=result.new_blobs,
                kept=result.kept_blobs))
    emit(args, {"ok": True, "backup_id": result.backup_id, "audit_size": result.audit_size,
                "files": result.files, "new_blobs": result.new_blobs,
                "kept_blobs": result.kept_blobs})
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from desktop.services.backup import verify_backup

    manifest, problems = verify_backup(args.folder, officer_login(args),
                                       secret(config.PASSWORD, _("Password: ")),
                                       progress=_progress(_("Checked")))
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(_("The backup in {folder} is damaged: {count} of its {total} files fail the "
                "check. Make a new backup.").format(folder=args.folder, count=len(problems),
                                                   total=len(manifest.files)), file=sys.stderr)
    else:
        print(_("The backup in {folder} is intact: {total} files, {events} audit events, "
                "made {time}.").format(folder=args.folder, total=len(manifest.files),
                                      events=manifest.audit_size, time=manifest.created_at))
    emit(args, {"ok": not problems, "backup_id": manifest.backup_id,
                "audit_size": manifest.audit_size, "files": len(manifest.files),
                "problems": problems})
    return EXIT_REFUSED if problems else 0


def cmd_restore(args: argparse.Namespace) -> int:
    from desktop.services.backup_restore import restore_backup

    result = restore_backup(args.folder, args.workdir, officer_login(args),
                            secret(config.PASSWORD, _("Password: ")), force=args.force,
                            progress=_progress(_("Checked")))
    print(_("The backup was restored into {workdir}: {events} audit events, {officers} "
            "officers.").format(workdir=args.workdir, events=result.audit_size,
                                officers=result.officers))
    if result.kept_aside is not None:
        print(_("The replaced store's files are kept in {path}.").format(path=result.kept_aside))
    if result.forced:
        print(_("The backup was older than the store it replaced ({replaced} audit events); "
                "the restore is recorded as forced.").format(replaced=result.replaced_size),
              file=sys.stderr)
    emit(args, {"ok": True, "backup_id": result.backup_id, "audit_size": result.audit_size,
                "officers": result.officers, "forced": result.forced,
                "kept_aside": str(result.kept_aside) if result.kept_aside else None})
    return 0


def register(sub: Subparsers) -> None:
    """Add `backup create|verify|restore`."""
    actions = group(sub, "backup", _("back up the store, its keys and evidence; verify; "
                                     "restore"), "backup_command", metavar="ACTION")
    create = command(actions, "create", cmd_create,
                     _("write an encrypted backup to a folder or drive"), login=True)
    create.add_argument("--to", type=Path, required=True, metavar="FOLDER",
                        help=_("the backup folder (its parent must exist)"))
    add_json(create)
    verify = action(actions, "verify", cmd_verify, _("re-read a backup and check every file"))
    verify.add_argument("folder", type=Path, metavar="FOLDER", help=_("the backup folder"))
    # The officer (one listed in the backup) comes from the officer variable or a prompt:
    # `--officer` belongs to commands that log in to a store in `--workdir`.
    verify.set_defaults(officer=None)
    add_json(verify)
    restore = command(actions, "restore", cmd_restore,
                      _("restore a backup into a new folder or over the store (close its "
                        "windows first)"), login=True)
    restore.add_argument("folder", type=Path, metavar="FOLDER", help=_("the backup folder"))
    restore.add_argument("--force", action="store_true",
                         help=_("restore even a backup older than the store it replaces"))
    add_json(restore)
