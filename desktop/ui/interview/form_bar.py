"""The bar above an interview's turns: 第N次询问, a running clock, breaks and who attended.

`InterviewBar` shows the interview number, the time since the interview started (ticking
every second, and turning to a warning once it passes the long-interview alert of the
settings, `Settings.long_interview_hours`), who interprets and who attends as guardian, and
a warning while a minor's guardian is missing (read-back is refused without one). "Break…"
records a break (休息、用餐) with its start and end time as a note turn; "Interpreter and
guardian…" changes the form fields of the draft. Both go through `services.interview` on the
store thread.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from gettext import gettext as _

from PySide6.QtCore import QDateTime, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import rules
from desktop.domain.model import (
    BreakKind,
    Party,
    Statement,
    StatementForm,
    StatementState,
    Turn,
)
from desktop.services import interview
from desktop.ui.context import AppContext

CLOCK_TICK_MS = 1000
_CLOCK_STYLE = "font-size: 15px; font-weight: bold; padding: 2px 8px;"
_LONG_STYLE = _CLOCK_STYLE + " background: #fff3cd; color: #5c4400;"
_WARN_STYLE = "background: #fff3cd; color: #5c4400; padding: 4px;"
_ERROR_STYLE = "color: #b00020;"


def break_label(kind: BreakKind) -> str:
    return {BreakKind.REST: _("Rest"), BreakKind.MEAL: _("Meal")}[kind]


def elapsed_text(elapsed: timedelta) -> str:
    """H:MM:SS of a duration (never negative)."""
    seconds = max(0, int(elapsed.total_seconds()))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _qt_time(at: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(at.timestamp()))


def _py_time(value: QDateTime, like: datetime) -> datetime:
    """A QDateTime back as an aware time in `like`'s zone (the statement's local time)."""
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), like.tzinfo)


class BreakDialog(QDialog):
    """Kind of break and its start and end time (default: the last quarter of an hour)."""

    def __init__(self, now: datetime, started: datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Record a break"))
        self._like = now
        form = QFormLayout(self)
        self.kind = QComboBox()
        for kind in BreakKind:
            self.kind.addItem(break_label(kind), kind)
        self.start = QDateTimeEdit(_qt_time(max(started, now - timedelta(minutes=15))))
        self.end = QDateTimeEdit(_qt_time(now))
        for edit in (self.start, self.end):
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        form.addRow(_("Break:"), self.kind)
        form.addRow(_("From:"), self.start)
        form.addRow(_("Until:"), self.end)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def chosen(self) -> tuple[BreakKind, datetime, datetime]:
        return (BreakKind(self.kind.currentData()), _py_time(self.start.dateTime(), self._like),
                _py_time(self.end.dateTime(), self._like))


class FormFieldsDialog(QDialog):
    """The interview number, the interpreter and the guardian of a draft statement."""

    def __init__(self, form: StatementForm, guardian_required: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Interpreter and guardian"))
        layout = QFormLayout(self)
        self.sequence = QSpinBox()
        self.sequence.setRange(1, 99)
        self.sequence.setValue(form.sequence or 1)
        self.sequence.setEnabled(form.sequence is not None)  # an addendum is not numbered
        self.interpreter = QLineEdit(form.interpreter)
        self.language = QLineEdit(form.interpreter_language)
        self.language.setPlaceholderText(_("For example: English, sign language"))
        self.guardian = QLineEdit(form.guardian)
        self.relation = QLineEdit(form.guardian_relation)
        self.relation.setPlaceholderText(_("For example: father, mother"))
        layout.addRow(_("Interview number:"), self.sequence)
        layout.addRow(_("Interpreter:"), self.interpreter)
        layout.addRow(_("Language:"), self.language)
        guardian_label = _("Guardian or legal representative:")
        layout.addRow(guardian_label + (" *" if guardian_required else ""), self.guardian)
        layout.addRow(_("Relation to the interviewee:"), self.relation)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)
        self._numbered = form.sequence is not None

    def form(self) -> StatementForm:
        return StatementForm(
            sequence=self.sequence.value() if self._numbered else None,
            interpreter=self.interpreter.text().strip(),
            interpreter_language=self.language.text().strip(),
            guardian=self.guardian.text().strip(), guardian_relation=self.relation.text().strip())


class InterviewBar(QWidget):
    """See the module docstring. `turn_added(Turn)`: a break note was recorded."""

    turn_added = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._statement: Statement | None = None
        self._party: Party | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.number = QLabel("")
        self.clock = QLabel("")
        self.clock.setStyleSheet(_CLOCK_STYLE)
        self.attendees = QLabel("")
        self.attendees.setWordWrap(True)
        self.break_button = QPushButton(_("Break…"))
        self.break_button.setToolTip(_("Record a rest or meal break with its start and end "
                                       "time"))
        self.form_button = QPushButton(_("Interpreter and guardian…"))
        row.addWidget(self.number)
        row.addWidget(self.clock)
        row.addWidget(self.attendees, 1)
        row.addWidget(self.break_button)
        row.addWidget(self.form_button)
        outer.addLayout(row)
        self.warning = QLabel("")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(_WARN_STYLE)
        self.warning.hide()
        outer.addWidget(self.warning)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(_ERROR_STYLE)
        self.error.hide()
        outer.addWidget(self.error)
        self.timer = QTimer(self)
        self.timer.setInterval(CLOCK_TICK_MS)
        self.timer.timeout.connect(self.tick)
        self.break_button.clicked.connect(self.record_break)
        self.form_button.clicked.connect(self.edit_form)
        self.break_dialog: BreakDialog | None = None
        self.form_dialog: FormFieldsDialog | None = None

    # --- showing --------------------------------------------------------------------------
    def show_statement(self, statement: Statement, party: Party) -> None:
        self._statement, self._party = statement, party
        sequence = statement.form.sequence
        self.number.setText(_("Interview no. {n}").format(n=sequence) if sequence else "")
        form = statement.form
        parts = []
        if form.interpreter:
            parts.append(_("Interpreter: {name}").format(name=form.interpreter))
        if form.guardian:
            parts.append(_("Guardian: {name}").format(name=form.guardian))
        self.attendees.setText("　".join(parts))
        editable = statement.state is StatementState.DRAFT
        self.break_button.setEnabled(editable)
        self.form_button.setEnabled(editable)
        if self.guardian_missing():
            self.warning.setText(_("The interviewee is under 18: name the guardian or legal "
                                   "representative who attends; read-back waits until then."))
        self.warning.setVisible(self.guardian_missing())
        self.tick()
        if editable:
            self.timer.start()
        else:
            self.timer.stop()

    def guardian_required(self) -> bool:
        if self._statement is None or self._party is None:
            return False
        return rules.minor_at(self._party.birth_date, self._statement.started_at)

    def guardian_missing(self) -> bool:
        return (self.guardian_required() and self._statement is not None
                and not self._statement.form.guardian.strip())

    def tick(self) -> None:
        """Show how long the interview has run; past the alert, as a warning."""
        statement = self._statement
        if statement is None:
            return
        until = statement.ended_at or self._ctx.clock()
        elapsed = until - statement.started_at
        hours = float(self._ctx.settings.long_interview_hours)
        long = statement.ended_at is None and hours > 0 and elapsed >= timedelta(hours=hours)
        self.clock.setText(_("Duration {elapsed}").format(elapsed=elapsed_text(elapsed)))
        self.clock.setToolTip(_("Started {started}; the long-interview alert comes after "
                                "{hours} hours (settings).").format(
            started=statement.started_at.strftime("%H:%M"), hours=f"{hours:g}"))
        style = _LONG_STYLE if long else _CLOCK_STYLE
        if self.clock.styleSheet() != style:
            self.clock.setStyleSheet(style)

    def update_statement(self, statement: Statement) -> None:
        """The same statement in a new state (read-back started: the clock stops)."""
        if self._party is not None:
            self.show_statement(statement, self._party)

    def _show_error(self, exc: BaseException) -> None:
        self.error.setText(str(exc))
        self.error.show()

    def _clear_error(self) -> None:
        self.error.clear()
        self.error.hide()

    # --- actions --------------------------------------------------------------------------
    def record_break(self) -> None:
        statement = self._statement
        if statement is None:
            return
        self.break_dialog = BreakDialog(self._ctx.clock(), statement.started_at, self)
        self.break_dialog.accepted.connect(self._break_chosen)
        self.break_dialog.open()

    def _break_chosen(self) -> None:
        if self._statement is None or self.break_dialog is None:
            return
        kind, start, end = self.break_dialog.chosen()
        statement_id = self._statement.id
        self._clear_error()
        self._ctx.run(lambda store: interview.add_break(store, statement_id, kind, start, end),
                      self._break_added, self._show_error)

    def _break_added(self, turn: Turn) -> None:
        self.turn_added.emit(turn)

    def edit_form(self) -> None:
        if self._statement is None:
            return
        self.form_dialog = FormFieldsDialog(self._statement.form, self.guardian_required(), self)
        self.form_dialog.accepted.connect(self._form_chosen)
        self.form_dialog.open()

    def _form_chosen(self) -> None:
        if self._statement is None or self.form_dialog is None:
            return
        form, statement_id = self.form_dialog.form(), self._statement.id
        self._clear_error()
        self._ctx.run(lambda store: interview.set_form(store, statement_id, form),
                      self._form_saved, self._show_error)

    def _form_saved(self, statement: Statement) -> None:
        self.update_statement(statement)
