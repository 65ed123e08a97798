"""SIGKILL the body-cam import at random moments: each restart resumes, and at every point
the store holds no duplicate and no partial item, and the recorder has lost nothing that is
not verified in the vault.

Each run is the real command (`statement-room evidence import --bodycam URL
--delete-originals`) in its own process, talking to the emulated recorder over its byte
protocol; the recorder's storage is a directory that outlives the processes, as a device's
memory outlives a docking.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from desktop.services import evidence
from desktop.store import dockings
from desktop.store import evidence as records
from desktop.store.store import StorePaths, unlock
from desktop.store.vault_stream import TEMP_PREFIX
from hardware.bodycam.emulator import BodycamEmulator
from tests.conftest import PASSWORD, World

SIZE = 40 << 20  # bytes per synthetic video: copying outlasts starting up and logging in


def _volume(root: Path) -> Path:
    return root / "bodycam-1234567"


def _command(workdir: Path, root: Path, serial: str = "1234567") -> list[str]:
    url = f"emu-bodycam://?root={root}&size={SIZE}&serial={serial}"
    return [sys.executable, "-m", "desktop", "evidence", "import", "--workdir", str(workdir),
            "--bodycam", url, "--delete-originals", "--json"]


def _env(world: World) -> dict[str, str]:
    return {**os.environ, "STATEMENT_ROOM_PASSWORD": PASSWORD,
            "STATEMENT_ROOM_OFFICER": world.admin.certificate_no, "PYTHONDONTWRITEBYTECODE": "1"}


def _check_invariants(world: World, originals: dict[str, bytes], root: Path) -> int:
    """What must hold after any kill; returns how many files the store holds."""
    store = unlock(StorePaths(world.paths.workdir), world.admin.certificate_no, PASSWORD)
    try:
        items = records.all_items(store.conn)
        per_path = collections.Counter(i.device_path for i in items)
        assert all(n == 1 for n in per_path.values()), per_path  # no duplicate
        report = evidence.verify_all(store)
        assert report.ok, [p.message for p in report.problems]  # no partial item
        stored = {i.device_path: i.sha256 for i in items}
        on_device = {str(p.relative_to(_volume(root))) for p in _volume(root).rglob("*")
                     if p.is_file()}
        for rel, content in originals.items():
            # Gone from the device (which exists only after the first unlock): only ever
            # after its vault copy was verified.
            if _volume(root).is_dir() and rel not in on_device:
                assert stored.get(rel) == hashlib.sha256(content).hexdigest(), rel
        vault = records.vault_directory(store.paths.workdir)
        assert not [p for p in vault.iterdir() if p.name.startswith(TEMP_PREFIX)]
        return len(items)
    finally:
        store.close()


def _open_docking_holds_some(world: World) -> bool:
    """Whether the store shows a docking interrupted half-way: open, some files stored."""
    store = unlock(StorePaths(world.paths.workdir), world.admin.certificate_no, PASSWORD)
    try:
        docking = dockings.open_docking(store.conn, "1234567")
        return docking is not None and 0 < len(records.items_for_docking(store.conn,
                                                                           docking.id)) < 7
    finally:
        store.close()


def test_sigkill_at_random_points_then_resume(world: World, tmp_path: Path) -> None:
    world.store.close()
    env = _env(world)
    # Where in time the copying happens here: a login alone, and one whole docking of
    # another recorder (another serial, so other names and content) into the same store.
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "desktop", "evidence", "verify", "--workdir",
                    str(world.paths.workdir), "--json"], env=env, check=True,
                   capture_output=True, timeout=300)
    login = time.monotonic() - start
    start = time.monotonic()
    subprocess.run(_command(world.paths.workdir, tmp_path / "other", "7654321"), env=env,
                   check=True, capture_output=True, timeout=300)
    whole = time.monotonic() - start
    root = tmp_path / "recorder"
    originals = dict(BodycamEmulator(media_size=SIZE).expected_files())
    assert len(originals) == 7

    rng = random.Random(20261127)
    mid_copy = 0
    for _ in range(12):
        proc = subprocess.Popen(_command(world.paths.workdir, root), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.8 * login, whole))
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        _check_invariants(world, originals, root)
        if not killed:
            break  # it finished: nothing left to interrupt
        mid_copy += _open_docking_holds_some(world)
        if mid_copy == 3:
            break
    # The kills did land between files, not only before or after the work (the invariants
    # above are checked whatever the timing was).
    assert mid_copy >= 1

    final = subprocess.run(_command(world.paths.workdir, root), env=env, capture_output=True,
                           text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert json.loads(final.stdout.strip().splitlines()[-1])["ok"] is True
    assert _check_invariants(world, originals, root) == 2 * len(originals)
    # Every file of the recorder is in the store exactly once, with its own bytes, and the
    # recorder was emptied only of verified files (checked above), i.e. of all of them.
    store = unlock(StorePaths(world.paths.workdir), world.admin.certificate_no, PASSWORD)
    try:
        stored = {i.device_path: i.sha256 for i in records.all_items(store.conn)
                  if i.device_serial == "1234567"}
        assert dockings.open_docking(store.conn, "1234567") is None
    finally:
        store.close()
    assert stored == {rel: hashlib.sha256(c).hexdigest() for rel, c in originals.items()}
    assert not [p for p in _volume(root).rglob("*") if p.is_file()]
