"""The encoding process (decision 47): the same recording as in-process, and what happens when
either side of the pipe goes away."""

from __future__ import annotations

import hashlib
import io
import os
import resource
import signal
import threading
import time
from pathlib import Path

import pytest

from desktop.domain.errors import UserError
from desktop.recording.child import ChildEncoding
from desktop.recording.drive import SyntheticDrive
from desktop.recording.session import Recorder
from desktop.recording.wire import Channel, ChannelClosed
from desktop.store.vault_stream import Checkpoint
from hardware.camera.synthetic import SyntheticCamera, SyntheticMicrophone
from tests.recording.support import KEY, SMALL, STARTED, decode, plaintext, prefix_plaintext

TEMP = ".rec-0-child.sr1"


class Reports:
    def __init__(self) -> None:
        self.checkpoints: list[tuple[Checkpoint, int]] = []
        self.failures: list[str] = []
        self.failed = threading.Event()

    def checkpoint(self, point: Checkpoint, media_ms: int) -> None:
        self.checkpoints.append((point, media_ms))

    def failure(self, message: str) -> None:
        self.failures.append(message)
        self.failed.set()


def _record(vault: Path, reports: Reports) -> tuple[Recorder, SyntheticDrive, ChildEncoding]:
    vault.mkdir(exist_ok=True)
    child = ChildEncoding.start(vault, KEY, SMALL, TEMP)
    recorder = Recorder(child, SMALL, started_at=STARTED, on_checkpoint=reports.checkpoint,
                        on_failure=reports.failure)
    drive = SyntheticDrive(
        recorder, SyntheticCamera(width=SMALL.width, height=SMALL.height, fps=SMALL.fps),
        SyntheticCamera("room", look="room", width=SMALL.width // 4, height=SMALL.height // 4,
                        fps=SMALL.fps),
        SyntheticMicrophone(rate=SMALL.audio_rate))
    return recorder, drive, child


def test_the_child_records_what_the_recorder_pushes(tmp_path: Path) -> None:
    reports = Reports()
    recorder, drive, _child = _record(tmp_path / "vault", reports)
    recorder.set_subtitle("问：你叫什么名字？")
    drive.advance(2.5)
    recorder.drain()
    status = recorder.status()
    assert status.failure is None
    assert status.bytes_written > 0
    picture = recorder.latest_picture()
    assert picture is not None
    assert picture.shape == (SMALL.height, SMALL.width, 3)  # 640 wide: sent as it is
    assert not picture.flags.writeable
    stopped = recorder.stop()
    assert stopped.failure is None
    assert stopped.duration_ms == 2480  # 62 frames of 40 ms
    data = plaintext(stopped)
    decoded, _ = decode(data)
    assert decoded.video_ms == list(range(0, 2480, 40))
    assert decoded.keyframe_ms == [0, 1000, 2000]
    # Every checkpoint reached this side, in order, and names a prefix of the final media.
    assert [ms for _, ms in reports.checkpoints] == sorted(ms for _, ms in reports.checkpoints)
    assert reports.checkpoints
    for point, _ms in reports.checkpoints:
        assert hashlib.sha256(data[:point.offset]).hexdigest() == point.sha256
    assert not list((tmp_path / "vault").glob(".rec-*"))


def test_a_killed_child_fails_the_recording_and_leaves_a_verifiable_prefix(
        tmp_path: Path) -> None:
    reports = Reports()
    recorder, drive, child = _record(tmp_path / "vault", reports)
    drive.advance(2.5)
    recorder.drain()
    assert reports.checkpoints
    os.kill(child.pid, signal.SIGKILL)
    assert reports.failed.wait(30)
    assert "stopped unexpectedly" in reports.failures[0]
    drive.advance(0.5)  # pushing on is harmless: dropped
    stopped = recorder.stop()
    assert stopped.blob is None
    assert stopped.failure == reports.failures[0]
    last = stopped.last_checkpoint
    assert last is not None
    assert last == reports.checkpoints[-1][0]
    prefix = prefix_plaintext(tmp_path / "vault" / TEMP, last.offset)
    assert hashlib.sha256(prefix).hexdigest() == last.sha256
    decoded, _ = decode(prefix)
    assert decoded.video_ms[-1] >= 1000  # the checkpointed seconds play


def test_when_the_recorder_goes_away_the_child_keeps_the_file_and_exits(
        tmp_path: Path) -> None:
    reports = Reports()
    recorder, drive, child = _record(tmp_path / "vault", reports)
    drive.advance(1.5)
    recorder.drain()
    child._to_child.close()  # as the parent's death closes it
    deadline = time.monotonic() + 30
    while child._process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert child._process.poll() == 0
    temp = tmp_path / "vault" / TEMP
    assert temp.exists()  # abandoned for the salvage, not removed
    last = reports.checkpoints[-1][0]
    assert hashlib.sha256(prefix_plaintext(temp, last.offset)).hexdigest() == last.sha256


def test_abort_removes_the_temporary_file(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    child = ChildEncoding.start(vault, KEY, SMALL, TEMP)
    assert (vault / TEMP).exists()
    child.abort()
    assert not (vault / TEMP).exists()
    assert child._process.poll() == 0


def test_a_vault_the_child_cannot_write_is_a_clear_message(tmp_path: Path) -> None:
    blocked = tmp_path / "vault"
    blocked.write_text("not a folder")
    with pytest.raises(UserError, match="The recording could not start"):
        ChildEncoding.start(blocked, KEY, SMALL, TEMP)


def test_a_message_cut_short_is_a_closed_channel_and_a_clean_end_is_none() -> None:
    buffer = io.BytesIO()
    Channel(buffer).send(("front", (2, 2, 3), 0.0), bytes(12))
    whole = buffer.getvalue()
    assert Channel(io.BytesIO(whole)).receive() is not None
    assert Channel(io.BytesIO(b"")).receive() is None
    with pytest.raises(ChannelClosed):
        Channel(io.BytesIO(whole[:-1])).receive()
    with pytest.raises(ChannelClosed):
        Channel(io.BytesIO(whole[:5])).receive()


def test_the_child_never_writes_a_core_file(tmp_path: Path) -> None:
    """It holds the vault key and the pictures: its core size is 0 even when the window's
    process was started with core files allowed."""
    before = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (1 << 20, max(1 << 20, before[1])
                                              if before[1] != resource.RLIM_INFINITY
                                              else resource.RLIM_INFINITY))
    try:
        vault = tmp_path / "vault"
        vault.mkdir()
        child = ChildEncoding.start(vault, KEY, SMALL, TEMP)
    finally:
        resource.setrlimit(resource.RLIMIT_CORE, before)
    try:
        limits = Path(f"/proc/{child.pid}/limits").read_text()
        line = next(row for row in limits.splitlines() if row.startswith("Max core file size"))
        assert line.split()[4:6] == ["0", "0"], line
    finally:
        child.abort()


def test_the_childs_path_gets_a_checkout_but_never_puts_site_packages_first(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import site

    import desktop
    from desktop.recording import child

    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    # Run from a checkout the interpreter does not know: the checkout goes first.
    checkout = tmp_path / "checkout"
    monkeypatch.setattr(desktop, "__file__", str(checkout / "desktop" / "__init__.py"))
    assert child._child_environment()["PYTHONPATH"] == f"{checkout.resolve()}{os.pathsep}/elsewhere"
    # Installed: the interpreter finds the program in its site-packages, after the standard
    # library; the path is left as it was.
    installed = Path(site.getsitepackages()[0])
    monkeypatch.setattr(desktop, "__file__", str(installed / "desktop" / "__init__.py"))
    assert child._child_environment()["PYTHONPATH"] == "/elsewhere"
