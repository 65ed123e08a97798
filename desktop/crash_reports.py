"""Crash reports an officer can send to HQ, with no personal data in them.

A bug must be reportable, but the exception's message and the program's values can hold a
party's name, an ID number or a statement's words (a `ValueError` quoting its input, a
`KeyError` naming a record): none of that may reach the disk unencrypted. A report therefore
holds only what the program itself is: its version, the platform, the time, each exception's
type, and the stack as file, line and function. Paths are cut to the program's own part (a
home folder's name can be the officer's name). The full traceback, message included, goes
only to the error output, as before: a terminal, never a file of ours.

Reports go to the platform's log folder for the user (platformdirs' user_log_dir:
`~/.local/state/statement-room/log` on Linux, `%LOCALAPPDATA%\\statement-room\\Logs` on Windows)
or to `STATEMENT_ROOM_LOG_DIR`, owner-only, and only the newest `KEEP_REPORTS` are kept.
"""

from __future__ import annotations

import datetime
import os
import platform
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from desktop import config
from desktop.version import program_version

KEEP_REPORTS = 20
_PREFIX = "crash-"
# Folders whose tail is the program's or a library's own path; what comes before them is the
# machine's (and perhaps the officer's name).
_ANCHORS = ("site-packages", "dist-packages", "_internal", "lib-dynload")
_OWN_PACKAGES = ("desktop", "hardware", "sync", "hq")


def log_folder() -> Path:
    """Where crash reports go on this machine."""
    chosen = config.log_dir()
    if chosen is not None:
        return chosen
    import platformdirs

    return Path(platformdirs.user_log_dir("statement-room", appauthor=False))


def _program_path(filename: str) -> str:
    """The part of a source path that names the program's or a library's file, never the
    folders above it."""
    parts = Path(filename).parts
    for index in range(len(parts) - 1, -1, -1):
        if parts[index] in _ANCHORS:
            return "/".join(parts[index + 1:])
    for index, part in enumerate(parts):
        if part in _OWN_PACKAGES and index < len(parts) - 1:
            return "/".join(parts[index:])
    return Path(filename).name


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and the ones it was raised from or during, innermost last (as Python
    prints them, the first raised comes first)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(seen) < 8 and all(current is not s for s in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return reversed(seen)


def report_text(exc: BaseException, now: datetime.datetime | None = None) -> str:
    """The report of `exc`: types and stack frames only, never a message or a value."""
    now = now or datetime.datetime.now(datetime.UTC)
    lines = [
        "Statement Room crash report",
        f"version: {program_version()}",
        f"installed: {'yes' if getattr(sys, 'frozen', False) else 'no'}",
        f"python: {platform.python_version()}",
        f"platform: {platform.system()} {platform.release()} {platform.machine()}",
        f"time: {now.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "",
    ]
    for number, link in enumerate(_chain(exc)):
        if number:
            lines.append("which led to:")
        kind = type(link)
        lines.append(f"{kind.__module__}.{kind.__qualname__}")
        tb: TracebackType | None = link.__traceback__
        for frame in traceback.extract_tb(tb):
            lines.append(f"  {_program_path(frame.filename)}:{frame.lineno} in {frame.name}")
    lines += ["", "The exceptions' messages and the program's data are left out of this "
              "report: they can hold personal data.", ""]
    return "\n".join(lines)


def write_crash_report(exc: BaseException) -> Path | None:
    """Write `exc`'s report to the log folder; the file, or None when the folder cannot be
    written."""
    text = report_text(exc)
    folder = log_folder()
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{_PREFIX}{stamp}-{os.getpid()}.txt"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        for old in sorted(folder.glob(f"{_PREFIX}*.txt"))[:-KEEP_REPORTS]:
            old.unlink(missing_ok=True)
    except OSError:
        return None
    return target
