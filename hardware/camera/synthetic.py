"""Synthetic camera and microphone: deterministic pictures and sound as functions of time.

`SyntheticCamera.frame_at(at)` draws a scene ("person": a head and shoulders in front of a wall;
"room": a table with two people seen from a corner) with a sway and a scrolling stripe band so
consecutive frames differ, and the source's own clock `at` in seven-segment digits, so a
decoded picture says which moment it shows. `SyntheticMicrophone.chunk_at(at, n)` is a 440 Hz
tone, phase-continuous across chunks, louder for the first tenth of every second (a beat that
lines up with the drawn clock). Both are pure numpy functions of `at`; `start(callback)` runs a
thread that delivers them in real time, stamped with `time.monotonic()`, the way a device would.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from functools import lru_cache

import numpy

from hardware.camera.frames import AudioChunk, VideoFrame

LOOKS = ("person", "room")
# The figures sway in steps of this many pixels, so a camera paints each position once and
# keeps it (about a dozen pictures at 720p): drawing them every frame took a 720p camera 3.5 ms
# of a core's time per frame, time the window's thread then waited for.
SWAY_STEP = 8

# Seven-segment layout: a, b, c, d, e, f, g.
_SEGMENTS = {
    "0": "abcdef", "1": "bc", "2": "abdeg", "3": "abcdg", "4": "bcfg", "5": "acdfg",
    "6": "acdefg", "7": "abc", "8": "abcdefg", "9": "abcdfg",
}


@lru_cache(maxsize=8)
def _glyphs(size: int) -> dict[str, numpy.ndarray]:
    """Boolean bitmaps (2*size+3*t, size+2*t) of the digits, ':' and '.' at segment length size."""
    t = max(2, size // 5)
    h, w = 2 * size + 3 * t, size + 2 * t
    boxes = {
        "a": (0, t, t, t + size), "d": (2 * size + 2 * t, 3 * t + 2 * size, t, t + size),
        "g": (size + t, size + 2 * t, t, t + size),
        "f": (t, t + size, 0, t), "b": (t, t + size, size + t, w),
        "e": (size + 2 * t, 2 * size + 2 * t, 0, t), "c": (size + 2 * t, 2 * size + 2 * t,
                                                            size + t, w),
    }
    glyphs: dict[str, numpy.ndarray] = {}
    for char, segments in _SEGMENTS.items():
        bitmap = numpy.zeros((h, w), dtype=bool)
        for segment in segments:
            y0, y1, x0, x1 = boxes[segment]
            bitmap[y0:y1, x0:x1] = True
        glyphs[char] = bitmap
    colon = numpy.zeros((h, 3 * t), dtype=bool)
    colon[size // 2: size // 2 + t, t:2 * t] = True
    colon[h - size // 2 - t: h - size // 2, t:2 * t] = True
    glyphs[":"] = colon
    dot = numpy.zeros((h, 3 * t), dtype=bool)
    dot[h - t:, t:2 * t] = True
    glyphs["."] = dot
    return glyphs


def clock_text(at: float) -> str:
    """The source clock as drawn: hours:minutes:seconds.centiseconds of `at`."""
    centis = round(at * 100)
    seconds, cs = divmod(centis, 100)
    minutes, s = divmod(seconds, 60)
    hours, m = divmod(minutes, 60)
    return f"{hours % 100:02d}:{m:02d}:{s:02d}.{cs:02d}"


def _draw_text(pixels: numpy.ndarray, text: str, y: int, x: int, size: int,
               colour: tuple[int, int, int]) -> None:
    glyphs = _glyphs(size)
    gap = max(2, size // 4)
    for char in text:
        bitmap = glyphs[char]
        h, w = bitmap.shape
        window = pixels[y:y + h, x:x + w]
        if window.shape[:2] != bitmap.shape:
            return  # off the picture (a tiny test resolution)
        window[bitmap] = colour
        x += w + gap


def _ellipse(h: int, w: int) -> numpy.ndarray:
    yy, xx = numpy.mgrid[0:h, 0:w]
    dy = (yy - h / 2 + 0.5) / (h / 2)
    dx = (xx - w / 2 + 0.5) / (w / 2)
    inside: numpy.ndarray = dy**2 + dx**2 <= 1.0
    return inside


class SyntheticCamera:
    """A VideoSource drawing a deterministic scene and its own clock (see the module)."""

    def __init__(self, name: str = "synthetic-front", *, look: str = "person",
                 width: int = 1280, height: int = 720, fps: int = 25) -> None:
        if look not in LOOKS:
            raise ValueError(f"unknown look {look!r}; one of {LOOKS}")
        if width < 16 or height < 16 or fps < 1:
            raise ValueError("picture too small or no frame rate")
        self.name = name
        self.look = look
        self.width = width
        self.height = height
        self.fps = fps
        self._background = self._draw_background()
        self._figure = _ellipse(height // 3, height // 4)  # a head
        self._body = _ellipse(height // 2, height // 2 + height // 6)  # shoulders
        self._scenes: dict[int, numpy.ndarray] = {}  # sway -> the figures on the background
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def _draw_background(self) -> numpy.ndarray:
        h, w = self.height, self.width
        rows = numpy.linspace(0.0, 1.0, h, dtype=numpy.float32)[:, None]
        cols = numpy.linspace(0.0, 1.0, w, dtype=numpy.float32)[None, :]
        picture = numpy.empty((h, w, 3), dtype=numpy.uint8)
        if self.look == "person":  # a pale blue wall, lighter towards the top
            picture[..., 0] = (150 + 60 * (1 - rows) + 0 * cols).astype(numpy.uint8)
            picture[..., 1] = (170 + 50 * (1 - rows) + 0 * cols).astype(numpy.uint8)
            picture[..., 2] = (190 + 40 * (1 - rows) + 10 * cols).astype(numpy.uint8)
        else:  # a room: beige wall above a grey floor, a brown table in the middle
            wall = rows < 0.45
            picture[...] = numpy.where(wall[..., None], numpy.array([200, 190, 160], numpy.uint8),
                                       numpy.array([120, 120, 125], numpy.uint8))
            picture[int(h * 0.55):int(h * 0.7), int(w * 0.25):int(w * 0.75)] = (110, 70, 40)
        return picture

    def frame_at(self, at: float) -> VideoFrame:
        """The picture at source time `at` (same `at`, same pixels)."""
        h, w = self.height, self.width
        sway = round(w * 0.04 * math.sin(at * 1.3))
        sway -= sway % SWAY_STEP
        pixels = self._scene(sway).copy()
        # A stripe band scrolling left, one stripe period per second.
        band = pixels[int(h * 0.88):int(h * 0.94)]
        period = max(8, w // 16)
        phase = int(at * period) % period
        stripes = ((numpy.arange(w) + phase) % period) < period // 2
        band[:, stripes] = (230, 200, 40) if self.look == "person" else (40, 160, 90)
        size = max(4, h // 24)
        _draw_text(pixels, clock_text(at), int(h * 0.72), int(w * 0.04), size, (255, 255, 255))
        return VideoFrame(pixels=pixels, at=at)

    def _scene(self, sway: int) -> numpy.ndarray:
        """The still part of the picture with the figures moved `sway` pixels sideways (kept:
        a camera is a real-time source, and painting the figures is most of a frame's work)."""
        scene = self._scenes.get(sway)
        if scene is None:
            h, w = self.height, self.width
            scene = self._background.copy()
            if self.look == "person":
                self._paste(scene, self._body, int(h * 0.62), w // 2 + sway, (40, 60, 110))
                self._paste(scene, self._figure, int(h * 0.35), w // 2 + sway, (225, 180, 150))
            else:
                for centre in (int(w * 0.3), int(w * 0.7)):
                    self._paste(scene, self._figure, int(h * 0.42), centre + sway // 2,
                                (210, 170, 140))
            scene.flags.writeable = False
            self._scenes[sway] = scene
        return scene

    @staticmethod
    def _paste(pixels: numpy.ndarray, mask: numpy.ndarray, cy: int, cx: int,
               colour: tuple[int, int, int]) -> None:
        mh, mw = mask.shape
        y0, x0 = cy - mh // 2, cx - mw // 2
        y1, x1 = y0 + mh, x0 + mw
        cy0, cx0 = max(0, y0), max(0, x0)
        cy1, cx1 = min(pixels.shape[0], y1), min(pixels.shape[1], x1)
        if cy0 >= cy1 or cx0 >= cx1:
            return
        window = pixels[cy0:cy1, cx0:cx1]
        window[mask[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]] = colour

    def start(self, on_frame: Callable[[VideoFrame], None]) -> None:
        """Deliver a frame every 1/fps s of real time, stamped with `time.monotonic()`."""
        if self._thread is not None:
            raise RuntimeError("the camera is already started")
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, args=(on_frame,),
                                        name=f"camera-{self.name}", daemon=True)
        self._thread.start()

    def _run(self, on_frame: Callable[[VideoFrame], None]) -> None:
        start = time.monotonic()
        index = 0
        while not self._stopping.is_set():
            due = start + index / self.fps
            if self._stopping.wait(max(0.0, due - time.monotonic())):
                return
            on_frame(self.frame_at(time.monotonic()))
            index += 1
            # A slow consumer makes us skip frames (as a real camera would), never queue them.
            behind = int((time.monotonic() - start) * self.fps) - index
            if behind > 0:
                index += behind

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


class SyntheticMicrophone:
    """An AudioSource: a 440 Hz tone with a beat at every whole second (see the module)."""

    channels = 1
    CHUNK_S = 0.02

    def __init__(self, name: str = "synthetic-mic", *, rate: int = 48000,
                 frequency: float = 440.0) -> None:
        if rate < 8000 or frequency <= 0:
            raise ValueError("sample rate or frequency out of range")
        self.name = name
        self.rate = rate
        self.frequency = frequency
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def chunk_at(self, at: float, samples: int) -> AudioChunk:
        """`samples` samples starting at source time `at` (sample index round(at * rate))."""
        first = round(at * self.rate)
        index = numpy.arange(first, first + samples, dtype=numpy.int64)
        phase = (index * self.frequency % self.rate) / self.rate  # exact for integer rates
        tone = numpy.sin(2 * numpy.pi * phase)
        beat = (index % self.rate) < self.rate // 10
        amplitude = numpy.where(beat, 0.5, 0.15) * 32767
        values = numpy.round(tone * amplitude).astype(numpy.int16)
        return AudioChunk(samples=values.reshape(samples, 1), rate=self.rate, at=at)

    def start(self, on_chunk: Callable[[AudioChunk], None]) -> None:
        """Deliver 20 ms chunks in real time, stamped on the `time.monotonic()` clock."""
        if self._thread is not None:
            raise RuntimeError("the microphone is already started")
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, args=(on_chunk,),
                                        name=f"microphone-{self.name}", daemon=True)
        self._thread.start()

    def _run(self, on_chunk: Callable[[AudioChunk], None]) -> None:
        start = time.monotonic()
        per_chunk = int(self.rate * self.CHUNK_S)
        index = 0  # samples delivered: the stream stays continuous whatever the scheduling
        while not self._stopping.is_set():
            due = start + (index + per_chunk) / self.rate
            if self._stopping.wait(max(0.0, due - time.monotonic())):
                return
            on_chunk(self.chunk_at(start + index / self.rate, per_chunk))
            index += per_chunk

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
