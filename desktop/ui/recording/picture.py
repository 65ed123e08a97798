"""A picture (an RGB `numpy` array) painted scaled into a widget, aspect ratio kept.

The recorder's composed frame is 1280x720; the preview is a few hundred pixels wide. The
frame is decimated in numpy first (a strided copy of every n-th pixel, well under a
millisecond) so that the GUI thread never scales a full frame on every refresh; the small
image is then painted smoothly. `set_image` takes a QImage as it is (the playback window's
frames).
"""

from __future__ import annotations

from typing import Any

import numpy
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

ASPECT = 9 / 16


def to_qimage(picture: numpy.ndarray[Any, Any], max_width: int) -> QImage:
    """`picture` (height, width, 3) uint8 RGB as a QImage at most about `max_width` wide
    (every n-th pixel); the QImage owns a copy of its pixels."""
    step = max(1, picture.shape[1] // max(1, max_width))
    small = numpy.ascontiguousarray(picture[::step, ::step, :3])
    height, width = small.shape[:2]
    image = QImage(small.data, width, height, width * 3, QImage.Format.Format_RGB888)
    return image.copy()  # detached from the numpy buffer, which goes away


class PictureView(QWidget):
    """Shows the last picture given, letterboxed on black; a text when there is none."""

    def __init__(self, parent: QWidget | None = None, *, placeholder: str = "") -> None:
        super().__init__(parent)
        self._image = QImage()
        self._source: object | None = None  # the last array shown (not converted twice)
        self.placeholder = placeholder
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumSize(160, 90)

    @property
    def image(self) -> QImage:
        return self._image

    def show_picture(self, picture: numpy.ndarray[Any, Any] | None) -> None:
        """Show the recorder's latest picture; nothing to do when it is the one shown."""
        if picture is None or picture is self._source:
            return
        self._source = picture
        ratio = self.devicePixelRatioF() or 1.0
        self.set_image(to_qimage(picture, round(self.width() * ratio)))

    def set_image(self, image: QImage) -> None:
        self._image = image
        self.update()

    def clear(self) -> None:
        self._image = QImage()
        self._source = None
        self.update()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return round(width * ASPECT)

    def sizeHint(self) -> QSize:
        return QSize(320, 180)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#000000"))
        if self._image.isNull():
            if self.placeholder:
                painter.setPen(QColor("#c0c0c0"))
                painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter
                                 | Qt.TextFlag.TextWordWrap, self.placeholder)
            painter.end()
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        scale = min(self.width() / self._image.width(), self.height() / self._image.height())
        width, height = self._image.width() * scale, self._image.height() * scale
        target = QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)
        painter.drawImage(target, self._image)
        painter.end()
