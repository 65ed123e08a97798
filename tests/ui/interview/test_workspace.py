"""The interview workspace as an officer uses it: header from the ID card or typed, opening
questions, typing turn after turn with Enter, autosave, phrases, history, the long-interview
banner and read-back. Real store, emulated card reader, synchronous background."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.domain.model import IdKind, OpeningItem, StatementState, TurnKind
from desktop.services import interview
from desktop.services.devices import read_card_party
from desktop.services.templates import load_template
from desktop.store import cases
from desktop.ui.context import AppContext
from desktop.ui.interview import InterviewWorkspace
from desktop.ui.interview.phrases import phrase_for_key
from tests.conftest import FakeClock, World
from tests.ui.conftest import store_of
from tests.ui.interview.keys import type_text


def workspace(qtbot: QtBot, ctx: AppContext, world: World,
              statement_id: str | None = None) -> InterviewWorkspace:
    ws = InterviewWorkspace(ctx, world.case.id, statement_id)
    qtbot.addWidget(ws)
    ws.resize(1366, 768)
    ws.show()
    qtbot.waitExposed(ws)
    ws.activateWindow()
    return ws


def type_turn(qtbot: QtBot, ws: InterviewWorkspace, text: str) -> None:
    row = ws.turns.current_row()
    assert row is not None
    type_text(row.editor, text)
    qtbot.keyClick(row.editor, Qt.Key.Key_Return)


def test_read_card_fills_the_header(qtbot: QtBot, ui_ctx: AppContext, world: World) -> None:
    expected = read_card_party(ui_ctx.ports.idcard).party
    ws = workspace(qtbot, ui_ctx, world)
    header = ws.header
    assert header is not None
    qtbot.mouseClick(header.read_card_button, Qt.MouseButton.LeftButton)
    assert header.name.text() == expected.name
    assert header.id_number.text() == expected.id_number
    assert header.address.text() == expected.address
    assert header.nation.text() == expected.nation
    assert header.birth_date.text() == expected.birth_date.isoformat()
    assert IdKind(header.id_kind.currentData()) is IdKind.RESIDENT_ID
    assert header.name.isReadOnly()
    assert header.device_status.text() == f"ID card read: {expected.name}."
    assert header.error.text() == ""


def test_manual_entry_with_a_bad_id_number_shows_why(qtbot: QtBot, ui_ctx: AppContext,
                                                     world: World) -> None:
    ws = workspace(qtbot, ui_ctx, world)
    header = ws.header
    assert header is not None
    qtbot.mouseClick(header.manual_button, Qt.MouseButton.LeftButton)
    type_text(header.id_number, "110101199003071234")  # check digit should be 3
    type_text(header.name, "测试人乙")
    type_text(header.place, "询问室")
    qtbot.mouseClick(header.start_button, Qt.MouseButton.LeftButton)
    assert header.error.text() == "The ID number's check digit is wrong; check the number."
    assert ws.statement_id is None
    header.id_number.setText("11010119900307")
    qtbot.mouseClick(header.start_button, Qt.MouseButton.LeftButton)
    assert header.error.text() == (
        "An ID number has 18 characters: 17 digits, then a digit or X.")
    header.id_number.setText("110101199003071233")
    qtbot.mouseClick(header.start_button, Qt.MouseButton.LeftButton)
    assert header.error.text() == ""
    assert ws.statement_id is not None
    statement = interview.get(store_of(ui_ctx), ws.statement_id)
    party = cases.get_party(store_of(ui_ctx).conn, statement.interviewee_id)
    assert (party.name, party.birth_date.isoformat() if party.birth_date else "") == (
        "测试人乙", "1990-03-07")


def test_start_from_the_card_shows_the_opening_questions(qtbot: QtBot, ui_ctx: AppContext,
                                                         world: World) -> None:
    ws = workspace(qtbot, ui_ctx, world)
    header = ws.header
    assert header is not None
    qtbot.mouseClick(header.read_card_button, Qt.MouseButton.LeftButton)
    type_text(header.phone, "13900000002")
    type_text(header.place, "第一询问室")
    name = header.name.text()
    with qtbot.waitSignal(ws.title_changed) as title:
        qtbot.mouseClick(header.start_button, Qt.MouseButton.LeftButton)
    assert title.args == [f"{name} – Inquiry"]
    assert ws.statement_id is not None
    opening = load_template(interview.get(store_of(ui_ctx), ws.statement_id).kind).opening
    rows = ws.turns.rows
    assert len(rows) == 2 * len(opening)
    assert [r.kind_label.text() for r in rows[:2]] == ["Q:", "A:"]
    assert "测试管理员" in rows[0].text() and "TEST0002" in rows[0].text()
    assert rows[4].text().endswith("你是否申请回避？")
    assert "第一询问室" in ws.info.text() and name in ws.info.text()
    statement = interview.get(store_of(ui_ctx), ws.statement_id)
    party = cases.get_party(store_of(ui_ctx).conn, statement.interviewee_id)
    assert (party.name, party.phone, statement.place) == (name, "13900000002", "第一询问室")
    assert ws.turns.current == 1  # the first answer waits for typing
    assert ws.checklist[OpeningItem.RECUSAL].text() == "✗ Recusal: answer missing"


def test_typing_enter_moves_on_and_autosaves(qtbot: QtBot, ui_ctx: AppContext,
                                             world: World) -> None:
    ws = workspace(qtbot, ui_ctx, world, world.statement.id)
    store = store_of(ui_ctx)
    assert ws.turns.current == 1
    type_turn(qtbot, ws, "看清楚了")
    assert ws.turns.current == 2  # Enter moved to the next turn: the rights notice
    assert ws.focusWidget() is ws.turns.rows[2].editor
    qtbot.keyClick(ws.turns.rows[2].editor, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert ws.turns.current == 3
    type_turn(qtbot, ws, "听清楚了")
    ws.turns.focus(5)
    type_turn(qtbot, ws, "不申请回避")
    held = {t.tag: t.text for t in interview.get(store, world.statement.id).turns
            if t.kind is TurnKind.ANSWER}
    assert held[OpeningItem.IDENTIFICATION] == "看清楚了"
    assert held[OpeningItem.RECUSAL] == "不申请回避"
    assert ws.turns.rows[1].state_label.text().startswith("Saved ")
    assert ws.overall.text().startswith("Saved ")
    assert ws.checklist[OpeningItem.RECUSAL].text() == "✓ Recusal: answered"
    # Enter on the last answer created a question; Enter on that question an answer.
    count = 6
    assert len(ws.turns.rows) == count + 1 and ws.turns.current == count
    assert ws.turns.rows[-1].kind_label.text() == "Q:"
    type_turn(qtbot, ws, "你的车为什么停在人行道上？")
    assert len(ws.turns.rows) == count + 2 and ws.turns.current == count + 1
    assert ws.turns.rows[-1].kind_label.text() == "A:"
    type_text(ws.turns.rows[-1].editor, "我去买东西")
    qtbot.keyClick(ws.turns.rows[-1].editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    type_text(ws.turns.rows[-1].editor, "很快就回来")
    turns = interview.get(store, world.statement.id).turns
    assert [t.kind for t in turns[-2:]] == [TurnKind.QUESTION, TurnKind.ANSWER]
    assert turns[-2].text == "你的车为什么停在人行道上？"
    assert turns[-1].text == "我去买东西\n很快就回来"
    # Ctrl+Up goes back one turn, Ctrl+Down forward again.
    qtbot.keyClick(ws.turns.rows[-1].editor, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert ws.turns.current == count
    qtbot.keyClick(ws.turns.rows[-2].editor, Qt.Key.Key_Down,
                   Qt.KeyboardModifier.ControlModifier)
    assert ws.turns.current == count + 1


def test_enter_on_an_empty_last_turn_adds_nothing(qtbot: QtBot, ui_ctx: AppContext,
                                                  world: World) -> None:
    ws = workspace(qtbot, ui_ctx, world, world.statement.id)
    ws.turns.focus(len(ws.turns.rows) - 1)
    count = len(ws.turns.rows)
    qtbot.keyClick(ws.turns.rows[-1].editor, Qt.Key.Key_Return)
    assert len(ws.turns.rows) == count


def test_phrase_shortcut_and_list_insert_the_phrase(qtbot: QtBot, ui_ctx: AppContext,
                                                    world: World) -> None:
    ws = workspace(qtbot, ui_ctx, world, world.statement.id)
    ws.turns.focus(len(ws.turns.rows) - 1)
    type_turn(qtbot, ws, "不申请")
    question = ws.turns.rows[-1]
    qtbot.keyClick(question.editor, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    phrase = phrase_for_key("2")
    assert phrase is not None and question.text() == phrase.text
    assert interview.get(store_of(ui_ctx), world.statement.id).turns[-1].text == phrase.text
    question.editor.clear()
    item = ws.phrase_list.item(0)
    assert item.text().startswith("Ctrl+1")
    ws.phrase_list.itemActivated.emit(item)
    first = phrase_for_key("1")
    assert first is not None and question.text() == first.text


def test_history_dialog_lists_the_revisions(qtbot: QtBot, ui_ctx: AppContext,
                                            world: World) -> None:
    ws = workspace(qtbot, ui_ctx, world, world.statement.id)
    row = ws.turns.rows[1]
    type_text(row.editor, "abc")
    qtbot.mouseClick(row.history_button, Qt.MouseButton.LeftButton)
    dialog = ws.history_dialog
    assert dialog.isVisible()
    assert dialog.texts() == ["abc", "ab", "a", ""]
    assert dialog.table.item(0, 2).text() == world.admin.name
    assert dialog.table.item(0, 0).text() == "4"
    dialog.close()


def test_long_interview_banner(qtbot: QtBot, ui_ctx: AppContext, world: World,
                               clock: FakeClock) -> None:
    ws = workspace(qtbot, ui_ctx, world, world.statement.id)
    ws.duration_timer.timeout.emit()
    assert not ws.banner.isVisible()
    clock.advance(hours=11, minutes=59)
    ws.duration_timer.timeout.emit()
    assert not ws.banner.isVisible()
    clock.advance(minutes=2)
    ws.duration_timer.timeout.emit()
    assert ws.banner.isVisible()
    assert "more than 12 hours" in ws.banner.text()


def test_long_interview_hours_are_configurable(qtbot: QtBot, ui_ctx: AppContext,
                                               world: World, clock: FakeClock) -> None:
    ui_ctx.settings.long_interview_hours = 2
    ws = workspace(qtbot, ui_ctx, world, world.statement.id)
    clock.advance(hours=2, minutes=1)
    ws.duration_timer.timeout.emit()
    assert ws.banner.isVisible() and "more than 2 hours" in ws.banner.text()


def test_read_back_refused_until_the_opening_is_answered(qtbot: QtBot, ui_ctx: AppContext,
                                                         world: World) -> None:
    ws = workspace(qtbot, ui_ctx, world, world.statement.id)
    type_turn(qtbot, ws, "看清楚了")
    qtbot.mouseClick(ws.read_back_button, Qt.MouseButton.LeftButton)
    assert ws.message.isVisible()
    assert ws.message.text() == (
        "The interviewee's acknowledgement of the rights notice has not been recorded yet.")
    ws.turns.focus(3)
    type_turn(qtbot, ws, "听清楚了")
    qtbot.mouseClick(ws.read_back_button, Qt.MouseButton.LeftButton)
    assert ws.message.text() == "The interviewee's answer to the recusal question is missing."
    assert interview.get(store_of(ui_ctx), world.statement.id).state is StatementState.DRAFT
    ws.turns.focus(5)
    type_text(ws.turns.rows[5].editor, "不申请")
    assert ws.checklist[OpeningItem.RIGHTS_NOTICE].text() == (
        "✓ Rights and duties notice: answered")
    with qtbot.waitSignal(ws.read_back_requested) as requested:
        qtbot.mouseClick(ws.read_back_button, Qt.MouseButton.LeftButton)
    assert requested.args == [world.statement.id]
    assert not ws.message.isVisible()
    assert interview.get(store_of(ui_ctx), world.statement.id).state is StatementState.READ_BACK
    assert ws.turns.rows[5].editor.isReadOnly()
