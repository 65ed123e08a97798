"""Playing a recording in the application: decrypted in memory into Qt's player, frames shown,
the turns as chapters with a jump to each one's moment, the pauses with their reasons; and
the read-back dialog's recording box: stop after the signatures, jump to a turn's moment.
Real store, real encoder and vault, synthetic sources pushed faster than real time."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidgetItem
from pytestqt.qtbot import QtBot

from desktop.domain.model import Action, TurnKind
from desktop.services import recording as recording_service
from desktop.services.recording import RecordingSummary
from desktop.store import audit
from desktop.store.evidence import blob_path
from desktop.ui.context import AppContext
from desktop.ui.interview import InterviewWorkspace
from desktop.ui.recording.controller import RecordingController
from desktop.ui.recording.labels import media_clock
from desktop.ui.recording.playback import PlaybackWindow
from desktop.ui.recording.readback_box import RecordingBox
from tests.conftest import World
from tests.ui.conftest import store_of
from tests.ui.interview.keys import type_text
from tests.ui.recording.conftest import advance, panel_of, show

FRAME_MS = 40  # one frame at 25 fps


def enter_turn(qtbot: QtBot, ws: InterviewWorkspace, text: str) -> None:
    """Type `text` into the last turn and press Enter: the next turn is created (and marked
    at the recording's media time by the interview service)."""
    ws.turns.focus(len(ws.turns.rows) - 1)
    row = ws.turns.rows[-1]
    type_text(row.editor, text)
    qtbot.keyClick(row.editor, Qt.Key.Key_Return)


def record_an_exchange(qtbot: QtBot, ws: InterviewWorkspace) -> RecordingSummary:
    """Start; at 1 s a new question (typed at 3 s), at 3 s its answer (typed at 4.5 s),
    stop at 5 s. A turn is marked when it is created."""
    panel = panel_of(ws)
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    controller = panel.controller
    advance(controller, 1.0)
    enter_turn(qtbot, ws, "明白。")
    advance(controller, 2.0)
    enter_turn(qtbot, ws, "车是你停的吗？")
    advance(controller, 1.5)
    enter_turn(qtbot, ws, "是我停的。")
    advance(controller, 0.5)
    return stop(qtbot, controller)


def stop(qtbot: QtBot, controller: RecordingController) -> RecordingSummary:
    done: list[RecordingSummary] = []
    controller.stop(done.append)
    qtbot.waitUntil(lambda: bool(done))
    return done[0]


def chapter_items(window: PlaybackWindow) -> list[QListWidgetItem]:
    return [window.chapters.item(i) for i in range(window.chapters.count())]


def test_playback_shows_frames_and_the_chapters_jump_to_their_turns(
        qtbot: QtBot, workspace: InterviewWorkspace, ui_ctx: AppContext, world: World) -> None:
    summary = record_an_exchange(qtbot, workspace)
    chapters = recording_service.chapters(store_of(ui_ctx), summary.recording.id)
    question = next(c for c in chapters if c.text == "车是你停的吗？")
    assert question.kind is TurnKind.QUESTION and 900 <= question.media_ms <= 1100
    answer = next(c for c in chapters if c.text == "是我停的。")
    assert answer.kind is TurnKind.ANSWER and 2900 <= answer.media_ms <= 3100
    window = PlaybackWindow(ui_ctx, summary)
    show(qtbot, window, 1100, 620)
    recording = summary.recording
    assert window.id_label.text() == recording.id
    assert window.sha_label.text().replace("\n", "") == recording.sha256
    assert window.duration_label.text() == "0:00:05"
    qtbot.waitUntil(lambda: window.frames_shown > 0, timeout=10_000)
    viewed = [json.loads(e.details) for e in audit.events_about(store_of(ui_ctx).conn,
                                                                recording.id)
              if e.action == Action.RECORDING_VIEWED.value]
    assert [v["purpose"] for v in viewed] == ["playback"]  # the viewing is audited
    assert not window.view.image.isNull()
    assert window.view.image.width() == 640 and window.view.image.height() == 360
    texts = [item.text() for item in chapter_items(window)]
    # Each turn at its moment (H:MM:SS, the second it falls in), 问/答 and its text.
    assert f"{media_clock(question.media_ms)}  Q: 车是你停的吗？" in texts, texts
    assert f"{media_clock(answer.media_ms)}  A: 是我停的。" in texts, texts
    item = next(i for i in chapter_items(window) if i.text().endswith("A: 是我停的。"))
    window.toggle()  # paused where it is (well before the answer), then the jump
    qtbot.waitUntil(lambda: window.play_button.text() == "Play")
    paused_at = window.frame_ms
    assert paused_at is not None and paused_at < answer.media_ms - 1000
    window.shown_ms.clear()
    window.chapters.setCurrentItem(item)
    qtbot.mouseClick(window.jump_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.frame_ms is not None
                    and window.frame_ms >= answer.media_ms - FRAME_MS, timeout=10_000)
    # Jumped, not played through: no frame between the paused one and the answer's moment.
    assert all(ms == paused_at or answer.media_ms - FRAME_MS <= ms <= answer.media_ms + 1000
               for ms in window.shown_ms), list(window.shown_ms)
    assert window.player.position() >= answer.media_ms - FRAME_MS
    window.close()
    assert window.device is None  # the decrypting reader is let go


def test_the_pauses_are_chapters_with_their_reasons(
        qtbot: QtBot, workspace: InterviewWorkspace, ui_ctx: AppContext) -> None:
    controller = panel_of(workspace).controller
    controller.start()
    advance(controller, 1.0)
    controller.pause("Meal")
    advance(controller, 0.5)
    controller.resume()
    advance(controller, 1.0)
    summary = stop(qtbot, controller)
    window = PlaybackWindow(ui_ctx, summary)
    show(qtbot, window, 1100, 620)
    texts = [item.text() for item in chapter_items(window)]
    (pause,) = summary.pauses
    assert 900 <= pause.media_ms <= 1000  # the last frame before it: 0.96 s
    assert f"{media_clock(pause.media_ms)}  ❚❚ Paused: Meal" in texts, texts


def test_read_back_offers_stopping_after_the_signatures_and_jumps_to_a_turn(
        qtbot: QtBot, workspace: InterviewWorkspace, ui_ctx: AppContext, world: World) -> None:
    panel = panel_of(workspace)
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    controller = panel.controller
    advance(controller, 1.0)
    enter_turn(qtbot, workspace, "明白。")  # a question at 1 s
    advance(controller, 2.0)
    enter_turn(qtbot, workspace, "你为什么停在这里？")  # its answer at 3 s
    type_text(workspace.turns.rows[-1].editor, "路边没有车位。")
    advance(controller, 1.0)
    workspace.flush()
    box = RecordingBox(ui_ctx, world.statement.id)
    show(qtbot, box, 420, 500)
    assert box.controller is controller  # one controller per statement: same state shown
    assert box.stop_button.isVisible()
    assert box.hint.text() == "Recording. Stop it once the interviewee has signed every page."
    asked: list[str] = []
    box.ask = lambda text: asked.append(text) is not None  # answers no
    qtbot.mouseClick(box.stop_button, Qt.MouseButton.LeftButton)
    assert asked and controller.recording  # not before the signatures unless confirmed
    box.offer_stop()
    assert box.hint.text().startswith("Every signature of the interviewee is there")
    box.jump_to(1000)  # still recording: what is saved so far plays
    so_far = box.playback
    assert so_far is not None
    qtbot.addWidget(so_far)
    qtbot.waitUntil(lambda: so_far.frames_shown > 0, timeout=10_000)
    assert so_far.status.text().startswith(
        "Still recording: this plays what is saved so far, up to 0:00:0"), so_far.status.text()
    assert so_far.duration_label.text().endswith(" so far")
    assert all(ms <= 4000 for ms in so_far.shown_ms)
    qtbot.mouseClick(box.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.finished)
    assert len(asked) == 1  # after the signatures: no question asked
    qtbot.waitUntil(lambda: box.turns.count() > 0)
    texts = [box.turns.item(i).text() for i in range(box.turns.count())]
    target = next(i for i, text in enumerate(texts) if text.endswith("A: 路边没有车位。"))
    assert controller.summary is not None
    wanted = next(c.media_ms for c in recording_service.chapters(
        store_of(ui_ctx), controller.summary.recording.id) if c.text == "路边没有车位。")
    assert 2900 <= wanted <= 3000  # created at 3 s (the last frame before: 2.96 s)
    assert texts[target] == f"▶ {media_clock(wanted)}  A: 路边没有车位。", texts
    box.turns.setCurrentRow(target)
    qtbot.mouseClick(box.jump_button, Qt.MouseButton.LeftButton)
    window = box.playback
    assert window is not None
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.frames_shown >= 5, timeout=10_000)
    # Opened at the answer's moment: no frame from before it was shown.
    assert all(wanted - FRAME_MS <= ms <= wanted + 1500 for ms in window.shown_ms), \
        list(window.shown_ms)
    assert window is not so_far  # the stopped recording, not the part saved before
    # The party's list: the same turns; their playback opens on their own (screen's) window.
    party = box.party_turns
    assert [party.turns.item(i).text() for i in range(party.turns.count())] == texts
    party.turns.setCurrentRow(target)
    qtbot.mouseClick(party.jump_button, Qt.MouseButton.LeftButton)
    theirs = box.party_playback
    assert theirs is not None
    assert theirs is not window
    qtbot.addWidget(theirs)
    qtbot.waitUntil(lambda: theirs.frames_shown >= 2, timeout=10_000)
    assert all(wanted - FRAME_MS <= ms <= wanted + 1500 for ms in theirs.shown_ms)


def test_a_damaged_recording_plays_up_to_the_damage_and_says_why(
        qtbot: QtBot, workspace: InterviewWorkspace, ui_ctx: AppContext) -> None:
    controller = panel_of(workspace).controller
    controller.start()
    advance(controller, 4.0)
    summary = stop(qtbot, controller)
    recording = summary.recording
    assert recording.sha256 is not None and recording.size is not None
    store = store_of(ui_ctx)
    blob = blob_path(store.paths.workdir, recording.sha256, store.vault_key())
    damaged = bytearray(blob.read_bytes())
    damaged[len(damaged) * 3 // 4] ^= 0xFF  # a byte of a segment three quarters in
    blob.write_bytes(bytes(damaged))
    window = PlaybackWindow(ui_ctx, summary)
    show(qtbot, window, 1100, 620)
    qtbot.waitUntil(lambda: window.status.text().startswith(
        "The recording cannot be played past this point:"), timeout=10_000)
    qtbot.waitUntil(lambda: window.frames_shown > 0, timeout=10_000)  # what came before plays
    assert window.device is not None and window.device.error is not None
