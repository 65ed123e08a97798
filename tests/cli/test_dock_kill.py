"""SIGKILL the body-cam import at chosen moments: each restart resumes, and at every point
the store holds no duplicate and no partial item, and the recorder has lost nothing that is
not verified in the vault.

Each run is the real command (`statement-room evidence import --bodycam URL
--delete-originals`) in its own process, talking to the emulated recorder over its byte
protocol; the recorder's storage is a directory that outlives the processes, as a device's
memory outlives a docking. A run is killed on a signal from the child, not after a measured
sleep: the progress line an officer sees as a file starts (`[3/7] NAME`), for a file picked
by a seeded random choice among the large videos, so the kill lands while that file is copied.
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
import tempfile
import threading
from pathlib import Path

from desktop import config
from desktop.services import evidence
from desktop.store import dockings
from desktop.store import evidence as records
from desktop.store.store import StorePaths, unlock
from desktop.store.vault_temporaries import TEMP_PREFIX
from hardware.bodycam.emulator import BodycamEmulator
from tests.conftest import PASSWORD, World

SIZE = 40 << 20  # bytes per synthetic video: copying one outlasts delivering a signal
SERIAL = "1234567"


def _volume(root: Path) -> Path:
    return root / f"bodycam-{SERIAL}"


def _command(workdir: Path, root: Path, serial: str = SERIAL, *, json_output: bool = True
             ) -> list[str]:
    url = f"emu-bodycam://?root={root}&size={SIZE}&serial={serial}"
    return [sys.executable, "-m", "desktop", "evidence", "import", "--workdir", str(workdir),
            "--bodycam", url, "--delete-originals", *(["--json"] if json_output else [])]


def _env(world: World) -> dict[str, str]:
    return {**os.environ, config.PASSWORD: PASSWORD, config.LANGUAGE: "en",
            config.OFFICER: world.admin.certificate_no, "PYTHONDONTWRITEBYTECODE": "1"}


def _run_until_file_starts(command: list[str], env: dict[str, str], name: str) -> bool:
    """Run the import and SIGKILL it as soon as its progress shows that file `name` is being
    taken; whether it was killed (False: it finished without reaching that file)."""
    with tempfile.TemporaryFile("w+") as errors:  # read only if the run fails
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=errors,
                                stdin=subprocess.DEVNULL, text=True)
        # A safety net, not a measurement: a child that hangs silently must not hang the suite.
        watchdog = threading.Timer(300, proc.kill)
        watchdog.start()
        killed = False
        try:
            assert proc.stdout is not None
            for line in proc.stdout:  # "[3/7] 1234567_…_0003.MP4", flushed as a file starts
                if line.startswith("[") and line.rstrip("\n").endswith("] " + name):
                    proc.send_signal(signal.SIGKILL)
                    killed = True
                    break
            proc.stdout.close()
            proc.wait(timeout=60)
        finally:
            watchdog.cancel()
        errors.seek(0)
        assert killed or proc.returncode == 0, errors.read()
    return killed


def _stored_paths(world: World) -> set[str]:
    """The device paths of this recorder's files that the store holds."""
    store = unlock(StorePaths(world.paths.workdir), world.admin.certificate_no, PASSWORD)
    try:
        return {i.device_path for i in records.all_items(store.conn)
                if i.device_serial == SERIAL and i.device_path is not None}
    finally:
        store.close()


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
        docking = dockings.open_docking(store.conn, SERIAL)
        return docking is not None and 0 < len(records.items_for_docking(store.conn,
                                                                           docking.id)) < 7
    finally:
        store.close()


def test_sigkill_at_random_points_then_resume(world: World, tmp_path: Path) -> None:
    world.store.close()
    env = _env(world)
    # One whole docking of another recorder (another serial, so other names and content)
    # into the same store first: the kills below must leave its files alone too.
    subprocess.run(_command(world.paths.workdir, tmp_path / "other", "7654321"), env=env,
                   check=True, capture_output=True, timeout=300)
    root = tmp_path / "recorder"
    originals = dict(BodycamEmulator(media_size=SIZE).expected_files())
    assert len(originals) == 7
    # The videos, in the order the docking takes files: copying one takes long enough that
    # the kill sent when its progress line appears lands while it is being copied.
    videos = [rel for rel in sorted(originals, key=os.fsencode) if len(originals[rel]) >= SIZE]
    assert len(videos) == 3

    def kill_at(rel: str) -> bool:
        killed = _run_until_file_starts(_command(world.paths.workdir, root, json_output=False),
                                        env, Path(rel).name)
        _check_invariants(world, originals, root)
        return killed

    # While the first file is copied: the docking is open and holds nothing yet.
    assert kill_at(videos[0])
    assert not _open_docking_holds_some(world)
    rng = random.Random(20261127)
    mid_copy = 0
    for _ in range(3):
        # A video not stored yet, after at least one file that is: mid-copy, some files kept.
        rel = rng.choice([v for v in videos[1:] if v not in _stored_paths(world)])
        assert kill_at(rel)
        mid_copy += _open_docking_holds_some(world)
    # Every kill landed between stored files, while a file was being copied (the invariants
    # above were checked after each).
    assert mid_copy == 3

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
                  if i.device_serial == SERIAL}
        assert dockings.open_docking(store.conn, SERIAL) is None
    finally:
        store.close()
    assert stored == {rel: hashlib.sha256(c).hexdigest() for rel, c in originals.items()}
    assert not [p for p in _volume(root).rglob("*") if p.is_file()]
