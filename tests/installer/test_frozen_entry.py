"""The program's entry as the installed (frozen) program uses it, checked from the source tree:
the encoding child started through the entry's hidden argument records for real, the frozen
program asks for it that way, the window's smoke hook shows what the officer sees, and the
demo's HQ, which the installed program does not carry, is refused with a message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import desktop.__main__ as entry
from desktop.domain.errors import UserError
from desktop.recording import child
from desktop.services import demo_hq
from tests.recording.support import decode, plaintext
from tests.recording.test_child import Reports, _record

ROOT = Path(__file__).resolve().parents[2]


def test_the_frozen_program_starts_itself_as_the_encoding_child(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert child.worker_command() == [sys.executable, "-m", "desktop.recording.worker"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert child.worker_command() == [sys.executable, entry.RECORDING_WORKER]


def test_the_entrys_hidden_argument_runs_a_real_recording(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What the frozen program runs (`statement-room --recording-worker`), through this entry.
    monkeypatch.setattr(child, "worker_command",
                        lambda: [sys.executable, "-m", "desktop", entry.RECORDING_WORKER])
    reports = Reports()
    recorder, drive, _child = _record(tmp_path / "vault", reports)
    drive.advance(1.5)
    recorder.drain()
    stopped = recorder.stop()
    assert stopped.failure is None
    assert stopped.duration_ms == 1520  # 38 frames of 40 ms
    decoded, _ = decode(plaintext(stopped))
    assert decoded.video_ms == list(range(0, 1520, 40))
    assert reports.checkpoints and not reports.failures


def test_the_window_smoke_hook_prints_the_first_run_window_and_quits(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEMENT_ROOM_")}
    env.update({"QT_QPA_PLATFORM": "offscreen", "STATEMENT_ROOM_QUIT_AFTER_MS": "500",
                "PYTHONPATH": str(ROOT)})
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "--lang", "zh_CN", "--workdir", str(tmp_path / "new")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 0, done.stderr
    windows = [line for line in done.stdout.splitlines() if line.startswith("window: ")]
    assert windows == ["window: 电子笔录室：首次运行设置"]


def test_the_installed_program_refuses_the_demos_hq_with_a_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    with pytest.raises(UserError, match="--no-hq"):
        demo_hq._hq_command(tmp_path, "enrol-code")
