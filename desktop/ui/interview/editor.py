"""The list of turns: rows in order inside a scroll area, with keyboard navigation.

`TurnList` only lays out `TurnRow`s and moves the focus; what Enter, phrases and saving do is
decided by the workspace, which listens to the rows' editors.

The turn being typed stays in view: focusing a turn, moving its cursor, and every change of
the list's geometry after it (a row just added is laid out on the event loop's next turn, an
editor grows as its text wraps, the window is resized) scroll the row, or for a row taller
than the view the cursor's line, into the viewport. Scrolling by hand (wheel, scroll bar) lets
the officer read elsewhere until they type or focus a turn again.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
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
        self.rows: list[TurnRow] = []
        self.current = -1
        self._following = False  # keep the current row in view when the geometry changes
        inner = QWidget(self)
        self._layout = QVBoxLayout(inner)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._layout.setSpacing(2)
        self._layout.addStretch(1)
        self.setWidget(inner)  # from here on its events pass through `eventFilter`
        self.verticalScrollBar().actionTriggered.connect(self._scrolled_by_hand)

    def add(self, turn: Turn) -> TurnRow:
        row = TurnRow(turn, self.widget())
        self._layout.insertWidget(self._layout.count() - 1, row)
        if self.rows:
            QWidget.setTabOrder(self.rows[-1].editor, row.editor)
        self.rows.append(row)
        row.editor.focused.connect(lambda r=row: self._focused(r))
        row.editor.cursorPositionChanged.connect(lambda r=row: self._cursor_moved(r))
        return row

    def _focused(self, row: TurnRow) -> None:
        self.current = self.rows.index(row)
        self._following = True
        self.reveal(row)

    def _cursor_moved(self, row: TurnRow) -> None:
        if self.current_row() is row:
            self._following = True
            self.reveal(row)

    def _scrolled_by_hand(self, _action: int) -> None:
        self._following = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        handled = super().eventFilter(watched, event)  # first the scroll bars' new range
        if (watched is self.widget() and event.type() == QEvent.Type.Resize
                and self._following):
            row = self.current_row()
            if row is not None:
                self.reveal(row)
        return handled

    def reveal(self, row: TurnRow) -> None:
        """Scroll `row` into the viewport; when it is taller, the line of its cursor. Cheap
        when the row is in view already (it runs on every key)."""
        inner = self.widget()
        if inner is None or not row.isVisible():
            return  # not laid out yet (shown on the event loop's next turn): on its resize
        margin = self._layout.spacing() + self._layout.contentsMargins().top()
        shown_from = self.verticalScrollBar().value()
        shown_to = shown_from + self.viewport().height()
        top, bottom = row.y() - margin, row.y() + row.height() + margin
        if bottom - top <= shown_to - shown_from:
            if top < shown_from or bottom > shown_to:
                self.ensureWidgetVisible(row, 0, margin)
            return
        editor = row.editor  # taller than the view: its cursor's line
        cursor = editor.cursorRect()
        centre = editor.viewport().mapTo(inner, cursor.center())
        self.ensureVisible(centre.x(), centre.y(), 0, cursor.height() // 2 + margin)

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
        self._following = True
        self.reveal(row)
        if not row.editor.isVisible():
            # A row added a moment ago is shown on the event loop's next turn; a window
            # activated before that gives the focus to its first visible field instead.
            QTimer.singleShot(0, self, lambda: self._focus_again(row))

    def _focus_again(self, row: TurnRow) -> None:
        if self.current_row() is row and row.editor.isVisible():
            row.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def current_row(self) -> TurnRow | None:
        if 0 <= self.current < len(self.rows):
            return self.rows[self.current]
        return None
