"""Fingerprints, the declaration, and what the dialog refuses before anything is signed."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from desktop.domain.model import SignatureRefusal, StatementState
from desktop.services import interview
from desktop.services.readback import declaration_presets
from desktop.ui.context import AppContext
from desktop.ui.readback import ReadBackFlow
from desktop.ui.readback.fingerprint import import_for_party
from tests.conftest import World
from tests.ui.readback.conftest import answer_questions, sign_first_page, write_on

LEFT = Qt.MouseButton.LeftButton


def scanner_image(path: Path, fmt: str) -> Path:
    """A synthetic grey 400 x 400 image, like a live-scan reader's output."""
    image = QImage(400, 400, QImage.Format.Format_Grayscale8)
    image.fill(QColor(200, 200, 200))
    for y in range(100, 300, 8):
        for x in range(120, 280):
            image.setPixelColor(x, y, QColor(40, 40, 40))
    assert image.save(str(path), fmt)  # type: ignore[call-overload]  # stub wants bytes
    return path


@pytest.mark.parametrize("fmt", ["PNG", "JPG"])
def test_a_fingerprint_image_goes_with_the_page_signature(
    open_flow: ReadBackFlow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    fmt: str,
) -> None:
    source = scanner_image(tmp_path / f"finger.{fmt.lower()}", fmt)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *args, **kwargs: (str(source), ""))
    party = open_flow.party_window
    assert party is not None
    assert party.fingerprint.thumbnail.text() == "No fingerprint"
    # the file is chosen on the officer's side, for the page the interviewee's window shows
    qtbot.mouseClick(open_flow.fingerprint_button, LEFT)
    assert open_flow.status.text() == "Fingerprint imported for page 1."
    image = party.fingerprint.image
    assert image is not None and image.png.startswith(b"\x89PNG")
    assert image.page_index == 0 and image.page_digest == open_flow.session.digests[0]
    assert image.source == source.name
    assert party.fingerprint.thumbnail.pixmap() is not None
    write_on(qtbot, party.pad_panel.pad)
    qtbot.mouseClick(party.confirm_button, LEFT)
    signature = open_flow.session.signatures.get(0)
    assert signature is not None and signature.fingerprint == image
    assert open_flow.pages.item(0).text() == "Page 1: signed, with fingerprint"
    assert party.current_page == 1 and party.fingerprint.image is None


def test_a_file_that_is_not_an_image_is_refused(
    open_flow: ReadBackFlow, qtbot: QtBot, tmp_path: Path
) -> None:
    party = open_flow.party_window
    assert party is not None
    bogus = tmp_path / "finger.png"
    bogus.write_bytes(b"not an image")
    told = import_for_party(open_flow, party.fingerprint, bogus)
    assert party.fingerprint.image is None
    assert told.startswith("The file is not a fingerprint image")


def test_the_declaration_is_the_template_wording_and_must_be_applied(
    open_flow: ReadBackFlow, qtbot: QtBot
) -> None:
    read, read_aloud = declaration_presets()
    assert read == "以上笔录我看过，和我说的相符。"
    assert read_aloud == "以上笔录向我宣读过，和我说的相符。"
    assert open_flow.session.declaration == read
    open_flow.declaration_mode.setCurrentIndex(1)
    assert open_flow.declaration.toPlainText() == read_aloud
    qtbot.mouseClick(open_flow.sign_button, LEFT)
    assert open_flow.status.text().startswith("The declaration was changed: apply it")
    qtbot.mouseClick(open_flow.apply_button, LEFT)
    assert open_flow.session.declaration == read_aloud
    assert open_flow.status.text().startswith("The document has ")
    open_flow.declaration.setPlainText("  ")
    qtbot.mouseClick(open_flow.apply_button, LEFT)
    assert open_flow.status.text().startswith("Write down the declaration the interviewee")
    assert open_flow.session.declaration == read_aloud


def test_signed_pages_survive_a_declaration_that_keeps_the_pages(
    open_flow: ReadBackFlow, qtbot: QtBot
) -> None:
    party = open_flow.party_window
    assert party is not None
    write_on(qtbot, party.pad_panel.pad)
    qtbot.mouseClick(party.confirm_button, LEFT)
    open_flow.declaration_mode.setCurrentIndex(1)
    qtbot.mouseClick(open_flow.apply_button, LEFT)
    assert open_flow.session.is_signed(0)
    assert party.current_page == 1


def test_a_refusal_after_some_signatures_clears_them_when_confirmed(
    open_flow: ReadBackFlow, world: World, qtbot: QtBot
) -> None:
    party = open_flow.party_window
    assert party is not None
    write_on(qtbot, party.pad_panel.pad)
    qtbot.mouseClick(party.confirm_button, LEFT)
    refusal = SignatureRefusal("不签", "见证人丁", world.store.clock())
    open_flow.ask = lambda _text: False
    open_flow.record_refusal(refusal)
    assert open_flow.session.signatures.refusal is None and open_flow.session.is_signed(0)
    open_flow.ask = lambda _text: True
    open_flow.record_refusal(refusal)
    assert open_flow.session.signatures.refusal == refusal
    assert not open_flow.session.signatures.signatures
    assert open_flow.withdraw_button.isVisible() and not open_flow.show_button.isEnabled()
    qtbot.mouseClick(open_flow.withdraw_button, LEFT)
    assert open_flow.session.signatures.refusal is None
    assert open_flow.show_button.isEnabled()


def test_a_statement_not_in_read_back_is_not_prepared(
    ui_ctx: AppContext, world: World, qtbot: QtBot
) -> None:
    flow = ReadBackFlow(ui_ctx, world.statement.id)
    qtbot.addWidget(flow)
    assert flow.status.text() == "Only a statement in read-back can be signed."
    assert flow.party_window is None and not flow.sign_button.isEnabled()
    assert interview.get(world.store, world.statement.id).state is StatementState.DRAFT


def test_both_windows_fit_a_1366_by_768_screen(open_flow: ReadBackFlow) -> None:
    party = open_flow.party_window
    assert party is not None
    for window in (open_flow, party):
        needed = window.minimumSizeHint()
        assert needed.width() <= 1366 and needed.height() <= 700, (window, needed)
    assert open_flow.width() <= 1366 and open_flow.height() <= 768
    assert not open_flow.sign_button.autoDefault()


def test_closing_with_signed_pages_asks_first(open_flow: ReadBackFlow, qtbot: QtBot) -> None:
    sign_first_page(qtbot, open_flow)
    asked = answer_questions(open_flow, False)
    qtbot.mouseClick(open_flow.close_button, LEFT)
    assert asked and open_flow.isVisible()
    open_flow.ask = lambda _text: True
    qtbot.mouseClick(open_flow.close_button, LEFT)
    assert not open_flow.isVisible() and open_flow.party_window is None
