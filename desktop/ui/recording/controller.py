"""One statement's recording as the GUI sees it: started, paused, stopped, waived.

The interview workspace's panel and the read-back dialog show the same recording, so they
share one `RecordingController` per statement (`controller_for`). It calls the service
(`desktop.services.recording`) on the background lanes: starting, pausing, resuming and
waiving are short writes (store lane); stopping waits for the encoder to finish and seals the
recording (long lane, whose writes go to the store lane). It starts the sources once the
recording is live and stops them before the recording is stopped. While live it reads the
recorder's status twice a second on the GUI thread (the recorder answers from memory and one
`statvfs`) and emits `status_changed`; the preview reads `latest_picture()` itself.

The text of the turn being typed becomes the subtitle through `set_subtitle`: the newest text
is kept and sent at most every `SUBTITLE_MS`, so a key costs a string assignment and, at
most, a timer start.
"""

from __future__ import annotations

from collections.abc import Callable
from gettext import gettext as _
from typing import Any

import numpy
from PySide6.QtCore import QObject, QTimer, Signal

from desktop.domain.errors import UserError
from desktop.domain.model import TurnKind
from desktop.domain.recording import RecordingState, RecordingWaiver
from desktop.recording.session import RecorderStatus
from desktop.recording.settings import RecordingSettings
from desktop.services import recording as recording_service
from desktop.services.recording import LiveRecording, RecordingSummary
from desktop.store import recordings
from desktop.store.store import Store
from desktop.ui.context import AppContext
from desktop.ui.recording.sources import Sources, choose_sources

STATUS_MS = 500
SUBTITLE_MS = 150

SourcesFactory = Callable[[], Sources | None]
_controllers: dict[tuple[int, str], RecordingController] = {}


def controller_for(ctx: AppContext, statement_id: str) -> RecordingController:
    """The statement's controller in this window session (made and loaded on first use)."""
    key = (id(ctx), statement_id)
    controller = _controllers.get(key)
    if controller is None:
        controller = RecordingController(ctx, statement_id)
        _controllers[key] = controller
        controller.load()
    return controller


def stop_recordings(ctx: AppContext) -> None:
    """The program closes: stop every recording this session makes, on the long lane (the
    caller waits for it before the store closes), so each is sealed and kept as evidence
    rather than left for salvage at the next login."""
    for (ctx_id, _statement), controller in list(_controllers.items()):
        if ctx_id == id(ctx) and controller.live is not None:
            controller.stop()


class RecordingController(QObject):
    """See the module docstring."""

    changed = Signal()  # live, paused, stopped, waived, loaded: the state to show changed
    status_changed = Signal(object)  # RecorderStatus, while live
    message = Signal(str)  # an action refused or failed, in words

    def __init__(self, ctx: AppContext, statement_id: str,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.statement_id = statement_id
        self.settings = RecordingSettings()  # the picture's size and rate, the encoder's
        self.sources_factory: SourcesFactory = lambda: choose_sources(
            ctx, self.settings, self._source_failed)
        self.sources: Sources | None = None
        self.live: LiveRecording | None = recording_service.live(statement_id)
        self.summary: RecordingSummary | None = None
        self.waiver: RecordingWaiver | None = None
        self.status: RecorderStatus | None = None
        self.pause_reason: str | None = None
        self.busy = False
        self.loaded = False
        self.source_error: str | None = None
        self._subtitle: str | None = None
        self._subtitle_sent = ""
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_MS)
        self._status_timer.timeout.connect(self.poll)
        self._subtitle_timer = QTimer(self)
        self._subtitle_timer.setSingleShot(True)
        self._subtitle_timer.setInterval(SUBTITLE_MS)
        self._subtitle_timer.timeout.connect(self._send_subtitle)
        if self.live is not None:
            self._status_timer.start()

    # --- state ----------------------------------------------------------------------------
    @property
    def recording(self) -> bool:
        """A recording of this statement is live in this process (paused or not)."""
        return self.live is not None

    @property
    def paused(self) -> bool:
        return self.live is not None and self.pause_reason is not None

    @property
    def finished(self) -> bool:
        return (self.live is None and self.summary is not None
                and self.summary.recording.state is not RecordingState.RECORDING)

    def latest_picture(self) -> numpy.ndarray[Any, Any] | None:
        return self.live.recorder.latest_picture() if self.live is not None else None

    def load(self) -> None:
        """Read what the store knows of the statement's recording and waiver."""
        statement_id = self.statement_id

        def read(store: Store) -> tuple[RecordingSummary | None, RecordingWaiver | None]:
            summary = recording_service.summary(store, statement_id)
            with store.reading() as conn:
                return summary, recordings.waiver(conn, statement_id)

        self.ctx.read(read, self._loaded, self._failed)

    def _loaded(self, found: tuple[RecordingSummary | None, RecordingWaiver | None]) -> None:
        self.summary, self.waiver = found
        self.loaded = True
        if self.live is not None and self.summary is not None:
            open_pause = next((p for p in self.summary.pauses if p.ended_at is None), None)
            self.pause_reason = open_pause.reason if open_pause is not None else None
        self.changed.emit()

    # --- actions --------------------------------------------------------------------------
    def start(self) -> None:
        """Start recording the statement from the chosen sources."""
        if self.live is not None or self.busy:
            return
        try:
            sources = self.sources_factory()
        except Exception as exc:  # a camera that cannot be opened: said, nothing started
            self.message.emit(_("The camera could not be opened: {reason}").format(reason=exc))
            return
        if sources is None:
            self.message.emit(_("No camera was found on this computer. Connect one, or "
                                "record why the statement is taken without video."))
            return
        self.sources = sources
        self.source_error = None
        statement_id, settings = self.statement_id, self.settings
        self._set_busy(True)
        self.ctx.run(lambda store: recording_service.start(store, statement_id,
                                                           settings=settings),
                     self._started, self._start_failed)

    def _started(self, live: LiveRecording) -> None:
        self.live = live
        self.pause_reason = None
        self._subtitle_sent = ""
        assert self.sources is not None
        try:
            self.sources.start(live)
        except Exception as exc:  # the recording runs (and can be stopped); the officer sees why
            self.source_error = str(exc)
        self._set_busy(False)
        self._status_timer.start()
        self.poll()
        self.load()

    def _start_failed(self, exc: BaseException) -> None:
        self.sources = None
        self._failed(exc)

    def pause(self, reason: str) -> None:
        """Pause with the reason given (refused when blank, by the service as here)."""
        live = self.live
        if live is None or self.busy:
            return
        reason = reason.strip()
        if not reason:
            self.message.emit(_("A pause needs a reason."))
            return
        self._set_busy(True)
        self.ctx.run(lambda _store: live.pause(reason), lambda _r: self._paused(reason),
                     self._failed)

    def _paused(self, reason: str) -> None:
        self.pause_reason = reason
        self._set_busy(False)
        self.poll()
        self.load()

    def resume(self) -> None:
        live = self.live
        if live is None or self.busy:
            return
        self._set_busy(True)
        self.ctx.run(lambda _store: live.resume(), lambda _r: self._resumed(), self._failed)

    def _resumed(self) -> None:
        self.pause_reason = None
        self._set_busy(False)
        self.poll()
        self.load()

    def stop(self, on_done: Callable[[RecordingSummary], None] | None = None) -> None:
        """Stop the sources, then the recording (long lane: the encoder finishes, the
        recording is sealed and filed as evidence)."""
        live = self.live
        if live is None or self.busy:
            return
        self._send_subtitle()
        if self.sources is not None:
            self.sources.stop()
        self._set_busy(True)

        def stopped(summary: RecordingSummary) -> None:
            self._stopped(summary)
            if on_done is not None:
                on_done(summary)

        self.ctx.long(lambda _store: live.stop(), stopped, self._stop_failed)

    def _stopped(self, summary: RecordingSummary) -> None:
        self.live = None
        self.sources = None
        self.pause_reason = None
        self.summary = summary
        self._status_timer.stop()
        self._set_busy(False)

    def _stop_failed(self, exc: BaseException) -> None:
        # What was recorded up to the last checkpoint is salvaged at the next login; the
        # live object is kept, so stopping can be tried again.
        self._failed(exc)

    def waive(self, reason: str) -> None:
        """Record why the statement is taken without a recording (device failure…)."""
        reason = reason.strip()
        if not reason:
            self.message.emit(_("Say why the statement is taken without a recording."))
            return
        statement_id = self.statement_id
        self._set_busy(True)

        def waived(waiver: RecordingWaiver) -> None:
            self.waiver = waiver
            self._set_busy(False)

        self.ctx.run(lambda store: recording_service.record_without(store, statement_id,
                                                                    reason),
                     waived, self._failed)

    # --- subtitles and status -------------------------------------------------------------
    def set_subtitle(self, text: str) -> None:
        """The turn being typed; sent to the recorder at most every SUBTITLE_MS."""
        if self.live is None:
            return
        self._subtitle = text
        if not self._subtitle_timer.isActive():
            self._subtitle_timer.start()

    def set_turn_subtitle(self, kind: TurnKind, text: str) -> None:
        """The turn being typed, labelled as the service labels it (问：… / 答：…)."""
        if self.live is not None:
            self.set_subtitle(recording_service.subtitle(kind, text))

    def _send_subtitle(self) -> None:
        text, self._subtitle = self._subtitle, None
        if text is None or self.live is None or text == self._subtitle_sent:
            return
        self._subtitle_sent = text
        self.live.set_subtitle(text)

    def flush_subtitle(self) -> None:
        """Send the newest subtitle now (tests; stopping)."""
        self._subtitle_timer.stop()
        self._send_subtitle()

    def poll(self) -> None:
        live = self.live
        if live is None:
            return
        self.status = live.status()
        if live.store_problem and not self.source_error:
            self.source_error = live.store_problem
        self.status_changed.emit(self.status)
        if live.failure is not None and not self.busy:
            # The writer failed (a full disk): the recording ended by itself, keeping what
            # was recorded up to its last checkpoint. Collect how it ended and say so.
            self.message.emit(_("The recording stopped by itself: {reason}. What was recorded "
                                "up to the last second saved is kept.").format(
                                    reason=live.failure))
            self.stop()

    # --- failures -------------------------------------------------------------------------
    def _source_failed(self, text: str) -> None:
        """From a source's thread or the GUI thread: shown with the next status."""
        self.source_error = text

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.changed.emit()

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.changed.emit()
        if isinstance(exc, UserError):
            self.message.emit(str(exc))
        else:  # a bug: the background showed its crash dialog; the panel says what failed
            self.message.emit(_("The recording could not do that: {reason}").format(
                reason=exc))
