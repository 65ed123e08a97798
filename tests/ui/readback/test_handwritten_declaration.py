"""Read-back with the declaration written by hand: the officer chooses it, the interviewee
signs every page, writes "以上笔录我看过，和我说的相符" on the wider pad, the officers seal."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.x509 import load_pem_x509_certificate
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.documents.capture import DECLARATION
from desktop.domain.model import StatementState
from desktop.services import interview
from desktop.store import documents
from desktop.ui.readback import ReadBackFlow
from desktop.ui.readback.signature_pad import DECLARATION_HEIGHT_MM, DECLARATION_WIDTH_MM
from tests.conftest import World
from tests.ui.readback.conftest import officers_sign, write_on
from verification.pdf import verify_pdf

LEFT = Qt.MouseButton.LeftButton


def choose_handwritten(qtbot: QtBot, flow: ReadBackFlow) -> None:
    assert flow.declaration_mode.itemText(flow.handwritten_index) == (
        "Handwritten by the interviewee")
    flow.declaration_mode.setCurrentIndex(flow.handwritten_index)
    assert flow.declaration.toPlainText() == "" and not flow.declaration.isEnabled()
    qtbot.mouseClick(flow.apply_button, LEFT)
    qtbot.waitUntil(lambda: flow.session.handwritten, timeout=30_000)


def sign_the_pages(qtbot: QtBot, flow: ReadBackFlow) -> None:
    party = flow.party_window
    assert party is not None
    for page in range(party.page_count):
        assert not party.in_declaration_step and party.current_page == page
        write_on(qtbot, party.pad_panel.pad)
        qtbot.mouseClick(party.confirm_button, LEFT)


def test_the_interviewee_writes_the_declaration_by_hand_and_it_is_sealed(
    open_flow: ReadBackFlow, world: World, keyed: Path, qtbot: QtBot
) -> None:
    flow = open_flow
    choose_handwritten(qtbot, flow)
    assert flow.session.declaration is None
    pages = flow.session.page_count
    assert flow.status.text() == (f"The document has {pages} page(s). The interviewee signs "
                                  "every page, then writes the declaration by hand.")
    assert flow.pages.item(pages).text() == "Declaration: not written yet"
    party = flow.party_window
    assert party is not None and party.isVisible()
    sign_the_pages(qtbot, flow)

    # the last step: the last page beside the wider pad, with the words to write
    assert party.in_declaration_step and party.declaration_step.isVisible()
    assert party.viewer.current == pages - 1
    assert party.declaration_title.text() == "Last step: write your declaration by hand"
    assert "以上笔录我看过，和我说的相符" in party.declaration_instructions.text()
    assert "以上笔录向我宣读过，和我说的相符" in party.declaration_instructions.text()
    assert party.declaration_state.text() == "Every page is signed. Now write the declaration."
    pad = party.declaration_pad_panel.pad
    surface = pad.surface()
    assert surface.width() / surface.height() == pytest.approx(
        DECLARATION_WIDTH_MM / DECLARATION_HEIGHT_MM, rel=0.01)
    qtbot.mouseClick(flow.sign_button, LEFT)  # too early: the officer is told why
    assert flow.status.text() == "The interviewee has not written the declaration."
    assert flow.preview is None
    qtbot.mouseClick(party.declaration_confirm_button, LEFT)
    assert party.declaration_message.text() == (
        "Please write the declaration in the box before confirming.")

    write_on(qtbot, pad, strokes=3)
    with qtbot.waitSignal(party.all_signed):
        qtbot.mouseClick(party.declaration_confirm_button, LEFT)
    written = flow.session.signatures.declaration
    assert written is not None and written.purpose == DECLARATION
    assert (written.width_mm, written.height_mm) == (DECLARATION_WIDTH_MM, DECLARATION_HEIGHT_MM)
    assert (written.page_index, written.page_digest) == (pages - 1, flow.session.digests[-1])
    assert len(written.strokes) == 3
    assert party.declaration_state.text().startswith(
        "All pages are signed and your declaration is written.")
    assert party.declaration_rewrite_button.isVisible()
    assert not party.declaration_confirm_button.isVisible()
    assert flow.pages.item(pages).text() == "Declaration: written by hand"
    assert flow.status.text() == ("Every page is signed and the declaration is written. The "
                                  "officers can now sign and seal the statement.")

    officers_sign(qtbot, flow, world)
    assert interview.get(world.store, world.statement.id).state is StatementState.SEALED
    pdf = documents.signed_document(world.store.conn, world.statement.id)
    report = verify_pdf(pdf, [load_pem_x509_certificate(keyed.read_bytes())])
    assert report.bottom_line, report.reasons
    names = [s.field_name for s in report.signatures]
    assert "Declaration" in names and f"Party{pages}" in names and "Seal" in names
    assert flow.preview is not None and flow.windowTitle() == "Signed statement"


@pytest.mark.usefixtures("keyed")
def test_the_declaration_is_written_again_and_dropped_with_a_typed_one(
    open_flow: ReadBackFlow, qtbot: QtBot
) -> None:
    flow = open_flow
    choose_handwritten(qtbot, flow)
    party = flow.party_window
    assert party is not None
    sign_the_pages(qtbot, flow)
    write_on(qtbot, party.declaration_pad_panel.pad)
    qtbot.mouseClick(party.declaration_confirm_button, LEFT)
    assert flow.session.signatures.declaration is not None
    qtbot.mouseClick(party.declaration_rewrite_button, LEFT)
    assert flow.session.signatures.declaration is None
    assert party.declaration_confirm_button.isVisible()
    assert party.declaration_pad_panel.pad.is_empty()
    # back to the pages and to the declaration again
    qtbot.mouseClick(party.declaration_back_button, LEFT)
    assert not party.in_declaration_step and party.declaration_button.isVisible()
    qtbot.mouseClick(party.declaration_button, LEFT)
    assert party.in_declaration_step
    write_on(qtbot, party.declaration_pad_panel.pad)
    qtbot.mouseClick(party.declaration_confirm_button, LEFT)
    assert flow.session.complete()
    # the officer switches to a typed declaration: the handwritten one no longer applies
    flow.declaration_mode.setCurrentIndex(0)
    assert flow.declaration.toPlainText() == "以上笔录我看过，和我说的相符。"
    qtbot.mouseClick(flow.apply_button, LEFT)
    qtbot.waitUntil(lambda: not flow.session.handwritten, timeout=30_000)
    assert flow.session.signatures.declaration is None
    assert not party.in_declaration_step
    assert all(flow.pages.item(i).text() != "Declaration: written by hand"
               for i in range(flow.pages.count()))
