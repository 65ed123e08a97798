"""The encoding half of a recording: compose each picture, encode picture and sound, checkpoint.

A `Recorder` (session.py) keeps the media clock and the queue; what it takes off the queue,
in order, it hands to an encoding back end: `Encoding` here does the work in the calling thread
(tests, benchmarks, the headless demo), `ChildEncoding` (child.py) hands it over to a process
of its own that runs an `Encoding` there, so the work never competes with the window for
Python's interpreter lock (decision 47). Both keep the same promises:

- items are handled in the order given; a subtitle shows from the next front picture on;
- sound is placed by its first sample on the media clock: small jitter is absorbed, a late or
  missing microphone is filled with silence (the sound track never has a hole), an early
  chunk is trimmed;
- a checkpoint (a durable prefix and its SHA-256, about once a second of media) is reported
  through `on_checkpoint(checkpoint, media_ms)`;
- a write error (disk full) stops the encoding: `on_failure` gets a translated message, the
  vault's temporary file is kept with its last checkpoint for salvage, and `finish` reports it.
"""

from __future__ import annotations

import contextlib
import errno
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from gettext import gettext as _
from pathlib import Path
from typing import Protocol

import numpy

from desktop.i18n import os_error_text
from desktop.recording.compose import Compositor
from desktop.recording.encoder import FragmentedMp4Encoder
from desktop.recording.settings import RecordingSettings
from desktop.store.vault_stream import Checkpoint, StoredBlob, VaultWriter
from hardware.camera.frames import VideoFrame

ROOM_STALE_S = 2.0  # an inset older than this is left out (the room camera stopped)
AUDIO_JITTER_S = 0.04  # chunk placement differences below this are absorbed, not patched
AUDIO_LAG_S = 0.5  # sound this far behind the picture is filled with silence
RATE_WINDOW_MS = 10_000

_log = logging.getLogger(__name__)

OnCheckpoint = Callable[[Checkpoint, int], None]
OnFailure = Callable[[str], None]


@dataclass(frozen=True)
class StoppedRecording:
    blob: StoredBlob | None  # None when the writer failed (then salvage the prefix)
    duration_ms: int
    last_checkpoint: Checkpoint | None
    failure: str | None


@dataclass(frozen=True)
class FrontItem:
    """A front camera picture at its place on the media clock, with the wall time to burn in."""

    frame: VideoFrame
    media_ms: int
    wall: datetime


@dataclass(frozen=True)
class RoomItem:
    frame: VideoFrame


@dataclass(frozen=True)
class SoundItem:
    samples: numpy.ndarray  # (n,) int16 mono at the recording's rate
    first_sample: int


@dataclass(frozen=True)
class SubtitleItem:
    text: str


Item = FrontItem | RoomItem | SoundItem | SubtitleItem


def clock_text(media_ms: int) -> str:
    seconds = max(0, media_ms) // 1000
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class EncodingBack(Protocol):
    """What a `Recorder` hands its items to (see the module)."""

    def connect(self, on_checkpoint: OnCheckpoint, on_failure: OnFailure | None) -> None:
        """Where checkpoints and a failure are reported (any thread but the caller's of
        `finish`); called once, before the first item."""

    def handle(self, item: Item) -> None:
        """Encode `item` (the recorder's thread, one at a time, in order)."""

    def sync(self) -> None:
        """Return once everything handed over has been encoded (or dropped after a failure)."""

    def finish(self) -> StoppedRecording:
        """After the last item: close the file and seal it in the vault, or report why not."""

    def abort(self) -> None:
        """Nothing was recorded (the recording could not begin): remove the temporary file."""

    @property
    def failure(self) -> str | None: ...

    @property
    def bytes_written(self) -> int: ...

    @property
    def vault_dir(self) -> Path: ...

    def bytes_per_s(self) -> float:
        """Bytes written per second of media over the last few seconds (0 when unknown)."""

    def latest_picture(self) -> numpy.ndarray | None:
        """The last composed picture (read-only; the child's is smaller), for the preview."""


class RateWindow:
    """Bytes written against media time over the last `RATE_WINDOW_MS` (minutes left)."""

    def __init__(self) -> None:
        self._samples: deque[tuple[int, int]] = deque()  # (media ms, bytes written)

    def note(self, media_ms: int, written: int) -> None:
        samples = self._samples
        if samples and media_ms - samples[-1][0] < 250:
            return
        samples.append((media_ms, written))
        while len(samples) > 2 and media_ms - samples[1][0] >= RATE_WINDOW_MS:
            samples.popleft()

    def bytes_per_s(self) -> float:
        samples = list(self._samples)
        if len(samples) >= 2 and samples[-1][0] - samples[0][0] >= 1000:
            (ms0, b0), (ms1, b1) = samples[0], samples[-1]
            return (b1 - b0) * 1000 / (ms1 - ms0)
        return 0.0


class Encoding:
    """The work itself, in the caller's thread: `handle` each item, then `finish`."""

    def __init__(self, writer: VaultWriter, settings: RecordingSettings) -> None:
        self._writer = writer
        self._settings = settings
        self._compositor = Compositor(settings.width, settings.height)
        self._encoder = FragmentedMp4Encoder(writer, settings, self._checkpointed)
        self._frame_ms = max(1, round(1000 / settings.fps))
        self._on_checkpoint: OnCheckpoint | None = None
        self._on_failure: OnFailure | None = None
        self._room: VideoFrame | None = None
        self._subtitle = ""
        self._audio_next = 0  # samples of sound encoded (the sound track's end)
        self._next_keyframe_ms = 0
        self._encoded_ms = -1
        self._picture: numpy.ndarray | None = None
        self._failure: str | None = None
        self._last_checkpoint: Checkpoint | None = None
        self._checkpoint_ms = 0
        self._rate = RateWindow()

    def connect(self, on_checkpoint: OnCheckpoint, on_failure: OnFailure | None) -> None:
        self._on_checkpoint, self._on_failure = on_checkpoint, on_failure

    @property
    def failure(self) -> str | None:
        return self._failure

    @property
    def bytes_written(self) -> int:
        return self._encoder.bytes_written

    @property
    def vault_dir(self) -> Path:
        return self._writer.temp_path.parent

    @property
    def encoded_ms(self) -> int:
        """Media time of the last front picture encoded (-1 before the first)."""
        return self._encoded_ms

    def bytes_per_s(self) -> float:
        return self._rate.bytes_per_s()

    def latest_picture(self) -> numpy.ndarray | None:
        return self._picture

    def sync(self) -> None:
        return  # `handle` returns once its item is encoded

    # -- encoding -----------------------------------------------------------------------------

    def handle(self, item: Item) -> None:
        if self._failure is not None:
            return
        try:
            if isinstance(item, FrontItem):
                self._encode_front(item)
            elif isinstance(item, RoomItem):
                self._room = item.frame
            elif isinstance(item, SoundItem):
                self._encode_sound(item.samples, item.first_sample)
            else:
                self._subtitle = item.text
        except BaseException as exc:  # the vault refused a write, or a bug: stop here
            self._fail(exc)

    def _encode_front(self, item: FrontItem) -> None:
        room = self._room
        if room is not None and abs(room.at - item.frame.at) > ROOM_STALE_S:
            room = None
        picture = self._compositor.compose(item.frame.pixels,
                                           None if room is None else room.pixels,
                                           item.wall, self._subtitle)
        picture.flags.writeable = False
        self._picture = picture
        rate = self._settings.audio_rate
        behind = item.media_ms * rate // 1000 - round(AUDIO_LAG_S * rate) - self._audio_next
        if behind > 0:  # the microphone is silent or gone: keep the sound track whole
            self._silence(behind)
        keyframe = item.media_ms >= self._next_keyframe_ms
        if keyframe:
            self._next_keyframe_ms = (item.media_ms // 1000 + 1) * 1000
        self._encoder.encode_video(picture, item.media_ms, keyframe)
        self._encoded_ms = item.media_ms
        self._rate.note(item.media_ms, self._encoder.bytes_written)

    def _encode_sound(self, samples: numpy.ndarray, first: int) -> None:
        jitter = round(AUDIO_JITTER_S * self._settings.audio_rate)
        if first > self._audio_next + jitter:
            self._silence(first - self._audio_next)
        elif first < self._audio_next - jitter:
            samples = samples[self._audio_next - first:]  # already covered (by silence)
        if len(samples):
            self._encoder.encode_audio(samples, self._audio_next)
            self._audio_next += len(samples)

    def _silence(self, count: int) -> None:
        self._encoder.encode_audio(numpy.zeros(count, dtype=numpy.int16), self._audio_next)
        self._audio_next += count

    def _checkpointed(self, point: Checkpoint, media_ms: int) -> None:
        self._last_checkpoint = point
        self._checkpoint_ms = media_ms
        if self._on_checkpoint is None:
            return
        try:
            self._on_checkpoint(point, media_ms)
        except Exception:  # the prefix is durable either way; an older record still holds
            _log.exception("recording checkpoint callback failed")

    def _fail(self, exc: BaseException) -> None:
        self._failure = self._failure_message(exc)
        self._encoder.fail(exc)
        with contextlib.suppress(Exception):
            self._writer.abandon()  # keep the temporary file: its prefix is the recording
        if self._on_failure is not None:
            try:
                self._on_failure(self._failure)
            except Exception:
                _log.exception("recording failure callback failed")

    def _failure_message(self, exc: BaseException) -> str:
        cause: BaseException | None = self._encoder.sink_failure or exc
        os_error: OSError | None = None
        while cause is not None and os_error is None:
            if isinstance(cause, OSError):
                os_error = cause
            cause = cause.__cause__ or cause.__context__
        kept = clock_text(self._checkpoint_ms)
        if os_error is not None and os_error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return _("The disk is full: the recording stopped. What was recorded up to {time} "
                     "is kept; free some space before recording again.").format(time=kept)
        reason = os_error_text(os_error) if os_error is not None else str(exc) or type(exc).__name__
        return _("The recording stopped ({error}). What was recorded up to {time} is kept."
                 ).format(error=reason, time=kept)

    # -- ending -------------------------------------------------------------------------------

    def finish(self) -> StoppedRecording:
        if self._failure is None:
            try:
                end_ms = self._encoded_ms + self._frame_ms if self._encoded_ms >= 0 else 0
                missing = end_ms * self._settings.audio_rate // 1000 - self._audio_next
                if missing > 0:
                    self._silence(missing)  # sound as long as the picture
                self._encoder.close()
                blob = self._writer.finish()
            except BaseException as exc:
                self._fail(exc)
            else:
                return StoppedRecording(blob=blob, duration_ms=end_ms,
                                        last_checkpoint=self._last_checkpoint, failure=None)
        with contextlib.suppress(Exception):
            self._encoder.close()
        return StoppedRecording(blob=None, duration_ms=self._checkpoint_ms,
                                last_checkpoint=self._last_checkpoint, failure=self._failure)

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._encoder.close()
        self._writer.abort()

    def abandon(self) -> None:
        """Stop where it is and keep the temporary file (the process that asked is gone)."""
        with contextlib.suppress(Exception):
            self._writer.abandon()
