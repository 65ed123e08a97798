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
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, repeat

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
_LATIN_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,:/@%+\-_#]*")
_ATOM = re.compile(f"{_LATIN_RUN.pattern}|\\s|.", re.DOTALL)


@lru_cache(maxsize=65536)
def _width(atom: str, size: float) -> float:
    return text_width(atom, size)


def _atoms(text: str, size: float, width: float) -> list[str]:
    atoms: list[str] = _ATOM.findall(text)
    # Only a Latin run can be wider than a line; looking at the runs alone keeps a Python
    # step per character out of the common case.
    if all(_width(run, size) <= width for run in _LATIN_RUN.findall(text) if len(run) > 1):
        return atoms
    out: list[str] = []
    for atom in atoms:
        if len(atom) > 1 and _width(atom, size) > width:
            out.extend(atom)  # a Latin run longer than a line breaks anywhere
        else:
            out.append(atom)
    return out


def _wrap_one(text: str, size: float, width: float) -> list[tuple[str, float]]:
    # A line is a run atoms[start:stop]. Where it must end is found by bisecting the running
    # sum of widths (then checked with the line's own sum) rather than by a Python step per
    # character: the layout is work a bare PDF script does not do (issue 13).
    atoms = _atoms(text, size, width)
    widths = list(map(_width, atoms, repeat(size)))
    running = list(accumulate(widths, initial=0.0))
    limit = width + 1e-6
    count = len(atoms)
    lines: list[tuple[int, int]] = []
    start = placed = 0  # atoms[start:placed] are on the current line already
    while True:
        over = max(bisect_right(running, running[start] + limit, lo=placed) - 1, placed)
        while over < count and sum(widths[start:over + 1]) <= limit:
            over += 1
        while over > placed and sum(widths[start:over]) > limit:
            over -= 1
        if over >= count:
            lines.append((start, count))
            break
        atom = atoms[over]  # the first atom that does not fit
        if atom.isspace():  # a space at a break is dropped
            lines.append((start, over))
            start = placed = over + 1
            continue
        carry = over  # atoms[carry:over] go down to the next line with it
        # Closing punctuation may not start a line: take characters down with it.
        if atom[0] in NO_LINE_START:
            while carry - start > 1 and over - carry < 3:
                carry -= 1
                if atoms[carry][0] not in NO_LINE_START:
                    break
        # An opening bracket may not end a line.
        while carry - start > 1 and atoms[carry - 1][-1] in NO_LINE_END and over - carry < 4:
            carry -= 1
        if sum(widths[carry:over + 1]) > limit:  # cannot honour the rule: break plainly
            carry = over
        lines.append((start, carry))
        start, placed = carry, over + 1
    result = []
    for a, b in lines:
        while a < b and atoms[a].isspace():  # a line neither starts nor ends with a space
            a += 1
        while b > a and atoms[b - 1].isspace():
            b -= 1
        if a < b:
            result.append(("".join(atoms[a:b]), sum(widths[a:b])))
    return result or [("", 0.0)]


def wrap_measured(text: str, size: float, width: float) -> list[tuple[str, float]]:
    """`wrap`, with each line's width in points (what justifying it needs)."""
    register_fonts()
    out: list[tuple[str, float]] = []
    for part in text.replace("\r\n", "\n").replace("\t", " ").split("\n"):
        out.extend(_wrap_one(part, size, width))
    return out


def wrap(text: str, size: float, width: float) -> list[str]:
    """Break `text` into lines no wider than `width` points in the statement font."""
    return [line for line, _width in wrap_measured(text, size, width)]


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
    natural_width: float = 0.0  # > 0: the text's own width, as the layout measured it


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
             align: str = "left", justify: float = 0.0, natural_width: float = 0.0) -> None:
        if self.room < leading:
            self.new_page()
        x = {"left": FRAME.x, "centre": FRAME.x + FRAME.w / 2, "right": FRAME.right}[align]
        self.page.texts.append(TextItem(x, baseline_in(self.y, size, leading), text, size,
                                        style, align, justify, natural_width))
        self.y -= leading

    def paragraph(self, text: str, size: float, leading: float, style: str = "body",
                  space_before: float = 0.0) -> None:
        lines = wrap_measured(text, size, FRAME.w)
        self.space(space_before)
        # No orphan: a paragraph's first line does not stand alone at the foot of a page.
        if len(lines) > 1 and self.room < 2 * leading:
            self.new_page()
        for i, (text_line, natural_width) in enumerate(lines):
            # Every line but a paragraph's last is justified to the frame, as in print.
            self.line(text_line, size, leading, style, justify=FRAME.w if i < len(lines) - 1
                      else 0.0, natural_width=natural_width)

    def block(self, height: float, draw: Callable[[Page, float], None]) -> None:
        """A fixed block that is never split: `draw(page, top)` places its content."""
        if self.room < height:
            self.new_page()
        draw(self.page, self.y)
        self.y -= height
