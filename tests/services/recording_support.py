"""Helpers of the recording tests: a small synthetic recording made through the service.

The picture is smaller than the 720p default (the same pipeline, faster on a shared CI
machine); the synthetic camera, room camera and microphone are driven faster than real time.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from desktop.recording.drive import SyntheticDrive
from desktop.recording.settings import RecordingSettings
from desktop.services import recording
from desktop.store.store import Store
from hardware.camera.synthetic import SyntheticCamera, SyntheticMicrophone
from tests.poppler import debian_tool

SMALL = RecordingSettings(width=320, height=240, fps=25, bitrate=400_000)


@dataclass
class Recording:
    live: recording.LiveRecording
    drive: SyntheticDrive


def start(store: Store, statement_id: str, settings: RecordingSettings = SMALL) -> Recording:
    """Start recording `statement_id` with the synthetic front and room cameras and tone."""
    live = recording.start(store, statement_id, settings=settings)
    drive = SyntheticDrive(
        live.recorder,
        SyntheticCamera(width=settings.width, height=settings.height, fps=settings.fps),
        SyntheticCamera("synthetic-room", look="room", width=settings.width // 2,
                        height=settings.height // 2, fps=settings.fps),
        SyntheticMicrophone(rate=settings.audio_rate))
    return Recording(live, drive)


def decoded_seconds(read: Any) -> tuple[float, int]:
    """(seconds of video decoded, frames) from a file-like object or path, by PyAV."""
    frames = 0
    last = Fraction(0)
    with av.open(read) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            frames += 1
            if frame.pts is not None and stream.time_base is not None:
                last = max(last, frame.pts * stream.time_base)
    return float(last), frames


def ffprobe(path: Path) -> dict[str, Any]:
    """Debian's ffprobe on `path`: its streams and format, as JSON."""
    tool = debian_tool("ffprobe", "ffmpeg")
    out = subprocess.run([tool, "-v", "error", "-show_streams", "-show_format", "-of", "json",
                          str(path)], capture_output=True, text=True, check=True).stdout
    value = json.loads(out)
    assert isinstance(value, dict)
    return value
