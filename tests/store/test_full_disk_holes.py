"""Issue 11 §6: a full disk during an import, an `init` or a `demo`.

Before: an import on a full disk ended in a traceback (ENOSPC from the vault writer); a failed
`init` or `demo` left a 0-byte store.db, after which `demo` said "no store" and `init` said
"store exists". Real refusals from the kernel: a small tmpfs filled to the last byte (root).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Officer, Role
from desktop.services import evidence
from desktop.store import evidence as records
from desktop.store.store import StorePaths, create_store, unlock
from desktop.store.vault_temporaries import TEMP_PREFIX
from tests.conftest import PASSWORD, FakeClock, World
from tests.store.test_lockout_disk import _fill, small_disk  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def empty_small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mount)],
            capture_output=True, check=False).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _admin() -> Officer:
    return Officer(id=new_id(), name="测试管理员", certificate_no="TEST0001", unit="测试单位",
                   role=Role.ADMIN)


def test_failed_create_on_a_full_disk_leaves_nothing(
    empty_small_disk: Path, clock: FakeClock
) -> None:
    paths = StorePaths(empty_small_disk / "store")
    filler = _fill(empty_small_disk)
    with pytest.raises(UserError, match=r"(?i)disk is full"):
        create_store(paths, _admin(), PASSWORD, clock=clock)
    assert not paths.exists()
    assert not list(paths.workdir.glob("store.db*"))
    filler.unlink()
    create_store(paths, _admin(), PASSWORD, clock=clock).close()  # not "store exists"
    assert paths.database.stat().st_size > 0


def test_init_and_demo_commands_on_a_full_disk(empty_small_disk: Path) -> None:
    filler = _fill(empty_small_disk)
    env = {**os.environ, "STATEMENT_ROOM_PASSWORD": PASSWORD, "PYTHONDONTWRITEBYTECODE": "1"}
    for command in (["init", "--name", "测试管理员", "--certificate", "TEST0001",
                     "--unit", "测试单位"], ["demo"]):
        workdir = empty_small_disk / command[0]
        done = subprocess.run([sys.executable, "-m", "desktop", command[0], "--workdir",
                               str(workdir), *command[1:]], env=env, cwd=ROOT,
                              capture_output=True, text=True, check=False, timeout=300)
        assert done.returncode != 0
        assert "Traceback" not in done.stderr, done.stderr
        assert "disk" in done.stderr.lower() or "磁盘" in done.stderr, done.stderr
        assert not StorePaths(workdir).exists()
    filler.unlink()


def test_import_on_a_full_disk_says_so_and_leaves_no_temporary(
    small_disk: Path, world: World, tmp_path: Path  # noqa: F811
) -> None:
    paths = StorePaths(small_disk / "store")
    big = tmp_path / "big.mp4"
    big.write_bytes(os.urandom(6 << 20))  # more than the 2 MiB left
    store = unlock(paths, world.admin.certificate_no, PASSWORD)
    try:
        with pytest.raises(UserError, match=r"(?i)disk is full"):
            evidence.import_path(store, world.case.id, big)
        vault = records.vault_directory(paths.workdir)
        assert not [p for p in vault.iterdir() if p.name.startswith(TEMP_PREFIX)]
        small = tmp_path / "small.jpg"
        small.write_bytes(os.urandom(1000))
        assert evidence.import_path(store, world.case.id, small).items  # the store still works
    finally:
        store.close()
    env = {**os.environ, "STATEMENT_ROOM_PASSWORD": PASSWORD, "STATEMENT_ROOM_LANG": "en",
           "STATEMENT_ROOM_OFFICER": world.admin.certificate_no, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-m", "desktop", "evidence", "import", "--workdir",
                           str(paths.workdir), "--case", world.case.id, "--path", str(big)],
                          env=env, cwd=ROOT, capture_output=True, text=True, check=False,
                          timeout=300)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    assert "disk is full" in done.stderr.lower(), done.stderr
