"""A full disk during recording: the officer is warned early (minutes left at the current
rate), and when the disk refuses the next byte the recording ends as interrupted with
everything up to its last checkpoint kept, sealed in place, and decoding.

Real refusals from the kernel: the world's store copied onto a small tmpfs (root) with only
a few hundred KiB left for the recording (tests/store/test_lockout_disk.py's `small_disk`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop.domain.errors import UserError
from desktop.domain.model import TurnKind
from desktop.domain.recording import Interruption, RecordingState
from desktop.recording.settings import RecordingSettings
from desktop.services import interview, recording
from desktop.store import recordings
from desktop.store.store import StorePaths, unlock
from tests.conftest import PASSWORD, World
from tests.services.recording_support import decoded_seconds, start
from tests.store.test_lockout_disk import small_disk  # noqa: F401 (a fixture)

LEFT_FOR_RECORDING = 600 * 1024
# A busier picture than the other tests' (more bytes a second), still small and quick.
BUSY = RecordingSettings(width=480, height=360, fps=25, bitrate=1_500_000)
MAX_MEDIA_S = 120  # the disk fills long before this; a bound, not a wait


def _leave_free(mount: Path, left: int) -> None:
    """Fill the file system but `left` bytes."""
    free = os.statvfs(mount).f_bavail * os.statvfs(mount).f_frsize
    with (mount / "filler").open("wb") as filler:
        filler.write(b"\0" * max(0, free - left))


def test_a_full_disk_warns_first_and_keeps_what_was_recorded(
        small_disk: Path, world: World) -> None:  # noqa: F811
    paths = StorePaths(small_disk / "store")
    _leave_free(small_disk, LEFT_FOR_RECORDING)
    store = unlock(paths, world.admin.certificate_no, PASSWORD, clock=world.store.clock)
    try:
        rec = start(store, world.statement.id, BUSY)
        warned_at: int | None = None
        minutes_left: list[float] = []
        for step in range(MAX_MEDIA_S * 2):
            rec.drive.advance(0.5)
            status = rec.live.status()
            if status.failure is not None or rec.live.failure is not None:
                break
            if status.minutes_left is not None:
                minutes_left.append(status.minutes_left)
            if status.low_space and warned_at is None:
                warned_at = status.media_ms
            if step == 2:
                interview.add_turn(store, world.statement.id, TurnKind.QUESTION, "车是谁停的？")
        else:
            pytest.fail("the disk never filled up")
        # Warned while recording, well before the end, with the minutes left at this rate.
        assert warned_at is not None and minutes_left and min(minutes_left) < 1.0
        ended = rec.live.stop()
        kept = ended.recording
        assert kept.state is RecordingState.INTERRUPTED
        assert kept.interruption is Interruption.DISK_FULL
        assert kept.sha256 is not None and kept.duration_ms is not None
        offset, sha256, media_ms = recordings.checkpoints(store.conn, kept.id)[0]
        assert (kept.size, kept.sha256, kept.duration_ms) == (offset, sha256, media_ms)
        assert warned_at <= kept.duration_ms
        with recording.open_media(store, kept.id) as media:
            seconds, frames = decoded_seconds(media)
        assert seconds * 1000 >= kept.duration_ms - 1000 and frames > 0
        assert not list((paths.workdir / "vault").glob(".rec-*"))  # sealed in place
        # A recording that ended by itself says so, and takes no more pause.
        with pytest.raises(UserError, match="has ended"):
            rec.live.pause("休息")
    finally:
        store.close()
