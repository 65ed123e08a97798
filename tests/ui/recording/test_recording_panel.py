"""The recording panel in the interview workspace as an officer uses it: Start before the
first question, the indicator and clock while recording, the live preview, a pause that
needs a reason (recorded and shown), Resume, Stop; the turn being typed reaching the
recorded picture as its subtitle; no camera: said, and the waiver offered. Real store, real
encoder and vault, the synthetic sources pushed faster than real time."""

from __future__ import annotations

from typing import Any

import av
import numpy
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.domain.recording import RecordingState
from desktop.recording.compose import Compositor
from desktop.recording.session import RecorderStatus
from desktop.services import recording as recording_service
from desktop.store import recordings
from desktop.ui.context import AppContext
from desktop.ui.interview import InterviewWorkspace
from desktop.ui.recording.panel import status_warnings
from tests.conftest import World
from tests.ui.conftest import store_of
from tests.ui.interview.keys import type_text
from tests.ui.recording.conftest import SETTINGS, advance, panel_of, show, synthetic


def click(qtbot: QtBot, button: Any) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_start_shows_the_indicator_the_clock_and_the_preview(
        qtbot: QtBot, workspace: InterviewWorkspace, ui_ctx: AppContext, world: World) -> None:
    panel = panel_of(workspace)
    assert panel.indicator.text() == "Not recording"
    assert panel.hint.text() == "Start the recording before the first question."
    assert not panel.pause_button.isVisible() and not panel.stop_button.isVisible()
    click(qtbot, panel.start_button)
    controller = panel.controller
    assert controller.live is not None and not panel.start_button.isVisible()
    assert panel.pause_button.isVisible() and panel.stop_button.isVisible()
    advance(controller, 1.2)
    qtbot.waitUntil(lambda: panel.indicator.text() == "● REC 0:00:01")
    advance(controller, 1.0)
    qtbot.waitUntil(lambda: panel.indicator.text() == "● REC 0:00:02")  # the clock advances
    assert "#c62828" in panel.indicator.styleSheet()  # red
    assert panel.wall_clock.text().startswith(ui_ctx.clock().strftime("%Y-%m-%d"))
    qtbot.waitUntil(lambda: not panel.preview.image.isNull())  # the composed picture
    assert panel.preview.image.width() <= panel.preview.width() * 2
    click(qtbot, panel.stop_button)
    qtbot.waitUntil(lambda: controller.finished)
    found = recordings.for_statement(store_of(ui_ctx).conn, world.statement.id)
    assert [r.state for r in found] == [RecordingState.FINISHED]
    assert found[0].duration_ms is not None and found[0].duration_ms >= 2000
    assert panel.indicator.text() == "Recorded 0:00:02"
    assert panel.play_button.isVisible() and not panel.stop_button.isVisible()
    assert found[0].id in panel.hint.text()
    assert recording_service.live(world.statement.id) is None


def band_of(frame: numpy.ndarray) -> tuple[float, int]:
    """In the subtitle band's region: the share of dark pixels (the band darkens the light
    synthetic wall behind it) and the count of bright ones (its white text)."""
    top, height = Compositor(SETTINGS.width, SETTINGS.height).subtitle_band()
    band = frame[top:top + height].astype(numpy.int16)
    dark = float(numpy.count_nonzero(band.mean(axis=2) < 100)) / (band.shape[0] * band.shape[1])
    return dark, int(numpy.count_nonzero((band > 200).all(axis=2)))


def decoded_frames(reader: Any) -> list[tuple[float, numpy.ndarray]]:
    with av.open(reader) as container:
        return [(float(frame.time or 0.0), frame.to_ndarray(format="rgb24"))
                for frame in container.decode(video=0)]


def test_the_turn_being_typed_reaches_the_recorded_picture(
        qtbot: QtBot, workspace: InterviewWorkspace, ui_ctx: AppContext, world: World) -> None:
    panel = panel_of(workspace)
    click(qtbot, panel.start_button)
    controller = panel.controller
    advance(controller, 1.0)  # nothing typed yet: no subtitle
    row = workspace.turns.rows[-1]
    workspace.turns.focus(len(workspace.turns.rows) - 1)
    type_text(row.editor, "我把车停在测试路口的人行道上")
    qtbot.waitUntil(lambda: not controller._subtitle_timer.isActive())  # sent, debounced
    advance(controller, 1.0)
    summary = None

    def stopped(result: recording_service.RecordingSummary) -> None:
        nonlocal summary
        summary = result

    controller.stop(stopped)
    qtbot.waitUntil(lambda: summary is not None)
    assert summary is not None
    frames = decoded_frames(recording_service.open_media(store_of(ui_ctx),
                                                         summary.recording.id))
    before = [band_of(f) for t, f in frames if 0.2 <= t <= 0.8]
    after = [band_of(f) for t, f in frames if 1.3 <= t <= 1.9]
    assert before and after
    # Before: no band, the light wall shows there (no white). After: a dark band holding the
    # white text of the answer (a few hundred pixels of strokes), on every frame.
    assert all(dark < 0.3 and bright < 50 for dark, bright in before), before
    assert all(dark > 0.6 and 150 < bright < 3000 for dark, bright in after), after


def test_a_pause_needs_a_reason_which_is_recorded_and_shown(
        qtbot: QtBot, workspace: InterviewWorkspace, ui_ctx: AppContext, world: World) -> None:
    panel = panel_of(workspace)
    click(qtbot, panel.start_button)
    controller = panel.controller
    advance(controller, 1.0)
    click(qtbot, panel.pause_button)
    dialog = panel.pause_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.accept()  # OK with no reason
    assert dialog.isVisible() and dialog.refusal.text() == "A reason is required."
    assert not controller.paused
    dialog.reason.setCurrentText("The interviewee asked for water")
    dialog.accept()
    assert not dialog.isVisible()
    assert controller.paused
    qtbot.waitUntil(lambda: panel.indicator.text().startswith("❚❚ Paused"))
    assert panel.hint.text() == "Paused: The interviewee asked for water"
    assert panel.resume_button.isVisible() and not panel.pause_button.isVisible()
    recording_id = controller.live.recording_id if controller.live else ""
    pauses = recordings.pauses(store_of(ui_ctx).conn, recording_id)
    assert [(p.reason, p.ended_at is None) for p in pauses] == [
        ("The interviewee asked for water", True)]
    assert 900 <= pauses[0].media_ms <= 1100
    advance(controller, 1.0)  # pushed while paused: not recorded
    click(qtbot, panel.resume_button)
    assert not controller.paused
    advance(controller, 1.0)
    qtbot.waitUntil(lambda: panel.indicator.text() == "● REC 0:00:01"
                    or panel.indicator.text() == "● REC 0:00:02")
    pauses = recordings.pauses(store_of(ui_ctx).conn, recording_id)
    assert pauses[0].ended_at is not None
    click(qtbot, panel.stop_button)
    qtbot.waitUntil(lambda: controller.finished)
    assert controller.summary is not None
    assert [p.reason for p in controller.summary.pauses] == ["The interviewee asked for water"]
    # The service refuses a blank reason too (what the dialog prevents).
    assert controller.summary.recording.duration_ms is not None
    assert controller.summary.recording.duration_ms < 2500  # the paused second is not in it


def test_without_a_camera_the_panel_says_so_and_offers_the_waiver(
        qtbot: QtBot, ui_ctx: AppContext, world: World) -> None:
    ui_ctx.demo_devices = False  # this machine has no camera (Qt lists none)
    ws = InterviewWorkspace(ui_ctx, world.case.id, world.statement.id)
    show(qtbot, ws)
    panel = panel_of(ws)
    assert not panel.start_button.isVisible()
    assert panel.hint.text().startswith("No camera was found on this computer.")
    click(qtbot, panel.waive_button)
    dialog = panel.waiver_dialog
    assert dialog is not None
    dialog.accept()
    assert dialog.isVisible() and dialog.refusal.text() == "A reason is required."
    dialog.reason.setCurrentIndex(0)
    dialog.accept()
    waiver = recordings.waiver(store_of(ui_ctx).conn, world.statement.id)
    assert waiver is not None and waiver.reason == "Device failure: no camera is available"
    assert panel.hint.text() == ("Taken without a recording: Device failure: no camera is "
                                 "available")
    assert not panel.waive_button.isVisible()
    assert panel.indicator.text() == "Taken without a recording"


def test_synthetic_sources_when_the_settings_ask_for_them(
        qtbot: QtBot, ui_ctx: AppContext, world: World) -> None:
    ui_ctx.demo_devices = False
    ui_ctx.settings.synthetic_recording = True
    ws = InterviewWorkspace(ui_ctx, world.case.id, world.statement.id)
    show(qtbot, ws)
    panel = panel_of(ws)
    assert panel.start_button.isVisible()
    assert panel.hint.text() == "Start the recording before the first question."


def test_low_space_and_failure_are_said_in_words() -> None:
    def status(**changes: Any) -> RecorderStatus:
        values: dict[str, Any] = dict(media_ms=1000, bytes_written=1, bytes_per_s=250_000.0,
                                      free_bytes=180_000_000, minutes_left=12.0,
                                      paused=False, low_space=False, failure=None)
        values.update(changes)
        return RecorderStatus(**values)

    assert status_warnings(status(), None) == ("", False)
    assert status_warnings(status(low_space=True), None) == (
        "Disk space is running low: about 12 minutes of space left at the current rate.",
        False)
    text, failure = status_warnings(status(failure="No space left on device"), None)
    assert failure and text.startswith("The recording failed: No space left on device.")


def test_stopping_while_still_a_draft_asks_first(
        qtbot: QtBot, workspace: InterviewWorkspace) -> None:
    panel = panel_of(workspace)
    click(qtbot, panel.start_button)
    advance(panel.controller, 0.5)
    asked: list[str] = []
    panel.ask = lambda text: asked.append(text) is not None  # answers no
    click(qtbot, panel.stop_button)
    assert asked and "until the interviewee has signed every page" in asked[0]
    assert panel.controller.recording
    QApplication.processEvents()


def test_closing_the_program_stops_and_keeps_the_recording(
        qtbot: QtBot, ui_ctx: AppContext, world: World) -> None:
    from desktop.store.store import unlock
    from desktop.ui.main_window import MainWindow
    from tests.conftest import PASSWORD

    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.show()
    window.open_statement(world.case.id, world.statement.id)
    ws = window.workspaces[world.statement.id]
    panel = panel_of(ws)
    synthetic(panel.controller)
    click(qtbot, panel.start_button)
    advance(panel.controller, 1.5)
    window.close()  # closes the store too
    assert recording_service.live(world.statement.id) is None
    store = unlock(world.paths, world.admin.certificate_no, PASSWORD, clock=world.store.clock)
    try:
        (kept,) = recordings.for_statement(store.conn, world.statement.id)
        assert kept.state is RecordingState.FINISHED and kept.interruption is None
        assert kept.evidence_item_id is not None and (kept.duration_ms or 0) >= 1400
    finally:
        store.close(sign=False)
