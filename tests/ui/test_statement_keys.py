"""The officer's everyday keys and the case view (issue 14 §1): a new statement, reading
the ID card and read-back from the keyboard, shown in the menu and on the buttons; Enter
opens the selected statement; the case tab lists a statement as soon as it is started; a
double click on the demo button opens one window. Real store, emulated card reader."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from desktop.services.devices import read_card_party
from desktop.store.store import StorePaths
from desktop.ui.app import Launcher
from desktop.ui.background import Background
from desktop.ui.cases import CaseView
from desktop.ui.context import DEMO_PORTS, AppContext, DevicePorts
from desktop.ui.interview import InterviewWorkspace
from desktop.ui.main_window import MainWindow
from tests.conftest import World
from tests.ui.interview.keys import type_text

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def _window(ui_ctx: AppContext, qtbot: QtBot) -> MainWindow:
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.closing_for_rebuild = True  # the world fixture closes the store itself
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def _case_view(window: MainWindow) -> CaseView:
    view = window.case_tab
    assert isinstance(view, CaseView)
    return view


def test_the_statement_keys_are_in_the_menu_and_on_the_buttons(
        ui_ctx: AppContext, world: World, qtbot: QtBot) -> None:
    window = _window(ui_ctx, qtbot)
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "S&tatement")
    assert [(a.text(), a.shortcut().toString()) for a in menu.actions()] == [
        ("New statement", "Ctrl+Shift+N"), ("Read ID card", "F2"),
        ("Proceed to read-back", "Ctrl+R")]
    view = _case_view(window)
    assert view.new_button.toolTip() == "Start a statement in this case (Ctrl+Shift+N)"
    assert view.open_button.toolTip() == "Open the selected statement (Return)"
    window.open_statement(world.case.id, None)
    ws = window.tabs.currentWidget()
    assert isinstance(ws, InterviewWorkspace) and ws.header is not None
    assert ws.header.read_card_button.toolTip() == "Read the ID card on the reader (F2)"
    assert ws.read_back_button.toolTip() == "Proceed to read-back (Ctrl+R)"


def test_a_statement_from_the_keyboard_appears_in_the_case_tab_at_once(
        ui_ctx: AppContext, world: World, qtbot: QtBot) -> None:
    window = _window(ui_ctx, qtbot)
    before = _case_view(window).table.rowCount()
    qtbot.keyClick(_case_view(window).table, Qt.Key.Key_N, CTRL | SHIFT)
    ws = window.tabs.currentWidget()
    assert isinstance(ws, InterviewWorkspace) and ws.header is not None
    header = ws.header
    qtbot.keyClick(header.phone, Qt.Key.Key_F2)  # whichever field has the focus
    card = read_card_party(ui_ctx.ports.idcard).party
    assert header.name.text() == card.name
    type_text(header.place, "第二询问室")
    qtbot.mouseClick(header.start_button, Qt.MouseButton.LeftButton)
    assert ws.statement_id is not None
    view = _case_view(window)  # rebuilt with the new statement, behind the interview
    assert view.table.rowCount() == before + 1
    assert card.name in [view.table.item(r, 0).text() for r in range(view.table.rowCount())]
    assert window.tabs.currentWidget() is ws
    assert window.workspaces[ws.statement_id] is ws  # flushed on lock like any other

    row = ws.turns.current_row()
    assert row is not None
    qtbot.keyClick(row.editor, Qt.Key.Key_R, CTRL)  # read-back asked: the opening is missing
    assert ws.message.isVisible()
    assert ws.message.text() == "The statement has no answers to read back."


def test_enter_opens_the_selected_statement(ui_ctx: AppContext, world: World,
                                            qtbot: QtBot) -> None:
    window = _window(ui_ctx, qtbot)
    table = _case_view(window).table
    table.setFocus()
    table.selectRow(0)
    assert table.item(0, 0).data(Qt.ItemDataRole.UserRole) == world.statement.id
    qtbot.keyClick(table, Qt.Key.Key_Return)
    ws = window.tabs.currentWidget()
    assert isinstance(ws, InterviewWorkspace) and ws.statement_id == world.statement.id
    assert window.tabs.count() == 2


def test_a_double_click_on_the_demo_button_opens_one_window(tmp_path: Path,
                                                            qtbot: QtBot) -> None:
    bg = Background(synchronous=True)
    ctx = AppContext(StorePaths(tmp_path / "new"), bg, demo_devices=True)
    ctx.settings.ports = DevicePorts(**DEMO_PORTS.__dict__)
    launcher = Launcher(ctx)
    dialog = launcher.start()
    qtbot.addWidget(dialog)
    button = next(b for b in dialog.findChildren(QPushButton)
                  if b.text().startswith("Try it with a demo store"))
    # What Qt receives from a double click: press, release, double-click press, release.
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.mouseDClick(button, Qt.MouseButton.LeftButton)
    qtbot.mouseRelease(button, Qt.MouseButton.LeftButton)
    windows = [w for w in QApplication.topLevelWidgets()
               if isinstance(w, MainWindow) and w.isVisible()]
    try:
        assert len(windows) == 1
    finally:
        for window in windows:
            window.close()
            window.deleteLater()
        bg.shutdown()
