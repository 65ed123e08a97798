"""Backup and restore of the embedded HQ (one SQLite file and a folder of blobs).

`backup` makes an online, consistent copy while HQ serves: first the database through
SQLite's backup API (one read transaction: a snapshot, whatever HQ commits meanwhile), then
every blob file, the staged files of the uploads open in that snapshot, and the keys. Blobs
are immutable once in place and never removed while a record names them, so every blob the
snapshot names is there to copy; the janitor's removal of replaced audit batches waits for
the backup (`janitor.maintenance_lock`). A manifest (`MANIFEST`) lists each file's size and
SHA-256 and is written last: a backup without it is incomplete.

`restore` refuses a damaged backup (a missing manifest, a file missing, of another size or
another SHA-256, a path outside the backup, a database failing SQLite's integrity check) and
a data directory that is not empty; it verifies everything before writing anything, and
again while copying. The restored HQ starts with the same id, keys, records, receipts and
receipt log: devices sync on where the backup left them.

The backup's ``keys/`` holds HQ's master key (it opens every blob) and its receipt signing
key: keep them apart from the blobs (docs/operations/hq-backup.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from gettext import gettext as _
from pathlib import Path

from hq.blobs import fsync_dir
from hq.db import SCHEMA_VERSION
from hq.janitor import maintenance_lock
from hq.state import now_ms

__all__ = ["FORMAT", "MANIFEST", "BackupError", "BackupSummary", "backup", "restore"]

FORMAT = "statement-room-hq-backup/1"
MANIFEST = "manifest.json"
DATABASE = "hq.db"
_COPY_BLOCK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore refused, in words for the operator."""


@dataclass(frozen=True)
class BackupSummary:
    hq_id: str
    files: int
    bytes: int
    created_ms: int | None = None  # when the backup was taken (HQ's clock)


def _copy(source: Path, target: Path) -> tuple[str, int]:
    """Copy ``source`` to a new ``target`` (0600, fsynced); its SHA-256 and size."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    hasher, size = hashlib.sha256(), 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with source.open("rb") as reader:
            while block := reader.read(_COPY_BLOCK):
                hasher.update(block)
                size += len(block)
                view = memoryview(block)
                while view:
                    view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    return hasher.hexdigest(), size


def _digest(path: Path) -> tuple[str, int]:
    hasher, size = hashlib.sha256(), 0
    with path.open("rb") as reader:
        while block := reader.read(_COPY_BLOCK):
            hasher.update(block)
            size += len(block)
    return hasher.hexdigest(), size


def _empty_dir(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def _files(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        yield from sorted(p for p in folder.rglob("*") if p.is_file())


def _snapshot(db_path: Path, target: Path) -> tuple[str, list[str]]:
    """The database copied through SQLite's backup API; HQ's id and the open uploads."""
    source = sqlite3.connect(db_path, timeout=30.0)  # reads only; WAL needs its -shm
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # the backup is one self-contained file
        hq_id = copy.execute("SELECT value FROM meta WHERE key = 'hq_id'").fetchone()
        uploads = [str(r[0]) for r in copy.execute(
            "SELECT id FROM uploads WHERE state = 'open'")]
    finally:
        copy.close()
        source.close()
    if hq_id is None:
        raise BackupError(_("{path} is not an HQ database").format(path=db_path))
    return str(hq_id[0]), uploads


def backup(data_dir: Path, dest: Path) -> BackupSummary:
    """Copy the HQ in ``data_dir`` (serving or not) into the new or empty folder ``dest``."""
    if not (data_dir / DATABASE).is_file():
        raise BackupError(_("{path} holds no HQ database").format(path=data_dir))
    if not _empty_dir(dest):
        raise BackupError(_("{path} is not empty: back up into a new folder").format(
            path=dest))
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    files: list[dict[str, object]] = []
    with maintenance_lock(data_dir, wait=True):
        hq_id, open_uploads = _snapshot(data_dir / DATABASE, dest / DATABASE)
        os.chmod(dest / DATABASE, 0o600)
        digest, size = _digest(dest / DATABASE)
        files.append({"path": DATABASE, "size": size, "sha256": digest})
        staged = [data_dir / "staging" / f"{upload}.part" for upload in open_uploads]
        sources = [*_files(data_dir / "blobs"), *(p for p in staged if p.is_file()),
                   *_files(data_dir / "keys")]
        for source in sources:
            relative = source.relative_to(data_dir)
            digest, size = _copy(source, dest / relative)
            files.append({"path": relative.as_posix(), "size": size, "sha256": digest})
    manifest = {"format": FORMAT, "hq_id": hq_id, "schema_version": SCHEMA_VERSION,
                "created_ms": now_ms(), "files": files}
    temporary = dest / f"{MANIFEST}.part"
    temporary.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    with temporary.open("rb") as written:
        os.fsync(written.fileno())
    os.replace(temporary, dest / MANIFEST)
    for folder in {dest, *(dest / str(f["path"]) for f in files)}:
        fsync_dir(folder if folder.is_dir() else folder.parent)
    return BackupSummary(hq_id, len(files), sum(int(str(f["size"])) for f in files))


def _manifest(src: Path) -> dict[str, object]:
    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError(_("{path} holds no readable backup manifest: not a complete "
                            "backup").format(path=src)) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(
            manifest.get("files"), list):
        raise BackupError(_("{path}: the manifest is not of an HQ backup").format(path=src))
    if int(manifest.get("schema_version", 0)) > SCHEMA_VERSION:
        raise BackupError(_("the backup is of a newer HQ: upgrade HQ first"))
    return manifest


def _entries(src: Path, manifest: dict[str, object]) -> list[tuple[Path, str, int]]:
    """(relative path, sha256, size) of every file, each checked against the backup."""
    entries = []
    files = manifest["files"]
    assert isinstance(files, list)
    for item in files:
        relative = Path(str(item["path"]))
        if relative.is_absolute() or ".." in relative.parts:
            raise BackupError(_("the manifest names a file outside the backup: {path}").format(
                path=relative))
        source = src / relative
        if not source.is_file():
            raise BackupError(_("the backup is damaged: {path} is missing").format(
                path=relative))
        if _digest(source) != (item["sha256"], item["size"]):
            raise BackupError(_("the backup is damaged: {path} is not the file it "
                                "held").format(path=relative))
        entries.append((relative, str(item["sha256"]), int(item["size"])))
    if DATABASE not in {e[0].as_posix() for e in entries}:
        raise BackupError(_("the backup holds no database"))
    return entries


def restore(src: Path, data_dir: Path) -> BackupSummary:
    """Restore the backup in ``src`` into the new or empty ``data_dir``."""
    manifest = _manifest(src)
    if not _empty_dir(data_dir):
        raise BackupError(_("{path} is not empty: restore into a new data directory").format(
            path=data_dir))
    entries = _entries(src, manifest)
    check = sqlite3.connect(f"file:{src / DATABASE}?mode=ro", uri=True)
    try:
        verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        check.close()
    if verdict != "ok":
        raise BackupError(_("the backup's database is damaged: {verdict}").format(
            verdict=verdict))
    created = not data_dir.exists()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(data_dir, 0o700)
    try:
        for relative, sha256, size in entries:
            if _copy(src / relative, data_dir / relative) != (sha256, size):
                raise BackupError(_("the backup changed while it was restored: {path}").format(
                    path=relative))
        for folder in {data_dir, *((data_dir / e[0]).parent for e in entries)}:
            fsync_dir(folder)
    except BaseException:
        # Leave no half-restored HQ that could be started by mistake.
        if created:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            for child in data_dir.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        raise
    taken = manifest.get("created_ms")
    return BackupSummary(str(manifest.get("hq_id")), len(entries), sum(e[2] for e in entries),
                         taken if isinstance(taken, int) else None)
