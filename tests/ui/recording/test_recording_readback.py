"""The recording through the read-back dialog: it runs while the interviewee signs, the dialog
offers stopping it once every page is signed, "Officers sign and seal" while it runs asks to
stop it first and then goes on to the officers; the statement is signed with its recording.
Real store and keys, the synthetic sources pushed faster than real time."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.domain.model import StatementState
from desktop.domain.recording import RecordingState
from desktop.services import interview
from desktop.store import recordings
from desktop.ui.context import AppContext
from desktop.ui.readback import ReadBackFlow
from desktop.ui.recording.controller import controller_for
from tests.conftest import World, provision_world_keys
from tests.ui.conftest import store_of
from tests.ui.readback.conftest import (
    answer_questions,
    choose_typed,
    in_read_back,
    officers_sign,
    write_on,
)
from tests.ui.recording.conftest import advance, synthetic


def test_stopped_after_the_signatures_then_the_officers_sign(
        qtbot: QtBot, ui_ctx: AppContext, world: World) -> None:
    controller = controller_for(ui_ctx, world.statement.id)
    synthetic(controller)
    controller.start()
    advance(controller, 1.0)
    in_read_back(world, long=False)  # answered and read back while recording
    provision_world_keys(world)
    flow = ReadBackFlow(ui_ctx, world.statement.id)
    qtbot.addWidget(flow)
    flow.show()
    choose_typed(qtbot, flow)
    box = flow.recording
    assert box.stop_button.isVisible() and box.indicator.text().startswith("● REC")
    advance(controller, 1.0)
    party = flow.party_window
    assert party is not None
    for _page in range(party.page_count):
        write_on(qtbot, party.pad_panel.pad)
        qtbot.mouseClick(party.confirm_button, Qt.MouseButton.LeftButton)
    assert flow.status.text() == ("Every page is signed. Stop the recording, then the "
                                  "officers sign and seal the statement.")
    assert box.hint.text().startswith("Every signature of the interviewee is there")
    assert controller.recording
    asked = answer_questions(flow, True)
    qtbot.mouseClick(flow.sign_button, Qt.MouseButton.LeftButton)
    assert asked == ["The recording is still running. Stop it now, then sign?"]
    assert controller.finished and not box.stop_button.isVisible()
    assert flow.officer_panel is not None  # went on to the officers once stopped
    officers_sign(qtbot, flow, world)
    store = store_of(ui_ctx)
    assert interview.get(store, world.statement.id).state is StatementState.SEALED
    (kept,) = recordings.for_statement(store.conn, world.statement.id)
    assert kept.state is RecordingState.FINISHED and (kept.duration_ms or 0) >= 1900
    if flow.party_window is not None:
        flow.party_window.close()
