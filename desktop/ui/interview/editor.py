"""The list of turns: rows in order inside a scroll area, with keyboard navigation.

`TurnList` only lays out `TurnRow`s and moves the focus; what Enter, phrases and saving do is
decided by the workspace, which listens to the rows' editors.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from desktop.domain.model import Turn
from desktop.ui.interview.turns import TurnRow


class TurnList(QScrollArea):
    """Turns top to bottom; `current` is the row whose editor last had the focus."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        inner = QWidget(self)
        self._layout = QVBoxLayout(inner)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._layout.setSpacing(2)
        self._layout.addStretch(1)
        self.setWidget(inner)
        self.rows: list[TurnRow] = []
        self.current = -1

    def add(self, turn: Turn) -> TurnRow:
        row = TurnRow(turn, self.widget())
        self._layout.insertWidget(self._layout.count() - 1, row)
        if self.rows:
            QWidget.setTabOrder(self.rows[-1].editor, row.editor)
        self.rows.append(row)
        row.editor.focused.connect(lambda r=row: self._focused(r))
        return row

    def _focused(self, row: TurnRow) -> None:
        self.current = self.rows.index(row)
        self.ensureWidgetVisible(row)

    def row_of(self, turn_id: str) -> TurnRow:
        return next(r for r in self.rows if r.turn_id == turn_id)

    def index_of(self, row: TurnRow) -> int:
        return self.rows.index(row)

    def focus(self, index: int) -> None:
        if not self.rows:
            return
        index = max(0, min(index, len(self.rows) - 1))
        self.current = index
        row = self.rows[index]
        row.editor.setFocus(Qt.FocusReason.OtherFocusReason)
        cursor = row.editor.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        row.editor.setTextCursor(cursor)
        self.ensureWidgetVisible(row)

    def current_row(self) -> TurnRow | None:
        if 0 <= self.current < len(self.rows):
            return self.rows[self.current]
        return None
