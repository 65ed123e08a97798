"""Feeding synthetic sources into a recorder: faster than real time (tests, the headless demo)
or in real time (the GUI's --demo-devices), the same pipeline either way.

The drive keeps one clock for all its sources: frame n is at n / fps seconds, the room camera
shows the same instant, and the microphone delivers the samples between one frame and the next
(exact sample counts, so the sound never drifts from the picture).
"""

from __future__ import annotations

import threading
import time

from desktop.recording.session import Recorder
from hardware.camera.synthetic import SyntheticCamera, SyntheticMicrophone


class SyntheticDrive:
    """Pushes synthetic frames and sound into a `Recorder`."""

    def __init__(self, recorder: Recorder, front: SyntheticCamera,
                 room: SyntheticCamera | None, microphone: SyntheticMicrophone | None) -> None:
        self._recorder = recorder
        self._front = front
        self._room = room
        self._microphone = microphone
        self._frames = 0
        self._lock = threading.Lock()  # one step at a time (advance vs. the real-time thread)
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def seconds(self) -> float:
        """Source time driven so far."""
        return self._frames / self._front.fps

    def _step(self, wait: bool) -> None:
        with self._lock:
            fps = self._front.fps
            at = self._frames / fps
            self._recorder.push_front(self._front.frame_at(at), wait=wait)
            if self._room is not None:
                self._recorder.push_room(self._room.frame_at(at), wait=wait)
            if self._microphone is not None:
                rate = self._microphone.rate
                count = round((self._frames + 1) * rate / fps) - round(self._frames * rate / fps)
                self._recorder.push_audio(self._microphone.chunk_at(at, count), wait=wait)
            self._frames += 1

    def advance(self, seconds: float) -> None:
        """Push `seconds` of source time, as fast as the encoder takes it (nothing dropped)."""
        for _ in range(round(seconds * self._front.fps)):
            self._step(True)

    def start_realtime(self) -> None:
        """Push one frame (and its sound) every 1/fps s of real time until `stop`."""
        if self._thread is not None:
            raise RuntimeError("the drive is already running")
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="synthetic-drive", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        start = time.monotonic() - self.seconds
        while not self._stopping.is_set():
            due = start + self._frames / self._front.fps
            if self._stopping.wait(max(0.0, due - time.monotonic())):
                return
            self._step(False)  # like a device: a full queue drops the frame

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
