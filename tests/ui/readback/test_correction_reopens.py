"""被询问人要求更正 in the main window (issue 14 §1): after the interviewee asks for a
correction during read-back, the open workspace is editable at once, what the officer types
is saved, and read-back entered again shows the document's pages. Real store, the real
read-back dialog on the statement of an open tab."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.domain.model import StatementState, TurnKind
from desktop.services import interview
from desktop.ui.context import AppContext
from desktop.ui.interview import InterviewWorkspace
from desktop.ui.main_window import MainWindow
from desktop.ui.readback import ReadBackFlow
from tests.conftest import World
from tests.ui.interview.keys import type_text

LEFT = Qt.MouseButton.LeftButton


def _read_back(qtbot: QtBot, window: MainWindow, ws: InterviewWorkspace) -> ReadBackFlow:
    """Press "Proceed to read-back" in the workspace: the read-back dialog it opens."""
    previous = getattr(window, "read_back_flow", None)
    qtbot.mouseClick(ws.read_back_button, LEFT)
    flow = window.read_back_flow
    assert isinstance(flow, ReadBackFlow) and flow is not previous and flow.isVisible()
    flow.ask = lambda _text: True
    return flow


def _close(flow: ReadBackFlow) -> None:
    if flow.party_window is not None:
        flow.party_window.close()
    flow.close()


def test_after_a_correction_the_open_statement_is_editable_at_once(
        ui_ctx: AppContext, world: World, qtbot: QtBot) -> None:
    for turn in world.statement.turns:
        if turn.kind is TurnKind.ANSWER:
            interview.save_turn(world.store, turn.id, "明白。不申请回避。")
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.closing_for_rebuild = True  # the world fixture closes the store itself
    window.show()
    window.open_statement(world.case.id, world.statement.id)
    ws = window.workspaces[world.statement.id]
    flow = _read_back(qtbot, window, ws)
    try:
        assert flow.session.rendered is not None
        qtbot.mouseClick(ws.read_back_button, LEFT)  # asked again: the same dialog
        assert window.read_back_flow is flow
        assert all(row.editor.isReadOnly() for row in ws.turns.rows)
        qtbot.mouseClick(flow.correction_button, LEFT)
        assert not flow.isVisible()
    finally:
        _close(flow)

    # Right away, in the same tab: editable, no "no longer a draft" message, the focus in it.
    assert interview.get(world.store, world.statement.id).state is StatementState.DRAFT
    assert window.tabs.currentWidget() is ws
    assert not any(row.editor.isReadOnly() for row in ws.turns.rows)
    assert not ws.message.isVisible()
    assert ws.read_back_button.isEnabled()
    last = ws.turns.rows[-1]
    assert ws.focusWidget() is last.editor
    last.editor.moveCursor(last.editor.textCursor().MoveOperation.End)
    type_text(last.editor, "更正：是十五分钟。")
    assert interview.get(world.store, world.statement.id).turns[-1].text == (
        "明白。不申请回避。更正：是十五分钟。")

    # Read-back again: the corrected document's pages, not an empty page.
    again = _read_back(qtbot, window, ws)
    try:
        assert interview.get(world.store, world.statement.id).state is (
            StatementState.READ_BACK)
        rendered = again.session.rendered
        assert rendered is not None and again.session.page_count >= 1
        assert again.viewer.images and not again.viewer.images[0].isNull()
        assert again.status.text().startswith("The document has ")
        assert again.party_window is not None and again.party_window.isVisible()
    finally:
        _close(again)
