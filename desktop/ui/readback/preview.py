"""The signed and sealed statement: its pages as images, export, and printing.

The caller renders the PDF from `signing.sign_statement` in memory, signature appearances
included (`pages.render_pages`, on the store thread), and hands the page images over
(`open_signed_preview` does that for a statement signed earlier, from the case view).
"Export PDF…" and "Export court package…" propose a file named by case number and statement
kind (`export_files.statement_file_name`), ask before replacing an existing file (the
file dialog's own question is turned off so that the question is asked once, after the
suffix is added, in our words) and write on the store thread; the services refuse a folder
that does not exist. "Print" offers the statement, the interviewee's copy and, once a court
package is exported, its summary (`desktop.ui.printing`).
"""

from __future__ import annotations

from collections.abc import Callable
from gettext import gettext as _
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.services import signing
from desktop.services.export import ExportedPackage, export_package
from desktop.services.export_files import ExportKind, ExportTargetExists, statement_file_name
from desktop.store import documents
from desktop.store.store import Store
from desktop.ui.context import AppContext
from desktop.ui.printing import PrintMenu
from desktop.ui.rasterize import render_pages
from desktop.ui.readback.pages import PageViewer


def _suffix_and_filter(kind: ExportKind) -> tuple[str, str]:
    if kind is ExportKind.SIGNED_PDF:
        return ".pdf", _("PDF documents (*.pdf)")
    return ".zip", _("Court packages (*.zip)")


class SignedPreview(QWidget):
    """See the module docstring. `closed` when the officer is done with it."""

    closed = Signal()

    def __init__(self, ctx: AppContext, statement_id: str, pages: list[QImage],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.statement_id = statement_id
        self.setWindowTitle(_("Signed statement"))
        self.viewer = PageViewer()
        self.viewer.set_pages(pages)
        self.status = QLabel(_("The statement is signed and sealed; it can no longer be "
                               "changed. {pages} page(s).").format(pages=len(pages)))
        self.status.setWordWrap(True)
        self.export_button = QPushButton(_("Export PDF…"))
        self.package_button = QPushButton(_("Export court package…"))
        self.print_menu = PrintMenu(ctx, statement_id, self.status.setText, self)
        self.print_button = QToolButton()
        self.print_button.setText(_("Print"))
        self.print_button.setMenu(self.print_menu)
        self.print_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.close_button = QPushButton(_("Close"))
        self.export_button.clicked.connect(lambda: self.choose_export(ExportKind.SIGNED_PDF))
        self.package_button.clicked.connect(
            lambda: self.choose_export(ExportKind.COURT_PACKAGE))
        self.close_button.clicked.connect(self.closed.emit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        for button in (self.print_button, self.export_button, self.package_button,
                       self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.viewer, 1)
        layout.addLayout(buttons)
        self.exported: Path | None = None
        self.package: ExportedPackage | None = None
        # Asks whether to replace an existing file; a test answers in its place.
        self.confirm_replace: Callable[[Path], bool] = self._ask_replace
        self.export_button.setFocus()

    @property
    def page_count(self) -> int:
        return len(self.viewer.images)

    def choose_export(self, kind: ExportKind) -> None:
        """Ask where to write, proposing the name by case number and statement kind."""
        statement_id = self.statement_id
        self.ctx.run(lambda store: statement_file_name(store, statement_id, kind),
                     lambda name: self._ask_where(kind, name), self._failed)

    def _ask_where(self, kind: ExportKind, proposed: str) -> None:
        suffix, filter_text = _suffix_and_filter(kind)
        title = (_("Export the signed statement") if kind is ExportKind.SIGNED_PDF
                 else _("Export the court package"))
        name, _filter = QFileDialog.getSaveFileName(
            self, title, proposed, filter_text,
            options=QFileDialog.Option.DontConfirmOverwrite)
        if name:
            path = Path(name)
            path = path if path.suffix.lower() == suffix else path.with_name(path.name + suffix)
            self.export_to(path, kind)

    def export_to(self, path: Path, kind: ExportKind = ExportKind.SIGNED_PDF, *,
                  force: bool = False) -> None:
        """Write the export to `path`; an existing file only after the officer agrees."""
        self.export_button.setEnabled(False)
        self.package_button.setEnabled(False)
        statement_id = self.statement_id

        def work(store: Store) -> Path | ExportedPackage:
            if kind is ExportKind.SIGNED_PDF:
                return signing.export_document(store, statement_id, path, force=force)
            return export_package(store, statement_id, path, force=force)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ExportTargetExists) and not force:
                self._enable()
                if self.confirm_replace(path):
                    self.export_to(path, kind, force=True)
                return
            self._failed(exc)

        self.ctx.run(work, self._exported, failed)

    def _ask_replace(self, path: Path) -> bool:
        answer = QMessageBox.question(
            self, _("Replace the file?"),
            _("{name} already exists in {folder}. Replace it?").format(
                name=path.name, folder=path.parent),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _enable(self) -> None:
        self.export_button.setEnabled(True)
        self.package_button.setEnabled(True)

    def _exported(self, result: Path | ExportedPackage) -> None:
        self._enable()
        if isinstance(result, ExportedPackage):
            self.package = result
            self.print_menu.set_package(result)
            self.status.setText(_("Court package written to {path} (SHA-256 {sha256}); its "
                                  "summary can be printed.").format(path=result.path,
                                                                    sha256=result.sha256))
            return
        self.exported = result
        self.status.setText(_("Exported to {path}").format(path=result))

    def _failed(self, exc: BaseException) -> None:
        self._enable()
        if isinstance(exc, UserError):
            self.status.setText(str(exc))


class SignedStatementDialog(QDialog):
    """A `SignedPreview` of a statement signed earlier, in its own window."""

    def __init__(self, ctx: AppContext, statement_id: str, pages: list[QImage],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Signed statement"))
        self.preview = SignedPreview(ctx, statement_id, pages, self)
        self.preview.closed.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preview)
        self.resize(900, 800)


def open_signed_preview(ctx: AppContext, statement_id: str, parent: QWidget | None,
                        on_open: Callable[[SignedStatementDialog], None]) -> None:
    """Render the signed statement (on the store thread) and show it in a dialog."""

    def load(store: Store) -> list[QImage]:
        return render_pages(documents.signed_document(store.conn, statement_id))

    def loaded(pages: list[QImage]) -> None:
        dialog = SignedStatementDialog(ctx, statement_id, pages, parent)
        on_open(dialog)
        dialog.open()

    ctx.run(load, loaded)
