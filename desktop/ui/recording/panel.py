"""The recording panel beside the interview editor, and its dialogs.

What it shows, large enough for the officer and the interviewee across the table:
- the recording indicator: a red "● REC" with the elapsed time of the recording (its media
  clock, which stops while paused) and the time of day; amber "Paused" with the reason;
- the live preview of the composed picture the recorder encodes (person, room inset, burned-in
  time, subtitle band), refreshed about ten times a second from `latest_picture()`;
- what to do next: "Start recording" while the statement is a draft without a recording
  (before the first question); "Pause…" (a reason is required: `ReasonDialog` refuses a blank
  one), "Resume", "Stop recording" (normally from the read-back dialog, after the
  interviewee's signatures; here it asks first while the statement is still a draft);
- the low-space warning ("about N minutes of space left at the current rate") and the
  recorder's or camera's failure in words;
- without a camera: that there is none, and "Record without video…" (the waiver);
- once stopped: the recording's duration and "Play…" (`PlaybackWindow`).
"""

from __future__ import annotations

from collections.abc import Callable
from gettext import gettext as _

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.model import StatementState
from desktop.domain.recording import RecordingState
from desktop.recording.session import RecorderStatus
from desktop.services.recording import RecordingSummary
from desktop.ui.context import AppContext
from desktop.ui.recording.controller import RecordingController, controller_for
from desktop.ui.recording.labels import media_clock
from desktop.ui.recording.picture import PictureView
from desktop.ui.recording.sources import has_camera

PREVIEW_MS = 100
INDICATOR_SCALE = 1.6
_LIVE_STYLE = "background: #c62828; color: white; padding: 4px 8px; border-radius: 4px;"
_PAUSED_STYLE = "background: #f9a825; color: black; padding: 4px 8px; border-radius: 4px;"
_IDLE_STYLE = "background: #e0e0e0; color: #424242; padding: 4px 8px; border-radius: 4px;"
_WARN_STYLE = "background: #fff3cd; color: #5c4400; padding: 4px;"
_ERROR_STYLE = "color: #b00020;"


def pause_presets() -> list[str]:
    return [_("Rest"), _("Meal"), _("Toilet break"), _("The interviewee asked for a break")]


def waiver_presets() -> list[str]:
    return [_("Device failure: no camera is available"),
            _("Device failure: the camera stopped working")]


class ReasonDialog(QDialog):
    """Asks for a reason (typed or chosen); OK with a blank reason is refused in words."""

    def __init__(self, title: str, prompt: str, presets: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(presets)
        self.reason.setCurrentIndex(-1)
        self.reason.setCurrentText("")
        self.refusal = QLabel("")
        self.refusal.setStyleSheet(_ERROR_STYLE)
        self.refusal.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        label = QLabel(prompt)
        label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.reason)
        layout.addWidget(self.refusal)
        layout.addWidget(buttons)

    def text(self) -> str:
        return self.reason.currentText().strip()

    def accept(self) -> None:
        if not self.text():
            self.refusal.setText(_("A reason is required."))
            self.refusal.show()
            self.reason.setFocus()
            return
        super().accept()



def open_waiver_dialog(controller: RecordingController, parent: QWidget) -> ReasonDialog:
    """Ask why the statement is taken without a recording; OK records the waiver. The panel
    and the read-back dialog offer it alike."""
    dialog = ReasonDialog(_("Take the statement without a recording"), _(
        "Why is the statement taken without audio and video recording? The reason is "
        "recorded and printed in the statement."), waiver_presets(), parent)
    dialog.accepted.connect(lambda: controller.waive(dialog.text()))
    dialog.open()
    return dialog

class RecordingIndicator(QLabel):
    """"● REC 0:12:34" in red while recording, amber while paused, grey otherwise."""

    def __init__(self, parent: QWidget | None = None, *,
                 scale: float = INDICATOR_SCALE) -> None:
        super().__init__(parent)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * scale)
        font.setBold(True)
        self.setFont(font)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.show_idle(_("Not recording"))

    def _set(self, text: str, style: str) -> None:
        if self.text() != text:
            self.setText(text)
        if self.styleSheet() != style:
            self.setStyleSheet(style)

    def show_live(self, media_ms: int) -> None:
        self._set(_("● REC {clock}").format(clock=media_clock(media_ms)), _LIVE_STYLE)

    def show_paused(self, media_ms: int) -> None:
        self._set(_("❚❚ Paused {clock}").format(clock=media_clock(media_ms)), _PAUSED_STYLE)

    def show_idle(self, text: str) -> None:
        self._set(text, _IDLE_STYLE)

    def show_controller(self, controller: RecordingController) -> None:
        media_ms = controller.status.media_ms if controller.status is not None else 0
        if controller.paused:
            self.show_paused(media_ms)
        elif controller.recording:
            self.show_live(media_ms)
        elif controller.finished and controller.summary is not None:
            self.show_idle(recorded_text(controller.summary))
        elif controller.waiver is not None:
            self.show_idle(_("Taken without a recording"))
        else:
            self.show_idle(_("Not recording"))


def recorded_text(summary: RecordingSummary) -> str:
    recording = summary.recording
    duration = media_clock(recording.duration_ms or 0)
    if recording.state is RecordingState.INTERRUPTED:
        return _("Recording interrupted at {clock}").format(clock=duration)
    return _("Recorded {clock}").format(clock=duration)


def status_warnings(status: RecorderStatus | None, source_error: str | None) -> tuple[str, bool]:
    """What to warn about (low space, a failure), and whether it is a failure."""
    if status is not None and status.failure:
        return _("The recording failed: {reason}. What was recorded up to the last second "
                 "saved is kept.").format(reason=status.failure), True
    if source_error:
        return _("The camera or microphone reported a problem: {reason}").format(
            reason=source_error), True
    if status is not None and status.low_space:
        if status.minutes_left is not None:
            return _("Disk space is running low: about {minutes} minutes of space left at "
                     "the current rate.").format(minutes=max(0, int(status.minutes_left))), False
        return _("Disk space is running low."), False
    return "", False


class RecordingPanel(QGroupBox):
    """See the module docstring."""

    def __init__(self, ctx: AppContext, statement_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(_("Audio and video recording"), parent)
        self.ctx = ctx
        self.controller = controller_for(ctx, statement_id)
        self.statement_state = StatementState.DRAFT
        self.ask: Callable[[str], bool] = self._ask
        self.pause_dialog: ReasonDialog | None = None
        self.waiver_dialog: ReasonDialog | None = None
        self.playback: QWidget | None = None
        self.indicator = RecordingIndicator()
        self.wall_clock = QLabel("")
        wall_font = QFont(self.wall_clock.font())
        wall_font.setPointSizeF(wall_font.pointSizeF() * 1.2)
        self.wall_clock.setFont(wall_font)
        self.wall_clock.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview = PictureView(placeholder=_("No picture"))
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        self.warning = QLabel("")
        self.warning.setWordWrap(True)
        self.warning.hide()
        self.start_button = QPushButton(_("Start recording"))
        self.pause_button = QPushButton(_("Pause…"))
        self.resume_button = QPushButton(_("Resume"))
        self.stop_button = QPushButton(_("Stop recording"))
        self.waive_button = QPushButton(_("Record without video…"))
        self.play_button = QPushButton(_("Play…"))
        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.ask_pause)
        self.resume_button.clicked.connect(self.controller.resume)
        self.stop_button.clicked.connect(self.stop)
        self.waive_button.clicked.connect(self.ask_waiver)
        self.play_button.clicked.connect(self.play)
        top = QHBoxLayout()
        top.addWidget(self.indicator, 3)
        top.addWidget(self.wall_clock, 2)
        buttons = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.resume_button,
                       self.stop_button, self.waive_button, self.play_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.preview)
        layout.addWidget(self.hint)
        layout.addWidget(self.warning)
        layout.addLayout(buttons)
        self.preview_timer = QTimer(self)
        self.preview_timer.setInterval(PREVIEW_MS)
        self.preview_timer.timeout.connect(self.refresh_preview)
        self._message = ""
        self.controller.changed.connect(self.refresh)
        self.controller.status_changed.connect(self._status)
        self.controller.message.connect(self.say)
        self.camera_present = has_camera(ctx)
        self.refresh()

    # --- showing --------------------------------------------------------------------------
    def set_statement_state(self, state: StatementState) -> None:
        self.statement_state = state
        self.refresh()

    def say(self, text: str) -> None:
        self._message = text
        self.refresh()

    def refresh(self) -> None:
        c = self.controller
        idle = not c.busy
        draft = self.statement_state is StatementState.DRAFT
        can_start = (draft and not c.recording and not c.finished and c.waiver is None
                     and c.loaded)
        self.indicator.show_controller(c)
        self.start_button.setVisible(can_start and self.camera_present)
        self.start_button.setEnabled(idle)
        self.pause_button.setVisible(c.recording and not c.paused)
        self.resume_button.setVisible(c.paused)
        self.stop_button.setVisible(c.recording)
        for button in (self.pause_button, self.resume_button, self.stop_button):
            button.setEnabled(idle)
        self.waive_button.setVisible(can_start and not self.camera_present)
        self.waive_button.setEnabled(idle)
        self.play_button.setVisible(c.finished)
        self.hint.setText(self._hint(can_start))
        self._show_warning()
        if c.recording and self.isVisible():
            self.preview_timer.start()
        else:
            self.preview_timer.stop()
        self.preview.setVisible(c.recording)  # no empty black box before or after
        if not c.recording:
            self.preview.clear()
            self.wall_clock.setText("")

    def _hint(self, can_start: bool) -> str:
        c = self.controller
        if self._message:
            return self._message
        if c.busy:
            return _("Stopping the recording…") if c.recording else _("Please wait…")
        if c.paused:
            return _("Paused: {reason}").format(reason=c.pause_reason)
        if c.recording:
            return ""
        if c.finished and c.summary is not None:
            recording = c.summary.recording
            return _("Recording {id}, SHA-256 {digest}…").format(
                id=recording.id, digest=(recording.sha256 or "")[:16])
        if c.waiver is not None:
            return _("Taken without a recording: {reason}").format(reason=c.waiver.reason)
        if can_start and not self.camera_present:
            return _("No camera was found on this computer. Connect one, or record why the "
                     "statement is taken without video.")
        if can_start:
            return _("Start the recording before the first question.")
        return ""

    def _show_warning(self) -> None:
        c = self.controller
        text, failure = status_warnings(c.status if c.recording else None, c.source_error
                                        if c.recording else None)
        self.warning.setText(text)
        self.warning.setStyleSheet(_ERROR_STYLE if failure else _WARN_STYLE)
        self.warning.setVisible(bool(text))

    def _status(self, status: RecorderStatus) -> None:
        c = self.controller
        if c.paused:
            self.indicator.show_paused(status.media_ms)
        else:
            self.indicator.show_live(status.media_ms)
        self.wall_clock.setText(self.ctx.clock().strftime("%Y-%m-%d %H:%M:%S"))
        self._show_warning()

    def refresh_preview(self) -> None:
        self.preview.show_picture(self.controller.latest_picture())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.controller.recording:
            self.preview_timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.preview_timer.stop()  # another tab is shown: no preview to paint

    # --- actions --------------------------------------------------------------------------
    def _ask(self, text: str) -> bool:
        answer = QMessageBox.question(self, _("Recording"), text)
        return answer == QMessageBox.StandardButton.Yes

    def start(self) -> None:
        self._message = ""
        self.controller.start()

    def ask_pause(self) -> None:
        self._message = ""
        dialog = ReasonDialog(_("Pause the recording"), _(
            "Why is the recording paused? The reason is recorded and printed in the "
            "statement."), pause_presets(), self)
        dialog.accepted.connect(lambda: self.controller.pause(dialog.text()))
        self.pause_dialog = dialog
        dialog.open()

    def ask_waiver(self) -> None:
        self._message = ""
        self.waiver_dialog = open_waiver_dialog(self.controller, self)

    def stop(self) -> None:
        if self.statement_state is StatementState.DRAFT and not self.ask(_(
                "The recording normally runs until the interviewee has signed every page. "
                "Stop it now?")):
            return
        self._message = ""
        self.controller.stop()

    def play(self) -> None:
        summary = self.controller.summary
        if summary is None:
            return
        from desktop.ui.recording.playback import PlaybackWindow

        self.playback = PlaybackWindow(self.ctx, summary)
        self.playback.show()
