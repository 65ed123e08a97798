"""The statement form in the interview window (issue 14 §1): interview number, running clock
with the long-interview alert, breaks, interpreter and guardian (required for a minor).

Real store, emulated card reader, synchronous background; what is asserted is what the
officer sees in the bar and what the statement then holds.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.domain.model import StatementState, TurnKind
from desktop.services import interview, records
from desktop.ui.context import AppContext
from desktop.ui.interview import InterviewWorkspace
from tests.conftest import FakeClock, World, make_party
from tests.store.test_statements import answer_opening
from tests.ui.conftest import store_of
from tests.ui.interview.keys import type_text


def workspace(qtbot: QtBot, ctx: AppContext, world: World,
              statement_id: str | None = None) -> InterviewWorkspace:
    ws = InterviewWorkspace(ctx, world.case.id, statement_id)
    qtbot.addWidget(ws)
    ws.resize(1024, 768)
    ws.show()
    qtbot.waitExposed(ws)
    return ws


def test_the_bar_shows_the_number_and_a_running_clock_that_warns_when_long(
        qtbot: QtBot, ui_ctx: AppContext, world: World, clock: FakeClock) -> None:
    ui_ctx.settings.long_interview_hours = 2
    ws = workspace(qtbot, ui_ctx, world, world.statement.id)
    bar = ws.bar
    assert bar.number.text() == "Interview no. 1"
    assert bar.clock.text() == "Duration 0:00:00"
    assert bar.timer.isActive()
    assert "after 2 hours" in bar.clock.toolTip()
    clock.advance(hours=1, minutes=5, seconds=7)
    bar.timer.timeout.emit()
    assert bar.clock.text() == "Duration 1:05:07"
    assert "#fff3cd" not in bar.clock.styleSheet()
    clock.advance(hours=1)
    bar.timer.timeout.emit()
    assert bar.clock.text() == "Duration 2:05:07" and "#fff3cd" in bar.clock.styleSheet()
    # The clock is inside the window at 1024 x 768.
    top_left = bar.clock.mapTo(ws, bar.clock.rect().topLeft())
    assert ws.rect().contains(top_left) and bar.clock.isVisible()


def test_a_break_is_recorded_with_its_times_and_shown_as_a_note(
        qtbot: QtBot, ui_ctx: AppContext, world: World, clock: FakeClock) -> None:
    clock.advance(minutes=50)  # 09:50
    ws = workspace(qtbot, ui_ctx, world, world.statement.id)
    rows_before = len(ws.turns.rows)
    qtbot.mouseClick(ws.bar.break_button, Qt.MouseButton.LeftButton)
    dialog = ws.bar.break_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.kind.setCurrentIndex(dialog.kind.findData("meal"))
    dialog.accept()
    assert len(ws.turns.rows) == rows_before + 1
    note = ws.turns.rows[-1]
    assert note.turn.kind is TurnKind.NOTE and note.text() == "09:35—09:50 用餐"
    stored = interview.get(store_of(ui_ctx), world.statement.id).turns[-1]
    assert (stored.kind, stored.text) == (TurnKind.NOTE, "09:35—09:50 用餐")
    # A break that ends before it starts is refused with the reason shown in the bar.
    qtbot.mouseClick(ws.bar.break_button, Qt.MouseButton.LeftButton)
    dialog = ws.bar.break_dialog
    assert dialog is not None
    dialog.end.setDateTime(dialog.start.dateTime().addSecs(-60))
    dialog.accept()
    assert ws.bar.error.isVisible() and ws.bar.error.text() == "A break must end after it starts."


def test_a_minor_cannot_go_to_read_back_until_the_guardian_is_named(
        qtbot: QtBot, ui_ctx: AppContext, world: World) -> None:
    store = store_of(ui_ctx)
    minor = records.record_party(store, replace(make_party("测试少年", "110101201001017613"),
                                                birth_date=date(2010, 1, 1)))
    statement = interview.open_statement(
        store, case_id=world.case.id, interviewee_id=minor.id,
        kind=world.statement.kind, place="询问室",
        interviewers=(world.admin.id, world.second.id), recorder_id=world.second.id)
    world.statement = statement
    answer_opening(world)
    ws = workspace(qtbot, ui_ctx, world, statement.id)
    bar = ws.bar
    assert bar.warning.isVisible() and "under 18" in bar.warning.text()
    qtbot.mouseClick(ws.read_back_button, Qt.MouseButton.LeftButton)
    assert ws.message.isVisible()
    assert ws.message.text() == (
        "The interviewee was under 18 when the interview started: record the guardian or "
        "legal representative who attended before read-back and signing.")
    assert interview.get(store, statement.id).state is StatementState.DRAFT
    qtbot.mouseClick(bar.form_button, Qt.MouseButton.LeftButton)
    dialog = bar.form_dialog
    assert dialog is not None and dialog.isVisible()
    type_text(dialog.guardian, "测试家长")
    type_text(dialog.relation, "母亲")
    dialog.accept()
    assert not bar.warning.isVisible()
    assert bar.attendees.text() == "Guardian: 测试家长"
    assert interview.get(store, statement.id).form.guardian_relation == "母亲"
    qtbot.mouseClick(ws.read_back_button, Qt.MouseButton.LeftButton)
    assert interview.get(store, statement.id).state is StatementState.READ_BACK


def test_the_header_takes_interpreter_guardian_and_number_at_start(
        qtbot: QtBot, ui_ctx: AppContext, world: World) -> None:
    ws = workspace(qtbot, ui_ctx, world)
    header = ws.header
    assert header is not None
    qtbot.mouseClick(header.read_card_button, Qt.MouseButton.LeftButton)
    assert not header.minor_hint.isVisible()  # the emulated card holds an adult
    assert header.sequence.text() == "Automatic"
    type_text(header.place, "询问室")
    type_text(header.interpreter, "测试翻译")
    type_text(header.interpreter_language, "英语")
    qtbot.mouseClick(header.start_button, Qt.MouseButton.LeftButton)
    assert header.error.text() == ""
    assert ws.statement_id is not None
    form = interview.get(store_of(ui_ctx), ws.statement_id).form
    assert (form.sequence, form.interpreter, form.interpreter_language, form.guardian) == (
        1, "测试翻译", "英语", "")
    assert ws.bar.attendees.text() == "Interpreter: 测试翻译"
    assert ws.bar.number.text() == "Interview no. 1"


def test_a_minor_read_from_the_form_marks_the_guardian_required(
        qtbot: QtBot, ui_ctx: AppContext, world: World, clock: FakeClock) -> None:
    ws = workspace(qtbot, ui_ctx, world)
    header = ws.header
    assert header is not None
    header.show_minor(replace(make_party(), birth_date=date(2010, 6, 1)))
    assert header.minor_hint.isVisible() and "under 18" in header.minor_hint.text()
    assert header.guardian_label.text().endswith("*")
    header.show_minor(replace(make_party(), birth_date=(clock.now - timedelta(days=18 * 366))
                              .date()))
    assert not header.minor_hint.isVisible()


def test_the_header_offers_only_officers_who_may_interview(
        qtbot: QtBot, ui_ctx: AppContext, world: World) -> None:
    """A disabled officer (decision 24) keeps their name on old records but is no choice for a
    new statement: not as an interviewer, not as the recorder."""
    from desktop.store.officer_admin import disable_officer

    disable_officer(world.store, world.second.id)
    header = workspace(qtbot, ui_ctx, world).header
    assert header is not None
    for combo in (header.interviewer1, header.interviewer2, header.recorder):
        offered = {combo.itemData(index) for index in range(combo.count())}
        assert offered == {world.admin.id}, combo.objectName()
