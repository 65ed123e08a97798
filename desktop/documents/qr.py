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

from functools import cache, lru_cache
from typing import Any

from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.pdfgen.canvas import Canvas

from desktop.documents.layout import QR_RECT

# The quiet zone around the code, in modules (the QR standard asks for four).
_QR_BORDER = 4


# The QR mask pattern, fixed. Any of the eight masks gives a valid code (the reader takes the
# mask from the format bits); the encoder's search over all eight by penalty score was ~80 %
# of the QR's cost. Mask 0 (a checkerboard) breaks up runs and blocks well; every page of the
# render test's statements decodes with an independent decoder (tests/documents/test_qr.py).
QR_MASK = 0


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


def _rs_remainder(data: list[int], degree: int) -> list[int]:
    """The `degree` error-correction codewords of `data` (polynomial division remainder)."""
    gen = _rs_generator(degree)
    log_gen = [_LOG[g] for g in gen[1:]]
    rem = [0] * degree
    for byte in data:
        factor = byte ^ rem[0]
        rem = [*rem[1:], 0]
        if factor:
            log_factor = _LOG[factor]
            for i, lg in enumerate(log_gen):
                rem[i] ^= _EXP[lg + log_factor]
    return rem


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
        for i in range(max(len(b) for b in group)):
            out.extend(b[i] for b in group if i < len(b))
    return out


@lru_cache(maxsize=64)
def _qr_template(version: int) -> tuple[tuple[tuple[bool, ...], ...],
                                        tuple[tuple[int, int, bool], ...]]:
    """For a version at level M and mask `QR_MASK`: the matrix's function patterns (finders,
    timing, alignment, format and version bits, all data modules light before masking) and
    the data modules in placement order as (row, column, mask bit).

    These depend on the version only, so they are made once per process with reportlab's
    encoder; placing a code's bits then is one pass over a list instead of reportlab's
    per-code walk of the matrix.
    """
    code = qrencoder.QRCode(version, qrencoder.QRErrorCorrectLevel.M)
    code.dataCache = []  # no codewords: every data module gets only its mask bit
    code.makeImpl(False, QR_MASK)
    mask = qrencoder.QRUtil.getMask(QR_MASK)
    positions = tuple((row, col, bool(mask(row, col))) for col, row in code.dataPosIterator())
    matrix = [[bool(module) for module in row] for row in code.modules]
    for row, col, _masked in positions:
        matrix[row][col] = False
    return tuple(tuple(row) for row in matrix), positions


def qr_modules(payload: str) -> list[list[bool]]:
    """The QR matrix of `payload` (level M, mask `QR_MASK`), row 0 on top, True = dark."""
    # The widget is only the encoder's front end here (byte-mode data, level M, the smallest
    # version that fits); it is not drawn.
    widget = QrCodeWidget(payload, barLevel="M", barWidth=QR_RECT.w, barHeight=QR_RECT.h)
    code = widget.qr
    if code.version is None:
        code.version = code.calculate_version()
    words = _qr_codewords(code)
    template, positions = _qr_template(code.version)
    matrix = [list(row) for row in template]
    bits = len(words) * 8
    for i, (row, col, masked) in enumerate(positions):
        dark = i < bits and (words[i >> 3] >> (7 - (i & 7))) & 1 == 1  # remainder bits: 0
        matrix[row][col] = dark != masked
    return matrix


def draw_qr(canvas: Canvas, payload: str) -> None:
    # One 1-bit inline image of the modules (one sample per module, scaled to the module size)
    # instead of a reportlab Drawing with a rectangle per run of dark modules: the same
    # picture, a few hundred bytes per page, and no per-shape work in Python (reportlab's
    # shape rendering and number formatting cost more than encoding the code).
    modules = qr_modules(payload)
    count = len(modules)
    module = min(QR_RECT.w, QR_RECT.h) / (count + 2 * _QR_BORDER)
    side = count * module
    pad = -count % 8  # every image row starts on a byte boundary
    rows = bytearray()
    for row in modules:
        bits = 0
        for dark in row:
            bits = bits << 1 | (not dark)  # DeviceGray, 1 bit: 0 is black
        rows += (bits << pad | ((1 << pad) - 1)).to_bytes((count + pad) // 8, "big")
    canvas.saveState()
    canvas.translate(QR_RECT.x + (QR_RECT.w - side) / 2, QR_RECT.y + (QR_RECT.h - side) / 2)
    canvas.scale(side, side)
    canvas.addLiteral(f"BI /W {count} /H {count} /BPC 1 /CS /G /F /AHx ID\n{rows.hex()}>\nEI")
    canvas.restoreState()
