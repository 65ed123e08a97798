"""The officers sign in turn, then a seal custodian applies the unit seal (issue 10 §2).

Shown by the read-back dialog once the interviewee has signed (or refused with a witness).
Every officer of the statement (`signing.signing_team`: the interviewers and the recorder,
each once) has a row with their name, certificate number and part in the interview, a field
for THEIR OWN password (or their token PIN when their key is on a hardware token) and an
optional "sign by hand" pad whose drawing is printed in their box. Below, the unit seal:
a choice among the seal custodians (`keys.seal_custodians`) and that custodian's password.
Being logged in counts for nothing here: each field opens only its own officer's key.

The panel only collects; `Credentials` goes to the read-back dialog, which unlocks and signs
on the store thread (`unlock_in_turn`, then `signing.sign_statement`). A wrong password is
shown next to the officer it belongs to, with the service's count of remaining tries. The
fields are cleared as soon as they are read, whatever happens next, and never logged.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from gettext import gettext as _

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.documents.capture import SignatureCapture, render_png
from desktop.domain.errors import UserError
from desktop.domain.model import Officer
from desktop.services import keys, signing
from desktop.store import signing_keys
from desktop.store import statements as statements_repo
from desktop.store.store import Store
from desktop.ui.readback.signature_pad import SignaturePadPanel

SEAL_SLOT = signing.SEAL_SLOT  # the key of the seal custodian's row in errors
SignerRefused = signing.SignerRefused
HAND_WIDTH_MM = 90.0  # an officer's handwritten name: a short line
HAND_HEIGHT_MM = 30.0
HANDWRITING_DPI = 200
ERROR_STYLE = "color: #b00020;"


# --- what the store says about the signers (loaded on the store thread) --------------------

@dataclass(frozen=True)
class Seat:
    """One officer who signs the statement, with their part and how their key opens."""

    officer: Officer
    part: str  # "Interviewer", "Recorder", or both, in words
    token: bool  # the key is on a hardware token: the PIN is asked, not the password


@dataclass(frozen=True)
class Roster:
    """Who signs a statement and who may apply the seal; `missing` says who lacks a key."""

    seats: tuple[Seat, ...]
    custodians: tuple[Officer, ...]
    missing: tuple[str, ...]


def load_roster(store: Store, statement_id: str) -> Roster:
    statement = statements_repo.get_statement(store.conn, statement_id)
    seats = []
    for officer in signing.signing_team(store, statement_id):
        interviewer = officer.id in statement.interviewer_ids
        recorder = officer.id == statement.recorder_id
        part = (_("Interviewer and recorder") if interviewer and recorder
                else _("Recorder") if recorder else _("Interviewer"))
        identity = signing_keys.active_identity(store.conn, signing_keys.OFFICER, officer.id)
        seats.append(Seat(officer, part, identity is not None and identity.kind == "pkcs11"))
    return Roster(tuple(seats), tuple(keys.seal_custodians(store)),
                  tuple(signing.missing_signing_keys(store, statement_id)))


# --- what the officers entered, and unlocking it on the store thread ----------------------

@dataclass
class Credentials:
    """Each officer's own secret, the custodian's, and optional handwriting; used once."""

    secrets: dict[str, str]  # officer id -> that officer's password or token PIN
    custodian_id: str
    custodian_secret: str
    handwriting: dict[str, SignatureCapture] = field(default_factory=dict)

    def __repr__(self) -> str:  # never show a secret, even in a traceback
        return f"Credentials({sorted(self.secrets)}, custodian={self.custodian_id})"

    def forget(self) -> None:
        self.secrets.clear()
        self.custodian_secret = ""


def unlock_in_turn(store: Store, statement_id: str,
                   credentials: Credentials) -> signing.SigningTeam:
    """The service's `unlock_team` with what the rows hold (handwriting drawn to PNG here)."""
    handwriting = {officer_id: render_png(capture, dpi=HANDWRITING_DPI)
                   for officer_id, capture in credentials.handwriting.items()}
    return signing.unlock_team(store, statement_id, credentials.secrets,
                               custodian_id=credentials.custodian_id,
                               seal_secret=credentials.custodian_secret,
                               handwriting=handwriting)


# --- the widgets ---------------------------------------------------------------------------

class SignerRow(QFrame):
    """One officer: who they are, their own secret, optional handwriting, their error."""

    def __init__(self, seat: Seat, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.seat = seat
        officer = seat.officer
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.name = QLabel(f"<b>{_escape(officer.name)}</b>")
        self.details = QLabel(_("{part} · certificate No. {number}").format(
            part=seat.part, number=officer.certificate_no))
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        label = _("Token PIN") if seat.token else _("Password")
        self.secret_label = QLabel(label)
        self.secret_label.setBuddy(self.secret)
        self.secret.setPlaceholderText(
            _("{name}'s token PIN").format(name=officer.name) if seat.token
            else _("{name}'s own password").format(name=officer.name))
        self.secret.setAccessibleName(_("{label} of {name}").format(label=label,
                                                                    name=officer.name))
        self.hand_button = QPushButton(_("Sign by hand…"))
        self.hand_button.setCheckable(True)
        self.hand_button.setAutoDefault(False)
        self.pad_panel = SignaturePadPanel(width_mm=HAND_WIDTH_MM, height_mm=HAND_HEIGHT_MM)
        self.pad_panel.pad.setMinimumSize(240, 80)
        self.pad_panel.setVisible(False)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setVisible(False)
        self.hand_button.toggled.connect(self._hand_toggled)
        grid = QGridLayout(self)
        grid.addWidget(self.name, 0, 0)
        grid.addWidget(self.details, 1, 0)
        grid.addWidget(self.secret_label, 0, 1)
        grid.addWidget(self.secret, 1, 1)
        grid.addWidget(self.hand_button, 1, 2)
        grid.addWidget(self.error, 2, 0, 1, 3)
        grid.addWidget(self.pad_panel, 3, 0, 1, 3)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 2)

    def _hand_toggled(self, on: bool) -> None:
        self.pad_panel.setVisible(on)
        if not on:
            self.pad_panel.pad.clear()
        else:
            self.pad_panel.pad.setFocus()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def handwriting(self, page_index: int, page_digest: str) -> SignatureCapture | None:
        pad = self.pad_panel.pad
        if not self.hand_button.isChecked() or pad.is_empty():
            return None
        return pad.capture(page_index, page_digest)


class OfficerSigningPanel(QWidget):
    """See the module docstring. `submitted` carries the `Credentials`; `back` returns to
    the read-back without signing (the interviewee's signatures stay)."""

    submitted = Signal(object)
    back = Signal()

    def __init__(self, roster: Roster, page_index: int, page_digest: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.roster = roster
        self._page = (page_index, page_digest)
        title = QLabel("<h3>" + _escape(_("The officers sign and the unit seal is applied"))
                       + "</h3>")
        intro = QLabel(_("Each officer types their own password (or the PIN of their token): "
                         "nobody signs for another, and being logged in signs for nobody. "
                         "Signing by hand is optional; the drawing is printed in that "
                         "officer's box."))
        intro.setWordWrap(True)
        self.rows = [SignerRow(seat) for seat in roster.seats]
        officers_box = QGroupBox(_("Officers"))
        column = QVBoxLayout(officers_box)
        for row in self.rows:
            column.addWidget(row)
        self.custodian = QComboBox()
        for officer in roster.custodians:
            self.custodian.addItem(f"{officer.name} ({officer.certificate_no})", officer.id)
        self.custodian_secret = QLineEdit()
        self.custodian_secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.custodian_secret.setPlaceholderText(_("the custodian's own password"))
        self.custodian_secret.setAccessibleName(_("Password of the seal custodian"))
        self.seal_error = QLabel()
        self.seal_error.setWordWrap(True)
        self.seal_error.setStyleSheet(ERROR_STYLE)
        self.seal_error.setVisible(False)
        seal_box = QGroupBox(_("Unit seal"))
        form = QFormLayout(seal_box)
        form.addRow(_("Seal custodian"), self.custodian)
        form.addRow(_("Password"), self.custodian_secret)
        form.addRow(self.seal_error)
        scroll_body = QWidget()
        body = QVBoxLayout(scroll_body)
        body.addWidget(officers_box)
        body.addWidget(seal_box)
        body.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(scroll_body)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.back_button = QPushButton(_("Back to the read-back"))
        self.sign_button = QPushButton(_("Sign and seal"))
        self.back_button.setAutoDefault(False)
        self.sign_button.setAutoDefault(False)
        self.back_button.clicked.connect(self._back)
        self.sign_button.clicked.connect(self.submit)
        for line in (*(row.secret for row in self.rows), self.custodian_secret):
            line.returnPressed.connect(self._next_field)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.sign_button)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        fields = [w for row in self.rows for w in (row.secret, row.hand_button)]
        order = [*fields, self.custodian, self.custodian_secret, self.back_button,
                 self.sign_button]
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)

    def row_of(self, officer_id: str) -> SignerRow:
        return next(row for row in self.rows if row.seat.officer.id == officer_id)

    def first_field(self) -> QLineEdit:
        return self.rows[0].secret if self.rows else self.custodian_secret

    def _next_field(self) -> None:
        lines = [*(row.secret for row in self.rows), self.custodian_secret]
        for line in lines:
            if not line.text():
                line.setFocus()
                return
        self.submit()

    def set_busy(self, busy: bool) -> None:
        for widget in (self.sign_button, self.back_button, self.custodian,
                       self.custodian_secret, *(row for row in self.rows)):
            widget.setEnabled(not busy)

    def clear_secrets(self) -> None:
        for row in self.rows:
            row.secret.clear()
        self.custodian_secret.clear()

    def _back(self) -> None:
        self.clear_secrets()
        self.back.emit()

    def say(self, text: str) -> None:
        self.status.setText(text)

    def clear_errors(self) -> None:
        for row in self.rows:
            row.show_error("")
        self.seal_error.setVisible(False)
        self.seal_error.clear()
        self.say("")

    def show_refusal(self, slot: str, message: str) -> None:
        """Show a refused credential beside its officer (or the seal) and focus that field."""
        if slot == SEAL_SLOT:
            self.seal_error.setText(message)
            self.seal_error.setVisible(True)
            self.custodian_secret.setFocus()
            return
        row = self.row_of(slot)
        row.show_error(message)
        row.secret.setFocus()

    def submit(self) -> None:
        """Read every field once, clear them, and hand the credentials on."""
        self.clear_errors()
        empty = [row for row in self.rows if not row.secret.text()]
        for row in empty:
            row.show_error(_("{name} enters their own password or token PIN.").format(
                name=row.seat.officer.name))
        if self.custodian.currentIndex() < 0:
            self.say(_("The unit seal has no custodian; an administrator imports the seal "
                       "on the key-management page."))
            return
        if not self.custodian_secret.text():
            self.show_refusal(SEAL_SLOT, _("The seal custodian enters their own password."))
        if empty:
            empty[0].secret.setFocus()
        if empty or not self.custodian_secret.text():
            return
        try:
            handwriting = {row.seat.officer.id: capture for row in self.rows
                           if (capture := row.handwriting(*self._page)) is not None}
        except UserError as exc:
            self.say(str(exc))
            return
        credentials = Credentials(
            secrets={row.seat.officer.id: row.secret.text() for row in self.rows},
            custodian_id=str(self.custodian.currentData()),
            custodian_secret=self.custodian_secret.text(), handwriting=handwriting)
        self.clear_secrets()
        self.submitted.emit(credentials)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

