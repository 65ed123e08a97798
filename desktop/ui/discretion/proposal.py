"""The engine's proposal and the officer's choice.

`ProposalView` shows an `Evaluation`: the outcome, the tier, the statutory and proposed
ranges (for a fine taken of a base, decision 52: base × factors = the yuan range, or that the
base is needed), the proposed amount, whether an on-the-spot decision is possible, whether the party
must be told of a hearing and whether legal review is required, and every reasoning step in
the engine's Chinese wording with its citations (links to the law browser).

`ChoiceForm` takes the officer's choice: no penalty where the law allows it, or an amount.
An amount inside the proposed range is recorded as it is; outside it, the kind of deviation
(从轻、减轻、从重) and a written reason are required; the kind the amount is (below the
statutory minimum 减轻, below the tier 从轻, above it 从重) is preselected when the amount is
typed, the officer writes the reason. The form asks the engine
(`discretion.choose`, pure) on every change and, while the engine refuses, keeps the record
button disabled and says why in the engine's refusal, translated.
"""

from __future__ import annotations

import html
from gettext import gettext as _
from typing import NamedTuple

from PySide6.QtCore import QRegularExpression, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.services import discretion
from desktop.ui.penalty.labels import (
    deviation_explained,
    outcome_label,
    tier_label,
    yuan,
    yuan_range,
)
from legal.discretion.choice import deviation_kind
from legal.discretion.evaluation import (
    Choice,
    Deviation,
    DeviationKind,
    Evaluation,
    Outcome,
    Step,
)
from legal.discretion.model import FactorRange, FineRange

_REFUSED_STYLE = "color: #b00020;"


class ChoiceArguments(NamedTuple):
    """The officer's choice as `discretion.choose` and `penalty.choose` take it."""

    waive: bool
    amount: int | None
    deviation: Deviation | None

_FLAG_STYLE = "color: #5c4400; font-weight: bold;"


def steps_html(evaluation: Evaluation, extra: tuple[Step, ...] = ()) -> str:
    """Every step, numbered, with its citations as links."""
    parts = ["<ol style='margin-left: 0px; -qt-list-indent: 1;'>"]
    for step in (*evaluation.steps, *extra):
        text = html.escape(step.text)
        citations = step.citations
        links = "、".join(f'<a href="{html.escape(c, quote=True)}">{html.escape(c)}</a>'
                         for c in citations)
        parts.append(f"<li>{text}" + (f"<br><small>{_('Basis:')} {links}</small>"
                                      if links else "") + "</li>")
    parts.append("</ol>")
    return "".join(parts)


def _range_text(yuan_range_: FineRange | None, factors: FactorRange | None) -> str:
    """A range in yuan; for a fine of a base, the factors too (or only they, without the
    base amount)."""
    if factors is None:
        return yuan_range(yuan_range_)
    if yuan_range_ is None:
        return factors.words()
    return f"{factors.words()}: {yuan_range(yuan_range_)}"


def base_line(evaluation: Evaluation) -> str:
    """base × factors = the yuan range, or that the base is needed (decision 52)."""
    factors = evaluation.proposed_factors or evaluation.statutory_factors
    if factors is None:
        return ""
    base = evaluation.facts.base_amount
    shown = evaluation.proposed_range or evaluation.statutory_range
    if base is None or shown is None:
        return _("Enter the amount of {base} to compute the fine ({words}); no amount is "
                 "proposed without it.").format(base=factors.base, words=factors.words())
    factor = factors.words().removeprefix(factors.base)
    note = evaluation.facts.base_note.strip()
    return _("{base} {amount} yuan × {factor} = {range}").format(
        base=factors.base, amount=f"{base:,f}", factor=factor, range=yuan_range(shown)) + (
        _(" (evidence: {note})").format(note=note) if note else "")


class ProposalView(QGroupBox):
    """See the module docstring."""

    citation_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Proposal"), parent)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.outcome = QLabel("")
        self.tier = QLabel("")
        self.statutory = QLabel("")
        self.proposed_range = QLabel("")
        self.proposed_amount = QLabel("")
        self.penalties = QLabel("")
        # Wrapped: a share of a base states its factors in words ("建设工程造价百分之五以上
        # 百分之十以下: …"), longer than the panel beside the interview is wide.
        for label in (self.outcome, self.tier, self.statutory, self.proposed_range,
                      self.proposed_amount, self.penalties):
            label.setWordWrap(True)
        form.addRow(_("Outcome:"), self.outcome)
        form.addRow(_("Tier:"), self.tier)
        form.addRow(_("Statutory range:"), self.statutory)
        form.addRow(_("Tier's range:"), self.proposed_range)
        form.addRow(_("Proposed amount:"), self.proposed_amount)
        self.base_line = QLabel("")
        self.base_line.setWordWrap(True)
        self.base_row_label = QLabel(_("From the base:"))
        form.addRow(self.base_row_label, self.base_line)
        form.addRow(_("Penalties:"), self.penalties)
        layout.addLayout(form)
        self.flags = QLabel("")
        self.flags.setWordWrap(True)
        self.flags.setStyleSheet(_FLAG_STYLE)
        layout.addWidget(self.flags)
        layout.addWidget(QLabel(_("Reasoning:")))
        self.steps = QLabel("")
        self.steps.setWordWrap(True)
        self.steps.linkActivated.connect(self.citation_clicked.emit)
        layout.addWidget(self.steps)
        self.evaluation: Evaluation | None = None

    def show_choice(self, choice: Choice | None) -> None:
        """The reasoning with the steps the officer's choice adds (its deviation and why)."""
        if self.evaluation is not None:
            self.steps.setText(steps_html(self.evaluation,
                                          () if choice is None else choice.steps))

    def show_evaluation(self, evaluation: Evaluation | None) -> None:
        self.evaluation = evaluation
        if evaluation is None:
            for label in (self.outcome, self.tier, self.statutory, self.proposed_range,
                          self.proposed_amount, self.penalties, self.flags, self.steps,
                          self.base_line):
                label.setText("")
            self._show_base_row(False)
            return
        self.outcome.setText(outcome_label(evaluation.outcome))
        self.tier.setText(tier_label(evaluation.tier))
        self.statutory.setText(_range_text(evaluation.statutory_range,
                                           evaluation.statutory_factors))
        self.proposed_range.setText(_range_text(evaluation.proposed_range,
                                                evaluation.proposed_factors))
        self.base_line.setText(base_line(evaluation))
        self._show_base_row(evaluation.statutory_factors is not None)
        self.proposed_amount.setText(_("none") if evaluation.proposed_amount is None
                                     else yuan(evaluation.proposed_amount))
        self.penalties.setText("、".join(evaluation.penalties) or _("none"))
        self.flags.setText("\n".join(self.flag_lines(evaluation)))
        self.steps.setText(steps_html(evaluation))

    def _show_base_row(self, shown: bool) -> None:
        self.base_row_label.setVisible(shown)
        self.base_line.setVisible(shown)

    @staticmethod
    def flag_lines(evaluation: Evaluation) -> list[str]:
        return [
            _("On-the-spot decision possible (art. 51)") if evaluation.on_the_spot_allowed
            else _("No on-the-spot decision"),
            _("The party must be told of the right to a hearing (art. 63)")
            if evaluation.hearing_right else _("No hearing right"),
            _("Legal review required before the decision (art. 58)")
            if evaluation.legal_review_required else _("No legal review required"),
            *([_("The law requires a lighter or mitigated penalty (arts. 30, 32)")]
              if evaluation.mandatory_mitigation else []),
        ]

    def step_texts(self) -> list[str]:
        if self.evaluation is None:
            return []
        return [step.text for step in self.evaluation.steps]


class ChoiceForm(QGroupBox):
    """See the module docstring."""

    record_requested = Signal()
    choice_changed = Signal()  # the engine accepted or refused what is now stated

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("The officer's choice"), parent)
        self.evaluation: Evaluation | None = None
        self.accepted: Choice | None = None
        layout = QVBoxLayout(self)
        self.waive = QCheckBox(_("Give no penalty"))
        self.waive.toggled.connect(self._changed)
        layout.addWidget(self.waive)
        form = QFormLayout()
        self.amount = QLineEdit()
        self.amount.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,9}")))
        self.amount.setPlaceholderText(_("yuan; empty for no fine"))
        self.amount.textChanged.connect(self._amount_edited)
        form.addRow(_("Fine (yuan):"), self.amount)
        self.outside = QLabel("")
        self.outside.setWordWrap(True)
        form.addRow(self.outside)
        self.kind = QComboBox()
        self.kind.addItem(_("— choose the kind of deviation —"), None)
        for kind in DeviationKind:
            self.kind.addItem(deviation_explained(kind), kind)
        # Its words are long; the panel is narrow: the box may be narrower than its items.
        self.kind.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.kind.setMinimumContentsLength(12)
        self.kind.currentIndexChanged.connect(self._changed)
        form.addRow(_("Deviation:"), self.kind)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(_("Why the amount leaves the tier (written into the "
                                         "decision's reasoning)"))
        self.reason.setMaximumHeight(80)
        self.reason.textChanged.connect(self._changed)
        form.addRow(_("Reason:"), self.reason)
        layout.addLayout(form)
        self.refusal = QLabel("")
        self.refusal.setWordWrap(True)
        self.refusal.setStyleSheet(_REFUSED_STYLE)
        layout.addWidget(self.refusal)
        buttons = QHBoxLayout()
        self.record_button = QPushButton(_("Record the proposal and choice"))
        self.record_button.clicked.connect(self.record_requested.emit)
        buttons.addStretch(1)
        buttons.addWidget(self.record_button)
        layout.addLayout(buttons)
        self.set_evaluation(None)

    # --- what the officer states ----------------------------------------------------------
    def amount_value(self) -> int | None:
        text = self.amount.text().strip()
        return int(text) if text else None

    def outside_range(self) -> bool:
        """The amount leaves the proposed range (or there is none to be inside)."""
        evaluation, amount = self.evaluation, self.amount_value()
        if evaluation is None or amount is None or self.waive.isChecked():
            return False
        return evaluation.proposed_range is None or amount not in evaluation.proposed_range

    def deviation(self) -> Deviation | None:
        if not self.outside_range():
            return None
        kind = self.kind.currentData()
        if kind is None:
            return None
        return Deviation(DeviationKind(kind), self.reason.toPlainText())

    def choice_arguments(self) -> ChoiceArguments:
        """What `penalty.choose` is given."""
        waive = self.waive.isChecked()
        return ChoiceArguments(waive, None if waive else self.amount_value(),
                               None if waive else self.deviation())

    # --- the engine's answer --------------------------------------------------------------
    def set_evaluation(self, evaluation: Evaluation | None) -> None:
        """A new evaluation: the amount is preset to the proposal's (the officer may change
        it), the deviation fields keep what was typed."""
        self.evaluation = evaluation
        self.setEnabled(evaluation is not None)
        if evaluation is not None:
            no_penalty = evaluation.outcome in (Outcome.NO_PENALTY, Outcome.TIME_BARRED)
            self.waive.blockSignals(True)
            self.waive.setChecked(no_penalty)
            self.waive.setEnabled(evaluation.outcome is Outcome.MAY_WAIVE)
            self.waive.blockSignals(False)
            self.amount.blockSignals(True)
            self.amount.setText("" if evaluation.proposed_amount is None
                                else str(evaluation.proposed_amount))
            self.amount.blockSignals(False)
        self._changed()

    def _amount_edited(self, *_args: object) -> None:
        """The kind of deviation follows the amount typed: the engine's rule preselects it
        (below the statutory minimum 减轻, never 从重); the officer writes the reason."""
        evaluation, amount = self.evaluation, self.amount_value()
        if evaluation is not None and amount is not None and self.outside_range():
            wanted = deviation_kind(evaluation, amount)
            index = self.kind.findData(wanted) if wanted is not None else -1
            if index >= 0 and index != self.kind.currentIndex():
                self.kind.blockSignals(True)
                self.kind.setCurrentIndex(index)
                self.kind.blockSignals(False)
        self._changed()

    def _changed(self, *_args: object) -> None:
        evaluation = self.evaluation
        self.amount.setEnabled(evaluation is not None and not self.waive.isChecked())
        outside = self.outside_range()
        self.kind.setEnabled(outside)
        self.reason.setEnabled(outside)
        if outside and evaluation is not None:
            self.outside.setText(_("{amount} is outside the tier's range ({range}): choose the "
                                   "kind of deviation and write the reason.").format(
                amount=yuan(self.amount_value() or 0),
                range=yuan_range(evaluation.proposed_range)))
        else:
            self.outside.setText("")
        self.outside.setVisible(outside)
        self.accepted = None
        refusal = ""
        if evaluation is None:
            refusal = _("Choose a matter first; the engine then proposes the penalty.")
        else:
            try:
                stated = self.choice_arguments()
                self.accepted = discretion.choose(evaluation, waive=stated.waive,
                                                  amount=stated.amount,
                                                  deviation=stated.deviation)
            except UserError as exc:
                refusal = str(exc)
        self.refusal.setText(_("Cannot record yet: {why}").format(why=refusal) if refusal
                             else "")
        self.refusal.setVisible(bool(refusal))
        self.record_button.setEnabled(self.accepted is not None and self._may_record)
        self.record_button.setToolTip(refusal or _("Record the proposal and this choice in "
                                                   "the case (audited)"))
        self.choice_changed.emit()

    _may_record = True

    def set_may_record(self, allowed: bool, why: str = "") -> None:
        """Recording is also refused while the decision is with the reviewer or decided."""
        self._may_record = allowed
        self._changed()
        if not allowed and why:
            self.record_button.setToolTip(why)
