"""The discretion panel beside the interview: from the statement to a recorded, reasoned
penalty proposal (issue 17).

Top to bottom: the standard in use (title, version, 示例 for an example standard), matter
search (the statement's own words suggest matters first), the matter with its basis (links
to the law browser), the facts (party type, conditions, dates, on-the-spot), the engine's
proposal with every reasoning step, the officer's choice, and the decision's state (returned
with the reviewer's comments, approved…).

Reading (the standard, suggestions, evaluations, the case's decisions) runs on the read lane;
recording (`penalty.open_decision`, `propose`, `choose`, `submit_for_review`) on the store
lane, never on the GUI thread. The engine is asked again at every change of the facts; what
is shown is not recorded until the officer presses the record button, which the engine's own
refusal keeps disabled (and explains) while the choice is not lawful.
"""

from __future__ import annotations

from dataclasses import dataclass
from gettext import gettext as _
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.domain.penalty import DecisionState, PenaltyDecision, ReviewVerdict
from desktop.services import case_party, discretion, penalty
from desktop.ui.context import AppContext
from desktop.ui.discretion.facts_form import FactsForm, MatterView
from desktop.ui.discretion.matter_search import MatterSearch
from desktop.ui.discretion.proposal import ChoiceForm, ProposalView
from desktop.ui.evidence.describe import time_text
from desktop.ui.penalty.labels import decision_state_explained, yuan
from legal.discretion.evaluation import DeviationKind, Evaluation, Facts, MatterHit
from legal.discretion.model import Matter, PartyType, Standard

if TYPE_CHECKING:  # the store stack is loaded at login
    from desktop.store.store import Store

_ERROR_STYLE = "color: #b00020;"
_EXAMPLE_STYLE = "color: #8a3b00; font-weight: bold;"
_RETURNED_STYLE = "background: #fff3cd; color: #5c4400; padding: 4px;"
_EDITABLE = (DecisionState.DRAFT, DecisionState.CHOSEN, DecisionState.RETURNED,
             DecisionState.APPROVED)


@dataclass(frozen=True)
class _Loaded:
    """What the panel reads when it opens."""

    held: discretion.StandardHeld | None
    standard: Standard | None
    suggestions: list[MatterHit]
    suggestion_problem: str
    decision: PenaltyDecision | None
    party: case_party.KeptCaseParty | None  # the case's party; None: the person interviewed


def _load(store: Store, case_id: str, statement_id: str) -> _Loaded:
    held = discretion.held(store)
    party = case_party.show(store, case_id)
    if held is None:
        return _Loaded(None, None, [], "", _latest(store, case_id, statement_id), party)
    standard = discretion.standard(store)
    problem = ""
    try:
        suggestions = discretion.suggest_for_statement(store, statement_id)
    except UserError as exc:  # the statement cannot be read: say so, search still works
        suggestions, problem = [], str(exc)
    return _Loaded(held, standard, list(suggestions), problem,
                   _latest(store, case_id, statement_id), party)


def _latest(store: Store, case_id: str, statement_id: str) -> PenaltyDecision | None:
    """This statement's latest decision (or the case's, made without a statement)."""
    decisions = penalty.for_case(store, case_id)
    mine = [d for d in decisions if d.statement_id in (statement_id, None)]
    return max(mine, key=lambda d: d.created_at) if mine else None


class DiscretionPanel(QWidget):
    """See the module docstring."""

    decision_changed = Signal(object)  # the PenaltyDecision recorded or loaded

    def __init__(self, ctx: AppContext, case_id: str, statement_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.case_id = case_id
        self.statement_id = statement_id
        self.standard: Standard | None = None
        self.matter: Matter | None = None
        self.decision: PenaltyDecision | None = None
        self._serial = 0
        self._restore: PenaltyDecision | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.standard_label = QLabel(_("Reading the discretion standard…"))
        self.standard_label.setWordWrap(True)
        outer.addWidget(self.standard_label)
        self.example_label = QLabel(_("示例 Example standard: the bureau is to replace it with "
                                      "its own"))
        self.example_label.setStyleSheet(_EXAMPLE_STYLE)
        self.example_label.setWordWrap(True)
        self.example_label.hide()
        outer.addWidget(self.example_label)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(_ERROR_STYLE)
        self.message.hide()
        outer.addWidget(self.message)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        # Everything wraps to the pane's width: scrolling sideways would hide the words.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        layout = QVBoxLayout(body)
        self.search = MatterSearch(ctx)
        self.search.matter_chosen.connect(self.choose_matter)
        self.search.failed.connect(self._show_message)
        layout.addWidget(self.search)
        self.matter_view = MatterView()
        self.matter_view.citation_clicked.connect(self.open_citation)
        layout.addWidget(self.matter_view)
        self.facts_form = FactsForm(ctx.clock().date())
        self.facts_form.changed.connect(self.evaluate)
        layout.addWidget(self.facts_form)
        self.proposal = ProposalView()
        self.proposal.citation_clicked.connect(self.open_citation)
        layout.addWidget(self.proposal)
        self.choice = ChoiceForm()
        self.choice.record_requested.connect(self.record)
        self.choice.choice_changed.connect(
            lambda: self.proposal.show_choice(self.choice.accepted))
        layout.addWidget(self.choice)
        layout.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self.scroll_area = scroll

        self.state_label = QLabel("")
        self.state_label.setWordWrap(True)
        self.state_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.state_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.submit_button = QPushButton(_("Submit for legal review"))
        self.submit_button.clicked.connect(self.submit_for_review)
        self.submit_button.hide()
        buttons.addWidget(self.submit_button)
        # The decision's documents (desktop/ui/penalty): drafted, read back, served, signed.
        self.documents_button = QPushButton(_("Documents…"))
        self.documents_button.clicked.connect(self.open_documents)
        self.documents_button.hide()
        buttons.addWidget(self.documents_button)
        self.documents_window: QWidget | None = None
        outer.addLayout(buttons)
        for widget in (self.matter_view, self.facts_form, self.proposal):
            widget.hide()
        self.choice.setEnabled(False)
        self.load()

    # --- loading --------------------------------------------------------------------------
    def load(self) -> None:
        case_id, statement_id = self.case_id, self.statement_id
        self._ctx.read(lambda store: _load(store, case_id, statement_id), self._loaded,
                       self._failed)

    def _loaded(self, loaded: _Loaded) -> None:
        self._show_party(loaded.party)
        held = loaded.held
        if held is None or loaded.standard is None:
            self.standard_label.setText(_(
                "No discretion standard is held on this computer yet. HQ publishes it as "
                "reference data: sync with HQ (Sync › Sync now) to receive it."))
            self.search.setEnabled(False)
            self._show_decision(loaded.decision)
            return
        standard = loaded.standard
        self.standard = standard
        self.standard_label.setText(_("{title} · version of {date} (discretion version "
                                      "{version})").format(
            title=standard.title, date=standard.version_date,
            version=held.version))
        self.example_label.setVisible(standard.example)
        self.search.setEnabled(True)
        self.search.set_suggestions(loaded.suggestions)
        if loaded.suggestion_problem:
            self.search.note.setText(loaded.suggestion_problem)
        decision = loaded.decision
        self._show_decision(decision)
        if decision is not None and decision.facts is not None:
            self._restore = decision
            self.choose_matter(decision.facts.matter_code)

    def _show_party(self, party: case_party.KeptCaseParty | None) -> None:
        """The party type comes from the case's party (decision 54): the engine would refuse
        the other one, so it is shown, not offered."""
        if not shiboken6.isValid(self.facts_form):
            return  # the panel was closed while its read was on the read lane
        if party is not None and party.unit is not None:
            self.facts_form.set_party(PartyType.UNIT, _(
                "The case's party is a unit: {name}. It is named on the case (Party of the "
                "case…).").format(name=party.unit.name), fixed=True)
        else:
            self.facts_form.set_party(PartyType.INDIVIDUAL, _(
                "The case's party is the person interviewed. When it is a company or an "
                "organisation, name it on the case (Party of the case…)."), fixed=True)

    def refresh(self) -> None:
        """Shown again: suggest from the statement as it is now (more answers were typed) and
        show the case's party as it is now (it may have been named meanwhile), or read
        everything again while no standard was held (a sync may have brought one)."""
        if self.standard is None:
            self.load()
            return
        statement_id, case_id = self.statement_id, self.case_id
        self._ctx.read(lambda store: discretion.suggest_for_statement(store, statement_id),
                       self.search.set_suggestions, self._failed)
        self._ctx.read(lambda store: case_party.show(store, case_id), self._show_party,
                       self._failed)

    # --- the matter and the facts ---------------------------------------------------------
    def choose_matter(self, code: str) -> None:
        standard = self.standard
        matter = standard.matter(code) if standard is not None else None
        if matter is None:
            self._show_message(_("The standard held has no matter {code}.").format(code=code))
            return
        self._show_message("")
        self.matter = matter
        self.matter_view.show_matter(matter)
        self.matter_view.show()
        self.facts_form.set_matter(matter)
        self._ctx.read(lambda store: discretion.conditions(store, code),
                       lambda choices: self._show_conditions(code, choices), self._failed)

    def _show_conditions(self, code: str, choices: list[discretion.ConditionChoice]) -> None:
        self.facts_form.show()
        self.proposal.show()
        restore = self._restore
        if restore is not None and restore.facts is not None and \
                restore.facts.matter_code == code:
            self.facts_form.blockSignals(True)
            self.facts_form.set_conditions(code, choices)
            self.facts_form.blockSignals(False)
            self.facts_form.show_facts(restore.facts)  # evaluates once
        else:
            self._restore = None
            self.facts_form.set_conditions(code, choices)  # evaluates

    def evaluate(self) -> None:
        facts = self.facts_form.facts()
        if facts is None:
            return
        self._serial += 1
        serial = self._serial
        self._ctx.read(lambda store: discretion.evaluate(store, facts),
                       lambda evaluation: self._evaluated(serial, evaluation),
                       lambda exc: self._evaluation_failed(serial, exc))

    def _evaluation_failed(self, serial: int, exc: BaseException) -> None:
        """The engine refused these facts (a base that is no sum of money…): say why, and
        show no proposal of earlier facts as if it were theirs."""
        if serial != self._serial:
            return
        self._show_message(str(exc))
        self.proposal.show_evaluation(None)
        self.choice.set_evaluation(None)

    def _evaluated(self, serial: int, evaluation: Evaluation) -> None:
        if serial != self._serial:
            return  # the facts changed again since
        self._show_message("")
        self.proposal.show_evaluation(evaluation)
        self.choice.set_evaluation(evaluation)
        restore, self._restore = self._restore, None
        if restore is not None and restore.choice is not None:
            self._show_choice(restore)

    def _show_choice(self, decision: PenaltyDecision) -> None:
        """The recorded choice, back in the form (the engine judges it again)."""
        choice = decision.choice
        if choice is None:
            return
        self.choice.waive.setChecked(choice.waived and self.choice.waive.isEnabled())
        self.choice.amount.setText("" if choice.amount is None else str(choice.amount))
        if choice.deviation is not None:
            index = self.choice.kind.findData(choice.deviation.kind)
            self.choice.kind.setCurrentIndex(max(index, 0))
            self.choice.reason.setPlainText(choice.deviation.reason)

    # --- recording ------------------------------------------------------------------------
    def record(self) -> None:
        facts = self.facts_form.facts()
        if facts is None or self.choice.accepted is None:
            return
        arguments = self.choice.choice_arguments()
        decision = self.decision
        reuse = decision.id if decision is not None and decision.state in _EDITABLE else None
        case_id, statement_id = self.case_id, self.statement_id
        self.choice.record_button.setEnabled(False)

        def record_on_store(store: Store) -> PenaltyDecision:
            decision_id = reuse
            if decision_id is None:
                decision_id = penalty.open_decision(store, case_id,
                                                    statement_id).id
            penalty.propose(store, decision_id, facts)
            return penalty.choose(store, decision_id, waive=arguments.waive,
                                  amount=arguments.amount, deviation=arguments.deviation)

        self._ctx.run(record_on_store, self._recorded, self._record_refused)

    def _recorded(self, decision: PenaltyDecision) -> None:
        self._show_message("")
        self._show_decision(decision)

    def _record_refused(self, exc: BaseException) -> None:
        self._show_message(str(exc))
        self.choice.set_may_record(True)
        self.reload_decision()  # a proposal may have been kept before the choice was refused

    def reload_decision(self) -> None:
        case_id, statement_id = self.case_id, self.statement_id
        self._ctx.read(lambda store: _latest(store, case_id, statement_id),
                       self._show_decision, self._failed)

    def submit_for_review(self) -> None:
        decision = self.decision
        if decision is None:
            return
        decision_id = decision.id
        self.submit_button.setEnabled(False)
        self._ctx.run(lambda store: penalty.submit_for_review(store, decision_id),
                      self._recorded, self._record_refused)

    def open_documents(self) -> None:
        """The chosen decision's documents in their own window; the state follows a
        signature (signing the decision itself decides it)."""
        if self.decision is None:
            return
        from desktop.ui.penalty import open_documents

        window = open_documents(self._ctx, self.decision.id, self)
        window.document_signed.connect(lambda _document: self.reload_decision())
        self.documents_window = window

    # --- the decision's state -------------------------------------------------------------
    def _show_decision(self, decision: PenaltyDecision | None) -> None:
        self.decision = decision
        self.state_label.setStyleSheet("")
        self.submit_button.hide()
        self.documents_button.setVisible(decision is not None and decision.choice is not None)
        if decision is None:
            self.state_label.setText(_("No penalty decision recorded for this statement yet."))
            self.choice.set_may_record(True)
            return
        lines = [_("Decision: {state}").format(state=decision_state_explained(decision.state))]
        choice = decision.choice
        if choice is not None:
            lines.append(self.choice_words(decision))
        review = decision.last_review
        if decision.state is DecisionState.RETURNED and review is not None:
            lines.append(_("Returned by {name} on {when}: {comments}").format(
                name=review.reviewer_name, when=time_text(review.at), comments=review.comments))
            self.state_label.setStyleSheet(_RETURNED_STYLE)
        elif review is not None and review.verdict is ReviewVerdict.APPROVED and \
                decision.state in (DecisionState.APPROVED, DecisionState.DECIDED):
            lines.append(_("Approved by {name} on {when}: {comments}").format(
                name=review.reviewer_name, when=time_text(review.at),
                comments=review.comments or _("no comments")))
        self.state_label.setText("\n".join(lines))
        if decision.state is DecisionState.CHOSEN and decision.review_required:
            self.submit_button.show()
            self.submit_button.setEnabled(True)
        if decision.state in _EDITABLE:
            self.choice.set_may_record(True)
        else:
            self.choice.set_may_record(False, decision_state_explained(decision.state))
        self.decision_changed.emit(decision)

    @staticmethod
    def choice_words(decision: PenaltyDecision) -> str:
        choice = decision.choice
        assert choice is not None
        if choice.waived:
            return _("Recorded: no penalty.")
        what = "、".join(choice.penalties)
        if choice.amount is not None:
            what = _("{penalties}, {amount}").format(penalties=what, amount=yuan(choice.amount))
        if choice.deviation is not None:
            kind = {DeviationKind.LIGHTER: "从轻", DeviationKind.MITIGATED: "减轻",
                    DeviationKind.HEAVIER: "从重"}[choice.deviation.kind]
            return _("Recorded: {what} ({kind}: {reason})").format(
                what=what, kind=kind, reason=choice.deviation.reason)
        return _("Recorded: {what}").format(what=what)

    # --- the law browser and messages -----------------------------------------------------
    def open_citation(self, citation: str) -> None:
        from desktop.ui.law_browser import open_law_browser

        open_law_browser(self._ctx, self.window(), citation)

    def _failed(self, exc: BaseException) -> None:
        self._show_message(str(exc))

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def current_facts(self) -> Facts | None:
        return self.facts_form.facts()
