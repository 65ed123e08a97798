"""Render a penalty document (处罚文书) as an A4 PDF, laid out and drawn like a statement.

`render_penalty(content)` lays `penalty_text.PenaltyDocumentContent` out with `layout.Flow`
(the agency's name, the title and the number 文号 at the head; the parts of the template;
the cited articles with their quoted text and the versions they come from; the enforcement
officers' signature boxes with the seal's box and the date; then the receipt 送达回执 with
the party's signature box and the date, or the refusal and its witness printed in its place)
and draws it with `draw` in the embedded CJK font only. Every page carries
"第 X 页 共 Y 页", the short content digest, and a QR code
`SRP1:<decision id>:<kind>:<content digest>:<page>/<pages>` that ties the paper page to the
kept document; `printed` keeps what each page shows (`page_binding`), so the party's receipt
signature is bound to everything printed on its page. Rendering is deterministic for a given
creation time.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import datetime

from reportlab.pdfgen.canvas import Canvas

from desktop.documents.draw import draw_box, draw_texts, stamp_creation
from desktop.documents.fonts import FONT_NAME, register_fonts, text_width
from desktop.documents.form_text import fit
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
    wrap_measured,
)
from desktop.documents.page_binding import PrintedPage
from desktop.documents.penalty_text import PenaltyDocumentContent, chinese_date, template
from desktop.documents.qr import draw_qr

RECEIPT_BOX = "receipt"
SEAL_BOX = "seal"
_INDENT_STAND_IN = "一一"  # two ideographs wide: the first-line indent
CITATION_SIZE = 10.0
CITATION_LEADING = 16.0
UNIT_SIZE = 15.0
_OFFICER_W, _OFFICER_H = 112.0, 40.0
_OFFICER_LABEL_W = 66.0
_OFFICER_ROW_H = 60.0
_SEAL = 116.0


def officer_box(index: int) -> str:
    """The name of the `index`-th (from 0) officer's signature box."""
    return f"officer{index + 1}"


@dataclass(frozen=True)
class RenderedPenaltyDocument:
    """The PDF, where its signature boxes are (name -> (page index, x, y, w, h)), and what
    each page printed. Boxes: 'officer1', 'officer2'… (112 x 40), 'seal' (116 x 116) on the
    page of the signature block; 'receipt' (170 x 72) on the last page, absent when the
    party refused to sign for the document."""

    pdf: bytes
    boxes: dict[str, tuple[int, float, float, float, float]]
    page_count: int
    printed: tuple[PrintedPage, ...]

    @property
    def page_bindings(self) -> tuple[str, ...]:
        return tuple(page.binding() for page in self.printed)

    @property
    def receipt_page(self) -> int:
        return self.page_count - 1


def qr_payload(content: PenaltyDocumentContent, page: int, pages: int) -> str:
    return (f"SRP1:{content.decision_id}:{content.kind.value}:{content.content_digest}:"
            f"{page}/{pages}")


def _head(content: PenaltyDocumentContent, flow: Flow) -> None:
    flow.line(content.unit, UNIT_SIZE, UNIT_SIZE * 1.8, "title", "centre")
    flow.line(content.title, TITLE_SIZE, TITLE_SIZE * 1.8, "title", "centre")
    flow.line(content.number, HEADER_SIZE, HEADER_LEADING * 1.5, "body", "right")
    flow.space(6.0)


def _indented(flow: Flow, text: str, size: float, leading: float,
              space_before: float = 0.0) -> None:
    """A paragraph whose first line is indented by two characters, as official documents
    set them. `wrap` drops spaces at a line's start, so the indent is wrapped as two
    ideographs of the same width and the first line is then moved right by their width."""
    lines = wrap_measured(_INDENT_STAND_IN + text, size, FRAME.w)
    indent = text_width(_INDENT_STAND_IN, size)
    flow.space(space_before)
    if len(lines) > 1 and flow.room < 2 * leading:  # no orphan at the foot of a page
        flow.new_page()
    for index, (line, width) in enumerate(lines):
        shift = 0.0
        if index == 0:
            line, width, shift = line[len(_INDENT_STAND_IN):], width - indent, indent
        last = index == len(lines) - 1
        flow.line(line, size, leading, justify=0.0 if last else FRAME.w - shift,
                  natural_width=width)
        if shift:
            placed = flow.page.texts[-1]
            flow.page.texts[-1] = replace(placed, x=placed.x + shift)


def _body(content: PenaltyDocumentContent, flow: Flow) -> None:
    for style, text in content.parts:
        if style == "addressee":
            flow.paragraph(text, BODY_SIZE, BODY_LEADING)
        elif style == "step":
            _indented(flow, text, BODY_SIZE, BODY_LEADING)
        else:
            _indented(flow, text, BODY_SIZE, BODY_LEADING, space_before=2.0)


def _citations(content: PenaltyDocumentContent, flow: Flow) -> None:
    if not content.citations:
        return
    c = template("common")["citations"]
    flow.space(10.0)
    flow.paragraph(str(c["heading"]), BODY_SIZE, BODY_LEADING)
    for citation, text in content.citations:
        flow.paragraph(str(c["item"]).format(citation=citation, text=text), CITATION_SIZE,
                       CITATION_LEADING, space_before=2.0)
    flow.paragraph(content.sources, SMALL_SIZE, CITATION_LEADING, "hint", space_before=2.0)


def _signature_block(content: PenaltyDocumentContent, flow: Flow) -> None:
    """The officers' boxes (two to a row) at the left, the seal's box, the agency's name and
    the date at the right: kept together on one page."""
    s = template("common")["signature"]
    rows = max(1, (len(content.officers) + 1) // 2)
    height = max(rows * _OFFICER_ROW_H, _SEAL) + 44.0

    def draw(page: Page, top: float) -> None:
        label_base = baseline_in(top - 6.0, HEADER_SIZE, _OFFICER_H)
        page.texts.append(TextItem(FRAME.x, label_base - _OFFICER_H / 2 + HEADER_SIZE,
                                   str(s["officers"]), HEADER_SIZE))
        for index, (name, certificate) in enumerate(content.officers):
            column, row = index % 2, index // 2
            x = FRAME.x + _OFFICER_LABEL_W + column * (_OFFICER_W + 20.0)
            box = Rect(x, top - 6.0 - row * _OFFICER_ROW_H - _OFFICER_H, _OFFICER_W, _OFFICER_H)
            page.boxes[officer_box(index)] = box
            caption = str(s["officer_caption"]).format(name=name, certificate=certificate)
            size = fit(caption, SMALL_SIZE, _OFFICER_W + 16.0)
            page.texts.append(TextItem(box.x, box.y - 10.5, caption, size, "small"))
        seal = Rect(FRAME.right - _SEAL, top - 6.0 - _SEAL, _SEAL, _SEAL)
        page.boxes[SEAL_BOX] = seal
        unit_baseline = seal.y - 16.0
        unit = str(s["seal"]).format(unit=content.unit)
        page.texts.append(TextItem(FRAME.right, unit_baseline,
                                   unit, fit(unit, HEADER_SIZE, 260.0), "body", "right"))
        page.texts.append(TextItem(FRAME.right, unit_baseline - 16.0, chinese_date(content.dated),
                                   HEADER_SIZE, "body", "right"))

    flow.space(14.0)
    flow.block(height, draw)


def _receipt_block(content: PenaltyDocumentContent, flow: Flow) -> None:
    """送达回执 at the end of the last page: the party's box and the date, or the refusal."""
    r = template("common")["receipt"]
    refusal_lines = wrap(content.refusal, BODY_SIZE, FRAME.w) if content.refusal else []
    # A waiver is printed where a refusal would be, above the party's box they sign it in.
    waiver_lines = wrap(content.waiver, BODY_SIZE, FRAME.w) if content.waiver else []
    box_h = 0.0 if refusal_lines else PARTY_BOX.h + 24.0
    height = (24.0 + 2 * BODY_LEADING + len(refusal_lines + waiver_lines) * BODY_LEADING
              + box_h)

    def draw(page: Page, top: float) -> None:
        page.rules.append((FRAME.x, top - 4.0, FRAME.right, top - 4.0))
        y = top - 8.0
        page.texts.append(TextItem(FRAME.x + FRAME.w / 2, baseline_in(y, BODY_SIZE,
                                   BODY_LEADING), str(r["heading"]), BODY_SIZE, "body",
                                   "centre"))
        y -= BODY_LEADING
        page.texts.append(TextItem(FRAME.x, baseline_in(y, BODY_SIZE, BODY_LEADING),
                                   content.served, BODY_SIZE))
        y -= BODY_LEADING
        for line in refusal_lines + waiver_lines:
            page.texts.append(TextItem(FRAME.x, baseline_in(y, BODY_SIZE, BODY_LEADING), line,
                                       BODY_SIZE))
            y -= BODY_LEADING
        if not refusal_lines:
            box = Rect(PARTY_BOX.x, y - 6.0 - PARTY_BOX.h, PARTY_BOX.w, PARTY_BOX.h)
            page.boxes[RECEIPT_BOX] = box
            page.texts.append(TextItem(box.x - 6.0, box.y + box.h / 2 - 3.5, str(r["sign"]),
                                       HEADER_SIZE, "body", "right"))
            page.texts.append(TextItem(box.right, box.y - 13.0, str(r["date"]).format(
                date=chinese_date(content.dated)), HEADER_SIZE, "body", "right"))

    flow.space(10.0)
    flow.block(height, draw)


def _layout(content: PenaltyDocumentContent) -> list[Page]:
    flow = Flow()
    _head(content, flow)
    _body(content, flow)
    _citations(content, flow)
    _signature_block(content, flow)
    _receipt_block(content, flow)
    return flow.pages


def _furniture(canvas: Canvas, content: PenaltyDocumentContent, index: int,
               pages: int) -> list[TextItem]:
    """Running head (pages 2..), separator, QR code, short digest and page number."""
    f = template("common")["footer"]
    page = index + 1
    texts = []
    if index > 0:
        head = str(f["continued"]).format(title=content.title, number=content.number)
        texts.append(TextItem(FRAME.x, RUNNING_HEAD_BASELINE, head, SMALL_SIZE, "small"))
    canvas.saveState()
    canvas.setStrokeGray(0.6)
    canvas.setLineWidth(0.5)
    canvas.line(FRAME.x, SEPARATOR_Y, FRAME.right, SEPARATOR_Y)
    canvas.restoreState()
    draw_qr(canvas, qr_payload(content, page, pages))
    short = str(f["hash"]).format(short=content.content_digest[:16], page=page)
    texts.append(TextItem(HASH_ORIGIN[0], HASH_ORIGIN[1], short, SMALL_SIZE, "small"))
    number = str(f["pages"]).format(page=page, pages=pages)
    texts.append(TextItem(PAGE_WIDTH / 2, PAGE_NUMBER_BASELINE, number, 9.0, "body", "centre"))
    return texts


def render_penalty(content: PenaltyDocumentContent, created_at: datetime
                   ) -> RenderedPenaltyDocument:
    """Lay out and draw `content` as an A4 PDF whose creation date is `created_at`."""
    register_fonts()
    pages = _layout(content)
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1, invariant=1,
                    initialFontName=FONT_NAME, initialFontSize=BODY_SIZE)
    stamp_creation(canvas, created_at)
    canvas.setTitle(f"{content.title} {content.number}")
    canvas.setAuthor(content.unit)
    canvas.setCreator("Statement Room")
    canvas.setSubject(f"SRP1:{content.decision_id}:{content.kind.value}:"
                      f"{content.content_digest}")
    boxes: dict[str, tuple[int, float, float, float, float]] = {}
    printed: list[PrintedPage] = []
    for index, page in enumerate(pages):
        texts = (*_furniture(canvas, content, index, len(pages)), *page.texts)
        printed.append(PrintedPage(qr_payload(content, index + 1, len(pages)), texts,
                                   tuple(page.rules), tuple(page.boxes.items())))
        draw_texts(canvas, list(texts))
        canvas.saveState()
        canvas.setStrokeGray(0.6)
        canvas.setLineWidth(0.5)
        for x1, y1, x2, y2 in page.rules:
            canvas.line(x1, y1, x2, y2)
        canvas.restoreState()
        for name, box in page.boxes.items():
            draw_box(canvas, box, dashed=name == SEAL_BOX)
            boxes[name] = (index, box.x, box.y, box.w, box.h)
        canvas.showPage()
    canvas.save()
    return RenderedPenaltyDocument(buf.getvalue(), boxes, len(pages), tuple(printed))
