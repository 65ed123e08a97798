"""PDF pages as images, in memory only, and the widgets that show them.

The pages are rasterized by `desktop.ui.rasterize` (pdfium, in memory; `render_pages` and
`page_count` are imported from there for the read-back modules). `PageView` paints one page
scaled to its width times a zoom factor (high-DPI safe: the image has more pixels than the
logical size), with any `Overlay` (a confirmed signature drawn where it will be signed) on
top; `PageViewer` adds page navigation and zoom (Zoom in / Zoom out / Fit width, Ctrl+plus /
Ctrl+minus / Ctrl+0), so the interviewee can read the page in large print.
"""

from __future__ import annotations

from dataclasses import dataclass
from gettext import gettext as _

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeySequence, QPainter, QPaintEvent, QResizeEvent
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

ZOOM_STEP = 1.25
MAX_ZOOM = ZOOM_STEP ** 5  # about 3x: one line of the statement fills a third of the width


@dataclass(frozen=True)
class Overlay:
    """A picture drawn on the page at `rect`, in fractions of the page (0..1, top left)."""

    rect: QRectF
    image: QImage


class PageView(QWidget):
    """One page image, scaled to the widget's width with its aspect ratio kept."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image = QImage()
        self._overlays: list[Overlay] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(240)

    @property
    def overlays(self) -> list[Overlay]:
        return list(self._overlays)

    def set_overlays(self, overlays: list[Overlay]) -> None:
        self._overlays = list(overlays)
        self.update()

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
        for overlay in self._overlays:
            box = overlay.rect
            painter.drawImage(QRectF(box.x() * width, box.y() * height, box.width() * width,
                                     box.height() * height), overlay.image)
        painter.end()


class PageViewer(QWidget):
    """Page images with "Page X of Y", previous/next and zoom; scrolls a page both ways."""

    page_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._images: list[QImage] = []
        self._index = 0
        self._zoom = 1.0
        self.view = PageView()
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll_area.setWidget(self.view)
        self.previous_button = QPushButton(_("Previous page"))
        self.next_button = QPushButton(_("Next page"))
        self.zoom_out_button = QPushButton(_("Zoom out"))
        self.zoom_in_button = QPushButton(_("Zoom in"))
        self.fit_button = QPushButton(_("Fit width"))
        self.zoom_in_button.setShortcut(QKeySequence.StandardKey.ZoomIn)
        self.zoom_out_button.setShortcut(QKeySequence.StandardKey.ZoomOut)
        self.fit_button.setShortcut(QKeySequence("Ctrl+0"))
        self.position = QLabel()
        self.position.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.previous_button.clicked.connect(lambda: self.show_page(self._index - 1))
        self.next_button.clicked.connect(lambda: self.show_page(self._index + 1))
        self.zoom_in_button.clicked.connect(lambda: self.set_zoom(self._zoom * ZOOM_STEP))
        self.zoom_out_button.clicked.connect(lambda: self.set_zoom(self._zoom / ZOOM_STEP))
        self.fit_button.clicked.connect(lambda: self.set_zoom(1.0))
        navigation = QHBoxLayout()
        navigation.addWidget(self.previous_button)
        navigation.addWidget(self.position, 1)
        navigation.addWidget(self.zoom_out_button)
        navigation.addWidget(self.fit_button)
        navigation.addWidget(self.zoom_in_button)
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

    @property
    def zoom(self) -> float:
        """The page's width as a multiple of the visible width (1.0: fit width)."""
        return self._zoom

    def set_zoom(self, zoom: float) -> None:
        self._zoom = min(max(zoom, 1.0), MAX_ZOOM)
        self._apply_zoom()
        self._refresh()

    def _apply_zoom(self) -> None:
        if self._zoom <= 1.0:
            self.view.setMinimumWidth(240)
            self.scroll_area.setHorizontalScrollBarPolicy(
                Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            return
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        visible = self.scroll_area.viewport().width()
        self.view.setMinimumWidth(round(visible * self._zoom))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._zoom > 1.0:
            self._apply_zoom()

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
        self.zoom_in_button.setEnabled(count > 0 and self._zoom < MAX_ZOOM - 1e-6)
        self.zoom_out_button.setEnabled(count > 0 and self._zoom > 1.0)
        self.fit_button.setEnabled(count > 0 and self._zoom > 1.0)


def page_label(index: int, count: int) -> str:
    """'Page 2 of 5' for the page at `index` (from 0)."""
    return _("Page {page} of {pages}").format(page=index + 1, pages=count)
