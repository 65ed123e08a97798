"""Putting the vault folder in order when a store opens, and the lock that makes it safe.

At open, once the store has said which contents it references (`evidence_items.sha256`):

1. temporaries of interrupted ingests whose writer is gone are removed (`sweep_temporaries`);
2. blobs still under the pre-amendment name ``<sha256>.sr1`` are renamed to their keyed name
   (decision 10, amendment: the plain SHA-256 in a file name lets anyone who can list the
   folder confirm that the store holds a file they already have); a crash half-way is harmless,
   each rename being atomic and the pass repeated at every open;
3. complete blobs that no evidence record references are removed: an ingest killed after the
   rename of its blob but before its record committed leaves one (a 300 MB file, say). Not
   while a recording is unfinished in the store (decision 44): a recorder or a salvage
   killed after renaming the recording's blob and before recording it as evidence leaves
   the only copy of that recording, which salvage at login finds and records; the blobs
   wait for the next open after it.

Step 3 must never touch a blob being written or just written but not yet recorded. Every
ingest holds a shared lock on ``.vault-ingest.lock`` beside the vault (`ingest_guard`) from
before its blob is written until its record is committed (or it gave up); the sweep runs only
if it can take the
lock exclusively at once, and lists the folder and reads the references while holding it, so
no ingest is between "blob renamed" and "record committed" anywhere. The kernel drops the lock
of a killed process. Where flock is missing (Windows builds), step 3 is skipped.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from desktop.store.connection import Connection
from desktop.store.evidence import vault_directory
from desktop.store.files import fsync_directory
from desktop.store.vault_format import SUFFIX, blob_name, naming_key
from desktop.store.vault_temporaries import TEMP_PREFIX, sweep_temporaries

LOCK_NAME = ".vault-ingest.lock"  # beside the vault folder, so its listing holds only blobs
_BLOB = re.compile(r"[0-9a-f]{64}" + re.escape(SUFFIX))


@dataclass(frozen=True)
class TidyReport:
    temporaries: int = 0
    renamed: int = 0
    unreferenced: int = 0


if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds only

    @contextlib.contextmanager
    def ingest_guard(vault: Path) -> Iterator[None]:
        yield

    @contextlib.contextmanager
    def _exclusive_now(vault: Path) -> Iterator[bool]:
        yield False

else:
    import fcntl

    @contextlib.contextmanager
    def ingest_guard(vault: Path) -> Iterator[None]:
        """Hold for one ingest, from before its blob is written until its record commits."""
        vault.mkdir(parents=True, exist_ok=True)
        fd = os.open(vault.parent / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    @contextlib.contextmanager
    def _exclusive_now(vault: Path) -> Iterator[bool]:
        """True while no ingest holds the guard anywhere (and none can start)."""
        try:
            fd = os.open(vault.parent / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            yield False
            return
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                yield False
                return
            yield True
        finally:
            os.close(fd)


def tidy_at_open(workdir: Path, conn: Connection, master_key: bytes) -> TidyReport:
    """Sweep temporaries, rename old-named blobs, remove unreferenced ones (see the module).

    A problem with the folder (read-only, vanished) never stops the store from opening: what
    could not be done now is done at the next open.
    """
    vault = vault_directory(workdir)
    if not vault.is_dir():
        return TidyReport()
    with contextlib.suppress(OSError):
        temporaries = sweep_temporaries(vault, orphans_only=True)
        with _exclusive_now(vault) as exclusive:
            renamed, unreferenced = _names(vault, conn, master_key,
                                           remove=exclusive and not _recording_unfinished(conn))
        return TidyReport(temporaries, renamed, unreferenced)
    return TidyReport()


def _recording_unfinished(conn: Connection) -> bool:
    row = conn.execute("SELECT 1 FROM recordings WHERE state = 'recording' LIMIT 1").fetchone()
    return row is not None


def _names(vault: Path, conn: Connection, master_key: bytes, *, remove: bool) -> tuple[int, int]:
    names = {e.name for e in vault.iterdir() if _BLOB.fullmatch(e.name)}
    shas = {str(r[0]) for r in conn.execute("SELECT DISTINCT sha256 FROM evidence_items")}
    key = naming_key(master_key)
    wanted = {blob_name(master_key, sha, key=key) for sha in shas}
    renamed = unreferenced = 0
    for sha in shas:
        old = f"{sha}{SUFFIX}"
        if old not in names:
            continue
        new = blob_name(master_key, sha, key=key)
        with contextlib.suppress(FileNotFoundError):  # another window migrated it first
            if new in names:
                (vault / old).unlink()  # a copy of the same content under its old name
            else:
                os.replace(vault / old, vault / new)
                names.add(new)
            renamed += 1
        names.discard(old)
    if remove:
        for name in sorted(names - wanted):
            if name.startswith(TEMP_PREFIX):
                continue
            with contextlib.suppress(FileNotFoundError):
                (vault / name).unlink()
                unreferenced += 1
    if renamed or unreferenced:
        fsync_directory(vault)
    return renamed, unreferenced
