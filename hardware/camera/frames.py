"""What a camera or a microphone pushes: RGB frames and int16 sample chunks, each stamped with
the source's own clock.

All sources of one recording stamp `at` on one clock (the synthetic drive's time, or
`time.monotonic()` for real devices and the synthetic sources' real-time threads), so the
recorder can align sound and picture and tell a stale inset from a live one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy


@dataclass(frozen=True)
class VideoFrame:
    pixels: numpy.ndarray  # (height, width, 3) uint8 RGB
    at: float  # seconds on the source's own clock


@dataclass(frozen=True)
class AudioChunk:
    samples: numpy.ndarray  # (n, channels) int16
    rate: int  # samples per second (48000)
    at: float  # seconds, the time of the first sample


class VideoSource(Protocol):
    name: str
    width: int
    height: int
    fps: int

    def start(self, on_frame: Callable[[VideoFrame], None]) -> None:
        """Deliver frames to `on_frame` from the source's own thread until `stop`."""

    def stop(self) -> None:
        """Stop delivering; returns once no more frames will come."""


class AudioSource(Protocol):
    name: str
    rate: int
    channels: int

    def start(self, on_chunk: Callable[[AudioChunk], None]) -> None:
        """Deliver chunks to `on_chunk` from the source's own thread until `stop`."""

    def stop(self) -> None:
        """Stop delivering; returns once no more chunks will come."""
