"""Device chores of the command line that the window does not need: read one GNSS position,
and find the emulators this user serves on pseudo-terminals.

A pseudo-terminal is never listed by the serial-port enumeration, and probing every
`/dev/pts/N` would read keystrokes from, and write probe bytes to, people's terminals. So
each `statement-room emulate` announces itself in a small file in this user's runtime folder
(`announce_emulator`: the device kind and the pseudo-terminal path, no personal data), removed
when it stops; `served_emulators` lists those whose process still runs. Every device error
leaves as a translated `UserError` (`devices.device_errors`).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from gettext import gettext as _
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.services.devices import device_errors
from hardware import gnss
from hardware.transport import open_port


def read_gnss(port_url: str, *, timeout: float = 10.0) -> gnss.Fix:
    """The first position the receiver at `port_url` vouches for (within `timeout` s)."""
    reader = gnss.NmeaReader()
    deadline = time.monotonic() + timeout
    with device_errors():
        port = open_port(port_url, baudrate=gnss.BAUDRATE, timeout=0.2)
        try:
            while time.monotonic() < deadline:
                fixes = reader.feed(port.read(256))
                if fixes:
                    return fixes[0]
        finally:
            port.close()
    pending = reader.flush()
    if pending:
        return pending[0]
    if reader.sentences:
        raise UserError(_("The GNSS receiver on {port} answers but has no position yet "
                          "(no fix within {seconds:.0f} s); move it to open sky and try "
                          "again.").format(port=port_url, seconds=timeout))
    raise UserError(_("No GNSS sentence arrived from {port} within {seconds:.0f} s.").format(
        port=port_url, seconds=timeout))


@dataclass(frozen=True)
class ServedEmulator:
    """An emulator this user serves now: its kind, its pseudo-terminal, its process."""

    kind: str
    path: str
    pid: int


def _folder() -> Path:
    import warnings

    import platformdirs

    with warnings.catch_warnings():  # without XDG_RUNTIME_DIR it says so; /tmp/runtime-UID is fine
        warnings.simplefilter("ignore")
        runtime = platformdirs.user_runtime_dir("statement-room", appauthor=False)
    return Path(runtime) / "emulators"


@contextlib.contextmanager
def announce_emulator(kind: str, path: str) -> Iterator[None]:
    """Let `served_emulators` find the emulator served at `path` until the block ends."""
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    note = folder / f"{os.getpid()}.json"
    note.write_text(json.dumps({"kind": kind, "path": path, "pid": os.getpid()}),
                    encoding="utf-8")
    try:
        yield
    finally:
        note.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive, but not ours to list
        return False
    return True


def served_emulators() -> list[ServedEmulator]:
    """The emulators announced and still running (notes of stopped ones are removed)."""
    found = []
    folder = _folder()
    for note in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            data = json.loads(note.read_text(encoding="utf-8"))
            served = ServedEmulator(str(data["kind"]), str(data["path"]), int(data["pid"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if _alive(served.pid) and os.path.exists(served.path):
            found.append(served)
        else:  # left by an emulator that was killed
            note.unlink(missing_ok=True)
    return found
