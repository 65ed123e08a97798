"""Matter search: by name, code or words, with the statement's own suggestions on top.

The suggestions come from the words of the statement being taken (`discretion.
suggest_for_statement`); typing searches the standard's matters (`discretion.search_matters`)
on the read lane after a short pause (Enter: at once). Choosing a row emits its matter code.
"""

from __future__ import annotations

from gettext import gettext as _

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from desktop.services import discretion
from desktop.ui.context import AppContext
from legal.discretion.evaluation import MatterHit

SEARCH_PAUSE_MS = 250
CODE_ROLE = Qt.ItemDataRole.UserRole


def hit_text(hit: MatterHit) -> str:
    return _("{name} ({code}, {field})").format(name=hit.name, code=hit.code, field=hit.field)


class MatterSearch(QWidget):
    """See the module docstring."""

    matter_chosen = Signal(str)  # matter code
    failed = Signal(str)  # a translated message

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._suggestions: list[MatterHit] = []
        self._hits: list[MatterHit] = []  # of the last search
        self._serial = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.field = QLineEdit()
        self.field.setPlaceholderText(_("Search matters by name, code or words"))
        self.field.setClearButtonEnabled(True)
        layout.addWidget(self.field)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setMaximumHeight(120)
        layout.addWidget(self.list)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(SEARCH_PAUSE_MS)
        self._pause.timeout.connect(self.search_now)
        self.field.textChanged.connect(lambda _text: self._pause.start())
        self.field.returnPressed.connect(self.search_now)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)

    def set_suggestions(self, hits: list[MatterHit]) -> None:
        self._suggestions = hits
        self._fill(self._hits)
        self.note.setText("" if hits else _("Nothing in the statement matches a matter yet: "
                                            "search by name, code or words."))

    def search_now(self) -> None:
        self._pause.stop()
        query = self.field.text().strip()
        self._serial += 1
        serial = self._serial
        if not query:
            self._hits = []
            self._fill([])
            return
        self._ctx.read(lambda store: discretion.search_matters(store, query),
                       lambda hits: self._found(serial, query, hits),
                       lambda exc: self.failed.emit(str(exc)))

    def _found(self, serial: int, query: str, hits: list[MatterHit]) -> None:
        if serial != self._serial:
            return
        self._hits = hits
        self._fill(hits)
        self.note.setText(_("No matter matches 「{query}」.").format(query=query)
                          if not hits else "")

    def _fill(self, hits: list[MatterHit]) -> None:
        """Suggestions first (marked as from the statement), then the search's hits."""
        self.list.clear()
        shown: set[str] = set()
        for hit in self._suggestions:
            self._add(_("From the statement: {matter}").format(matter=hit_text(hit)), hit)
            shown.add(hit.code)
        for hit in hits:
            if hit.code not in shown:
                self._add(hit_text(hit), hit)

    def _add(self, text: str, hit: MatterHit) -> None:
        item = QListWidgetItem(text)
        item.setData(CODE_ROLE, hit.code)
        item.setToolTip(_("Matched: {what}").format(what=hit.matched))
        self.list.addItem(item)

    def rows(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def choose_row(self, row: int) -> None:
        item = self.list.item(row)
        if item is not None:
            self.list.setCurrentItem(item)
            self._activated(item)

    def _activated(self, item: QListWidgetItem) -> None:
        code = item.data(CODE_ROLE)
        if code:
            self.matter_chosen.emit(str(code))
