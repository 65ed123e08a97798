"""The one CJK font of every statement PDF, registered once with reportlab.

The font is WenQuanYi Micro Hei, a single-face TrueType file vendored in `resources/fonts/`
(see its README for origin and licence). reportlab embeds TrueType subsets, so text stays
extractable and the PDF does not depend on the reader's fonts. Registration also makes it
reportlab's canvas base font, so no non-embedded Helvetica is written into any page, and
turns off reportlab's ASCII85 wrapping of compressed streams (see `register_fonts`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from itertools import repeat
from pathlib import Path

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "WenQuanYiMicroHei"
FONT_FILE = "WenQuanYiMicroHei.ttf"

_lock = threading.Lock()
_registered = False


def font_path() -> Path:
    """The vendored font file on disk (pyHanko's GlyphAccumulatorFactory wants a path)."""
    path = Path(str(resources.files("resources").joinpath("fonts", FONT_FILE)))
    if not path.is_file():
        raise FileNotFoundError(f"statement font missing: {path}")
    return path


def register_fonts() -> str:
    """Register the statement font with reportlab (idempotent) and return its name."""
    global _registered
    with _lock:
        if not _registered:
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path())))
            rl_config.canvas_basefontname = FONT_NAME
            # Compressed page streams are written as binary, not ASCII85 text: ASCII85 only
            # keeps a PDF 7-bit clean for transports that no longer exist, makes the streams
            # a quarter longer, and reportlab's pure-Python encoder took about a fifth of the
            # time of rendering a statement (issue 13). Readers see the same pages.
            rl_config.useA85 = 0
            _registered = True
    return FONT_NAME


@lru_cache(maxsize=1)
def _advance_widths() -> tuple[Callable[[int, int], int], int]:
    """The font's advance width lookup (per 1000 units of size) and its default width."""
    register_fonts()
    face = pdfmetrics.getFont(FONT_NAME).face
    return face.charWidths.get, face.defaultWidth


def text_width(text: str, size: float) -> float:
    """Width in points of `text` set in the statement font at `size`."""
    # reportlab's stringWidth without its per-character generator (it was a tenth of
    # rendering a statement); the same sum in the same order, so the same float.
    width_of, default = _advance_widths()
    return 0.001 * size * sum(map(width_of, map(ord, text), repeat(default)))
