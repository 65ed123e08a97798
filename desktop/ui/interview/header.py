"""The header stage: who is interviewed, what kind of statement, where, by whom, and who
else attends (an interpreter, and a guardian or legal representative, required for a minor).

The identity comes from the ID card with one click (read on a device thread), from a
document's MRZ, or typed and checked (`devices.typed_party`: an ID number with a wrong check
digit is refused with its message shown inline). Either way the form holds a
`devices.PartyRead` (a domain party, never a hardware object) until Start records it, with the
phone and workplace no document holds, and opens the statement from its template in two
store-thread transactions.
"""

from __future__ import annotations

from collections.abc import Callable
from gettext import gettext as _

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import rules
from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import (
    IdKind,
    Officer,
    Party,
    Sex,
    Statement,
    StatementForm,
    StatementKind,
)
from desktop.services import devices, interview
from desktop.services.devices import PartyRead
from desktop.store.store import Store
from desktop.ui.context import AppContext
from desktop.ui.labels import (
    STARTABLE_KINDS,
    id_kind_label,
    kind_label,
    officer_label,
    sex_label,
)

CARD_WAIT_SECONDS = 10.0
MRZ_WAIT_SECONDS = 30.0


def _combo(items: list[tuple[str, object]]) -> QComboBox:
    combo = QComboBox()
    for text, data in items:
        combo.addItem(text, data)
    return combo


class HeaderForm(QWidget):
    """Emits `started(statement, party)` once the statement exists in the store."""

    started = Signal(object, object)

    def __init__(self, ctx: AppContext, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._case_id = case_id
        self._read: PartyRead | None = None  # from a device; None: typed by the officer
        outer = QVBoxLayout(self)

        who = QGroupBox(_("Interviewee"), self)
        who_layout = QVBoxLayout(who)
        buttons = QHBoxLayout()
        self.read_card_button = QPushButton(_("Read ID card"))
        self.read_mrz_button = QPushButton(_("Read document (MRZ)"))
        self.manual_button = QPushButton(_("Enter manually"))
        for button in (self.read_card_button, self.read_mrz_button, self.manual_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        who_layout.addLayout(buttons)
        self.device_status = QLabel("")
        self.device_status.setWordWrap(True)
        who_layout.addWidget(self.device_status)
        form = QFormLayout()
        self.id_kind = _combo([(id_kind_label(k), k) for k in IdKind])
        self.id_number = QLineEdit()
        self.name = QLineEdit()
        self.sex = _combo([(sex_label(s), s) for s in Sex])
        self.nation = QLineEdit()
        self.birth_date = QLineEdit()
        self.birth_date.setReadOnly(True)
        self.birth_date.setPlaceholderText(_("From the card or the ID number"))
        self.address = QLineEdit()
        self.phone = QLineEdit()
        self.workplace = QLineEdit()
        form.addRow(_("Document:"), self.id_kind)
        form.addRow(_("ID number:"), self.id_number)
        form.addRow(_("Name:"), self.name)
        form.addRow(_("Sex:"), self.sex)
        form.addRow(_("Nation:"), self.nation)
        form.addRow(_("Birth date:"), self.birth_date)
        form.addRow(_("Address:"), self.address)
        form.addRow(_("Phone:"), self.phone)
        form.addRow(_("Workplace:"), self.workplace)
        who_layout.addLayout(form)
        outer.addWidget(who)

        what = QGroupBox(_("Statement"), self)
        what_form = QFormLayout(what)
        self.kind = _combo([(kind_label(k), k) for k in STARTABLE_KINDS])
        self.place = QLineEdit()
        self.place.setPlaceholderText(_("For example: interview room 1"))
        self.interviewer1 = QComboBox()
        self.interviewer2 = QComboBox()
        self.recorder = QComboBox()
        what_form.addRow(_("Kind:"), self.kind)
        what_form.addRow(_("Place:"), self.place)
        what_form.addRow(_("First interviewer:"), self.interviewer1)
        what_form.addRow(_("Second interviewer:"), self.interviewer2)
        what_form.addRow(_("Recorder:"), self.recorder)
        # 第N次询问: counted from the person's earlier statements in the case unless entered.
        self.sequence = QSpinBox()
        self.sequence.setRange(0, 99)
        self.sequence.setSpecialValueText(_("Automatic"))
        what_form.addRow(_("Interview number:"), self.sequence)
        outer.addWidget(what)

        attending = QGroupBox(_("Also attending"), self)
        attending_form = QFormLayout(attending)
        self.interpreter = QLineEdit()
        self.interpreter_language = QLineEdit()
        self.interpreter_language.setPlaceholderText(_("For example: English, sign language"))
        self.guardian = QLineEdit()
        self.guardian_relation = QLineEdit()
        self.guardian_relation.setPlaceholderText(_("For example: father, mother"))
        self.guardian_label = QLabel(_("Guardian or legal representative:"))
        attending_form.addRow(_("Interpreter:"), self.interpreter)
        attending_form.addRow(_("Language:"), self.interpreter_language)
        attending_form.addRow(self.guardian_label, self.guardian)
        attending_form.addRow(_("Relation to the interviewee:"), self.guardian_relation)
        self.minor_hint = QLabel("")
        self.minor_hint.setWordWrap(True)
        self.minor_hint.setStyleSheet("background: #fff3cd; color: #5c4400; padding: 4px;")
        self.minor_hint.hide()
        attending_form.addRow(self.minor_hint)
        outer.addWidget(attending)

        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.error)
        start_row = QHBoxLayout()
        start_row.addStretch(1)
        self.start_button = QPushButton(_("Start"))
        self.start_button.setDefault(True)
        start_row.addWidget(self.start_button)
        outer.addLayout(start_row)
        outer.addStretch(1)

        self.read_card_button.clicked.connect(self.read_card)
        self.read_mrz_button.clicked.connect(self.read_mrz)
        self.manual_button.clicked.connect(self.enter_manually)
        self.start_button.clicked.connect(self.start)
        self._identity_fields = (self.id_number, self.name, self.nation, self.address)
        ctx.run(lambda store: (interview.choosable_officers(store), store.officer.id),
                self._officers_loaded)

    # --- officers -------------------------------------------------------------------------
    def _officers_loaded(self, result: tuple[list[Officer], str]) -> None:
        officers, me = result
        for combo in (self.interviewer1, self.interviewer2, self.recorder):
            combo.clear()
            for officer in officers:
                combo.addItem(officer_label(officer), officer.id)
        ids = [o.id for o in officers]
        others = [i for i in ids if i != me]
        if me in ids:
            self.interviewer1.setCurrentIndex(ids.index(me))
        if others:
            self.interviewer2.setCurrentIndex(ids.index(others[0]))
            self.recorder.setCurrentIndex(ids.index(others[0]))

    # --- identity -------------------------------------------------------------------------
    def _set_identity_read_only(self, read_only: bool) -> None:
        for field in self._identity_fields:
            field.setReadOnly(read_only)
        self.id_kind.setEnabled(not read_only)
        self.sex.setEnabled(not read_only)

    def _show_party(self, party: Party) -> None:
        self.id_kind.setCurrentIndex(self.id_kind.findData(party.id_kind.value))
        self.id_number.setText(party.id_number)
        self.name.setText(party.name)
        self.sex.setCurrentIndex(self.sex.findData(party.sex.value))
        self.nation.setText(party.nation)
        self.birth_date.setText(party.birth_date.isoformat() if party.birth_date else "")
        self.address.setText(party.address)
        self.show_minor(party)

    def show_minor(self, party: Party) -> None:
        """A party under 18 today needs a guardian: the field is marked required."""
        minor = rules.minor_at(party.birth_date, self._ctx.clock())
        self.guardian_label.setText(_("Guardian or legal representative:")
                                    + (" *" if minor else ""))
        self.minor_hint.setText(_("The interviewee is under 18: a guardian or legal "
                                  "representative must attend and be named before read-back.")
                                if minor else "")
        self.minor_hint.setVisible(minor)

    def attending(self) -> StatementForm:
        """The form fields as entered (number None: counted automatically)."""
        return StatementForm(
            sequence=self.sequence.value() or None,
            interpreter=self.interpreter.text().strip(),
            interpreter_language=self.interpreter_language.text().strip(),
            guardian=self.guardian.text().strip(),
            guardian_relation=self.guardian_relation.text().strip())

    def read_card(self) -> None:
        port = self._ctx.ports.idcard
        if not port:
            self.error.setText(_("No ID-card reader is configured; set its port in settings."))
            return
        self.read_card_button.setEnabled(False)
        self.device_status.setText(_("Reading the ID card… place it on the reader."))
        self.error.clear()
        self._ctx.bg.run(lambda: devices.read_card_party(port, wait=CARD_WAIT_SECONDS),
                         self._card_read, self._device_failed, io=True)

    def _card_read(self, read: PartyRead) -> None:
        self.read_card_button.setEnabled(True)
        self._read = read
        self._show_party(read.party)
        self._set_identity_read_only(True)
        self.device_status.setText(_("ID card read: {name}.").format(name=read.party.name))
        self.phone.setFocus()

    def read_mrz(self) -> None:
        port = self._ctx.ports.mrz
        if not port:
            self.error.setText(_("No MRZ reader is configured; set its port in settings."))
            return
        self.read_mrz_button.setEnabled(False)
        self.device_status.setText(_("Waiting for the document… swipe it through the reader."))
        self.error.clear()
        self._ctx.bg.run(lambda: devices.read_mrz_party(port, MRZ_WAIT_SECONDS),
                         self._mrz_read, self._device_failed, io=True)

    def _mrz_read(self, read: PartyRead) -> None:
        self.read_mrz_button.setEnabled(True)
        self._read = read
        self._show_party(read.party)
        self._set_identity_read_only(True)
        self.device_status.setText(_("Document read: {name}.").format(name=read.party.name))
        self.phone.setFocus()

    def _device_failed(self, exc: BaseException) -> None:
        self.read_card_button.setEnabled(True)
        self.read_mrz_button.setEnabled(True)
        self.device_status.clear()
        self.error.setText(str(exc))

    def enter_manually(self) -> None:
        self._read = None
        for field in (*self._identity_fields, self.birth_date):
            field.clear()
        self._set_identity_read_only(False)
        self.device_status.setText(_("Type the identity as shown on the document."))
        self.id_number.setFocus()

    def manual_party(self) -> Party:
        return Party(id=new_id(), id_kind=IdKind(self.id_kind.currentData()),
                     id_number=self.id_number.text(), name=self.name.text(),
                     sex=Sex(self.sex.currentData()), nation=self.nation.text().strip(),
                     address=self.address.text().strip(), phone=self.phone.text().strip(),
                     workplace=self.workplace.text().strip())

    # --- start ----------------------------------------------------------------------------
    def start(self) -> None:
        self.error.clear()
        try:
            record = self._party_recorder()
            place = self.place.text().strip()
            if not place:
                raise UserError(_("Enter the place of the interview."))
            first, second = self.interviewer1.currentData(), self.interviewer2.currentData()
            recorder = self.recorder.currentData()
            if first is None or second is None or recorder is None:
                raise UserError(_("Choose two interviewers and a recorder."))
            form = self.attending()
            rules.check_form(form)
        except UserError as exc:
            self.error.setText(str(exc))
            return
        kind = StatementKind(self.kind.currentData())
        case_id = self._case_id

        def work(store: Store) -> tuple[Statement, Party]:
            party = record(store)
            statement = interview.open_statement(
                store, case_id=case_id, interviewee_id=party.id, kind=kind, place=place,
                interviewers=(first, second), recorder_id=recorder, form=form)
            return statement, party

        self.start_button.setEnabled(False)
        self._ctx.run(work, self._started, self._start_failed)

    def _party_recorder(self) -> Callable[[Store], Party]:
        read = self._read
        if read is None:
            read = devices.typed_party(self.manual_party())  # refuses inline at once
            self._show_party(read.party)
        read = read.with_contact(self.phone.text().strip(), self.workplace.text().strip())
        return lambda store: devices.record_party(store, read)

    def _started(self, result: tuple[Statement, Party]) -> None:
        self.started.emit(*result)

    def _start_failed(self, exc: BaseException) -> None:
        self.start_button.setEnabled(True)
        self.error.setText(str(exc))
