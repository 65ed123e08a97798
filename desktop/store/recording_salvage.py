"""Keeping what a recording had durably written when its writer is lost (decisions 44, 45).

A recording grows in the vault under ``.rec-<pid>-<recording id>.sr1`` while its checkpoints
(a prefix of whole segments and its SHA-256, about once a second of media) are recorded in
the store. When the writing process is gone (killed, crashed, the machine lost power), or its
disk filled up, `salvage_recording` seals the furthest recorded checkpoint that still verifies
(`vault_salvage.seal_prefix`: in place, no extra space) and ends the recording as interrupted
with that prefix as its media, an evidence item like any other. A checkpoint whose blob was
already sealed (a salvage killed before its transaction committed) is taken as it is. With
no checkpoint at all nothing was kept, and the recording ends empty, interrupted.

`salvage_at_login` does this at every login for each unfinished recording whose writer
process no longer exists (the pid in its temporary name), before the vault is tidied: a
sealed blob not yet referenced by its evidence item would otherwise look unreferenced.
The recording service (`desktop.services.recording`) uses the same function after a full
disk, for the recording it was making.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.domain.recording import Interruption, Recording
from desktop.store import recordings
from desktop.store.connection import Connection
from desktop.store.evidence import blob_path, vault_directory
from desktop.store.tx import Clock, Tx, transaction
from desktop.store.vault_salvage import seal_prefix
from desktop.store.vault_tidy import ingest_guard

__all__ = ["salvage_at_login", "salvage_recording", "writer_gone"]

_TEMP_NAME = re.compile(r"\.rec-(\d+)-")


def writer_pid(recording: Recording) -> int | None:
    """The pid of the process that wrote the recording, from its temporary name."""
    match = _TEMP_NAME.match(recording.temp_name)
    return int(match.group(1)) if match else None


def writer_gone(recording: Recording) -> bool:
    """Whether no process with the writer's pid exists any more (a pid reused by another
    program keeps the recording waiting until a later login: never sealed under a writer)."""
    pid = writer_pid(recording)
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # a process of another user holds that pid: not ours, alive
        return False
    except OSError:
        return False
    return False


def salvage_recording(tx: Tx, workdir: Path, master_key: bytes, recording: Recording,
                      interruption: Interruption) -> Recording:
    """End `recording` as interrupted with the furthest recorded prefix that verifies (see
    the module); the blob is sealed before the transaction commits, so a crash in between
    leaves a sealed blob the next salvage takes as it is."""
    vault = vault_directory(workdir)
    temp = vault / recording.temp_name
    problems: list[str] = []
    for offset, sha256, media_ms in recordings.checkpoints(tx.conn, recording.id):
        sealed = blob_path(workdir, sha256, master_key)
        if not sealed.is_file():
            if not temp.is_file():
                continue
            try:
                seal_prefix(temp, vault, master_key, offset, sha256)
            except UserError as exc:  # that prefix no longer verifies: try an earlier one
                problems.append(exc.message)
                continue
        return recordings.finish(tx, recording.id, sha256=sha256, size=offset,
                                 duration_ms=media_ms, interruption=interruption)
    ended = recordings.finish_empty(tx, recording.id, interruption=interruption)
    with contextlib.suppress(OSError):  # nothing in it could be verified: nothing to keep
        if not problems:
            temp.unlink()
    return ended


def pending(conn: Connection) -> list[Recording]:
    """The unfinished recordings whose writer is gone (one query when there are none)."""
    return [r for r in recordings.unfinished(conn) if writer_gone(r)]


def salvage_at_login(workdir: Path, conn: Connection, master_key: bytes, clock: Clock,
                     officer_id: str) -> list[Recording]:
    """Salvage every recording left unfinished by a writer that is gone, each in its own
    transaction (audited there as salvaged); the recordings as they ended."""
    ended = []
    for recording in pending(conn):
        # Held until the evidence item is committed: no other window's tidy may take the
        # sealed blob for an unreferenced one meanwhile (vault_tidy).
        with ingest_guard(vault_directory(workdir)), \
                transaction(conn, clock, officer_id) as tx:
            ended.append(salvage_recording(tx, workdir, master_key, recording,
                                           Interruption.CRASH))
    return ended
