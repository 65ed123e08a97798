"""Power-cut safety: SIGKILL the program in the middle of autosaves, many times.

Every save the child reported as done (the moment the GUI would show "saved") must be in the
store afterwards, and SQLite's and SQLCipher's integrity checks must be clean.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time

from desktop.services.audit_trail import verify
from desktop.store.connection import integrity_problems
from desktop.store.store import unlock
from tests.cli.helpers import ROOT
from tests.conftest import PASSWORD, World

KILLS = 15


def run_child_and_kill(world: World, run: int, rng: random.Random) -> list[tuple[str, int, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEMENT_ROOM_")}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.store.crash_child", str(world.paths.workdir), "TEST0001",
         PASSWORD, world.statement.id, str(run)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert child.stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(child.stdout or []), daemon=True)
    reader.start()
    deadline = time.monotonic() + 30
    while "ready\n" not in lines and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "ready\n" in lines, child.stderr.read() if child.stderr else ""
    time.sleep(rng.uniform(0.0, 0.4))  # a random point in the burst of saves
    child.send_signal(signal.SIGKILL)
    child.wait()
    reader.join(timeout=10)
    saves = []
    for line in lines:
        if line.startswith("saved ") and line.endswith("\n"):  # a torn last line is no report
            _tag, turn_id, revision, text = line.rstrip("\n").split(" ", 3)
            saves.append((turn_id, int(revision), text))
    return saves


def test_no_reported_save_is_lost_when_killed(world: World) -> None:
    world.store.close()
    rng = random.Random(20261127)
    reported: list[tuple[str, int, str]] = []
    for run in range(KILLS):
        reported += run_child_and_kill(world, run, rng)
    assert len(reported) > KILLS  # the children really were saving when killed

    store = unlock(world.paths, "TEST0001", PASSWORD)
    try:
        stored = {
            (turn_id, int(revision)): text
            for turn_id, revision, text in store.conn.execute(
                "SELECT turn_id, revision, text FROM turn_revisions").fetchall()
        }
        lost = [(t, r) for t, r, text in reported if stored.get((t, r)) != text]
        assert lost == []
        assert integrity_problems(store.conn) == []
        report = verify(store)
        assert report.ok, report.first_problem()
    finally:
        store.close()
