"""Issue 11 §4: a damaged or deleted WAL must not lose acknowledged saves silently.

A child process saves, reports each save and is SIGKILLed, leaving its commits in
`store.db-wal`. Then the WAL's header or first frame gets one flipped bit, or the WAL is
deleted: SQLite takes a bad checksum as the end of the log and opens the older state. Login
must refuse it and `audit verify` must name the loss; a crash with the WAL intact still
loses nothing and verifies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.services.audit_trail import verify
from desktop.store.store import SavesLost, unlock
from tests.cli.helpers import ROOT, run_cli
from tests.conftest import PASSWORD, World

SAVES = 25
EXIT_SAVES_LOST = 3
ADMIN = {"STATEMENT_ROOM_OFFICER": "TEST0001", "STATEMENT_ROOM_PASSWORD": PASSWORD}
WAL_HEADER = 32
FRAME_HEADER = 24


def crash_after_saves(world: World) -> list[tuple[str, int, str]]:
    world.store.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEMENT_ROOM_")}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.store.wal_child", str(world.paths.workdir), "TEST0001",
         PASSWORD, world.statement.id, str(SAVES)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None
    saves = []
    for line in child.stdout:
        if line == "done\n":
            break
        _tag, turn_id, revision, text = line.rstrip("\n").split(" ", 3)
        saves.append((turn_id, int(revision), text))
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert len(saves) == SAVES, child.stderr.read() if child.stderr else ""
    assert (world.paths.workdir / "store.db-wal").stat().st_size > WAL_HEADER
    return saves


def flip_bit(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x10
    path.write_bytes(bytes(data))


def page_size(wal: Path) -> int:
    return int.from_bytes(wal.read_bytes()[8:12], "big")


def damage(workdir: Path, how: str) -> None:
    wal = workdir / "store.db-wal"
    if how == "header":
        flip_bit(wal, 16)  # salt-1: every frame's checksum now fails
    elif how == "first-frame":
        flip_bit(wal, WAL_HEADER + FRAME_HEADER + 100)  # inside the first frame's page
    elif how == "frame":
        flip_bit(wal, WAL_HEADER + 2 * (FRAME_HEADER + page_size(wal)) + FRAME_HEADER + 7)
    else:
        wal.unlink()
        (workdir / "store.db-shm").unlink(missing_ok=True)


@pytest.mark.parametrize("how", ["header", "first-frame", "frame", "deleted"])
def test_damaged_or_deleted_wal_is_named_at_login_and_by_verify(world: World, how: str) -> None:
    crash_after_saves(world)
    damage(world.paths.workdir, how)
    with pytest.raises(SavesLost, match=r"acknowledged saves .* lost"):
        unlock(world.paths, "TEST0001", PASSWORD)
    run = run_cli("audit", "verify", "--workdir", str(world.paths.workdir), env=ADMIN)
    assert "Traceback" not in run.stderr
    assert run.returncode == EXIT_SAVES_LOST, run.stdout + run.stderr
    assert "acknowledged saves" in run.stderr and "lost" in run.stderr
    again = run_cli("audit", "verify", "--workdir", str(world.paths.workdir), env=ADMIN)
    assert again.returncode == EXIT_SAVES_LOST  # verifying did not paper over the loss


def test_a_clean_crash_loses_nothing_and_verifies(world: World) -> None:
    saves = crash_after_saves(world)
    store = unlock(world.paths, "TEST0001", PASSWORD)
    try:
        stored = {(t, int(r)): text for t, r, text in store.conn.execute(
            "SELECT turn_id, revision, text FROM turn_revisions").fetchall()}
        assert [s for s in saves if stored.get((s[0], s[1])) != s[2]] == []
        report = verify(store)
        assert report.ok, report.first_problem()
    finally:
        store.close()
    run = run_cli("audit", "verify", "--workdir", str(world.paths.workdir), env=ADMIN)
    assert run.returncode == 0, run.stderr
