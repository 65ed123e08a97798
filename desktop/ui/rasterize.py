"""PDF pages as images, in memory only: the one rasterizer of the windows and the printer.

Qt's own PDF module is not available, so `render_pages` rasterizes the PDF bytes with
pypdfium2 straight into `QImage`s: nothing is written to disk (the pages carry personal data).
pdfium is not thread-safe, so every use goes through one lock; callers may render on the
store thread. The read-back windows show the images (`desktop.ui.readback.pages`), the
printer paints them (`desktop.ui.printing`).
"""

from __future__ import annotations

import threading

import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PySide6.QtGui import QImage

PAGE_DPI = 144  # crisp on a 2x screen at the usual display size of an A4 page
_PDFIUM = threading.Lock()


def render_pages(pdf: bytes, dpi: int = PAGE_DPI, pages: range | None = None
                 ) -> list[QImage]:
    """The pages of `pdf` (all, or those in `pages`) as RGB images at `dpi`, in memory.

    Printing asks for one page at a time: a page at printer resolution is tens of MB.
    """
    images: list[QImage] = []
    with _PDFIUM:
        document = pdfium.PdfDocument(pdf)
        try:
            document.init_forms()  # draw the signature appearances of a signed PDF
            for index in range(len(document)) if pages is None else pages:
                page = document[index]
                bitmap = page.render(scale=dpi / 72, rev_byteorder=True, prefer_bgrx=True,
                                     may_draw_forms=True)
                image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride,
                               QImage.Format.Format_RGBX8888).copy()  # own the pixels
                image.setDotsPerMeterX(round(dpi / 0.0254))
                image.setDotsPerMeterY(round(dpi / 0.0254))
                images.append(image)
                bitmap.close()
                page.close()
        finally:
            document.close()
    return images


def page_count(pdf: bytes) -> int:
    with _PDFIUM:
        document = pdfium.PdfDocument(pdf)
        try:
            return len(document)
        finally:
            document.close()
