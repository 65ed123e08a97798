"""One penalty decision on one screen: the statement, the evidence, the standard, the matter,
the facts, the reasoning with its citations, the officer's choice and any deviation.

What a legal reviewer (法制审核) must see before approving or returning a decision (issue 17),
and what the case officer sees of a decision that came back: the header names the case, the
party, the drafting officer and the state; on the left the statement the facts came from
(every question and answer, as recorded) and the case's evidence; on the right the matched
standard (title, version, "示例" when it is an example), the matter, the facts and ticked
conditions, the engine's evaluation with each reasoning step and the articles it cites, the
choice with its deviation and written reason, and every earlier review with its comments.
The reasoning and citations are the recorded Chinese legal wording.
"""

from __future__ import annotations

from gettext import gettext as _

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QLabel,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.model import TurnKind
from desktop.domain.penalty import DatasetUsed
from desktop.ui.evidence.describe import kind_text
from desktop.ui.labels import kind_label, turn_label
from desktop.ui.penalty.dossier import EXAMPLE_MARK, Dossier
from desktop.ui.penalty.labels import (
    decision_state_label,
    deviation_label,
    escape,
    outcome_label,
    party_type_label,
    tier_label,
    verdict_label,
    yuan,
    yuan_range,
)

DEVIATION_STYLE = "color: #8a4b00;"
EXAMPLE_STYLE = "color: #b00020; font-weight: bold;"


def _row(label: str, value: str) -> str:
    return f"<tr><td style='padding-right:12px'><b>{escape(label)}</b></td><td>{value}</td></tr>"


def _dataset(used: DatasetUsed | None, example: bool) -> str:
    if used is None:
        return escape(_("none held"))
    text = escape(_("{label}, version {version}").format(label=used.label,
                                                          version=used.version))
    if example:
        text += f" <span style='{EXAMPLE_STYLE}'>［{EXAMPLE_MARK}］</span>"
    return text


def header_html(dossier: Dossier) -> str:
    decision = dossier.decision
    parts = [_("Case {number}: {cause}").format(number=dossier.case.number,
                                                cause=dossier.case.cause)]
    if dossier.party is not None:
        parts.append(_("Party: {name}").format(name=dossier.party.name))
    parts.append(_("Drafted by {name}").format(name=dossier.officer_name(decision.officer_id)))
    parts.append(decision_state_label(decision.state))
    return "<b>" + " · ".join(escape(p) for p in parts) + "</b>"


def statement_html(dossier: Dossier) -> str:
    statement = dossier.statement
    if statement is None:
        return escape(_("The decision names no statement."))
    lines = [f"<p><b>{escape(kind_label(statement.kind))}</b> · "
             f"{escape(statement.place)} · {statement.started_at:%Y-%m-%d %H:%M}</p>"]
    for turn in statement.turns:
        style = " style='color:#555'" if turn.kind is TurnKind.NOTE else ""
        lines.append(f"<p{style}><b>{escape(turn_label(turn.kind))}：</b>"
                     f"{escape(turn.text)}</p>")
    return "".join(lines)


def choice_html(dossier: Dossier) -> str:
    """What the officer chose, and any deviation with its written reason."""
    choice = dossier.decision.choice
    out: list[str] = []
    title = _("The officer's choice")
    out.append(f"<h4>{escape(title)}</h4>")
    if choice is None:
        out.append(f"<p>{escape(_('No penalty chosen yet.'))}</p>")
    else:
        if choice.waived:
            chosen = _("No penalty")
        elif choice.amount is not None:
            chosen = _("{penalties}: {amount}").format(
                penalties="、".join(choice.penalties) or _("Fine"), amount=yuan(choice.amount))
        else:
            chosen = "、".join(choice.penalties)
        out.append(f"<p>{escape(chosen)}</p>")
        if choice.deviation is not None:
            deviation = choice.deviation
            kind = _("Deviation: {kind}").format(kind=deviation_label(deviation.kind))
            reason = _("Reason: {reason}").format(reason=deviation.reason)
            out.append(f"<p style='{DEVIATION_STYLE}'><b>{escape(kind)}</b><br>"
                       f"{escape(reason)}</p>")
        else:
            out.append(f"<p>{escape(_('Within the proposed range: no deviation.'))}</p>")
        # What the chosen penalty gives, which may differ from the proposal's (a heavier
        # fine reaching the hearing threshold): the notice and the review follow these.
        decision = dossier.decision
        rights = [_("the party has the right to a hearing (art. 63)") if decision.hearing_right
                  else _("no hearing right"),
                  _("legal review is required (art. 58)") if decision.review_required
                  else _("no legal review required")]
        said = _("For the penalty chosen: {rights}").format(rights="; ".join(rights))
        out.append(f"<p>{escape(said)}</p>")
    return "".join(out)


def decision_html(dossier: Dossier) -> str:
    """The standard and matter, the choice and the reviews so far, then the facts, the
    evaluation and the reasoning with its citations, as rich text."""
    decision = dossier.decision
    out: list[str] = ["<table>"]
    out.append(_row(_("Discretion standard"), _dataset(decision.standard,
                                                        dossier.standard_example)))
    out.append(_row(_("Law library"), _dataset(decision.library, False)))
    evaluation, facts, choice = decision.evaluation, decision.facts, decision.choice
    if evaluation is not None:
        out.append(_row(_("Matter"), escape(f"{evaluation.matter_code} "
                                            f"{evaluation.matter_name}")))
    out.append("</table>")
    out.append(choice_html(dossier))  # what is reviewed comes first; its grounds follow
    if decision.reviews:
        out.append(f"<h4>{escape(_('Legal reviews'))}</h4>")
        for review in decision.reviews:
            line = _("{verdict} by {name} on {at}").format(
                verdict=verdict_label(review.verdict), name=review.reviewer_name,
                at=f"{review.at:%Y-%m-%d %H:%M}")
            comments = (f"<br>{escape(_('Comments: {text}').format(text=review.comments))}"
                        if review.comments else "")
            out.append(f"<p><b>{escape(line)}</b>{comments}</p>")
    out.append(f"<h4>{escape(_('Facts and evaluation'))}</h4><table>")
    if facts is not None:
        out.append(_row(_("Party type"), escape(party_type_label(facts.party_type))))
        if facts.violation_date:
            out.append(_row(_("Violation date"), escape(facts.violation_date)))
        if facts.discovered_date:
            out.append(_row(_("Discovered on"), escape(facts.discovered_date)))
        if facts.on_the_spot:
            out.append(_row(_("Procedure"), escape(_("On the spot (arts. 51-52)"))))
        ticked = sorted(dossier.condition(code) for code in facts.conditions)
        out.append(_row(_("Conditions"), "<br>".join(escape(w) for w in ticked)
                        or escape(_("none ticked"))))
    if evaluation is not None:
        out.append(_row(_("Outcome"), escape(outcome_label(evaluation.outcome))))
        out.append(_row(_("Tier"), escape(tier_label(evaluation.tier))))
        out.append(_row(_("Statutory range"), escape(yuan_range(evaluation.statutory_range))))
        out.append(_row(_("Proposed range"), escape(yuan_range(evaluation.proposed_range))))
        if evaluation.proposed_amount is not None:
            out.append(_row(_("Proposed amount"), escape(yuan(evaluation.proposed_amount))))
        notes = []
        if evaluation.mandatory_mitigation:
            notes.append(_("a lighter or mitigated penalty is mandatory"))
        if evaluation.hearing_right:
            notes.append(_("the party has the right to a hearing (art. 63)"))
        if evaluation.legal_review_required:
            notes.append(_("legal review is required (art. 58)"))
        if notes:
            out.append(_row(_("Notes"), escape("; ".join(notes))))
    out.append("</table>")
    if evaluation is not None:
        out.append(f"<h4>{escape(_('Reasoning'))}</h4><ol>")
        steps = list(evaluation.steps) + (list(choice.steps) if choice is not None else [])
        for step in steps:
            cited = "".join(f"<br><i>{escape(c)}</i>" for c in step.citations)
            out.append(f"<li>{escape(step.text)}{cited}</li>")
        out.append("</ol>")
    return "".join(out)


class DecisionView(QWidget):
    """See the module docstring. `show_dossier` fills it; `clear` empties it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dossier: Dossier | None = None
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statement_text = QTextBrowser()
        self.statement_text.setAccessibleName(_("Statement"))
        self.evidence_list = QTreeWidget()
        self.evidence_list.setHeaderLabels([_("File"), _("Kind"), _("Imported"),
                                            _("SHA-256")])
        self.evidence_list.setRootIsDecorated(False)
        self.evidence_list.setColumnWidth(0, 220)
        self.evidence_list.setAccessibleName(_("Evidence of the case"))
        self.decision_text = QTextBrowser()
        self.decision_text.setAccessibleName(_("Decision and reasoning"))
        self.statement_box = QGroupBox(_("Statement"))
        QVBoxLayout(self.statement_box).addWidget(self.statement_text)
        self.evidence_box = QGroupBox(_("Evidence"))
        QVBoxLayout(self.evidence_box).addWidget(self.evidence_list)
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.statement_box)
        left.addWidget(self.evidence_box)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 1)
        self.decision_box = QGroupBox(_("Standard, facts, reasoning and choice"))
        QVBoxLayout(self.decision_box).addWidget(self.decision_text)
        columns = QSplitter(Qt.Orientation.Horizontal)
        columns.addWidget(left)
        columns.addWidget(self.decision_box)
        columns.setStretchFactor(0, 1)
        columns.setStretchFactor(1, 1)
        columns.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(columns, 1)

    def show_dossier(self, dossier: Dossier) -> None:
        self.dossier = dossier
        self.header.setText(header_html(dossier))
        self.statement_text.setHtml(statement_html(dossier))
        self.evidence_list.clear()
        for item in dossier.evidence:
            row = QTreeWidgetItem([item.original_name, kind_text(item.kind),
                                   f"{item.imported_at:%Y-%m-%d %H:%M}", item.sha256[:16]])
            row.setToolTip(3, item.sha256)
            self.evidence_list.addTopLevelItem(row)
        self.evidence_box.setTitle(_("Evidence ({count})").format(count=len(dossier.evidence)))
        self.decision_text.setHtml(decision_html(dossier))

    def clear(self) -> None:
        self.dossier = None
        self.header.clear()
        self.statement_text.clear()
        self.evidence_list.clear()
        self.evidence_box.setTitle(_("Evidence"))
        self.decision_text.clear()
