"""The signed and sealed statement: its pages as images, and an export button.

The caller renders the PDF from `signing.sign_statement` in memory, signature appearances
included (`pages.render_pages`, on the store thread), and hands the page images over.
"Export PDF…" asks where to write it and calls `signing.export_document` on the store thread,
which writes the signed document and records the export in the audit trail.
"""

from __future__ import annotations

from gettext import gettext as _
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.services import signing
from desktop.ui.context import AppContext
from desktop.ui.readback.pages import PageViewer


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
        self.close_button = QPushButton(_("Close"))
        self.export_button.clicked.connect(self.choose_export)
        self.close_button.clicked.connect(self.closed.emit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.viewer, 1)
        layout.addLayout(buttons)
        self.exported: Path | None = None
        self.export_button.setFocus()

    @property
    def page_count(self) -> int:
        return len(self.viewer.images)

    def choose_export(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Export the signed statement"), f"{self.statement_id}.pdf",
            _("PDF documents (*.pdf)"))
        if name:
            path = Path(name)
            self.export_to(path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf"))

    def export_to(self, path: Path) -> None:
        self.export_button.setEnabled(False)
        self.ctx.run(lambda store: signing.export_document(store, self.statement_id, path),
                     self._exported, self._failed)

    def _exported(self, path: Path) -> None:
        self.exported = path
        self.export_button.setEnabled(True)
        self.status.setText(_("Exported to {path}").format(path=path))

    def _failed(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        if isinstance(exc, UserError):
            self.status.setText(str(exc))
