"""The chosen matter and the facts the officer states about it.

`MatterView` shows the matter as the standard writes it: name, code and field, the violation
and penalty basis as citations that open the law browser, the statutory range per party type,
whether 首违不罚 and on-the-spot decisions are listed, and the row's source. `FactsForm` takes
the facts: party type (individual or unit), the conditions as check boxes in the standard's
own words (the standard's first, then the Administrative Penalty Law's), the violation and
discovery dates (each may be left unstated: the limitation step then says so), whether the
officer proposes an on-the-spot decision, and, where the matter's fine is a share or multiple
of a base (建设工程造价, 违法所得, 货值金额: decision 52), the base amount in yuan with a short note
of its evidence (造价核定书…); left empty, the engine proposes no amount and says the base is
needed. Every change emits `changed`; `facts()` is what
the engine is given.
"""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal, InvalidOperation
from gettext import gettext as _

from PySide6.QtCore import QDate, QRegularExpression, Qt, Signal
from PySide6.QtGui import QMouseEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services.discretion import ConditionChoice
from desktop.ui.penalty.labels import party_type_label, yuan_range
from legal.discretion.evaluation import Facts
from legal.discretion.model import FactorRange, Matter, PartyType


def statutory_words(matter: Matter, party: PartyType) -> str:
    """The statutory range for ``party`` as the standard states it: yuan, or the share or
    multiple of its base in the statute's words."""
    factors = matter.statutory_factors.get(party)
    return factors.words() if factors is not None else yuan_range(matter.statutory.get(party))


def citation_links(citations: tuple[str, ...]) -> str:
    """Citations as rich text, each a link the panel opens in the law browser."""
    if not citations:
        return html.escape(_("none stated"))
    return "<br>".join(f'<a href="{html.escape(c, quote=True)}">{html.escape(c)}</a>'
                       for c in citations)


class MatterView(QGroupBox):
    """See the module docstring."""

    citation_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Matter"), parent)
        form = QFormLayout(self)
        self.name = QLabel("")
        self.violation = QLabel("")
        self.penalty = QLabel("")
        self.statutory = QLabel("")
        self.flags = QLabel("")
        self.source = QLabel("")
        for label in (self.name, self.violation, self.penalty, self.statutory, self.flags,
                      self.source):
            label.setWordWrap(True)
        for label in (self.violation, self.penalty):
            label.linkActivated.connect(self.citation_clicked.emit)
        form.addRow(_("Matter:"), self.name)
        form.addRow(_("Violation basis:"), self.violation)
        form.addRow(_("Penalty basis:"), self.penalty)
        form.addRow(_("Statutory range:"), self.statutory)
        form.addRow(_("Listed:"), self.flags)
        form.addRow(_("Source:"), self.source)

    def show_matter(self, matter: Matter) -> None:
        self.name.setText(_("{name} ({code}, {field})").format(
            name=matter.name, code=matter.code, field=matter.field))
        self.violation.setText(citation_links(matter.violation_basis))
        self.penalty.setText(citation_links(matter.penalty_basis))
        ranges = [_("{party}: {range}").format(party=party_type_label(p),
                                              range=statutory_words(matter, p))
                  for p in PartyType]
        kinds = "、".join(matter.statutory_penalties)
        self.statutory.setText("\n".join([*ranges, *([kinds] if kinds else [])]))
        flags = [_("first violation may go unpunished (首违不罚)") if
                 matter.first_violation_exempt else _("no first-violation exemption"),
                 _("on-the-spot decision allowed") if matter.on_the_spot else
                 _("no on-the-spot decision")]
        self.flags.setText("\n".join(flags))
        self.source.setText(matter.source or _("not stated"))


class ConditionBox(QWidget):
    """A condition to tick: a check box and its words, wrapped (the law's words are long and
    the panel is narrow); clicking the words ticks it too."""

    toggled = Signal(bool)

    def __init__(self, words: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.box = QCheckBox()
        self.box.setAccessibleName(words)
        self.label = QLabel(words)
        self.label.setWordWrap(True)
        self.label.setBuddy(self.box)
        row.addWidget(self.box, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.label, 1)
        self.box.toggled.connect(self.toggled.emit)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() is Qt.MouseButton.LeftButton and self.isEnabled():
            self.box.toggle()
        super().mouseReleaseEvent(event)

    def text(self) -> str:
        return self.label.text()

    def isChecked(self) -> bool:  # reads as the check box it stands for
        return self.box.isChecked()

    def setChecked(self, on: bool) -> None:
        self.box.setChecked(on)


class OptionalDate(QWidget):
    """A date the officer may leave unstated (the check box off)."""

    changed = Signal()

    def __init__(self, label: str, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.known = QCheckBox(label)
        self.edit = QDateEdit(QDate(today.year, today.month, today.day))
        self.edit.setDisplayFormat("yyyy-MM-dd")
        self.edit.setCalendarPopup(True)
        self.edit.setEnabled(False)
        row.addWidget(self.known)
        row.addWidget(self.edit)
        row.addStretch(1)
        self.known.toggled.connect(self.edit.setEnabled)
        self.known.toggled.connect(lambda _on: self.changed.emit())
        self.edit.dateChanged.connect(lambda _d: self.changed.emit())

    def value(self) -> str | None:
        if not self.known.isChecked():
            return None
        return self.edit.date().toString("yyyy-MM-dd")

    def set_value(self, value: str | None) -> None:
        self.known.setChecked(value is not None)
        if value is not None:
            self.edit.setDate(QDate.fromString(value, "yyyy-MM-dd"))


class FactsForm(QGroupBox):
    """See the module docstring."""

    changed = Signal()

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(_("Facts"), parent)
        self._matter_code: str | None = None
        layout = QVBoxLayout(self)
        party_row = QHBoxLayout()
        party_row.addWidget(QLabel(_("Party:")))
        self.party_buttons: dict[PartyType, QRadioButton] = {}
        self._party_group = QButtonGroup(self)
        for party in PartyType:
            button = QRadioButton(party_type_label(party))
            self._party_group.addButton(button)
            self.party_buttons[party] = button
            party_row.addWidget(button)
            button.toggled.connect(self._party_toggled)
        party_row.addStretch(1)
        self.party_buttons[PartyType.INDIVIDUAL].setChecked(True)
        layout.addLayout(party_row)
        self.party_note = QLabel("")
        self.party_note.setWordWrap(True)
        layout.addWidget(self.party_note)
        self.own_box = QGroupBox(_("Conditions of the standard"))
        self.own_layout = QVBoxLayout(self.own_box)
        layout.addWidget(self.own_box)
        self.statutory_box = QGroupBox(_("Statutory conditions (Administrative Penalty Law)"))
        self.statutory_layout = QVBoxLayout(self.statutory_box)
        layout.addWidget(self.statutory_box)
        self.conditions: dict[str, ConditionBox] = {}
        self.violation_date = OptionalDate(_("Violation date:"), today)
        self.discovered_date = OptionalDate(_("Discovered on:"), today)
        for dated in (self.violation_date, self.discovered_date):
            dated.changed.connect(self.changed.emit)
            layout.addWidget(dated)
        self.on_the_spot = QCheckBox(_("Propose an on-the-spot decision (arts. 51–52)"))
        self.on_the_spot.setMinimumWidth(0)
        self.on_the_spot.toggled.connect(lambda _on: self.changed.emit())
        layout.addWidget(self.on_the_spot)
        # The base of a fine taken as a share or multiple (decision 52).
        self.base_box = QGroupBox(_("Base of the fine"))
        base_form = QFormLayout(self.base_box)
        self.base_explained = QLabel("")
        self.base_explained.setWordWrap(True)
        base_form.addRow(self.base_explained)
        self.base_amount = QLineEdit()
        self.base_amount.setValidator(QRegularExpressionValidator(
            QRegularExpression(r"\d{0,13}(\.\d{0,2})?")))
        self.base_amount.setPlaceholderText(_("yuan, e.g. 120000 or 98765.43"))
        self.base_amount.textChanged.connect(lambda _t: self.changed.emit())
        self.base_amount_label = QLabel(_("Amount (yuan):"))
        base_form.addRow(self.base_amount_label, self.base_amount)
        self.base_note = QLineEdit()
        self.base_note.setPlaceholderText(_("the evidence of the amount, e.g. 造价核定书"))
        self.base_note.textChanged.connect(lambda _t: self.changed.emit())
        base_form.addRow(_("Evidence:"), self.base_note)
        layout.addWidget(self.base_box)
        self.base_box.hide()
        self._base: FactorRange | None = None

    def set_matter(self, matter: Matter | None) -> None:
        """The matter chosen: the base field shows where its fine is a share or multiple of a
        base (what was typed stays while the base is the same)."""
        factors = None if matter is None else next(iter(matter.statutory_factors.values()),
                                                    None)
        if factors is None or self._base is None or factors.base != self._base.base:
            for edit in (self.base_amount, self.base_note):
                edit.blockSignals(True)
                edit.clear()
                edit.blockSignals(False)
        self._base = factors
        self.base_box.setVisible(factors is not None)
        if factors is not None:
            self.base_box.setTitle(_("Base of the fine: {base}").format(base=factors.base))
            self.base_explained.setText(_(
                "The fine is {words}: enter the amount of {base} as established, with its "
                "evidence. Without it no amount is proposed.").format(
                words=factors.words(), base=factors.base))
            self.base_amount_label.setText(_("{base} (yuan):").format(base=factors.base))

    def base_value(self) -> Decimal | None:
        """The base amount typed, or None when the field is empty, hidden or not a number."""
        text = self.base_amount.text().strip()
        if self._base is None or not text:
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            return None

    def _party_toggled(self, on: bool) -> None:
        if on:  # one of the two buttons turned on: one change, not two
            self.changed.emit()

    def set_party(self, party: PartyType, note: str, *, fixed: bool = False) -> None:
        """Check ``party``; ``fixed``: the other type cannot be chosen here (the case names
        its party)."""
        self.party_buttons[party].setChecked(True)
        for button in self.party_buttons.values():
            button.setEnabled(not fixed)
        self.party_note.setText(note)
        self.party_note.setVisible(bool(note))

    def party(self) -> PartyType:
        return next(p for p, b in self.party_buttons.items() if b.isChecked())

    def set_conditions(self, matter_code: str, choices: list[ConditionChoice]) -> None:
        """The matter's conditions, unticked; ticks of a condition both matters share stay."""
        ticked = self.ticked()
        self._matter_code = matter_code
        for box in self.conditions.values():
            box.setParent(None)
            box.deleteLater()
        self.conditions = {}
        for choice in choices:
            box = ConditionBox(choice.words)
            box.setChecked(choice.code in ticked)
            box.toggled.connect(lambda _on: self.changed.emit())
            target = self.statutory_layout if choice.statutory else self.own_layout
            target.addWidget(box)
            self.conditions[choice.code] = box
        self.own_box.setVisible(any(not c.statutory for c in choices))
        self.changed.emit()

    def ticked(self) -> frozenset[str]:
        return frozenset(code for code, box in self.conditions.items() if box.isChecked())

    def tick(self, words: str, on: bool = True) -> None:
        """Tick the condition shown with `words` (what the officer reads on the box)."""
        box = next(b for b in self.conditions.values() if b.text() == words)
        box.setChecked(on)

    def facts(self) -> Facts | None:
        if self._matter_code is None:
            return None
        return Facts(matter_code=self._matter_code, party_type=self.party(),
                     conditions=self.ticked(), violation_date=self.violation_date.value(),
                     discovered_date=self.discovered_date.value(),
                     on_the_spot=self.on_the_spot.isChecked(),
                     base_amount=(base := self.base_value()),
                     base_note="" if base is None else self.base_note.text().strip())

    def show_facts(self, facts: Facts) -> None:
        """A recorded decision's facts, shown again (signals held: one evaluation after)."""
        for widget in (self, self.violation_date, self.discovered_date, self.base_amount,
                       self.base_note):
            widget.blockSignals(True)
        try:
            self.base_amount.setText("" if facts.base_amount is None
                                     else format(facts.base_amount, "f"))
            self.base_note.setText(facts.base_note)
            self.party_buttons[facts.party_type].setChecked(True)
            for code, box in self.conditions.items():
                box.setChecked(code in facts.conditions)
            self.violation_date.set_value(facts.violation_date)
            self.discovered_date.set_value(facts.discovered_date)
            self.on_the_spot.setChecked(facts.on_the_spot)
        finally:
            for widget in (self, self.violation_date, self.discovered_date, self.base_amount,
                           self.base_note):
                widget.blockSignals(False)
        self.changed.emit()
