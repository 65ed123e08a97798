"""Signatures and fingerprints captured page by page at read-back, as immutable values.

At read-back the interviewee signs every page on a pen tablet (and is often fingerprinted).
The GUI records each signature as vector strokes, points of `(t_ms, x, y, pressure)` with x
and y in millimetres on the signing surface and pressure from 0 to 1, and hands them to this
module, which

- validates them (`SignatureCapture` and friends raise `UserError` on anything malformed),
- renders them to a transparent print-resolution picture (`render_image`) and PNG
  (`render_png`), deterministically, so the same strokes always give the same bytes (for
  one Pillow/zlib version),
- binds strokes, picture and the page they were drawn on in one SHA-256 (`capture_digest`),

and `desktop.documents.page_signatures` collects a whole document's signatures (with the
fingerprints), the declaration the interviewee wrote by hand ("以上笔录我看过，和我说的相符",
on the last page), or the recorded refusal to sign.

Coordinates are quantized before anything is rendered or hashed: micrometres for x, y and
the surface size, thousandths for pressure. The canonical JSON of those integers is what the
digest covers, and the PNG is drawn from the same integers, so the picture is a function of
exactly the data that is signed. No Qt here: the GUI feeds `QTabletEvent` samples in.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from gettext import gettext as _

from PIL import Image, ImageDraw

from desktop.domain.errors import UserError
from sync.protocol.canonical import MAX_SAFE_INTEGER, canonical_json

__all__ = [
    "CAPTURE_FORMAT",
    "DECLARATION",
    "DECLARATION_FORMAT",
    "DEFAULT_DPI",
    "SIGNATURE",
    "SignatureCapture",
    "Stroke",
    "StrokePoint",
    "capture_digest",
    "capture_record",
    "png_bytes",
    "render_image",
    "render_png",
]

# Identifies the digest encoding; change it (v2) if the record layout ever changes.
CAPTURE_FORMAT = "statement-room/signature-capture/v1"
# What a capture is for: a page signature, or the handwritten read-back declaration. The
# record layout is the same; only its "format" differs, so a page signature's strokes can
# never pass for the declaration (or the reverse), and page signature digests are unchanged.
SIGNATURE = "signature"
DECLARATION = "declaration"
DECLARATION_FORMAT = "statement-room/declaration-capture/v1"
_FORMATS = {SIGNATURE: CAPTURE_FORMAT, DECLARATION: DECLARATION_FORMAT}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DEFAULT_DPI = 300
MIN_DPI = 72
MAX_DPI = 1200
MAX_OUTPUT_PIXELS = 50_000_000  # 200 MB of RGBA; a 150 x 60 mm pad at 1200 dpi is 20 M

# The signing surface: real pads are 100-250 mm wide; anything beyond A3 is a bug upstream.
MAX_SURFACE_MM = 420.0
MAX_STROKES = 500
MAX_POINTS = 100_000  # a signature of a few seconds at 200 Hz has a few thousand
MAX_LABEL_CHARS = 200

# Pen width in millimetres at pressure 0 and 1 (a 0.5 mm gel pen looks like 0.3-0.9 mm).
MIN_PEN_MM = 0.3
MAX_PEN_MM = 1.0
INK_RGB = (16, 24, 64)  # blue-black; transparent pixels carry the same colour (no fringes)

# Supersampling for anti-aliasing, reduced for huge canvases to bound memory.
SUPERSAMPLE_FACTORS = (4, 3, 2, 1)
MAX_SUPERSAMPLED_PIXELS = 64_000_000

_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


# --- validation helpers ----------------------------------------------------------------------


def check_page(page_index: object, page_digest: object) -> None:
    if not isinstance(page_index, int) or isinstance(page_index, bool) or page_index < 0:
        raise UserError(
            _("The page number of a signature is invalid: {value}.").format(value=page_index)
        )
    if not isinstance(page_digest, str) or not _HEX_SHA256.fullmatch(page_digest):
        raise UserError(
            _("The page digest must be a SHA-256 written as 64 lowercase hexadecimal digits.")
        )


def check_label(value: object, missing: str, too_long: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise UserError(missing)
    if len(value) > MAX_LABEL_CHARS:
        raise UserError(too_long.format(limit=MAX_LABEL_CHARS))


def _finite(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


# --- the captured strokes --------------------------------------------------------------------


@dataclass(frozen=True)
class StrokePoint:
    """One pen sample: time in ms, position in mm from the top-left corner, pressure 0..1."""

    t_ms: int
    x: float
    y: float
    pressure: float

    def __post_init__(self) -> None:
        if (
            not isinstance(self.t_ms, int)
            or isinstance(self.t_ms, bool)
            or not 0 <= self.t_ms <= MAX_SAFE_INTEGER
        ):
            raise UserError(
                _("A pen sample has an invalid time stamp: {value}.").format(value=self.t_ms)
            )
        if not (_finite(self.x) and _finite(self.y)):
            raise UserError(_("A pen sample has an invalid position."))
        if not _finite(self.pressure) or not 0.0 <= self.pressure <= 1.0:
            raise UserError(
                _("Pen pressure must be between 0 and 1, got {value}.").format(
                    value=self.pressure
                )
            )


@dataclass(frozen=True)
class Stroke:
    """The samples from one pen-down to the next pen-up, in time order."""

    points: tuple[StrokePoint, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "points", tuple(self.points))
        if not self.points:
            raise UserError(_("A pen stroke has no points."))
        for point in self.points:
            if not isinstance(point, StrokePoint):
                raise UserError(_("A pen stroke contains something that is not a pen sample."))
        for before, after in itertools.pairwise(self.points):
            if after.t_ms < before.t_ms:
                raise UserError(
                    _("The pen samples of a stroke go back in time ({later} ms after {earlier}"
                      " ms).").format(later=after.t_ms, earlier=before.t_ms)
                )


@dataclass(frozen=True)
class SignatureCapture:
    """A signature drawn on one page at read-back.

    `page_digest` is the page's binding (`page_binding`): the hex SHA-256 of the page's QR
    payload and everything printed on the page as the interviewee saw it when signing;
    `width_mm` x `height_mm` is the signing surface every point lies on; `device` names the
    pad (model and serial, or "mouse" for the fallback). `purpose` is `SIGNATURE` (the name
    signed on a page) or `DECLARATION` (the read-back declaration written by hand).
    """

    page_index: int
    page_digest: str
    width_mm: float
    height_mm: float
    strokes: tuple[Stroke, ...]
    device: str
    purpose: str = SIGNATURE

    def __post_init__(self) -> None:
        object.__setattr__(self, "strokes", tuple(self.strokes))
        if self.purpose not in _FORMATS:
            raise UserError(_("A capture is either a signature or a handwritten declaration."))
        check_page(self.page_index, self.page_digest)
        check_label(
            self.device,
            _("The signature pad that captured the signature must be named."),
            _("The signature pad name is longer than {limit} characters."),
        )
        for side in (self.width_mm, self.height_mm):
            if not _finite(side) or not 1.0 <= side <= MAX_SURFACE_MM:
                raise UserError(
                    _("The signing surface must be 1 to {limit} mm on each side.").format(
                        limit=int(MAX_SURFACE_MM)
                    )
                )
        if not self.strokes:
            raise UserError(_("The signature is empty: nothing was drawn."))
        if len(self.strokes) > MAX_STROKES:
            raise UserError(
                _("The signature has more than {limit} strokes.").format(limit=MAX_STROKES)
            )
        total = 0
        for number, stroke in enumerate(self.strokes, start=1):
            if not isinstance(stroke, Stroke):
                raise UserError(_("A signature contains something that is not a pen stroke."))
            total += len(stroke.points)
            for point in stroke.points:
                if not (0.0 <= point.x <= self.width_mm and 0.0 <= point.y <= self.height_mm):
                    raise UserError(
                        _("Stroke {stroke} leaves the {width} x {height} mm signing surface at"
                          " ({x}, {y}) mm.").format(
                            stroke=number,
                            width=f"{self.width_mm:g}",
                            height=f"{self.height_mm:g}",
                            x=f"{point.x:.1f}",
                            y=f"{point.y:.1f}",
                        )
                    )
        if total > MAX_POINTS:
            raise UserError(
                _("The signature has more than {limit} pen samples.").format(limit=MAX_POINTS)
            )


def _um(mm: float) -> int:
    """Millimetres to whole micrometres (round half to even, the same on every machine)."""
    return round(mm * 1000)


def _milli(pressure: float) -> int:
    return round(pressure * 1000)


def capture_record(capture: SignatureCapture) -> dict[str, object]:
    """The capture as integers only: the exact data `capture_digest` covers.

    Positions and the surface size are in micrometres, pressure in thousandths, each stroke a
    list of `[t_ms, x_um, y_um, pressure_milli]`. Storage can keep this next to the PNG. The
    format is `CAPTURE_FORMAT` for a page signature, `DECLARATION_FORMAT` for the declaration.
    """
    return {
        "format": _FORMATS[capture.purpose],
        "page_index": capture.page_index,
        "page_digest": capture.page_digest,
        "width_um": _um(capture.width_mm),
        "height_um": _um(capture.height_mm),
        "device": capture.device,
        "strokes": [
            [[p.t_ms, _um(p.x), _um(p.y), _milli(p.pressure)] for p in stroke.points]
            for stroke in capture.strokes
        ],
    }


# --- rendering -------------------------------------------------------------------------------


def _canvas_size(capture: SignatureCapture, dpi: int) -> tuple[int, int]:
    # Integer arithmetic on the quantized size: 25 400 um per inch, rounded to nearest.
    width = max(1, (_um(capture.width_mm) * dpi + 12_700) // 25_400)
    height = max(1, (_um(capture.height_mm) * dpi + 12_700) // 25_400)
    return width, height


def _supersample(width: int, height: int) -> int:
    for factor in SUPERSAMPLE_FACTORS:
        if width * height * factor * factor <= MAX_SUPERSAMPLED_PIXELS:
            return factor
    return 1


def _draw_stroke(
    draw: ImageDraw.ImageDraw, points: Sequence[tuple[float, float, float]]
) -> None:
    """Fill one stroke: a disc at every sample and a tapered quad between neighbours."""
    for x, y, r in points:
        draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    for (x0, y0, r0), (x1, y1, r1) in itertools.pairwise(points):
        dx, dy = x1 - x0, y1 - y0
        length = math.hypot(dx, dy)
        if length < 1e-9:
            continue
        nx, ny = -dy / length, dx / length
        draw.polygon(
            [
                (x0 + nx * r0, y0 + ny * r0),
                (x1 + nx * r1, y1 + ny * r1),
                (x1 - nx * r1, y1 - ny * r1),
                (x0 - nx * r0, y0 - ny * r0),
            ],
            fill=255,
        )


def render_png(capture: SignatureCapture, dpi: int = DEFAULT_DPI) -> bytes:
    """The signature as a transparent RGBA PNG, `dpi` pixels per inch of signing surface
    (`render_image`, encoded with `png_bytes`)."""
    return png_bytes(render_image(capture, dpi), dpi)


def png_bytes(image: Image.Image, dpi: int) -> bytes:
    """`image` (RGBA, from `render_image`) as the PNG that is kept and digested.

    Written here rather than by Pillow: Pillow tries every PNG row filter on every row,
    which took three times as long as compressing (issue 13), and for ink of one colour on
    transparency the unfiltered rows compress as small. 8-bit RGBA, no interlace, the
    resolution in a pHYs chunk as Pillow writes it, zlib level 6.
    """
    if image.mode != "RGBA":
        raise ValueError(f"expected an RGBA picture, not {image.mode}")
    width, height = image.size
    raw = image.tobytes()
    stride = 4 * width
    rows = b"".join(b"\0" + raw[row * stride:(row + 1) * stride] for row in range(height))
    per_metre = int(dpi / 0.0254 + 0.5)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    return b"".join((
        PNG_SIGNATURE,
        chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)),
        chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
        chunk(b"IDAT", zlib.compress(rows, 6)),
        chunk(b"IEND", b""),
    ))


def render_image(capture: SignatureCapture, dpi: int = DEFAULT_DPI) -> Image.Image:
    """The signature as a transparent RGBA picture, `dpi` pixels per inch of signing surface.

    Ink width grows with pressure from `MIN_PEN_MM` to `MAX_PEN_MM`; edges are anti-aliased
    by drawing a coverage mask at up to 4x and box-filtering it down. Drawn from the
    quantized coordinates, so the pixels depend only on `capture_record(capture)` and `dpi`.
    """
    if not isinstance(dpi, int) or isinstance(dpi, bool) or not MIN_DPI <= dpi <= MAX_DPI:
        raise UserError(
            _("The print resolution must be {low} to {high} dpi.").format(low=MIN_DPI,
                                                                          high=MAX_DPI)
        )
    width, height = _canvas_size(capture, dpi)
    if width * height > MAX_OUTPUT_PIXELS:
        raise UserError(
            _("The signing surface is too large to render at {dpi} dpi.").format(dpi=dpi)
        )
    factor = _supersample(width, height)
    px_per_um = dpi * factor / 25_400
    mask = Image.new("L", (width * factor, height * factor), 0)
    draw = ImageDraw.Draw(mask)
    for stroke in capture.strokes:
        samples = [
            (
                _um(p.x) * px_per_um,
                _um(p.y) * px_per_um,
                (MIN_PEN_MM * 1000 + (MAX_PEN_MM - MIN_PEN_MM) * _milli(p.pressure))
                * px_per_um
                / 2,
            )
            for p in stroke.points
        ]
        _draw_stroke(draw, samples)
    if factor > 1:
        # The mean of each factor x factor block (a box filter at an integer scale): `reduce`
        # does it four times faster than `resize(..., BOX)`, to within one level of 255 on
        # a few edge pixels (issue 13: drawing the party's pages was a fifth of signing).
        mask = mask.reduce(factor)
    image = Image.new("RGBA", (width, height), (*INK_RGB, 0))
    image.putalpha(mask)
    return image


# --- digest ----------------------------------------------------------------------------------


def capture_digest(capture: SignatureCapture, png: bytes) -> str:
    """Hex SHA-256 binding the strokes, the picture and the page they were drawn on.

    Hashes the canonical JSON (RFC 8785) of `capture_record(capture)` extended with the
    SHA-256 of `png`; the record already carries the page index and page digest. Changing a
    point, a pressure, the page, the device or the picture changes the result.
    """
    if not isinstance(png, bytes | bytearray) or not bytes(png).startswith(PNG_SIGNATURE):
        raise UserError(_("The signature picture is not a PNG image."))
    record = capture_record(capture)
    record["png_sha256"] = hashlib.sha256(png).hexdigest()
    return hashlib.sha256(canonical_json(record)).hexdigest()
