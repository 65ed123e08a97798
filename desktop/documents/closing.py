"""The end of a statement's last page: declaration, the party's signature and date, who else
attended, a refusal, and the officers' signature grid with the seal and its date.

As on the paper form, the party's signature box and the date follow the read-back
declaration (阅读意见) directly; on the other pages it is in the footer. The interpreter
(翻译人员) and the guardian (监护人 / 法定代理人) get a line with their printed name and room
to sign the paper copy. The officers sign in a 2 x 2 grid with the unit's seal beside it,
dated. The whole block is kept on one page; a declaration too long for that flows as text
and the rest stays together.
"""

from __future__ import annotations

from datetime import date

from desktop.documents.fonts import text_width
from desktop.documents.form_text import StatementDocument, fit, roles, when, wording
from desktop.documents.layout import (
    BODY_LEADING,
    BODY_SIZE,
    FRAME,
    HEADER_SIZE,
    PARTY_BOX,
    SMALL_SIZE,
    Flow,
    Page,
    Rect,
    TextItem,
    baseline_in,
    wrap,
)

DECLARATION_BOX = "declaration"  # only when the declaration is left for handwriting

# The signature block of the last page (offsets from its top, in points).
_ROW_H = 58.0
_LABEL_W = 58.0
_SIG_W, _SIG_H = 112.0, 40.0
_COL2 = 186.0
_SEAL = 116.0
GRID_H = 6.0 + 2 * _ROW_H + 24.0
# The party's box after the declaration: as large as the footer's, with the date below it.
PARTY_ROW_H = 6.0 + PARTY_BOX.h + 18.0
_COMPANION_H = BODY_LEADING + 6.0
_COMPANION_SIGN_X = 300.0  # where "签名：" starts, from the frame's left
# Ruled lines left for the handwritten declaration: 80 pt (28 mm), room for two lines of
# handwriting of about 14 mm each, as on paper forms.
_WRITE_LINES = 4


def _companions(doc: StatementDocument) -> list[str]:
    c, form = wording()["closing"], doc.statement.form
    lines = []
    if form.interpreter.strip():
        lines.append(c["interpreter"].format(name=form.interpreter.strip()))
    if form.guardian.strip():
        lines.append(c["guardian"].format(name=form.guardian.strip()))
    return lines


def closing(doc: StatementDocument, flow: Flow, dated: date) -> None:
    """Declaration, the party's signature and date, companions, refusal and the signature
    grid, kept together on the last page; `dated` is the date printed beside the party's
    signature and the seal."""
    c, names = wording()["closing"], roles(doc.statement.kind)
    lines: list[tuple[str, str]] = [(c["declaration_label"].format(**names), "body")]
    if doc.declaration and doc.declaration.strip():
        lines += [(t, "body") for t in wrap(doc.declaration, BODY_SIZE, FRAME.w)]
        write_space = 0.0
    else:
        lines += [(t, "hint") for t in wrap(c["declaration_hint"].format(**names),
                                            SMALL_SIZE, FRAME.w)]
        write_space = _WRITE_LINES * BODY_LEADING
    refusal = doc.statement.refusal
    refusal_lines = [] if refusal is None else wrap(
        c["refusal"].format(interviewee=names["interviewee"], reason=refusal.reason,
                            witness=refusal.witness_name, at=when(refusal.recorded_at)),
        BODY_SIZE, FRAME.w)
    companions = _companions(doc)
    fixed = PARTY_ROW_H + len(companions) * _COMPANION_H + 10 + GRID_H
    height = (len(lines) + len(refusal_lines)) * BODY_LEADING + write_space + fixed
    if height > FRAME.h:  # too long to keep together: flow the text, keep the rest whole
        flow.paragraph(lines[0][0], BODY_SIZE, BODY_LEADING)
        flow.paragraph(doc.declaration or "", BODY_SIZE, BODY_LEADING)
        for text in refusal_lines:
            flow.line(text, BODY_SIZE, BODY_LEADING)
        lines, refusal_lines, write_space, height = [], [], 0.0, fixed

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
        y = _party_row(doc, page, y, dated)
        for text in companions:
            y = _companion_row(page, y, text)
        for text in refusal_lines:
            page.texts.append(TextItem(FRAME.x, baseline_in(y, BODY_SIZE, BODY_LEADING), text,
                                       BODY_SIZE))
            y -= BODY_LEADING
        _signature_grid(doc, page, y - 10, dated)

    flow.block(height, draw)


def _party_row(doc: StatementDocument, page: Page, top: float, dated: date) -> float:
    """The party's signature box right after the declaration, the date below it; returns
    the top of what follows."""
    c, names = wording()["closing"], roles(doc.statement.kind)
    box = Rect(PARTY_BOX.x, top - 6.0 - PARTY_BOX.h, PARTY_BOX.w, PARTY_BOX.h)
    page.boxes["party"] = box
    page.texts.append(TextItem(box.x - 6.0, box.y + box.h / 2 - 3.5,
                               c["party_sign"].format(**names), HEADER_SIZE, "body", "right"))
    page.texts.append(TextItem(box.right, box.y - 13.0,
                               c["party_date"].format(date=when(dated)), HEADER_SIZE, "body",
                               "right"))
    return top - PARTY_ROW_H


def _companion_row(page: Page, top: float, text: str) -> float:
    """An interpreter's or guardian's printed name, and a line to sign the paper copy."""
    baseline = baseline_in(top, BODY_SIZE, _COMPANION_H)
    size = fit(text, BODY_SIZE, _COMPANION_SIGN_X - 8.0)
    page.texts.append(TextItem(FRAME.x, baseline, text, size))
    sign = wording()["closing"]["companion_sign"]
    sign_x = FRAME.x + _COMPANION_SIGN_X
    page.texts.append(TextItem(sign_x, baseline, sign, BODY_SIZE))
    rule_x = sign_x + text_width(sign, BODY_SIZE) + 2.0
    page.rules.append((rule_x, baseline - 3.0, FRAME.right, baseline - 3.0))
    return top - _COMPANION_H


def _signature_grid(doc: StatementDocument, page: Page, top: float, dated: date) -> None:
    c, names = wording()["closing"], roles(doc.statement.kind)
    refusal = doc.statement.refusal
    cells = [
        ("interviewer1", c["interviewer"].format(**names), doc.interviewer1.name,
         doc.interviewer1.certificate_no),
        ("interviewer2", c["interviewer"].format(**names), doc.interviewer2.name,
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
            size = fit(caption, SMALL_SIZE, _COL2 - _LABEL_W - 8.0)
            page.texts.append(TextItem(box.x, box.y - 10.5, caption, size, "small"))
    seal = Rect(FRAME.right - _SEAL, top - 6.0 - _SEAL, _SEAL, _SEAL)
    page.boxes["seal"] = seal
    baseline = top - GRID_H + 6.0
    caption = f"{c['seal']}　{when(dated)}"
    page.texts.append(TextItem(FRAME.right, baseline, caption, SMALL_SIZE + 0.5, "small",
                               "right"))
    unit = wording()["header"]["unit"].format(unit=doc.unit)
    room = FRAME.w - text_width(caption, SMALL_SIZE + 0.5) - 12.0
    page.texts.append(TextItem(FRAME.x, baseline, unit, fit(unit, SMALL_SIZE + 1.0, room),
                               "small"))
