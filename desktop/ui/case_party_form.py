"""The case's party (当事人…): the person interviewed, or a unit with its particulars.

Opened from the case view (decision 54). The officer chooses whether the party is the person
interviewed or a unit, and for a unit types its name, 统一社会信用代码, the title and name of
the one who answers for it (法定代表人 or 负责人), its 住所 and a phone. The credit code is
checked at every keystroke (`desktop.domain.unit_party.credit_code_problem`, the service's
own check): the problem shows under the field at once and Save waits until it is gone. When
the party was named before, the officer says why it is named again. Save runs on the store
lane through `desktop.services.case_party` (the same functions the CLI calls); a refusal is
shown in the dialog and nothing is kept.
"""

from __future__ import annotations

from gettext import gettext as _

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.domain.model import RepresentativeTitle, UnitParty
from desktop.domain.unit_party import credit_code_problem
from desktop.services import case_party
from desktop.services.case_party import KeptCaseParty
from desktop.ui.context import AppContext

ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #1b5e20;"


def title_label(title: RepresentativeTitle) -> str:
    return {RepresentativeTitle.LEGAL_REPRESENTATIVE: _("Legal representative"),
            RepresentativeTitle.PRINCIPAL: _("Principal")}[title]


def party_summary(held: KeptCaseParty | None) -> str:
    """One line for the case view: who the party is."""
    if held is None or held.unit is None:
        return _("Party: the person interviewed")
    return _("Party: {name} (unit; unified social credit code {code})").format(
        name=held.unit.name, code=held.unit.credit_code)


class CasePartyDialog(QDialog):
    """See the module docstring."""

    saved = Signal(object)  # KeptCaseParty | None

    def __init__(self, ctx: AppContext, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.case_id = case_id
        self.held: KeptCaseParty | None = None
        self.kept: KeptCaseParty | None = None
        self.setWindowTitle(_("Party of the case"))
        layout = QVBoxLayout(self)
        intro = QLabel(_("The party (当事人) is the one the penalty documents name. When the "
                         "person interviewed answers for a company or an organisation, name "
                         "the unit here: its documents then print the unit's particulars."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.person_button = QRadioButton(_("The person interviewed"))
        self.unit_button = QRadioButton(_("A unit (company or organisation)"))
        self.kinds = QButtonGroup(self)
        self.kinds.addButton(self.person_button)
        self.kinds.addButton(self.unit_button)
        self.person_button.setChecked(True)
        layout.addWidget(self.person_button)
        layout.addWidget(self.unit_button)
        self.unit_form = QWidget()
        form = QFormLayout(self.unit_form)
        self.name = QLineEdit()
        self.name.setPlaceholderText(_("as on the business licence"))
        self.credit_code = QLineEdit()
        self.credit_code.setMaxLength(24)  # spaces typed between groups are folded away
        self.credit_code.setMinimumWidth(320)
        self.code_check = QLabel()
        self.code_check.setWordWrap(True)
        self.title = QComboBox()
        for title in RepresentativeTitle:
            self.title.addItem(title_label(title), title.value)
        self.representative = QLineEdit()
        self.address = QLineEdit()
        self.address.setMinimumWidth(380)
        self.phone = QLineEdit()
        form.addRow(_("Name"), self.name)
        form.addRow(_("Unified social credit code"), self.credit_code)
        form.addRow(self.code_check)  # the whole width: a long message wraps in full
        form.addRow(_("Title"), self.title)
        form.addRow(_("Name of the representative"), self.representative)
        form.addRow(_("Registered address (住所)"), self.address)
        form.addRow(_("Phone"), self.phone)
        layout.addWidget(self.unit_form)
        self.reason_label = QLabel(_("Why is the party named again?"))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(_("e.g. the address was mistyped"))
        layout.addWidget(self.reason_label)
        layout.addWidget(self.reason)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.credit_code.textChanged.connect(lambda _text: self._update())
        self.kinds.buttonToggled.connect(lambda *_args: self._update())
        self._update()
        ctx.read(lambda store: case_party.show(store, case_id), self._show, self._failed)

    @property
    def save_button(self) -> QWidget:
        return self.buttons.button(QDialogButtonBox.StandardButton.Save)

    def _show(self, held: KeptCaseParty | None) -> None:
        self.held = held
        if held is not None and held.unit is not None:
            unit = held.unit
            self.unit_button.setChecked(True)
            self.name.setText(unit.name)
            self.credit_code.setText(unit.credit_code)
            self.title.setCurrentIndex(self.title.findData(unit.representative_title.value))
            self.representative.setText(unit.representative)
            self.address.setText(unit.address)
            self.phone.setText(unit.phone)
        self._update()

    def is_unit(self) -> bool:
        return self.unit_button.isChecked()

    def _update(self) -> None:
        """The form as the choice and the code stand now: the code's check shown at once."""
        unit = self.is_unit()
        self.unit_form.setVisible(unit)
        again = self.held is not None
        self.reason_label.setVisible(again)
        self.reason.setVisible(again)
        problem = credit_code_problem(self.credit_code.text()) if unit else None
        if not unit or not self.credit_code.text().strip():
            self.code_check.setText("")
        elif problem is not None:
            self.code_check.setStyleSheet(ERROR_STYLE)
            self.code_check.setText(problem)
        else:
            self.code_check.setStyleSheet(OK_STYLE)
            self.code_check.setText(_("The check character matches."))
        self.save_button.setEnabled(not unit or problem is None)
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow (never shrink, which would make the dialog jump at each keystroke) to show
        the whole of a wrapped message: a form row keeps the height it had before."""
        layout = self.layout()
        if layout is None:
            return
        # A wrapped label in a form is given one line's height unless it asks for more.
        width = self.code_check.width()
        self.code_check.setMinimumHeight(
            self.code_check.heightForWidth(width) if width > 0 and self.code_check.text() else 0)
        for inner in (self.unit_form.layout(), layout):
            if inner is not None:
                inner.activate()
        wanted = max(layout.totalHeightForWidth(self.width()), self.minimumSizeHint().height())
        if wanted > self.height():
            self.resize(self.width(), wanted)

    def unit(self) -> UnitParty:
        """The unit as the fields say now (checked by the service when saved)."""
        return UnitParty(name=self.name.text(), credit_code=self.credit_code.text(),
                         representative=self.representative.text(),
                         representative_title=RepresentativeTitle(self.title.currentData()),
                         address=self.address.text(), phone=self.phone.text())

    def save(self) -> None:
        self.message.clear()
        self.buttons.setEnabled(False)
        case_id, reason = self.case_id, self.reason.text()
        if self.is_unit():
            unit = self.unit()
            self.ctx.run(lambda store: case_party.set_unit(store, case_id, unit, reason),
                         self._saved, self._failed)
        else:
            self.ctx.run(lambda store: case_party.set_person(store, case_id, reason),
                         self._saved, self._failed)

    def _saved(self, kept: KeptCaseParty | None) -> None:
        self.kept = kept
        self.buttons.setEnabled(True)
        self.saved.emit(kept)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        # Only a refusal comes here (the background reports a bug in its crash dialog).
        self.buttons.setEnabled(True)
        self._update()
        self.message.setText(str(error) if isinstance(error, UserError)
                             else _("The party could not be saved."))

