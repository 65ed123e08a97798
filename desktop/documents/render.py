"""Render a statement (笔录) as an A4 PDF in the official layout, with its signature boxes.

`render_statement(StatementDocument)` lays the statement out with `layout.Flow` (title with
第N次询问, header fields with the interpreter and guardian, 问/答 turns and notes such as
breaks, 以下空白, then `closing`: declaration, the party's signature and date, signature
block) and draws it with reportlab in the embedded CJK font only. Every page carries
"第 X 页 共 Y 页", the party's signature/fingerprint box (in the footer, on the last page
after the declaration), a short hash of the content digest and a QR code
`SR1:<statement id>:<content digest>:<page>/<pages>` that ties the paper page to the record.
The result also keeps what each page printed (`page_binding.PrintedPage`), whose digest
(`page_bindings`) is what the party's signature on that page is bound to.
The result holds the PDF and the rectangles of every signature box, so signing can later
put images or signature fields exactly there. All fixed wording is in
`resources/templates/document.toml`.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from reportlab.pdfgen.canvas import Canvas

from desktop.documents.closing import DECLARATION_BOX, closing
from desktop.documents.draw import draw_box as _draw_box
from desktop.documents.draw import draw_texts as _draw_texts
from desktop.documents.draw import stamp_creation as _stamp_creation
from desktop.documents.fonts import FONT_NAME, register_fonts
from desktop.documents.form_text import (
    StatementDocument,
    or_empty,
    roles,
    sequence_text,
    when,
    wording,
)
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
    TextItem,
)
from desktop.documents.page_binding import PrintedPage
from desktop.documents.qr import draw_qr
from desktop.domain.model import TurnKind

BOX_NAMES = ("party", "interviewer1", "interviewer2", "recorder", "witness", "seal")
__all__ = ["BOX_NAMES", "DECLARATION_BOX", "RenderedStatement", "StatementDocument",
           "qr_payload", "render_statement", "wording"]
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class RenderedStatement:
    """The PDF and where its signature boxes are: name -> [(page index, x, y, w, h)].

    Rectangles are PDF points, origin bottom left. 'party' has one box per page, 170 x 72: on
    every page but the last at `layout.PARTY_BOX` = (368.59, 44, 170, 72), bottom right beside
    its label, below the text frame (56.69, 134)-(538.59, 785.20); on the last page at the same
    x inside the frame, right after the declaration, with the date below it. 'interviewer1',
    'interviewer2', 'recorder' and 'witness' (112 x 40 each, a 2 x 2 grid) and 'seal' (116 x
    116, right of the grid) are on the last page, in the signature block after the declaration;
    their height on the page depends on the content. When the declaration is left for
    handwriting (`StatementDocument.declaration` empty), 'declaration' is the ruled write space
    above the grid on the last page (the frame's width, four lines high); otherwise there is no
    such key. `qr_payloads[i]` is what page i's QR code encodes; `printed[i]` is everything
    page i shows, and `page_bindings[i]` its digest: what the party's signature on page i is
    bound to (the declaration and form fields included).
    """

    pdf: bytes
    signature_boxes: dict[str, list[tuple[int, float, float, float, float]]]
    page_count: int
    printed: tuple[PrintedPage, ...]

    @property
    def qr_payloads(self) -> tuple[str, ...]:
        return tuple(page.qr_payload for page in self.printed)

    @property
    def page_bindings(self) -> tuple[str, ...]:
        return tuple(page.binding() for page in self.printed)


def qr_payload(statement_id: str, digest: str, page: int, pages: int) -> str:
    """What the QR code of page `page` (1-based) of `pages` encodes."""
    return f"SR1:{statement_id}:{digest}:{page}/{pages}"


def _header_lines(doc: StatementDocument) -> list[str]:
    w, names, s, p = wording()["header"], roles(doc.statement.kind), doc.statement, doc.party
    time = (w["time"].format(start=when(s.started_at), end=when(s.ended_at)) if s.ended_at
            else w["time_open"].format(start=when(s.started_at)))
    return [
        w["case"].format(number=doc.case.number),
        time,
        w["place"].format(place=or_empty(s.place)),
        w["interviewers"].format(
            interviewer=names["interviewer"],
            name1=doc.interviewer1.name, cert1=doc.interviewer1.certificate_no,
            name2=doc.interviewer2.name, cert2=doc.interviewer2.certificate_no),
        w["recorder"].format(name=doc.recorder.name),
        w["party_line1"].format(interviewee=names["interviewee"], name=p.name,
                                sex=wording()["sex"][p.sex.value], nation=or_empty(p.nation),
                                birth=when(p.birth_date)),
        w["party_id"].format(id_kind=wording()["id_kind"][p.id_kind.value],
                             id_number=p.id_number),
        w["party_address"].format(address=or_empty(p.address)),
        w["party_contact"].format(phone=or_empty(p.phone), workplace=or_empty(p.workplace)),
        *_companion_lines(doc),
        w["cause"].format(cause=or_empty(doc.case.cause)),
    ]


def _companion_lines(doc: StatementDocument) -> list[str]:
    """The interpreter and the guardian who attended, as the header names them."""
    w, form = wording()["header"], doc.statement.form
    interviewee = roles(doc.statement.kind)["interviewee"]
    lines = []
    if form.interpreter.strip():
        key = "interpreter_language" if form.interpreter_language.strip() else "interpreter"
        lines.append(w[key].format(name=form.interpreter.strip(),
                                   language=form.interpreter_language.strip()))
    if form.guardian.strip():
        key = "guardian_relation" if form.guardian_relation.strip() else "guardian"
        lines.append(w[key].format(name=form.guardian.strip(), interviewee=interviewee,
                                   relation=form.guardian_relation.strip()))
    return lines


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


def document_date(doc: StatementDocument, rendered_at: datetime) -> date:
    """The date the form prints beside the party's signature and the seal: the day of the
    read-back (when the interview proper ended and this document was shown for signing),
    or of the rendering for a statement not yet read back."""
    return (doc.statement.ended_at or rendered_at).date()


def _layout(doc: StatementDocument, dated: date) -> list[Page]:
    flow = Flow()
    flow.line(doc.title, TITLE_SIZE, TITLE_SIZE * 2.0, "title", "centre")
    sequence = sequence_text(doc.statement.kind, doc.statement.form.sequence)
    if sequence:  # 第N次询问, on the title's line at the right, as forms print it
        title = flow.page.texts[-1]
        flow.page.texts.append(TextItem(FRAME.right, title.baseline, sequence, HEADER_SIZE,
                                        "body", "right"))
    for text in _header_lines(doc):
        flow.paragraph(text, HEADER_SIZE, HEADER_LEADING)
    flow.space(8.0)
    for turn in sorted(doc.statement.turns, key=lambda t: t.seq):
        if turn.kind is TurnKind.QUESTION and not turn.text.strip():
            continue  # a question opened and never asked (Enter after the last answer)
        flow.paragraph(_turn_text(turn.kind, turn.text), BODY_SIZE, BODY_LEADING,
                       space_before=4.0)
    # 以下空白 closes the record right after the last turn: nothing can be added below it.
    flow.line(wording()["body"]["blank_below"], BODY_SIZE, BODY_LEADING, "body", "centre")
    flow.space(12.0)
    closing(doc, flow, dated)
    return flow.pages


def _furniture(canvas: Canvas, doc: StatementDocument, index: int, pages: int,
               party_box: bool) -> list[TextItem]:
    """What every page carries: running head, QR, hash, party box, page number.

    The lines and the QR code are drawn here; the texts are returned, to be drawn with the
    page's own. The last page has the party's box after the declaration instead
    (`party_box` False).
    """
    f = wording()["footer"]
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
    if party_box:
        label = f["party_sign"].format(**roles(doc.statement.kind))
        texts.append(TextItem(PARTY_BOX.x - 6.0, PARTY_BOX.y + PARTY_BOX.h / 2 - 3.5, label,
                              HEADER_SIZE, "body", "right"))
        _draw_box(canvas, PARTY_BOX)
    number = f["pages"].format(page=page, pages=pages)
    texts.append(TextItem(PAGE_WIDTH / 2, PAGE_NUMBER_BASELINE, number, 9.0, "body", "centre"))
    return texts


def render_statement(doc: StatementDocument, created_at: datetime | None = None
                     ) -> RenderedStatement:
    """Lay out and draw `doc` as an A4 PDF; return it with its signature box rectangles.

    The PDF's creation date is `created_at` (an aware time; default: now, the real time of
    rendering). Rendering is deterministic for a given `created_at`.
    """
    if not _HEX64.fullmatch(doc.content_digest):
        raise ValueError("content_digest must be 64 lowercase hex characters")
    register_fonts()
    created_at = created_at or datetime.now().astimezone()
    pages = _layout(doc, document_date(doc, created_at))
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1, invariant=1,
                    initialFontName=FONT_NAME, initialFontSize=BODY_SIZE)
    _stamp_creation(canvas, created_at)
    canvas.setTitle(f"{doc.title} {doc.case.number}")
    canvas.setAuthor(doc.unit)
    canvas.setCreator("Statement Room")
    canvas.setSubject(f"SR1:{doc.statement.id}:{doc.content_digest}")
    boxes: dict[str, list[tuple[int, float, float, float, float]]] = {n: [] for n in BOX_NAMES}
    printed: list[PrintedPage] = []
    for index, page in enumerate(pages):
        own_party_box = "party" in page.boxes  # the last page: after the declaration
        furniture_texts = _furniture(canvas, doc, index, len(pages), not own_party_box)
        payload = qr_payload(doc.statement.id, doc.content_digest, index + 1, len(pages))
        if not own_party_box:
            boxes["party"].append((index, PARTY_BOX.x, PARTY_BOX.y, PARTY_BOX.w, PARTY_BOX.h))
        texts = (*furniture_texts, *page.texts)
        drawn_boxes = page.boxes if own_party_box else {"party": PARTY_BOX, **page.boxes}
        printed.append(PrintedPage(payload, texts, tuple(page.rules),
                                   tuple(drawn_boxes.items())))
        _draw_texts(canvas, list(texts))
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
    return RenderedStatement(buf.getvalue(), boxes, len(pages), tuple(printed))
