"""The recording in the read-back dialog: its indicator, stopping it, the turns to jump to.

`RecordingBox` is one row (the dialog puts it above its Close and Sign buttons, so the dialog
still fits a 1024x768 screen): the indicator with the recording's clock, "Stop recording",
and for a statement without a recording "Record without video…" (the waiver, without which
it cannot be signed). The recording runs through the read-back and is stopped once the
interviewee has signed every page (or refused, with a witness), before the officers sign:
the dialog calls `offer_stop` then, which says so and puts the focus on "Stop recording".
Stopping earlier asks first. `turns_panel` (a tab beside the pages to be signed) lists the
turns of the statement at their moments in the recording, with "▶ Jump to this moment"
(activate the turn, or the button): the recording opens in a `PlaybackWindow` there. While it
is still being made, what is saved so far plays (up to the last second or two). The party's
window has the same list (`party_turns`): their playback opens on their screen. What the box
has to say is shown above the officer's list and emitted as `said` (the dialog's status line
shows it).
"""

from __future__ import annotations

from collections.abc import Callable
from gettext import gettext as _

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services import recording as recording_service
from desktop.services.recording import RecordingSummary
from desktop.ui.context import AppContext
from desktop.ui.labels import turn_label
from desktop.ui.recording.controller import controller_for
from desktop.ui.recording.labels import media_clock
from desktop.ui.recording.panel import ReasonDialog, RecordingIndicator, open_waiver_dialog
from desktop.ui.recording.playback import CHAPTER_TEXT, PlaybackWindow


class RecordingBox(QWidget):
    """See the module docstring."""

    said = Signal(str)

    def __init__(self, ctx: AppContext, statement_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.statement_id = statement_id
        self.controller = controller_for(ctx, statement_id)
        self.ask: Callable[[str], bool] = self._ask
        self.signatures_done = False
        self.playback: PlaybackWindow | None = None
        self.waiver_dialog: ReasonDialog | None = None
        self._chapters_of: str | None = None  # the recording whose turns are listed
        self.indicator = RecordingIndicator(scale=1.0)
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        self.stop_button = QPushButton(_("Stop recording"))
        self.stop_button.setAutoDefault(False)
        self.stop_button.clicked.connect(lambda: self.stop())
        self.waive_button = QPushButton(_("Record without video…"))
        self.waive_button.setAutoDefault(False)
        self.waive_button.clicked.connect(self.ask_waiver)
        self.officer_turns = TurnsList()
        self.officer_turns.jump.connect(lambda media_ms: self.jump_to(media_ms))
        self.turns = self.officer_turns.turns
        self.jump_button = self.officer_turns.jump_button
        self.party_turns = TurnsList()
        self.party_turns.jump.connect(lambda media_ms: self.jump_to(media_ms,
                                                                    self.party_turns))
        self.party_playback: PlaybackWindow | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.indicator)
        row.addWidget(self.stop_button)
        row.addWidget(self.waive_button)
        row.addStretch(1)
        self.turns_panel = QWidget()
        column = QVBoxLayout(self.turns_panel)
        column.addWidget(self.hint)
        column.addWidget(self.officer_turns, 1)
        self.controller.changed.connect(self.refresh)
        self.controller.status_changed.connect(lambda _s: self.indicator.show_controller(
            self.controller))
        self.controller.message.connect(self._say)
        self.refresh()

    def _say(self, text: str) -> None:
        self.hint.setText(text)
        self.said.emit(text)

    def _ask(self, text: str) -> bool:
        answer = QMessageBox.question(self, _("Recording"), text)
        return answer == QMessageBox.StandardButton.Yes

    def refresh(self) -> None:
        c = self.controller
        self.indicator.show_controller(c)
        self.stop_button.setVisible(c.recording)
        self.stop_button.setEnabled(not c.busy)
        self.waive_button.setVisible(c.loaded and not c.recording and c.summary is None
                                     and c.waiver is None)
        for turns in (self.officer_turns, self.party_turns):
            turns.jump_button.setEnabled(c.finished or c.recording)
        if c.busy and c.recording:
            self.hint.setText(_("Stopping the recording…"))
        elif c.recording and self.signatures_done:
            self.hint.setText(_("Every signature of the interviewee is there: stop the "
                                "recording now, before the officers sign."))
        elif c.recording:
            self.hint.setText(_("Recording. Stop it once the interviewee has signed every "
                                "page."))
        elif c.waiver is not None and c.summary is None:
            self.hint.setText(_("Taken without a recording: {reason}").format(
                reason=c.waiver.reason))
        elif c.summary is None and c.loaded:
            self.hint.setText(_("This statement has no recording. It can only be signed "
                                "once the reason is recorded."))
        else:
            self.hint.setText("")
        summary = c.summary
        if summary is not None and summary.recording.id != self._chapters_of:
            self._load_turns(summary)

    def _load_turns(self, summary: RecordingSummary) -> None:
        recording_id = summary.recording.id
        self._chapters_of = recording_id
        self.ctx.read(lambda store: recording_service.chapters(store, recording_id),
                      self._show_turns, lambda exc: self._say(str(exc)))

    def _show_turns(self, chapters: list[recording_service.Chapter]) -> None:
        for turns in (self.officer_turns, self.party_turns):
            turns.show_chapters(chapters)

    # --- actions --------------------------------------------------------------------------
    def offer_stop(self) -> None:
        """The interviewee has signed (or refused): now is the time to stop."""
        self.signatures_done = True
        self.refresh()
        if self.controller.recording:
            self.stop_button.setFocus()

    def stop(self, on_done: Callable[[RecordingSummary], None] | None = None) -> None:
        if not self.signatures_done and not self.ask(_(
                "The interviewee has not signed every page yet. The recording normally runs "
                "until they have. Stop it now?")):
            return
        self.controller.stop(on_done)

    def ask_waiver(self) -> None:
        self.waiver_dialog = open_waiver_dialog(self.controller, self)

    def jump_to_selected(self) -> None:
        self.officer_turns.jump_to_selected()

    def jump_to(self, media_ms: int, near: QWidget | None = None) -> None:
        """Open the recording at `media_ms` (of one still being made: what is saved so far),
        on the screen of `near` (the party's list: their screen) or the officer's."""
        c = self.controller
        if c.summary is None:
            return
        window = self.playback if near is None else self.party_playback
        # While recording, each jump opens what is saved by then (a window opened earlier
        # holds less); once stopped, the open window seeks.
        if window is not None and window.isVisible() and not c.recording and (
                window.recording.state is c.summary.recording.state):
            window.seek(media_ms)
            window.raise_()
            return
        if window is not None:
            window.close()
        window = PlaybackWindow(self.ctx, c.summary, media_ms)
        if near is not None:
            screen = near.screen()
            window.setScreen(screen)
            window.move(screen.availableGeometry().topLeft())
            self.party_playback = window
        else:
            self.playback = window
        window.show()


class TurnsList(QWidget):
    """The statement's turns at their moments in the recording, and "▶ Jump to this moment"
    (activating a turn does the same): `jump(media_ms)`."""

    jump = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.turns = QListWidget()
        self.turns.setWordWrap(True)
        self.turns.itemActivated.connect(self._activated)
        self.jump_button = QPushButton(_("▶ Jump to this moment"))
        self.jump_button.setAutoDefault(False)
        self.jump_button.clicked.connect(self.jump_to_selected)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.turns, 1)
        column.addWidget(self.jump_button)

    def show_chapters(self, chapters: list[recording_service.Chapter]) -> None:
        self.turns.clear()
        for chapter in chapters:
            text = chapter.text.replace("\n", " ")
            if len(text) > CHAPTER_TEXT:
                text = text[:CHAPTER_TEXT] + "…"
            item = QListWidgetItem(f"▶ {media_clock(chapter.media_ms)}  "
                                   f"{turn_label(chapter.kind)}{_(':')} {text}")
            item.setData(Qt.ItemDataRole.UserRole, chapter.media_ms)
            item.setToolTip(_("▶ Jump to this moment"))
            self.turns.addItem(item)

    def _activated(self, item: QListWidgetItem) -> None:
        self.jump.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def jump_to_selected(self) -> None:
        item = self.turns.currentItem() or self.turns.item(0)
        if item is not None:
            self._activated(item)
