"""Visible stamps for officer and seal signatures, drawn as images with the vendored font.

pyHanko's own text stamps lay CJK glyphs out with odd spacing and load the whole 4.6 MB font
for every signature (about 0.8 s each); drawing the few lines with Pillow into a transparent
PNG at print resolution is fast, looks like the rest of the document, and is stamped like the
party's handwriting. The signature's cryptographic time is in the signature itself; the
time drawn here is what the reader sees.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from desktop.documents.fonts import font_path

DPI = 300
INK = (20, 20, 20, 255)
SEAL_INK = (200, 30, 30, 255)


def text_stamp_png(lines: list[str], width_pt: float, height_pt: float,
                   seal: bool = False) -> bytes:
    """A transparent PNG of `lines`, as large as fits a box of `width_pt` x `height_pt`."""
    width, height = round(width_pt / 72 * DPI), round(height_pt / 72 * DPI)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    margin = round(0.06 * min(width, height))
    size = max(8, (height - 2 * margin) // max(1, len(lines)))
    font = ImageFont.truetype(str(font_path()), size)
    # Inside a round seal the lines must clear the ring: use the inscribed width.
    usable = (width - 2 * margin) * (0.7 if seal else 1.0)
    while size > 8 and any(draw.textlength(line, font=font) > usable for line in lines):
        size -= 2
        font = ImageFont.truetype(str(font_path()), size)
    ink = SEAL_INK if seal else INK
    if seal:
        draw.ellipse((margin, margin, width - margin, height - margin), outline=ink,
                     width=max(2, size // 8))
    top = (height - size * len(lines)) // 2
    for index, line in enumerate(lines):
        left = (width - draw.textlength(line, font=font)) / 2
        draw.text((left, top + index * size), line, font=font, fill=ink)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def with_fingerprint_png(signature_png: bytes, fingerprint_png: bytes) -> bytes:
    """The party's signature with their fingerprint beside it, as one transparent PNG.

    The fingerprint is scaled to the signature's height (keeping its proportions) and placed
    on the right, as it is pressed next to the name on a paper statement.
    """
    with Image.open(io.BytesIO(signature_png)) as raw_signature, \
            Image.open(io.BytesIO(fingerprint_png)) as raw_print:
        signature = raw_signature.convert("RGBA")
        print_image = raw_print.convert("RGBA")
    height = signature.height
    width = max(1, round(print_image.width * height / max(1, print_image.height)))
    print_image = print_image.resize((width, height), Image.Resampling.LANCZOS)
    gap = max(1, height // 10)
    canvas = Image.new("RGBA", (signature.width + gap + width, height), (255, 255, 255, 0))
    canvas.paste(signature, (0, 0), signature)
    canvas.paste(print_image, (signature.width + gap, 0), print_image)
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=False)
    return out.getvalue()


def officer_stamp_png(lines: list[str], width_pt: float, height_pt: float,
                      handwriting_png: bytes | None = None) -> bytes:
    """An officer's box: who signed, with which certificate and when; optionally in hand.

    With `handwriting_png` (the officer's own signature from the pad) the handwriting takes
    the left half of the box and the printed lines the right half, as Chinese statement rooms
    print them; without it the lines fill the box.
    """
    if handwriting_png is None:
        return text_stamp_png(lines, width_pt, height_pt)
    text = Image.open(io.BytesIO(text_stamp_png(lines, width_pt / 2, height_pt))).convert("RGBA")
    width, height = round(width_pt / 72 * DPI), round(height_pt / 72 * DPI)
    with Image.open(io.BytesIO(handwriting_png)) as raw:
        hand = raw.convert("RGBA")
    hand.thumbnail((width - text.width, height), Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    canvas.paste(hand, ((width - text.width - hand.width) // 2, (height - hand.height) // 2), hand)
    canvas.paste(text, (width - text.width, 0), text)
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return out.getvalue()
