"""Printing: the signed statement and the interviewee's copy keep every page's QR code and
hash; the copy says on every page what it is; the package summary carries the package's
SHA-256 as text and as a QR code; a print is recorded in the audit trail.

Printed through a real QPrinter into a PDF file (QPrinter's PdfFormat), then read as a
person would: poppler rasterises the sheets, ZXing decodes the codes, pdftotext reads text.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageChops, ImageStat
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from desktop.documents.layout import HASH_ORIGIN, PAGE_HEIGHT
from desktop.domain.model import Action
from desktop.services import export, printouts, records
from desktop.services.export_files import ExportKind, statement_file_name
from desktop.services.printouts import PrintKind
from desktop.store import audit
from desktop.ui.cases import CaseView
from desktop.ui.context import AppContext
from desktop.ui.printing import (
    COPY_MARK_TITLE,
    print_package_summary,
    print_statement,
)
from desktop.ui.rasterize import page_count
from desktop.ui.readback.preview import SignedPreview, SignedStatementDialog
from tests.conftest import World, sign_as_team
from tests.poppler import poppler_tool
from tests.services.test_signing import all_pages_signed, ready_for_signing

DPI = 100


@pytest.fixture
def sealed(world: World, tmp_path: Path) -> World:
    ready_for_signing(world, tmp_path / "pki")
    sign_as_team(world, all_pages_signed(world))
    return world


def pdf_printer(path: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def sheets(pdf: Path, folder: Path, dpi: int = DPI) -> list[Image.Image]:
    folder.mkdir()
    subprocess.run([poppler_tool("pdftoppm"), "-png", "-r", str(dpi), str(pdf),
                    str(folder / "p")], check=True)
    return [Image.open(p).convert("L") for p in sorted(folder.glob("p-*.png"))]


def text_of(pdf: Path) -> str:
    """The PDF's text without any white space (pdftotext drops the ideographic space)."""
    text = subprocess.run([poppler_tool("pdftotext"), str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return "".join(text.split())


def codes(image: Image.Image) -> list[str]:
    return [c.text for c in zxingcpp.read_barcodes(image)
            if c.format == zxingcpp.BarcodeFormat.QRCode]


def hash_regions(pdf: Path, folder: Path) -> list[Image.Image]:
    """Where each page prints its short hash (right of the QR code), at 300 dpi."""
    scale = 300 / 72
    x, baseline = HASH_ORIGIN
    top = PAGE_HEIGHT - baseline - 12
    folder.mkdir()
    subprocess.run([poppler_tool("pdftoppm"), "-png", "-r", "300", "-x", str(round(x * scale)),
                    "-y", str(round(top * scale)), "-W", str(round(150 * scale)),
                    "-H", str(round(16 * scale)), str(pdf), str(folder / "h")], check=True)
    return [Image.open(p).convert("L") for p in sorted(folder.glob("h-*.png"))]


def difference(a: Image.Image, b: Image.Image) -> float:
    return float(ImageStat.Stat(ImageChops.difference(a, b)).mean[0])


@pytest.mark.parametrize("party_copy", [False, True])
def test_the_printed_pages_keep_their_qr_code_and_hash(sealed: World, tmp_path: Path,
                                                       qtbot: QtBot, party_copy: bool) -> None:
    statement = printouts.printable_statement(sealed.store, sealed.statement.id)
    original = tmp_path / "original.pdf"
    original.write_bytes(statement.pdf)
    printed = tmp_path / "printed.pdf"
    count = print_statement(pdf_printer(printed), statement, party_copy=party_copy)
    expected = sheets(original, tmp_path / "o")
    got = sheets(printed, tmp_path / "p")
    assert count == len(expected) == len(got) >= 2
    for page, (want, have) in enumerate(zip(expected, got, strict=True), start=1):
        assert have.size == want.size  # A4, the whole sheet
        payload = f"SR1:{sealed.statement.id}:{statement.content_digest}:{page}/{count}"
        assert codes(have) == codes(want) == [payload]
    # The short hash is pixels on the printed sheet: it is there, and it looks like the
    # original's (closer to it than a blank strip is, by far); the full digest it abbreviates
    # is in every decoded QR payload above.
    for have, want in zip(hash_regions(printed, tmp_path / "hp"),
                          hash_regions(original, tmp_path / "ho"), strict=True):
        darkest = have.getextrema()[0]
        assert isinstance(darkest, int) and darkest < 100  # dark glyphs
        blank = Image.new("L", want.size, 255)
        assert difference(have, want) < 0.6 * difference(blank, want)
    text = text_of(printed)
    if party_copy:
        assert text.count("".join(COPY_MARK_TITLE.split())) == count
        assert text.count(statement.content_digest) == count
    else:
        assert text == ""  # the pages exactly as signed, nothing added


def test_the_package_summary_names_the_package_and_its_hash(sealed: World, tmp_path: Path,
                                                            qtbot: QtBot) -> None:
    out = tmp_path / statement_file_name(sealed.store, sealed.statement.id,
                                         ExportKind.COURT_PACKAGE)
    package = export.export_package(sealed.store, sealed.statement.id, out)
    printed = tmp_path / "summary.pdf"
    assert print_package_summary(pdf_printer(printed), package) == 1
    text = text_of(printed)
    assert "法庭证据包摘要" in text
    assert package.sha256 in text and package.verifier_sha256 in text
    assert out.name in text
    assert sealed.case.number in text
    [sheet] = sheets(printed, tmp_path / "s", dpi=150)
    assert codes(sheet) == [package.sha256]


def test_the_signed_view_offers_the_prints_and_records_them(
        sealed: World, ui_ctx: AppContext, tmp_path: Path, qtbot: QtBot) -> None:
    preview = SignedPreview(ui_ctx, sealed.statement.id, [])
    qtbot.addWidget(preview)
    menu = preview.print_menu
    assert preview.print_button.isEnabled()
    assert [a.text() for a in menu.actions()] == [
        "Print the statement…", "Print the interviewee's copy…",
        "Print the court package summary…"]
    assert not menu.summary_action.isEnabled()  # nothing exported yet
    menu.copy_action.trigger()
    dialog = menu.dialog
    assert dialog is not None and dialog.isVisible()
    assert "interviewee's copy" in dialog.windowTitle()
    qtbot.waitUntil(lambda: dialog.pages_printed >= 2)
    dialog.printer().setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    dialog.printer().setOutputFileName(str(tmp_path / "copy.pdf"))
    dialog.accept()  # what its Print button does after printing
    events = [json.loads(r.details) for r in audit.events_about(sealed.store.conn,
                                                                sealed.statement.id)
              if r.action == Action.DOCUMENT_EXPORTED]
    assert events[-1]["kind"] == PrintKind.PARTY_COPY.value
    assert events[-1]["pages"] == dialog.pages_printed
    assert "Printed" in preview.status.text()


def test_an_export_over_an_existing_file_asks_first(
        sealed: World, ui_ctx: AppContext, tmp_path: Path, qtbot: QtBot) -> None:
    preview = SignedPreview(ui_ctx, sealed.statement.id, [])
    qtbot.addWidget(preview)
    asked: list[Path] = []
    answers = [False, True]

    def confirm(path: Path) -> bool:
        asked.append(path)
        return answers.pop(0)

    preview.confirm_replace = confirm
    target = tmp_path / "court.zip"
    target.write_bytes(b"an earlier package")
    preview.export_to(target, ExportKind.COURT_PACKAGE)
    assert asked == [target] and target.read_bytes() == b"an earlier package"  # "No"
    assert preview.package is None and not preview.print_menu.summary_action.isEnabled()
    preview.export_to(target, ExportKind.COURT_PACKAGE)
    assert asked == [target, target]  # "Yes": replaced
    assert preview.package is not None and preview.package.path == target
    assert target.read_bytes() != b"an earlier package"
    assert preview.print_menu.summary_action.isEnabled()
    assert preview.package.sha256 in preview.status.text()
    assert preview.export_button.isEnabled() and preview.package_button.isEnabled()


def test_the_case_view_opens_a_signed_statement_to_print_it(
        sealed: World, ui_ctx: AppContext, qtbot: QtBot) -> None:
    [summary] = records.case_summaries(sealed.store)
    view = CaseView(ui_ctx, summary, None)
    qtbot.addWidget(view)
    view.show()
    assert view.signed_button.text() == "Signed document…"
    view.table.setCurrentCell(0, 0)
    assert view.signed_button.isEnabled()
    qtbot.mouseClick(view.signed_button, Qt.MouseButton.LeftButton)
    dialog = view.signed_dialog
    assert isinstance(dialog, SignedStatementDialog) and dialog.isVisible()
    pdf = printouts.printable_statement(sealed.store, sealed.statement.id).pdf
    assert dialog.preview.page_count == page_count(pdf) >= 2
    assert dialog.preview.viewer.position.text() == f"Page 1 of {page_count(pdf)}"
    assert dialog.preview.print_button.isVisible() and dialog.preview.print_button.isEnabled()
    dialog.close()


def test_a_statement_not_yet_signed_has_no_signed_document(
        world: World, ui_ctx: AppContext, qtbot: QtBot) -> None:
    [summary] = records.case_summaries(world.store)
    view = CaseView(ui_ctx, summary, None)
    qtbot.addWidget(view)
    view.table.setCurrentCell(0, 0)
    assert not view.signed_button.isEnabled()
