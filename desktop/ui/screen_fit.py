"""Sizing a window to the screen it opens on.

A window asks for the size it would like; on a small screen (1024x768, the smallest the
program serves) it gets what the screen's available geometry leaves, less a margin for the
window manager's frame, so no button ends up beyond the screen's edge.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

FRAME_MARGIN = (40, 60)  # width and height of a title bar and borders, with some air


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Resize `window` to `width` x `height`, or to what its screen can show."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        available = screen.availableGeometry()
        if not available.isEmpty():
            width = min(width, available.width() - FRAME_MARGIN[0])
            height = min(height, available.height() - FRAME_MARGIN[1])
    window.resize(width, height)
