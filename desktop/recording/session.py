"""A recording in progress: sources push, one thread hands the items to the encoding, in order.

Threads: cameras and the microphone push from their own threads (or a `SyntheticDrive` from the
caller's) into one bounded queue, in the order they push; the recorder's thread takes the items
in that order and hands them to its encoding back end (encoding.py: the work in this process,
or child.py: in a process of its own), so a subtitle set between two frames shows from the
second one on. Memory is bounded: at most `MAX_QUEUED_PICTURES` camera pictures wait; a real
camera's frame that finds the queue full is dropped (the picture freezes for a moment, the time
stays true), a caller that asks to wait (the synthetic drive, tests) waits for room instead.

Media time is the front camera's clock: a frame's `at` minus the first frame's, minus the paused
spans, taken when the frame is pushed (so `media_ms()` is where a turn typed now falls). While
paused, frames and sound are dropped; the first frame after resuming continues one frame
interval after the last one, so the file has no gap, while the burned-in clock (the wall time of
the picture: `started_at` + `at` - first `at`) jumps, showing the pause. Sound is placed by its own
`at` on the same clock (the encoding absorbs jitter and fills silence).

A write error (disk full) stops the encoding: `on_failure` gets a translated message, the
vault's temporary file is kept with its last checkpoint for salvage, and `stop()` reports it.
"""

from __future__ import annotations

import shutil
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy

from desktop.recording.encoding import (
    Encoding,
    EncodingBack,
    FrontItem,
    Item,
    RoomItem,
    SoundItem,
    StoppedRecording,
    SubtitleItem,
)
from desktop.recording.settings import RecordingSettings
from desktop.store.vault_stream import Checkpoint, VaultWriter
from desktop.store.vault_temporaries import recording_temp_name
from hardware.camera.frames import AudioChunk, VideoFrame

MAX_QUEUED_PICTURES = 8
MAX_QUEUED_SOUND = 400  # chunks (20 ms each from a typical microphone: 8 s)


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


def open_writer(vault_dir: Path, master_key: bytes, settings: RecordingSettings,
                recording_id: str) -> VaultWriter:
    """The vault writer a recording needs: its segment size, its ``.rec-`` temporary name."""
    return VaultWriter(vault_dir, master_key, segment_size=settings.segment_size,
                       temp_name=recording_temp_name(recording_id))


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

    `target` is the vault writer to encode into in this process, or an encoding back end (a
    `ChildEncoding`: the work in a process of its own). `on_checkpoint(checkpoint, media_ms)`
    and `on_failure(message)` are called on a thread of the recorder's; they must not call
    back into the recorder's `stop` or `drain`.
    """

    def __init__(self, target: VaultWriter | EncodingBack, settings: RecordingSettings, *,
                 started_at: datetime,
                 on_checkpoint: Callable[[Checkpoint, int], None],
                 on_failure: Callable[[str], None] | None = None) -> None:
        self._back: EncodingBack = (Encoding(target, settings)
                                    if isinstance(target, VaultWriter) else target)
        self._back.connect(on_checkpoint, on_failure)
        self._settings = settings
        self._started_at = started_at
        self._frame_ms = max(1, round(1000 / settings.fps))
        self._cond = threading.Condition()
        # -- guarded by _cond: the queue and the media clock ----------------------------------
        self._items: deque[Item | None] = deque()
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
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        self._thread.start()

    # -- pushing (any thread) -----------------------------------------------------------------

    def _enqueue(self, item: Item, picture: bool, wait: bool) -> bool:
        """Queue `item` (the caller holds `_cond`); False when it was dropped."""
        limit, count = ((MAX_QUEUED_PICTURES, self._pictures) if picture
                        else (MAX_QUEUED_SOUND, self._sounds))
        if count >= limit and not isinstance(item, SubtitleItem):  # a subtitle never waits
            if not wait:
                self._dropped += 1
                return False
            self._cond.wait_for(lambda: self._stopping or (
                self._pictures if picture else self._sounds) < limit)
            if self._stopping:
                return False
        if picture:
            self._pictures += 1
        elif isinstance(item, SoundItem):
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
            self._enqueue(FrontItem(frame, media_ms, wall), True, wait)

    def push_room(self, frame: VideoFrame, *, wait: bool = False) -> None:
        """A room camera frame: the latest one becomes the inset."""
        with self._cond:
            if self._stopping or self._paused:
                return
            self._enqueue(RoomItem(frame), True, wait)

    def push_audio(self, chunk: AudioChunk, *, wait: bool = False) -> None:
        """Microphone samples, placed on the media clock by their `at`."""
        samples = _to_mono(chunk, self._settings.audio_rate)
        with self._cond:
            if (self._stopping or self._paused or self._resume_pending
                    or self._first_at is None):
                return  # before the picture starts, or while paused: not recorded
            media_s = chunk.at - self._first_at - self._offset_s
            first = round(media_s * self._settings.audio_rate)
            self._enqueue(SoundItem(samples, first), False, wait)

    def set_subtitle(self, text: str) -> None:
        """The question or answer being typed, shown from the next frame on."""
        with self._cond:
            if not self._stopping:
                self._enqueue(SubtitleItem(text), False, False)

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
        return self._back.latest_picture()

    def status(self) -> RecorderStatus:
        rate = self._back.bytes_per_s()
        try:
            free = shutil.disk_usage(self._back.vault_dir).free
        except OSError:
            free = 0
        minutes = free / rate / 60 if rate > 0 else None
        with self._cond:
            media_ms, paused = self._media_ms, self._paused
        return RecorderStatus(
            media_ms=media_ms, bytes_written=self._back.bytes_written, bytes_per_s=rate,
            free_bytes=free, minutes_left=minutes, paused=paused,
            low_space=minutes is not None and minutes < self._settings.warn_minutes_left,
            failure=self._back.failure)

    def drain(self) -> None:
        """Wait until everything pushed so far is encoded (or dropped after a failure)."""
        with self._cond:
            self._cond.wait_for(lambda: self._done >= self._pushed)
        self._back.sync()

    # -- the recorder's thread ----------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._items))
                item = self._items.popleft()
            if item is None:
                return
            try:
                if self._back.failure is None:
                    self._back.handle(item)
            finally:
                with self._cond:
                    if isinstance(item, FrontItem | RoomItem):
                        self._pictures -= 1
                    elif isinstance(item, SoundItem):
                        self._sounds -= 1
                    self._done += 1
                    self._cond.notify_all()

    # -- ending -------------------------------------------------------------------------------

    def stop(self) -> StoppedRecording:
        """Encode what is queued, close the file and seal it in the vault (or keep the temporary
        file's checkpointed prefix after a failure)."""
        with self._cond:  # refuse new pushes; what is queued is still encoded
            self._stopping = True
            self._items.append(None)
            self._cond.notify_all()
        self._thread.join()
        return self._back.finish()
