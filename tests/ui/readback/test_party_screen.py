"""The interviewee's screen: the declaration by hand unless the officer deliberately types it,
large print and zoom, the signature box in view, the confirmed signature on the page, the
fingerprint from the reader, no file browser ever, and the officer's look before a single
screen is handed over."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QFileDialog, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from desktop.domain.model import Action
from desktop.store import audit
from desktop.ui.context import AppContext
from desktop.ui.readback import ReadBackFlow
from desktop.ui.readback.handover import PREVIEW_WIDTH, HandoverPreview
from desktop.ui.readback.party_window import TEXT_SCALE, PartyWindow
from tests.conftest import World
from tests.ui.readback.conftest import answer_questions, write_on

LEFT = Qt.MouseButton.LeftButton


def party_of(flow: ReadBackFlow) -> PartyWindow:
    party = flow.party_window
    assert party is not None
    return party


def inside(widget: QWidget, window: QWidget) -> bool:
    """The whole widget is drawn within the window's area."""
    top_left = widget.mapTo(window, widget.rect().topLeft())
    return window.rect().contains(QRect(top_left, widget.size()))


def test_the_declaration_is_by_hand_unless_the_officer_chooses_to_type_it(
    open_flow_by_hand: ReadBackFlow, world: World, qtbot: QtBot
) -> None:
    flow = open_flow_by_hand
    assert flow.declaration_mode.currentText() == "Handwritten by the interviewee"
    assert flow.session.handwritten and flow.session.declaration is None
    assert flow.declaration.toPlainText() == "" and not flow.declaration.isEnabled()

    asked = answer_questions(flow, False)
    flow.declaration_mode.setCurrentIndex(0)
    assert asked == ["The form asks the interviewee to write the declaration by hand. Type it "
                     "for them instead? The choice is recorded in the audit trail."]
    assert flow.declaration_mode.currentText() == "Handwritten by the interviewee"

    def typed() -> list[dict[str, str]]:
        return [json.loads(e.details)
                for e in audit.events_about(world.store.conn, world.statement.id)
                if e.action == Action.STATEMENT_UPDATED.value]

    assert typed() == []
    answer_questions(flow, True)
    flow.declaration_mode.setCurrentIndex(0)
    assert flow.declaration.toPlainText() == "以上笔录我看过，和我说的相符。"
    qtbot.mouseClick(flow.apply_button, LEFT)
    assert flow.session.declaration == "以上笔录我看过，和我说的相符。"
    assert not flow.session.handwritten
    [event] = typed()
    assert event["declaration"] == "typed" and event["chosen_by"] == "officer"


def test_large_print_zoom_and_the_signature_box_in_view_at_1024_by_768(
    open_flow_by_hand: ReadBackFlow, qtbot: QtBot
) -> None:
    party = party_of(open_flow_by_hand)
    app_font = QApplication.font()
    assert party.instructions.font().pointSizeF() == pytest.approx(
        app_font.pointSizeF() * TEXT_SCALE, rel=0.05)
    party.resize(1024, 768)
    qtbot.waitUntil(lambda: party.width() == 1024)
    pad = party.pad_panel.pad
    assert pad.isVisible() and inside(pad, party) and pad.height() >= 120
    assert inside(party.confirm_button, party)

    viewer = party.viewer
    assert viewer.zoom == 1.0 and not viewer.zoom_out_button.isEnabled()
    visible = viewer.scroll_area.viewport().width()
    qtbot.mouseClick(viewer.zoom_in_button, LEFT)
    qtbot.mouseClick(viewer.zoom_in_button, LEFT)
    assert viewer.zoom == pytest.approx(1.5625)
    qtbot.waitUntil(lambda: viewer.view.width() >= round(visible * 1.5))
    assert viewer.scroll_area.horizontalScrollBar().maximum() > 0
    for _step in range(10):
        viewer.zoom_in_button.click()
    assert viewer.zoom == pytest.approx(1.25 ** 5) and not viewer.zoom_in_button.isEnabled()
    qtbot.mouseClick(viewer.fit_button, LEFT)
    assert viewer.zoom == 1.0
    qtbot.waitUntil(lambda: viewer.view.width() <= viewer.scroll_area.viewport().width())

    # every page signed: the declaration pad is in view too
    for _page in range(party.page_count):
        write_on(qtbot, party.pad_panel.pad)
        qtbot.mouseClick(party.confirm_button, LEFT)
    assert party.in_declaration_step
    declaration_pad = party.declaration_pad_panel.pad
    assert declaration_pad.isVisible() and inside(declaration_pad, party)
    assert inside(party.declaration_confirm_button, party)


def test_a_confirmed_signature_appears_in_its_box_on_the_page(
    open_flow_by_hand: ReadBackFlow, qtbot: QtBot
) -> None:
    party = party_of(open_flow_by_hand)
    assert party.viewer.view.overlays == []
    write_on(qtbot, party.pad_panel.pad)
    qtbot.mouseClick(party.confirm_button, LEFT)
    assert party.current_page == 1 and party.viewer.view.overlays == []
    qtbot.mouseClick(party.previous_button, LEFT)
    [mark] = party.viewer.view.overlays
    # the party's box, (368.59, 44, 170, 72) points on an A4 page, from the top left
    assert mark.rect.x() == pytest.approx(368.59 / 595.28, abs=0.01)
    assert mark.rect.y() == pytest.approx((841.89 - 44 - 72) / 841.89, abs=0.01)
    assert mark.rect.width() == pytest.approx(170 / 595.28, abs=0.01)
    inked = [mark.image.pixelColor(x, y).alpha() > 0
             for x in range(0, mark.image.width(), 4) for y in range(0, mark.image.height(), 4)]
    assert any(inked) and not all(inked)
    # and it is painted there: the box's pixels on screen turn to ink
    shot = party.viewer.view.grab().toImage()
    box = QRect(round(mark.rect.x() * shot.width()), round(mark.rect.y() * shot.width() * 297
                                                           / 210),
                round(mark.rect.width() * shot.width()), 20)
    shot.save("/tmp/party-signed-page.png")
    dark = [shot.pixelColor(x, y) for x in range(box.left(), box.right(), 2)
            for y in range(box.top(), min(box.bottom() + 60, shot.height()), 2)]
    assert any(c.lightness() < 100 and c.blue() > c.red() for c in dark
               if c != QColor("black"))
    qtbot.mouseClick(party.resign_button, LEFT)
    assert party.viewer.view.overlays == []


def test_the_fingerprint_is_taken_on_the_reader(
    open_flow: ReadBackFlow, ui_ctx: AppContext, qtbot: QtBot
) -> None:
    party = party_of(open_flow)
    fingerprint = party.fingerprint
    assert fingerprint.take_button.isVisible() and fingerprint.take_button.text() == (
        "Take fingerprint")
    qtbot.mouseClick(fingerprint.take_button, LEFT)
    image = fingerprint.image
    assert image is not None and image.png.startswith(b"\x89PNG")
    assert image.source == f"fingerprint reader at {ui_ctx.ports.fingerprint}"
    assert (image.page_index, image.page_digest) == (0, open_flow.session.digests[0])
    assert fingerprint.thumbnail.pixmap() is not None
    write_on(qtbot, party.pad_panel.pad)
    qtbot.mouseClick(party.confirm_button, LEFT)
    signature = open_flow.session.signatures.get(0)
    assert signature is not None and signature.fingerprint == image
    assert open_flow.pages.item(0).text() == "Page 1: signed, with fingerprint"

    ui_ctx.ports.fingerprint = "/dev/ttyNOPE"
    qtbot.mouseClick(fingerprint.take_button, LEFT)
    assert fingerprint.image is None
    assert party.message.text().startswith("No device at /dev/ttyNOPE.")
    assert fingerprint.take_button.isEnabled()


def test_no_file_browser_ever_opens_on_the_party_screen(
    open_flow_by_hand: ReadBackFlow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    opened: list[str] = []
    for name in ("getOpenFileName", "getOpenFileNames", "getSaveFileName",
                 "getExistingDirectory", "getOpenFileUrl", "getSaveFileUrl"):
        monkeypatch.setattr(QFileDialog, name,
                            lambda *args, _name=name, **kwargs: opened.append(_name) or ("", ""))
    monkeypatch.setattr(QFileDialog, "exec", lambda self: opened.append("exec") or 0)
    monkeypatch.setattr(QFileDialog, "open", lambda self, *a: opened.append("open"))
    party = party_of(open_flow_by_hand)

    def press_everything() -> None:
        for button in party.findChildren(QPushButton):
            if button.isVisible() and button.isEnabled() and button.text() not in (
                    "Hand back to the officer",):
                button.click()

    press_everything()
    for _page in range(party.page_count):
        write_on(qtbot, party.pad_panel.pad)
        qtbot.mouseClick(party.confirm_button, LEFT)
    press_everything()  # the declaration step
    assert opened == []
    assert party.findChildren(QFileDialog) == []
    # the officer imports a scan (test_party_details), but not for a page already signed
    open_flow_by_hand.fingerprint_button.click()
    assert opened == []
    assert open_flow_by_hand.status.text().startswith(
        f"Page {party.page_count} is already signed. To add a fingerprint")


def test_with_one_screen_the_officer_sees_the_party_window_before_it_covers_it(
    open_flow: ReadBackFlow, qtbot: QtBot
) -> None:
    party = party_of(open_flow)
    party.hide()
    preview = HandoverPreview(party, open_flow)
    qtbot.addWidget(preview)
    preview.show()
    assert not party.isVisible()
    picture = preview.picture.pixmap()
    assert picture is not None and picture.width() == PREVIEW_WIDTH
    assert preview.show_button.text() == "Show full screen to the interviewee"
    assert preview.explanation.text().startswith("There is only one screen")
    picture.save("/tmp/handover-preview.png")
    qtbot.mouseClick(preview.cancel_button, LEFT)
    assert not party.isVisible()
    preview = HandoverPreview(party, open_flow)
    qtbot.addWidget(preview)
    preview.show()
    qtbot.mouseClick(preview.show_button, LEFT)
    assert party.isVisible() and party.windowState() & Qt.WindowState.WindowFullScreen


def test_asking_again_for_the_party_screen_keeps_one_preview(
    open_flow: ReadBackFlow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read-back opens the preview by itself; the officer pressing "show to the interviewee"
    while it waits raises it instead of stacking a second one (which stayed open behind the
    party's window and over the officers' signing afterwards)."""
    from desktop.ui.readback import handover

    # One real screen under a window system; the offscreen platform just shows the window.
    monkeypatch.setattr(handover.QGuiApplication, "platformName", staticmethod(lambda: "xcb"))
    party = party_of(open_flow)
    party.hide()
    first = handover.place_party_window(party, open_flow)
    second = handover.place_party_window(party, open_flow)
    assert first is not None and second is first
    assert [p for p in open_flow.findChildren(HandoverPreview) if p.isVisible()] == [first]
    qtbot.mouseClick(first.show_button, LEFT)
    assert party.isVisible()
    assert not [p for p in open_flow.findChildren(HandoverPreview) if p.isVisible()]


def test_without_a_fingerprint_reader_the_party_screen_offers_none(
    ui_ctx: AppContext, world: World, keyed: Path, qtbot: QtBot
) -> None:
    ui_ctx.ports.fingerprint = ""
    flow = ReadBackFlow(ui_ctx, world.statement.id)
    qtbot.addWidget(flow)
    flow.show()
    party = party_of(flow)
    try:
        assert not party.fingerprint.take_button.isVisible()
        assert party.fingerprint.thumbnail.text() == "No fingerprint"
    finally:
        party.close()
