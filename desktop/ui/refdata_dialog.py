"""The reference data from HQ the officer can see (Sync › Reference data from HQ…).

Which datasets this computer holds (roster, templates, revocations, …), their versions, when
each came and its fingerprint; when HQ issued the manifest behind them and until when it is
valid, or that it has expired (the data stays in use); which clock judged that when this
computer's is far from HQ's; and why HQ's last reference data was refused, if it was. What
`statement-room sync status` says, from the same service function
(`desktop.services.refdata.status`), read on the read lane.
"""

from __future__ import annotations

from datetime import datetime
from gettext import gettext as _

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.services.refdata import RefdataStatus, dataset_words, status
from desktop.services.sync import now_ms
from desktop.ui.context import AppContext
from desktop.ui.evidence.describe import size_text, time_text
from desktop.ui.screen_fit import fit_to_screen

ERROR_STYLE = "color: #b00020;"
FINGERPRINT_CHARS = 16  # enough to compare with HQ's `datasets` listing by eye


def _hq_time(ms: int) -> datetime:
    """A time HQ stated (ms since the epoch), in this computer's time zone."""
    return datetime.fromtimestamp(ms / 1000).astimezone()


class RefdataDialog(QDialog):
    """See the module docstring."""

    COLUMNS = 5

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Reference data from HQ"))
        layout = QVBoxLayout(self)
        self.summary = QLabel(_("Reading…"))
        self.validity = QLabel()
        self.clock = QLabel()
        self.refusal = QLabel()
        self.refusal.setStyleSheet(ERROR_STYLE)
        for label in (self.summary, self.validity, self.clock):
            label.setWordWrap(True)
            layout.addWidget(label)
        self.table = QTableWidget(0, self.COLUMNS)
        self.table.setHorizontalHeaderLabels([_("Dataset"), _("Version"), _("Received"),
                                              _("Size"), _("SHA-256")])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.refusal.setWordWrap(True)
        layout.addWidget(self.refusal)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.shown: RefdataStatus | None = None
        for label in (self.validity, self.clock, self.refusal):
            label.setVisible(False)
        fit_to_screen(self, 720, 380)
        ctx.read(lambda store: status(store, now_ms()), self.show_status)

    def show_status(self, held: RefdataStatus) -> None:
        self.shown = held
        if held.expires_ms is None or held.issued_ms is None:
            self.summary.setText(_("No reference data from HQ yet: it comes with a sync once "
                                   "HQ has published some."))
        else:
            self.summary.setText(_("HQ issued these on {issued}; this computer received them "
                                   "on {received}.").format(
                issued=time_text(_hq_time(held.issued_ms)),
                received=time_text(held.received_at)))
            self.validity.setText(
                _("Expired on {when}: the last good version stays in use until a sync brings "
                  "a newer one.").format(when=time_text(_hq_time(held.expires_ms)))
                if held.stale else
                _("Valid until {when}.").format(when=time_text(_hq_time(held.expires_ms))))
            self.validity.setStyleSheet(ERROR_STYLE if held.stale else "")
            self.validity.setVisible(True)
            note = held.clock_note
            self.clock.setText(note or "")
            self.clock.setVisible(note is not None)
        self.table.setRowCount(len(held.datasets))
        for row, dataset in enumerate(held.datasets):
            values = [dataset_words(dataset.name), str(dataset.version),
                      time_text(dataset.accepted_at), size_text(dataset.size),
                      dataset.sha256[:FINGERPRINT_CHARS]]
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(dataset.sha256 if column == 4 else value)
                self.table.setItem(row, column, item)
        for column in range(1, self.COLUMNS):
            self.table.resizeColumnToContents(column)
        self.table.setVisible(bool(held.datasets))
        if held.refusal is not None:
            self.refusal.setText(_("HQ's last reference data was refused ({when}): {why}")
                                 .format(when=time_text(held.refused_at), why=held.refusal))
        self.refusal.setVisible(held.refusal is not None)
