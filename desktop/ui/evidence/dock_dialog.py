"""The docking dialog: take everything off the body-worn recorder, with progress and a summary.

`dock_port` runs on the long-work lane: copying, encrypting and re-reading the files happen
there, and each file's record is one short transaction handed to the store lane, so autosaves
and the screen lock never wait for a copy. Its progress callbacks come from that lane and reach
the GUI thread through `Background.to_gui` (in step with the docking when the background is
synchronous, as in tests), where `progressed` is emitted. Cancelling sets a
`threading.Event` the docking checks between chunks: files stored so far are kept, and docking
again resumes the same docking without reading them again. A failed or cancelled docking
offers "Dock again".
"""

from __future__ import annotations

import threading
from gettext import gettext as _

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services.dock import (
    DockCancelled,
    DockPolicy,
    DockProgress,
    DockReport,
    DockStage,
    dock_port,
)
from desktop.store.store import Store
from desktop.ui.context import AppContext
from desktop.ui.evidence.describe import offset_text

SCALE = 1000  # bars count per mille: byte totals overflow a QProgressBar's int


def stage_text(stage: DockStage) -> str:
    return {
        DockStage.CONNECTING: _("Connecting to the recorder…"),
        DockStage.CLOCK: _("Reading and setting the recorder's clock…"),
        DockStage.UNLOCKING: _("Opening the recorder's storage…"),
        DockStage.COPYING: _("Copying and verifying files…"),
        DockStage.CERTIFYING: _("Signing the ingest certificate…"),
        DockStage.DELETING: _("Deleting verified originals from the recorder…"),
        DockStage.DONE: _("Docking complete."),
    }[stage]


def _permille(done: int, total: int) -> int:
    return SCALE if total <= 0 else max(0, min(SCALE, done * SCALE // total))


def summary_text(report: DockReport) -> str:
    """The final account of a docking, as the officer reads it."""
    docking = report.docking
    lines = [
        _("Recorder {serial} (officer {officer} {name})").format(
            serial=docking.device_serial, officer=docking.officer_number,
            name=docking.officer_name),
        _("Stored now: {count}").format(count=len(report.items)),
        _("Already stored (not read again): {count}").format(count=len(report.already)),
        _("Skipped: {count}").format(count=len(report.skipped)),
    ]
    lines += [f"    {s.name}: {s.reason}" for s in report.skipped]
    lines.append(_("Deleted from the recorder: {count}").format(count=len(report.deleted)))
    lines += [_("Kept on the recorder: {name}: {reason}").format(name=s.name, reason=s.reason)
              for s in report.not_deleted]
    lines.append(_("Clock offset: {offset}").format(offset=offset_text(docking.clock_offset_s)))
    if docking.offset_after_sync_s is not None:
        lines.append(_("Clock offset after setting it: {offset}").format(
            offset=offset_text(docking.offset_after_sync_s)))
    if report.resumed:
        lines.append(_("An interrupted docking was resumed."))
    lines.append(_("Docking: {id}").format(id=docking.id))
    lines.append(_("Ingest certificate SHA-256: {digest}").format(
        digest=docking.certificate_sha256 or "-"))
    return "\n".join(lines)


class DockDialog(QDialog):
    """Docks the recorder at `ctx.ports.bodycam` into `case_id` (None: unfiled)."""

    docked = Signal(str)  # the docking id, after a completed docking
    progressed = Signal(object)  # DockProgress, delivered on the GUI thread

    def __init__(self, ctx: AppContext, case_id: str | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.case_id = case_id
        self.cancel_event = threading.Event()
        self.running = False
        self.report: DockReport | None = None
        self._last: tuple[DockStage, int, int] | None = None
        self.setWindowTitle(_("Dock a body-worn recorder"))

        self.port_label = QLabel(_("Recorder port: {port}").format(
            port=ctx.ports.bodycam or _("(not configured)")))
        self.port_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stage_label = QLabel(_("Ready. Connect the recorder and start the docking."))
        self.stage_label.setWordWrap(True)
        self.file_label = QLabel("")
        self.file_label.setWordWrap(True)
        self.file_bar = QProgressBar()
        self.overall_bar = QProgressBar()
        for bar in (self.file_bar, self.overall_bar):
            bar.setRange(0, SCALE)
            bar.setValue(0)
            bar.setFormat("%p%")
        bars = QFormLayout()
        bars.addRow(_("Current file:"), self.file_bar)
        bars.addRow(_("All files:"), self.overall_bar)
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.summary.setPlaceholderText(_("The summary appears here when the docking ends."))

        self.start_button = QPushButton(_("Start docking"))
        self.start_button.setDefault(True)
        self.cancel_button = QPushButton(_("Cancel docking"))
        self.cancel_button.setEnabled(False)
        self.close_button = QPushButton(_("Close"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.port_label)
        layout.addWidget(self.stage_label)
        layout.addWidget(self.file_label)
        layout.addLayout(bars)
        layout.addWidget(self.summary, 1)
        layout.addLayout(buttons)
        self.setTabOrder(self.start_button, self.cancel_button)
        self.setTabOrder(self.cancel_button, self.summary)
        self.setTabOrder(self.summary, self.close_button)

        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.reject)
        self.progressed.connect(self._on_progress)  # emitted on the GUI thread
        em = self.fontMetrics().horizontalAdvance("M")
        self.resize(em * 56, self.fontMetrics().height() * 26)

    # -- running -----------------------------------------------------------------------------

    def policy(self) -> DockPolicy:
        settings = self.ctx.settings
        return DockPolicy(device_password=self.ctx.device_password, sm3=settings.sm3,
                          delete_originals=settings.delete_originals)

    def start(self) -> None:
        """Dock (or resume an interrupted docking) on the long-work lane."""
        if self.running:
            return
        self.running = True
        self.report = None
        self._last = None
        self.cancel_event = threading.Event()
        cancel, policy, url, case_id = self.cancel_event, self.policy(), self.ctx.ports.bodycam, \
            self.case_id
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setFocus()
        self.summary.clear()
        self.file_label.clear()
        self.file_bar.setValue(0)
        self.overall_bar.setValue(0)
        self.stage_label.setText(stage_text(DockStage.CONNECTING))

        def work(store: Store) -> DockReport:
            return dock_port(store, url, case_id=case_id, policy=policy,
                             progress=self._report_progress, cancel=cancel)

        self.ctx.long(work, self._on_done, self._on_error, cancel=cancel)

    def _report_progress(self, progress: DockProgress) -> None:
        """On the long-work lane: forward only what changes what the bars show."""
        key = (progress.stage, progress.file_index,
               _permille(progress.overall_done, progress.overall_total)
               + SCALE * _permille(progress.file_done, progress.file_total))
        if key != self._last:
            self._last = key
            self.ctx.bg.to_gui(lambda: self.progressed.emit(progress))

    def cancel(self) -> None:
        if not self.running:
            return
        self.cancel_event.set()
        self.cancel_button.setEnabled(False)
        self.stage_label.setText(_("Cancelling… files already stored are kept."))

    # -- results -----------------------------------------------------------------------------

    def _on_progress(self, progress: DockProgress) -> None:
        if not self.cancel_event.is_set():
            self.stage_label.setText(stage_text(progress.stage))
        if progress.stage is DockStage.COPYING:
            self.file_label.setText(_("File {index} of {count}: {name}").format(
                index=progress.file_index, count=progress.file_count, name=progress.file_name))
            self.file_bar.setValue(_permille(progress.file_done, progress.file_total))
            self.overall_bar.setValue(_permille(progress.overall_done, progress.overall_total))
        elif progress.stage is DockStage.DONE:
            self.file_bar.setValue(SCALE)
            self.overall_bar.setValue(SCALE)

    def _finish(self) -> None:
        self.running = False
        self.cancel_button.setEnabled(False)
        self.start_button.setEnabled(True)
        self.close_button.setFocus()

    def _on_done(self, report: DockReport) -> None:
        self.report = report
        self._finish()
        self.start_button.setText(_("Dock again"))
        self.stage_label.setText(stage_text(DockStage.DONE))
        self.file_label.clear()
        self.file_bar.setValue(SCALE)
        self.overall_bar.setValue(SCALE)
        self.summary.setPlainText(summary_text(report))
        self.docked.emit(report.docking.id)

    def _on_error(self, exc: BaseException) -> None:
        self._finish()
        self.start_button.setText(_("Dock again (resume)"))
        self.start_button.setFocus()
        if isinstance(exc, DockCancelled):
            self.stage_label.setText(_("Docking cancelled."))
        else:
            self.stage_label.setText(_("Docking failed."))
        self.summary.setPlainText("\n".join([str(exc), "", _(
            "Files stored so far are kept in the vault. Docking the recorder again resumes "
            "this docking and does not read them again.")]))

    # -- closing -----------------------------------------------------------------------------

    def reject(self) -> None:
        if self.running:  # the docking stops at the next chunk; the dialog stays to say so
            self.cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.running:
            self.cancel()
            event.ignore()
            return
        super().closeEvent(event)
