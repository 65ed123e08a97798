"""Fixtures for signing tests: a test PKI, a small Chinese statement PDF, a handwriting PNG.

Everything is synthetic. The PDF is drawn with reportlab in the vendored CJK TrueType font
(registered here, independently of the renderer, so these tests only need the font file).
The fully signed statement is built once per session: it is the expensive part.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from desktop.documents.pki import TestPki, write_test_pki
from desktop.documents.signer import SoftwareSigner
from desktop.documents.signing import (
    INTERVIEWER1_FIELD,
    INTERVIEWER2_FIELD,
    RECORDER_FIELD,
    SEAL_FIELD,
    WITNESS_FIELD,
    FieldSpec,
    certify,
    default_font_path,
    sign_field,
)
from desktop.documents.tsa import LoopbackTsa

FONT_NAME = "TestWenQuanYi"
PAGES = 2


@pytest.fixture(scope="session")
def font_file() -> Path:
    path = default_font_path()
    if not path.is_file():
        pytest.skip(f"vendored CJK font missing: {path}")
    return path


@pytest.fixture(scope="session")
def other_pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    """A second PKI whose root nobody trusts."""
    return write_test_pki(tmp_path_factory.mktemp("other-pki"), root_name="Untrusted Root")


def statement_pdf(font: Path) -> bytes:
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(font)))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, initialFontName=FONT_NAME)
    lines = ["询问笔录", "时间：2026年11月27日9时00分至9时40分",
             "地点：东城区综合行政执法局询问室1", "问：你是否清楚今天为什么来这里？",
             "答：清楚，是关于占道经营的事情。"]
    for page in range(PAGES):
        pdf.setFont(FONT_NAME, 12)
        for index, line in enumerate(lines):
            pdf.drawString(72, 760 - 22 * index, line)
        pdf.drawString(260, 40, f"第 {page + 1} 页 共 {PAGES} 页")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


@pytest.fixture(scope="session")
def unsigned_pdf(font_file: Path) -> bytes:
    return statement_pdf(font_file)


@pytest.fixture(scope="session")
def party_png() -> bytes:
    """A made-up handwritten scrawl in blue ink on a transparent background."""
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(20, 80), (60, 30), (90, 90), (130, 40), (170, 85), (210, 35), (280, 70)],
              fill=(20, 30, 140, 255), width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def field_specs() -> list[FieldSpec]:
    last = PAGES - 1
    party = [FieldSpec(f"Party{page + 1}", page, 400, 60, 540, 110) for page in range(PAGES)]
    return [*party,
            FieldSpec(INTERVIEWER1_FIELD, last, 60, 130, 200, 180),
            FieldSpec(INTERVIEWER2_FIELD, last, 210, 130, 350, 180),
            FieldSpec(RECORDER_FIELD, last, 360, 130, 500, 180),
            FieldSpec(WITNESS_FIELD, last, 60, 190, 200, 240),
            FieldSpec.seal(last, 420, 200, 540, 320)]


@dataclass(frozen=True)
class SignedStatement:
    data: bytes
    tsa_requests: int


def signer_from(identity_p12: Path, password: bytes) -> SoftwareSigner:
    return SoftwareSigner.from_pkcs12(identity_p12.read_bytes(), password)


@pytest.fixture(scope="session")
def signed_statement(pki: TestPki, unsigned_pdf: bytes, party_png: bytes) -> SignedStatement:
    """certify → party (image, every page) → officers (CJK text, B-T over HTTP) → seal."""
    device = signer_from(pki.device.p12_path, pki.p12_password)
    officer1, officer2, recorder = (
        SoftwareSigner.from_pem(o.key_path.read_bytes(), o.cert_path.read_bytes(),
                                pki.root.cert_path.read_bytes())
        for o in pki.officers)
    seal = signer_from(pki.seal.p12_path, pki.p12_password)
    with LoopbackTsa(pki.tsa.certificate, pki.tsa_key, [pki.root.certificate]) as tsa:
        data = certify(unsigned_pdf, field_specs(), device, timestamper=tsa.timestamper(),
                       reason="笔录生成", location="东城区综合行政执法局询问室1")
        for page in range(PAGES):
            data = sign_field(data, f"Party{page + 1}", device, image_png=party_png)
        data = sign_field(data, INTERVIEWER1_FIELD, officer1,
                          text="询问人：%(signer)s\n时间：%(ts)s", timestamper=tsa.timestamper())
        data = sign_field(data, INTERVIEWER2_FIELD, officer2,
                          text="询问人：%(signer)s\n时间：%(ts)s", timestamper=tsa.timestamper())
        data = sign_field(data, RECORDER_FIELD, recorder, text="记录人：%(signer)s")  # B-B
        data = sign_field(data, SEAL_FIELD, seal, text="东城区综合行政执法局\n执法专用章",
                          timestamper=tsa.timestamper(), lock=True)
        return SignedStatement(data, tsa.requests)
