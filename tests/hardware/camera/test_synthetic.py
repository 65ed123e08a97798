"""Synthetic camera and microphone: deterministic functions of time, delivered in real time."""

from __future__ import annotations

import itertools
import threading

import numpy
import pytest

from hardware.camera import AudioChunk, SyntheticCamera, SyntheticMicrophone, VideoFrame
from hardware.camera.synthetic import clock_text


def test_frames_are_deterministic_and_move() -> None:
    camera = SyntheticCamera(width=320, height=180, fps=25)
    first = camera.frame_at(1.0)
    assert first.pixels.shape == (180, 320, 3) and first.pixels.dtype == numpy.uint8
    assert numpy.array_equal(first.pixels, SyntheticCamera(width=320, height=180).frame_at(1.0)
                             .pixels)
    assert not numpy.array_equal(first.pixels, camera.frame_at(1.04).pixels)
    assert first.at == 1.0


def test_the_drawn_clock_differs_between_moments_and_looks_differ() -> None:
    camera = SyntheticCamera(width=640, height=360)
    a, b = camera.frame_at(12.0).pixels, camera.frame_at(13.0).pixels
    clock = (slice(int(360 * 0.72), int(360 * 0.72) + 40), slice(0, 320))
    assert not numpy.array_equal(a[clock], b[clock])
    room = SyntheticCamera("room", look="room", width=640, height=360).frame_at(12.0).pixels
    assert numpy.abs(room.astype(int) - a.astype(int)).mean() > 20
    assert clock_text(3723.456) == "01:02:03.46"
    with pytest.raises(ValueError):
        SyntheticCamera(look="garden")


def test_tone_is_phase_continuous_across_chunks() -> None:
    mic = SyntheticMicrophone()
    whole = mic.chunk_at(2.0, 4800)
    parts = [mic.chunk_at(2.0 + i * 0.02, 960) for i in range(5)]
    assert numpy.array_equal(numpy.concatenate([p.samples for p in parts]), whole.samples)
    assert whole.samples.shape == (4800, 1) and whole.samples.dtype == numpy.int16
    # Louder in the first tenth of each second (the beat), a tone after it.
    beat = numpy.abs(mic.chunk_at(5.0, 4800).samples).max()
    rest = numpy.abs(mic.chunk_at(5.5, 4800).samples).max()
    assert beat > 2.5 * rest > 0


def test_real_time_threads_deliver_until_stopped() -> None:
    camera = SyntheticCamera(width=64, height=36, fps=50)
    mic = SyntheticMicrophone()
    frames: list[VideoFrame] = []
    chunks: list[AudioChunk] = []
    got_enough = threading.Event()

    def on_frame(frame: VideoFrame) -> None:
        frames.append(frame)
        if len(frames) >= 5 and len(chunks) >= 5:
            got_enough.set()

    def on_chunk(chunk: AudioChunk) -> None:
        chunks.append(chunk)

    camera.start(on_frame)
    mic.start(on_chunk)
    assert got_enough.wait(30)
    camera.stop()
    mic.stop()
    seen = (len(frames), len(chunks))
    assert [f.at for f in frames] == sorted(f.at for f in frames)
    starts = [c.at for c in chunks]
    assert all(abs((b - a) - 0.02) < 1e-6 for a, b in itertools.pairwise(starts))
    assert (len(frames), len(chunks)) == seen  # nothing after stop
