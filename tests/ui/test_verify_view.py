"""Verifying a signed statement PDF in the GUI: the store's own statement holds, a flipped byte
does not, roots can be added when nobody is logged in, and drops pick out local PDFs only.

The PDF is a real statement of the test world, read back, signed and sealed by the service
with the demo PKI; what is asserted is what the dialog shows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from pytestqt.qtbot import QtBot

from desktop.domain.errors import UserError
from desktop.services import signing
from desktop.services.verify import check_document, load_certificates, store_trust_roots
from desktop.ui.context import AppContext
from desktop.ui.verify_view import VerifyDialog, VerifyDropArea, pdf_paths_from_drop
from tests.conftest import World, sign_as_team
from tests.documents.test_verify_complete import first_revision
from tests.services.test_signing import all_pages_signed, ready_for_signing

HOLDS = "Bottom line: every signature holds and nothing unexplained was modified."
FAILS = "Bottom line: the document does NOT hold."


@pytest.fixture
def signed(world: World, tmp_path: Path) -> tuple[Path, Path, str]:
    """(exported signed PDF, exported trust root, statement id)."""
    root = ready_for_signing(world, tmp_path / "root")
    sign_as_team(world, all_pages_signed(world))
    pdf = signing.export_document(world.store, world.statement.id, tmp_path / "statement.pdf")
    return pdf, root, world.statement.id


def flip_one_byte(data: bytes) -> bytes:
    """One changed byte in a comment of revision 1: inside every signed range, still parses."""
    offset = data.index(b"ReportLab Generated") + len(b"ReportLab Generate")
    assert offset < data.index(b"/ByteRange")
    return data[:offset] + b"X" + data[offset + 1:]


def column(dialog: VerifyDialog, name: str) -> list[str]:
    headers = [dialog.table.horizontalHeaderItem(c).text() for c in range(
        dialog.table.columnCount())]
    index = headers.index(name)
    return [row[index] for row in dialog.signature_rows()]


def test_the_stores_signed_statement_holds(
    ui_ctx: AppContext, qtbot: QtBot, signed: tuple[Path, Path, str]
) -> None:
    pdf, _root, statement_id = signed
    dialog = VerifyDialog(ui_ctx, pdf)
    qtbot.addWidget(dialog)
    assert dialog.verdict.text() == HOLDS
    rows = dialog.signature_rows()
    assert len(rows) >= 6
    fields = column(dialog, "Signature")
    # Each field says whose signature it is, not its name inside the PDF.
    assert {"Interviewer 1", "Interviewer 2", "Recorder", "Unit seal", "Party, page 1",
            "Certification (statement room)"} <= set(fields)
    assert set(column(dialog, "Intact")) == set(column(dialog, "Valid")) == {"yes"}
    assert set(column(dialog, "Trusted")) == {"yes"}
    assert set(column(dialog, "Verdict")) == {"holds"}
    assert column(dialog, "Type").count("certification") == 1
    assert all(t != "-" for t in column(dialog, "Signing time"))
    assert set(column(dialog, "Coverage")) <= {"entire file", "entire revision"}
    assert "测试管理员" in column(dialog, "Signer")
    extra = dialog.extra.text()
    assert f"Record: this is the document kept for statement {statement_id}." in extra
    assert "Trusted roots: " in extra
    assert dialog.add_root_button.isEnabled()


def test_a_flipped_byte_is_shown_as_altered(
    ui_ctx: AppContext, qtbot: QtBot, signed: tuple[Path, Path, str], tmp_path: Path
) -> None:
    pdf, _root, _statement = signed
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(flip_one_byte(pdf.read_bytes()))
    dialog = VerifyDialog(ui_ctx, forged)
    qtbot.addWidget(dialog)
    assert dialog.verdict.text() == FAILS
    assert "the signed bytes were altered after signing" in dialog.reasons.text()
    assert set(column(dialog, "Intact")) == {"no"}
    assert set(column(dialog, "Verdict")) == {"DOES NOT HOLD"}
    assert "not a document kept in this store" in dialog.extra.text()


def test_without_a_store_roots_can_be_added(
    ui_ctx: AppContext, qtbot: QtBot, signed: tuple[Path, Path, str]
) -> None:
    pdf, root, _statement = signed
    ui_ctx.store = None  # nobody logged in: no store root, no stored copy
    dialog = VerifyDialog(ui_ctx, pdf)
    qtbot.addWidget(dialog)
    assert dialog.verdict.text() == FAILS
    assert set(column(dialog, "Trusted")) == {"no"}
    assert "No trusted root" in dialog.extra.text()
    assert "no officer is logged in" in dialog.extra.text()
    with qtbot.waitSignal(dialog.verified):
        dialog.add_trust_roots([root])
    assert dialog.verdict.text() == HOLDS
    assert set(column(dialog, "Trusted")) == {"yes"}
    dialog.add_trust_roots([pdf])  # not a certificate: said, nothing else changes
    assert "is not a certificate" in dialog.reasons.text()
    assert dialog.verdict.text() == HOLDS


def test_an_unreadable_file_is_refused_clearly(
    ui_ctx: AppContext, qtbot: QtBot, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7\nnot really\n")
    dialog = VerifyDialog(ui_ctx, junk)
    qtbot.addWidget(dialog)
    assert dialog.verdict.text() == "The document cannot be verified."
    assert "not a readable PDF" in dialog.reasons.text()
    assert dialog.table.rowCount() == 0
    missing = VerifyDialog(ui_ctx, tmp_path / "missing.pdf")
    qtbot.addWidget(missing)
    assert "Cannot read" in missing.reasons.text()


def mime_with(*urls: QUrl) -> QMimeData:
    mime = QMimeData()
    mime.setUrls(list(urls))
    return mime


def test_pdf_paths_from_drop_takes_local_pdfs_only(tmp_path: Path) -> None:
    a = tmp_path / "a.pdf"
    b = tmp_path / "B.PDF"
    other = tmp_path / "c.txt"
    folder = tmp_path / "folder.pdf"
    folder.mkdir()
    for path in (a, b, other):
        path.write_bytes(b"x")
    mime = mime_with(QUrl.fromLocalFile(str(a)), QUrl.fromLocalFile(str(other)),
                     QUrl("https://example.org/remote.pdf"), QUrl.fromLocalFile(str(b)),
                     QUrl.fromLocalFile(str(folder)), QUrl.fromLocalFile(str(a)))
    assert pdf_paths_from_drop(mime) == [a, b]
    text_only = QMimeData()
    text_only.setText(str(a))
    assert pdf_paths_from_drop(text_only) == []


def test_dropping_a_pdf_on_the_area_opens_a_dialog(
    ui_ctx: AppContext, qtbot: QtBot, signed: tuple[Path, Path, str]
) -> None:
    pdf, _root, _statement = signed
    area = VerifyDropArea(ui_ctx)
    qtbot.addWidget(area)
    assert area.label.text() == "Drop a PDF here to verify it"
    mime = mime_with(QUrl.fromLocalFile(str(pdf)))
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(area.opened) as opened:
        area.dropEvent(event)
    dialog = opened.args[0]
    assert isinstance(dialog, VerifyDialog) and dialog.path == pdf
    assert dialog.verdict.text() == HOLDS
    dialog.close()
    remote = mime_with(QUrl("https://example.org/x.pdf"))  # the event does not own it
    ignored = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, remote,
                         Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    area.dropEvent(ignored)
    assert area.dialogs == []
    assert not ignored.isAccepted()
    enter = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    area.dragEnterEvent(enter)
    assert enter.isAccepted()
    refused = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, remote,
                              Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    area.dragEnterEvent(refused)
    assert not refused.isAccepted()


def test_verify_service_uses_the_stores_root(
    world: World, signed: tuple[Path, Path, str]
) -> None:
    pdf, root, statement_id = signed
    assert [c.subject for c in store_trust_roots(world.store)] == [
        c.subject for c in load_certificates([root])]
    check = check_document(pdf.read_bytes(), (), world.store)
    assert check.bottom_line and check.stored is not None
    assert (check.stored.statement_id, check.stored.exact) == (statement_id, True)
    appended = pdf.read_bytes() + b"\n% an appended comment\n"
    later = check_document(appended, (), world.store)
    assert later.stored is not None and later.stored.statement_id == statement_id
    assert not later.stored.exact
    bare = check_document(pdf.read_bytes())
    assert not bare.bottom_line and bare.stored is None and bare.trust_roots == ()
    with pytest.raises(UserError, match="not a certificate"):
        load_certificates([pdf])


def test_a_statement_cut_back_or_with_bytes_appended_is_shown_as_failing(
    ui_ctx: AppContext, qtbot: QtBot, signed: tuple[Path, Path, str], tmp_path: Path
) -> None:
    """Issue 11 §2 as the officer sees it: the store's own signed statement cut back to its
    certification (every signature after it gone), or with bytes after its last %%EOF."""
    pdf, _root, _statement = signed
    data = pdf.read_bytes()
    cut, appended = tmp_path / "cut.pdf", tmp_path / "appended.pdf"
    cut.write_bytes(first_revision(data))
    appended.write_bytes(data + b"\nthis is not the statement\n")
    for forged, reason in (
            (cut, "The statement is incomplete: these signature fields are not signed: Party, "
                  "page 1, Party, page 2, Party, page 3, Party's declaration, Interviewer 1, "
                  "Interviewer 2, Recorder, Unit seal."),
            (appended, "bytes follow the end of the document (after the last %%EOF)")):
        dialog = VerifyDialog(ui_ctx, forged)
        qtbot.addWidget(dialog)
        assert dialog.verdict.text() == FAILS, forged
        assert reason in dialog.reasons.text() and dialog.reasons.isVisibleTo(dialog), (
            dialog.reasons.text())
