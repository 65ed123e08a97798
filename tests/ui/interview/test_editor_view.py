"""What the officer sees of the turn being typed (issue 14 §1): the focused turn is inside
the visible part of the list after Enter made it below the view and when a long statement is
reopened; text that arrives in one block and wraps shows from its first line; a common
question pressed in an answer becomes a new question; an answer emptied at once by undo is
not saved silently. Real store, synchronous background, the workspace at a laptop's size."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.domain.model import TurnKind
from desktop.services import interview
from desktop.ui.background import Background
from desktop.ui.context import AppContext
from desktop.ui.interview import InterviewWorkspace
from desktop.ui.interview.phrases import phrase_for_key
from desktop.ui.interview.turns import TurnRow
from tests.conftest import World
from tests.ui.conftest import store_of
from tests.ui.interview.keys import type_text
from tests.ui.interview.test_workspace import type_turn, workspace

CTRL = Qt.KeyboardModifier.ControlModifier
# A wrapped answer as the input method commits it: one block, several lines at this width.
LONG_ANSWER = ("我当时把车停在人行道上是因为要去银行办理业务，"
               "前后大约十分钟，没有注意到禁停标志。") * 3


def small_workspace(qtbot: QtBot, ctx: AppContext, world: World,
                    statement_id: str | None = None) -> InterviewWorkspace:
    """The workspace on a low screen: a few turns fill the list's view."""
    ws = workspace(qtbot, ctx, world, statement_id)
    ws.resize(1024, 420)
    qtbot.wait(20)
    return ws


def shown_rect(ws: InterviewWorkspace, row: TurnRow) -> QRect:
    """The focused editor's rectangle in the list's viewport coordinates."""
    viewport = ws.turns.viewport()
    return QRect(row.editor.mapTo(viewport, QPoint(0, 0)), row.editor.size())


def fully_shown(ws: InterviewWorkspace, row: TurnRow) -> bool:
    """The whole editor is on the screen: shown (laid out), inside the list's viewport."""
    return row.editor.isVisible() and ws.turns.viewport().rect().contains(shown_rect(ws, row))


def first_line_shown(row: TurnRow) -> bool:
    """Line 1 of the editor's text is inside the editor's viewport, and so is the last."""
    editor = row.editor
    document = editor.document()
    first = editor.blockBoundingGeometry(document.begin()).translated(editor.contentOffset())
    last = editor.blockBoundingGeometry(document.lastBlock()).translated(
        editor.contentOffset())
    view = editor.viewport().rect()
    return first.top() >= 0 and last.bottom() <= view.height() + 1


def test_a_turn_made_with_enter_below_the_view_is_scrolled_into_it(
        qtbot: QtBot, ui_ctx: AppContext, world: World) -> None:
    ws = small_workspace(qtbot, ui_ctx, world, world.statement.id)
    ws.turns.focus(len(ws.turns.rows) - 1)
    type_turn(qtbot, ws, "不申请")
    for n in range(8):
        type_turn(qtbot, ws, f"第{n}句")
        row = ws.turns.rows[-1]
        assert ws.turns.current_row() is row and ws.focusWidget() is row.editor
        qtbot.waitUntil(lambda r=row: fully_shown(ws, r), timeout=2000)
    assert ws.turns.verticalScrollBar().value() > 0  # the list did have to scroll


def test_the_last_turn_of_a_reopened_statement_is_in_view(
        qtbot: QtBot, world: World) -> None:
    store = world.store
    for turn in world.statement.turns:
        if turn.kind is TurnKind.ANSWER:
            interview.save_turn(store, turn.id, "明白。")
    for n in range(10):
        interview.add_turn(store, world.statement.id, TurnKind.QUESTION, f"第{n}个问题？")
        interview.add_turn(store, world.statement.id, TurnKind.ANSWER, f"第{n}个回答。")
    # Real lanes, as the application runs: the turns arrive once the workspace is on screen.
    bg = Background()
    ctx = AppContext(world.paths, bg, clock=world.store.clock)
    ctx.store = store
    try:
        ws = InterviewWorkspace(ctx, world.case.id, world.statement.id)
        qtbot.addWidget(ws)
        ws.resize(1024, 420)
        ws.show()
        qtbot.waitExposed(ws)
        ws.activateWindow()
        qtbot.waitUntil(lambda: len(ws.turns.rows) == 26)
        last = ws.turns.rows[-1]
        qtbot.waitUntil(lambda: ws.focusWidget() is last.editor, timeout=2000)
        qtbot.waitUntil(lambda: fully_shown(ws, last), timeout=2000)
        assert ws.turns.verticalScrollBar().value() > 0
    finally:
        bg.drain()
        bg.shutdown()


def test_the_last_answer_stays_in_view_while_it_grows_line_by_line(
        qtbot: QtBot, ui_ctx: AppContext, world: World) -> None:
    ws = small_workspace(qtbot, ui_ctx, world, world.statement.id)
    ws.turns.focus(len(ws.turns.rows) - 1)
    type_turn(qtbot, ws, "不申请")
    type_turn(qtbot, ws, "车是你停的吗？")
    row = ws.turns.rows[-1]
    qtbot.waitUntil(lambda: fully_shown(ws, row), timeout=2000)
    for sentence in LONG_ANSWER.split("，"):
        type_text(row.editor, sentence + "，")  # key by key, as the officer types
        qtbot.waitUntil(lambda: fully_shown(ws, row), timeout=2000)
    assert row.editor.document().lineCount() > 2


def test_a_wrapped_input_method_commit_shows_from_its_first_line(
        qtbot: QtBot, ui_ctx: AppContext, world: World) -> None:
    ws = small_workspace(qtbot, ui_ctx, world, world.statement.id)
    ws.turns.focus(1)
    row = ws.turns.rows[1]
    commit = QInputMethodEvent("", [])
    commit.setCommitString(LONG_ANSWER)
    QApplication.sendEvent(row.editor, commit)
    assert row.text() == LONG_ANSWER
    qtbot.wait(20)
    assert row.editor.document().lineCount() > 1  # it did wrap
    assert row.editor.verticalScrollBar().value() == 0
    assert first_line_shown(row)
    qtbot.waitUntil(lambda: fully_shown(ws, row), timeout=2000)


def test_a_wrapped_paste_into_the_last_answer_shows_from_its_first_line(
        qtbot: QtBot, ui_ctx: AppContext, world: World) -> None:
    ws = small_workspace(qtbot, ui_ctx, world, world.statement.id)
    ws.turns.focus(len(ws.turns.rows) - 1)
    type_turn(qtbot, ws, "不申请")
    type_turn(qtbot, ws, "车是你停的吗？")
    row = ws.turns.rows[-1]
    QApplication.clipboard().setText(LONG_ANSWER * 2)
    qtbot.keyClick(row.editor, Qt.Key.Key_V, CTRL)
    assert row.text() == LONG_ANSWER * 2
    qtbot.wait(20)
    assert row.editor.document().lineCount() > 2
    assert row.editor.verticalScrollBar().value() == 0
    assert first_line_shown(row)
    qtbot.waitUntil(lambda: fully_shown(ws, row), timeout=2000)


def test_a_common_question_pressed_in_an_answer_starts_a_new_question(
        qtbot: QtBot, ui_ctx: AppContext, world: World) -> None:
    ws = small_workspace(qtbot, ui_ctx, world, world.statement.id)
    ws.turns.focus(len(ws.turns.rows) - 1)
    answer = ws.turns.rows[-1]
    type_text(answer.editor, "不申请回避")
    phrase = phrase_for_key("2")
    assert phrase is not None
    count = len(ws.turns.rows)
    qtbot.keyClick(answer.editor, Qt.Key.Key_2, CTRL)
    assert answer.text() == "不申请回避"  # the answer is unchanged on the screen
    assert len(ws.turns.rows) == count + 1
    question = ws.turns.rows[-1]
    assert question.kind_label.text() == "Q:" and question.text() == phrase.text
    assert ws.focusWidget() is question.editor
    qtbot.waitUntil(lambda: fully_shown(ws, question), timeout=2000)
    held = interview.get(store_of(ui_ctx), world.statement.id).turns
    assert [(t.kind, t.text) for t in held[-2:]] == [(TurnKind.ANSWER, "不申请回避"),
                                                     (TurnKind.QUESTION, phrase.text)]

    # From an answer earlier in the statement the question goes to the end as well.
    ws.turns.focus(1)
    qtbot.keyClick(ws.turns.rows[1].editor, Qt.Key.Key_3, CTRL)
    third = phrase_for_key("3")
    assert third is not None
    assert ws.turns.rows[1].text() == ""
    assert [r.text() for r in ws.turns.rows[-2:]] == [phrase.text, third.text]


def test_a_common_question_from_an_answer_fills_the_empty_question_waiting(
        qtbot: QtBot, ui_ctx: AppContext, world: World) -> None:
    ws = small_workspace(qtbot, ui_ctx, world, world.statement.id)
    ws.turns.focus(len(ws.turns.rows) - 1)
    type_turn(qtbot, ws, "不申请")  # Enter made an empty question at the end
    count = len(ws.turns.rows)
    ws.turns.focus(count - 2)
    qtbot.keyClick(ws.turns.rows[-2].editor, Qt.Key.Key_1, CTRL)
    first = phrase_for_key("1")
    assert first is not None
    assert len(ws.turns.rows) == count
    assert ws.turns.rows[-2].text() == "不申请"
    assert ws.turns.rows[-1].text() == first.text
    assert ws.focusWidget() is ws.turns.rows[-1].editor


def test_an_answer_emptied_by_undo_is_not_saved_until_confirmed(
        qtbot: QtBot, ui_ctx: AppContext, world: World) -> None:
    ws = small_workspace(qtbot, ui_ctx, world, world.statement.id)
    store = store_of(ui_ctx)
    ws.turns.focus(1)
    row = ws.turns.rows[1]
    type_text(row.editor, "看清楚了")
    assert interview.get(store, world.statement.id).turns[1].text == "看清楚了"

    qtbot.keyClick(row.editor, Qt.Key.Key_Z, CTRL)  # Qt undoes the whole typed run
    assert row.text() == ""
    ws.flush()
    assert interview.get(store, world.statement.id).turns[1].text == "看清楚了"
    assert row.state_label.text() == "Not saved"
    assert ws.overall.text() == "Not saved: a turn was emptied at once"
    assert ws.message.isVisible() and "press Enter in it" in ws.message.text()
    qtbot.mouseClick(ws.read_back_button, Qt.MouseButton.LeftButton)  # read-back waits
    assert interview.get(store, world.statement.id).state.value == "draft"

    qtbot.keyClick(row.editor, Qt.Key.Key_Y, CTRL)  # redo: the text is back, saved as it was
    assert row.text() == "看清楚了"
    assert row.state_label.text().startswith("Saved")
    assert not ws.message.isVisible()

    qtbot.keyClick(row.editor, Qt.Key.Key_Z, CTRL)
    qtbot.keyClick(row.editor, Qt.Key.Key_Return)  # Enter: the officer keeps it empty
    assert interview.get(store, world.statement.id).turns[1].text == ""
    assert row.state_label.text().startswith("Saved")
    assert not ws.message.isVisible()
    assert interview.history(store, row.turn_id)[-1].text == ""
    assert "看清楚了" in [r.text for r in interview.history(store, row.turn_id)]


def test_deleting_one_character_at_a_time_saves_as_usual(
        qtbot: QtBot, ui_ctx: AppContext, world: World) -> None:
    ws = small_workspace(qtbot, ui_ctx, world, world.statement.id)
    ws.turns.focus(1)
    row = ws.turns.rows[1]
    type_text(row.editor, "好")
    qtbot.keyClick(row.editor, Qt.Key.Key_Backspace)
    assert interview.get(store_of(ui_ctx), world.statement.id).turns[1].text == ""
    assert row.state_label.text().startswith("Saved")
