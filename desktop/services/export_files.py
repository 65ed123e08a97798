"""Naming and writing exported files: by case number and statement kind, never over a file
by accident, never into a folder nobody asked for.

Every export of the program (the signed PDF, the court package; the command line and the
windows alike) names its file with `statement_file_name` and writes it through `exporting`
or `write_export`:

- The default name is the case number, the statement's title (询问笔录, 听证笔录, …) and the
  time the interview started, e.g. ``示综执立〔2026〕0001号_询问笔录_20261206-0930.pdf``. The
  party's name and ID number never appear in it: file names travel where the contents do
  not (recent-file lists, a removable drive's listing, an e-mail subject).
- `safe_file_name` makes any such name valid on the file systems an export lands on: the
  characters Windows forbids (``<>:"/\\|?*`` and control characters) become ``_``, trailing
  dots and spaces go, Windows' device names (CON, NUL, COM1, …) get a prefix, and the name
  is cut to a length every file system takes (bytes of UTF-8, on a character boundary).
- `check_target` refuses a folder, a missing parent folder (creating folders silently hides
  a typing error: the file ends up somewhere nobody looks) and an existing file unless the
  caller says `force` (the command line's ``--force``, the window's confirmation), raising
  `ExportTargetExists` for the last so a window can ask and try again.
- `exporting` writes beside the target under a private temporary name (mode 0600), fsyncs
  it and only then puts it in place: without `force` by a hard link, which fails if a file
  of that name appeared meanwhile, so nothing is ever replaced unasked (on file systems
  without hard links, FAT on a USB stick, the existence check just before the rename is
  what remains); with `force` by an atomic rename. A failure leaves no temporary file.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from gettext import gettext as _
from pathlib import Path
from typing import BinaryIO

from desktop.domain.errors import UserError
from desktop.i18n import os_error_text
from desktop.services.templates import load_template
from desktop.store import cases
from desktop.store import statements as repo
from desktop.store.files import fsync_directory
from desktop.store.store import Store


class ExportKind(StrEnum):
    """What an export holds; it decides the file's suffix and the end of its name."""

    SIGNED_PDF = "pdf"
    COURT_PACKAGE = "package"


_SUFFIX = {ExportKind.SIGNED_PDF: ".pdf", ExportKind.COURT_PACKAGE: ".zip"}
_TAIL = {ExportKind.SIGNED_PDF: "", ExportKind.COURT_PACKAGE: "_法庭证据包"}

# Forbidden on Windows (and so on FAT/exFAT/NTFS sticks), plus the C0 controls and DEL.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_SPACES = re.compile(r"\s+")
_DEVICE_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
     *(f"{port}{n}" for port in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³"))})
# ext4, NTFS and FAT's long names all take 255 units; 200 bytes of UTF-8 leaves room for a
# suffix, and for the temporary name `exporting` writes first (".NAME.<12 hex>.tmp").
MAX_NAME_BYTES = 200


def safe_file_name(text: str, *, max_bytes: int = MAX_NAME_BYTES) -> str:
    """`text` as one file name valid on Linux, Windows and removable drives (see above)."""
    name = unicodedata.normalize("NFC", text)
    name = _FORBIDDEN.sub("_", name)
    name = _SPACES.sub(" ", name).strip(" .")
    while len(name.encode("utf-8")) > max_bytes:
        name = name[:-1]
    name = name.rstrip(" .")
    if name.split(".", 1)[0].strip().upper() in _DEVICE_NAMES:
        name = "_" + name
    return name or "_"


def default_file_name(case_number: str, title: str, started_at: datetime,
                      kind: ExportKind) -> str:
    """``<case number>_<title>_<YYYYMMDD-HHMM>[_法庭证据包].<suffix>``, made safe."""
    stem = f"{case_number}_{title}_{started_at:%Y%m%d-%H%M}{_TAIL[kind]}"
    suffix = _SUFFIX[kind]
    return safe_file_name(stem, max_bytes=MAX_NAME_BYTES - len(suffix)) + suffix


def statement_file_name(store: Store, statement_id: str, kind: ExportKind) -> str:
    """The default file name of an export of this statement (`default_file_name`)."""
    statement = repo.get_statement(store.conn, statement_id)
    number = cases.get_case(store.conn, statement.case_id).number
    return default_file_name(number, load_template(statement.kind).title,
                             statement.started_at, kind)


def export_target(out: Path, default_name: str) -> Path:
    """`out` itself, or `default_name` inside it when `out` is an existing folder."""
    return out / default_name if out.is_dir() else out


class ExportTargetExists(UserError):
    """The chosen file exists and the caller did not say to replace it."""

    def __init__(self, path: Path) -> None:
        super().__init__(_("{path} already exists; it is not replaced without "
                           "confirmation.").format(path=path))
        self.path = path


def check_target(path: Path, *, force: bool = False) -> Path:
    """Refuse a target that is a folder, lies in a missing folder, or exists (without
    `force`); the target, to write."""
    if path.is_dir():
        raise UserError(_("{path} is a folder; give the name of the file to write.").format(
            path=path))
    folder = path.parent
    if not folder.exists():
        raise UserError(_("The folder {folder} does not exist; create it first or choose "
                          "another folder.").format(folder=folder))
    if not folder.is_dir():
        raise UserError(_("{folder} is not a folder.").format(folder=folder))
    if not force and (path.exists() or path.is_symlink()):
        raise ExportTargetExists(path)
    return path


def _cannot_write(path: Path, exc: OSError) -> UserError:
    return UserError(_("Cannot write to {path} ({error}).").format(
        path=path, error=os_error_text(exc)))


def _put_in_place(tmp: Path, path: Path, *, force: bool) -> None:
    if force:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)  # fails if the name was taken since check_target: never replaces
    except FileExistsError:
        raise ExportTargetExists(path) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV,
                             errno.EMLINK, errno.ENOSYS):
            raise
        if path.exists() or path.is_symlink():  # no hard links here (FAT): check, rename
            raise ExportTargetExists(path) from None
        os.replace(tmp, path)
        return
    tmp.unlink()


@contextlib.contextmanager
def exporting(path: Path, *, force: bool = False) -> Iterator[BinaryIO]:
    """A file handle whose bytes become `path` when the block ends without an error.

    `check_target` first; errors of the file system become a `UserError` naming the path.
    """
    check_target(path, force=force)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o600)
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _put_in_place(tmp, path, force=force)
        fsync_directory(path.parent)
    except OSError as exc:  # a full disk, a stick pulled out, no permission
        raise _cannot_write(path, exc) from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    sha256: str
    size: int


def write_export(path: Path, data: bytes, *, force: bool = False) -> WrittenFile:
    """Write `data` to `path` as `exporting` does; where it went and its SHA-256."""
    with exporting(path, force=force) as handle:
        handle.write(data)
    return WrittenFile(path, hashlib.sha256(data).hexdigest(), len(data))
