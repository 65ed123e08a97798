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
from functools import lru_cache
from importlib import resources
from typing import Any

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
from desktop.documents.qr import draw_qr
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


_GREY = {"body": 0.0, "title": 0.0, "hint": 0.35, "small": 0.25}


def _draw_texts(canvas: Canvas, items: list[TextItem]) -> None:
    """Draw a page's lines as one PDF text object.

    One BT/ET with absolute origins, and font, colour, render mode and character spacing set
    only when they change: a save/restore and a text object per line made the page streams
    twice as long and cost more than the text itself (issue 13).
    """
    canvas.saveState()  # fill colour, render mode and character spacing are graphics state
    canvas.setStrokeGray(0.0)  # only the title is stroked (render mode 2)
    canvas.setLineWidth(0.5)
    text = canvas.beginText()
    grey: float | None = None
    size: float | None = None
    mode, char_space = 0, 0.0
    for item in items:
        if _GREY[item.style] != grey:
            grey = _GREY[item.style]
            text.setFillGray(grey)
        if item.size != size:
            size = item.size
            text.setFont(FONT_NAME, size)
        spacing = 0.0
        if item.style == "title":  # the font has no bold face: fill and stroke the outlines
            spacing = 4.0
        elif item.justify > 0 and len(item.text) > 1:
            slack = item.justify - (item.natural_width or text_width(item.text, item.size))
            if 0 < slack < item.size * 2:  # never stretch a short line across the page
                spacing = slack / (len(item.text) - 1)
        if spacing != char_space:
            char_space = spacing
            text.setCharSpace(spacing)
        if (2 if item.style == "title" else 0) != mode:
            mode = 2 - mode
            text.setTextRenderMode(mode)
        x = item.x
        if item.align != "left":
            width = text_width(item.text, item.size)
            x -= width / 2 if item.align == "centre" else width
        text.setTextOrigin(x, item.baseline)
        text.textOut(item.text)
    canvas.drawText(text)
    canvas.restoreState()


def _draw_box(canvas: Canvas, box: Rect, dashed: bool = False) -> None:
    canvas.saveState()
    canvas.setStrokeGray(0.55)
    canvas.setLineWidth(0.6)
    if dashed:
        canvas.setDash(3, 2)
    canvas.rect(box.x, box.y, box.w, box.h, stroke=1, fill=0)
    canvas.restoreState()


def _furniture(canvas: Canvas, doc: StatementDocument, index: int, pages: int
               ) -> list[TextItem]:
    """What every page carries: running head, QR, hash, party box, page number.

    The lines and the QR code are drawn here; the texts are returned, to be drawn with the
    page's own.
    """
    f, roles = wording()["footer"], _roles(doc)
    page = index + 1
    texts = []
    if index > 0:
        head = wording()["header"]["continued"].format(title=doc.title, number=doc.case.number)
        texts.append(TextItem(FRAME.x, RUNNING_HEAD_BASELINE, head, SMALL_SIZE, "small"))
    canvas.saveState()
    canvas.setStrokeGray(0.6)
    canvas.setLineWidth(0.5)
    canvas.line(FRAME.x, SEPARATOR_Y, FRAME.right, SEPARATOR_Y)
    canvas.restoreState()
    draw_qr(canvas, qr_payload(doc.statement.id, doc.content_digest, page, pages))
    short = f["hash"].format(short=doc.content_digest[:16], page=page)
    texts.append(TextItem(HASH_ORIGIN[0], HASH_ORIGIN[1], short, SMALL_SIZE, "small"))
    label = f["party_sign"].format(**roles)
    texts.append(TextItem(PARTY_BOX.x - 6.0, PARTY_BOX.y + PARTY_BOX.h / 2 - 3.5, label,
                          HEADER_SIZE, "body", "right"))
    _draw_box(canvas, PARTY_BOX)
    number = f["pages"].format(page=page, pages=pages)
    texts.append(TextItem(PAGE_WIDTH / 2, PAGE_NUMBER_BASELINE, number, 9.0, "body", "centre"))
    return texts


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
        furniture_texts = _furniture(canvas, doc, index, len(pages))
        payloads.append(qr_payload(doc.statement.id, doc.content_digest, index + 1, len(pages)))
        boxes["party"].append((index, PARTY_BOX.x, PARTY_BOX.y, PARTY_BOX.w, PARTY_BOX.h))
        _draw_texts(canvas, [*furniture_texts, *page.texts])
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
