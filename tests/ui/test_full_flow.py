"""The whole statement room as an officer uses it, through the windows only.

Log in, create a case, start a statement, read the party's ID card (emulated reader), answer
the template's opening questions and add questions and answers, go to read-back, have every
page signed on the pad, have the officers sign and seal, verify the signed PDF by dropping
it on the window, dock a body-worn recorder (emulated) and see its footage listed with the
case. Real store, real signatures, real vault; the background runs inline.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from desktop.domain.model import StatementState
from desktop.services import interview, signing
from desktop.services.devices import read_card_party
from desktop.ui.background import Background
from desktop.ui.cases import CaseView
from desktop.ui.context import DEMO_PORTS, AppContext, DevicePorts
from desktop.ui.evidence import EvidencePanel
from desktop.ui.interview import InterviewWorkspace
from desktop.ui.main_window import MainWindow
from desktop.ui.start import LoginDialog
from tests.conftest import PASSWORD, World, provision_world_keys
from tests.ui.interview.keys import type_text
from tests.ui.readback.conftest import officers_sign, write_on

LEFT = Qt.MouseButton.LeftButton


def _type_turn(qtbot: QtBot, ws: InterviewWorkspace, text: str) -> None:
    row = ws.turns.current_row()
    assert row is not None
    type_text(row.editor, text)
    qtbot.keyClick(row.editor, Qt.Key.Key_Return)


def test_login_case_interview_read_back_sign_verify_dock(world: World, tmp_path: Path,
                                                         qtbot: QtBot) -> None:
    # --- log in -----------------------------------------------------------------------
    world.store.close()
    ctx = AppContext(world.paths, Background(synchronous=True), demo_devices=True,
                     clock=world.store.clock)
    ctx.settings.ports = DevicePorts(**{**DEMO_PORTS.__dict__,
                                        "bodycam": f"emu-bodycam://?root={tmp_path}/cam"
                                                   "&offset=-90"})
    login = LoginDialog(ctx)
    qtbot.addWidget(login)
    login.show()
    qtbot.waitExposed(login)
    login.activateWindow()
    qtbot.keyClicks(login.certificate, world.admin.certificate_no)
    qtbot.keyClick(login.certificate, Qt.Key.Key_Return)  # moves on to the password
    assert login.focusWidget() is login.password
    with qtbot.waitSignal(login.logged_in) as logged_in:
        qtbot.keyClicks(login.password, PASSWORD)
        qtbot.keyClick(login.password, Qt.Key.Key_Return)
    ctx.store = world.store = logged_in.args[0]

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.closing_for_rebuild = True  # the world fixture closes the store
    window.show()
    assert window.windowTitle().startswith(f"Statement Room — {world.admin.name}")

    # --- a new case ---------------------------------------------------------------------
    window.new_case()
    dialog = window.new_case_dialog
    dialog.number.setText("测试〔2026〕88号")
    dialog.cause.setText("擅自占用城市道路")
    dialog.matter.setText("占道经营")
    dialog.place.setText("测试路与示例街交叉口")
    dialog.submit()
    view = window.tabs.widget(0)
    assert isinstance(view, CaseView) and window.tabs.tabText(0) == "测试〔2026〕88号"
    case_id = view.summary.case.id

    # --- a statement: the party from the ID card, then the opening questions -------------
    qtbot.mouseClick(view.new_button, LEFT)
    ws = window.tabs.currentWidget()
    assert isinstance(ws, InterviewWorkspace)
    header = ws.header
    assert header is not None
    qtbot.mouseClick(header.read_card_button, LEFT)
    expected = read_card_party(ctx.ports.idcard).party
    assert header.name.text() == expected.name
    assert header.id_number.text() == expected.id_number
    header.place.setText("询问室一")
    header.phone.setText("13900000002")
    qtbot.mouseClick(header.start_button, LEFT)
    statement_id = ws.statement_id
    assert statement_id is not None
    assert window.tabs.tabText(window.tabs.currentIndex()).startswith(expected.name)
    opening = len(ws.turns.rows)
    assert opening >= 6 and ws.turns.current == 1  # the cursor waits in the first answer

    answer_rows = [i for i, row in enumerate(ws.turns.rows) if row.kind_label.text() == "A:"]
    for index, answer in zip(answer_rows, ["看清楚了。", "听清楚了。", "不申请回避。"],
                             strict=False):
        ws.turns.focus(index)
        _type_turn(qtbot, ws, answer)
    assert ws.turns.rows[-1].kind_label.text() == "Q:"  # Enter on the last answer: a question
    _type_turn(qtbot, ws, "你在这里摆摊多久了？")
    _type_turn(qtbot, ws, "大概一个小时。")
    assert ws.overall.text().startswith("Saved ")
    stored = interview.get(ctx.require_store(), statement_id)
    assert [t.text for t in stored.turns[-3:]] == ["你在这里摆摊多久了？", "大概一个小时。", ""]

    # --- read-back: every page signed on the pad, then each officer and the seal ----------
    # (The unit's signing keys, imported as an administrator does: each officer's under their
    # own password, the seal under the administrator's, its custodian.)
    provision_world_keys(world)
    qtbot.mouseClick(ws.read_back_button, LEFT)
    flow = window.read_back_flow
    flow.ask = lambda _text: True
    party = flow.party_window
    assert party is not None and party.page_count >= 1
    for page in range(party.page_count):
        assert party.position.text() == f"Page {page + 1} of {party.page_count}"
        write_on(qtbot, party.pad_panel.pad)
        qtbot.mouseClick(party.confirm_button, LEFT)
    # by hand, as the form asks unless the officer chose otherwise: the declaration comes last
    assert party.in_declaration_step
    write_on(qtbot, party.declaration_pad_panel.pad)
    qtbot.mouseClick(party.declaration_confirm_button, LEFT)
    assert party.declaration_state.text().startswith("All pages are signed and your declaration")
    officers_sign(qtbot, flow, world)
    assert flow.windowTitle() == "Signed statement"
    assert interview.get(ctx.require_store(), statement_id).state is StatementState.SEALED
    summary = next(s for s in window.cases.summaries if s.case.id == case_id)
    assert [s.state for s in summary.statements] == [StatementState.SEALED]

    # --- verify: drop the exported PDF on the window -----------------------------------
    pdf = signing.export_document(ctx.require_store(), statement_id, tmp_path / "signed.pdf")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(pdf))])
    drop = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, LEFT,
                      Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    report = window.verify_dialog
    assert report.verdict.text().startswith("Bottom line: every signature holds")
    assert statement_id in report.extra.text()  # recognised as the copy the store keeps

    # --- dock the recorder from the case's evidence panel --------------------------------
    window.show_case(case_id)
    view = window.tabs.widget(0)
    assert isinstance(view, CaseView)
    panel = view.findChild(EvidencePanel)
    qtbot.mouseClick(panel.dock_button, LEFT)
    dock = panel.dock_dialog
    qtbot.mouseClick(dock.start_button, LEFT)
    assert "Stored now: 7" in dock.summary.toPlainText()
    assert dock.overall_bar.value() == dock.overall_bar.maximum()
    dock.close()
    assert panel.table.rowCount() == 7
    names = {panel.table.item(row, 0).text() for row in range(panel.table.rowCount())}
    assert any(name.endswith("_IMP.MP4") for name in names)
    # Close as an officer would (the window stops its timers and closes the store), then
    # end the lanes' threads with the test (tests/conftest.py checks).
    window.close()
    ctx.bg.shutdown()
