"""The interview workspace: header stage, then the question-and-answer editor of a statement.

Without a statement id it starts with `HeaderForm`; with one (or once started) it loads the
statement on the store thread and shows its turns. Every change is autosaved (`Autosaver`);
Enter moves on (creating the next answer after a question, the next question after an
answer), a common question (Ctrl+1..9 or the list, where HQ's follow the unit's) goes into the
current question or, from an answer, starts a new question, the opening checklist shows what
read-back will require, a banner warns when the interview runs long, and "Proceed to
read-back" asks the service to start read-back. The Discretion button (Ctrl+Shift+D) shows
or hides the discretion panel (`desktop.ui.discretion`) as a third pane beside the turns.
When the interviewee asks for a correction during read-back, the statement is back in draft
and `reopen_for_correction` makes the open workspace editable again. Above the checklist, the
recording panel (`desktop.ui.recording`, issue 18) previews and controls the statement's
audio and video recording; while it records, the turn being typed is its subtitle.
"""

from __future__ import annotations

from datetime import timedelta
from gettext import gettext as _
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.model import (
    Officer,
    Party,
    Statement,
    StatementState,
    Turn,
    TurnKind,
    TurnRevision,
)
from desktop.services import hq_phrases, interview
from desktop.ui.context import AppContext
from desktop.ui.interview.autosave import Autosaver, SaveState, status_text
from desktop.ui.interview.editor import TurnList
from desktop.ui.interview.form_bar import InterviewBar
from desktop.ui.interview.header import HeaderForm
from desktop.ui.interview.history import HistoryDialog
from desktop.ui.interview.phrases import Phrase, load_phrases, phrase_for_key
from desktop.ui.interview.turns import TurnRow
from desktop.ui.labels import REQUIRED_OPENING, clock_time, kind_label, opening_label
from desktop.ui.shortcuts import DISCRETION, READ_BACK, READ_CARD, with_key

if TYPE_CHECKING:  # built when first shown
    from desktop.ui.discretion import DiscretionPanel
    from desktop.ui.recording import RecordingPanel

DURATION_CHECK_MS = 60_000
_WARN_STYLE = "background: #fff3cd; color: #5c4400; padding: 4px;"
_ERROR_STYLE = "color: #b00020;"


class InterviewWorkspace(QWidget):
    """One statement being taken; see the module docstring."""

    read_back_requested = Signal(str)
    title_changed = Signal(str)
    statement_started = Signal(str)  # a statement was created from the header form

    def __init__(self, ctx: AppContext, case_id: str, statement_id: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._case_id = case_id
        self._statement: Statement | None = None
        self._rows: dict[str, TurnRow] = {}
        self._adding = False
        self.autosaver = Autosaver(ctx, lambda turn_id: self._rows[turn_id].text(), self)
        self.autosaver.state_changed.connect(self._turn_state_changed)
        self._stack = QStackedLayout(self)
        self.header: HeaderForm | None = None
        self._build_interview_page()
        self.duration_timer = QTimer(self)
        self.duration_timer.setInterval(DURATION_CHECK_MS)
        self.duration_timer.timeout.connect(self.check_duration)
        if statement_id is None:
            self.header = HeaderForm(ctx, case_id, self)
            self.header.started.connect(self._started)
            self.header.read_card_button.setToolTip(
                with_key(_("Read the ID card on the reader"), READ_CARD))
            self._stack.insertWidget(0, self.header)
            self._stack.setCurrentWidget(self.header)
        else:
            self._stack.setCurrentWidget(self.page)
            ctx.run(lambda store: interview.describe(store, statement_id),
                    lambda header: self._show(header.statement, header.party),
                    self._show_error)

    # --- public API -----------------------------------------------------------------------
    @property
    def statement_id(self) -> str | None:
        return self._statement.id if self._statement else None

    def flush(self) -> None:
        """Return when every change shown is durable (or has failed with a message shown)."""
        for _round in range(1000):
            self.autosaver.kick()
            self._ctx.bg.drain()
            if self.autosaver.overall().state is not SaveState.SAVING and (
                    not self.autosaver.busy() or self.autosaver.overall().error):
                return

    # --- layout ---------------------------------------------------------------------------
    def _build_interview_page(self) -> None:
        self.page = QWidget(self)
        layout = QVBoxLayout(self.page)
        self.info = QLabel("")
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        self.bar = InterviewBar(self._ctx, self.page)  # number, clock, breaks, attendees
        self.bar.turn_added.connect(self._turn_added)
        layout.addWidget(self.bar)
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(_WARN_STYLE)
        self.banner.hide()
        layout.addWidget(self.banner)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(_ERROR_STYLE)
        self.message.hide()
        layout.addWidget(self.message)

        splitter = QSplitter(Qt.Orientation.Horizontal, self.page)
        self.turns = TurnList(splitter)
        side = QWidget(splitter)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        self._side_layout = side_layout  # the recording panel goes on top once there is a statement
        self.recording: RecordingPanel | None = None
        checklist = QGroupBox(_("Required before read-back"), side)
        check_layout = QVBoxLayout(checklist)
        self.checklist = {item: QLabel("") for item in REQUIRED_OPENING}
        for label in self.checklist.values():
            label.setWordWrap(True)
            check_layout.addWidget(label)
        side_layout.addWidget(checklist)
        phrases = QGroupBox(_("Common questions"), side)
        phrase_layout = QVBoxLayout(phrases)
        self.phrase_list = QListWidget(phrases)
        self.phrase_list.setWordWrap(True)
        for phrase in load_phrases():
            shortcut = _("Ctrl+{key}").format(key=phrase.key) + "  " if phrase.key else ""
            item = QListWidgetItem(shortcut + phrase.label)
            item.setToolTip(phrase.text)
            item.setData(Qt.ItemDataRole.UserRole, phrase)
            self.phrase_list.addItem(item)
        self.phrase_list.itemActivated.connect(
            lambda item: self.insert_phrase(item.data(Qt.ItemDataRole.UserRole)))
        self._ctx.read(hq_phrases.hq_phrases, self._add_hq_phrases, self._hq_phrases_failed)
        phrase_layout.addWidget(self.phrase_list)
        side_layout.addWidget(phrases, 1)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        self._sized = False
        layout.addWidget(splitter, 1)

        bottom = QHBoxLayout()
        self.overall = QLabel("")
        bottom.addWidget(self.overall, 1)
        # The discretion panel (issue 17) is a third pane of the splitter, built when first
        # shown: a workspace that never shows it reads nothing of the standard.
        self.discretion: DiscretionPanel | None = None
        self.discretion_button = QPushButton(_("Discretion"))
        self.discretion_button.setCheckable(True)
        self.discretion_button.setToolTip(with_key(_("Show or hide the discretion panel"),
                                                   DISCRETION))
        self.discretion_button.toggled.connect(self.show_discretion)
        bottom.addWidget(self.discretion_button)
        self.read_back_button = QPushButton(_("Proceed to read-back"))
        self.read_back_button.setToolTip(with_key(_("Proceed to read-back"), READ_BACK))
        self.read_back_button.clicked.connect(self.request_read_back)
        bottom.addWidget(self.read_back_button)
        layout.addLayout(bottom)
        self._stack.addWidget(self.page)
        history = QShortcut(QKeySequence("Ctrl+H"), self.page)
        history.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        history.activated.connect(self._history_of_current)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:  # the turns get three quarters of the width, whatever the DPI
            self._sized = True
            width = max(self.splitter.width(), self.width())
            self.splitter.setSizes([width * 3 // 4, width - width * 3 // 4])

    def toggle_discretion(self) -> None:
        self.discretion_button.toggle()

    def show_discretion(self, shown: bool) -> None:
        """Show (building it once) or hide the discretion panel beside the turns."""
        if self._statement is None:
            self.discretion_button.setChecked(False)
            return
        if shown:
            self.flush()  # the answers typed so far are what its suggestions read
        if shown and self.discretion is None:
            from desktop.ui.discretion import DiscretionPanel

            self.discretion = DiscretionPanel(self._ctx, self._case_id, self._statement.id,
                                              self.splitter)
            self.splitter.addWidget(self.discretion)
        elif shown and self.discretion is not None:
            self.discretion.refresh()
        if self.discretion is None:
            return
        self.discretion.setVisible(shown)
        width = max(self.splitter.width(), self.width())
        if shown:  # the turns keep half; the checklist and questions a sixth
            self.splitter.setSizes([width // 2, width // 6, width - width // 2 - width // 6])

    # --- loading --------------------------------------------------------------------------
    def _started(self, statement: Statement, party: Party) -> None:
        self._stack.setCurrentWidget(self.page)
        if self.header is not None:
            self.header.hide()
        self._show(statement, party)
        self.statement_started.emit(statement.id)

    def _show(self, statement: Statement, party: Party) -> None:
        self._statement = statement
        started = statement.started_at.strftime("%Y-%m-%d %H:%M")
        self.info.setText(_("{name} · {kind} · {place} · started {started}").format(
            name=party.name, kind=kind_label(statement.kind), place=statement.place,
            started=started))
        self.bar.show_statement(statement, party)
        self._show_recording(statement)
        for turn in statement.turns:
            self._add_row(turn)
        self._refresh_checklist()
        self._refresh_overall()
        self.title_changed.emit(_("{name} – {kind}").format(name=party.name,
                                                            kind=kind_label(statement.kind)))
        self._apply_state()

    def _apply_state(self) -> None:
        """Editable in draft only; in draft the first empty turn (or the last) has the focus."""
        assert self._statement is not None
        editable = self._statement.state is StatementState.DRAFT
        if self.recording is not None:
            self.recording.set_statement_state(self._statement.state)
        for row in self._rows.values():
            row.set_read_only(not editable)
        self._show_message("" if editable else _(
            "This statement is no longer a draft; it cannot be edited."))
        if editable:
            self.duration_timer.start()
            self.check_duration()
            first_empty = next((i for i, r in enumerate(self.turns.rows) if not r.text()),
                               len(self.turns.rows) - 1)
            self.turns.focus(first_empty)

    def read_card(self) -> None:
        """Read the ID card into the header form, while the statement is not started yet."""
        if self.header is not None and self._stack.currentWidget() is self.header:
            self.header.read_card_button.click()  # nothing while the button is disabled

    def reopen_for_correction(self) -> None:
        """The statement went back to draft (the interviewee asked for a correction during
        read-back): read its state again and let the officer edit it at once."""
        statement_id = self.statement_id
        if statement_id is None:
            return
        self._ctx.run(lambda store: interview.get(store, statement_id), self._reloaded,
                      self._show_error)

    def _reloaded(self, statement: Statement) -> None:
        self._statement = statement
        self.read_back_button.setEnabled(True)
        self._apply_state()

    def _add_row(self, turn: Turn) -> TurnRow:
        row = self.turns.add(turn)
        self._rows[turn.id] = row
        self.autosaver.track(turn.id, turn.text)
        editor = row.editor
        editor.textChanged.connect(lambda turn_id=turn.id: self.autosaver.changed(
            turn_id, editor.emptied_at_once))
        editor.commit.connect(lambda r=row: self._commit(r))
        editor.navigate.connect(lambda step, r=row: self._navigate(r, step))
        editor.phrase.connect(self._phrase_key)
        editor.textChanged.connect(lambda r=row: self._subtitle(r))
        editor.focused.connect(lambda r=row: self._subtitle(r))
        row.history_requested.connect(self.show_history)
        return row

    # --- recording (issue 18) -------------------------------------------------------------
    def _show_recording(self, statement: Statement) -> None:
        """The recording panel above the checklist: preview, indicator, start/pause/stop."""
        if self.recording is None:
            from desktop.ui.recording import RecordingPanel

            self.recording = RecordingPanel(self._ctx, statement.id, self)
            self._side_layout.insertWidget(0, self.recording)
        self.recording.set_statement_state(statement.state)

    def _subtitle(self, row: TurnRow) -> None:
        """The turn being typed is the recording's subtitle (问：… / 答：…); nothing to do
        when nothing is recorded, which is checked first: this runs on every key."""
        panel = self.recording
        if panel is None or panel.controller.live is None:
            return
        if row is not self.turns.current_row() and not row.editor.hasFocus():
            return  # a turn changed by other means (a phrase inserted elsewhere)
        panel.controller.set_turn_subtitle(row.turn.kind, row.text())

    def _add_hq_phrases(self, sent: tuple[hq_phrases.HqPhrase, ...]) -> None:
        """HQ's common questions after the unit's, marked as HQ's, without a shortcut."""
        for phrase in sent:
            item = QListWidgetItem(_("{label} (HQ)").format(label=phrase.label))
            item.setToolTip(phrase.text)
            item.setData(Qt.ItemDataRole.UserRole, Phrase("", phrase.label, phrase.text))
            self.phrase_list.addItem(item)

    def _hq_phrases_failed(self, exc: BaseException) -> None:
        """Said where HQ's phrases would be (the banner above belongs to the statement)."""
        item = QListWidgetItem(str(exc))
        item.setFlags(Qt.ItemFlag.NoItemFlags)  # a notice: never inserted as a phrase
        self.phrase_list.addItem(item)

    def _show_error(self, exc: BaseException) -> None:
        self._show_message(str(exc))

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # --- typing ---------------------------------------------------------------------------
    def _navigate(self, row: TurnRow, step: int) -> None:
        """Arrow out of a turn: what was typed is submitted, then the neighbour is focused."""
        self.autosaver.kick()
        self.turns.focus(self.turns.index_of(row) + step)

    def _commit(self, row: TurnRow) -> None:
        """Enter: go to the next turn, creating it when this is the last one. Enter in a turn
        emptied at once keeps it empty: the officer has seen it and moves on."""
        self.autosaver.confirm(row.turn_id)
        self.autosaver.kick()  # a finished turn is saved at once, not when typing pauses
        index = self.turns.index_of(row)
        if index < len(self.turns.rows) - 1:
            self.turns.focus(index + 1)
            return
        if not row.text().strip():
            return
        self._add_turn(TurnKind.ANSWER if row.turn.kind is TurnKind.QUESTION
                       else TurnKind.QUESTION, "")

    def _add_turn(self, kind: TurnKind, text: str) -> None:
        """Append a turn on the store thread; it gets the focus when it is there."""
        if self._adding or self._statement is None:
            return
        statement_id = self._statement.id
        self._adding = True
        self._ctx.run(lambda store: interview.add_turn(store, statement_id, kind, text),
                      self._turn_added, self._add_failed)

    def _turn_added(self, turn: Turn) -> None:
        self._adding = False
        self._add_row(turn)
        self.turns.focus(len(self.turns.rows) - 1)
        self._refresh_overall()

    def _add_failed(self, exc: BaseException) -> None:
        self._adding = False
        self._show_error(exc)

    def _phrase_key(self, key: str) -> None:
        phrase = phrase_for_key(key)
        if phrase is not None:
            self.insert_phrase(phrase)

    def insert_phrase(self, phrase: Phrase) -> None:
        """A common question: typed at the cursor of the current question. From an answer
        (or any turn that is not a question) it starts a new question at the end, or fills
        the empty question waiting there: a question never lands inside an answer."""
        row = self.turns.current_row()
        if row is None or row.editor.isReadOnly():
            return
        if row.turn.kind is not TurnKind.QUESTION:
            self.autosaver.kick()  # the answer left behind is saved at once, as with Enter
            last = self.turns.rows[-1]
            if last.turn.kind is not TurnKind.QUESTION or last.text():
                self._add_turn(TurnKind.QUESTION, phrase.text)
                return
            row = last
            self.turns.focus(len(self.turns.rows) - 1)
        row.editor.insertPlainText(phrase.text)
        row.editor.setFocus()

    # --- saved state and checklist --------------------------------------------------------
    def _turn_state_changed(self, turn_id: str) -> None:
        row = self._rows.get(turn_id)
        if row is None:
            return
        row.show_status(self.autosaver.status(turn_id))
        self._show_held()
        if row.turn.tag in REQUIRED_OPENING:
            self._refresh_checklist()
        self._refresh_overall()

    def _show_held(self) -> None:
        """Say, above the turns, what to do with a turn emptied at once; gone once resolved."""
        held = self.autosaver.held()
        if not held and not self.message.text():
            return  # the common case, on every key: nothing to say, nothing to translate
        text = _("A turn was emptied at once (by undo, cut or deletion); its saved text is "
                 "kept until you press Enter in it. Ctrl+Z or Ctrl+Y brings the text back.")
        if held and self.message.text() != text:
            self._show_message(text)
        elif not held and self.message.text() == text:
            self._show_message("")

    def _refresh_overall(self) -> None:
        status = self.autosaver.overall()
        text = status_text(status)
        if status.error:
            text = _("Not saved: {reason}").format(reason=status.error)
        style = _ERROR_STYLE if status.state is SaveState.UNSAVED else ""
        if self.overall.text() != text:
            self.overall.setText(text)
        if self.overall.styleSheet() != style:  # re-polishing on every key is costly
            self.overall.setStyleSheet(style)

    def opening_missing(self) -> list[str]:
        """Labels of the required opening items whose answer is still empty."""
        missing = []
        for item in REQUIRED_OPENING:
            answers = [r for r in self.turns.rows
                       if r.turn.tag is item and r.turn.kind is TurnKind.ANSWER]
            if not any(r.text().strip() for r in answers):
                missing.append(opening_label(item))
        return missing

    def _refresh_checklist(self) -> None:
        missing = self.opening_missing()
        for item, label in self.checklist.items():
            name = opening_label(item)
            if name in missing:
                label.setText("✗ " + _("{item}: answer missing").format(item=name))
            else:
                label.setText("✓ " + _("{item}: answered").format(item=name))

    # --- history, duration, read-back -----------------------------------------------------
    def _history_of_current(self) -> None:
        row = self.turns.current_row()
        if row is not None:
            self.show_history(row.turn_id)

    def show_history(self, turn_id: str) -> None:
        self.flush()
        self._ctx.run(
            lambda store: (interview.history(store, turn_id),
                           {o.id: o for o in interview.list_officers(store)}),
            lambda result: self._open_history(*result), self._show_error)

    def _open_history(self, revisions: list[TurnRevision], officers: dict[str, Officer]
                      ) -> None:
        self.history_dialog = HistoryDialog(revisions, officers, self)
        self.history_dialog.setModal(True)
        self.history_dialog.show()

    def check_duration(self) -> None:
        """Show the long-interview banner once the interview has run past the setting."""
        if self._statement is None or self._statement.state is not StatementState.DRAFT:
            return
        hours = float(self._ctx.settings.long_interview_hours)
        elapsed = self._ctx.clock() - self._statement.started_at
        if hours > 0 and elapsed >= timedelta(hours=hours):
            self.banner.setText(_(
                "This interview started at {started} and has lasted more than {hours} hours. "
                "Consider a break, and record rest and meal times in the statement.").format(
                started=clock_time(self._statement.started_at), hours=f"{hours:g}"))
            self.banner.show()

    def request_read_back(self) -> None:
        if self._statement is None:
            return
        statement_id = self._statement.id
        if self._statement.state is StatementState.READ_BACK:
            self.read_back_requested.emit(statement_id)
            return
        self._show_message("")
        self.flush()
        if self.autosaver.held():
            self._show_held()  # says what to do with the emptied turn
            return
        if self.autosaver.busy():
            self._show_message(_("Some text is not saved yet; read-back waits until it is."))
            return
        self.read_back_button.setEnabled(False)
        for row in self._rows.values():  # nothing typed now could be saved after the change
            row.set_read_only(True)
        self._ctx.run(lambda store: interview.start_read_back(store, statement_id),
                      self._read_back_started, self._read_back_refused)

    def _read_back_started(self, statement: Statement) -> None:
        self._statement = statement
        self.read_back_button.setEnabled(True)
        self.duration_timer.stop()
        self.bar.update_statement(statement)
        if self.recording is not None:
            self.recording.set_statement_state(statement.state)
        self.banner.hide()
        for row in self._rows.values():
            row.set_read_only(True)
        self.read_back_requested.emit(statement.id)

    def _read_back_refused(self, exc: BaseException) -> None:
        self.read_back_button.setEnabled(True)
        for row in self._rows.values():
            row.set_read_only(False)
        self._show_error(exc)
