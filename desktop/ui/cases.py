"""The case list with search, a new-case form, and the view of one case.

`CaseListPanel` lists every case (number, cause, how many statements and evidence files) and
filters it as the officer types. Case numbers and causes match directly; the words of any
statement match through the store's exact-substring Chinese index. `NewCaseDialog` records a
case. `CaseView` shows one case with its statements (state, party, turns): 新建笔录 starts one
(Ctrl+Shift+N), and Enter or a double click on a statement opens it; 已签名文书 (“Signed
document…”) shows a signed one to print or export it. The case's evidence panel goes below
them. 当事人… (“Party of the case…”) names the case's party: the person interviewed or a unit
(desktop.ui.case_party_form).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from gettext import gettext as _
from gettext import ngettext

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.ids import new_id
from desktop.domain.model import Case
from desktop.services import case_party, records
from desktop.services.case_party import KeptCaseParty
from desktop.services.printouts import PRINTABLE_STATES
from desktop.services.records import CaseSummary
from desktop.services.search import search_statements
from desktop.store.search import SearchHit
from desktop.ui.case_party_form import CasePartyDialog, party_summary
from desktop.ui.context import AppContext
from desktop.ui.labels import kind_label, state_label
from desktop.ui.shortcuts import NEW_STATEMENT, with_key


class CaseListPanel(QWidget):
    """Cases, newest first; typing filters them (statement text included)."""

    case_selected = Signal(str)
    new_case_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.summaries: list[CaseSummary] = []
        self._shown_once = False
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Search cases and statements…"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.list = QListWidget()
        self.list.setWordWrap(True)  # long causes wrap instead of scrolling sideways
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentItemChanged.connect(self._current_changed)
        self.new_button = QPushButton(_("New case"))
        self.new_button.clicked.connect(self.new_case_requested)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.new_button)

    def refresh(self, select: str | None = None,
                on_done: Callable[[], None] | None = None) -> None:
        keep = select or self.current_case_id()

        def loaded(summaries: list[CaseSummary]) -> None:
            self._loaded(summaries, keep)
            if on_done is not None:
                on_done()

        self.ctx.read(records.case_summaries, loaded)

    def current_case_id(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def _loaded(self, summaries: list[CaseSummary], select: str | None) -> None:
        self.summaries = summaries
        if self.search.text().strip():
            self._filter(self.search.text())  # keep what the officer is searching for
        else:
            self._show(summaries, {}, select)

    def _show(self, summaries: list[CaseSummary], snippets: dict[str, str],
              select: str | None) -> None:
        before = self.current_case_id()
        self.list.blockSignals(True)
        self.list.clear()
        for summary in summaries:
            case = summary.case
            statements = ngettext("{count} statement", "{count} statements",
                                  len(summary.statements)).format(count=len(summary.statements))
            evidence = ngettext("{count} evidence file", "{count} evidence files",
                                summary.evidence).format(count=summary.evidence)
            text = f"{case.number}\n{case.cause} · {statements} · {evidence}"
            if case.id in snippets:
                text += "\n" + snippets[case.id]
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, case.id)
            self.list.addItem(item)
            if case.id == select:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self.hint.setText(_("No case yet: create one with “New case”.") if not summaries
                          and not self.search.text() else "")
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        current = self.current_case_id()
        if current is not None and (current != before or not self._shown_once):
            self._shown_once = True
            self.case_selected.emit(current)  # not on a mere refresh of the same case

    def _filter(self, text: str) -> None:
        query = text.strip()
        if not query:
            self._show(self.summaries, {}, self.current_case_id())
            return
        direct = [s for s in self.summaries
                  if query in s.case.number or query in s.case.cause or query in s.case.matter
                  or any(query in st.party_name for st in s.statements)]
        by_statement = {st.id: s for s in self.summaries for st in s.statements}

        def found(hits: list[SearchHit]) -> None:
            if self.search.text().strip() != query:
                return  # the officer typed on; a newer search is coming
            snippets: dict[str, str] = {}
            matched = list(direct)
            for hit in hits:
                summary = by_statement.get(hit.statement_id)
                if summary is None:
                    continue
                snippets.setdefault(summary.case.id, "…" + hit.snippet)
                if summary not in matched:
                    matched.append(summary)
            self._show(matched, snippets, self.current_case_id())

        self.ctx.run(lambda store: list(search_statements(store, query)), found,
                     lambda _exc: self._show(direct, {}, self.current_case_id()))

    def _current_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        if current is not None:
            self.case_selected.emit(str(current.data(Qt.ItemDataRole.UserRole)))


class NewCaseDialog(QDialog):
    """Record a new case: number, cause, enforcement matter, place."""

    created = Signal(object)  # Case

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("New case"))
        self.setMinimumWidth(480)
        self.number = QLineEdit()
        self.number.setPlaceholderText(_("e.g. 示综执立〔2026〕0001号"))
        self.cause = QLineEdit()
        self.matter = QLineEdit()
        self.place = QLineEdit()
        form = QFormLayout()
        form.addRow(_("Case number"), self.number)
        form.addRow(_("Cause"), self.cause)
        form.addRow(_("Enforcement matter"), self.matter)
        form.addRow(_("Place"), self.place)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def submit(self) -> None:
        values = [w.text().strip() for w in (self.number, self.cause, self.matter, self.place)]
        if not all(values):
            self.error.setText(_("Fill in every field."))
            self.error.show()
            return
        case = Case(id=new_id(), number=values[0], cause=values[1], matter=values[2],
                    place=values[3])
        self.ctx.run(lambda store: records.create_case(store, case), self._created,
                     self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.error.setText(str(exc))
        self.error.show()

    def _created(self, case: Case) -> None:
        self.created.emit(case)
        self.accept()


class CaseView(QWidget):
    """One case: its details, its statements and (below) its evidence."""

    open_statement = Signal(str, str)  # case id, statement id
    new_statement = Signal(str)  # case id

    def __init__(self, ctx: AppContext, summary: CaseSummary, evidence: QWidget | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.summary = summary
        case = summary.case
        title = QLabel(f"<b>{html.escape(case.number)}</b>")  # typed by an officer
        title.setTextFormat(Qt.TextFormat.RichText)
        details = QLabel(_("Cause: {cause}    Matter: {matter}    Place: {place}").format(
            cause=case.cause, matter=case.matter, place=case.place))
        details.setWordWrap(True)
        # Who the party is (the person interviewed, or a unit: decision 54), and its form.
        self.party_label = QLabel(_("Party: reading…"))
        self.party_label.setWordWrap(True)
        self.party_button = QPushButton(_("Party of the case…"))
        self.party_button.clicked.connect(self.edit_party)
        self.party_dialog: QDialog | None = None
        ctx.read(lambda store: case_party.show(store, case.id), self._show_party)
        self.table = QTableWidget(0, 5)
        # the person each statement heard (the case's party may be a unit, named above)
        self.table.setHorizontalHeaderLabels([_("Interviewee"), _("Kind"), _("State"),
                                              _("Started"), _("Turns")])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(
            0, self.table.horizontalHeader().ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        for row, statement in enumerate(summary.statements):
            self.table.insertRow(row)
            values = [statement.party_name, kind_label(statement.kind),
                      state_label(statement.state),
                      statement.started_at.strftime("%Y-%m-%d %H:%M"), str(statement.turns)]
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, statement.id)
                self.table.setItem(row, column, item)
        for column in range(1, 5):
            self.table.resizeColumnToContents(column)
        # Activated: a double click, or Enter on the selected statement.
        self.table.cellActivated.connect(self._open_row)
        if self.table.rowCount():
            self.table.selectRow(0)
        self.new_button = QPushButton(_("New statement"))
        self.new_button.setToolTip(with_key(_("Start a statement in this case"), NEW_STATEMENT))
        self.new_button.clicked.connect(lambda: self.new_statement.emit(case.id))
        self.open_button = QPushButton(_("Open statement"))
        self.open_button.setToolTip(with_key(_("Open the selected statement"), "Return"))
        self.open_button.clicked.connect(lambda: self._open_row(self.table.currentRow(), 0))
        # The signed document of a signed statement: to print it (or the interviewee's copy)
        # and to export it or its court package (desktop.ui.readback.preview).
        self.signed_button = QPushButton(_("Signed document…"))
        self.signed_button.clicked.connect(self.show_signed)
        self.signed_dialog: QDialog | None = None
        self.table.currentCellChanged.connect(lambda *_cells: self._selection_changed())
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.signed_button)
        buttons.addStretch(1)
        buttons.addWidget(self.party_button)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(title)
        top_layout.addWidget(details)
        top_layout.addWidget(self.party_label)
        top_layout.addWidget(QLabel(_("Statements")))
        top_layout.addWidget(self.table, 1)
        top_layout.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        if evidence is not None:
            splitter.addWidget(evidence)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._selection_changed()

    def _show_party(self, held: KeptCaseParty | None) -> None:
        if not shiboken6.isValid(self.party_label):
            return  # the case was closed while its read was on the read lane
        self.party_label.setText(party_summary(held))

    def edit_party(self) -> None:
        """The case's party form (当事人): the person interviewed, or a unit."""
        dialog = CasePartyDialog(self.ctx, self.summary.case.id, self)
        dialog.saved.connect(self._show_party)
        self.party_dialog = dialog
        dialog.open()

    def _selected_signed(self) -> str | None:
        """The selected statement's id, if it is signed."""
        row = self.table.currentRow()
        if not 0 <= row < len(self.summary.statements):
            return None
        statement = self.summary.statements[row]
        return statement.id if statement.state in PRINTABLE_STATES else None

    def _selection_changed(self) -> None:
        self.signed_button.setEnabled(self._selected_signed() is not None)

    def show_signed(self) -> None:
        """Show the selected signed statement: print, export."""
        statement_id = self._selected_signed()
        if statement_id is None:
            return
        from desktop.ui.readback.preview import open_signed_preview

        def opened(dialog: QDialog) -> None:
            self.signed_dialog = dialog

        open_signed_preview(self.ctx, statement_id, self, opened)

    def _open_row(self, row: int, _column: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.open_statement.emit(self.summary.case.id,
                                     str(item.data(Qt.ItemDataRole.UserRole)))
