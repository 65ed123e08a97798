"""PDF pages as PNG images in memory, for read-back outside the windows (no Qt, no disk).

A penalty document is shown to the party before they sign for it; the service hands the
pages over as PNG bytes so whoever shows them needs no PDF reader. pypdfium2 rasterizes the
bytes in memory (pages carry personal data: nothing is written to disk). pdfium is not
thread-safe, so every use here goes through one lock. (The windows' own rasterizer,
`desktop.ui.rasterize`, holds its own lock; the two are not used at the same time today.)
"""

from __future__ import annotations

import io
import threading

import pypdfium2 as pdfium  # type: ignore[import-untyped]

PAGE_DPI = 110
_PDFIUM = threading.Lock()


def page_pngs(pdf: bytes, dpi: int = PAGE_DPI) -> tuple[bytes, ...]:
    """Every page of `pdf` as a PNG at `dpi`, rendered in memory."""
    images: list[bytes] = []
    with _PDFIUM:
        document = pdfium.PdfDocument(pdf)
        try:
            for index in range(len(document)):
                page = document[index]
                bitmap = page.render(scale=dpi / 72)
                out = io.BytesIO()
                bitmap.to_pil().save(out, format="PNG", dpi=(dpi, dpi))
                images.append(out.getvalue())
                bitmap.close()
                page.close()
        finally:
            document.close()
    return tuple(images)
