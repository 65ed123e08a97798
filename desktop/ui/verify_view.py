"""Verifying a signed statement PDF on screen: drop it, read the verdict, signature by signature.

`VerifyDialog` runs `desktop.services.verify.check_file` off the GUI thread: on the store
thread when an officer is logged in (the store's own trust root is used and the file is
compared with the signed copies the store keeps), on a device thread otherwise. Roots the
user adds are read on a device thread and the check runs again. The report shows pyHanko's
bottom line and its reasons, then per signature the signer, the signing time, the timestamp,
intact / valid / trusted, coverage and the modification level. `pdf_paths_from_drop` picks
local PDF files out of a drag, for the main window's handlers; `VerifyDropArea` is a small
drop target that opens a dialog per dropped PDF. Both refuse drops while the screen is locked.
"""

from __future__ import annotations

from gettext import gettext as _
from pathlib import Path

import shiboken6
from cryptography import x509
from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.services.verify import DocumentCheck, check_file, load_certificates
from desktop.ui.context import AppContext
from desktop.ui.idle_lock import screen_locked
from desktop.ui.labels import cell_text
from desktop.ui.screen_fit import fit_to_screen
from verification.pdf import SignatureReport, coverage_label, field_label


def pdf_paths_from_drop(mime: QMimeData) -> list[Path]:
    """The local `.pdf` files in a drag (other URLs, folders and other files are ignored)."""
    if not mime.hasUrls():
        return []
    paths: list[Path] = []
    for url in mime.urls():
        if not url.isLocalFile():
            continue
        path = Path(url.toLocalFile())
        if path.suffix.lower() == ".pdf" and not path.is_dir() and path not in paths:
            paths.append(path)
    return paths


def _yes(value: bool | None) -> str:
    return "-" if value is None else (_("yes") if value else _("no"))


def _time(value: object) -> str:
    return "-" if value is None else str(value)


def _timestamp(sig: SignatureReport) -> str:
    if not sig.timestamped:
        return _("none (B-B)")
    return _("{time}, valid: {valid}, trusted: {trusted}").format(
        time=sig.timestamp_time, valid=_yes(sig.timestamp_valid),
        trusted=_yes(sig.timestamp_trusted))


COLUMNS = 10


class VerifyDialog(QDialog):
    """Verifies `path` and shows the report; see the module docstring."""

    verified = Signal(object)  # DocumentCheck, or the exception when the file was refused

    def __init__(self, ctx: AppContext, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.path = Path(path)
        self.extra_roots: list[x509.Certificate] = []
        self.check: DocumentCheck | None = None
        self.error: BaseException | None = None
        self.setWindowTitle(_("Verify signed document: {name}").format(name=self.path.name))

        self.file_label = QLabel(_("File: {path}").format(path=self.path))
        self.file_label.setWordWrap(True)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        font = self.verdict.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.verdict.setFont(font)
        self.reasons = QLabel("")
        self.reasons.setWordWrap(True)
        self.reasons.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, COLUMNS)
        self.table.setHorizontalHeaderLabels([
            _("Signature"), _("Signer"), _("Type"), _("Signing time"), _("Timestamp"),
            _("Intact"), _("Valid"), _("Trusted"), _("Coverage"), _("Verdict")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.setAccessibleName(_("Signatures"))
        self.extra = QLabel("")  # document timestamps, stored copy, trust roots
        self.extra.setWordWrap(True)
        self.extra.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.add_root_button = QPushButton(_("Add trusted root certificate…"))
        self.add_root_button.setToolTip(_("Trust the root certificate of the unit that issued "
                                          "the signing certificates (PEM or DER)"))
        self.close_button = QPushButton(_("Close"))
        self.close_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_root_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.file_label)
        layout.addWidget(self.verdict)
        layout.addWidget(self.reasons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.extra)
        layout.addLayout(buttons)
        self.setTabOrder(self.table, self.add_root_button)
        self.setTabOrder(self.add_root_button, self.close_button)
        self.add_root_button.clicked.connect(self._ask_root)
        self.close_button.clicked.connect(self.accept)
        em = self.fontMetrics().horizontalAdvance("M")
        # Wide enough for every column of the signature table; never beyond the screen.
        fit_to_screen(self, em * 100, self.fontMetrics().height() * 28)
        self.run_check()

    # -- running -----------------------------------------------------------------------------

    def run_check(self) -> None:
        """Verify the file again with the current roots, off the GUI thread."""
        path, roots = self.path, list(self.extra_roots)
        self.verdict.setText(_("Verifying…"))
        self.reasons.clear()
        self.add_root_button.setEnabled(False)
        if self.ctx.store is not None:
            self.ctx.run(lambda store: check_file(path, roots, store), self._show, self._fail)
        else:
            self.ctx.bg.run(lambda: check_file(path, roots, None), self._show, self._fail,
                            io=True)

    def add_trust_roots(self, paths: list[Path]) -> None:
        """Read root certificates (on a device thread) and verify again trusting them too."""
        self.ctx.bg.run(lambda: load_certificates(paths), self._roots_loaded, self._fail_roots,
                        io=True)

    def _ask_root(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(
            self, _("Trusted root certificate"), "",
            _("Certificates (*.pem *.crt *.cer *.der);;All files (*)"))
        if names:
            self.add_trust_roots([Path(n) for n in names])

    def _roots_loaded(self, certs: list[x509.Certificate]) -> None:
        self.extra_roots.extend(certs)
        self.run_check()

    def _fail_roots(self, exc: BaseException) -> None:
        self.reasons.setText(str(exc))

    # -- showing -----------------------------------------------------------------------------

    def _fail(self, exc: BaseException) -> None:
        self.check, self.error = None, exc
        self.add_root_button.setEnabled(True)
        self.verdict.setText(_("The document cannot be verified."))
        self.verdict.setStyleSheet("color: #b00020;")
        self.reasons.setText(str(exc))
        self.table.setRowCount(0)
        self.extra.clear()
        self.verified.emit(exc)

    def _show(self, check: DocumentCheck) -> None:
        self.check, self.error = check, None
        self.add_root_button.setEnabled(True)
        report = check.report
        if report.bottom_line:
            self.verdict.setText(_("Bottom line: every signature holds and nothing "
                                   "unexplained was modified."))
            self.verdict.setStyleSheet("color: #1b5e20;")
        else:
            self.verdict.setText(_("Bottom line: the document does NOT hold."))
            self.verdict.setStyleSheet("color: #b00020;")
        self.reasons.setText("\n".join(report.reasons))
        self.reasons.setVisible(bool(report.reasons))
        self.table.setRowCount(len(report.signatures))
        for row, sig in enumerate(report.signatures):
            cells = [field_label(sig.field_name), sig.signer,
                     _("certification") if sig.certifying else _("approval"),
                     _time(sig.signing_time), _timestamp(sig), _yes(sig.intact),
                     _yes(sig.valid), _yes(sig.trusted), coverage_label(sig.coverage),
                     _("holds") if sig.bottom_line else _("DOES NOT HOLD")]
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column == COLUMNS - 1 and sig.problem:
                    cell.setToolTip(sig.problem)
                self.table.setItem(row, column, cell)
        self.extra.setText("\n".join(self._extra_lines(check)))
        self.verified.emit(check)

    def _extra_lines(self, check: DocumentCheck) -> list[str]:
        lines = [_("[{field}] document timestamp {time}: {verdict}").format(
            field=ts.field_name, time=ts.time or "-",
            verdict=_("holds") if ts.bottom_line else _("DOES NOT HOLD"))
            for ts in check.report.timestamps]
        stored = check.stored
        if stored is None:
            lines.append(_("Not compared with a stored copy: no officer is logged in."))
        elif stored.statement_id is None:
            lines.append(_("The file is not a document kept in this store (not the signed copy "
                           "of any statement, nor that copy with updates appended)."))
        else:
            lines.append(_("Record: this is the document kept for statement {statement}"
                           "{extra}.").format(statement=stored.statement_id, extra="" if
                                              stored.exact else
                                              _(", with later incremental updates")))
        if check.trust_roots:
            lines.append(_("Trusted roots: {names}").format(names="; ".join(check.trust_roots)))
        else:
            lines.append(_("No trusted root: no signer can be trusted. Add the root "
                           "certificate of the issuing unit."))
        return lines

    def signature_rows(self) -> list[list[str]]:
        """The table as text (what the officer reads), for tests and copying."""
        return [[cell_text(self.table.item(r, c)) for c in range(COLUMNS)]
                for r in range(self.table.rowCount())]


class VerifyDropArea(QFrame):
    """A drop target: each local PDF dropped on it opens a `VerifyDialog`."""

    opened = Signal(object)  # the VerifyDialog

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._open: list[VerifyDialog] = []
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFrameShadow(QFrame.Shadow.Sunken)
        self.label = QLabel(_("Drop a PDF here to verify it"))
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        self.choose_button = QPushButton(_("Choose a PDF…"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.choose_button, 0, Qt.AlignmentFlag.AlignCenter)
        self.choose_button.clicked.connect(self._choose)
        self.setMinimumHeight(self.fontMetrics().height() * 5)

    def _choose(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(self, _("Verify signed document"), "",
                                                    _("PDF documents (*.pdf)"))
        if name:
            self.open_paths([Path(name)])

    def open_paths(self, paths: list[Path]) -> list[VerifyDialog]:
        opened = []
        for path in paths:
            dialog = VerifyDialog(self.ctx, path, self)
            dialog.finished.connect(dialog.deleteLater)
            self._open.append(dialog)
            dialog.show()
            self.opened.emit(dialog)
            opened.append(dialog)
        return opened

    @property
    def dialogs(self) -> list[VerifyDialog]:
        """The dialogs opened here and not closed yet (a closed one is deleted)."""
        self._open = [d for d in self._open if shiboken6.isValid(d) and d.isVisible()]
        return list(self._open)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if not screen_locked() and pdf_paths_from_drop(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if not screen_locked() and pdf_paths_from_drop(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [] if screen_locked() else pdf_paths_from_drop(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_paths(paths)
