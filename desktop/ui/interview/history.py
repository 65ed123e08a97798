"""The revision history of one turn: every saved version with its time and officer.

Revisions are append-only in the store, so this dialog shows exactly what was saved and by
whom; it is read on the store thread through `interview.history`.
"""

from __future__ import annotations

from gettext import gettext as _

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.model import Officer, TurnRevision
from desktop.ui.labels import cell_text


class HistoryDialog(QDialog):
    """Lists revisions newest first: revision number, time, officer, text."""

    def __init__(self, revisions: list[TurnRevision], officers: dict[str, Officer],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Revision history"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("{n} saved versions of this turn, newest first.").format(
            n=len(revisions))))
        self.table = QTableWidget(len(revisions), 4, self)
        self.table.setHorizontalHeaderLabels([_("Revision"), _("Saved at"), _("Officer"),
                                              _("Text")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for row, revision in enumerate(sorted(revisions, key=lambda r: -r.revision)):
            officer = officers.get(revision.saved_by)
            cells = (str(revision.revision),
                     revision.saved_at.strftime("%Y-%m-%d %H:%M:%S"),
                     officer.name if officer else revision.saved_by,
                     revision.text)
            for column, value in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(value))
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(self.sizeHint().expandedTo(self.minimumSizeHint()))

    def texts(self) -> list[str]:
        """The texts listed, top to bottom (newest first)."""
        return [cell_text(self.table.item(r, 3)) for r in range(self.table.rowCount())]
