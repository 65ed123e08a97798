"""The statement QR codes decode, with an independent decoder, to exactly their payloads.

The renderer encodes with a fixed mask and draws the modules itself (documents/qr.py), so these
tests read the codes back with ZXing (`zxing-cpp`, not reportlab): from the matrix alone for
payloads of several sizes, and from every page of a rendered PDF rasterised by poppler.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from desktop.documents.qr import qr_modules
from desktop.documents.render import qr_payload, render_statement
from tests.documents.test_render import STATEMENT_ID, three_page_document
from tests.poppler import poppler_tool


def matrix_image(modules: list[list[bool]], scale: int = 4, border: int = 4) -> Image.Image:
    size = (len(modules) + 2 * border) * scale
    image = Image.new("L", (size, size), 255)
    for r, row in enumerate(modules):
        for c, dark in enumerate(row):
            if dark:
                x, y = (c + border) * scale, (r + border) * scale
                image.paste(0, (x, y, x + scale, y + scale))
    return image


def decoded(image: Image.Image) -> list[tuple[str, str]]:
    return [(code.text, code.ec_level) for code in zxingcpp.read_barcodes(image)
            if code.format == zxingcpp.BarcodeFormat.QRCode]


@pytest.mark.parametrize("payload", [
    qr_payload(STATEMENT_ID, "0" * 64, 1, 1),
    qr_payload(STATEMENT_ID, "f" * 64, 12, 130),
    qr_payload("x", "0123456789abcdef" * 4, 1, 2),
    "SR1:" + "中文" * 10,  # non-ASCII text takes the byte mode, UTF-8
])
def test_the_matrix_decodes_to_the_payload_at_level_m(payload: str) -> None:
    assert decoded(matrix_image(qr_modules(payload))) == [(payload, "M")]


def test_every_rendered_page_carries_a_code_that_decodes_to_its_payload(
        tmp_path: Path) -> None:
    out = render_statement(three_page_document())
    src = tmp_path / "statement.pdf"
    src.write_bytes(out.pdf)
    subprocess.run([poppler_tool("pdftoppm"), "-png", "-r", "150", str(src),
                    str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == out.page_count == len(out.qr_payloads)
    for image_path, payload in zip(pages, out.qr_payloads, strict=True):
        with Image.open(image_path) as image:
            assert decoded(image) == [(payload, "M")], image_path.name


@pytest.mark.parametrize("length", [1, 20, 110, 130, 300, 600])
@pytest.mark.parametrize("level", ["L", "M", "Q", "H"])
def test_the_codewords_are_reportlabs(length: int, level: str) -> None:
    """The renderer's Reed-Solomon step gives exactly what reportlab's encoder gives."""
    from reportlab.graphics.barcode import qrencoder
    from reportlab.graphics.barcode.qr import QrCodeWidget

    from desktop.documents.qr import _qr_codewords

    payload = ("SR1:问答0123456789abcdef/" * 40)[:length]
    code = QrCodeWidget(payload, barLevel=level).qr
    code.version = code.calculate_version()
    expected = qrencoder.QRCode.createData(code.version, code.errorCorrectLevel, code.dataList)
    assert _qr_codewords(code) == [byte & 0xFF for byte in expected]


@pytest.mark.parametrize("length", [1, 40, 110, 130, 200, 400])
def test_the_matrix_is_reportlabs_with_the_same_mask(length: int) -> None:
    """Placing the bits through the per-version template gives reportlab's own matrix."""
    from reportlab.graphics.barcode.qr import QrCodeWidget

    from desktop.documents.qr import QR_MASK

    payload = ("SR1:问答0123456789abcdef/" * 40)[:length]
    code = QrCodeWidget(payload, barLevel="M").qr
    code.version = code.calculate_version()
    code.makeImpl(False, QR_MASK)
    assert qr_modules(payload) == [[bool(module) for module in row] for row in code.modules]
