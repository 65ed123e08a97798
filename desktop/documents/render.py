"""Render a statement (笔录) as an A4 PDF in the official layout, with its signature boxes.

`render_statement(StatementDocument)` lays the statement out with `layout.Flow` (title,
header fields, 问/答 turns, read-back declaration, signature block) and draws it with
reportlab in the embedded CJK font only. Every page carries "第 X 页 共 Y 页", the party's
signature/fingerprint box, a short hash of the content digest and a QR code
`SR1:<statement id>:<content digest>:<page>/<pages>` that ties the paper page to the record.
The result holds the PDF and the rectangles of every signature box, so signing can later
put images or signature fields exactly there. All fixed wording is in
`resources/templates/document.toml`.
"""

from __future__ import annotations

import hashlib
import io
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.pdfgen.canvas import Canvas

from desktop.documents.fonts import FONT_NAME, register_fonts, text_width
from desktop.documents.layout import (
    BODY_LEADING,
    BODY_SIZE,
    FRAME,
    HASH_ORIGIN,
    HEADER_LEADING,
    HEADER_SIZE,
    PAGE_HEIGHT,
    PAGE_NUMBER_BASELINE,
    PAGE_WIDTH,
    PARTY_BOX,
    QR_RECT,
    RUNNING_HEAD_BASELINE,
    SEPARATOR_Y,
    SMALL_SIZE,
    TITLE_SIZE,
    Flow,
    Page,
    Rect,
    TextItem,
    baseline_in,
    wrap,
)
from desktop.domain.model import Case, Officer, Party, Statement, TurnKind

BOX_NAMES = ("party", "interviewer1", "interviewer2", "recorder", "witness", "seal")
DECLARATION_BOX = "declaration"  # only when the declaration is left for handwriting
_HEX64 = re.compile(r"[0-9a-f]{64}")

# The signature block of the last page (offsets from its top, in points).
_ROW_H = 58.0
_LABEL_W = 58.0
_SIG_W, _SIG_H = 112.0, 40.0
_COL2 = 186.0
_SEAL = 116.0
_GRID_H = 6.0 + 2 * _ROW_H + 24.0
# Ruled lines left for the handwritten declaration: 80 pt (28 mm), room for two lines of
# handwriting of about 14 mm each, as on paper forms.
_WRITE_LINES = 4
# Light modules around the QR code (the quiet zone the standard asks for).
_QR_BORDER = 4


@dataclass(frozen=True)
class StatementDocument:
    """Everything a statement's pages show. `content_digest` is `content_digest(statement)`."""

    statement: Statement
    case: Case
    party: Party
    interviewer1: Officer
    interviewer2: Officer
    recorder: Officer
    unit: str
    title: str
    content_digest: str
    declaration: str | None = None  # read-back declaration; None leaves room for handwriting


def page_digest(qr_payload_text: str) -> str:
    """What the party's signature on a page is bound to: the page's QR payload hashed.

    The payload holds the statement id, the content digest and "page/pages", so a signature
    captured for one page of one version of the statement fits no other.
    """
    return hashlib.sha256(qr_payload_text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RenderedStatement:
    """The PDF and where its signature boxes are: name -> [(page index, x, y, w, h)].

    Rectangles are PDF points, origin bottom left. 'party' has one box per page, always at
    `layout.PARTY_BOX` = (368.59, 44, 170, 72), bottom right beside its label, below the
    text frame (56.69, 134)-(538.59, 785.20). 'interviewer1', 'interviewer2', 'recorder' and
    'witness' (112 x 40 each, a 2 x 2 grid) and 'seal' (116 x 116, right of the grid) are on
    the last page, in the signature block after the declaration; their height on the page
    depends on the content. When the declaration is left for handwriting
    (`StatementDocument.declaration` empty), 'declaration' is the ruled write space above the
    grid on the last page (the frame's width, four lines high); otherwise there is no such
    key. `qr_payloads[i]` is what page i's QR code encodes.
    """

    pdf: bytes
    signature_boxes: dict[str, list[tuple[int, float, float, float, float]]]
    page_count: int
    qr_payloads: tuple[str, ...]


@lru_cache(maxsize=1)
def wording() -> dict[str, Any]:
    """The fixed Chinese wording of statement documents."""
    raw = (resources.files("resources.templates") / "document.toml").read_text("utf-8")
    return tomllib.loads(raw)


def qr_payload(statement_id: str, digest: str, page: int, pages: int) -> str:
    """What the QR code of page `page` (1-based) of `pages` encodes."""
    return f"SR1:{statement_id}:{digest}:{page}/{pages}"


def _roles(doc: StatementDocument) -> dict[str, str]:
    roles: dict[str, dict[str, str]] = wording()["roles"]
    return roles.get(doc.statement.kind.value, roles["default"])


def _when(at: datetime | date | None) -> str:
    w = wording()["header"]
    if at is None:
        return str(w["empty"])
    if isinstance(at, datetime):
        return str(w["datetime"]).format(year=at.year, month=at.month, day=at.day,
                                         hour=at.hour, minute=at.minute)
    return str(w["date"]).format(year=at.year, month=at.month, day=at.day)


def _or_empty(value: str) -> str:
    return value or str(wording()["header"]["empty"])


def _header_lines(doc: StatementDocument) -> list[str]:
    w, roles, s, p = wording()["header"], _roles(doc), doc.statement, doc.party
    time = (w["time"].format(start=_when(s.started_at), end=_when(s.ended_at)) if s.ended_at
            else w["time_open"].format(start=_when(s.started_at)))
    return [
        w["case"].format(number=doc.case.number),
        time,
        w["place"].format(place=_or_empty(s.place)),
        w["interviewers"].format(
            interviewer=roles["interviewer"],
            name1=doc.interviewer1.name, cert1=doc.interviewer1.certificate_no,
            name2=doc.interviewer2.name, cert2=doc.interviewer2.certificate_no),
        w["recorder"].format(name=doc.recorder.name),
        w["party_line1"].format(interviewee=roles["interviewee"], name=p.name,
                                sex=wording()["sex"][p.sex.value], nation=_or_empty(p.nation),
                                birth=_when(p.birth_date)),
        w["party_id"].format(id_kind=wording()["id_kind"][p.id_kind.value],
                             id_number=p.id_number),
        w["party_address"].format(address=_or_empty(p.address)),
        w["party_contact"].format(phone=_or_empty(p.phone), workplace=_or_empty(p.workplace)),
        w["cause"].format(cause=_or_empty(doc.case.cause)),
    ]


def _turn_text(kind: TurnKind, text: str) -> str:
    b = wording()["body"]
    if kind is TurnKind.QUESTION:
        return f"{b['question']}{text}"
    if kind is TurnKind.ANSWER:
        return f"{b['answer']}{text}"
    stripped = text.strip()
    if stripped[:1] in ("（", "(") and stripped[-1:] in ("）", ")"):
        return stripped
    return str(b["note"]).format(text=stripped)


def _fit(text: str, size: float, width: float) -> float:
    """The largest size <= `size` at which `text` fits in `width`."""
    while size > 5.0 and text_width(text, size) > width:
        size -= 0.5
    return size


def _closing(doc: StatementDocument, flow: Flow) -> None:
    """Declaration, refusal and the signature block, kept together on the last page."""
    c, roles = wording()["closing"], _roles(doc)
    lines: list[tuple[str, str]] = [(c["declaration_label"].format(**roles), "body")]
    if doc.declaration and doc.declaration.strip():
        lines += [(t, "body") for t in wrap(doc.declaration, BODY_SIZE, FRAME.w)]
        write_space = 0.0
    else:
        lines += [(t, "hint") for t in wrap(c["declaration_hint"].format(**roles),
                                            SMALL_SIZE, FRAME.w)]
        write_space = _WRITE_LINES * BODY_LEADING
    refusal = doc.statement.refusal
    refusal_lines = [] if refusal is None else wrap(
        c["refusal"].format(interviewee=roles["interviewee"], reason=refusal.reason,
                            witness=refusal.witness_name, at=_when(refusal.recorded_at)),
        BODY_SIZE, FRAME.w)
    height = (len(lines) + len(refusal_lines)) * BODY_LEADING + write_space + 10 + _GRID_H
    if height > FRAME.h:  # too long to keep together: flow the text, keep only the grid whole
        flow.paragraph(lines[0][0], BODY_SIZE, BODY_LEADING)
        flow.paragraph(doc.declaration or "", BODY_SIZE, BODY_LEADING)
        for text in refusal_lines:
            flow.line(text, BODY_SIZE, BODY_LEADING)
        lines, refusal_lines, write_space, height = [], [], 0.0, 10 + _GRID_H

    def draw(page: Page, top: float) -> None:
        y = top
        for text, style in lines:
            size = BODY_SIZE if style == "body" else SMALL_SIZE
            page.texts.append(TextItem(FRAME.x, baseline_in(y, size, BODY_LEADING), text, size,
                                       style))
            y -= BODY_LEADING
        rules = int(write_space // BODY_LEADING)
        for n in range(rules):  # ruled lines for handwriting
            rule_y = y - (n + 1) * BODY_LEADING + 3.0
            page.rules.append((FRAME.x, rule_y, FRAME.right, rule_y))
        if rules:  # where the handwritten declaration goes: the ruled lines, hint excluded
            page.boxes[DECLARATION_BOX] = Rect(FRAME.x, y - write_space + 1.0, FRAME.w,
                                               write_space - 2.0)
        y -= write_space
        for text in refusal_lines:
            page.texts.append(TextItem(FRAME.x, baseline_in(y, BODY_SIZE, BODY_LEADING), text,
                                       BODY_SIZE))
            y -= BODY_LEADING
        _signature_grid(doc, page, y - 10)

    flow.block(height, draw)


def _signature_grid(doc: StatementDocument, page: Page, top: float) -> None:
    c, roles = wording()["closing"], _roles(doc)
    refusal = doc.statement.refusal
    cells = [
        ("interviewer1", c["interviewer"].format(**roles), doc.interviewer1.name,
         doc.interviewer1.certificate_no),
        ("interviewer2", c["interviewer"].format(**roles), doc.interviewer2.name,
         doc.interviewer2.certificate_no),
        ("recorder", c["recorder"], doc.recorder.name, doc.recorder.certificate_no),
        ("witness", c["witness"], refusal.witness_name if refusal else "", ""),
    ]
    for i, (name, label, person, cert) in enumerate(cells):
        col_x = FRAME.x + (_COL2 if i % 2 else 0.0)
        box = Rect(col_x + _LABEL_W, top - 6.0 - (i // 2) * _ROW_H - _SIG_H, _SIG_W, _SIG_H)
        page.boxes[name] = box
        page.texts.append(TextItem(col_x, box.y + _SIG_H / 2 - HEADER_SIZE * 0.35, label,
                                   HEADER_SIZE))
        caption = f"{person}（{cert}）" if cert else person
        if caption:
            size = _fit(caption, SMALL_SIZE, _COL2 - _LABEL_W - 8.0)
            page.texts.append(TextItem(box.x, box.y - 10.5, caption, size, "small"))
    seal = Rect(FRAME.right - _SEAL, top - 6.0 - _SEAL, _SEAL, _SEAL)
    page.boxes["seal"] = seal
    baseline = top - _GRID_H + 6.0
    caption = f"{c['seal']}　{c['signed_date']}"
    page.texts.append(TextItem(FRAME.right, baseline, caption, SMALL_SIZE + 0.5, "small",
                               "right"))
    unit = wording()["header"]["unit"].format(unit=doc.unit)
    room = FRAME.w - text_width(caption, SMALL_SIZE + 0.5) - 12.0
    page.texts.append(TextItem(FRAME.x, baseline, unit, _fit(unit, SMALL_SIZE + 1.0, room),
                               "small"))


def _layout(doc: StatementDocument) -> list[Page]:
    flow = Flow()
    flow.line(doc.title, TITLE_SIZE, TITLE_SIZE * 2.0, "title", "centre")
    for text in _header_lines(doc):
        flow.paragraph(text, HEADER_SIZE, HEADER_LEADING)
    flow.space(8.0)
    for turn in sorted(doc.statement.turns, key=lambda t: t.seq):
        if turn.kind is TurnKind.QUESTION and not turn.text.strip():
            continue  # a question opened and never asked (Enter after the last answer)
        flow.paragraph(_turn_text(turn.kind, turn.text), BODY_SIZE, BODY_LEADING,
                       space_before=4.0)
    flow.space(12.0)
    _closing(doc, flow)
    return flow.pages


def _draw_text(canvas: Canvas, item: TextItem) -> None:
    grey = {"body": 0.0, "title": 0.0, "hint": 0.35, "small": 0.25}[item.style]
    canvas.saveState()  # render mode and character spacing are graphics state
    canvas.setFillGray(grey)
    x = item.x
    if item.align != "left":
        width = text_width(item.text, item.size)
        x -= width / 2 if item.align == "centre" else width
    text = canvas.beginText(x, item.baseline)
    text.setFont(FONT_NAME, item.size)
    if item.style == "title":  # the font has no bold face: fill and stroke the outlines
        canvas.setStrokeGray(0.0)
        canvas.setLineWidth(0.5)
        text.setTextRenderMode(2)
        text.setCharSpace(4.0)
    if item.justify > 0 and len(item.text) > 1:
        slack = item.justify - text_width(item.text, item.size)
        if 0 < slack < item.size * 2:  # never stretch a short line across the page
            text.setCharSpace(slack / (len(item.text) - 1))
    text.textOut(item.text)
    canvas.drawText(text)
    canvas.restoreState()


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


def _draw_qr(canvas: Canvas, payload: str) -> None:
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


def _draw_box(canvas: Canvas, box: Rect, dashed: bool = False) -> None:
    canvas.saveState()
    canvas.setStrokeGray(0.55)
    canvas.setLineWidth(0.6)
    if dashed:
        canvas.setDash(3, 2)
    canvas.rect(box.x, box.y, box.w, box.h, stroke=1, fill=0)
    canvas.restoreState()


def _furniture(canvas: Canvas, doc: StatementDocument, index: int, pages: int) -> None:
    """What every page carries: running head, QR, hash, party box, page number."""
    f, roles = wording()["footer"], _roles(doc)
    page = index + 1
    if index > 0:
        head = wording()["header"]["continued"].format(title=doc.title, number=doc.case.number)
        _draw_text(canvas, TextItem(FRAME.x, RUNNING_HEAD_BASELINE, head, SMALL_SIZE, "small"))
    canvas.saveState()
    canvas.setStrokeGray(0.6)
    canvas.setLineWidth(0.5)
    canvas.line(FRAME.x, SEPARATOR_Y, FRAME.right, SEPARATOR_Y)
    canvas.restoreState()
    _draw_qr(canvas, qr_payload(doc.statement.id, doc.content_digest, page, pages))
    short = f["hash"].format(short=doc.content_digest[:16], page=page)
    _draw_text(canvas, TextItem(HASH_ORIGIN[0], HASH_ORIGIN[1], short, SMALL_SIZE, "small"))
    label = f["party_sign"].format(**roles)
    _draw_text(canvas, TextItem(PARTY_BOX.x - 6.0, PARTY_BOX.y + PARTY_BOX.h / 2 - 3.5, label,
                                HEADER_SIZE, "body", "right"))
    _draw_box(canvas, PARTY_BOX)
    number = f["pages"].format(page=page, pages=pages)
    _draw_text(canvas, TextItem(PAGE_WIDTH / 2, PAGE_NUMBER_BASELINE, number, 9.0, "body",
                                "centre"))


def render_statement(doc: StatementDocument) -> RenderedStatement:
    """Lay out and draw `doc` as an A4 PDF; return it with its signature box rectangles."""
    if not _HEX64.fullmatch(doc.content_digest):
        raise ValueError("content_digest must be 64 lowercase hex characters")
    register_fonts()
    pages = _layout(doc)
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1, invariant=1,
                    initialFontName=FONT_NAME, initialFontSize=BODY_SIZE)
    canvas.setTitle(f"{doc.title} {doc.case.number}")
    canvas.setAuthor(doc.unit)
    canvas.setCreator("Statement Room")
    canvas.setSubject(f"SR1:{doc.statement.id}:{doc.content_digest}")
    boxes: dict[str, list[tuple[int, float, float, float, float]]] = {n: [] for n in BOX_NAMES}
    payloads = []
    for index, page in enumerate(pages):
        _furniture(canvas, doc, index, len(pages))
        payloads.append(qr_payload(doc.statement.id, doc.content_digest, index + 1, len(pages)))
        boxes["party"].append((index, PARTY_BOX.x, PARTY_BOX.y, PARTY_BOX.w, PARTY_BOX.h))
        for item in page.texts:
            _draw_text(canvas, item)
        canvas.saveState()
        canvas.setStrokeGray(0.7)
        canvas.setLineWidth(0.4)
        canvas.setDash(1, 2)
        for x1, y1, x2, y2 in page.rules:
            canvas.line(x1, y1, x2, y2)
        canvas.restoreState()
        for name, box in page.boxes.items():
            if name != DECLARATION_BOX:  # the ruled lines already show where to write
                _draw_box(canvas, box, dashed=name == "seal")
            boxes.setdefault(name, []).append((index, box.x, box.y, box.w, box.h))
        canvas.showPage()
    canvas.save()
    return RenderedStatement(buf.getvalue(), boxes, len(pages), tuple(payloads))
