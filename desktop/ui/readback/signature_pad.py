"""The signature pad: pen or mouse strokes captured in millimetres of a stated surface.

A signature pad that acts as a digitizer delivers `QTabletEvent`s (with pressure); without
one the mouse (or a touch screen's synthesized mouse) draws at a pressure of 0.5. Every
sample becomes `(t_ms, x_mm, y_mm, pressure)`: time since the pad started (or was last
cleared), position on a `SURFACE_WIDTH_MM` x `SURFACE_HEIGHT_MM` surface (or the size the
pad is made with, e.g. `DECLARATION_WIDTH_MM` x `DECLARATION_HEIGHT_MM` for the
handwritten declaration, two lines of writing). The surface is
the largest rectangle of that aspect ratio centred in the widget, so the logical widget size
(not device pixels) decides the scale and a resize never distorts the writing.
`capture(page_index, page_digest, purpose)` hands the strokes to
`desktop.documents.capture`.
"""

from __future__ import annotations

from gettext import gettext as _

from PySide6.QtCore import QElapsedTimer, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QTabletEvent,
)
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from desktop.documents.capture import SIGNATURE, SignatureCapture, Stroke, StrokePoint

SURFACE_WIDTH_MM = 150.0  # a typical signature pad's active area (e.g. Hanvon ESP series)
SURFACE_HEIGHT_MM = 60.0
DECLARATION_WIDTH_MM = 180.0  # "以上笔录我看过，和我说的相符" in one or two lines
DECLARATION_HEIGHT_MM = 40.0
MOUSE_PRESSURE = 0.5
MOUSE_DEVICE = "mouse"
TABLET_DEVICE = "pen tablet"

Sample = tuple[int, float, float, float]  # t_ms, x_mm, y_mm, pressure


class SignaturePad(QWidget):
    """The writing surface; see the module docstring."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, width_mm: float = SURFACE_WIDTH_MM,
                 height_mm: float = SURFACE_HEIGHT_MM) -> None:
        super().__init__(parent)
        self.width_mm, self.height_mm = width_mm, height_mm
        self._strokes: list[list[Sample]] = []
        self._current: list[Sample] | None = None
        self._tablet_used = ""
        self._clock = QElapsedTimer()
        self._clock.start()
        self.setAttribute(Qt.WidgetAttribute.WA_TabletTracking, False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(300, 120)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAccessibleName(_("Signature pad"))

    def sizeHint(self) -> QSize:
        return QSize(500, 200)

    # --- geometry -----------------------------------------------------------------------------

    def surface(self) -> QRectF:
        """The signing surface in widget coordinates (aspect of the stated size, centred)."""
        aspect = self.width_mm / self.height_mm
        width, height = float(self.width()), float(self.height())
        if width / max(height, 1.0) > aspect:
            width = height * aspect
        else:
            height = width / aspect
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def to_mm(self, point: QPointF) -> tuple[float, float]:
        rect = self.surface()
        x = (point.x() - rect.left()) / rect.width() * self.width_mm
        y = (point.y() - rect.top()) / rect.height() * self.height_mm
        return min(max(x, 0.0), self.width_mm), min(max(y, 0.0), self.height_mm)

    def _to_widget(self, x_mm: float, y_mm: float) -> QPointF:
        rect = self.surface()
        return QPointF(rect.left() + x_mm / self.width_mm * rect.width(),
                       rect.top() + y_mm / self.height_mm * rect.height())

    # --- strokes ------------------------------------------------------------------------------

    @property
    def strokes(self) -> list[list[Sample]]:
        return [list(stroke) for stroke in self._strokes]

    def is_empty(self) -> bool:
        return not self._strokes

    @property
    def device(self) -> str:
        return self._tablet_used or MOUSE_DEVICE

    def _begin(self, point: QPointF, pressure: float) -> None:
        if not self.surface().contains(point):
            return
        self._current = []
        self._strokes.append(self._current)
        self._add(point, pressure)

    def _add(self, point: QPointF, pressure: float) -> None:
        if self._current is None:
            return
        x, y = self.to_mm(point)
        t_ms = int(self._clock.elapsed())
        if self._current and t_ms < self._current[-1][0]:
            t_ms = self._current[-1][0]
        self._current.append((t_ms, x, y, min(max(pressure, 0.0), 1.0)))
        self.update()

    def _end(self) -> None:
        if self._current is not None:
            self._current = None
            self.changed.emit()

    def clear(self) -> None:
        self._strokes.clear()
        self._current = None
        self._tablet_used = ""
        self._clock.restart()
        self.update()
        self.changed.emit()

    def undo(self) -> None:
        if self._strokes:
            self._strokes.pop()
            self._current = None
            self.update()
            self.changed.emit()

    def capture(self, page_index: int, page_digest: str,
                purpose: str = SIGNATURE) -> SignatureCapture:
        """The strokes as a capture bound to one page (raises UserError if empty)."""
        strokes = tuple(Stroke(tuple(StrokePoint(t, x, y, p) for t, x, y, p in stroke))
                        for stroke in self._strokes if stroke)
        return SignatureCapture(page_index=page_index, page_digest=page_digest,
                                width_mm=self.width_mm, height_mm=self.height_mm,
                                strokes=strokes, device=self.device, purpose=purpose)

    # --- events -------------------------------------------------------------------------------

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind = event.type()
        pressure = float(event.pressure())
        if kind == QTabletEvent.Type.TabletPress:
            device = event.pointingDevice()
            name = device.name() if device is not None else ""
            self._tablet_used = f"{TABLET_DEVICE}: {name}" if name else TABLET_DEVICE
            self._begin(event.position(), pressure)
        elif kind == QTabletEvent.Type.TabletMove:
            self._add(event.position(), pressure)
        elif kind == QTabletEvent.Type.TabletRelease:
            self._add(event.position(), pressure)
            self._end()
        event.accept()  # no synthesized mouse event follows

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position(), MOUSE_PRESSURE)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._add(event.position(), MOUSE_PRESSURE)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._current is not None:
            self._add(event.position(), MOUSE_PRESSURE)
            self._end()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().window())
        surface = self.surface()
        painter.fillRect(surface, QColor("white"))
        painter.setPen(QPen(QColor("#9aa0a6"), 1, Qt.PenStyle.DashLine))
        painter.drawRect(surface.adjusted(0.5, 0.5, -0.5, -0.5))
        baseline = surface.top() + surface.height() * 0.8
        painter.drawLine(QPointF(surface.left() + 12, baseline),
                         QPointF(surface.right() - 12, baseline))
        px_per_mm = surface.width() / self.width_mm
        ink = QColor(16, 24, 64)
        for stroke in self._strokes:
            for before, after in zip(stroke, stroke[1:] or stroke, strict=False):
                width = (0.3 + 0.7 * after[3]) * px_per_mm
                painter.setPen(QPen(ink, max(width, 1.0), Qt.PenStyle.SolidLine,
                                    Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
                painter.drawLine(self._to_widget(before[1], before[2]),
                                 self._to_widget(after[1], after[2]))
        painter.end()


class SignaturePadPanel(QWidget):
    """The pad with its Undo and Clear buttons."""

    def __init__(self, parent: QWidget | None = None, *, width_mm: float = SURFACE_WIDTH_MM,
                 height_mm: float = SURFACE_HEIGHT_MM) -> None:
        super().__init__(parent)
        self.pad = SignaturePad(width_mm=width_mm, height_mm=height_mm)
        self.undo_button = QPushButton(_("Undo stroke"))
        self.clear_button = QPushButton(_("Clear"))
        self.undo_button.clicked.connect(self.pad.undo)
        self.clear_button.clicked.connect(self.pad.clear)
        self.pad.changed.connect(self._refresh)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pad, 1)
        layout.addLayout(buttons)
        self.setTabOrder(self.pad, self.undo_button)
        self.setTabOrder(self.undo_button, self.clear_button)
        self._refresh()

    def _refresh(self) -> None:
        empty = self.pad.is_empty()
        self.undo_button.setEnabled(not empty)
        self.clear_button.setEnabled(not empty)
