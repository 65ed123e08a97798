"""A recording survives its process: SIGKILL mid-recording, and a disk that refuses writes.

The child (record_child.py) records synthetic media into a real vault; what it reports about
its checkpoints is what the store records in production. Afterwards the temporary file holds
the last checkpoint's prefix: it decrypts, hashes as recorded, and plays to within two seconds
of the moment the recording was interrupted.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.recording.support import decode, prefix_plaintext

CHILD = Path(__file__).with_name("record_child.py")
ROOT = Path(__file__).resolve().parents[2]


def _child(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LANGUAGE": "en"}
    return subprocess.Popen([sys.executable, str(CHILD), *args], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None


def test_sigkill_leaves_a_verifiable_prefix_within_two_seconds(tmp_path: Path) -> None:
    vault, side = tmp_path / "vault", tmp_path / "side"
    side.mkdir()
    child = _child(str(vault), str(side), "kill")
    try:
        deadline = time.monotonic() + 180
        while True:  # kill late in a checkpoint's cycle: the worst moment short of a race
            assert child.poll() is None, child.communicate()[1].decode()
            assert time.monotonic() < deadline, "the child never checkpointed three times"
            points = _read(side / "checkpoints.json") or []
            progress = _read(side / "progress.json")
            if (len(points) >= 3 and progress is not None
                    and progress["media_ms"] - points[-1]["media_ms"] >= 800):
                break
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL
    last = _read(side / "checkpoints.json")[-1]
    # The progress file lags the pushes by at most its 20 ms period and one frame.
    media_at_kill = _read(side / "progress.json")["media_ms"] + 60
    temps = [p for p in vault.iterdir() if p.name.startswith(".rec-")]
    assert len(temps) == 1
    prefix = prefix_plaintext(temps[0], last["offset"])
    assert hashlib.sha256(prefix).hexdigest() == last["sha256"]
    decoded, _ = decode(prefix)
    end_ms = decoded.video_ms[-1] + 40
    assert end_ms >= last["media_ms"]
    assert end_ms >= media_at_kill - 2000, (end_ms, media_at_kill)
    assert decoded.keyframe_ms[:3] == [0, 1000, 2000]


def test_a_full_disk_stops_the_recording_and_keeps_the_last_checkpoint(tmp_path: Path) -> None:
    vault, side = tmp_path / "vault", tmp_path / "side"
    side.mkdir()
    child = _child(str(vault), str(side), "full", str(600_000))
    _out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err.decode()
    result = _read(side / "result.json")
    assert not result["blob"]
    assert result["failures"] == [result["failure"]]
    assert "The disk is full: the recording stopped." in result["failure"]
    offset, sha = result["last_checkpoint"]
    points = _read(side / "checkpoints.json")
    assert [points[-1]["offset"], points[-1]["sha256"]] == [offset, sha]
    assert result["duration_ms"] == points[-1]["media_ms"] > 0
    temp = Path(result["temp"])
    assert temp.exists()  # kept for salvage, not removed like a failed import
    prefix = prefix_plaintext(temp, offset)
    assert hashlib.sha256(prefix).hexdigest() == sha
    decoded, _ = decode(prefix)
    assert decoded.video_ms[-1] + 40 == points[-1]["media_ms"]
