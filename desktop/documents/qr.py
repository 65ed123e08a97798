"""The QR code on every statement page: encoded at level M with a fixed mask, drawn as one image.

The payload (statement id, content digest, page/pages; `render.qr_payload`) is what a reader
of the paper copy scans to find the signed original. reportlab's encoder tries all eight
masks in pure Python and its widget draws a rectangle per run of modules, which was about
90 % of rendering a statement (issue 13). Here reportlab still chooses the version and splits
the data into blocks, but the mask is fixed, the Reed-Solomon codewords use table lookups,
the version's function patterns are built once per process, and the modules are drawn as one
1-bit inline image. tests/documents/test_qr.py compares the result with reportlab's own
encoder and decodes every page of a rendered PDF with an independent decoder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache, partial
from itertools import chain, zip_longest
from operator import is_not, itemgetter
from typing import Any

from reportlab.graphics.barcode import qrencoder
from reportlab.pdfgen.canvas import Canvas

from desktop.documents.layout import QR_RECT

# The quiet zone around the code, in modules (the QR standard asks for four).
_QR_BORDER = 4


# The QR mask pattern, fixed. Any of the eight masks gives a valid code (the reader takes the
# mask from the format bits); the encoder's search over all eight by penalty score was ~80 %
# of the QR's cost. Mask 0 (a checkerboard) breaks up runs and blocks well; every page of the
# render test's statements decodes with an independent decoder (tests/documents/test_qr.py).
QR_MASK = 0


_present = partial(is_not, None)  # a filter that drops the gaps zip_longest leaves


def _gf_tables() -> tuple[list[int], list[int]]:
    """exp and log tables of GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1."""
    exp, log = [0] * 512, [0] * 256
    value = 1
    for power in range(255):
        exp[power] = value
        log[value] = power
        value <<= 1
        if value & 0x100:
            value ^= 0x11D
    for power in range(255, 512):  # so that exp[log a + log b] needs no modulo
        exp[power] = exp[power - 255]
    return exp, log


_EXP, _LOG = _gf_tables()


@cache
def _rs_generator(degree: int) -> tuple[int, ...]:
    """The Reed-Solomon generator polynomial (x - a^0)...(x - a^(degree-1)), highest first."""
    poly = [1]
    for root in range(degree):
        nxt = [*poly, 0]
        for i, coef in enumerate(poly):
            if coef:
                nxt[i + 1] ^= _EXP[_LOG[coef] + root]
        poly = nxt
    return tuple(poly)


@cache
def _rs_products(degree: int) -> tuple[int, ...]:
    """For every byte f: f times the generator polynomial's lower `degree` coefficients,
    as one `degree`-byte integer, so one division step is a shift and one XOR."""
    gen = _rs_generator(degree)[1:]
    return (0, *(int.from_bytes(bytes(_EXP[_LOG[f] + _LOG[g]] if g else 0 for g in gen), "big")
                 for f in range(1, 256)))


def _rs_remainder(data: list[int], degree: int) -> list[int]:
    """The `degree` error-correction codewords of `data` (polynomial division remainder)."""
    # The remainder register is one integer of `degree` bytes (a linear feedback shift
    # register): each data byte costs a shift and one XOR with a precomputed product.
    products = _rs_products(degree)
    top = 8 * (degree - 1)
    keep = (1 << top) - 1
    rem = 0
    for byte in data:
        rem = (rem & keep) << 8 ^ products[byte ^ rem >> top]
    return list(rem.to_bytes(degree, "big"))


def _data_codewords(code: Any, capacity: int) -> list[int]:
    """The data codewords of `code` (segments, terminator, padding) filling `capacity` bytes.

    Byte-mode segments (every statement payload: it has lowercase hex) are packed into one
    integer here; reportlab's bit buffer appends bit by bit in Python. Other modes go through
    reportlab's own writer. The test compares both with reportlab's `createData`.
    """
    if all(isinstance(data, qrencoder.QR8bitByte) and isinstance(data.data, bytes)
           for data in code.dataList):
        value = bits = 0
        for data in code.dataList:
            length_bits = data.getLengthBits(code.version)
            value = (value << 4 | data.mode) << length_bits | len(data.data)
            value = value << 8 * len(data.data) | int.from_bytes(data.data, "big")
            bits += 4 + length_bits + 8 * len(data.data)
    else:
        buffer = qrencoder.QRBitBuffer()
        for data in code.dataList:
            data.write(buffer, code.version)
        bits = buffer.getLengthInBits()
        value = int.from_bytes(bytes(b & 0xFF for b in buffer.buffer), "big") >> (-bits % 8)
    if bits > capacity * 8:
        raise ValueError("QR payload too long for its version")
    if bits + 4 <= capacity * 8:
        value, bits = value << 4, bits + 4  # terminator
    value, bits = value << (-bits % 8), bits + (-bits % 8)  # to a byte boundary
    out = list(value.to_bytes(bits // 8, "big"))
    pads = (qrencoder.QRCode.PAD0, qrencoder.QRCode.PAD1)
    out.extend(pads[n % 2] for n in range(capacity - len(out)))
    return out


def _qr_codewords(code: Any) -> list[int]:
    """Data and error-correction codewords of `code` interleaved, as reportlab's encoder does.

    The Reed-Solomon part is done here, with table lookups and each generator polynomial
    built once per process: reportlab rebuilds the generator for every block with its
    polynomial class, which was most of the encoding time. tests/documents/test_qr.py
    checks the result against reportlab's own `createData`.
    """
    blocks = qrencoder.QRRSBlock.getRSBlocks(code.version, code.errorCorrectLevel)
    capacity = sum(block.dataCount for block in blocks)
    stream = _data_codewords(code, capacity)
    data_blocks: list[list[int]] = []
    ec_blocks: list[list[int]] = []
    offset = 0
    for block in blocks:
        chunk = stream[offset:offset + block.dataCount]
        offset += block.dataCount
        data_blocks.append(chunk)
        ec_blocks.append(_rs_remainder(chunk, block.totalCount - block.dataCount))
    out: list[int] = []
    for group in (data_blocks, ec_blocks):
        # Column by column; shorter blocks simply end (zip_longest fills in None).
        out.extend(filter(_present, chain.from_iterable(zip_longest(*group))))
    return out



@dataclass(frozen=True)
class _ImagePlan:
    """How a version's code becomes the 1-bit image drawn on the page (level M, `QR_MASK`).

    The image has `count` rows of `count` modules, each row padded with light bits to a
    byte boundary; a 1 bit is light (DeviceGray). `sources[k]` says where image bit k comes
    from in the string of the code's data bits followed by "01": a data bit in placement
    order, or the constant 0 or 1 for function patterns (finders, timing, alignment, format
    and version bits) and padding. `flip` is XORed over the result: it applies the mask to
    data modules and turns dark = 1 into light = 1.
    """

    count: int
    data_bits: int
    sources: tuple[int, ...]
    flip: int

    @cached_property
    def gather(self) -> Callable[[str], tuple[str, ...]]:
        """Picks the image's bits out of the source string, in one C-level call."""
        return itemgetter(*self.sources)


@lru_cache(maxsize=64)
def _image_plan(version: int) -> _ImagePlan:
    """The version's plan, made once per process with reportlab's encoder.

    Placing a code's bits then is one C-level gather over a string and one integer XOR,
    instead of a Python step per module.
    """
    code = qrencoder.QRCode(version, qrencoder.QRErrorCorrectLevel.M)
    code.dataCache = []  # no codewords: the matrix gets the function patterns only
    code.makeImpl(False, QR_MASK)
    mask = qrencoder.QRUtil.getMask(QR_MASK)
    order = {(row, col): i for i, (col, row) in enumerate(code.dataPosIterator())}
    data_bits = len(order)
    zero, one = data_bits, data_bits + 1
    count = code.moduleCount
    sources: list[int] = []
    flip = 0
    for row in range(count):
        for col in range(count + -count % 8):
            flip <<= 1
            if col >= count:  # padding to the byte boundary: light
                sources.append(one)
            elif (row, col) in order:
                sources.append(order[row, col])
                flip |= 0 if mask(row, col) else 1
            else:
                sources.append(one if code.modules[row][col] else zero)
                flip |= 1
    return _ImagePlan(count, data_bits, tuple(sources), flip)


def _qr_image(payload: str) -> tuple[int, bytes]:
    """The module count and the 1-bit image rows (light = 1) of `payload`'s QR code."""
    # reportlab's encoder chooses the mode (byte mode for every statement payload: it has
    # lowercase hex) and the smallest version that fits at level M.
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(payload)
    code.version = code.calculate_version()
    words = _qr_codewords(code)
    plan = _image_plan(code.version)
    # Data modules beyond the codewords (remainder bits) are 0.
    bits = format(int.from_bytes(bytes(words), "big"), f"0{8 * len(words)}b")
    source = bits.ljust(plan.data_bits, "0") + "01"
    value = int("".join(plan.gather(source)), 2) ^ plan.flip
    return plan.count, value.to_bytes(len(plan.sources) // 8, "big")


def qr_modules(payload: str) -> list[list[bool]]:
    """The QR matrix of `payload` (level M, mask `QR_MASK`), row 0 on top, True = dark."""
    count, rows = _qr_image(payload)
    stride = (count + -count % 8) // 8
    matrix = []
    for r in range(count):
        line = format(int.from_bytes(rows[r * stride:(r + 1) * stride], "big"),
                      f"0{8 * stride}b")
        matrix.append([bit == "0" for bit in line[:count]])
    return matrix


def draw_qr(canvas: Canvas, payload: str) -> None:
    # One 1-bit inline image of the modules (one sample per module, scaled to the module size)
    # instead of a reportlab Drawing with a rectangle per run of dark modules: the same
    # picture, a few hundred bytes per page, and no per-shape work in Python (reportlab's
    # shape rendering and number formatting cost more than encoding the code).
    count, rows = _qr_image(payload)
    module = min(QR_RECT.w, QR_RECT.h) / (count + 2 * _QR_BORDER)
    side = count * module
    canvas.saveState()
    canvas.translate(QR_RECT.x + (QR_RECT.w - side) / 2, QR_RECT.y + (QR_RECT.h - side) / 2)
    canvas.scale(side, side)
    canvas.addLiteral(f"BI /W {count} /H {count} /BPC 1 /CS /G /F /AHx ID\n{rows.hex()}>\nEI")
    canvas.restoreState()
