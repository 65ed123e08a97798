"""SIGKILL a workspace while it types: no text its indicator showed as saved is lost.

A child process (`kill_child.py`) types answers turn after turn into a real workspace on a
real asynchronous background and prints each text the moment its turn shows "Saved". The
test kills it at a random moment, reopens the store and checks every printed text: it is one
of the turn's stored revisions, and the turn's current text is the last one printed for it
or a later save that extends it (typing only appends; a save may have committed after the
indicator last said saved, but none is rolled back).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

from desktop.services import interview
from desktop.store.store import unlock
from tests.conftest import PASSWORD, World

CHILD = Path(__file__).with_name("kill_child.py")


def test_kill_mid_interview_loses_nothing_shown_saved(world: World) -> None:
    seed = random.randrange(1_000_000)
    kill_after = random.Random(seed).randint(5, 80)
    world.store.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(world.paths.workdir), world.case.id,
         world.statement.id, str(seed)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env)
    assert child.stdout is not None
    saved: list[tuple[str, str]] = []
    try:
        while len(saved) < kill_after:
            line = child.stdout.readline()
            if not line:
                _out, err = child.communicate()
                raise AssertionError(f"child ended early (seed {seed}): {err}")
            if line.startswith("SAVED "):
                entry = json.loads(line[len("SAVED "):])
                saved.append((entry["turn"], entry["text"]))
        os.kill(child.pid, signal.SIGKILL)
        # Lines already written before the kill were shown saved too.
        rest, _err = child.communicate()
        for line in rest.splitlines():
            if line.startswith("SAVED "):
                entry = json.loads(line[len("SAVED "):])
                saved.append((entry["turn"], entry["text"]))
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL

    store = unlock(world.paths, "TEST0001", PASSWORD)
    try:
        current = {t.id: t.text for t in interview.get(store, world.statement.id).turns}
        last: dict[str, str] = {}
        for turn_id, text in saved:
            assert turn_id in current, f"seed {seed}: turn {turn_id} lost"
            revisions = {r.text for r in interview.history(store, turn_id)}
            assert text in revisions, f"seed {seed}: {text!r} shown saved, not in the store"
            last[turn_id] = text
        for turn_id, text in last.items():
            assert current[turn_id].startswith(text), (
                f"seed {seed}: {current[turn_id]!r} does not keep {text!r}")
    finally:
        store.close()
