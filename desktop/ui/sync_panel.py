"""What the officer sees of sync: a line in the status bar, and the sync panel behind it.

`SyncStatusButton` sits in the main window's status bar: what waits to be sent (records and
bytes), the last sync, the first problem in words, or that the device is not enrolled with
HQ; while a round sends, how far it is. Clicking it opens `SyncPanel`, which shows the same
in full (every problem, the countersigned audit size, when the next try is) and has
"Sync now". Both only display `SyncView`s the worker (`desktop.ui.sync_worker`) queues to the
GUI thread; nothing here reads the store.
"""

from __future__ import annotations

from gettext import gettext as _
from gettext import ngettext

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.evidence.describe import size_text, time_text
from desktop.ui.sync_worker import SyncState, SyncView, SyncWorker

ERROR_STYLE = "color: #b00020;"
STATUS_WIDTH = 460  # the status bar keeps room for the officer and the devices at 1024 wide


def records_text(count: int) -> str:
    return ngettext("{count} record", "{count} records", count).format(count=count)


def progress_text(view: SyncView) -> str | None:
    """"Sending to HQ: 3/12 records, 1.0 MiB of 8.0 MiB" while a round sends."""
    p = view.progress
    if view.state is not SyncState.SYNCING:
        return None
    if p is None:
        return _("Sending to HQ…")
    return _("Sending to HQ: {done}/{total} records, {sent} of {size}").format(
        done=p.records_done, total=p.records_total, sent=size_text(p.bytes_done),
        size=size_text(p.bytes_total))


def problems_of(view: SyncView) -> tuple[str, ...]:
    """The problems in words: the last round's first, then those the outbox keeps."""
    kept = view.status.errors if view.status is not None else ()
    stale = () if view.status is None or view.status.reference_expired is None else (
        _("HQ's reference data is out of date (it expired {time}); the last good version "
          "stays in use.").format(time=time_text(view.status.reference_expired)),)
    return tuple(dict.fromkeys((*view.problems, *kept, *stale)))


def status_line(view: SyncView) -> str:
    """The status bar's one line."""
    if view.status is None:
        return _("HQ: not enrolled") if view.state is SyncState.NOT_ENROLLED else \
            _("HQ: checking…")
    if view.state is SyncState.NOT_ENROLLED or view.status.hq_url is None:
        waiting = view.status.pending_records
        return _("HQ: not enrolled") + ("" if not waiting else " · " + _(
            "{records} waiting ({size})").format(records=records_text(waiting),
                                                 size=size_text(view.status.pending_bytes)))
    sending = progress_text(view)
    if sending is not None:
        return sending
    status = view.status
    if status.pending_records:
        parts = [_("HQ: {records} waiting ({size})").format(
            records=records_text(status.pending_records), size=size_text(status.pending_bytes))]
    else:
        parts = [_("HQ: everything sent")]
    parts.append(_("last sync {time}").format(time=time_text(status.last_sync))
                 if status.last_sync is not None else _("never synced"))
    problems = problems_of(view)
    if problems:
        parts.append(problems[0])
    return " · ".join(parts)


def short_line(view: SyncView) -> str:
    """The status line when the bar has little room (1024 wide): counts, then the problem."""
    status, p = view.status, view.progress
    if view.state is SyncState.SYNCING and p is not None:
        done = p.bytes_done / p.bytes_total if p.bytes_total else \
            p.records_done / max(p.records_total, 1)
        return _("HQ: sending {done}/{total} ({percent}%)").format(
            done=p.records_done, total=p.records_total, percent=int(100 * done))
    if status is None or status.hq_url is None or view.state is SyncState.NOT_ENROLLED:
        return status_line(view)
    parts = [_("HQ: {count} waiting").format(count=status.pending_records)
             if status.pending_records else _("HQ: everything sent")]
    problems = problems_of(view)
    if problems:
        parts.append(problems[0])
    return " · ".join(parts)


def next_try_text(view: SyncView) -> str:
    """When the worker goes to HQ next: a routine sync after everything went, a new try
    otherwise."""
    if view.next_try_s is None:
        return ""
    seconds = max(1, round(view.next_try_s))
    routine = view.state is SyncState.UP_TO_DATE
    if seconds < 120:
        if routine:
            return ngettext("Next sync in about {n} second.", "Next sync in about {n} seconds.",
                            seconds).format(n=seconds)
        return ngettext("Next try in about {n} second.", "Next try in about {n} seconds.",
                        seconds).format(n=seconds)
    minutes = round(seconds / 60)
    if routine:
        return ngettext("Next sync in about {n} minute.", "Next sync in about {n} minutes.",
                        minutes).format(n=minutes)
    return ngettext("Next try in about {n} minute.", "Next try in about {n} minutes.",
                    minutes).format(n=minutes)


class SyncStatusButton(QPushButton):
    """The status bar's sync line; a click opens the sync panel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFlat(True)
        self.setObjectName("sync-status")
        # The text is elided to the room it has: it never widens the window past 1024.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMaximumWidth(STATUS_WIDTH)
        self.setMinimumWidth(200)
        self.full_text = ""
        self.short_text = ""
        self.show_view(SyncView(SyncState.STARTING))

    def show_view(self, view: SyncView) -> None:
        self.full_text = status_line(view)
        self.short_text = short_line(view)
        self.setToolTip(self.full_text + "\n" + _("Click for the sync details and Sync now."))
        self.setAccessibleName(self.full_text)
        self.setStyleSheet(f"QPushButton {{ {ERROR_STYLE} text-align: left; }}"
                           if problems_of(view) else "QPushButton { text-align: left; }")
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = QFontMetrics(self.font())
        width = max(self.width(), self.minimumWidth()) - 16
        text = self.full_text if metrics.horizontalAdvance(self.full_text) <= width else \
            self.short_text
        self.setText(metrics.elidedText(text, Qt.TextElideMode.ElideRight, width))


class SyncPanel(QDialog):
    """Sync in detail, live: enrolment, what waits, the last sync, problems, Sync now."""

    sync_requested = Signal()

    def __init__(self, worker: SyncWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.setWindowTitle(_("Sync with HQ"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        self.enrolment = QLabel()
        self.enrolment.setWordWrap(True)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.waiting = QLabel()
        self.acknowledged = QLabel()
        self.last_sync = QLabel()
        self.countersigned = QLabel()
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(ERROR_STYLE)
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self.enrolment, self.state, self.waiting, self.acknowledged,
                      self.last_sync, self.countersigned):
            layout.addWidget(label)
        layout.addWidget(self.progress)
        layout.addWidget(self.problems)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.sync_button = QPushButton(_("Sync now"))
        buttons.addButton(self.sync_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.sync_button.clicked.connect(self._sync_now)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        worker.changed.connect(self.show_view)
        self.show_view(worker.view)

    def _sync_now(self) -> None:
        self.worker.sync_now()
        self.sync_requested.emit()

    def show_view(self, view: SyncView) -> None:
        status = view.status
        enrolled = status is not None and status.hq_url is not None
        if view.state is SyncState.NOT_ENROLLED or (status is not None and not enrolled):
            self.enrolment.setText(_("Not enrolled with HQ.") + " " + _(
                "An administrator enrols this device (Sync › Enrol with HQ…) with a one-time "
                "code from HQ."))
        elif status is not None:
            self.enrolment.setText(_("HQ: {url}").format(url=status.hq_url))
        else:
            self.enrolment.setText(_("HQ: checking…"))
        states = {
            SyncState.STARTING: _("Checking what waits to be sent…"),
            SyncState.NOT_ENROLLED: "",
            SyncState.SYNCING: progress_text(view) or "",
            SyncState.UP_TO_DATE: _("Everything recorded has reached HQ."),
            SyncState.RETRYING: _("Some records were not sent; sync tries again by itself."),
            SyncState.OFFLINE: _("HQ cannot be reached; sync tries again when it can."),
            SyncState.ATTENTION: _("HQ refused some records; they wait for a person (see "
                                   "below). Everything else was sent."),
            SyncState.STOPPED: _("Sync is stopped."),
        }
        state, later = states[view.state], next_try_text(view)
        # Two sentences: a space between them in English, none in Chinese.
        self.state.setText(_("{state} {next_try}").format(state=state, next_try=later)
                           if state and later else state or later)
        self.waiting.setVisible(status is not None)
        for label in (self.acknowledged, self.last_sync, self.countersigned):
            label.setVisible(status is not None and enrolled)
        if status is not None:
            self.waiting.setText(_("Waiting to be sent: {count} records, {size}.").format(
                count=status.pending_records, size=size_text(status.pending_bytes)))
            self.acknowledged.setText(_("Acknowledged by HQ: {count} records.").format(
                count=status.receipted))
            self.last_sync.setText(_("Last sync: {when}").format(
                when=time_text(status.last_sync) if status.last_sync else _("never")))
            self.countersigned.setText(
                _("Audit trail countersigned by HQ up to {size} events.").format(
                    size=status.countersigned_size)
                if status.countersigned_size is not None else
                _("HQ has not countersigned the audit trail yet."))
        p = view.progress
        self.progress.setVisible(view.state is SyncState.SYNCING and p is not None)
        if p is not None:
            total = max(p.bytes_total, 1) if p.bytes_total else max(p.records_total, 1)
            done = p.bytes_done if p.bytes_total else p.records_done
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * min(done, total) / total))
        problems = problems_of(view)
        self.problems.setVisible(bool(problems))
        self.problems.setText("\n".join(_("Problem: {error}").format(error=e)
                                        for e in problems))
        self.sync_button.setEnabled(enrolled and view.state is not SyncState.SYNCING)
