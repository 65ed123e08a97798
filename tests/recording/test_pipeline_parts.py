"""The recording pipeline's parts: MP4 padding, the box scanner, subtitle wrapping, the
real-time drive, sound from other microphones, and reading what is not a recording."""

from __future__ import annotations

import io
import os
import struct
import threading
from pathlib import Path

import numpy
import pytest
from PIL import ImageFont

from desktop.documents.fonts import font_path
from desktop.domain.errors import UserError
from desktop.recording.compose import SUBTITLE_TAIL, TAIL_STEP, Compositor, wrap
from desktop.recording.encoder import _BoxScanner, free_box, padding_for
from desktop.recording.media import probe
from desktop.recording.session import open_writer
from desktop.store.vault_temporaries import sweep_temporaries
from hardware.camera.frames import AudioChunk
from tests.recording.support import KEY, SMALL, decode, plaintext, start


def test_padding_reaches_a_segment_boundary_with_a_whole_free_box() -> None:
    assert padding_for(16384, 16384) == 0
    assert padding_for(16384 - 8, 16384) == 8
    assert padding_for(16384 - 7, 16384) == 7 + 16384  # too small for a box: one more segment
    assert padding_for(16384 - 1, 16384) == 1 + 16384
    assert padding_for(100, 16384) == 16284
    box = free_box(20)
    assert len(box) == 20 and box[:8] == struct.pack(">I4s", 20, b"free")
    with pytest.raises(ValueError):
        free_box(7)


def test_box_scanner_follows_boxes_split_anywhere() -> None:
    boxes = (struct.pack(">I4s", 16, b"ftyp") + bytes(8)
             + struct.pack(">I4s", 12, b"moof") + bytes(4)
             + struct.pack(">I4sQ", 1, b"mdat", 40) + bytes(24)
             + struct.pack(">I4s", 9, b"moof") + b"x")
    for cut in range(1, len(boxes)):
        scanner = _BoxScanner()
        scanner.feed(memoryview(boxes[:cut]))
        inside = scanner.at_boundary
        scanner.feed(memoryview(boxes[cut:]))
        assert scanner.at_boundary and scanner.fragments == 2
        assert inside == (cut in (16, 28, 68))


def test_wrap_breaks_chinese_anywhere_and_latin_at_spaces() -> None:
    font = ImageFont.truetype(str(font_path()), 30)
    lines = wrap("问：请你陈述一下当时的情况，包括时间、地点和在场的人员。", font, 300)
    assert len(lines) > 1 and all(font.getlength(line) <= 300 for line in lines)
    assert "".join(lines) == "问：请你陈述一下当时的情况，包括时间、地点和在场的人员。"
    english = wrap("the inspection started at three in the afternoon", font, 250)
    assert all(font.getlength(line) <= 250 for line in english)
    assert " ".join(english) == "the inspection started at three in the afternoon"


def test_the_real_time_drive_records_continuously(tmp_path: Path) -> None:
    session = start(tmp_path, SMALL, room=False)
    reached = threading.Event()
    session.drive.start_realtime()
    try:
        while not reached.wait(0.05):
            if session.recorder.media_ms() >= 1200:
                reached.set()
    finally:
        session.drive.stop()
    stopped = session.recorder.stop()
    decoded, _ = decode(plaintext(stopped))
    assert stopped.duration_ms >= 1200
    assert decoded.video_ms[0] == 0 and decoded.video_ms == sorted(set(decoded.video_ms))
    # A frame the encoder could not take in time is dropped; the clock stays true.
    assert decoded.video_ms[-1] + 40 == stopped.duration_ms
    assert set(decoded.keyframe_ms) >= {0, 1000}


def test_stereo_sound_at_another_rate_becomes_mono_48k(tmp_path: Path) -> None:
    session = start(tmp_path, SMALL, room=False, microphone=False)
    recorder = session.recorder
    camera = session.drive._front
    tone = (numpy.sin(numpy.arange(44100) * 2 * numpy.pi * 440 / 44100) * 8000).astype(numpy.int16)
    stereo = numpy.stack([tone, tone], axis=1)
    for n in range(25):
        at = n / 25
        recorder.push_front(camera.frame_at(at), wait=True)
        part = stereo[n * 1764:(n + 1) * 1764]
        recorder.push_audio(AudioChunk(part, 44100, at), wait=True)
    decoded, _ = decode(plaintext(recorder.stop()))
    assert decoded.audio_rate == 48000
    assert 48000 <= len(decoded.audio_samples) <= 48000 + 2 * 960
    assert numpy.abs(decoded.audio_samples[10000:40000]).max() > 5000


def test_stopping_before_any_frame_stores_an_empty_recording(tmp_path: Path) -> None:
    session = start(tmp_path, SMALL)
    stopped = session.recorder.stop()
    assert stopped.failure is None and stopped.duration_ms == 0 and stopped.blob is not None
    assert session.recorder.status().media_ms == 0


def test_what_is_not_a_recording_gets_a_clear_error() -> None:
    with pytest.raises(UserError, match="This recording cannot be read"):
        probe(io.BytesIO(b"not a recording" * 100))


def test_a_recordings_writer_is_named_for_salvage_and_sweeps_spare_it(tmp_path: Path) -> None:
    writer = open_writer(tmp_path, KEY, SMALL, "0192a7c0-rec")
    try:
        assert writer.temp_path.name == f".rec-{os.getpid()}-0192a7c0-rec.sr1"
        os.utime(writer.temp_path, (0, 0))
        assert sweep_temporaries(tmp_path) == 0 and writer.temp_path.exists()
        writer.write(bytes(SMALL.segment_size))
        assert writer.checkpoint().offset == SMALL.segment_size  # the recording's segments
    finally:
        writer.abort()
    with pytest.raises(ValueError):
        open_writer(tmp_path, KEY, SMALL, "../x")


def test_a_long_answer_is_measured_once_per_character_and_only_its_end_is_wrapped() -> None:
    """Typing a long answer renders its subtitle again and again: measuring every growing line
    afresh made a 1,000-character answer cost a whole core (found by the typing benchmark)."""
    font = ImageFont.truetype(str(font_path()), 34)
    measured: list[str] = []

    class Counting(ImageFont.FreeTypeFont):
        def getlength(self, text: str, *args: object, **kwargs: object) -> float:
            measured.append(text)
            return super().getlength(text)

    counting = Counting(str(font_path()), 34)
    answer = "答：" + "我在解放路东门的人行道上停车，大约二十分钟。" * 120  # 2,642 characters
    lines = wrap(answer, counting, 1248)
    assert "".join(lines) == answer
    assert all(font.getlength(line) <= 1248 for line in lines)
    assert all(len(text) == 1 for text in measured)  # characters, never whole lines
    assert len(measured) == len(set(answer))  # each measured once
    compositor = Compositor(1280, 720)
    band = compositor.subtitle_overlay(answer)
    tail = answer[(len(answer) - SUBTITLE_TAIL) // TAIL_STEP * TAIL_STEP:]
    assert band is not None
    same = compositor.subtitle_overlay(tail)  # the band shows the end, wrapped from the tail
    assert same is not None
    assert numpy.array_equal(band.glyphs, same.glyphs)
