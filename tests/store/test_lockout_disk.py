"""Fail closed: when an attempt cannot be recorded, the password is not checked at all.

Before this, a wrong password on a full disk ended in a traceback with the counter still at
zero while the right one said "disk full": unlimited guesses, each answered right or wrong.
Both tests use a real refusal from the kernel, never a patched write: a small tmpfs filled
to the last byte (needs root), and a child process with RLIMIT_FSIZE.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.domain.errors import UserError
from desktop.store import keys
from desktop.store.keys import KdfParams
from desktop.store.store import AttemptNotRecorded, StorePaths, unlock
from tests.conftest import SECOND_PASSWORD, FakeClock, World

ROOT = Path(__file__).resolve().parents[2]
WRONG = "Wrong2026password"


def _size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


@pytest.fixture
def small_disk(tmp_path: Path, world: World) -> Iterator[Path]:
    """A tmpfs just big enough for a copy of the world's store, plus 2 MiB to fill."""
    world.store.close()
    mount = tmp_path / "small"
    mount.mkdir()
    size = _size(world.paths.workdir) + 2 * 1024 * 1024
    if os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(mount)],
            capture_output=True, check=False).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root; the RLIMIT_FSIZE test covers this")
    try:
        shutil.copytree(world.paths.workdir, mount / "store")
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(mount: Path) -> Path:
    """Write zeros until the file system refuses even one more byte."""
    filler = mount / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for chunk in (65536, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * chunk)
            except OSError:
                continue
    finally:
        os.close(fd)
    return filler


def test_full_or_read_only_disk_answers_right_and_wrong_passwords_alike(
    small_disk: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    derivations: list[KdfParams] = []
    real_kek = keys.password_kek
    monkeypatch.setattr(keys, "password_kek", lambda p, s, params: (
        derivations.append(params), real_kek(p, s, params))[1])
    paths = StorePaths(small_disk / "store")
    before = paths.key_file.read_bytes()
    filler = _fill(small_disk)

    def answers() -> set[tuple[str, str]]:
        seen = set()
        for password in (WRONG, SECOND_PASSWORD, WRONG, SECOND_PASSWORD):
            with pytest.raises(UserError) as refused:
                unlock(paths, "TEST0002", password, clock=clock)
            seen.add((type(refused.value).__name__, refused.value.message))
        return seen

    full = answers()
    assert len(full) == 1
    kind, message = full.pop()
    assert kind == AttemptNotRecorded.__name__
    assert "cannot be recorded" in message and "disk may be full" in message
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    assert answers() == {(kind, message)}
    assert derivations == []  # no password was checked, so none could be told apart
    assert paths.key_file.read_bytes() == before

    subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    filler.unlink()
    store = unlock(paths, "TEST0002", SECOND_PASSWORD, clock=clock)
    assert store.failed_attempts_since_login == 0
    store.close()


def test_file_size_limit_answers_right_and_wrong_passwords_alike(world: World) -> None:
    world.store.close()
    before = world.paths.key_file.read_bytes()
    child = subprocess.run(
        [sys.executable, "-m", "tests.store.lockout_child", str(world.paths.workdir),
         "TEST0002", WRONG, SECOND_PASSWORD, WRONG, SECOND_PASSWORD],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert child.returncode == 0, child.stderr
    outcomes = {tuple(json.loads(line)) for line in child.stdout.splitlines()}
    assert len(outcomes) == 1, outcomes
    kind, message, derived = outcomes.pop()
    assert kind == "AttemptNotRecorded"
    assert "disk may be full" in message
    assert derived == 0
    assert world.paths.key_file.read_bytes() == before
