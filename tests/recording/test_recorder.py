"""Recording synthetic interviews into the vault and reading them back with PyAV and ffprobe."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from pathlib import Path

import numpy
import pytest

from desktop.recording.compose import Compositor
from desktop.recording.media import probe
from desktop.recording.settings import RecordingSettings
from hardware.camera.synthetic import SyntheticCamera
from tests.recording.support import (
    SMALL,
    STARTED,
    decode,
    ffprobe,
    plaintext,
    start,
)


def _region_diff(a: numpy.ndarray, b: numpy.ndarray, box: tuple[int, int, int, int]) -> float:
    top, left, h, w = box
    return float(numpy.abs(a[top:top + h, left:left + w].astype(int)
                           - b[top:top + h, left:left + w].astype(int)).mean())


def test_a_recording_decodes_with_keyframes_every_second_and_ffprobe_reads_it(
        tmp_path: Path) -> None:
    settings = RecordingSettings()  # 720p25, the real thing
    session = start(tmp_path / "vault", settings)
    session.recorder.set_subtitle("问：你叫什么名字？")
    session.drive.advance(3.0)
    stopped = session.recorder.stop()
    assert stopped.failure is None and stopped.duration_ms == 3000
    data = plaintext(stopped)
    assert stopped.blob is not None and stopped.blob.size == len(data)
    assert not (tmp_path / "vault" / ".rec-0-test.sr1").exists()  # renamed to its content name
    decoded, _ = decode(data)
    assert decoded.video_ms == list(range(0, 3000, 40))  # every frame pushed, none invented
    assert decoded.keyframe_ms == [0, 1000, 2000]
    assert decoded.audio_rate == 48000
    # Opus adds its encoder delay in front; the sound covers the picture.
    assert 3000 * 48 <= len(decoded.audio_samples) <= 3000 * 48 + 2 * 960
    assert numpy.abs(decoded.audio_samples[48000:96000]).max() > 3000  # the tone
    report = ffprobe(data)
    assert "codec_name=vp9|codec_type=video|width=1280|height=720" in report
    assert "codec_name=opus|codec_type=audio|sample_rate=48000" in report
    info = probe(io.BytesIO(data))
    assert info.video is not None and info.audio is not None
    assert (info.video.codec, info.video.width, info.video.height) == ("vp9", 1280, 720)
    assert info.audio == type(info.audio)(codec="opus", rate=48000)
    assert 3000 <= info.duration_ms <= 3050


def test_checkpoints_cover_whole_segments_and_their_prefix_plays(tmp_path: Path) -> None:
    session = start(tmp_path, SMALL)
    session.drive.advance(4.0)
    stopped = session.recorder.stop()
    data = plaintext(stopped)
    assert [ms for _, ms in session.checkpoints] == [1000, 2000, 3000]
    assert stopped.last_checkpoint == session.checkpoints[-1][0]
    for point, media_ms in session.checkpoints:
        assert point.offset % SMALL.segment_size == 0 and point.offset > 0
        assert point.sha256 == hashlib.sha256(data[:point.offset]).hexdigest()
        prefix, _ = decode(data[:point.offset])
        # The prefix holds exactly the fragments up to the checkpoint's media time.
        assert prefix.video_ms == list(range(0, media_ms, 40))
    # The padding is MP4 `free` boxes, which players skip: the whole file still decodes fully.
    assert data.count(b"free") >= 3
    assert decode(data)[0].video_ms == list(range(0, 4000, 40))


def test_subtitle_clock_and_inset_appear_in_the_decoded_picture(tmp_path: Path) -> None:
    session = start(tmp_path, SMALL)
    session.drive.advance(1.0)
    session.recorder.set_subtitle("答：我叫张三，住在北京市东城区。")
    session.drive.advance(1.0)
    data = plaintext(session.recorder.stop())
    _, pictures = decode(data, pictures_at_ms=(520, 1520))
    camera = SyntheticCamera(width=640, height=360)
    compositor = Compositor(640, 360)
    band_top, band_h = compositor.subtitle_band()
    band = (band_top, 0, band_h, 640)
    clock = (*compositor.clock_origin(), 20, 160)
    inset = compositor.inset_box()
    middle = (100, 200, 100, 150)  # the person, nothing drawn over it
    for ms in (520, 1520):
        bare = camera.frame_at(ms / 1000).pixels  # the camera picture, no overlays
        got = pictures[ms]
        assert _region_diff(got, bare, middle) < 6  # only compression noise
        assert _region_diff(got, bare, clock) > 25
        assert _region_diff(got, bare, inset) > 25
    # No subtitle yet at 0.52 s: the band region is the camera's; at 1.52 s it is the band.
    assert _region_diff(pictures[520], camera.frame_at(0.52).pixels, band) < 6
    assert _region_diff(pictures[1520], camera.frame_at(1.52).pixels, band) > 25
    # And it is the composed picture: close to what the compositor draws for that moment.
    expected = compositor.compose(camera.frame_at(1.52).pixels,
                                  SyntheticCamera("room", look="room", width=640, height=360)
                                  .frame_at(1.52).pixels, STARTED + timedelta(seconds=1.52),
                                  "答：我叫张三，住在北京市东城区。")
    for box in (band, clock, inset):
        assert _region_diff(pictures[1520], expected, box) < 10


def test_no_inset_without_a_room_camera_and_silence_without_a_microphone(
        tmp_path: Path) -> None:
    session = start(tmp_path, SMALL, room=False, microphone=False)
    session.drive.advance(2.0)
    data = plaintext(session.recorder.stop())
    decoded, pictures = decode(data, pictures_at_ms=(800,))
    bare = SyntheticCamera(width=640, height=360).frame_at(0.8).pixels
    assert _region_diff(pictures[800], bare, Compositor(640, 360).inset_box()) < 6
    # The sound track is there, whole and silent.
    assert 2000 * 48 <= len(decoded.audio_samples) <= 2000 * 48 + 2 * 960
    assert numpy.abs(decoded.audio_samples).max() < 50


def test_a_pause_leaves_no_gap_and_stops_media_time(tmp_path: Path) -> None:
    session = start(tmp_path, SMALL)
    recorder = session.recorder
    session.drive.advance(1.0)
    recorder.drain()
    before = recorder.media_ms()
    recorder.pause()
    session.drive.advance(2.0)  # two seconds pass in the room, none in the recording
    assert recorder.media_ms() == before == 960
    assert recorder.status().paused
    recorder.resume()
    session.drive.advance(1.0)
    assert recorder.media_ms() == 1960
    stopped = recorder.stop()
    assert stopped.duration_ms == 2000
    decoded, pictures = decode(plaintext(stopped), pictures_at_ms=(1000,))
    assert decoded.video_ms == list(range(0, 2000, 40))  # continuous, no hole
    assert 2000 * 48 <= len(decoded.audio_samples) <= 2000 * 48 + 2 * 960
    # The burned-in clock shows the wall time: the frame after the pause shows 14:00:03.
    compositor = Compositor(640, 360)
    camera = SyntheticCamera(width=640, height=360)
    room = SyntheticCamera("room", look="room", width=640, height=360).frame_at(3.0).pixels

    def drawn(seconds: float) -> numpy.ndarray:
        return compositor.compose(camera.frame_at(3.0).pixels, room,
                                  STARTED + timedelta(seconds=seconds), "").astype(int)

    # Compare only where "14:00:03" and "14:00:01" are drawn differently.
    wall, media = drawn(3.0), drawn(1.04)
    digits = numpy.abs(wall - media).sum(axis=2) > 60
    assert digits.sum() > 20
    got = pictures[1000].astype(int)
    assert numpy.abs(got - wall)[digits].mean() * 3 < numpy.abs(got - media)[digits].mean()


def test_status_reports_rate_free_space_and_warns_early(tmp_path: Path) -> None:
    settings = RecordingSettings(width=640, height=360, warn_minutes_left=1e12)
    session = start(tmp_path, settings)
    session.drive.advance(3.0)
    session.recorder.drain()
    status = session.recorder.status()
    assert status.media_ms == 2960 and not status.paused and status.failure is None
    assert status.bytes_written >= session.checkpoints[-1][0].offset
    assert status.bytes_per_s > 1000
    assert status.free_bytes > 0 and status.minutes_left is not None
    assert status.minutes_left == pytest.approx(
        status.free_bytes / status.bytes_per_s / 60, rel=0.05)
    assert status.low_space  # a trillion minutes is more than any disk holds
    picture = session.recorder.latest_picture()
    assert picture is not None and picture.shape == (360, 640, 3)
    session.recorder.stop()
    assert not start(tmp_path, RecordingSettings(width=640, height=360),
                     name=".rec-0-b.sr1").recorder.status().low_space
