"""`statement-room verify-package`: an officer checks a court package with the program, as
Windows' "Open with → 电子笔录室" does (installer/windows/statement-room.nsi). The package is
a real export of a sealed statement in a real store; the command runs in a child process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from desktop.services import export
from tests.cli.helpers import ROOT, run_cli
from tests.conftest import World, sign_as_team
from tests.services.test_signing import all_pages_signed, ready_for_signing


@pytest.fixture
def package(world: World, tmp_path: Path) -> tuple[Path, Path]:
    """A sealed statement's court package and the unit root (kept apart from the package)."""
    ready_for_signing(world, tmp_path / "pki")
    sign_as_team(world, all_pages_signed(world))
    out = tmp_path / "out" / "package.zip"
    out.parent.mkdir()
    export.export_package(world.store, world.statement.id, out)
    root = tmp_path / "unit-root.pem"
    root.write_bytes(world.unit_keys.root_pem)
    return out, root


def test_a_package_verifies_against_the_unit_root(package: tuple[Path, Path]) -> None:
    out, root = package

    run = run_cli("verify-package", str(out), "--root", str(root))

    assert run.returncode == 0, run.stdout + run.stderr
    assert "RESULT: the package verifies" in run.stdout


def test_without_a_root_it_says_trust_was_not_established(
        package: tuple[Path, Path]) -> None:
    out, _root = package

    run = run_cli("verify-package", str(out))

    assert run.returncode == 3, run.stdout + run.stderr
    assert "NOT RUN  no unit root given" in run.stdout
    assert "trust was NOT established" in run.stdout


def test_a_changed_byte_fails_in_chinese_by_default(package: tuple[Path, Path]) -> None:
    out, root = package
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0x01
    out.write_bytes(bytes(data))

    run = run_cli("verify-package", str(out), "--root", str(root),
                  env={"STATEMENT_ROOM_LANG": "zh_CN"})

    assert run.returncode == 1, run.stdout + run.stderr
    assert "结论：证据包未通过校验" in run.stdout


def test_pause_waits_for_enter_before_returning(package: tuple[Path, Path]) -> None:
    out, root = package

    run = subprocess.run(
        [sys.executable, "-m", "desktop", "--lang", "en", "verify-package", "--pause",
         str(out), "--root", str(root)],
        cwd=ROOT, input="\n", capture_output=True, text=True, timeout=120, check=False)

    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.rstrip().endswith("Press Enter to close this window.")
