"""A busy indicator for work that runs off the GUI thread for a few seconds.

Preparing a read-back document (layout and page images) and signing (each officer's key,
the seal, the page images again) take 2–4 s on the store thread. Without a sign of life
the officer sees a disabled button or a grey page and clicks again. `BusyBar` is an
indeterminate progress bar shown under the status text that says what is being done; it
animates while the GUI thread is free, which it is while the store thread works.
"""

from __future__ import annotations

from PySide6.QtWidgets import QProgressBar, QWidget


class BusyBar(QProgressBar):
    """Hidden until `start(text)`; `stop()` hides it again."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(0, 0)  # no known end: Qt animates a moving block (and draws no text)
        self.setTextVisible(False)
        self.setMaximumHeight(self.fontMetrics().height() // 2 + 6)
        self.setVisible(False)

    def start(self, text: str) -> None:
        """Show the bar; `text` (also on the status line) is what a screen reader says."""
        self.setAccessibleName(text)
        self.setToolTip(text)
        self.setVisible(True)

    def stop(self) -> None:
        self.setVisible(False)

    @property
    def busy(self) -> bool:
        return not self.isHidden()
