"""The discretion panel beside the interview, on a real store holding the shipped statutes and
the starter standard (示例) accepted from a signed manifest, with the real engine and penalty
services: the statement's words suggest the sidewalk-parking matter, ticking conditions moves
the proposal and its reasoning, recording lands in the store and the audit trail, and an
amount outside the tier is refused until the right kind of deviation and a reason are given.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.services import case_party, penalty
from desktop.store import audit
from desktop.ui.context import AppContext
from desktop.ui.discretion import DiscretionPanel
from desktop.ui.interview import InterviewWorkspace
from desktop.ui.law_browser import LawBrowser
from legal.discretion.evaluation import DeviationKind
from legal.discretion.model import PartyType
from tests.conftest import World
from tests.services.test_penalty_share_of_base import BUILDER
from tests.ui.conftest import store_of
from tests.ui.discretion.support import hold, say_in_statement

MATTER = "在人行道上违法停放机动车"
MINOR = "驾驶人虽不在现场但经通知后及时驶离"
ELIMINATED = "主动消除或者减轻违法行为危害后果"


def open_panel(qtbot: QtBot, ctx: AppContext, world: World) -> tuple[InterviewWorkspace,
                                                                       DiscretionPanel]:
    workspace = InterviewWorkspace(ctx, world.case.id, world.statement.id)
    qtbot.addWidget(workspace)
    workspace.resize(1366, 768)
    workspace.show()
    qtbot.waitExposed(workspace)
    assert workspace.discretion is None  # nothing read until the officer asks for it
    qtbot.mouseClick(workspace.discretion_button, Qt.MouseButton.LeftButton)
    panel = workspace.discretion
    assert isinstance(panel, DiscretionPanel) and panel.isVisible()
    return workspace, panel


def choose_sidewalk_parking(panel: DiscretionPanel) -> None:
    row = next(i for i, text in enumerate(panel.search.rows()) if MATTER in text)
    panel.search.choose_row(row)
    assert panel.matter_view.name.text().startswith(MATTER)


def test_the_statement_suggests_the_sidewalk_parking_matter(qtbot: QtBot, world: World,
                                                            ui_ctx: AppContext) -> None:
    hold(world)
    say_in_statement(world)
    workspace, panel = open_panel(qtbot, ui_ctx, world)
    assert "示例" in panel.standard_label.text() or panel.example_label.isVisible()
    assert panel.example_label.isVisible()
    first = panel.search.rows()[0]
    assert first.startswith(f"From the statement: {MATTER} (")
    # Search by words and by code finds it too.
    panel.search.field.setText("人行道")
    qtbot.keyClick(panel.search.field, Qt.Key.Key_Return)
    assert any(MATTER in row for row in panel.search.rows())
    panel.search.field.setText("SR-001")  # by code: another matter, below the suggestion
    qtbot.keyClick(panel.search.field, Qt.Key.Key_Return)
    rows = panel.search.rows()
    assert rows[0].startswith(f"From the statement: {MATTER}")
    assert rows[1].startswith("临街建筑物阳台外、窗外、屋顶吊挂或者堆放有碍市容") and \
        rows[1].endswith("(示例-SR-001, 市容环境)")
    panel.search.field.setText("没有这种事项")
    qtbot.keyClick(panel.search.field, Qt.Key.Key_Return)
    assert panel.search.note.text() == "No matter matches 「没有这种事项」."
    choose_sidewalk_parking(panel)
    assert "《中华人民共和国道路交通安全法》第五十六条第一款" in panel.matter_view.violation.text()
    assert "《中华人民共和国道路交通安全法》第九十三条第二款" in panel.matter_view.penalty.text()
    assert panel.matter_view.statutory.text().splitlines() == [
        "Individual: 20 to 200 yuan", "Unit (legal person or organisation): no fine", "警告、罚款"]
    # The basis opens the law browser at the article, the cited paragraph marked.
    panel.matter_view.penalty.linkActivated.emit("《中华人民共和国道路交通安全法》第九十三条第二款")
    browser = workspace.window().law_browser  # type: ignore[attr-defined]
    assert isinstance(browser, LawBrowser) and browser.isVisible()
    [marked] = browser.marked_text()
    assert "处二十元以上二百元以下罚款" in marked
    # Hiding the panel gives the interview its width back; showing it again keeps its state.
    workspace.discretion_button.click()
    assert not panel.isVisible()
    workspace.discretion_button.click()
    assert panel.isVisible() and panel.matter_view.name.text().startswith(MATTER)


def test_ticking_conditions_changes_the_proposal_and_its_reasoning(
        qtbot: QtBot, world: World, ui_ctx: AppContext) -> None:
    hold(world)
    say_in_statement(world)
    _workspace, panel = open_panel(qtbot, ui_ctx, world)
    choose_sidewalk_parking(panel)
    proposal = panel.proposal
    assert proposal.outcome.text() == "Penalty"
    assert proposal.tier.text() == "General"
    assert proposal.proposed_range.text() == "80 to 140 yuan"
    general_steps = proposal.step_texts()
    assert any("一般" in step for step in general_steps)
    assert panel.choice.amount.text() == proposal.proposed_amount.text().split()[0]

    panel.facts_form.tick(MINOR)
    assert proposal.tier.text() == "Minor"
    assert proposal.proposed_range.text() == "20 to 80 yuan"
    assert proposal.step_texts() != general_steps
    assert any("轻微" in step for step in proposal.step_texts())

    panel.facts_form.tick(ELIMINATED)
    assert "The law requires a lighter or mitigated penalty (arts. 30, 32)" in \
        proposal.flags.text()
    assert any("第三十二条" in c for s in proposal.evaluation.steps for c in s.citations)
    assert proposal.proposed_amount.text() == "20 yuan"  # the tier's lowest, 从轻
    assert "On-the-spot decision possible (art. 51)" in proposal.flags.text()


def test_recording_the_proposal_lands_in_the_store_and_the_audit_trail(
        qtbot: QtBot, world: World, ui_ctx: AppContext) -> None:
    hold(world)
    say_in_statement(world)
    _workspace, panel = open_panel(qtbot, ui_ctx, world)
    assert panel.state_label.text() == "No penalty decision recorded for this statement yet."
    assert not panel.documents_button.isVisible()  # nothing chosen: no document is due
    choose_sidewalk_parking(panel)
    panel.facts_form.tick(MINOR)
    assert panel.choice.record_button.isEnabled()
    assert not panel.choice.refusal.isVisible()
    amount = int(panel.choice.amount.text())
    panel.choice.record_button.click()
    assert panel.state_label.text().startswith("Decision: Approved")
    assert f"Recorded: 罚款, {amount} yuan" in panel.state_label.text()

    [decision] = penalty.for_case(store_of(ui_ctx), world.case.id)
    assert decision.statement_id == world.statement.id
    assert decision.facts is not None and decision.facts.matter_code == panel.matter.code
    assert decision.choice is not None and decision.choice.amount == amount
    assert decision.standard is not None and decision.standard.version == 1
    actions = [r.action for r in audit.events_about(store_of(ui_ctx).conn, decision.id)]
    assert "penalty.proposed" in actions and "penalty.chosen" in actions
    chosen = next(json.loads(r.details) for r in
                  audit.events_about(store_of(ui_ctx).conn, decision.id)
                  if r.action == "penalty.chosen")
    assert chosen.get("amount") == amount or str(amount) in json.dumps(chosen)

    # The decision's documents open from the panel, the prior notice first.
    assert panel.documents_button.isVisible()
    panel.documents_button.click()
    window = panel.documents_window
    assert window is not None  # closed below (it deletes itself on close)
    listed = [window.documents.item(i).text() for i in range(window.documents.count())]
    assert listed and "prior notice" in listed[0].lower()
    assert any("decision" in text.lower() for text in listed[1:])
    window.close()

    # A second panel on the same statement shows what was recorded.
    _again, shown = open_panel(qtbot, ui_ctx, world)
    assert shown.state_label.text() == panel.state_label.text()
    assert shown.facts_form.conditions[next(
        code for code, box in shown.facts_form.conditions.items()
        if box.text() == MINOR)].isChecked()
    assert shown.choice.amount.text() == str(amount)


def test_an_amount_outside_the_tier_needs_the_right_kind_and_a_reason(
        qtbot: QtBot, world: World, ui_ctx: AppContext) -> None:
    hold(world)
    say_in_statement(world)
    _workspace, panel = open_panel(qtbot, ui_ctx, world)
    choose_sidewalk_parking(panel)
    choice = panel.choice
    assert panel.proposal.proposed_range.text() == "80 to 140 yuan"
    assert not choice.kind.isEnabled() and not choice.reason.isEnabled()

    choice.amount.setText("50")  # below the tier, within 20-200: 从轻
    assert choice.outside.isVisible()
    assert choice.outside.text().startswith("50 yuan is outside the tier's range (80 to 140 yuan)")
    assert choice.kind.isEnabled() and choice.reason.isEnabled()
    assert not choice.record_button.isEnabled()
    assert choice.refusal.text().startswith("Cannot record yet: ")
    assert choice.record_button.toolTip() in choice.refusal.text()

    choice.kind.setCurrentIndex(choice.kind.findData(DeviationKind.HEAVIER))
    choice.reason.setPlainText("当事人初次违法，经指出后立即驶离。")
    assert not choice.record_button.isEnabled()
    wrong_kind = choice.refusal.text()
    assert wrong_kind.startswith("Cannot record yet: ")

    choice.kind.setCurrentIndex(choice.kind.findData(DeviationKind.LIGHTER))
    choice.reason.setPlainText("")
    assert not choice.record_button.isEnabled()
    assert choice.refusal.text() not in ("", wrong_kind)

    choice.reason.setPlainText("当事人初次违法，经指出后立即驶离。")
    assert choice.record_button.isEnabled()
    assert not choice.refusal.isVisible()
    assert any("从轻" in text for text in panel.proposal.steps.text().split("<li>"))
    choice.record_button.click()
    assert "Recorded: 罚款, 50 yuan (从轻: 当事人初次违法，经指出后立即驶离。)" in \
        panel.state_label.text()
    [decision] = penalty.for_case(store_of(ui_ctx), world.case.id)
    assert decision.choice is not None and decision.choice.deviation is not None
    assert decision.choice.deviation.kind is DeviationKind.LIGHTER

    choice.amount.setText("500")  # above the statutory maximum: refused whatever is said
    choice.kind.setCurrentIndex(choice.kind.findData(DeviationKind.HEAVIER))
    choice.reason.setPlainText("情节严重。")
    assert not choice.record_button.isEnabled()
    assert "200" in choice.refusal.text()


def test_without_a_standard_the_panel_says_to_sync(qtbot: QtBot, world: World,
                                                   ui_ctx: AppContext) -> None:
    _workspace, panel = open_panel(qtbot, ui_ctx, world)
    assert panel.standard_label.text().startswith(
        "No discretion standard is held on this computer yet.")
    assert "sync with HQ" in panel.standard_label.text()
    assert not panel.search.isEnabled()
    assert not panel.choice.record_button.isEnabled()
    assert not panel.example_label.isVisible()


def test_the_law_menu_shows_and_hides_the_panel_of_the_statement_open(
        qtbot: QtBot, world: World, ui_ctx: AppContext) -> None:
    from desktop.ui.main_window import MainWindow

    hold(world)
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.closing_for_rebuild = True  # the world fixture closes the store itself
    window.show()
    window.show_case(world.case.id)
    window.open_statement(world.case.id, world.statement.id)
    workspace = window.tabs.currentWidget()
    assert isinstance(workspace, InterviewWorkspace)
    [law_menu] = [a.menu() for a in window.menuBar().actions() if a.text() == "L&aw"]
    [toggle] = [a for a in law_menu.actions() if a.text() == "Discretion panel"]
    assert toggle.shortcut().toString() == "Ctrl+Shift+D"
    toggle.trigger()
    assert workspace.discretion is not None and workspace.discretion.isVisible()
    assert workspace.discretion_button.isChecked()
    toggle.trigger()
    assert not workspace.discretion.isVisible()
    window.close()


def test_a_first_violation_may_go_unpunished_when_the_officer_so_decides(
        qtbot: QtBot, world: World, ui_ctx: AppContext) -> None:
    hold(world)
    say_in_statement(world)
    _workspace, panel = open_panel(qtbot, ui_ctx, world)
    choose_sidewalk_parking(panel)
    choice = panel.choice
    assert not choice.waive.isEnabled()  # a penalty, as things stand
    panel.facts_form.tick("初次违法且危害后果轻微并及时改正")
    assert panel.proposal.outcome.text() == \
        "May be waived (first violation, art. 33)"
    assert choice.waive.isEnabled() and not choice.waive.isChecked()
    choice.waive.setChecked(True)
    assert not choice.amount.isEnabled()
    assert choice.record_button.isEnabled()
    choice.record_button.click()
    assert "Recorded: no penalty." in panel.state_label.text()
    [decision] = penalty.for_case(store_of(ui_ctx), world.case.id)
    assert decision.choice is not None and decision.choice.waived
    assert decision.choice.amount is None


def test_the_suggestions_follow_what_the_statement_says(qtbot: QtBot, world: World,
                                                        ui_ctx: AppContext) -> None:
    hold(world)
    workspace, panel = open_panel(qtbot, ui_ctx, world)
    assert panel.search.rows() == []
    assert panel.search.note.text() == ("Nothing in the statement matches a matter yet: "
                                        "search by name, code or words.")
    say_in_statement(world)  # the interview goes on
    workspace.discretion_button.click()  # hidden
    workspace.discretion_button.click()  # shown again: read again
    assert panel.search.rows()[0].startswith(f"From the statement: {MATTER} (")
    assert panel.search.note.text() == ""


def test_the_dates_decide_the_limitation_and_on_the_spot_is_recorded(
        qtbot: QtBot, world: World, ui_ctx: AppContext) -> None:
    from PySide6.QtCore import QDate

    hold(world)
    say_in_statement(world)
    _workspace, panel = open_panel(qtbot, ui_ctx, world)
    choose_sidewalk_parking(panel)
    form = panel.facts_form
    assert not form.violation_date.edit.isEnabled()  # unstated until ticked
    form.violation_date.known.setChecked(True)
    form.violation_date.edit.setDate(QDate(2023, 3, 1))
    form.discovered_date.known.setChecked(True)
    form.discovered_date.edit.setDate(QDate(2026, 11, 20))
    assert panel.proposal.outcome.text() == "Time-barred (art. 36)"
    assert any("第三十六条" in c for s in panel.proposal.evaluation.steps for c in s.citations)
    assert panel.choice.waive.isChecked() and not panel.choice.waive.isEnabled()
    assert not panel.choice.amount.isEnabled()

    form.violation_date.edit.setDate(QDate(2026, 11, 19))
    assert panel.proposal.outcome.text() == "Penalty"
    form.on_the_spot.setChecked(True)
    assert panel.choice.record_button.isEnabled()
    panel.choice.record_button.click()
    [decision] = penalty.for_case(store_of(ui_ctx), world.case.id)
    assert decision.facts is not None and decision.facts.on_the_spot
    assert (decision.facts.violation_date, decision.facts.discovered_date) == (
        "2026-11-19", "2026-11-20")


def test_a_standard_that_arrives_while_the_panel_is_open_is_used_when_shown_again(
        qtbot: QtBot, world: World, ui_ctx: AppContext) -> None:
    say_in_statement(world)
    workspace, panel = open_panel(qtbot, ui_ctx, world)
    assert panel.standard_label.text().startswith("No discretion standard is held")
    hold(world)  # a sync brings one
    workspace.discretion_button.click()
    workspace.discretion_button.click()
    assert panel.search.isEnabled()
    assert panel.example_label.isVisible()
    assert panel.search.rows()[0].startswith(f"From the statement: {MATTER} (")


def test_the_party_type_follows_the_case_s_party_and_its_change(
        qtbot: QtBot, world: World, ui_ctx: AppContext) -> None:
    hold(world)
    say_in_statement(world)
    workspace, panel = open_panel(qtbot, ui_ctx, world)
    form = panel.facts_form
    # the person interviewed: shown as the party type, not offered (the engine would refuse
    # the other), and the note says where a unit is named
    assert form.party() is PartyType.INDIVIDUAL
    assert not any(b.isEnabled() for b in form.party_buttons.values())
    assert "Party of the case" in form.party_note.text()
    # a unit named on the case meanwhile: shown when the panel is shown again
    case_party.set_unit(store_of(ui_ctx), world.case.id, BUILDER)
    workspace.discretion_button.click()
    workspace.discretion_button.click()
    assert form.party() is PartyType.UNIT
    assert BUILDER.name in form.party_note.text()
    assert not any(b.isEnabled() for b in form.party_buttons.values())
    choose_sidewalk_parking(panel)
    # sidewalk parking fines the driver: for a unit party the engine says why it proposes
    # nothing, rather than a range meant for a person
    assert "provides no penalty for a unit" in panel.message.text()
    assert panel.proposal.proposed_range.text() == ""
