"""The backup folder's format: its authenticated manifest and the checked copying of files.

A backup folder (decision 23) holds one snapshot of the database (`store-<id>.db`, SQLCipher,
keyed with the store's own data key), the key file as it was stored (`keys-<id>.json`: the data
key wrapped under each officer's password with Argon2id, and under HQ's escrow key), the vault's
blobs as they are (`vault/<keyed name>.sr1`, already encrypted) and `statement-room-backup.json`,
the manifest: the SHA-256 and size of every file, the audit log's size and root at the snapshot,
and an HMAC-SHA256 over all of it under a key derived from the store's data key (through the
vault master key, `manifest_key`). Nobody without an officer's password (or HQ's escrow key)
can read the store or forge a manifest; the manifest itself names no person.

The manifest is the backup's commit point: every file it names is written (temporary name,
fsync, rename, directory fsync) and read back before it is replaced, so an interrupted backup
leaves the previous one whole.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from gettext import gettext as _
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from desktop.domain.errors import UserError
from desktop.i18n import os_error_text
from desktop.store.files import atomic_write_bytes, fsync_directory
from desktop.store.vault_format import SUFFIX

MANIFEST_NAME = "statement-room-backup.json"
FORMAT = "statement-room-backup"
VERSION = 1
VAULT = "vault"
TEMP_PREFIX = ".tmp-"
_MANIFEST_INFO = b"statement-room backup manifest v1"
_CHUNK = 1 << 20
_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))

Progress = Callable[[int, int], None]
"""Told (files done, files in all) while a backup is written or checked."""


class BackupError(UserError):
    """The backup cannot be written, read or trusted; nothing already saved was changed."""


class BackupDiskFull(BackupError):
    """The backup's drive (or the store's, when restoring) is full."""


class BackupTampered(BackupError):
    """The manifest fails its authentication: altered, or not this store's."""


def disk_full_message() -> str:
    return _("The backup drive is full. The backup was not completed; the previous backup in "
             "this folder (if any) is kept as it was. Free some space or use a larger drive.")


def write_error(exc: OSError, path: Path) -> BackupError:
    """The translated error for a failed write of `path`."""
    if exc.errno in _FULL:
        return BackupDiskFull(disk_full_message())
    return BackupError(_("{path} cannot be written ({reason}). The backup was not completed; "
                         "nothing already saved was changed.").format(
                             path=path, reason=os_error_text(exc)))


def manifest_key(vault_master_key: bytes, store_id: str) -> bytes:
    """The manifest's MAC key (HKDF-SHA256 from the vault master key); never stored."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=store_id.encode("utf-8"),
                info=_MANIFEST_INFO).derive(vault_master_key)


def is_blob_name(name: str) -> bool:
    stem = name[:-len(SUFFIX)] if name.endswith(SUFFIX) else ""
    return len(stem) == 64 and all(c in "0123456789abcdef" for c in stem)


@dataclass(frozen=True)
class FileEntry:
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    backup_id: str
    store_id: str
    created_at: str  # ISO 8601, the snapshot's time
    created_by: str  # officer id
    audit_size: int
    audit_root: bytes
    schema_version: int
    database: str  # names inside the folder
    key_file: str
    files: dict[str, FileEntry]  # every file, database and key file included

    def body(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "version": VERSION, "backup_id": self.backup_id,
            "store_id": self.store_id, "created_at": self.created_at,
            "created_by": self.created_by,
            "audit": {"size": self.audit_size, "root": self.audit_root.hex()},
            "schema_version": self.schema_version, "database": self.database,
            "key_file": self.key_file,
            "files": {name: {"sha256": e.sha256, "size": e.size}
                      for name, e in sorted(self.files.items())},
        }

    def blobs(self) -> list[str]:
        return [name for name in self.files if name.startswith(VAULT + "/")]


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True).encode("ascii")


def _mac(key: bytes, body: dict[str, Any]) -> str:
    return hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()


def encode_manifest(manifest: Manifest, key: bytes) -> bytes:
    body = manifest.body()
    return json.dumps({"manifest": body, "mac": _mac(key, body)}, indent=1,
                      sort_keys=True).encode("utf-8")


def _not_a_backup(folder: Path) -> BackupError:
    return BackupError(_("{folder} holds no readable Statement Room backup (its manifest "
                         "{name} is missing or damaged).").format(folder=folder,
                                                                  name=MANIFEST_NAME))


def _safe_name(name: str) -> str:
    """A name inside the folder: never absolute, never climbing out of it."""
    parts = name.split("/")
    if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts) \
            or "\\" in name or len(parts) > 2:
        raise ValueError("name outside the backup folder")
    return name


def read_manifest(folder: Path) -> tuple[Manifest, dict[str, Any], str]:
    """The manifest as written, not yet authenticated: (manifest, body, mac).

    Only names and sizes are used before `check_manifest` has checked the MAC (to find the
    key file that holds the wrapped data key the MAC key comes from)."""
    try:
        data = json.loads((folder / MANIFEST_NAME).read_bytes())
        body, mac = data["manifest"], str(data["mac"])
        if body["format"] != FORMAT or body["version"] != VERSION:
            raise ValueError("format")
        files = {_safe_name(str(name)): FileEntry(str(e["sha256"]), int(e["size"]))
                 for name, e in body["files"].items()}
        manifest = Manifest(
            backup_id=str(body["backup_id"]), store_id=str(body["store_id"]),
            created_at=str(body["created_at"]), created_by=str(body["created_by"]),
            audit_size=int(body["audit"]["size"]),
            audit_root=bytes.fromhex(body["audit"]["root"]),
            schema_version=int(body["schema_version"]),
            database=_safe_name(str(body["database"])),
            key_file=_safe_name(str(body["key_file"])), files=files)
        if manifest.database not in files or manifest.key_file not in files:
            raise ValueError("the database or key file is not listed")
    except FileNotFoundError as exc:
        raise BackupError(_("No backup was found in {folder}.").format(folder=folder)) from exc
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _not_a_backup(folder) from exc
    return manifest, body, mac


def check_manifest(body: dict[str, Any], mac: str, key: bytes) -> None:
    """Raise BackupTampered unless the manifest's MAC is right under `key`."""
    if not hmac.compare_digest(_mac(key, body), mac):
        raise BackupTampered(_(
            "The backup's manifest fails its authentication: it was altered, or the backup "
            "belongs to another store. Nothing was restored; do not rely on this backup."))


def write_manifest(folder: Path, manifest: Manifest, key: bytes) -> None:
    path = folder / MANIFEST_NAME
    try:
        atomic_write_bytes(path, encode_manifest(manifest, key))
    except OSError as exc:
        raise write_error(exc, path) from exc


def hash_file(path: Path, *, from_disk: bool = False) -> FileEntry:
    """SHA-256 and size of `path`; with `from_disk`, dropped from the page cache first so the
    read-back sees what the drive holds, not what was just written to memory."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        if from_disk and hasattr(os, "posix_fadvise"):
            with contextlib.suppress(OSError):
                os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return FileEntry(digest.hexdigest(), size)


def copy_file(source: Path, target: Path) -> FileEntry:
    """Copy `source` to `target` durably (temporary name, fsync, rename, directory fsync),
    hashing what was read; returns the copy's hash and size. A failed write leaves no
    temporary and raises a translated BackupError."""
    target.parent.mkdir(exist_ok=True)
    tmp = target.with_name(f"{TEMP_PREFIX}{os.getpid()}-{target.name}")
    digest = hashlib.sha256()
    size = 0
    try:
        with source.open("rb") as src:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
        os.replace(tmp, target)
        fsync_directory(target.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if exc.filename is not None and Path(exc.filename) == source:
            raise BackupError(_("{path} cannot be read ({reason}).").format(
                path=source, reason=os_error_text(exc))) from exc
        raise write_error(exc, target) from exc
    return FileEntry(digest.hexdigest(), size)


@dataclass(frozen=True)
class FileProblem:
    name: str
    message: str


def check_files(folder: Path, manifest: Manifest, *, names: list[str] | None = None,
                progress: Progress | None = None) -> list[FileProblem]:
    """Re-read the files the manifest names (or `names` of them) from the drive; what is
    missing, cut short, or altered."""
    problems: list[FileProblem] = []
    chosen = sorted(manifest.files) if names is None else names
    for done, name in enumerate(chosen, 1):
        expected = manifest.files[name]
        path = folder / name
        try:
            found = hash_file(path, from_disk=True)
        except FileNotFoundError:
            problems.append(FileProblem(name, _("{name} is missing from the backup.").format(
                name=name)))
            continue
        except OSError as exc:
            problems.append(FileProblem(name, _("{name} cannot be read ({reason}).").format(
                name=name, reason=os_error_text(exc))))
            continue
        if found.size != expected.size:
            problems.append(FileProblem(name, _(
                "{name} is truncated or damaged: it holds {found} bytes, the manifest says "
                "{expected}.").format(name=name, found=found.size, expected=expected.size)))
        elif found.sha256 != expected.sha256:
            problems.append(FileProblem(name, _(
                "{name} is damaged or altered: its SHA-256 differs from the manifest's.")
                .format(name=name)))
        if progress is not None:
            progress(done, len(chosen))
    return problems


def remove_temporaries(folder: Path) -> None:
    """Sweep what an interrupted backup or restore of this process left."""
    for directory in (folder, folder / VAULT):
        if not directory.is_dir():
            continue
        for leftover in directory.glob(f"{TEMP_PREFIX}*"):
            with contextlib.suppress(OSError):
                leftover.unlink()
