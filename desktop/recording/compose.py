"""The recorded picture: the person full frame, the room as an inset, the date and time, the
subtitle band (the question or answer being typed).

Pillow renders the text (the bundled Chinese font of the statement PDFs) into small RGBA
images, cached until the text (or the clock's second) changes; each frame is then composed
with numpy on a copy of the camera picture: a darkened box under white text (see `_Overlay`)
and a decimated copy of the room picture. No Qt, so the headless demo and the GUI share it;
the per-frame work is a few passes over small regions (about 0.6 ms at 720p), which keeps the
overlays within decision 43's budget of 30 % over a bare encode.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy
from PIL import Image, ImageDraw, ImageFont

from desktop.documents.fonts import font_path

SUBTITLE_LINES = 2
INSET_STEP = 4  # the room's inset is a quarter of the picture's width and height
# Characters of a long subtitle that are wrapped: more than the lines shown hold even of the
# narrowest characters (about 140 a line), and where that tail starts moves in steps of
# TAIL_STEP characters.
SUBTITLE_TAIL = 400
TAIL_STEP = 100
_CLOCK_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class _Overlay:
    """White text on a darkened box, ready to draw: the glyphs' coverage as an RGB image.

    Drawing darkens the picture under the box to 3/8 (two shifts, no widening to 16 bits) and
    takes the brighter of that and the glyphs: for white text on a dark box this looks the
    same as an alpha blend at a third of its cost (issue 18's budget is per frame).
    """

    glyphs: numpy.ndarray  # (h, w, 3) uint8: 255 where the text is, anti-aliased edges

    @classmethod
    def of(cls, coverage: Image.Image) -> _Overlay:
        grey = numpy.asarray(coverage.convert("L"), dtype=numpy.uint8)
        return cls(glyphs=numpy.repeat(grey[..., None], 3, axis=2))

    @property
    def shape(self) -> tuple[int, int]:
        return (self.glyphs.shape[0], self.glyphs.shape[1])

    def blend_into(self, picture: numpy.ndarray, top: int, left: int) -> None:
        h, w = self.shape
        region = picture[top:top + h, left:left + w]
        dimmed = region >> 2
        dimmed += region >> 3
        numpy.maximum(dimmed, self.glyphs[:region.shape[0], :region.shape[1]], out=region)


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Lines of `text` no wider than `width`: Chinese breaks anywhere, Latin words at spaces.

    Widths are the sum of each character's advance (cached per font): measuring the growing
    line again at every character made a long answer's subtitle cost a core while it was typed.
    """
    advance = _advances(font)
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line, line_width = "", 0.0
        for char in paragraph:
            char_width = advance(char)
            if line_width + char_width <= width or not line:
                line += char
                line_width += char_width
                continue
            space = line.rfind(" ")
            if char != " " and space > 0 and line[space + 1:].isascii():
                lines.append(line[:space])
                line = line[space + 1:] + char
            else:
                lines.append(line.rstrip())
                line = char.lstrip()
            line_width = sum(advance(c) for c in line)
        lines.append(line)
    return lines


@functools.lru_cache(maxsize=8)
def _advances(font: ImageFont.FreeTypeFont) -> Callable[[str], float]:
    """`font`'s advance width of one character, remembered."""
    widths: dict[str, float] = {}

    def advance(char: str) -> float:
        width = widths.get(char)
        if width is None:
            width = widths[char] = float(font.getlength(char))
        return width

    return advance


def inset_source(room: numpy.ndarray, width: int, height: int) -> numpy.ndarray:
    """What of a room picture the inset of a `width` x `height` recording shows: a full-size
    picture's every fourth pixel (a tenth of the cost of a filtered resize; an inset this small
    shows the room, not detail), any other size as it is (resized when composed). The
    recorder sends the child only this, a sixteenth of the picture."""
    step = INSET_STEP
    if room.shape[:2] == (height, width):
        return room[:height // step * step:step, :width // step * step:step]
    return room


class Compositor:
    """Composes one recorded frame from the camera pictures, the clock and the subtitle."""

    def __init__(self, width: int, height: int, *, font: Path | None = None) -> None:
        self.width = width
        self.height = height
        scale = height / 720
        face = str(font or font_path())
        self._clock_font = ImageFont.truetype(face, max(10, round(30 * scale)))
        self._subtitle_font = ImageFont.truetype(face, max(10, round(34 * scale)))
        self._margin = max(4, round(16 * scale))
        self._inset_w = width // INSET_STEP  # the inset is a quarter of the width
        self._inset_h = height // INSET_STEP
        self._clock: tuple[str, _Overlay] | None = None
        self._subtitle: tuple[str, _Overlay | None] | None = None

    # -- layout (public so tests and the GUI can find the regions) -------------------------

    def inset_box(self) -> tuple[int, int, int, int]:
        """(top, left, height, width) of the room inset, border excluded."""
        return (self._margin, self.width - self._margin - self._inset_w, self._inset_h,
                self._inset_w)

    def clock_origin(self) -> tuple[int, int]:
        return (self._margin, self._margin)

    def subtitle_band(self) -> tuple[int, int]:
        """(top, height) of the subtitle band when there is a subtitle."""
        line = self._line_height()
        height = SUBTITLE_LINES * line + 2 * self._margin
        return (self.height - height, height)

    def _line_height(self) -> int:
        ascent, descent = self._subtitle_font.getmetrics()
        return ascent + descent + max(2, self._margin // 3)

    # -- text images (cached) --------------------------------------------------------------

    def clock_overlay(self, clock: datetime) -> _Overlay:
        text = (clock.astimezone() if clock.tzinfo else clock).strftime(_CLOCK_FORMAT)
        if self._clock is None or self._clock[0] != text:
            _left, _top, right, bottom = self._clock_font.getbbox(text)
            pad = self._margin // 2
            image = Image.new("L", (round(right) + 2 * pad, round(bottom) + 2 * pad), 0)
            ImageDraw.Draw(image).text((pad, pad), text, font=self._clock_font, fill=255)
            self._clock = (text, _Overlay.of(image))
        return self._clock[1]

    def subtitle_overlay(self, subtitle: str) -> _Overlay | None:
        if self._subtitle is None or self._subtitle[0] != subtitle:
            self._subtitle = (subtitle, self._render_subtitle(subtitle))
        return self._subtitle[1]

    def _render_subtitle(self, subtitle: str) -> _Overlay | None:
        if not subtitle.strip():
            return None
        text = subtitle.strip()
        # Only the end is shown (what is being typed now): wrap a tail that surely fills the
        # lines shown, cut at a point that moves in steps, so the lines stay put as it grows.
        if len(text) > SUBTITLE_TAIL:
            text = text[(len(text) - SUBTITLE_TAIL) // TAIL_STEP * TAIL_STEP:]
        lines = wrap(text, self._subtitle_font, self.width - 2 * self._margin)
        lines = lines[-SUBTITLE_LINES:]
        _top, height = self.subtitle_band()
        image = Image.new("L", (self.width, height), 0)
        draw = ImageDraw.Draw(image)
        line = self._line_height()
        for row, text in enumerate(lines):
            draw.text((self._margin, self._margin + row * line), text, font=self._subtitle_font,
                      fill=255)
        return _Overlay.of(image)

    # -- the frame ------------------------------------------------------------------------

    def compose(self, person: numpy.ndarray, room: numpy.ndarray | None, clock: datetime,
                subtitle: str) -> numpy.ndarray:
        """A new (height, width, 3) uint8 picture; the inputs are left untouched."""
        picture = self._fit(person, self.width, self.height).copy()
        if room is not None:
            top, left, h, w = self.inset_box()
            border = max(1, self._margin // 8)
            picture[top - border:top + h + border, left - border:left + w + border] = 255
            picture[top:top + h, left:left + w] = self._shrink(room)
        overlay = self.clock_overlay(clock)
        overlay.blend_into(picture, *self.clock_origin())
        band = self.subtitle_overlay(subtitle)
        if band is not None:
            band.blend_into(picture, self.subtitle_band()[0], 0)
        return picture

    def _shrink(self, room: numpy.ndarray) -> numpy.ndarray:
        return self._fit(inset_source(room, self.width, self.height), self._inset_w,
                         self._inset_h)

    @staticmethod
    def _fit(pixels: numpy.ndarray, width: int, height: int) -> numpy.ndarray:
        if pixels.shape[:2] == (height, width):
            return pixels
        image = Image.fromarray(pixels).resize((width, height), Image.Resampling.BILINEAR)
        return numpy.asarray(image)
