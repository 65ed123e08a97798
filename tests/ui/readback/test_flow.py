"""Read-back in the GUI: the party window shows the pages, every page is signed, officers and
seal sign, the preview shows the signed pages; refusal, correction and unsigned pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.x509 import load_pem_x509_certificate
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from desktop.domain.model import StatementState
from desktop.services import interview
from desktop.store import documents
from desktop.ui.context import AppContext
from desktop.ui.readback import ReadBackFlow
from desktop.ui.readback.pages import page_count
from tests.conftest import World
from tests.ui.readback.conftest import (
    answer_questions,
    choose_typed,
    officers_sign,
    sign_first_page,
    write_on,
)
from verification.pdf import verify_pdf

LEFT = Qt.MouseButton.LeftButton


def sign_every_page(qtbot: QtBot, flow: ReadBackFlow) -> None:
    party = flow.party_window
    assert party is not None
    for page in range(party.page_count):
        assert party.current_page == page
        assert party.position.text() == f"Page {page + 1} of {party.page_count}"
        write_on(qtbot, party.pad_panel.pad)
        qtbot.mouseClick(party.confirm_button, LEFT)


@pytest.mark.usefixtures("keyed")
def test_party_window_shows_every_page_of_the_prepared_pdf(
    open_flow: ReadBackFlow, world: World
) -> None:
    rendered = open_flow.session.rendered
    assert rendered is not None and open_flow.session.declaration
    party = open_flow.party_window
    assert party is not None and party.isVisible()
    pages = page_count(rendered.pdf)
    assert pages >= 2
    assert party.page_count == pages == rendered.page_count
    assert all(not image.isNull() and image.height() > image.width()
               for image in party.viewer.images)
    assert party.position.text() == f"Page 1 of {pages}"
    assert party.viewer.view.image == party.viewer.images[0]
    assert [open_flow.pages.item(i).text() for i in range(pages)] == [
        f"Page {i + 1}: not signed yet" for i in range(pages)]
    assert interview.get(world.store, world.statement.id).state is StatementState.READ_BACK
    # Beside the pages, the turns in the recording (here: none; the statement has none).
    tabs = party.left_tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["Pages",
                                                              "Turns in the recording"]
    tabs.setCurrentIndex(1)
    assert party.recording_turns is open_flow.recording.party_turns
    assert open_flow.recording.party_turns.turns.count() == 0
    party.go_to(0)  # turning a page shows the pages again
    assert tabs.currentWidget() is party.viewer


def test_signing_every_page_then_officers_and_seal(
    open_flow: ReadBackFlow, world: World, keyed: Path, qtbot: QtBot, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flow, party = open_flow, open_flow.party_window
    assert party is not None
    sign_every_page(qtbot, flow)
    pages = party.page_count
    signatures = flow.session.signatures.signatures
    assert [s.page_index for s in signatures] == list(range(pages))
    for signature in signatures:
        points = [p for stroke in signature.capture.strokes for p in stroke.points]
        assert points and all(p.pressure == 0.5 for p in points)
        assert signature.page_digest == flow.session.digests[signature.page_index]
    assert party.state.text().startswith("All pages are signed.")
    assert flow.pages.item(pages - 1).text() == f"Page {pages}: signed"

    with qtbot.waitSignal(flow.signed, timeout=60_000) as signal:
        officers_sign(qtbot, flow, world)
    assert signal.args == [world.statement.id]
    assert interview.get(world.store, world.statement.id).state is StatementState.SEALED
    pdf = documents.signed_document(world.store.conn, world.statement.id)
    report = verify_pdf(pdf, [load_pem_x509_certificate(keyed.read_bytes())])
    assert report.bottom_line, report.reasons
    names = {s.field_name for s in report.signatures}
    assert {f"Party{p + 1}" for p in range(pages)} | {"Interviewer1", "Seal"} <= names

    preview = flow.preview
    assert preview is not None and flow.stack.currentWidget() is preview
    assert preview.page_count == pages == page_count(pdf)
    assert flow.windowTitle() == "Signed statement"
    assert not party.isVisible()
    qtbot.mouseClick(preview.viewer.next_button, LEFT)
    assert preview.viewer.current == 1
    assert preview.viewer.position.text() == f"Page 2 of {pages}"

    missing = tmp_path / "out" / "statement"
    proposed: list[str] = []

    def save_as(target: Path) -> None:
        def answer(*args: object, **kwargs: object) -> tuple[str, str]:
            proposed.append(str(args[2]))
            return str(target), ""
        monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)

    save_as(missing)
    qtbot.mouseClick(preview.export_button, LEFT)
    assert f"The folder {missing.parent} does not exist" in preview.status.text()
    assert not missing.parent.exists()
    # The name proposed is the case number and the statement's kind, not the party.
    assert proposed[0].startswith(f"{world.case.number}_询问笔录_")
    assert world.party.id_number not in proposed[0]
    target = tmp_path / "statement"
    save_as(target)
    qtbot.mouseClick(preview.export_button, LEFT)
    assert preview.exported == target.with_suffix(".pdf")
    assert target.with_suffix(".pdf").read_bytes() == pdf
    assert "Exported to" in preview.status.text()


@pytest.mark.usefixtures("keyed")
def test_an_unsigned_page_blocks_going_on(
    open_flow: ReadBackFlow, world: World, qtbot: QtBot
) -> None:
    party = open_flow.party_window
    assert party is not None
    qtbot.mouseClick(party.next_button, LEFT)
    assert party.current_page == 0
    assert party.message.text() == ("Please sign page 1 in the box and confirm before going "
                                    "on to the next page.")
    qtbot.mouseClick(party.confirm_button, LEFT)
    assert party.message.text() == "Please sign page 1 in the box before continuing."
    write_on(qtbot, party.pad_panel.pad)
    qtbot.mouseClick(party.confirm_button, LEFT)
    assert party.current_page == 1 and party.message.text() == ""
    qtbot.mouseClick(open_flow.sign_button, LEFT)
    missing = ", ".join(str(p) for p in range(2, party.page_count + 1))
    assert open_flow.status.text() == f"The interviewee has not signed page(s) {missing}."
    assert interview.get(world.store, world.statement.id).state is StatementState.READ_BACK
    assert open_flow.preview is None
    # a page signed by mistake is signed again
    party.go_to(0)
    assert party.resign_button.isVisible() and not party.confirm_button.isVisible()
    qtbot.mouseClick(party.resign_button, LEFT)
    assert open_flow.session.signatures.get(0) is None
    assert open_flow.pages.item(0).text() == "Page 1: not signed yet"


def test_refusal_with_a_witness_is_signed_and_sealed(
    open_flow: ReadBackFlow, world: World, keyed: Path, qtbot: QtBot
) -> None:
    qtbot.mouseClick(open_flow.refuse_button, LEFT)
    dialog = open_flow.refusal_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.reason.setPlainText("认为记录不全，不愿签名")
    dialog.accept()
    assert dialog.message.text() == "A refusal to sign must be recorded with a witness."
    assert dialog.isVisible()
    dialog.witness_name.setText("见证人丙")
    dialog.witness_id.setText("110101199001011237")
    dialog.accept()
    assert not dialog.isVisible()
    assert open_flow.session.signatures.refusal is not None
    assert open_flow.status.text().startswith("Refusal to sign recorded, witnessed by 见证人丙.")
    assert open_flow.pages.item(0).text() == "Page 1: refused to sign"
    assert open_flow.party_window is not None and not open_flow.party_window.isVisible()
    officers_sign(qtbot, open_flow, world)
    statement = interview.get(world.store, world.statement.id)
    assert statement.state is StatementState.SEALED
    assert statement.refusal is not None
    assert (statement.refusal.witness_name, statement.refusal.witness_id_number) == (
        "见证人丙", "110101199001011237")
    pdf = documents.signed_document(world.store.conn, world.statement.id)
    report = verify_pdf(pdf, [load_pem_x509_certificate(keyed.read_bytes())])
    assert report.bottom_line, report.reasons
    assert not any(s.field_name.startswith("Party") for s in report.signatures)
    assert open_flow.preview is not None and open_flow.preview.page_count == page_count(pdf)


@pytest.mark.usefixtures("keyed")
def test_a_correction_returns_the_statement_to_draft(
    open_flow: ReadBackFlow, world: World, qtbot: QtBot
) -> None:
    sign_first_page(qtbot, open_flow)
    asked = answer_questions(open_flow, True)
    with qtbot.waitSignal(open_flow.returned_to_draft) as signal:
        qtbot.mouseClick(open_flow.correction_button, LEFT)
    assert signal.args == [world.statement.id]
    assert asked and "Return the statement to draft" in asked[0]
    assert interview.get(world.store, world.statement.id).state is StatementState.DRAFT
    assert not open_flow.isVisible()


def test_missing_signing_keys_are_reported(
    ui_ctx: AppContext, world: World, qtbot: QtBot
) -> None:
    from tests.ui.readback.conftest import in_read_back

    in_read_back(world, long=False)
    ui_ctx.demo_devices = False
    flow = ReadBackFlow(ui_ctx, world.statement.id)
    qtbot.addWidget(flow)
    choose_typed(qtbot, flow)
    sign_every_page(qtbot, flow)
    qtbot.mouseClick(flow.sign_button, LEFT)
    text = flow.status.text()
    assert text.startswith("The statement cannot be signed: no signing key for the statement "
                           "room's device key, officer 测试管理员 (TEST0001)")
    assert "the unit seal" in text
    assert "An administrator imports them on the key-management page" in text
    assert flow.officer_panel is None
    assert interview.get(world.store, world.statement.id).state is StatementState.READ_BACK
    assert flow.sign_button.isEnabled()
    assert flow.party_window is not None
    flow.party_window.close()


def test_the_demo_marker_file_never_installs_keys(ui_ctx: AppContext, world: World,
                                                 qtbot: QtBot) -> None:
    from desktop.services.demo_login import DEMO_MARKER
    from desktop.store import signing_keys
    from tests.ui.readback.conftest import in_read_back

    in_read_back(world, long=False)
    flow = ReadBackFlow(ui_ctx, world.statement.id)
    qtbot.addWidget(flow)
    choose_typed(qtbot, flow)
    sign_every_page(qtbot, flow)
    # A file dropped into a real store's folder: throw-away keys must never sign its records.
    (world.paths.workdir / DEMO_MARKER).write_text("demo store\n", encoding="utf-8")
    for _attempt in range(2):
        qtbot.mouseClick(flow.sign_button, LEFT)
        assert flow.status.text().startswith("The statement cannot be signed: no signing key")
    assert signing_keys.list_identities(world.store.conn) == []
    assert signing_keys.trust_roots(world.store.conn) == []
    assert interview.get(world.store, world.statement.id).state is StatementState.READ_BACK
    assert flow.officer_panel is None and flow.preview is None
    assert flow.party_window is not None
    flow.party_window.close()
