"""The vault's temporary files: their names, whose they are, and sweeping the abandoned.

A blob is written under a temporary name in the vault folder and renamed to its content name
when whole (`vault_stream`). Two kinds exist:

- ``.tmp-<pid>-<random>.sr1``: an ingest (import, docking, export copy). Abandoned by a crash,
  it is garbage: `sweep_temporaries` removes it once its writer is gone.
- ``.rec-<pid>-<recording id>.sr1``: a recording growing for hours. Its checkpointed prefix
  is evidence after a crash (salvaged at login, `vault_salvage`), so it is never swept.

The writer's pid is in the name so that a store opened by a second window spares what the
first is still writing.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from desktop.store.files import fsync_directory
from desktop.store.vault_format import SUFFIX

TEMP_PREFIX = ".tmp-"
# A recording's blob grows for hours under ``.rec-<pid>-<recording id>.sr1``; its checkpointed
# prefix is evidence after a crash (salvaged, never swept), so `sweep_temporaries` leaves it.
RECORDING_PREFIX = ".rec-"


def recording_temp_name(recording_id: str) -> str:
    """The temporary name of a recording's blob: ``.rec-<pid>-<recording id>.sr1``."""
    if not recording_id or "/" in recording_id or "\\" in recording_id:
        raise ValueError("not a recording id")
    return f"{RECORDING_PREFIX}{os.getpid()}-{recording_id}{SUFFIX}"


# A day-old temporary is abandoned even if its pid has been reused since.
_ORPHAN_AFTER_S = 86400.0


def _owner_alive(name: str) -> bool:
    """Whether the process that named this temporary file is still running."""
    pid_text = name[len(TEMP_PREFIX):].split("-", 1)[0]
    if not pid_text.isdigit():
        return False  # an older or foreign name: nobody claims it
    pid = int(pid_text)
    if os.name != "posix":  # pragma: no cover - os.kill would terminate it on Windows
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's) or cannot tell: spare it
    return True


def sweep_temporaries(
    target_dir: Path, *, min_age_seconds: float = 0.0, orphans_only: bool = False
) -> int:
    """Delete temporary files left by interrupted ingests; return how many were removed.

    With `orphans_only`, a temporary file whose writing process is still alive is spared
    (this is what opening a store does, since another window may be importing right now);
    `min_age_seconds` spares recent ones as well.
    """
    if not target_dir.is_dir():
        return 0
    removed = 0
    now = time.time()
    for entry in target_dir.iterdir():
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        with contextlib.suppress(FileNotFoundError):
            age = now - entry.stat().st_mtime
            if age < min_age_seconds:
                continue
            if orphans_only and age < _ORPHAN_AFTER_S and _owner_alive(entry.name):
                continue
            entry.unlink()
            removed += 1
    if removed:
        fsync_directory(target_dir)
    return removed
