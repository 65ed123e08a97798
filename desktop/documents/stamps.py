"""Visible stamps for officer and seal signatures, drawn as pictures with the vendored font.

pyHanko's own text stamps lay CJK glyphs out with odd spacing and load the whole 4.6 MB font
for every signature (about 0.8 s each); drawing the few lines with Pillow into a transparent
picture at print resolution is fast, looks like the rest of the document, and is stamped like
the party's handwriting. The pictures stay in memory and go to `signing.sign_field` as they
are: encoding them to PNG only for pyHanko to decode them again was most of their cost
(issue 13). The signature's cryptographic time is in the signature itself; the time drawn
here is what the reader sees.
"""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from desktop.documents.fonts import font_path

DPI = 300
INK = (20, 20, 20, 255)
SEAL_INK = (200, 30, 30, 255)


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont:
    """The statement font at `size` pixels (FreeType maps the file; opened once per size)."""
    return ImageFont.truetype(str(font_path()), size)


def text_stamp(lines: list[str], width_pt: float, height_pt: float,
               seal: bool = False) -> Image.Image:
    """A transparent picture of `lines`, as large as fits a box of `width_pt` x `height_pt`."""
    width, height = round(width_pt / 72 * DPI), round(height_pt / 72 * DPI)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    margin = round(0.06 * min(width, height))
    size = max(8, (height - 2 * margin) // max(1, len(lines)))
    # Inside a round seal the lines must clear the ring: use the inscribed width.
    usable = (width - 2 * margin) * (0.7 if seal else 1.0)

    def widest(at: int) -> float:
        return max((draw.textlength(line, font=_font(at)) for line in lines), default=0.0)

    # Text width grows about linearly with size: skip the sizes that clearly do not fit
    # (in steps of 2, as the search below takes them), then take the first that does.
    if size > 8 and widest(size) > usable:
        size -= 2 * max(0, int((size - size * usable / widest(size)) // 2) - 1)
    while size > 8 and widest(size) > usable:
        size -= 2
    font = _font(size)
    ink = SEAL_INK if seal else INK
    if seal:
        draw.ellipse((margin, margin, width - margin, height - margin), outline=ink,
                     width=max(2, size // 8))
    top = (height - size * len(lines)) // 2
    for index, line in enumerate(lines):
        left = (width - draw.textlength(line, font=font)) / 2
        draw.text((left, top + index * size), line, font=font, fill=ink)
    return image


def with_fingerprint(signature: Image.Image, fingerprint_png: bytes) -> Image.Image:
    """The party's signature with their fingerprint beside it, as one transparent picture.

    The fingerprint is scaled to the signature's height (keeping its proportions) and placed
    on the right, as it is pressed next to the name on a paper statement.
    """
    signature = signature.convert("RGBA")
    with Image.open(io.BytesIO(fingerprint_png)) as raw_print:
        print_image = raw_print.convert("RGBA")
    height = signature.height
    width = max(1, round(print_image.width * height / max(1, print_image.height)))
    print_image = print_image.resize((width, height), Image.Resampling.LANCZOS)
    gap = max(1, height // 10)
    canvas = Image.new("RGBA", (signature.width + gap + width, height), (255, 255, 255, 0))
    canvas.paste(signature, (0, 0), signature)
    canvas.paste(print_image, (signature.width + gap, 0), print_image)
    return canvas


def officer_stamp(lines: list[str], width_pt: float, height_pt: float,
                  handwriting_png: bytes | None = None) -> Image.Image:
    """An officer's box: who signed, with which certificate and when; optionally in hand.

    With `handwriting_png` (the officer's own signature from the pad) the handwriting takes
    the left half of the box and the printed lines the right half, as Chinese statement rooms
    print them; without it the lines fill the box.
    """
    if handwriting_png is None:
        return text_stamp(lines, width_pt, height_pt)
    text = text_stamp(lines, width_pt / 2, height_pt)
    width, height = round(width_pt / 72 * DPI), round(height_pt / 72 * DPI)
    with Image.open(io.BytesIO(handwriting_png)) as raw:
        hand = raw.convert("RGBA")
    hand.thumbnail((width - text.width, height), Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    canvas.paste(hand, ((width - text.width - hand.width) // 2, (height - hand.height) // 2), hand)
    canvas.paste(text, (width - text.width, 0), text)
    return canvas
