"""The sync dialogs: enrolment with HQ, HQ's receipts, the purge policy and the purge.

- `EnrolDialog` (administrators): HQ's address and the one-time code from HQ's
  administrator; the enrolment (a request to HQ) runs on the long-work lane, its write on
  the store lane (`desktop.services.sync_round.enrol`).
- `ReceiptsDialog`: every outbox entry of one statement (its record, signed PDF, pen
  captures, signature events) or one evidence item, with HQ's receipt: HQ's time, how
  durably HQ holds it, its index in HQ's receipt log, and whether it verifies with the key
  pinned at enrolment (checked again here, on the read lane).
- `PurgePolicyDialog` (administrators): the least durability and the days after HQ's
  receipt before a medium's local copy may go (`desktop.services.sync_purge.set_policy`).
- `PurgeDialog` (administrators): the dry run first (what would go and what is kept, why),
  then a confirmation naming the count and size, then the purge on the long-work lane.

Each refuses a plain officer before showing anything (the services refuse too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from gettext import gettext as _

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.services import sync_purge
from desktop.services.device_certificate import received_words
from desktop.services.sync import error_words
from desktop.services.sync_round import enrol
from desktop.store import sync_state
from desktop.store.store import Store
from desktop.store.sync_state import PurgePolicy
from desktop.ui.admin_gate import is_admin
from desktop.ui.context import AppContext
from desktop.ui.evidence.describe import size_text, time_text
from desktop.ui.screen_fit import fit_to_screen
from sync.client.enrol import Enrolled
from sync.client.source import Enrolment
from sync.protocol.receipt import Durability
from sync.protocol.records import RecordKind


def refuse_unless_admin(ctx: AppContext, parent: QWidget | None, message: str) -> bool:
    """True for an administrator; anyone else is told `message` (and gets nothing)."""
    if is_admin(ctx):
        return True
    QMessageBox.warning(parent, _("Statement Room"), message)
    return False


def kind_words(kind: RecordKind) -> str:
    return {
        RecordKind.STATEMENT: _("Statement"), RecordKind.STATEMENT_PDF: _("Signed PDF"),
        RecordKind.SIGNATURE_CAPTURE: _("Pen capture"),
        RecordKind.SIGNATURE_EVENT: _("Signature event"),
        RecordKind.EVIDENCE_ITEM: _("Evidence item"), RecordKind.DOCKING: _("Docking"),
        RecordKind.TREE_HEAD: _("Audit tree head"), RecordKind.OFFICER_EVENT: _("Officer event"),
        RecordKind.KEY_EVENT: _("Key event"),
        RecordKind.STATEMENT_CONTEXT: _("Statement context (case, party, officers)"),
        RecordKind.EVIDENCE_RECORD: _("Evidence record (custody)"),
        RecordKind.PENALTY_DECISION: _("Penalty decision"),
        RecordKind.LEGAL_REVIEW: _("Legal review"),
        RecordKind.PENALTY_DOCUMENT: _("Penalty document (number, service)"),
        RecordKind.PENALTY_DOCUMENT_PDF: _("Signed penalty document PDF"),
    }.get(kind, kind.value)


def durability_words(durability: Durability) -> str:
    return {Durability.STAGED: _("staged (written at HQ)"),
            Durability.STORED: _("stored"),
            Durability.REPLICATED: _("replicated"),
            Durability.ARCHIVED: _("archived")}.get(durability, durability.value)


# ---------------------------------------------------------------------------- enrolment


class EnrolDialog(QDialog):
    """HQ's address and the one-time code; enrols on the long-work lane."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.enrolled: Enrolment | None = None
        self.setWindowTitle(_("Enrol with HQ"))
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        hint = QLabel(_("HQ's administrator gives you HQ's address and a one-time code for "
                        "this device. The code works once."))
        hint.setWordWrap(True)
        layout.addWidget(hint)
        form = QFormLayout()
        self.url = QLineEdit()
        self.url.setPlaceholderText(_("e.g. https://hq.example"))
        self.code = QLineEdit()
        self.code.setPlaceholderText(_("<code id>-<secret>"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setToolTip(_("Your own password: this session's syncs then go to HQ "
                                   "signed as you (otherwise from your next login)."))
        form.addRow(_("HQ address:"), self.url)
        form.addRow(_("One-time code:"), self.code)
        form.addRow(_("Your password:"), self.password)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.enrol_button = QPushButton(_("Enrol"))
        buttons.addButton(self.enrol_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.enrol_button.clicked.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.url.textChanged.connect(self._update)
        self.code.textChanged.connect(self._update)
        self.password.textChanged.connect(self._update)
        self._busy = False
        self._update()

    def _update(self) -> None:
        self.enrol_button.setEnabled(bool(self.url.text().strip() and self.code.text().strip()
                                          and self.password.text())
                                     and not self._busy and self.enrolled is None)

    def submit(self) -> None:
        url, code, password = self.url.text().strip(), self.code.text().strip(), \
            self.password.text()
        if not (url and code and password) or self._busy:
            return
        self.password.clear()  # not kept in the widget longer than it takes
        self._busy = True
        self._update()
        self.message.setStyleSheet("")
        self.message.setText(_("Enrolling with HQ…"))
        self.ctx.long(lambda store: enrol(store, url, code, password=password), self._done,
                      self._failed)

    def _done(self, enrolled: Enrolled) -> None:
        self._busy = False
        self.enrolled = enrolled
        self.code.clear()
        words = [_("Enrolled with HQ {hq} at {url} as device {device}.").format(
            hq=enrolled.hq_id, url=enrolled.hq_url, device=enrolled.device_id)]
        if (certificate := received_words(enrolled.certificate)) is not None:
            words.append(certificate)
        self.message.setText("\n".join(words))
        self._update()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.message.setStyleSheet("color: #b00020;")
        self.message.setText(str(exc))
        self._update()


# ---------------------------------------------------------------------------- receipts


@dataclass(frozen=True)
class ReceiptRow:
    kind: RecordKind
    entity_id: str
    size: int
    hq_time: datetime | None
    durability: Durability | None
    log_index: int | None
    verified: bool | None  # None: no receipt yet
    problem: str | None


def receipt_rows(store: Store, statement_id: str | None, evidence_id: str | None
                 ) -> list[ReceiptRow]:
    """The entries of a statement or an evidence item with their receipts (read lane)."""
    with store.reading() as conn:
        pinned = sync_state.enrolment(conn)
        rows = sync_state.entries_about(conn, statement_id=statement_id,
                                        evidence_id=evidence_id)
    found = []
    for row in rows:
        receipt = row.receipt
        if receipt is None:
            found.append(ReceiptRow(row.queued.kind, row.queued.entity_id, row.queued.size,
                                    None, None, None, None,
                                    error_words(row.last_error) if row.last_error else None))
            continue
        body = receipt.body
        verified = pinned is not None and receipt.verify(pinned.receipt_key) and \
            (body.sha256, body.size) == (row.queued.sha256, row.queued.size)
        found.append(ReceiptRow(row.queued.kind, row.queued.entity_id, row.queued.size,
                                datetime.fromtimestamp(body.hq_time_ms / 1000, UTC),
                                body.durability, body.log_index, verified, None))
    return found


class ReceiptsDialog(QDialog):
    """HQ's receipts for one statement or one evidence item."""

    COLUMNS = 6

    def __init__(self, ctx: AppContext, *, statement_id: str | None = None,
                 evidence_id: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("HQ's receipts for this statement") if statement_id else
                            _("HQ's receipts for this evidence item"))
        layout = QVBoxLayout(self)
        self.summary = QLabel(_("Reading…"))
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, self.COLUMNS)
        self.table.setHorizontalHeaderLabels([_("Record"), _("HQ time"), _("Durability"),
                                              _("Log index"), _("Verified"), _("Size")])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.rows: list[ReceiptRow] = []
        fit_to_screen(self, 860, 460)
        ctx.read(lambda store: receipt_rows(store, statement_id, evidence_id), self.show_rows)

    def show_rows(self, rows: list[ReceiptRow]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            if row.verified is None:
                waiting = _("not yet acknowledged by HQ")
                values = [kind_words(row.kind), waiting if row.problem is None else
                          f"{waiting} ({row.problem})", "", "", "", size_text(row.size)]
            else:
                values = [kind_words(row.kind), time_text(row.hq_time),
                          durability_words(row.durability) if row.durability else "",
                          str(row.log_index), _("yes") if row.verified else _("NO"),
                          size_text(row.size)]
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(row.entity_id if column == 0 else value)
                self.table.setItem(index, column, item)
        for column in range(1, self.COLUMNS):
            self.table.resizeColumnToContents(column)
        acknowledged = sum(r.verified is not None for r in rows)
        bad = sum(r.verified is False for r in rows)
        if not rows:
            self.summary.setText(_("No records to send for this."))
        else:
            self.summary.setText(_("{done} of {count} records acknowledged by HQ.").format(
                done=acknowledged, count=len(rows)) + (" " + _(
                    "{bad} receipts do NOT verify with HQ's pinned key.").format(bad=bad)
                    if bad else ""))


# ---------------------------------------------------------------------------- purge


class PurgePolicyDialog(QDialog):
    """The purge policy: the least durability and the retention days (administrators)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Purge policy for media held at HQ"))
        layout = QVBoxLayout(self)
        hint = QLabel(_("A medium's copy on this computer is deleted only when HQ's receipt "
                        "for it verifies, HQ holds it at least this durably, and this many "
                        "days have passed since HQ received it."))
        hint.setWordWrap(True)
        layout.addWidget(hint)
        form = QFormLayout()
        self.durability = QComboBox()
        for durability in Durability:
            self.durability.addItem(durability_words(durability), durability.value)
        self.days = QSpinBox()
        self.days.setRange(0, 3650)
        self.days.setSuffix(_(" days"))
        form.addRow(_("HQ holds it at least:"), self.durability)
        form.addRow(_("Keep after HQ's receipt:"), self.days)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Close)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        ctx.read(sync_purge.policy, self.show_policy)

    def show_policy(self, policy: PurgePolicy) -> None:
        self.durability.setCurrentIndex(self.durability.findData(policy.durability.value))
        self.days.setValue(policy.retention_days)
        self.save_button.setEnabled(True)

    def save(self) -> None:
        durability = Durability(str(self.durability.currentData()))
        days = self.days.value()
        self.ctx.run(lambda store: sync_purge.set_policy(store, durability, days),
                     self._saved, self._failed)

    def _saved(self, policy: PurgePolicy) -> None:
        self.message.setStyleSheet("")
        self.message.setText(_("Saved: media are purged once HQ holds them at least "
                               "“{durability}” and {days} days have passed since HQ's "
                               "receipt.").format(
            durability=durability_words(policy.durability), days=policy.retention_days))

    def _failed(self, exc: BaseException) -> None:
        self.message.setStyleSheet("color: #b00020;")
        self.message.setText(str(exc))


class PurgeDialog(QDialog):
    """The dry run's list, then the purge after a confirmation (administrators)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Purge media held at HQ"))
        layout = QVBoxLayout(self)
        self.summary = QLabel(_("Checking which media HQ holds…"))
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([_("Evidence items"), _("Size"), _("Outcome")])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.purge_button = QPushButton(_("Delete the local copies…"))
        self.purge_button.setEnabled(False)
        buttons.addButton(self.purge_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.purge_button.clicked.connect(self.confirm)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.report: sync_purge.PurgeReport | None = None
        self.ask = self._ask  # tests answer for the officer
        fit_to_screen(self, 820, 420)
        ctx.read(lambda store: sync_purge.purge(store, dry_run=True), self.show_report,
                 self._failed)

    def show_report(self, report: sync_purge.PurgeReport) -> None:
        self.report = report
        checks = [*report.purged, *report.kept]
        self.table.setRowCount(len(checks))
        for row, check in enumerate(checks):
            if check.reason is None:
                outcome = (_("Would delete here: held at HQ (receipt {receipt})")
                           if report.dry_run else
                           _("Deleted here: held at HQ (receipt {receipt})")).format(
                    receipt=check.receipt_id)
            else:
                outcome = _("Kept: {reason}").format(reason=check.reason)
            for column, value in enumerate((", ".join(check.item_ids), size_text(check.size),
                                            outcome)):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.table.setItem(row, column, item)
        self.table.resizeColumnToContents(1)
        if report.dry_run:
            self.summary.setText(_("Would purge: {count} media, {size} freed; {kept} kept.")
                                 .format(count=len(report.purged),
                                         size=size_text(report.freed_bytes),
                                         kept=len(report.kept)))
        else:
            self.summary.setText(_("Purged: {count} media, {size} freed; {kept} kept.")
                                 .format(count=len(report.purged),
                                         size=size_text(report.freed_bytes),
                                         kept=len(report.kept)))
        self.purge_button.setEnabled(report.dry_run and bool(report.purged))

    def _ask(self, text: str) -> bool:
        answer = QMessageBox.question(self, _("Purge media held at HQ"), text)
        return answer == QMessageBox.StandardButton.Yes

    def confirm(self) -> None:
        report = self.report
        if report is None or not report.purged:
            return
        if not self.ask(_("Delete the local copies of {count} media ({size})? HQ keeps them "
                          "under its receipts; this cannot be undone here.").format(
                count=len(report.purged), size=size_text(report.freed_bytes))):
            return
        self.purge_button.setEnabled(False)
        self.summary.setText(_("Purging…"))
        self.ctx.long(lambda store: sync_purge.purge(store), self.show_report, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.summary.setStyleSheet("color: #b00020;")
        self.summary.setText(str(exc))
