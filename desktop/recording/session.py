"""A recording in progress: sources push, one encoder thread composes, encodes and checkpoints.

Threads: cameras and the microphone push from their own threads (or a `SyntheticDrive` from the
caller's) into one bounded queue, in the order they push; the encoder thread takes the items in
that order, so a subtitle set between two frames shows from the second one on. Memory is
bounded: at most `MAX_QUEUED_PICTURES` camera pictures wait; a real camera's frame that finds
the queue full is dropped (the picture freezes for a moment, the time stays true), a caller that
asks to wait (the synthetic drive, tests) waits for room instead.

Media time is the front camera's clock: a frame's `at` minus the first frame's, minus the paused
spans, taken when the frame is pushed (so `media_ms()` is where a turn typed now falls). While
paused, frames and sound are dropped; the first frame after resuming continues one frame
interval after the last one, so the file has no gap, while the burned-in clock (the wall time of
the picture: `started_at` + `at` - first `at`) jumps, showing the pause. Sound is placed by its own
`at` on the same clock; small jitter is absorbed, a late or missing microphone is filled with
silence (the sound track never has a hole), an early chunk is trimmed.

A write error (disk full) stops the encoding: `on_failure` gets a translated message, the
vault's temporary file is kept with its last checkpoint for salvage, and `stop()` reports it.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import shutil
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from gettext import gettext as _
from pathlib import Path

import numpy

from desktop.i18n import os_error_text
from desktop.recording.compose import Compositor
from desktop.recording.encoder import FragmentedMp4Encoder
from desktop.recording.settings import RecordingSettings
from desktop.store.vault_stream import (
    Checkpoint,
    StoredBlob,
    VaultWriter,
    recording_temp_name,
)
from hardware.camera.frames import AudioChunk, VideoFrame

MAX_QUEUED_PICTURES = 8
MAX_QUEUED_SOUND = 400  # chunks (20 ms each from a typical microphone: 8 s)
ROOM_STALE_S = 2.0  # an inset older than this is left out (the room camera stopped)
AUDIO_JITTER_S = 0.04  # chunk placement differences below this are absorbed, not patched
AUDIO_LAG_S = 0.5  # sound this far behind the picture is filled with silence
RATE_WINDOW_MS = 10_000

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecorderStatus:
    media_ms: int
    bytes_written: int
    bytes_per_s: float
    free_bytes: int
    minutes_left: float | None
    paused: bool
    low_space: bool
    failure: str | None


@dataclass(frozen=True)
class StoppedRecording:
    blob: StoredBlob | None  # None when the writer failed (then salvage the prefix)
    duration_ms: int
    last_checkpoint: Checkpoint | None
    failure: str | None


@dataclass(frozen=True)
class _Front:
    frame: VideoFrame
    media_ms: int
    wall: datetime


@dataclass(frozen=True)
class _Room:
    frame: VideoFrame


@dataclass(frozen=True)
class _Sound:
    samples: numpy.ndarray  # (n,) int16 mono at the recording's rate
    first_sample: int


@dataclass(frozen=True)
class _Subtitle:
    text: str


_Item = _Front | _Room | _Sound | _Subtitle


def open_writer(vault_dir: Path, master_key: bytes, settings: RecordingSettings,
                recording_id: str) -> VaultWriter:
    """The vault writer a recording needs: its segment size, its ``.rec-`` temporary name."""
    return VaultWriter(vault_dir, master_key, segment_size=settings.segment_size,
                       temp_name=recording_temp_name(recording_id))


def clock_text(media_ms: int) -> str:
    seconds = max(0, media_ms) // 1000
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _to_mono(chunk: AudioChunk, rate: int) -> numpy.ndarray:
    """The chunk as mono int16 at `rate` (channels averaged, linear resampling if needed)."""
    samples = numpy.asarray(chunk.samples)
    if samples.ndim == 2 and samples.shape[1] > 1:
        samples = samples.mean(axis=1)
    samples = samples.reshape(-1)
    if chunk.rate != rate and len(samples):
        count = max(1, round(len(samples) * rate / chunk.rate))
        where = numpy.linspace(0, len(samples) - 1, count)
        samples = numpy.interp(where, numpy.arange(len(samples)), samples)
    return numpy.asarray(samples).astype(numpy.int16, copy=False)


class Recorder:
    """One recording: push pictures, sound and the subtitle; `stop()` seals it in the vault.

    `on_checkpoint(checkpoint, media_ms)` and `on_failure(message)` are called on the encoder
    thread; they must not call back into the recorder's `stop` or `drain`.
    """

    def __init__(self, writer: VaultWriter, settings: RecordingSettings, *,
                 started_at: datetime,
                 on_checkpoint: Callable[[Checkpoint, int], None],
                 on_failure: Callable[[str], None] | None = None) -> None:
        self._writer = writer
        self._settings = settings
        self._started_at = started_at
        self._on_checkpoint = on_checkpoint
        self._on_failure = on_failure
        self._compositor = Compositor(settings.width, settings.height)
        self._encoder = FragmentedMp4Encoder(writer, settings, self._checkpointed)
        self._frame_ms = max(1, round(1000 / settings.fps))
        self._cond = threading.Condition()
        # -- guarded by _cond: the queue and the media clock ----------------------------------
        self._items: deque[_Item | None] = deque()
        self._pictures = 0
        self._sounds = 0
        self._pushed = 0
        self._done = 0
        self._stopping = False
        self._paused = False
        self._resume_pending = False
        self._first_at: float | None = None
        self._offset_s = 0.0  # paused time taken out of the media clock
        self._media_ms = 0
        self._last_front_ms = -1
        self._dropped = 0
        # -- encoder thread state (read by other threads only as whole values) ---------------
        self._room: VideoFrame | None = None
        self._subtitle = ""
        self._audio_next = 0  # samples of sound encoded (the sound track's end)
        self._next_keyframe_ms = 0
        self._encoded_ms = -1
        self._picture: numpy.ndarray | None = None
        self._failure: str | None = None
        self._last_checkpoint: Checkpoint | None = None
        self._checkpoint_ms = 0
        self._rate_lock = threading.Lock()
        self._rate_samples: deque[tuple[int, int]] = deque()  # (media ms, bytes written)
        self._thread = threading.Thread(target=self._run, name="recorder-encoder", daemon=True)
        self._thread.start()

    # -- pushing (any thread) -----------------------------------------------------------------

    def _enqueue(self, item: _Item, picture: bool, wait: bool) -> bool:
        """Queue `item` (the caller holds `_cond`); False when it was dropped."""
        limit, count = ((MAX_QUEUED_PICTURES, self._pictures) if picture
                        else (MAX_QUEUED_SOUND, self._sounds))
        if count >= limit and not isinstance(item, _Subtitle):  # a subtitle never waits
            if not wait:
                self._dropped += 1
                return False
            self._cond.wait_for(lambda: self._stopping or (
                self._pictures if picture else self._sounds) < limit)
            if self._stopping:
                return False
        if picture:
            self._pictures += 1
        elif isinstance(item, _Sound):
            self._sounds += 1
        self._items.append(item)
        self._pushed += 1
        self._cond.notify_all()
        return True

    def push_front(self, frame: VideoFrame, *, wait: bool = False) -> None:
        """A front camera frame; its time drives the media clock. `wait`: block while the
        queue is full instead of dropping the frame (synthetic drives, tests)."""
        with self._cond:
            if self._stopping or self._paused:
                return
            if self._first_at is None:
                self._first_at = frame.at
            elif self._resume_pending:
                # Continue one frame after the last one: the paused span leaves no gap.
                resumed = (self._last_front_ms + self._frame_ms) / 1000
                self._offset_s = frame.at - self._first_at - resumed
            self._resume_pending = False
            media_ms = round((frame.at - self._first_at - self._offset_s) * 1000)
            if media_ms <= self._last_front_ms:
                return  # a repeated or out-of-order frame
            self._last_front_ms = media_ms
            self._media_ms = media_ms
            wall = self._started_at + timedelta(seconds=frame.at - self._first_at)
            self._enqueue(_Front(frame, media_ms, wall), True, wait)

    def push_room(self, frame: VideoFrame, *, wait: bool = False) -> None:
        """A room camera frame: the latest one becomes the inset."""
        with self._cond:
            if self._stopping or self._paused:
                return
            self._enqueue(_Room(frame), True, wait)

    def push_audio(self, chunk: AudioChunk, *, wait: bool = False) -> None:
        """Microphone samples, placed on the media clock by their `at`."""
        samples = _to_mono(chunk, self._settings.audio_rate)
        with self._cond:
            if (self._stopping or self._paused or self._resume_pending
                    or self._first_at is None):
                return  # before the picture starts, or while paused: not recorded
            media_s = chunk.at - self._first_at - self._offset_s
            first = round(media_s * self._settings.audio_rate)
            self._enqueue(_Sound(samples, first), False, wait)

    def set_subtitle(self, text: str) -> None:
        """The question or answer being typed, shown from the next frame on."""
        with self._cond:
            if not self._stopping:
                self._enqueue(_Subtitle(text), False, False)

    def pause(self) -> None:
        """Stop recording pictures and sound; media time stops (the reason is the caller's)."""
        with self._cond:
            self._paused = True

    def resume(self) -> None:
        with self._cond:
            if self._paused:
                self._paused = False
                self._resume_pending = self._first_at is not None

    # -- reading (any thread) -----------------------------------------------------------------

    def media_ms(self) -> int:
        """Media time of the latest front frame pushed (where something said now falls)."""
        with self._cond:
            return self._media_ms

    @property
    def paused(self) -> bool:
        with self._cond:
            return self._paused

    @property
    def dropped_frames(self) -> int:
        with self._cond:
            return self._dropped

    def latest_picture(self) -> numpy.ndarray | None:
        """The last composed frame (read-only), for the preview."""
        return self._picture

    def status(self) -> RecorderStatus:
        with self._rate_lock:
            samples = list(self._rate_samples)
        rate = 0.0
        if len(samples) >= 2 and samples[-1][0] - samples[0][0] >= 1000:
            (ms0, b0), (ms1, b1) = samples[0], samples[-1]
            rate = (b1 - b0) * 1000 / (ms1 - ms0)
        try:
            free = shutil.disk_usage(self._writer.temp_path.parent).free
        except OSError:
            free = 0
        minutes = free / rate / 60 if rate > 0 else None
        with self._cond:
            media_ms, paused = self._media_ms, self._paused
        return RecorderStatus(
            media_ms=media_ms, bytes_written=self._encoder.bytes_written, bytes_per_s=rate,
            free_bytes=free, minutes_left=minutes, paused=paused,
            low_space=minutes is not None and minutes < self._settings.warn_minutes_left,
            failure=self._failure)

    def drain(self) -> None:
        """Wait until everything pushed so far is encoded (or dropped after a failure)."""
        with self._cond:
            self._cond.wait_for(lambda: self._done >= self._pushed)

    # -- the encoder thread -------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._items))
                item = self._items.popleft()
            if item is None:
                return
            try:
                if self._failure is None:
                    self._handle(item)
            except BaseException as exc:  # the vault refused a write, or a bug: stop here
                self._fail(exc)
            finally:
                with self._cond:
                    if isinstance(item, _Front | _Room):
                        self._pictures -= 1
                    elif isinstance(item, _Sound):
                        self._sounds -= 1
                    self._done += 1
                    self._cond.notify_all()

    def _handle(self, item: _Item) -> None:
        if isinstance(item, _Front):
            self._encode_front(item)
        elif isinstance(item, _Room):
            self._room = item.frame
        elif isinstance(item, _Sound):
            self._encode_sound(item.samples, item.first_sample)
        else:
            self._subtitle = item.text

    def _encode_front(self, item: _Front) -> None:
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
        self._note_rate(item.media_ms)

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

    def _note_rate(self, media_ms: int) -> None:
        with self._rate_lock:
            samples = self._rate_samples
            if samples and media_ms - samples[-1][0] < 250:
                return
            samples.append((media_ms, self._encoder.bytes_written))
            while len(samples) > 2 and media_ms - samples[1][0] >= RATE_WINDOW_MS:
                samples.popleft()

    def _checkpointed(self, point: Checkpoint, media_ms: int) -> None:
        self._last_checkpoint = point
        self._checkpoint_ms = media_ms
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

    def stop(self) -> StoppedRecording:
        """Encode what is queued, close the file and seal it in the vault (or keep the temporary
        file's checkpointed prefix after a failure)."""
        with self._cond:  # refuse new pushes; what is queued is still encoded
            self._stopping = True
            self._items.append(None)
            self._cond.notify_all()
        self._thread.join()
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
