"""The one CJK font of every statement PDF, registered once with reportlab.

The font is WenQuanYi Micro Hei, a single-face TrueType file vendored in `resources/fonts/`
(see its README for origin and licence). reportlab embeds TrueType subsets, so text stays
extractable and the PDF does not depend on the reader's fonts. Registration also makes it
reportlab's canvas base font, so no non-embedded Helvetica is written into any page.
"""

from __future__ import annotations

import threading
from importlib import resources
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
            _registered = True
    return FONT_NAME


def text_width(text: str, size: float) -> float:
    """Width in points of `text` set in the statement font at `size`."""
    register_fonts()
    return float(pdfmetrics.stringWidth(text, FONT_NAME, size))
