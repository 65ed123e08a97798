"""HQ's database (and its WAL while open) is HQ's alone, and the admin CLI ends quietly when
its reader closes the pipe (`statement-room-hq records | head`)."""

from __future__ import annotations

import io
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from hq.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_the_database_and_its_wal_are_created_for_hq_only(tmp_path: Path) -> None:
    data = tmp_path / "hq"
    made = subprocess.run([sys.executable, "-m", "hq", "enrol-code", "--data", str(data)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert made.returncode == 0, made.stderr
    files = [data / "hq.db", *data.glob("hq.db-*")]  # the WAL goes at the last close
    for path in files:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path.name} is {oct(mode)}"


class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_pipe_ends_the_listing_without_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    assert main(["enrol-code", "--data", str(tmp_path / "hq")]) == 0
    assert "Traceback" not in capsys.readouterr().err
