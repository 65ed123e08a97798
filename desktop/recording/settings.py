"""What a recording is made of: picture size and rate, codec and bit rate, checkpoint rhythm.

The defaults are decision 43's: 720p25 VP9 at 2 Mbit/s with 48 kHz Opus sound, keyframes and
fragments every second, a checkpoint about once a second into 16 KiB vault segments (a crash
loses at most the last second or two), and a low-space warning 15 minutes ahead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecordingSettings:
    width: int = 1280
    height: int = 720
    fps: int = 25
    audio_rate: int = 48000
    codec: str = "libvpx-vp9"
    bitrate: int = 2_000_000
    checkpoint_s: float = 1.0
    segment_size: int = 16 * 1024
    warn_minutes_left: float = 15.0

    def __post_init__(self) -> None:
        if self.width < 16 or self.height < 16 or self.width % 2 or self.height % 2:
            raise ValueError("the picture must be at least 16x16 with even sides")
        if not 1 <= self.fps <= 120 or self.audio_rate not in (8000, 12000, 16000, 24000, 48000):
            raise ValueError("frame rate or sample rate out of range (Opus rates only)")
        if self.checkpoint_s <= 0 or self.segment_size < 64:
            raise ValueError("checkpoint interval or segment size out of range")
