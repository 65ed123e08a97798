"""What a confirmed signature looks like on the page it was given for, before it is signed in.

The interviewee sees their signature appear in the page's signature box as soon as they
confirm it (and the handwritten declaration in its ruled space), so the page on screen looks
like the page that will be printed. `page_overlays` turns the session's captures into
`pages.Overlay`s: the strokes drawn in ink on a transparent image, placed at the box the
document reserved for them (`RenderedStatement.signature_boxes`, PDF points from the bottom
left) as fractions of the page. Nothing is written anywhere.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from desktop.documents.capture import SignatureCapture
from desktop.documents.render import DECLARATION_BOX
from desktop.ui.readback.pages import PAGE_DPI, Overlay
from desktop.ui.readback.session import ReadBackSession

INK = QColor(16, 24, 64)
PIXELS_PER_POINT = 3  # the overlay's resolution: sharp at the largest zoom

Box = tuple[int, float, float, float, float]  # page index, x, y, width, height (points)


def strokes_image(capture: SignatureCapture, width_px: int, height_px: int) -> QImage:
    """The capture's strokes in ink on a transparent image, scaled to fit, centred."""
    image = QImage(max(width_px, 1), max(height_px, 1), QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    scale = min(width_px / capture.width_mm, height_px / capture.height_mm)
    left = (width_px - capture.width_mm * scale) / 2
    top = (height_px - capture.height_mm * scale) / 2
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for stroke in capture.strokes:
        points = stroke.points
        for before, after in zip(points, points[1:] or points, strict=False):
            width = max((0.3 + 0.7 * after.pressure) * scale, 1.0)
            painter.setPen(QPen(INK, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                                Qt.PenJoinStyle.RoundJoin))
            painter.drawLine(QPointF(left + before.x * scale, top + before.y * scale),
                             QPointF(left + after.x * scale, top + after.y * scale))
    painter.end()
    return image


def page_size_points(page: QImage) -> tuple[float, float]:
    """The page's size in PDF points, from the rendered image and its resolution."""
    dpi = page.dotsPerMeterX() * 0.0254 or PAGE_DPI
    return page.width() * 72 / dpi, page.height() * 72 / dpi


def overlay_for(capture: SignatureCapture, box: Box, page: QImage) -> Overlay:
    """The capture drawn in `box` of `page`."""
    _index, x, y, width, height = box
    page_width, page_height = page_size_points(page)
    rect = QRectF(x / page_width, (page_height - y - height) / page_height,
                  width / page_width, height / page_height)
    image = strokes_image(capture, round(width * PIXELS_PER_POINT),
                          round(height * PIXELS_PER_POINT))
    return Overlay(rect, image)


def page_overlays(session: ReadBackSession, page_index: int) -> list[Overlay]:
    """Every confirmed capture that belongs on page `page_index` of the session's document."""
    rendered = session.rendered
    if rendered is None or not 0 <= page_index < len(session.images):
        return []
    page = session.images[page_index]
    overlays = []
    signature = session.signatures.get(page_index)
    party_boxes = [box for box in rendered.signature_boxes.get("party", [])
                   if box[0] == page_index]
    if signature is not None and party_boxes:
        overlays.append(overlay_for(signature.capture, party_boxes[0], page))
    declaration = session.signatures.declaration
    declaration_boxes = rendered.signature_boxes.get(DECLARATION_BOX, [])
    if (declaration is not None and declaration_boxes
            and declaration_boxes[0][0] == page_index):
        overlays.append(overlay_for(declaration, declaration_boxes[0], page))
    return overlays
