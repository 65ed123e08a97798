"""PDF pages as images, in memory only, and the widgets that show them.

The pages are rasterized by `desktop.ui.rasterize` (pdfium, in memory; `render_pages` and
`page_count` are imported from there for the read-back modules). `PageView` paints one page
scaled to its width (high-DPI safe: the image has more pixels than the logical size), and
`PageViewer` adds page navigation.
"""

from __future__ import annotations

from gettext import gettext as _

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.rasterize import PAGE_DPI as PAGE_DPI
from desktop.ui.rasterize import page_count as page_count
from desktop.ui.rasterize import render_pages as render_pages


class PageView(QWidget):
    """One page image, scaled to the widget's width with its aspect ratio kept."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image = QImage()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(240)

    @property
    def image(self) -> QImage:
        return self._image

    def set_image(self, image: QImage) -> None:
        self._image = image
        self.updateGeometry()
        self._fit_height()
        self.update()

    def _aspect(self) -> float:
        if self._image.isNull() or self._image.width() == 0:
            return 297 / 210
        return self._image.height() / self._image.width()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return round(width * self._aspect())

    def sizeHint(self) -> QSize:
        return QSize(480, round(480 * self._aspect()))

    def _fit_height(self) -> None:
        self.setMinimumHeight(self.heightForWidth(self.width()))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#808080"))
        if self._image.isNull():
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        width = float(self.width())
        height = width * self._aspect()
        painter.drawImage(QRectF(0, 0, width, height), self._image)
        painter.end()


class PageViewer(QWidget):
    """Page images with "Page X of Y" and previous/next buttons; scrolls a page vertically."""

    page_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._images: list[QImage] = []
        self._index = 0
        self.view = PageView()
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll_area.setWidget(self.view)
        self.previous_button = QPushButton(_("Previous page"))
        self.next_button = QPushButton(_("Next page"))
        self.position = QLabel()
        self.position.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.previous_button.clicked.connect(lambda: self.show_page(self._index - 1))
        self.next_button.clicked.connect(lambda: self.show_page(self._index + 1))
        navigation = QHBoxLayout()
        navigation.addWidget(self.previous_button)
        navigation.addWidget(self.position, 1)
        navigation.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll_area, 1)
        layout.addLayout(navigation)
        self._refresh()

    @property
    def images(self) -> list[QImage]:
        return list(self._images)

    @property
    def current(self) -> int:
        return self._index

    def set_pages(self, images: list[QImage], index: int = 0) -> None:
        self._images = list(images)
        self._index = -1
        self.show_page(max(0, min(index, len(images) - 1)))

    def show_page(self, index: int) -> None:
        if not self._images or not 0 <= index < len(self._images):
            self._refresh()
            return
        changed = index != self._index
        self._index = index
        self.view.set_image(self._images[index])
        self.scroll_area.verticalScrollBar().setValue(0)
        self._refresh()
        if changed:
            self.page_changed.emit(index)

    def _refresh(self) -> None:
        count = len(self._images)
        self.position.setText(page_label(self._index, count) if count else "")
        self.previous_button.setEnabled(count > 0 and self._index > 0)
        self.next_button.setEnabled(count > 0 and self._index < count - 1)


def page_label(index: int, count: int) -> str:
    """'Page 2 of 5' for the page at `index` (from 0)."""
    return _("Page {page} of {pages}").format(page=index + 1, pages=count)
