"""The unit's legal particulars (Settings › Unit legal particulars…), for administrators.

One field per particular the penalty documents print (decision 51): the abbreviation in
document numbers, the reconsideration body, the court and the payment details. The dialog
reads what is in force on the read lane, and Save puts the edited particulars in force on
the store lane through `desktop.services.unit_profile.set_profile` (administrators only,
audited), the same function `statement-room unit set` calls; a refusal (an empty field, an
abbreviation with brackets) is shown in the dialog and nothing is kept. Anyone else is told
who sets them and gets no dialog.
"""

from __future__ import annotations

from gettext import gettext as _

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.services import unit_profile
from desktop.services.unit_profile import KeptUnitProfile, UnitParticularsRow
from desktop.ui.admin_gate import admin_or_told
from desktop.ui.context import AppContext

ERROR_STYLE = "color: #b00020;"
_PLACEHOLDERS = {
    "abbreviation": "南综执",
    "reconsideration_body": "嘉兴市南湖区人民政府",
    "court": "嘉兴市南湖区人民法院",
    "payee": "嘉兴市南湖区财政局",
    "bank": "",
    "account": "",
    "payment_method": "持本决定书到开户银行缴纳，或者通过统一公共支付平台在线缴纳",
}


class UnitProfileDialog(QDialog):
    """See the module docstring."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Unit legal particulars"))
        self.saved: KeptUnitProfile | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(_("Printed on every penalty document: the abbreviation in its number, "
                         "where the party may apply for reconsideration or sue, and how a "
                         "fine is paid. Documents already signed keep what they print."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.version = QLabel(_("Reading…"))
        self.version.setWordWrap(True)
        layout.addWidget(self.version)
        form = QFormLayout()
        self.fields: dict[str, QLineEdit] = {}
        for name, label in unit_profile.field_labels().items():
            edit = QLineEdit()
            edit.setPlaceholderText(_PLACEHOLDERS[name])
            edit.setMinimumWidth(380)
            self.fields[name] = edit
            form.addRow(label, edit)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        ctx.read(unit_profile.show, self._show, self._failed)

    def _show(self, held: KeptUnitProfile | None) -> None:
        if held is None:
            self.version.setText(_("Not set yet: no penalty document can be drafted until "
                                   "they are."))
            return
        self.version.setText(_("Version {version}, set {at}.").format(
            version=held.version, at=held.set_at.astimezone().strftime("%Y-%m-%d %H:%M")))
        for name, edit in self.fields.items():
            edit.setText(str(getattr(held.particulars, name)))

    def particulars(self) -> UnitParticularsRow:
        """What the fields say now (checked by the service when saved)."""
        return UnitParticularsRow(**{name: edit.text() for name, edit in self.fields.items()})

    def save(self) -> None:
        self.message.clear()
        self.buttons.setEnabled(False)
        particulars = self.particulars()
        self.ctx.run(lambda store: unit_profile.set_profile(store, particulars), self._saved,
                     self._failed)

    def _saved(self, kept: KeptUnitProfile) -> None:
        self.saved = kept
        self.buttons.setEnabled(True)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        # Only a refusal comes here (the background reports a bug in its crash dialog).
        self.buttons.setEnabled(True)
        self.message.setText(str(error) if isinstance(error, UserError)
                             else _("The particulars could not be saved."))


def open_unit_profile(ctx: AppContext, parent: QWidget | None = None
                      ) -> UnitProfileDialog | None:
    """The dialog for an administrator; anyone else is told who sets the particulars."""
    if not admin_or_told(ctx, parent, _("Unit legal particulars"),
                         _("Only an administrator can set the unit's legal particulars.")):
        return None
    dialog = UnitProfileDialog(ctx, parent)
    dialog.open()
    return dialog
