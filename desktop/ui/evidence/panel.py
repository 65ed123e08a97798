"""The evidence panel of a case: the list, an item's hashes and custody, and what to do with it.

Every store call runs off the GUI thread: listing, details and decrypting a photo are reads
(`ctx.read`), importing, exporting and verifying the vault are long work (`ctx.long`, whose
writes go to the store lane); results come back here on the GUI thread. The
file dialogs only choose paths: `import_files`, `export_selected`, `verify_vault` and
`view_selected` do the work and are what tests call. Outcomes are written to the status line
under the list rather than in modal boxes, so a long import does not leave a box to dismiss.
"""

from __future__ import annotations

from gettext import gettext as _
from gettext import ngettext
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.services.evidence import (
    ExportResult,
    ImportReport,
    VerifyReport,
    case_items,
    export_item,
    import_path,
    item_with_docking,
    read_item,
    verify_all,
)
from desktop.store.dockings import Docking
from desktop.store.evidence import EvidenceRecord
from desktop.store.store import Store
from desktop.ui.context import AppContext
from desktop.ui.evidence.describe import item_details, kind_text, size_text, source_text, time_text
from desktop.ui.evidence.dock_dialog import DockDialog
from desktop.ui.evidence.photo_viewer import PhotoViewer

ID_ROLE = Qt.ItemDataRole.UserRole


class EvidencePanel(QWidget):
    """The evidence of one case; see the module docstring."""

    changed = Signal()  # the list was reloaded

    def __init__(self, ctx: AppContext, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.case_id = case_id
        self.items: list[EvidenceRecord] = []
        self.viewer: PhotoViewer | None = None
        self.dock_dialog: DockDialog | None = None

        self.dock_button = QPushButton(_("Dock recorder…"))
        self.dock_button.setToolTip(_("Take every file off the body-worn recorder at the "
                                      "configured port into this case"))
        self.import_button = QPushButton(_("Import files…"))
        self.export_button = QPushButton(_("Export…"))
        self.view_button = QPushButton(_("View photo"))
        self.verify_button = QPushButton(_("Verify vault"))
        self.verify_button.setToolTip(_("Decrypt and re-hash every evidence file in the store"))
        toolbar = QHBoxLayout()
        for button in (self.dock_button, self.import_button, self.export_button,
                       self.view_button, self.verify_button):
            toolbar.addWidget(button)
        toolbar.addStretch(1)

        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels([
            _("Name"), _("Kind"), _("Size"), _("Imported at"), _("Marked"), _("Source")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, 6):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setAccessibleName(_("Evidence of this case"))

        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setPlaceholderText(_("Select an item to see its hashes and custody."))
        self.details.setAccessibleName(_("Hashes and custody"))

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)

        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)
        self.setTabOrder(self.dock_button, self.import_button)
        self.setTabOrder(self.import_button, self.export_button)
        self.setTabOrder(self.export_button, self.view_button)
        self.setTabOrder(self.view_button, self.verify_button)
        self.setTabOrder(self.verify_button, self.table)
        self.setTabOrder(self.table, self.details)

        self.dock_button.clicked.connect(self.open_dock_dialog)
        self.import_button.clicked.connect(self._ask_import)
        self.export_button.clicked.connect(self._ask_export)
        self.view_button.clicked.connect(self.view_selected)
        self.verify_button.clicked.connect(self.verify_vault)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.itemDoubleClicked.connect(lambda _item: self.view_selected())
        self._update_buttons()

    # -- the list ----------------------------------------------------------------------------

    def refresh(self, select: str | None = None) -> None:
        """Reload the case's evidence from the store; select `select`, else keep the
        selection when it can (the reload is asynchronous, so selecting happens after it)."""
        case_id = self.case_id
        self.ctx.read(lambda store: case_items(store, case_id),
                     lambda items: self._show_items(items, select))

    def _show_items(self, items: list[EvidenceRecord], select: str | None = None) -> None:
        if not shiboken6.isValid(self.table):
            return  # the panel was closed while its read was on the read lane
        keep = select or self.selected_id()
        self.items = items
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            cells = [item.original_name, kind_text(item.kind), size_text(item.size),
                     time_text(item.imported_at), _("yes") if item.marked else "",
                     source_text(item)]
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setData(ID_ROLE, item.id)
                if column == 0:
                    cell.setToolTip(item.original_path)
                self.table.setItem(row, column, cell)
        if keep is not None:
            self.select(keep)
        self._update_buttons()
        self.changed.emit()

    def selected_item(self) -> EvidenceRecord | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item_id = self._row_id(rows[0].row())
        return next((i for i in self.items if i.id == item_id), None)

    def _row_id(self, row: int) -> object:
        cell = self.table.item(row, 0)
        return cell.data(ID_ROLE) if cell is not None else None

    def selected_id(self) -> str | None:
        item = self.selected_item()
        return None if item is None else item.id

    def select(self, item_id: str) -> bool:
        for row in range(self.table.rowCount()):
            if self._row_id(row) == item_id:
                self.table.selectRow(row)
                return True
        return False

    def _update_buttons(self) -> None:
        item = self.selected_item()
        self.export_button.setEnabled(item is not None)
        self.view_button.setEnabled(item is not None and item.kind == "photo")

    def _selection_changed(self) -> None:
        self._update_buttons()
        item = self.selected_item()
        if item is None:
            self.details.clear()
            return
        item_id = item.id
        self.ctx.read(lambda store: item_with_docking(store, item_id), self._show_details)

    def _show_details(self, found: tuple[EvidenceRecord, Docking | None]) -> None:
        item, docking = found
        if item.id == self.selected_id():
            self.details.setPlainText(item_details(item, docking))

    # -- actions -----------------------------------------------------------------------------

    def open_dock_dialog(self) -> DockDialog:
        dialog = DockDialog(self.ctx, self.case_id, self)
        dialog.docked.connect(lambda _id: self.refresh())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dock_dialog = dialog
        dialog.open()
        return dialog

    def _ask_import(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(self, _("Import evidence files"))
        if names:
            self.import_files([Path(n) for n in names])

    def import_files(self, paths: list[Path]) -> None:
        """Import files (or folders) into this case on the store thread."""
        case_id, sm3 = self.case_id, self.ctx.settings.sm3

        def work(store: Store) -> ImportReport:
            total = ImportReport()
            for path in paths:
                report = import_path(store, case_id, path, sm3=sm3)
                total.items += report.items
                total.duplicates += report.duplicates
                total.skipped += report.skipped
            return total

        self.status.setText(_("Importing…"))
        self.import_button.setEnabled(False)
        self.ctx.long(work, self._imported, self._failed)

    def _imported(self, report: ImportReport) -> None:
        self.import_button.setEnabled(True)
        lines = [ngettext("Imported {count} file.", "Imported {count} files.",
                          len(report.items)).format(count=len(report.items))]
        if report.duplicates:
            lines.append(ngettext(
                "{count} file was already in this case and was not stored again.",
                "{count} files were already in this case and were not stored again.",
                len(report.duplicates)).format(count=len(report.duplicates)))
        lines += [_("Skipped {name}: {reason}").format(name=s.name, reason=s.reason)
                  for s in report.skipped]
        self.status.setText("\n".join(lines))
        self.refresh(select=report.items[-1].id if report.items else None)

    def _failed(self, exc: BaseException) -> None:
        self.import_button.setEnabled(True)
        self.status.setText(str(exc))

    def _ask_export(self) -> None:
        item = self.selected_item()
        if item is None:
            return
        name, _filter = QFileDialog.getSaveFileName(self, _("Export evidence file"),
                                                    item.original_name)
        if name:
            self.export_selected(Path(name))

    def export_selected(self, out: Path) -> None:
        """Write the selected item's original bytes to `out` (checked against its SHA-256)."""
        item = self.selected_item()
        if item is None:
            return
        item_id = item.id
        self.ctx.long(lambda store: export_item(store, item_id, out), self._exported,
                      self._failed)

    def _exported(self, result: ExportResult) -> None:
        self.status.setText(_("Exported to {path} ({size}); its SHA-256 matches the record: "
                              "{digest}").format(path=result.path, size=size_text(result.size),
                                                 digest=result.sha256))

    def verify_vault(self) -> None:
        """Decrypt and re-hash every evidence file in the store; report each failure."""
        self.status.setText(_("Verifying the evidence vault…"))
        self.verify_button.setEnabled(False)
        self.ctx.long(verify_all, self._verified, self._verify_failed)

    def _verified(self, report: VerifyReport) -> None:
        self.verify_button.setEnabled(True)
        if report.ok:
            self.status.setText(ngettext(
                "The evidence vault verifies: {count} item decrypted and matches its SHA-256.",
                "The evidence vault verifies: all {count} items decrypt and match their "
                "SHA-256.", report.checked).format(count=report.checked))
            return
        self.status.setText("\n".join([_("{failed} of {count} evidence items FAILED "
                                         "verification:").format(
            failed=len(report.problems), count=report.checked),
            *(p.message for p in report.problems)]))

    def _verify_failed(self, exc: BaseException) -> None:
        self.verify_button.setEnabled(True)
        self.status.setText(str(exc))

    def view_selected(self) -> None:
        """Decrypt the selected photo into memory and show it."""
        item = self.selected_item()
        if item is None or item.kind != "photo":
            return
        item_id, name = item.id, item.original_name
        self.ctx.read(lambda store: read_item(store, item_id),
                     lambda data: self._show_photo(data, name), self._failed)

    def _show_photo(self, data: bytes, name: str) -> None:
        viewer = PhotoViewer(data, name, self)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.viewer = viewer
        viewer.open()
