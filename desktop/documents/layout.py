"""Page geometry, CJK line breaking and pagination of a statement, without drawing anything.

All positions are PDF points on an A4 page with the origin at the bottom left. Every page
has the same furniture at fixed places (the footer band below `FRAME`): the QR code and
short hash at the left, the party's signature/fingerprint box at the right, "第 X 页 共 Y 页"
centred below. Text flows only inside `FRAME`. Chinese has no spaces, so `wrap` breaks per
character (keeping Latin words and numbers such as 浙G12345 together when they fit) and
follows the usual rules: no closing punctuation at the start of a line, no opening bracket
at the end of one. `Flow` stacks wrapped paragraphs and fixed blocks into pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from reportlab.pdfbase import pdfmetrics

from desktop.documents.fonts import FONT_NAME, register_fonts, text_width

PAGE_WIDTH = 595.2755905511812  # A4
PAGE_HEIGHT = 841.8897637795277
MARGIN = 56.69  # 20 mm


@dataclass(frozen=True)
class Rect:
    """A rectangle in PDF points: lower-left corner, width and height."""

    x: float
    y: float
    w: float
    h: float

    @property
    def top(self) -> float:
        return self.y + self.h

    @property
    def right(self) -> float:
        return self.x + self.w

    def intersects(self, other: Rect) -> bool:
        return not (
            self.right <= other.x
            or other.right <= self.x
            or self.top <= other.y
            or other.top <= self.y
        )

    def contains(self, other: Rect, tolerance: float = 0.0) -> bool:
        return (
            other.x >= self.x - tolerance
            and other.y >= self.y - tolerance
            and other.right <= self.right + tolerance
            and other.top <= self.top + tolerance
        )


# The text frame: everything of the statement's content lies inside it, on every page.
FRAME = Rect(MARGIN, 134.0, PAGE_WIDTH - 2 * MARGIN, PAGE_HEIGHT - MARGIN - 134.0)
# Fixed furniture of every page (below the frame).
SEPARATOR_Y = 126.0
QR_RECT = Rect(MARGIN, 44.0, 72.0, 72.0)
HASH_ORIGIN = (MARGIN + 80.0, 48.0)  # baseline of the short hash, right of the QR code
PARTY_BOX = Rect(PAGE_WIDTH - MARGIN - 170.0, 44.0, 170.0, 72.0)
PAGE_NUMBER_BASELINE = 26.0
RUNNING_HEAD_BASELINE = PAGE_HEIGHT - 40.0  # pages 2.. only, above the frame

TITLE_SIZE = 22.0
HEADER_SIZE = 10.5
HEADER_LEADING = 18.0
BODY_SIZE = 11.5
BODY_LEADING = 20.0
SMALL_SIZE = 8.5

NO_LINE_START = set("，。、；：？！）」』》〉】〕〗”’…—～·%,.;:?!)]}")
NO_LINE_END = set("（「『《〈【〔〖“‘([{")
_ATOM = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,:/@%+\-_#]*|\s|.", re.DOTALL)


@lru_cache(maxsize=65536)
def _width(atom: str, size: float) -> float:
    return text_width(atom, size)


def _line_width(atoms: Iterable[str], size: float) -> float:
    return sum(_width(a, size) for a in atoms)


def _atoms(text: str, size: float, width: float) -> list[str]:
    out: list[str] = []
    for atom in _ATOM.findall(text):
        if len(atom) > 1 and _width(atom, size) > width:
            out.extend(atom)  # a Latin run longer than a line breaks anywhere
        else:
            out.append(atom)
    return out


def _wrap_one(text: str, size: float, width: float) -> list[str]:
    lines: list[list[str]] = []
    cur: list[str] = []
    cur_w = 0.0
    for atom in _atoms(text, size, width):
        w = _width(atom, size)
        if cur_w + w <= width + 1e-6:
            cur.append(atom)
            cur_w += w
            continue
        if atom.isspace():  # a space at a break is dropped
            lines.append(cur)
            cur, cur_w = [], 0.0
            continue
        carry: list[str] = []
        # Closing punctuation may not start a line: take characters down with it.
        if atom[0] in NO_LINE_START:
            while len(cur) > 1 and len(carry) < 3:
                carry.insert(0, cur.pop())
                if carry[0][0] not in NO_LINE_START:
                    break
        # An opening bracket may not end a line.
        while len(cur) > 1 and cur[-1][-1] in NO_LINE_END and len(carry) < 4:
            carry.insert(0, cur.pop())
        new = [*carry, atom]
        if _line_width(new, size) > width + 1e-6:  # cannot honour the rule: break plainly
            cur.extend(carry)
            new = [atom]
        lines.append(cur)
        cur = new
        cur_w = _line_width(cur, size)
    lines.append(cur)
    result = ["".join(line).strip() for line in lines]
    return [line for line in result if line] or [""]


def wrap(text: str, size: float, width: float) -> list[str]:
    """Break `text` into lines no wider than `width` points in the statement font."""
    register_fonts()
    out: list[str] = []
    for part in text.replace("\r\n", "\n").replace("\t", " ").split("\n"):
        out.extend(_wrap_one(part, size, width))
    return out


@dataclass(frozen=True)
class TextItem:
    """One line of text placed on a page; `style` selects colour and weight when drawn."""

    x: float
    baseline: float
    text: str
    size: float
    style: str = "body"  # body | title | hint | small
    align: str = "left"  # left | centre | right (x is the anchor)
    justify: float = 0.0  # > 0: spread the characters to fill this width (CJK justification)


@dataclass
class Page:
    texts: list[TextItem] = field(default_factory=list)
    boxes: dict[str, Rect] = field(default_factory=dict)
    rules: list[tuple[float, float, float, float]] = field(default_factory=list)


def baseline_in(top: float, size: float, leading: float) -> float:
    """The baseline that centres a line of `size` in a slot of `leading` below `top`."""
    ascent, descent = _vertical_metrics()
    return top - (leading - (ascent + descent) * size) / 2 - ascent * size


@lru_cache(maxsize=1)
def _vertical_metrics() -> tuple[float, float]:
    """Ascent and descent (positive) of the statement font, per point of size."""
    register_fonts()
    face = pdfmetrics.getFont(FONT_NAME).face
    return float(face.ascent) / 1000.0, -float(face.descent) / 1000.0


class Flow:
    """Stacks paragraphs and fixed blocks top to bottom inside FRAME, adding pages."""

    def __init__(self) -> None:
        self.pages: list[Page] = [Page()]
        self.y = FRAME.top

    @property
    def page(self) -> Page:
        return self.pages[-1]

    @property
    def room(self) -> float:
        return self.y - FRAME.y

    def new_page(self) -> None:
        self.pages.append(Page())
        self.y = FRAME.top

    def space(self, height: float) -> None:
        if self.y < FRAME.top:  # no blank space at the top of a page
            self.y = max(FRAME.y, self.y - height)

    def line(self, text: str, size: float, leading: float, style: str = "body",
             align: str = "left", justify: float = 0.0) -> None:
        if self.room < leading:
            self.new_page()
        x = {"left": FRAME.x, "centre": FRAME.x + FRAME.w / 2, "right": FRAME.right}[align]
        self.page.texts.append(TextItem(x, baseline_in(self.y, size, leading), text, size,
                                        style, align, justify))
        self.y -= leading

    def paragraph(self, text: str, size: float, leading: float, style: str = "body",
                  space_before: float = 0.0) -> None:
        lines = wrap(text, size, FRAME.w)
        self.space(space_before)
        # No orphan: a paragraph's first line does not stand alone at the foot of a page.
        if len(lines) > 1 and self.room < 2 * leading:
            self.new_page()
        for i, text_line in enumerate(lines):
            # Every line but a paragraph's last is justified to the frame, as in print.
            self.line(text_line, size, leading, style, justify=FRAME.w if i < len(lines) - 1
                      else 0.0)

    def block(self, height: float, draw: Callable[[Page, float], None]) -> None:
        """A fixed block that is never split: `draw(page, top)` places its content."""
        if self.room < height:
            self.new_page()
        draw(self.page, self.y)
        self.y -= height
