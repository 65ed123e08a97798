"""Recording the interviewee's refusal to sign: what they said and who witnessed it.

The law lets the officers record the refusal on the statement with a witness (see
`desktop.domain.rules.check_refusal`): the dialog asks for the reason in the interviewee's
words, the witness's name and, optionally, the witness's ID number, and produces a
`SignatureRefusal` stamped with the store's clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from gettext import gettext as _

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.domain.model import SignatureRefusal
from desktop.domain.rules import check_refusal


class RefusalDialog(QDialog):
    """Reason, witness name, witness ID number (optional); OK only when the rules allow."""

    def __init__(self, clock: Callable[[], datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._refusal: SignatureRefusal | None = None
        self.setWindowTitle(_("Refusal to sign"))
        self.explanation = QLabel(_(
            "The interviewee refuses to sign. Record what they said and the witness present; "
            "the officers then sign and seal the statement with the refusal recorded."))
        self.explanation.setWordWrap(True)
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText(_("What the interviewee said when refusing to sign"))
        self.reason.setMaximumHeight(90)
        self.witness_name = QLineEdit()
        self.witness_id = QLineEdit()
        self.witness_id.setPlaceholderText(_("optional"))
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        form = QFormLayout()
        form.addRow(_("Reason:"), self.reason)
        form.addRow(_("Witness name:"), self.witness_name)
        form.addRow(_("Witness ID number:"), self.witness_id)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(_("Record the refusal"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explanation)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.reason.setFocus()

    @property
    def refusal(self) -> SignatureRefusal | None:
        return self._refusal

    def accept(self) -> None:
        refusal = SignatureRefusal(
            reason=self.reason.toPlainText().strip(),
            witness_name=self.witness_name.text().strip(),
            recorded_at=self._clock(),
            witness_id_number=self.witness_id.text().strip())
        try:
            check_refusal(refusal)
        except UserError as exc:
            self.message.setText(str(exc))
            return
        self._refusal = refusal
        super().accept()
