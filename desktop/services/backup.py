"""Backing a store up to a folder or a removable drive, checking a backup, restoring one.

`create_backup` (a logged-in officer, audited as `backup.created`): sign the log's head, take
a consistent snapshot of the database with `VACUUM INTO` (keyed as the store, checked page by
page before it is kept), copy the key file as stored and the vault blobs the folder does not
hold yet, read every new file back from the drive, and only then replace the manifest
(desktop/store/backup.py). `verify_backup` re-reads everything the manifest names.
`restore_backup` (an officer listed in the backup, by password; over an existing store only an
administrator) proves the manifest and every file, checks the snapshot and its whole audit
trail, refuses an older backup (or a different history) over a newer store unless forced,
keeps the replaced files aside, and records `backup.restored` in the restored trail. See
docs/decisions/0023-backup.md.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from gettext import gettext as _
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Action, Outcome
from desktop.store import audit
from desktop.store.backup import (
    MANIFEST_NAME,
    VAULT,
    BackupDiskFull,
    BackupError,
    FileEntry,
    Manifest,
    Progress,
    check_files,
    check_manifest,
    copy_file,
    disk_full_message,
    hash_file,
    is_blob_name,
    manifest_key,
    read_manifest,
    remove_temporaries,
    write_error,
    write_manifest,
)
from desktop.store.connection import SCHEMA_VERSION, StoreFull, integrity_problems
from desktop.store.evidence import vault_directory, vault_master_key
from desktop.store.filelock import exclusive_lock
from desktop.store.keyfile import LOCK_NAME, KeyFileError, load_key_file
from desktop.store.keys import KdfParams, UnwrapError, spend_unwrap_cost, unwrap_with_password
from desktop.store.lockout import WrongCredentials
from desktop.store.store import Store


@dataclass(frozen=True)
class BackupResult:
    backup_id: str
    audit_size: int
    files: int
    new_blobs: int
    kept_blobs: int


@dataclass(frozen=True)
class OpenedBackup:
    """A backup whose manifest was authenticated with an officer's password."""

    folder: Path
    manifest: Manifest
    data_key: bytes
    officer_id: str


def _check_destination(store: Store, destination: Path) -> None:
    workdir = store.paths.workdir.resolve()
    target = destination.resolve()
    if target == workdir or workdir in target.parents or target in workdir.parents:
        raise BackupError(_("A backup cannot be written into the store's own folder (or a "
                            "folder holding it); choose another folder or drive."))
    if not target.parent.is_dir():
        raise BackupError(_("The folder {path} does not exist; create it or choose another.")
                          .format(path=target.parent))


def _previous(store: Store, destination: Path, key: bytes) -> Manifest | None:
    """The folder's current backup, if any: it must be this store's and authentic."""
    if not (destination / MANIFEST_NAME).exists():
        return None
    manifest, body, mac = read_manifest(destination)
    if manifest.store_id != store.store_id:
        raise BackupError(_("{folder} holds a backup of another store; choose an empty folder.")
                          .format(folder=destination))
    check_manifest(body, mac, key)
    return manifest


def _snapshot(store: Store, target: Path) -> tuple[int, bytes, str]:
    """A consistent copy of the database at `target`, checked page by page; its audit size,
    root and time. Taken under the key file's lock, so it matches the key file copied with it
    (adding an officer writes both under that lock)."""
    def vacuum() -> None:
        store.conn.execute("VACUUM INTO ?", (str(target),))

    try:
        store.write(vacuum)
    except UserError as exc:  # a full disk comes back as the store's StoreFull
        with contextlib.suppress(OSError):
            target.unlink()
        if isinstance(exc, StoreFull):
            raise BackupDiskFull(disk_full_message()) from exc
        raise
    conn = store.open_copy(target)
    try:
        problems = integrity_problems(conn)
        size, root = audit.size(conn), audit.root(conn)
    finally:
        conn.close()
    if problems:
        raise BackupError(_("The snapshot of the store failed its check ({problem}); nothing "
                            "was kept. Run `statement-room audit verify`.").format(
                                problem=problems[0]))
    return size, root, store.clock().isoformat(timespec="seconds")


def create_backup(store: Store, destination: Path, *,
                  progress: Progress | None = None) -> BackupResult:
    """Write (or bring up to date) the backup of `store` in `destination`; audited either way."""
    _check_destination(store, destination)
    key = manifest_key(store.vault_key(), store.store_id)
    previous = _previous(store, destination, key)
    backup_id = new_id()
    written: list[Path] = []
    try:
        destination.mkdir(exist_ok=True)
        remove_temporaries(destination)
        # Writes go through `store.write`: in the GUI this runs as long work, off the store lane.
        store.write(store.sign_tree_head)  # the snapshot carries a signed head of its own log
        database, key_name = f"store-{backup_id}.db", f"keys-{backup_id}.json"
        files: dict[str, FileEntry] = {}
        with exclusive_lock(store.paths.key_file.with_name(LOCK_NAME)):
            tmp = destination / f".tmp-{backup_id}-store.db"
            written.append(tmp)
            size, root, at = _snapshot(store, tmp)
            written.append(destination / key_name)
            files[key_name] = copy_file(store.paths.key_file, destination / key_name)
        written.append(destination / database)
        files[database] = _settle(tmp, destination / database)
        new, kept = _copy_vault(store, destination, previous, files, written, progress)
        manifest = Manifest(backup_id, store.store_id, at, store.officer.id, size, root,
                            SCHEMA_VERSION, database, key_name, files)
        # The files written now are read back from the drive; those kept from the previous
        # backup were found with their size by _copy_vault (`backup verify` re-reads them).
        problems = check_files(destination, manifest, names=[database, key_name, *new])
        if problems:
            raise BackupError(_("Reading the backup back failed: {problem} The backup was not "
                                "completed.").format(problem=problems[0].message))
        write_manifest(destination, manifest, key)
        check_manifest(*read_manifest(destination)[1:], key)
    except BaseException as exc:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        remove_temporaries(destination)
        if isinstance(exc, (UserError, OSError)):
            reason = type(exc).__name__
            with contextlib.suppress(Exception):
                store.write(lambda: _record(store, backup_id, Outcome.FAILED, reason=reason))
        if isinstance(exc, OSError):
            raise write_error(exc, destination) from exc
        raise
    if previous is not None:  # the new manifest stands: the superseded snapshot goes
        for name in (previous.database, previous.key_file):
            with contextlib.suppress(OSError):
                (destination / name).unlink()
    digest = hash_file(destination / MANIFEST_NAME).sha256
    store.write(lambda: _record(store, backup_id, Outcome.OK, size=size, files=len(files),
                                new_blobs=len(new), kept_blobs=kept, manifest_sha256=digest))
    return BackupResult(backup_id, size, len(files), len(new), kept)


def _record(store: Store, backup_id: str, outcome: Outcome, **details: str | int) -> None:
    """`backup.created` in the trail: ids, sizes and hashes, never the folder's path (it may
    name a person)."""
    with store.transaction() as tx:
        tx.audit(Action.BACKUP_CREATED, backup_id, outcome, **details)


def _settle(tmp: Path, target: Path) -> FileEntry:
    """fsync the snapshot, hash it and give it its name."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    entry = hash_file(tmp)
    os.replace(tmp, target)
    return entry


def _copy_vault(store: Store, destination: Path, previous: Manifest | None,
                files: dict[str, FileEntry], written: list[Path],
                progress: Progress | None) -> tuple[list[str], int]:
    """Copy the blobs the folder does not hold yet; keep the entries of those it holds."""
    source = vault_directory(store.paths.workdir)
    names = sorted(p.name for p in source.iterdir() if is_blob_name(p.name)) \
        if source.is_dir() else []
    new: list[str] = []
    kept = 0
    for done, name in enumerate(names, 1):
        entry_name = f"{VAULT}/{name}"
        old = previous.files.get(entry_name) if previous is not None else None
        there = destination / entry_name
        if old is not None and there.is_file() and there.stat().st_size == old.size:
            files[entry_name] = old  # content-addressed: same name, same bytes
            kept += 1
        else:
            written.append(there)
            files[entry_name] = copy_file(source / name, there)
            new.append(entry_name)
        if progress is not None:
            progress(done, len(names))
    return new, kept


def open_backup(folder: Path, login: str, password: str) -> OpenedBackup:
    """Authenticate the backup in `folder` with the password of an officer listed in it."""
    manifest, body, mac = read_manifest(folder)
    problems = check_files(folder, manifest, names=[manifest.key_file])
    if problems:
        raise BackupError(problems[0].message)
    try:
        key_file = load_key_file(folder / manifest.key_file)
    except KeyFileError as exc:
        raise BackupError(exc.message) from exc
    entry = key_file.find(login)
    wrong = WrongCredentials(_("The officer is not in this backup or the password is wrong."))
    if entry is None:
        spend_unwrap_cost(password, KdfParams())  # no faster answer for an unknown login
        raise wrong
    try:
        data_key = unwrap_with_password(entry.wrap, password, entry.officer_id.encode())
    except UnwrapError as exc:
        raise wrong from exc
    check_manifest(body, mac, manifest_key(vault_master_key(data_key), manifest.store_id))
    if key_file.store_id != manifest.store_id:
        raise BackupError(_("The backup's key file belongs to another store."))
    return OpenedBackup(folder, manifest, data_key, entry.officer_id)


def verify_backup(folder: Path, login: str, password: str, *,
                  progress: Progress | None = None) -> tuple[Manifest, list[str]]:
    """Authenticate the manifest, then re-read every file; the problems found, in words."""
    opened = open_backup(folder, login, password)
    found = check_files(folder, opened.manifest, progress=progress)
    return opened.manifest, [p.message for p in found]




def verify_with_store(store: Store, folder: Path, *,
                      progress: Progress | None = None) -> tuple[Manifest, list[str]]:
    """`verify_backup` for a backup of the open store: its own key authenticates the manifest
    (the GUI needs no second password)."""
    manifest, body, mac = read_manifest(folder)
    if manifest.store_id != store.store_id:
        raise BackupError(_("{folder} holds a backup of another store.").format(folder=folder))
    check_manifest(body, mac, manifest_key(store.vault_key(), store.store_id))
    found = check_files(folder, manifest, progress=progress)
    return manifest, [p.message for p in found]
