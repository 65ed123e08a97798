"""The screen lock holds: while it is up, nothing but the password prompt responds.

The tests walk what the windows offer instead of a hand-written list that could fall behind:
every QAction reachable from the main window (its menus, recursively, and every QAction in
the widget tree of every window) and every shortcut (QShortcut objects and the actions'
shortcuts). Each action is triggered and each key sequence is sent, to the active window,
the focused widget, the main window and an open editor; the store (every row of every
table), the settings file and the set of windows on screen must stay exactly as they were
once the lock was taken (the lock itself writes one audit event, so the snapshot is taken
after it).
"""

from __future__ import annotations

import gc
import hashlib
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from desktop.ui.app import Launcher
from desktop.ui.context import SETTINGS_FILE, AppContext
from desktop.ui.idle_lock import LockDialog, screen_locked
from desktop.ui.interview import InterviewWorkspace
from desktop.ui.interview.turns import TurnEditor
from desktop.ui.main_window import MainWindow
from tests.conftest import PASSWORD, FakeClock, World
from tests.ui.interview.keys import type_text

# --------------------------------------------------------------------------- helpers


def _window(ui_ctx: AppContext, qtbot: QtBot) -> MainWindow:
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.closing_for_rebuild = True  # the world fixture closes the store itself
    window.show()
    return window


def _open_workspace(window: MainWindow, world: World) -> tuple[InterviewWorkspace, TurnEditor]:
    window.open_statement(world.case.id, world.statement.id)
    workspace = window.workspaces[world.statement.id]
    assert isinstance(workspace, InterviewWorkspace)
    editors = workspace.findChildren(TurnEditor)
    assert editors, "the draft statement shows its turns"
    return workspace, editors[-1]


def every_action(window: MainWindow) -> list[QAction]:
    """Every QAction reachable from the main window and from every window of the app."""
    # Collect first: a widget that Python owns and nothing references any more (a menu or
    # dialog of earlier code) would otherwise be destroyed by a garbage collection in the
    # middle of the caller's loop, and its actions with it ("already deleted").
    gc.collect()
    found: list[QAction] = []

    def walk(actions: list[QAction]) -> None:
        for action in actions:
            if any(a is action for a in found):
                continue
            found.append(action)
            menu = action.menu()
            if menu is not None:
                walk(menu.actions())

    walk(window.menuBar().actions())
    walk(window.actions())
    walk(window.findChildren(QAction))
    for top in QApplication.topLevelWidgets():
        walk(top.actions())
        walk(top.findChildren(QAction))
    return [a for a in found if shiboken6.isValid(a)]


def _enabled_if_alive(action: QAction) -> bool | None:
    """Whether `action` is enabled; None when it was destroyed meanwhile. Some action of a
    throw-away object goes away while the list is walked (seen about 1 run in 5, with the
    collector off too: the cause is not found yet). The window's own actions live as long
    as the window, so every one of them is still checked."""
    try:
        return action.isEnabled()
    except RuntimeError:
        return None


def every_shortcut(window: MainWindow) -> list[QKeySequence]:
    """Every key sequence bound to a QShortcut or a QAction anywhere in the application."""
    sequences: dict[str, QKeySequence] = {}
    shortcuts: list[QShortcut] = window.findChildren(QShortcut)
    for top in QApplication.topLevelWidgets():
        shortcuts += top.findChildren(QShortcut)
    for shortcut in shortcuts:
        bound: list[QKeySequence] = shortcut.keys()  # (a QShortcut's, not a dict's)
        for sequence in bound:
            sequences.setdefault(sequence.toString(), sequence)
    for action in every_action(window):
        for sequence in action.shortcuts():
            sequences.setdefault(sequence.toString(), sequence)
    return [s for s in sequences.values() if not s.isEmpty()]


def store_state(world: World) -> dict[str, str]:
    """A digest of every row of every table, and of the settings file."""
    conn = world.store.conn
    tables = [str(r[0]) for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    state = {}
    for table in tables:
        rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()  # the store's own table names
        state[table] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
    settings = world.paths.workdir / SETTINGS_FILE
    state["settings.json"] = settings.read_text("utf-8") if settings.exists() else ""
    return state


def audit_count(world: World) -> int:
    return int(world.store.conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0])


def visible_windows() -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def lock_by_shortcut(window: MainWindow, qtbot: QtBot) -> LockDialog:
    """Ctrl+L, as the officer stepping away presses it."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    QTest.keySequence(window, QKeySequence("Ctrl+L"))
    dialog = window.lock_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def unlock(dialog: LockDialog, qtbot: QtBot) -> None:
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClicks(dialog.password, PASSWORD)
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert not screen_locked()


def walk_everything_while_locked(window: MainWindow, dialog: LockDialog, world: World,
                                 editor: TurnEditor | None = None) -> None:
    # (The workspace's own shortcuts, e.g. Ctrl+H for the history, exist once one is open.)
    """Trigger every action and send every shortcut; nothing may change anywhere."""
    before = store_state(world)
    on_screen = visible_windows()
    assert dialog in on_screen
    actions = every_action(window)
    assert len(actions) >= 10  # the walk finds the menus' actions at least
    still_enabled = [a.text() or a.objectName() or repr(a) for a in actions if a.isEnabled()]
    assert still_enabled == []

    def unchanged(what: str) -> None:
        appeared = [w for w in visible_windows() if not any(w is s for s in on_screen)]
        assert appeared == [], f"{what} opened {appeared}"
        assert dialog.isVisible() and screen_locked(), what

    for action in actions:
        action.trigger()
        unchanged(f"action {action.text()!r}")
    sequences = every_shortcut(window)
    wanted = {"Ctrl+N", "Ctrl+O", "Ctrl+L"} | ({"Ctrl+H"} if editor is not None else set())
    assert wanted <= {s.toString() for s in sequences}
    for sequence in sequences:
        targets: list[QWidget | None] = [QApplication.activeWindow(),
                                         QApplication.focusWidget(), window,
                                         window.focusWidget(), editor]
        for target in targets:
            if target is None:
                continue
            if target.window() is dialog and sequence.toString() in ("Return", "Enter"):
                continue  # that would submit an empty password (a counted failure)
            QTest.keySequence(target, sequence)
            unchanged(f"{sequence.toString()} on {type(target).__name__}")
    assert store_state(world) == before


def pdf_drop(mime: QMimeData) -> tuple[QDragEnterEvent, QDropEvent]:
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    drop = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    return enter, drop


# --------------------------------------------------------------------------- tests


def test_every_action_and_shortcut_is_refused_while_locked(
    ui_ctx: AppContext, world: World, qtbot: QtBot
) -> None:
    window = _window(ui_ctx, qtbot)
    _workspace, editor = _open_workspace(window, world)
    verify = next(a for a in every_action(window) if a.text() == "Verify a PDF…")
    verify.setEnabled(False)  # disabled before the lock: must stay so after it
    actions_before = [(a, enabled) for a in every_action(window)
                      if (enabled := _enabled_if_alive(a)) is not None]
    count = audit_count(world)
    dialog = lock_by_shortcut(window, qtbot)
    assert audit_count(world) == count + 1  # session.locked, and nothing else from now on
    assert not window.centralWidget().isVisible()
    assert not window.menuBar().actions()[0].isEnabled()  # the menus are greyed out

    walk_everything_while_locked(window, dialog, world, editor)

    unlock(dialog, qtbot)
    assert window.centralWidget().isVisible()
    # Exactly as before the lock: what was disabled then is disabled now.
    still_there = [(a, enabled) for a, enabled in actions_before if shiboken6.isValid(a)]
    assert len(still_there) >= 10
    assert [(a.text(), a.isEnabled()) for a, _e in still_there] == \
        [(a.text(), enabled) for a, enabled in still_there]
    assert not verify.isEnabled()
    # And the application answers again: Ctrl+N opens the new-case dialog.
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    QTest.keySequence(window, QKeySequence.StandardKey.New)
    assert window.new_case_dialog.isVisible()
    window.new_case_dialog.close()


def test_new_case_is_not_created_while_locked(ui_ctx: AppContext, world: World,
                                              qtbot: QtBot) -> None:
    window = _window(ui_ctx, qtbot)
    lock_by_shortcut(window, qtbot)
    cases = world.store.conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
    new_case = next(a for a in every_action(window) if a.text() == "New case…")
    new_case.trigger()
    assert getattr(window, "new_case_dialog", None) is None
    assert world.store.conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0] == cases


def test_typing_into_an_editor_while_locked_changes_nothing(
    ui_ctx: AppContext, world: World, qtbot: QtBot
) -> None:
    window = _window(ui_ctx, qtbot)
    _workspace, editor = _open_workspace(window, world)
    editor.setFocus()
    text = editor.toPlainText()
    dialog = lock_by_shortcut(window, qtbot)
    before = store_state(world)
    type_text(editor, "110101199003071233 身份证")
    qtbot.keyClicks(editor, "abc")
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)
    assert editor.toPlainText() == text
    window.flush()  # anything an autosave could have picked up is written now
    assert store_state(world) == before
    unlock(dialog, qtbot)
    type_text(editor, "可以")  # after unlocking the editor takes text and autosaves it
    window.flush()
    assert editor.toPlainText().endswith("可以")
    assert store_state(world) != before


def test_a_pdf_dropped_while_locked_is_refused(ui_ctx: AppContext, world: World,
                                               qtbot: QtBot, tmp_path: Path) -> None:
    window = _window(ui_ctx, qtbot)
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%%EOF\n")
    mime = QMimeData()  # (the events do not own it: it must outlive them)
    mime.setUrls([QUrl.fromLocalFile(str(pdf))])
    dialog = lock_by_shortcut(window, qtbot)
    for target in (window, window.drop_area):
        enter, drop = pdf_drop(mime)
        QApplication.sendEvent(target, enter)
        assert not enter.isAccepted()
        QApplication.sendEvent(target, drop)
        assert not drop.isAccepted()
        # Even a drop delivered straight to the handlers is refused.
        enter, drop = pdf_drop(mime)
        target.dragEnterEvent(enter)
        assert not enter.isAccepted()
        target.dropEvent(drop)
    assert getattr(window, "verify_dialog", None) is None
    assert window.drop_area.dialogs == []
    assert not window.acceptDrops() and not window.drop_area.acceptDrops()
    assert all(w is window or w is dialog for w in visible_windows())
    unlock(dialog, qtbot)
    assert window.acceptDrops() and window.drop_area.acceptDrops()


def test_a_language_switch_while_locked_keeps_the_lock(
    ui_ctx: AppContext, world: World, qtbot: QtBot
) -> None:
    launcher = Launcher(ui_ctx)
    launcher.show_main()
    first = launcher.window
    assert isinstance(first, MainWindow)
    qtbot.addWidget(first)
    first.closing_for_rebuild = True
    dialog = lock_by_shortcut(first, qtbot)
    # The menu's way is refused: its actions are off and the switch itself says no.
    chinese = next(a for a in every_action(first) if a.text() == "中文")
    with qtbot.assertNotEmitted(first.language_changed):
        chinese.trigger()
        first.switch_language("zh_CN")
    assert launcher.window is first and dialog.isVisible()
    # A rebuild that happens anyway comes up locked, behind the same prompt.
    count = audit_count(world)
    launcher.change_language("zh_CN")
    second = launcher.window
    assert isinstance(second, MainWindow) and second is not first
    qtbot.addWidget(second)
    second.closing_for_rebuild = True
    try:
        assert screen_locked() and dialog.isVisible()
        assert second.isVisible() and second.locked
        assert not second.centralWidget().isVisible()
        assert [a.text() for a in every_action(second) if a.isEnabled()] == []
        assert audit_count(world) == count
        walk_everything_while_locked(second, dialog, world)
        unlock(dialog, qtbot)
        assert second.centralWidget().isVisible() and not second.locked
        assert any(a.isEnabled() for a in second.menuBar().actions())
    finally:
        ui_ctx.settings.language = ""


def test_the_lock_says_why_it_locked(ui_ctx: AppContext, world: World, clock: FakeClock,
                                     qtbot: QtBot) -> None:
    window = _window(ui_ctx, qtbot)
    clock.advance(minutes=11)
    window.idle.check()
    idle = window.lock_dialog
    assert idle is not None
    assert "locked after 10 minutes of inactivity" in idle.message.text()
    assert world.store.officer.name in idle.message.text()
    qtbot.keyClicks(idle.password, "not my password")
    qtbot.keyClick(idle.password, Qt.Key.Key_Return)
    assert idle.error.isVisible() and idle.error.text()  # the store's own message
    assert screen_locked()
    unlock(idle, qtbot)

    dialog = lock_by_shortcut(window, qtbot)
    assert dialog is not idle
    assert "You locked the screen." in dialog.message.text()
    assert "inactivity" not in dialog.message.text()
    unlock(dialog, qtbot)


@pytest.mark.parametrize("minutes", [1, 5])
def test_the_idle_message_counts_the_configured_minutes(
    ui_ctx: AppContext, clock: FakeClock, qtbot: QtBot, minutes: int
) -> None:
    ui_ctx.settings.idle_lock_minutes = minutes
    window = _window(ui_ctx, qtbot)
    clock.advance(minutes=minutes, seconds=1)
    window.idle.check()
    assert window.lock_dialog is not None
    unit = "minute" if minutes == 1 else "minutes"
    assert f"locked after {minutes} {unit} of inactivity" in window.lock_dialog.message.text()
    unlock(window.lock_dialog, qtbot)


def test_the_party_screen_shows_nothing_while_locked(
    ui_ctx: AppContext, world: World, qtbot: QtBot
) -> None:
    from tests.ui.readback.conftest import in_read_back

    in_read_back(world, long=False)
    window = _window(ui_ctx, qtbot)
    window.read_back(world.statement.id)
    flow = window.read_back_flow
    flow.ask = lambda _text: True
    party = flow.party_window
    assert party is not None and party.isVisible() and party.viewer.isVisible()
    try:
        dialog = lock_by_shortcut(window, qtbot)
        assert not flow.isVisible()
        # The interviewee's screen stays up but shows only that it is locked.
        assert party.isVisible() and party.is_locked()
        assert not party.viewer.isVisible() and not party.pad_panel.isVisible()
        assert party.locked_page.isVisible()
        assert world.party.name not in party.locked_page.text()
        walk_everything_while_locked(window, dialog, world)
        unlock(dialog, qtbot)
        assert flow.isVisible() and party.viewer.isVisible() and not party.is_locked()
    finally:
        party.close()
        flow.hide()


def test_a_window_that_opens_during_the_lock_is_covered(
    ui_ctx: AppContext, world: World, qtbot: QtBot
) -> None:
    window = _window(ui_ctx, qtbot)
    dialog = lock_by_shortcut(window, qtbot)
    late = QLabel("被询问人：测试人甲 110101199003071233")  # e.g. a background callback's box
    qtbot.addWidget(late)
    late.show()
    qtbot.waitUntil(lambda: not late.isVisible())
    assert dialog.isVisible()
    unlock(dialog, qtbot)
    assert late.isVisible()  # the work is where it was


def test_the_lock_shows_while_a_docking_is_still_mid_way(
    world: World, qtbot: QtBot, tmp_path: Path
) -> None:
    """Ctrl+L during a docking: the prompt is up while the docking provably still runs (it is
    held on an Event inside its second file), and the docking then finishes behind the lock."""
    import threading

    from desktop.services.dock import DockProgress, DockStage
    from desktop.store import evidence as records
    from desktop.ui.background import Background, Lane
    from desktop.ui.evidence import DockDialog

    bg = Background()  # real lanes: the docking runs on its own thread
    ctx = AppContext(world.paths, bg, demo_devices=True, clock=world.store.clock)
    ctx.settings.ports.bodycam = f"emu-bodycam://?root={tmp_path / 'recorder'}&offset=-90"
    ctx.store = world.store
    try:
        window = _window(ctx, qtbot)
        docking = DockDialog(ctx, world.case.id)
        qtbot.addWidget(docking)
        held, release = threading.Event(), threading.Event()
        forward = docking._report_progress

        def hold_in_second_file(progress: DockProgress) -> None:  # on the long-work lane
            forward(progress)
            if progress.stage is DockStage.COPYING and progress.file_index == 2 \
                    and not held.is_set():
                held.set()
                release.wait()

        docking._report_progress = hold_in_second_file  # type: ignore[method-assign]
        docking.start_button.click()
        # Generous limits: these wait for events, and a loaded machine may take a while to
        # copy the first file (the test failed once under load with the default 5 s).
        qtbot.waitUntil(held.is_set, timeout=120_000)
        try:
            dialog = lock_by_shortcut(window, qtbot)
            assert screen_locked() and dialog.isVisible()
            assert docking.running and not release.is_set()  # still inside the second file
            qtbot.waitUntil(lambda: not bg.lane_busy(Lane.STORE), timeout=120_000)
            with world.store.reading() as conn:
                stored = records.items_for_case(conn, world.case.id)
                locked = conn.execute("SELECT count(*) FROM audit_log WHERE action = ?",
                                      ("session.locked",)).fetchone()[0]
            assert len(stored) == 1  # the first file only: the docking is mid-way
            assert locked == 1  # the lock was recorded without waiting for the docking
        finally:
            release.set()
        with qtbot.waitSignal(docking.docked, timeout=120_000):
            pass  # the docking goes on behind the lock and completes
        assert screen_locked()
        with world.store.reading() as conn:
            assert len(records.items_for_case(conn, world.case.id)) == 7
        unlock(dialog, qtbot)
    finally:
        bg.shutdown()
