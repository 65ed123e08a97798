"""File › Back up…: back the store up to a folder or a drive, check a backup, restore one.

The work runs in the background (`ctx.long`: a backup reads the whole vault); progress comes
back through `bg.to_gui`. Backing up and checking use the open session (its key authenticates
the manifest). Restoring goes into a new folder (the open store cannot be replaced under its
own window; `statement-room backup restore` does that with the window closed) with the
password of the officer logged in, who must be listed in the backup; a backup older than what
the anchor copies name is restored only after a confirmation that says what is lost
(desktop/services/backup_restore.py, decision 23).
"""

from __future__ import annotations

from gettext import gettext as _
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.store.store import Store
from desktop.ui.background import report_error
from desktop.ui.context import AppContext


class BackupDialog(QDialog):
    """See the module docstring."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Back up and restore"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)

        backup_box = QGroupBox(_("Backup folder or drive"))
        box_layout = QVBoxLayout(backup_box)
        row = QHBoxLayout()
        self.folder = QLineEdit()
        self.folder.setPlaceholderText(_("e.g. a folder on a removable drive"))
        self.folder.textChanged.connect(self._update_buttons)
        choose = QPushButton(_("Choose…"))
        choose.clicked.connect(self._choose_folder)
        row.addWidget(self.folder, 1)
        row.addWidget(choose)
        box_layout.addLayout(row)
        buttons = QHBoxLayout()
        self.backup_button = QPushButton(_("Back up now"))
        self.backup_button.clicked.connect(self.back_up)
        self.verify_button = QPushButton(_("Check the backup"))
        self.verify_button.clicked.connect(self.verify)
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.verify_button)
        buttons.addStretch(1)
        box_layout.addLayout(buttons)
        layout.addWidget(backup_box)

        restore_box = QGroupBox(_("Restore into a new folder"))
        restore_layout = QVBoxLayout(restore_box)
        hint = QLabel(_(
            "Restores the backup above into a new folder, for this officer (your password). "
            "To replace this store, close the program and run `statement-room backup "
            "restore`."))
        hint.setWordWrap(True)
        restore_layout.addWidget(hint)
        row = QHBoxLayout()
        self.target = QLineEdit()
        self.target.setPlaceholderText(_("a new, empty folder"))
        self.target.textChanged.connect(self._update_buttons)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(_("your password"))
        self.password.textChanged.connect(self._update_buttons)
        self.restore_button = QPushButton(_("Restore"))
        self.restore_button.clicked.connect(lambda: self.restore(force=False))
        row.addWidget(self.target, 1)
        row.addWidget(self.password)
        row.addWidget(self.restore_button)
        restore_layout.addLayout(row)
        layout.addWidget(restore_box)

        self.progress = QProgressBar()
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self._busy = False
        self._update_buttons()

    # ------------------------------------------------------------------ state
    def _update_buttons(self) -> None:
        has_folder = bool(self.folder.text().strip())
        self.backup_button.setEnabled(has_folder and not self._busy)
        self.verify_button.setEnabled(has_folder and not self._busy)
        self.restore_button.setEnabled(has_folder and bool(self.target.text().strip())
                                       and bool(self.password.text()) and not self._busy)

    def _start(self, text: str) -> None:
        self._busy = True
        self.status.setText(text)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self._update_buttons()

    def _finish(self, text: str) -> None:
        self._busy = False
        self.progress.setVisible(False)
        self.status.setText(text)
        self._update_buttons()
        self.adjustSize()  # a long result (a list of damaged files) is shown whole

    def _failed(self, exc: BaseException) -> None:
        self._finish(_("Not completed."))
        report_error(exc, self)

    def _report_progress(self, done: int, total: int) -> None:
        """From the background lane: show `done` of `total` on the GUI thread."""
        def show() -> None:
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(done)
        self.ctx.bg.to_gui(show)

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, _("Backup folder or drive"))
        if chosen:
            self.folder.setText(chosen)

    # ------------------------------------------------------------------ actions
    def back_up(self) -> None:
        from desktop.services.backup import BackupResult, create_backup

        folder = Path(self.folder.text().strip())

        def done(result: BackupResult) -> None:
            self._finish(_("Backup written and read back: {events} audit events, {new} new "
                           "evidence files copied, {kept} already there.").format(
                               events=result.audit_size, new=result.new_blobs,
                               kept=result.kept_blobs))

        self._start(_("Backing up…"))
        self.ctx.long(lambda store: create_backup(store, folder, progress=self._report_progress),
                      done, self._failed)

    def verify(self) -> None:
        from desktop.services.backup import verify_with_store
        from desktop.store.backup import Manifest

        folder = Path(self.folder.text().strip())

        def done(found: tuple[Manifest, list[str]]) -> None:
            manifest, problems = found
            if problems:
                self._finish(_("The backup is damaged: {count} of its {total} files fail the "
                               "check. Make a new backup.").format(
                                   count=len(problems), total=len(manifest.files))
                             + "\n" + "\n".join(problems))
            else:
                self._finish(_("The backup is intact: {total} files, {events} audit events, "
                               "made {time}.").format(total=len(manifest.files),
                                                      events=manifest.audit_size,
                                                      time=manifest.created_at))

        self._start(_("Checking the backup…"))
        self.ctx.long(lambda store: verify_with_store(store, folder,
                                                      progress=self._report_progress),
                      done, self._failed)

    def restore(self, *, force: bool) -> None:
        from desktop.services.backup_restore import OlderBackup, RestoreResult, restore_backup

        folder = Path(self.folder.text().strip())
        target = Path(self.target.text().strip())
        password = self.password.text()

        def work(store: Store) -> RestoreResult:
            return restore_backup(folder, target, store.officer.certificate_no, password,
                                  force=force, progress=self._report_progress)

        def done(result: RestoreResult) -> None:
            self.password.clear()
            self._finish(_("The backup was restored into {workdir}: {events} audit events, "
                           "{officers} officers.").format(workdir=target,
                                                          events=result.audit_size,
                                                          officers=result.officers))

        def failed(exc: BaseException) -> None:
            if isinstance(exc, OlderBackup) and not force:
                self._finish(str(exc))
                answer = QMessageBox.question(
                    self, _("Restore an older backup?"),
                    str(exc) + "\n\n" + _("Restore it anyway? The restore is recorded as "
                                          "forced."),
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                    QMessageBox.StandardButton.No)
                if answer == QMessageBox.StandardButton.Yes:
                    self.restore(force=True)
                return
            self._failed(exc)

        self._start(_("Restoring…"))
        self.ctx.long(work, done, failed)
