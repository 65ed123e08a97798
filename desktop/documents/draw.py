"""Drawing a laid-out page with reportlab: its lines of text, boxes, and the PDF's dates.

Shared by every document the desk prints (statements in `render`, penalty documents in
`penalty_render`): the lines of a `layout.Page` go out as one PDF text object in the embedded
CJK font, signature boxes as grey rectangles, and the PDF's creation date is the time given,
so a rendering is deterministic for that time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from reportlab.pdfbase.pdfdoc import TimeStamp
from reportlab.pdfgen.canvas import Canvas

from desktop.documents.fonts import FONT_NAME, text_width
from desktop.documents.layout import Rect, TextItem

_GREY = {"body": 0.0, "title": 0.0, "hint": 0.35, "small": 0.25}


def draw_texts(canvas: Canvas, items: list[TextItem]) -> None:
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


def draw_box(canvas: Canvas, box: Rect, dashed: bool = False) -> None:
    canvas.saveState()
    canvas.setStrokeGray(0.55)
    canvas.setLineWidth(0.6)
    if dashed:
        canvas.setDash(3, 2)
    canvas.rect(box.x, box.y, box.w, box.h, stroke=1, fill=0)
    canvas.restoreState()


def stamp_creation(canvas: Canvas, at: datetime) -> None:
    """Make the PDF's CreationDate and ModDate `at`, with its UTC offset.

    reportlab writes either the current time or, in invariant mode (which also keeps the
    file identifier a digest of the content), 2000-01-01; it has no setter for a chosen
    time, so its timestamp object is given `at`'s fields.
    """
    stamp = TimeStamp(invariant=1)
    offset = at.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    stamp.t = at.timestamp()
    stamp.lt = at.timetuple()
    stamp.YMDhms = tuple(at.timetuple())[:6]
    # PDF writes the offset as +HH'MM' (reportlab: sign on the hours only).
    stamp.dhh, stamp.dmm = (minutes // 60, minutes % 60) if minutes >= 0 else (
        -((-minutes) // 60), (-minutes) % 60)
    stamp.tzname = at.tzname() or "UTC"
    canvas._doc._timeStamp = stamp  # see the docstring
