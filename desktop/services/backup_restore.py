"""Restoring a backup (desktop/services/backup.py) into a new folder or over a store.

The order is what keeps everything already saved: prove the backup (manifest MAC under a key
only an officer's password unlocks, every file's SHA-256), copy the snapshot into the target
folder under a temporary name and check it there (page MACs, its log's size and root against
the manifest, the whole audit trail), judge it against what the target already holds, and only
then move the target's files aside (`replaced-<time>/`, nothing is deleted) and put the
restored ones in place. The restored store gets a high-water mark and an anchor for its own
log, is opened by the restoring officer like any login, and records `backup.restored`.

The rollback rule (decision 23): the target's reach is the most audit events named by anything
of the present store: its readable database, every anchor copy (the mirror on another volume
too, even when the folder is empty), the high-water mark and HQ's countersigned head. A
backup holding fewer events, or whose log does not extend them (a different history), is
refused unless forced; a forced restore is recorded with the size it replaced, moves HQ's
countersignature aside with the rest (so the restored store opens), and HQ still refuses the
older trail at the next sync.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from gettext import gettext as _
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.domain.model import Action, Role
from desktop.services.backup import OpenedBackup, open_backup
from desktop.store import audit, countersign, officers
from desktop.store.anchor import Anchor, read_anchor, write_anchor
from desktop.store.audit_verify import verify_trail
from desktop.store.backup import (
    VAULT,
    BackupError,
    Progress,
    check_files,
    copy_file,
    write_error,
)
from desktop.store.connection import Connection, integrity_problems, open_database
from desktop.store.evidence import vault_directory
from desktop.store.files import fsync_directory
from desktop.store.highwater import Mark, MarkDamaged, MarkWriter, mark_key, read_mark
from desktop.store.keyfile import KeyFileError, load_key_file
from desktop.store.store import StorePaths, unlock


class OlderBackup(UserError):
    """The backup is older than (or differs from) the store it would replace."""


@dataclass(frozen=True)
class RestoreResult:
    backup_id: str
    audit_size: int  # the backup's log, before the restore's own events
    replaced_size: int  # the most the replaced store had reached (0: nothing there)
    forced: bool
    kept_aside: Path | None  # where the replaced store's files went
    officers: int


@dataclass(frozen=True)
class _Present:
    reach: int  # the most audit events any record of the present store names
    diverges: bool  # some record names a history the backup's log does not extend
    had_store: bool


def _same_history(backup: Connection, size: int, root: bytes) -> bool:
    """Does the backup's log hold the present log's first `size` events, root and all?"""
    if size > audit.size(backup):
        return True  # the present store is ahead: judged by its size, not here
    try:
        return audit.root_at(backup, size) == root
    except ValueError:
        return False


def _present(paths: StorePaths, backup: Connection, data_key: bytes, store_id: str) -> _Present:
    reach, diverges = 0, False

    def seen(size: int, root: bytes) -> None:
        nonlocal reach, diverges
        reach = max(reach, size)
        diverges = diverges or not _same_history(backup, size, root)

    for path in paths.anchor_mirrors():
        try:
            anchor = read_anchor(path)
        except UserError:  # a damaged copy names nothing we could trust; the others still do
            continue
        if anchor is not None and anchor.store_id == store_id and anchor.is_authentic():
            seen(anchor.head.head.tree_size, anchor.head.head.root_hash)
    with contextlib.suppress(UserError):  # HQ's countersignature names a reach too
        held = countersign.read(paths.countersign)
        if held is not None and held.store_id == store_id and held.is_authentic():
            seen(held.head.head.tree_size, held.head.head.root_hash)
    with contextlib.suppress(MarkDamaged, OSError):
        mark = read_mark(paths.highwater, mark_key(data_key, store_id))
        if mark is not None:
            seen(mark.size, mark.root)
    if paths.database.exists():
        with contextlib.suppress(UserError):  # a damaged store: its outside records speak
            conn = open_database(paths.database, data_key)
            try:
                size = audit.size(conn)
                if size > audit.size(backup):  # ahead: is the backup at least its prefix?
                    backup_size = audit.size(backup)
                    if audit.root_at(conn, backup_size) != audit.root(backup):
                        diverges = True
                    reach = max(reach, size)
                else:
                    seen(size, audit.root(conn))
            finally:
                conn.close()
    return _Present(reach, diverges, paths.exists())


def _judge(present: _Present, backup_size: int, workdir: Path, force: bool) -> None:
    if force:
        return
    if present.diverges:
        raise OlderBackup(_(
            "The store in {workdir} has a different history from the backup's (their audit "
            "trails part ways): restoring would replace records the backup does not hold. "
            "Nothing was restored. To restore it anyway, confirm (`--force`); the store's "
            "files are kept aside.").format(workdir=workdir))
    if present.reach > backup_size:
        raise OlderBackup(_(
            "The backup is older than the store in {workdir}: it holds {backup} audit events, "
            "the store had reached {present}. Restoring it would lose what was recorded since. "
            "Nothing was restored. To restore it anyway, confirm (`--force`); the store's "
            "files are kept aside.").format(workdir=workdir, backup=backup_size,
                                             present=present.reach))


def _check_snapshot(conn: Connection, opened: OpenedBackup) -> Anchor:
    """The staged snapshot is the one the manifest names and its trail verifies; the anchor
    of its own latest signed head."""
    manifest = opened.manifest
    problems = integrity_problems(conn)
    if not problems and (audit.size(conn), audit.root(conn)) != (manifest.audit_size,
                                                                   manifest.audit_root):
        problems = [_("its audit log is not the one the manifest names")]
    if not problems:
        report = verify_trail(conn, manifest.store_id, None)
        problems = [p.message for p in report.problems]
    head = audit.latest_head(conn, manifest.store_id)
    if not problems and head is None:
        problems = [_("it holds no signed tree head")]
    if problems:
        raise BackupError(_("The backup's copy of the store fails its check ({problem}). "
                            "Nothing was restored.").format(problem=problems[0]))
    assert head is not None
    public = audit.device_public_keys(conn)[head.key_id].public_bytes_raw()
    return Anchor(manifest.store_id, head, public)


def _copy_vault(opened: OpenedBackup, target: Path, aside: Path | None) -> None:
    """Put every blob of the backup in the target's vault: linked from the replaced vault
    when it holds the same name and size (content-addressed: the same bytes), else copied
    from the backup and checked against the manifest."""
    target.mkdir(exist_ok=True)
    for name in opened.manifest.blobs():
        entry = opened.manifest.files[name]
        blob = name.split("/", 1)[1]
        there = target / blob
        if there.is_file() and there.stat().st_size == entry.size:
            continue
        old = aside / VAULT / blob if aside is not None else None
        if old is not None and old.is_file() and old.stat().st_size == entry.size:
            with contextlib.suppress(OSError):
                os.link(old, there)
                continue
        if copy_file(opened.folder / name, there) != entry:
            there.unlink()
            raise BackupError(_("{name} changed on the backup drive while it was restored. "
                                "Nothing was restored.").format(name=name))
    fsync_directory(target)


def _store_files(paths: StorePaths) -> tuple[Path, ...]:
    return (paths.database, paths.database.with_name("store.db-wal"),
            paths.database.with_name("store.db-shm"), paths.key_file, paths.anchor,
            paths.highwater, paths.countersign, vault_directory(paths.workdir))


def _move_aside(paths: StorePaths) -> Path:
    """Move the present store's files into `replaced-<time>/` (nothing is deleted)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    aside = paths.workdir / f"replaced-{stamp}"
    aside.mkdir()
    for path in _store_files(paths):
        if path.exists():
            os.replace(path, aside / path.name)
    for number, mirror in enumerate(paths.anchor_mirrors()[1:], 1):
        with contextlib.suppress(OSError):
            (aside / f"anchor-mirror-{number}.json").write_bytes(mirror.read_bytes())
    fsync_directory(paths.workdir)
    return aside


def _move_back(paths: StorePaths, aside: Path) -> None:
    """Undo `_move_aside` after a failed restore: the store is as it was."""
    restored_vault = vault_directory(paths.workdir)
    if restored_vault.is_dir() and (aside / restored_vault.name).is_dir():
        for leftover in restored_vault.iterdir():  # links and copies made for the restore
            with contextlib.suppress(OSError):
                leftover.unlink()
        with contextlib.suppress(OSError):
            restored_vault.rmdir()
    for path in _store_files(paths):
        with contextlib.suppress(OSError):
            if (aside / path.name).exists():
                os.replace(aside / path.name, path)
    with contextlib.suppress(OSError):
        for mirror_copy in aside.glob("anchor-mirror-*.json"):
            mirror_copy.unlink()
        aside.rmdir()


def _remove_staged(*staged: Path) -> None:
    for path in staged:
        for leftover in (path, path.with_name(path.name + "-wal"),
                         path.with_name(path.name + "-shm")):
            with contextlib.suppress(OSError):
                leftover.unlink()


def restore_backup(folder: Path, workdir: Path, login: str, password: str, *,
                   force: bool = False, progress: Progress | None = None) -> RestoreResult:
    """Restore the backup in `folder` into `workdir` (new or holding this store)."""
    opened = open_backup(folder, login, password)
    manifest = opened.manifest
    problems = check_files(folder, manifest, progress=progress)
    if problems:
        raise BackupError(_("The backup is incomplete or damaged; nothing was restored. "
                            "{problems}").format(problems=" ".join(p.message for p in problems)))
    paths = StorePaths(workdir)
    if paths.key_file.exists():
        try:
            other = load_key_file(paths.key_file).store_id != manifest.store_id
        except KeyFileError:
            other = False  # a damaged key file: the database decides below
        if other:
            raise BackupError(_("{workdir} holds a different store; restore into a new folder.")
                              .format(workdir=workdir))
    if not workdir.parent.is_dir():
        raise BackupError(_("The folder {path} does not exist; create it or choose another.")
                          .format(path=workdir.parent))
    created = not workdir.exists()
    workdir.mkdir(exist_ok=True)
    staged = workdir / f".restore-{manifest.backup_id}.db"
    staged_keys = workdir / f".restore-{manifest.backup_id}-keys.json"
    try:
        if copy_file(folder / manifest.database, staged) != manifest.files[manifest.database]:
            raise BackupError(_("The backup changed on its drive while it was restored. Nothing "
                                "was restored."))
        conn = open_database(staged, opened.data_key)
        try:
            anchor = _check_snapshot(conn, opened)
            officer = officers.get_officer(conn, opened.officer_id)
            count = len(officers.list_officers(conn))
            present = _present(paths, conn, opened.data_key, manifest.store_id)
        finally:
            conn.close()
        if present.had_store and officer.role is not Role.ADMIN:
            raise BackupError(_("Only an administrator can restore a backup over a store."))
        _judge(present, manifest.audit_size, workdir, force)
        if copy_file(folder / manifest.key_file, staged_keys) != manifest.files[manifest.key_file]:
            raise BackupError(_("The backup changed on its drive while it was restored. Nothing "
                                "was restored."))
        aside = _move_aside(paths) if present.had_store else None
        try:
            _copy_vault(opened, vault_directory(workdir), aside)
            os.replace(staged, paths.database)
            os.replace(staged_keys, paths.key_file)
            fsync_directory(workdir)
        except BaseException:
            if aside is not None:
                _move_back(paths, aside)
            raise
    except BaseException as exc:
        _remove_staged(staged, staged_keys)
        if created:  # a refused restore leaves no empty folder behind
            with contextlib.suppress(OSError):
                workdir.rmdir()
        if isinstance(exc, OSError):
            raise write_error(exc, workdir) from exc
        raise
    # Forced means a refusal was overridden: recorded, so the trail says what was replaced.
    forced = present.diverges or present.reach > manifest.audit_size
    marks = MarkWriter(paths.highwater, mark_key(opened.data_key, manifest.store_id))
    try:
        marks.write(Mark(manifest.audit_size, manifest.audit_root), wait=True)
    finally:
        marks.close()
    write_anchor(paths.anchor_mirrors(), anchor)
    with unlock(paths, login, password) as store, store.transaction() as tx:
        tx.audit(Action.BACKUP_RESTORED, manifest.backup_id, backup_size=manifest.audit_size,
                 backup_created_at=manifest.created_at, replaced_size=present.reach,
                 forced=forced)
    return RestoreResult(manifest.backup_id, manifest.audit_size, present.reach,
                         forced, aside, count)

