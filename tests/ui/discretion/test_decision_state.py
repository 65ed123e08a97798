"""What the discretion panel says of the decision's state through legal review, on a real
store with real officers' keys: a decision the law sends to review (涉及重大公共利益, art. 58)
is submitted from the panel, cannot be changed while the reviewer has it, comes back with the
reviewer's written comments, and once approved says so with the reviewer's name."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.domain.penalty import DecisionState
from desktop.services import penalty
from desktop.ui.context import AppContext
from desktop.ui.discretion import DiscretionPanel
from desktop.ui.interview import InterviewWorkspace
from tests.conftest import PASSWORD, FakeClock, World
from tests.services.penalty_decision_support import (
    REVIEWER_CERT,
    REVIEWER_PASSWORD,
    add_reviewer,
    login,
    provision_keys,
)
from tests.ui.discretion.support import hold, say_in_statement

MATTER = "在人行道上违法停放机动车"
PUBLIC_INTEREST = "涉及重大公共利益"
COMMENTS = "请补充妨碍通行的证据后再定阶次。"


def panel_of(qtbot: QtBot, ctx: AppContext, world: World) -> DiscretionPanel:
    workspace = InterviewWorkspace(ctx, world.case.id, world.statement.id)
    qtbot.addWidget(workspace)
    workspace.resize(1366, 768)
    workspace.show()
    qtbot.mouseClick(workspace.discretion_button, Qt.MouseButton.LeftButton)
    panel = workspace.discretion
    assert isinstance(panel, DiscretionPanel)
    return panel


def as_officer(world: World, ctx: AppContext, certificate: str, password: str,
               clock: FakeClock) -> None:
    """Log another officer in on this computer (the GUI's context follows the store)."""
    ctx.store = login(world, certificate, password, clock)


def test_review_returned_with_comments_then_approved(qtbot: QtBot, world: World,
                                                     ui_ctx: AppContext,
                                                     clock: FakeClock) -> None:
    reviewer = add_reviewer(world)
    provision_keys(world, reviewer)
    hold(world)
    say_in_statement(world)
    panel = panel_of(qtbot, ui_ctx, world)
    row = next(i for i, text in enumerate(panel.search.rows()) if MATTER in text)
    panel.search.choose_row(row)
    panel.facts_form.tick(PUBLIC_INTEREST)
    assert "Legal review required before the decision (art. 58)" in \
        panel.proposal.flags.text()
    panel.choice.record_button.click()
    assert panel.state_label.text().startswith(
        "Decision: Penalty chosen; legal review is required before signing")
    assert panel.submit_button.isVisible() and panel.submit_button.isEnabled()

    panel.submit_button.click()
    assert panel.state_label.text().startswith("Decision: With the legal reviewer")
    assert not panel.submit_button.isVisible()
    assert not panel.choice.record_button.isEnabled()
    assert panel.choice.record_button.toolTip() == "With the legal reviewer"
    [decision] = penalty.for_case(world.store, world.case.id)

    as_officer(world, ui_ctx, REVIEWER_CERT, REVIEWER_PASSWORD, clock)
    penalty.return_for_changes(world.store, decision.id, COMMENTS, secret=REVIEWER_PASSWORD)
    as_officer(world, ui_ctx, "TEST0001", PASSWORD, clock)

    panel = panel_of(qtbot, ui_ctx, world)
    lines = panel.state_label.text().splitlines()
    assert lines[0] == "Decision: Returned by the legal reviewer"
    assert lines[-1].startswith("Returned by 测试审核员 on ")
    assert lines[-1].endswith(f": {COMMENTS}")
    assert panel.choice.record_button.isEnabled()  # the officer may change it again
    assert panel.facts_form.facts() is not None and \
        panel.facts_form.facts().conditions == decision.facts.conditions  # type: ignore

    panel.choice.record_button.click()
    panel.submit_button.click()
    as_officer(world, ui_ctx, REVIEWER_CERT, REVIEWER_PASSWORD, clock)
    penalty.approve(world.store, decision.id, "同意。", secret=REVIEWER_PASSWORD)
    as_officer(world, ui_ctx, "TEST0001", PASSWORD, clock)
    assert penalty.get(world.store, decision.id).state is DecisionState.APPROVED

    panel = panel_of(qtbot, ui_ctx, world)
    lines = panel.state_label.text().splitlines()
    assert lines[0] == "Decision: Approved: the documents can be drawn up"
    assert lines[-1].startswith("Approved by 测试审核员 on ")
    assert lines[-1].endswith(": 同意。")
