"""One turn of the statement on screen: a compact, auto-growing editor labelled 问 or 答.

`TurnEditor` is made for typing at speed: Enter commits the turn, Shift+Enter breaks the
line, Ctrl+Up/Down move between turns and Ctrl+1..9 ask for a phrase; the keys are reported
as signals and the list around the editors decides what they do. `TurnRow` adds the label,
the time of the turn, its saved state and a history button.
"""

from __future__ import annotations

import math
from gettext import gettext as _

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from desktop.domain.model import Turn, TurnKind
from desktop.ui.interview.autosave import (
    SaveState,
    TurnStatus,
    status_text,
    widest_status_texts,
)
from desktop.ui.labels import clock_time, opening_label, turn_label

_PHRASE_KEYS = {getattr(Qt.Key, f"Key_{n}"): str(n) for n in range(1, 10)}


class TurnEditor(QPlainTextEdit):
    """A plain-text editor as tall as its text; see the module docstring for its keys."""

    commit = Signal()
    navigate = Signal(int)
    phrase = Signal(str)
    focused = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._height = 0
        self.emptied_at_once = False  # the last change removed the whole text in one step
        self.document().contentsChange.connect(self._changed_at)
        self.document().contentsChanged.connect(self._fit)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self._fit()

    def _changed_at(self, _position: int, removed: int, _added: int) -> None:
        # One character deleted is a deliberate key; more at once is an undo, a cut or a
        # selection deleted, which the autosave does not take as the officer's last word.
        self.emptied_at_once = removed > 1 and self.document().isEmpty()

    def _wanted_height(self) -> int:
        """The height that shows every line of the text, measured on the laid-out document:
        a line of hanzi in a fallback font is taller than the widget font's line spacing, and
        text that arrives in one block (a paste, an input-method commit, a phrase) may not be
        laid out yet when it is counted in lines (`blockBoundingRect` lays a block out)."""
        doc = self.document()
        layout = doc.documentLayout()
        text_height = 0.0
        block = doc.begin()
        while block.isValid():
            text_height += layout.blockBoundingRect(block).height()
            block = block.next()
        # The last block's rectangle holds the bottom document margin; the top one is added.
        text_height = max(text_height, float(self.fontMetrics().lineSpacing()))
        margins = self.contentsMargins()
        return (math.ceil(text_height + doc.documentMargin()) + margins.top()
                + margins.bottom() + 2)

    def _fit(self) -> None:
        height = self._wanted_height()
        if height != self._height:
            self._height = height
            self.setMinimumHeight(height)
            self.setMaximumHeight(height)
        # As tall as its text, the editor never needs to scroll; a block inserted before the
        # height caught up scrolled it to the cursor, hiding the first line until clicked.
        bar = self.verticalScrollBar()
        if bar.value() and self.height() >= height:
            bar.setValue(0)

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._wanted_height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.focused.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if mods & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
            elif not ctrl:
                self.commit.emit()
            event.accept()
            return
        if ctrl and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.navigate.emit(-1 if key == Qt.Key.Key_Up else 1)
            event.accept()
            return
        if ctrl and key in _PHRASE_KEYS:
            self.phrase.emit(_PHRASE_KEYS[key])
            event.accept()
            return
        super().keyPressEvent(event)


class TurnRow(QFrame):
    """Label 问/答 with the turn's time, the editor, the saved state and a history button."""

    history_requested = Signal(str)

    def __init__(self, turn: Turn, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.turn = turn
        self.setFrameShape(QFrame.Shape.NoFrame)
        grid = QGridLayout(self)
        grid.setContentsMargins(2, 2, 2, 2)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(0)
        self.kind_label = QLabel(turn_label(turn.kind) + _(":"))
        font = self.kind_label.font()
        font.setBold(True)
        self.kind_label.setFont(font)
        self.time_label = QLabel(clock_time(turn.recorded_at))
        self.time_label.setEnabled(False)  # greyed: secondary information
        if turn.tag is not None:
            self.time_label.setToolTip(opening_label(turn.tag))
        self.editor = TurnEditor(self)
        self.editor.setPlainText(turn.text)
        self.editor.setAccessibleName(_("Question") if turn.kind is TurnKind.QUESTION
                                      else _("Answer"))
        self.state_label = QLabel(status_text(TurnStatus(SaveState.SAVED)))
        self.state_label.setEnabled(False)
        # Fixed to its widest text: the indicator changes twice per key while autosave runs
        # ("Saving…", "Saved 20:48:48"), and a label whose size may change makes its row, and
        # with it the list of every turn, lay out and rewrap again on each change.
        metrics = self.state_label.fontMetrics()
        slack = metrics.horizontalAdvance("0") + 2 * self.state_label.margin()
        self.state_label.setFixedSize(
            max(metrics.horizontalAdvance(text) for text in widest_status_texts()) + slack,
            self.state_label.sizeHint().height())
        self.history_button = QToolButton(self)
        self.history_button.setText(_("History…"))
        self.history_button.setToolTip(_("Saved versions of this turn (Ctrl+H)"))
        self.history_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.history_button.setAutoRaise(True)
        self.history_button.clicked.connect(lambda: self.history_requested.emit(self.turn.id))
        top = Qt.AlignmentFlag.AlignTop
        grid.addWidget(self.kind_label, 0, 0, top)
        grid.addWidget(self.time_label, 1, 0, top)
        grid.addWidget(self.editor, 0, 1, 2, 1)
        grid.addWidget(self.state_label, 0, 2, top | Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.history_button, 1, 2, top | Qt.AlignmentFlag.AlignRight)
        grid.setColumnStretch(1, 1)

    @property
    def turn_id(self) -> str:
        return self.turn.id

    def text(self) -> str:
        return self.editor.toPlainText()

    def show_status(self, status: TurnStatus) -> None:
        text = status_text(status)
        if self.state_label.text() != text:
            self.state_label.setText(text)
        if self.state_label.toolTip() != status.error:
            self.state_label.setToolTip(status.error)

    def set_read_only(self, read_only: bool) -> None:
        self.editor.setReadOnly(read_only)
