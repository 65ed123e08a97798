"""What a recording holds, read with PyAV from any readable binary object (a decrypting
reader of the vault, never a plaintext file): duration, picture and sound.

The duration is the demuxer's when the source is seekable (it then reads every fragment's
header); from a stream it only knows what it probed, so the packets are walked (no decoding) to
find the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from gettext import gettext as _
from typing import BinaryIO

import av

from desktop.domain.errors import UserError


@dataclass(frozen=True)
class VideoInfo:
    codec: str
    width: int
    height: int
    fps: float


@dataclass(frozen=True)
class AudioInfo:
    codec: str
    rate: int


@dataclass(frozen=True)
class MediaInfo:
    duration_ms: int
    video: VideoInfo | None
    audio: AudioInfo | None


def probe(read: BinaryIO) -> MediaInfo:
    """Describe the medium in `read` (seekable or not); `UserError` if it is not one."""
    try:
        with av.open(read, mode="r") as container:
            video = audio = None
            if container.streams.video:
                stream = container.streams.video[0]
                rate = stream.average_rate or stream.guessed_rate or Fraction(0)
                video = VideoInfo(codec=stream.codec_context.name, width=stream.width,
                                  height=stream.height, fps=round(float(rate), 3))
            if container.streams.audio:
                sound = container.streams.audio[0]
                audio = AudioInfo(codec=sound.codec_context.name, rate=sound.rate)
            if _seekable(read) and container.duration is not None and container.duration > 0:
                duration_ms = round(container.duration / 1000)  # microseconds
            else:
                duration_ms = _walk_duration_ms(container)
    except av.FFmpegError as exc:
        raise UserError(_("This recording cannot be read: {error}").format(error=exc)) from exc
    return MediaInfo(duration_ms=duration_ms, video=video, audio=audio)


def _seekable(read: BinaryIO) -> bool:
    try:
        return bool(read.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _walk_duration_ms(container: av.container.InputContainer) -> int:
    end = Fraction(0)
    for packet in container.demux():
        if packet.pts is None or packet.time_base is None:
            continue
        length = packet.duration or 0
        end = max(end, (packet.pts + length) * packet.time_base)
    return round(end * 1000)
