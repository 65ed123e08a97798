"""A viewer for photo evidence: the decrypted bytes go straight from memory into a QPixmap.

The plaintext never touches the disk (no temporary file): `read_item` decrypts into memory on
the store thread and checks the SHA-256, and `QPixmap.loadFromData` decodes it here. The image
is scaled to fit the window, keeping its aspect ratio and the screen's device pixel ratio so
it stays sharp on high-DPI displays.
"""

from __future__ import annotations

from gettext import gettext as _

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap, QResizeEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QSizePolicy, QVBoxLayout, QWidget


class PhotoViewer(QDialog):
    """Shows one photo; `loaded` says whether the bytes were an image Qt can decode."""

    def __init__(self, data: bytes, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Photo: {name}").format(name=title))
        self.original = QPixmap()
        self.loaded = self.original.loadFromData(data)
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.image.setMinimumSize(1, 1)
        if not self.loaded:
            self.image.setText(_("This file cannot be shown as an image (its format is not one "
                                 "this program reads). Export it to open it elsewhere."))
            self.image.setWordWrap(True)
        self.caption = QLabel(_("{width} × {height} pixels").format(
            width=self.original.width(), height=self.original.height()) if self.loaded else "")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.image, 1)
        layout.addWidget(self.caption)
        layout.addWidget(buttons)
        em = self.fontMetrics().horizontalAdvance("M")
        self.resize(em * 50, em * 36)

    def pixmap(self) -> QPixmap:
        return self.original

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if not self.loaded:
            return
        ratio = self.devicePixelRatioF()
        size = self.image.size() * ratio
        if self.original.width() <= size.width() and self.original.height() <= size.height():
            scaled = QPixmap(self.original)  # small photos are shown at their own size
        else:
            scaled = self.original.scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.SmoothTransformation)
        scaled.setDevicePixelRatio(ratio)
        self.image.setPixmap(scaled)
