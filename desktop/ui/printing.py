"""Printing the signed statement, the interviewee's copy and the court package's summary.

The statement is printed as it was signed: each page of the signed PDF is rendered with
pdfium (`rasterize.render_pages`, the renderer the windows use, signature appearances included)
at the printer's resolution, up to `MAX_PRINT_DPI`, one page at a time and in memory only,
and painted over the whole sheet, so the QR code, the short hash, the signatures and the
seal print exactly where the PDF has them. The interviewee's copy adds the copy mark of
`desktop.services.printouts` (why it is marked is written there): two lines above the
running head and a light diagonal across the text frame, never over the footer that holds
the QR code. The package summary is one page drawn here: the package's identifying values
and a QR code of its SHA-256.

What is printed is in Chinese whatever the window's language, like the statement itself.
`PrintMenu` offers the prints in a preview dialog (QPrintPreviewDialog, from which the
officer prints); a print that was made is recorded in the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from gettext import gettext as _

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QMenu, QWidget

from desktop.documents.fonts import font_path
from desktop.documents.layout import FRAME, MARGIN, PAGE_HEIGHT, PAGE_WIDTH
from desktop.documents.qr import qr_modules
from desktop.domain.errors import UserError
from desktop.services.export import ExportedPackage
from desktop.services.printouts import (
    PrintableStatement,
    PrintKind,
    package_summary_rows,
    printable_statement,
    record_print,
)
from desktop.store.store import Store
from desktop.ui.context import AppContext
from desktop.ui.rasterize import page_count, render_pages

# 300 dpi prints text and QR modules crisply; an A4 page at 300 dpi is already ~35 MB of
# pixels, and the preview asks for every page again on each zoom.
MAX_PRINT_DPI = 300

COPY_MARK_TITLE = "被询问人留存副本　不作原件使用"
COPY_MARK_NOTE = "本件为电子签名笔录的打印副本，原件以页脚二维码及内容摘要核对。内容摘要 SHA-256："
COPY_WATERMARK = "被询问人留存副本"
SUMMARY_TITLE = "法庭证据包摘要"
SUMMARY_NOTE = ("核对方法：计算所收证据包文件的 SHA-256，应与上列“证据包 SHA-256”一致（右侧二维码"
                "即该值）；解压后运行 python3 verify_package.py --root 单位根证书.pem 离线核验，"
                "单位根证书应向出具单位索取，不以包内所附为准；核验程序自身的 SHA-256 亦列于上。")


@cache
def print_font_family() -> str:
    """The statement's own CJK font, registered with Qt once (the system may have none)."""
    font_id = QFontDatabase.addApplicationFont(str(font_path()))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    return families[0] if families else QFont().family()


def _font(size: int, bold: bool = False) -> QFont:
    font = QFont(print_font_family())
    font.setPixelSize(size)  # in PDF points: the painter is scaled to points
    font.setBold(bold)
    return font


def _a4_printer(printer: QPrinter) -> None:
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setFullPage(True)  # the page image carries its own margins


def _begin_in_points(painter: QPainter, printer: QPrinter) -> None:
    """Start painting on `printer` in PDF points, origin at the sheet's top left."""
    if not painter.begin(printer):
        raise UserError(_("The printer could not be opened."))
    paper = printer.paperRect(QPrinter.Unit.DevicePixel)
    scale = min(paper.width() / PAGE_WIDTH, paper.height() / PAGE_HEIGHT)
    painter.translate(paper.topLeft())
    painter.scale(scale, scale)


def print_statement(printer: QPrinter, statement: PrintableStatement, *,
                    party_copy: bool) -> int:
    """Paint every page of the signed statement on `printer` (with the copy mark for the
    interviewee's copy); the number of pages."""
    _a4_printer(printer)
    dpi = min(printer.resolution(), MAX_PRINT_DPI)
    count = page_count(statement.pdf)
    painter = QPainter()
    _begin_in_points(painter, printer)
    try:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        for index in range(count):
            if index:
                printer.newPage()
            image = render_pages(statement.pdf, dpi, range(index, index + 1))[0]
            painter.drawImage(QRectF(0, 0, PAGE_WIDTH, PAGE_HEIGHT), image)
            if party_copy:
                draw_copy_mark(painter, statement)
    finally:
        painter.end()
    return count


def draw_copy_mark(painter: QPainter, statement: PrintableStatement) -> None:
    """The interviewee's copy mark, on a painter in PDF points (top-left origin)."""
    painter.save()
    red = QColor(176, 0, 32)
    painter.setPen(red)
    # Below the ~4 mm a printer cannot reach, above the running head of pages 2.. (its
    # glyphs start ~31 pt from the top).
    painter.setFont(_font(9, bold=True))
    painter.drawText(QPointF(MARGIN, 21), COPY_MARK_TITLE)
    painter.setFont(_font(6))
    painter.drawText(QPointF(MARGIN, 29), COPY_MARK_NOTE + statement.content_digest)
    # The diagonal stays inside the text frame: the footer's QR code is never painted over.
    frame = QRectF(FRAME.x, PAGE_HEIGHT - FRAME.top, FRAME.w, FRAME.h)
    painter.setClipRect(frame)
    painter.translate(frame.center())
    painter.rotate(-35)
    painter.setPen(QColor(176, 0, 32, 48))
    painter.setFont(_font(54, bold=True))
    painter.drawText(QRectF(-frame.height(), -40, 2 * frame.height(), 80),
                     Qt.AlignmentFlag.AlignCenter, COPY_WATERMARK)
    painter.restore()


def print_package_summary(printer: QPrinter, package: ExportedPackage) -> int:
    """Paint the court package's summary page on `printer`; the number of pages (one)."""
    _a4_printer(printer)
    painter = QPainter()
    _begin_in_points(painter, printer)
    try:
        painter.fillRect(QRectF(0, 0, PAGE_WIDTH, PAGE_HEIGHT), Qt.GlobalColor.white)
        painter.setPen(Qt.GlobalColor.black)
        painter.setFont(_font(20, bold=True))
        painter.drawText(QRectF(MARGIN, MARGIN, PAGE_WIDTH - 2 * MARGIN, 30),
                         Qt.AlignmentFlag.AlignHCenter, SUMMARY_TITLE)
        qr_size = 110.0
        text_width = PAGE_WIDTH - 2 * MARGIN - qr_size - 16
        y = MARGIN + 48
        for label, value in package_summary_rows(package):
            painter.setFont(_font(10, bold=True))
            painter.drawText(QRectF(MARGIN, y, 100, 16), Qt.AlignmentFlag.AlignLeft, label)
            painter.setFont(_font(10))
            box = painter.boundingRect(QRectF(MARGIN + 104, y, text_width - 104, 200),
                                       Qt.TextFlag.TextWrapAnywhere, value)
            painter.drawText(box, Qt.TextFlag.TextWrapAnywhere, value)
            y += max(box.height(), 14) + 8
        draw_qr(painter, package.sha256, QRectF(PAGE_WIDTH - MARGIN - qr_size, MARGIN + 48,
                                                qr_size, qr_size))
        painter.setFont(_font(9))
        painter.drawText(QRectF(MARGIN, y + 12, PAGE_WIDTH - 2 * MARGIN, 120),
                         Qt.TextFlag.TextWordWrap, SUMMARY_NOTE)
    finally:
        painter.end()
    return 1


def draw_qr(painter: QPainter, payload: str, rect: QRectF) -> None:
    """The QR code of `payload` (with its quiet zone) filling the square `rect`."""
    modules = qr_modules(payload)
    count = len(modules) + 8
    size = min(rect.width(), rect.height()) / count
    painter.save()
    painter.fillRect(QRectF(rect.topLeft(), QSizeF(size * count, size * count)),
                     Qt.GlobalColor.white)
    for r, row in enumerate(modules):
        for c, dark in enumerate(row):
            if dark:
                painter.fillRect(QRectF(rect.x() + (c + 4) * size, rect.y() + (r + 4) * size,
                                        size, size), Qt.GlobalColor.black)
    painter.restore()


class PrintPreview(QPrintPreviewDialog):
    """A print preview of `paint`'s pages on an A4 printer it owns (Qt's dialog does not:
    the printer must outlive it); `pages_printed` is what `paint` last painted."""

    def __init__(self, parent: QWidget | None, title: str,
                 paint: Callable[[QPrinter], int]) -> None:
        self.owned_printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        _a4_printer(self.owned_printer)
        self.owned_printer.setDocName(title)
        super().__init__(self.owned_printer, parent)
        self.setWindowTitle(title)
        self.pages_printed = 0
        self._paint = paint
        self.paintRequested.connect(self._paint_requested)
        self.resize(900, 700)

    def _paint_requested(self, printer: QPrinter) -> None:
        self.pages_printed = self._paint(printer)


def _printer_name(printer: QPrinter) -> str:
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
        return _("PDF file {path}").format(path=printer.outputFileName())
    return printer.printerName()


class PrintMenu(QMenu):
    """"Print the statement…", "Print the interviewee's copy…" and, once a court package is
    exported, "Print the package summary…", each in a preview dialog; `say` reports."""

    def __init__(self, ctx: AppContext, statement_id: str, say: Callable[[str], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.statement_id = statement_id
        self.say = say
        self.package: ExportedPackage | None = None
        self.dialog: PrintPreview | None = None
        self.statement_action = self.addAction(_("Print the statement…"))
        self.copy_action = self.addAction(_("Print the interviewee's copy…"))
        self.summary_action = self.addAction(_("Print the court package summary…"))
        self.statement_action.triggered.connect(lambda: self.preview(PrintKind.STATEMENT))
        self.copy_action.triggered.connect(lambda: self.preview(PrintKind.PARTY_COPY))
        self.summary_action.triggered.connect(lambda: self.preview(PrintKind.PACKAGE_SUMMARY))
        self.set_package(None)

    def set_package(self, package: ExportedPackage | None) -> None:
        self.package = package
        self.summary_action.setEnabled(package is not None)

    def preview(self, kind: PrintKind) -> None:
        """Load what is printed (on the store lane) and open its preview."""
        if kind is PrintKind.PACKAGE_SUMMARY:
            package = self.package
            if package is not None:
                self._open(kind, _("Court package summary"),
                           lambda printer: print_package_summary(printer, package))
            return
        statement_id = self.statement_id

        def loaded(statement: PrintableStatement) -> None:
            party_copy = kind is PrintKind.PARTY_COPY
            title = (f"{statement.case_number} {statement.title}"
                     + (_(" (interviewee's copy)") if party_copy else ""))
            self._open(kind, title, lambda printer: print_statement(
                printer, statement, party_copy=party_copy))

        self.ctx.run(lambda store: printable_statement(store, statement_id), loaded,
                     lambda exc: self.say(str(exc)))

    def _open(self, kind: PrintKind, title: str, paint: Callable[[QPrinter], int]) -> None:
        dialog = PrintPreview(self.parentWidget(), title, paint)
        dialog.accepted.connect(lambda: self._printed(kind, dialog))
        self.dialog = dialog
        dialog.open()

    def _printed(self, kind: PrintKind, dialog: PrintPreview) -> None:
        pages = dialog.pages_printed
        printer = _printer_name(dialog.owned_printer)
        statement_id = self.statement_id

        def record(store: Store) -> None:
            record_print(store, statement_id, kind, pages=pages, printer=printer)

        self.ctx.run(record, lambda _none: self.say(
            _("Printed {pages} page(s) on {printer}.").format(pages=pages, printer=printer)),
            lambda exc: self.say(str(exc)))
