"""Shared by the recording tests: record synthetic media into a real vault, read it back."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import av
import numpy

from desktop.recording.drive import SyntheticDrive
from desktop.recording.encoding import StoppedRecording
from desktop.recording.session import Recorder
from desktop.recording.settings import RecordingSettings
from desktop.store.vault_format import (
    HEADER_SIZE,
    PREAMBLE_SIZE,
    TAG_SIZE,
    derive_keys,
    nonce,
    parse_header,
)
from desktop.store.vault_read import decrypt_to
from desktop.store.vault_stream import Checkpoint, VaultWriter
from hardware.camera.synthetic import SyntheticCamera, SyntheticMicrophone

KEY = bytes(range(32))
STARTED = datetime(2026, 12, 7, 14, 0, 0)
SMALL = RecordingSettings(width=640, height=360)


@dataclass
class Session:
    recorder: Recorder
    drive: SyntheticDrive
    writer: VaultWriter
    checkpoints: list[tuple[Checkpoint, int]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def start(vault: Path, settings: RecordingSettings = SMALL, *, room: bool = True,
          microphone: bool = True, name: str = ".rec-0-test.sr1",
          on_checkpoint: Callable[[Checkpoint, int], None] | None = None) -> Session:
    writer = VaultWriter(vault, KEY, segment_size=settings.segment_size, temp_name=name)
    checkpoints: list[tuple[Checkpoint, int]] = []
    failures: list[str] = []

    def checkpointed(point: Checkpoint, media_ms: int) -> None:
        checkpoints.append((point, media_ms))
        if on_checkpoint is not None:
            on_checkpoint(point, media_ms)

    recorder = Recorder(writer, settings, started_at=STARTED, on_checkpoint=checkpointed,
                        on_failure=failures.append)
    drive = SyntheticDrive(
        recorder, SyntheticCamera(width=settings.width, height=settings.height, fps=settings.fps),
        SyntheticCamera("room", look="room", width=settings.width, height=settings.height,
                        fps=settings.fps) if room else None,
        SyntheticMicrophone(rate=settings.audio_rate) if microphone else None)
    return Session(recorder, drive, writer, checkpoints, failures)


def plaintext(stopped: StoppedRecording) -> bytes:
    assert stopped.blob is not None
    out = io.BytesIO()
    assert decrypt_to(stopped.blob.path, KEY, out) == stopped.blob.sha256
    return out.getvalue()


def prefix_plaintext(temp: Path, offset: int) -> bytes:
    """The first `offset` plaintext bytes (whole segments) of a blob whose writer died."""
    raw = temp.read_bytes()
    header = parse_header(raw[:HEADER_SIZE])
    aead = derive_keys(KEY, header.raw, header.salt)[0]
    assert offset % header.segment_size == 0
    stride = header.segment_size + TAG_SIZE
    out = bytearray()
    for index in range(offset // header.segment_size):
        start = PREAMBLE_SIZE + index * stride
        out += aead.decrypt(nonce(header.nonce_prefix, index, False),
                            raw[start:start + stride], header.raw)
    return bytes(out)


@dataclass(frozen=True)
class Decoded:
    video_ms: list[int]  # presentation times of the decoded pictures
    keyframe_ms: list[int]
    audio_samples: numpy.ndarray  # mono int16, all decoded sound
    audio_rate: int


Pictures = dict[int, numpy.ndarray]


def decode(data: bytes, *, pictures_at_ms: tuple[int, ...] = ()) -> tuple[Decoded, Pictures]:
    """Decode everything; also return the RGB pictures shown at `pictures_at_ms`."""
    video_ms: list[int] = []
    keyframes: list[int] = []
    sound: list[numpy.ndarray] = []
    pictures: dict[int, numpy.ndarray] = {}
    rate = 0
    with av.open(io.BytesIO(data), mode="r") as container:
        vstream = container.streams.video[0]
        astreams = container.streams.audio
        for packet in container.demux():
            if packet.stream is vstream and packet.is_keyframe and packet.pts is not None:
                keyframes.append(round(packet.pts * Fraction(packet.time_base) * 1000))
            for frame in packet.decode():
                if isinstance(frame, av.VideoFrame):
                    assert frame.pts is not None and frame.time_base is not None
                    ms = round(frame.pts * frame.time_base * 1000)
                    video_ms.append(ms)
                    if ms in pictures_at_ms:
                        pictures[ms] = frame.to_ndarray(format="rgb24")
                elif isinstance(frame, av.AudioFrame):
                    rate = frame.sample_rate
                    sound.append(frame.to_ndarray().reshape(-1))
        assert astreams, "no sound track"
    samples = numpy.concatenate(sound) if sound else numpy.zeros(0)
    if samples.dtype.kind == "f":
        samples = numpy.round(samples * 32767).astype(numpy.int16)
    return Decoded(video_ms, keyframes, samples, rate), pictures


def ffprobe(data: bytes) -> str:
    """Debian's ffprobe reading the plaintext from a pipe (never a plaintext file)."""
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries",
         "stream=codec_name,codec_type,width,height,sample_rate:format=format_name",
         "-of", "compact", "-i", "pipe:0"],
        input=data, capture_output=True, check=True, timeout=120)
    return done.stdout.decode()
