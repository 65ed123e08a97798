"""How the recording's times are written on screen (the panel, read-back, playback)."""

from __future__ import annotations


def media_clock(ms: int) -> str:
    """Elapsed recording time as H:MM:SS (hours, as an interview can run long); the second
    the moment falls in."""
    seconds = max(0, ms) // 1000
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
