"""Issue 11 §6: an import killed after its blob is in the vault but before its record commits
leaves a complete blob that nothing references; the next open removes it, and only it.

The child is the real command (`statement-room evidence import --path FILE`); the test watches
the vault and sends SIGKILL the moment a finished blob appears (the import is then verifying
it, before recording it). Nothing is patched.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.services import evidence
from desktop.store import evidence as records
from desktop.store.store import StorePaths, unlock
from desktop.store.vault_format import SUFFIX
from desktop.store.vault_temporaries import TEMP_PREFIX
from desktop.store.vault_tidy import ingest_guard, tidy_at_open
from tests.conftest import PASSWORD, World

SIZE = 96 << 20  # the verify pass after the rename lasts long enough to be caught


def _blobs(vault: Path) -> set[str]:
    if not vault.is_dir():
        return set()
    return {p.name for p in vault.iterdir()
            if p.name.endswith(SUFFIX) and not p.name.startswith(TEMP_PREFIX)}


def _kill_after_rename(world: World, source: Path, before: set[str]) -> None:
    vault = records.vault_directory(world.paths.workdir)
    env = {**os.environ, "STATEMENT_ROOM_PASSWORD": PASSWORD,
           "STATEMENT_ROOM_OFFICER": world.admin.certificate_no, "PYTHONDONTWRITEBYTECODE": "1"}
    child = subprocess.Popen(
        [sys.executable, "-m", "desktop", "evidence", "import", "--workdir",
         str(world.paths.workdir), "--case", world.case.id, "--path", str(source)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and child.poll() is None:
            if _blobs(vault) - before:
                child.send_signal(signal.SIGKILL)
                break
            time.sleep(0.0005)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
    if child.returncode != -signal.SIGKILL:
        pytest.skip("the import finished before it could be killed in its window")


def test_unreferenced_blob_of_a_killed_import_is_removed_at_open(
    world: World, tmp_path: Path
) -> None:
    kept = tmp_path / "kept.jpg"
    kept.write_bytes(os.urandom(5000))
    evidence.import_path(world.store, world.case.id, kept)
    vault = records.vault_directory(world.paths.workdir)
    before = _blobs(vault)
    world.store.close()

    big = tmp_path / "big.mp4"
    with big.open("wb") as out:
        for _ in range(SIZE >> 20):
            out.write(os.urandom(1 << 20))
    _kill_after_rename(world, big, before)
    orphaned = _blobs(vault) - before
    assert len(orphaned) == 1  # a complete blob, under its final name, that nothing records

    store = unlock(StorePaths(world.paths.workdir), world.admin.certificate_no, PASSWORD)
    try:
        assert _blobs(vault) == before  # the orphan is gone, the referenced blob stays
        assert not [p for p in vault.iterdir() if p.name.startswith(TEMP_PREFIX)]
        report = evidence.verify_all(store)
        assert report.ok and report.checked == 1
    finally:
        store.close()


def test_a_blob_not_yet_recorded_by_a_live_import_is_spared(world: World) -> None:
    """While an ingest holds the guard (blob written, record not yet committed), the sweep
    at open leaves unreferenced blobs alone; once it is released they go."""
    vault = records.vault_directory(world.paths.workdir)
    vault.mkdir(parents=True, exist_ok=True)
    pending = vault / ("ab" * 32 + SUFFIX)
    pending.write_bytes(b"a blob whose record is about to be committed")
    key = world.store.vault_key()
    with ingest_guard(vault):
        assert tidy_at_open(world.paths.workdir, world.store.conn, key).unreferenced == 0
        assert pending.exists()
    assert tidy_at_open(world.paths.workdir, world.store.conn, key).unreferenced == 1
    assert not pending.exists()
