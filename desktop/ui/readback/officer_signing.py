"""The officers sign in turn, then a seal custodian applies the unit seal (issue 10 §2).

Shown by the read-back dialog once the interviewee has signed (or refused with a witness).
Every officer of the statement (`signing.signing_team`: the interviewers and the recorder,
each once) has a row with their name, certificate number and part in the interview, a field
for THEIR OWN password (or their token PIN when their key is on a hardware token) and an
optional "sign by hand" pad whose drawing is printed in their box. Below, the unit seal:
a choice among the seal custodians (`keys.seal_custodians`) and that custodian's password.
Being logged in counts for nothing here: each field opens only its own officer's key.

The panel only collects; `Credentials` goes to the read-back dialog, which unlocks and signs
on the store thread (`desktop.services.officer_signing.sign_in_turn`). A wrong password is
shown next to the officer it belongs to, with the service's count of remaining tries. The
fields are cleared as soon as they are read, whatever happens next, and never logged.
"""

from __future__ import annotations

import itertools
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

from desktop.documents.capture import SignatureCapture
from desktop.domain.errors import UserError
from desktop.services import signing
from desktop.services.officer_signing import Credentials, Roster, Seat
from desktop.ui.background import report_error
from desktop.ui.busy import BusyBar
from desktop.ui.readback.signature_pad import SignaturePadPanel

SEAL_SLOT = signing.SEAL_SLOT  # the key of the seal custodian's row in errors
SignerRefused = signing.SignerRefused
HAND_WIDTH_MM = 90.0  # an officer's handwritten name: a short line
HAND_HEIGHT_MM = 30.0
ERROR_STYLE = "color: #b00020;"


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
        self.busy_bar = BusyBar()  # unlocking keys and signing take seconds
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
        layout.addWidget(self.busy_bar)
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
        if busy:
            self.busy_bar.start(self.status.text())
        else:
            self.busy_bar.stop()
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

    def signing_failed(self, exc: BaseException, kept: str) -> None:
        """Signing failed: say that nothing was signed and what is kept (`kept`), then why:
        a refused credential beside its signer, a refusal in words, anything else reported
        as a bug."""
        self.set_busy(False)
        self.say(kept)
        if isinstance(exc, SignerRefused):
            self.show_refusal(exc.slot, str(exc))
        elif isinstance(exc, UserError):
            self.say(str(exc))
        else:
            report_error(exc, self.window())

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

