"""The base field of the discretion panel (decision 52): for illegal construction (a share of
the construction cost) the officer enters the cost and its evidence, the proposal shows
cost × share = the yuan range, and the choice is judged on it; a cost that is no sum of money
is refused in words and no earlier proposal stays on screen; the recorded cost comes back in a
new panel. And the deviation kind follows the amount: 10 yuan for sidewalk parking is 减轻,
never 从重 (the screenshot of the last session)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea
from pytestqt.qtbot import QtBot

from desktop.services import case_party, penalty
from desktop.ui.context import AppContext
from desktop.ui.discretion import DiscretionPanel
from legal.discretion.evaluation import DeviationKind
from legal.discretion.model import PartyType
from tests.conftest import World
from tests.services.test_penalty_share_of_base import BUILDER
from tests.ui.conftest import store_of
from tests.ui.discretion.support import hold, say_in_statement
from tests.ui.discretion.test_discretion_panel import choose_sidewalk_parking, open_panel

BUILDING = "未取得建设工程规划许可证或者未按照建设工程规划许可证的规定进行建设"


def choose_building(qtbot: QtBot, panel: DiscretionPanel) -> None:
    panel.search.field.setText("违建")
    qtbot.keyClick(panel.search.field, Qt.Key.Key_Return)
    row = next(i for i, text in enumerate(panel.search.rows()) if BUILDING in text)
    panel.search.choose_row(row)
    assert panel.matter_view.name.text().startswith(BUILDING)
    panel.facts_form.party_buttons[PartyType.UNIT].setChecked(True)


def test_the_cost_gives_the_range_and_the_decision_keeps_it(qtbot: QtBot, world: World,
                                                            ui_ctx: AppContext) -> None:
    hold(world)
    case_party.set_unit(store_of(ui_ctx), world.case.id, BUILDER)  # the builder is the party
    say_in_statement(world)
    workspace, panel = open_panel(qtbot, ui_ctx, world)
    choose_sidewalk_parking(panel)
    form = panel.facts_form
    assert not form.base_box.isVisible()  # a fine in yuan takes no base
    choose_building(qtbot, panel)
    assert "建设工程造价百分之十以下" in panel.matter_view.statutory.text()
    assert form.base_box.isVisible() and form.base_box.title().endswith("建设工程造价")
    proposal = panel.proposal
    assert proposal.proposed_amount.text() == "none"
    assert proposal.base_line.text().startswith("Enter the amount of 建设工程造价 to compute")
    assert any("未录入建设工程造价的数额" in step for step in proposal.step_texts())

    form.base_amount.setText("120000")
    form.base_note.setText("造价核定书（合成）")
    assert proposal.base_line.text() == ("建设工程造价 120,000 yuan × 百分之五以上百分之十以下 = "
                                         "6,000 to 12,000 yuan (evidence: 造价核定书（合成）)")
    assert proposal.proposed_range.text() == \
        "建设工程造价百分之五以上百分之十以下: 6,000 to 12,000 yuan"
    assert proposal.statutory.text() == "建设工程造价百分之十以下: 1 to 12,000 yuan"
    # the factors' long words wrap in the pane beside the interview, even on the smallest
    # screen served (1024 wide): nothing is cut at its right edge (it never scrolls sideways)
    workspace.resize(1024, 768)
    qtbot.wait(20)
    scroll = panel.findChild(QScrollArea)
    assert scroll is not None and scroll.widget() is not None
    assert scroll.widget().minimumSizeHint().width() <= scroll.viewport().width()
    assert panel.choice.amount.text() == "9000"
    assert any("建设工程造价为人民币120000元（依据：造价核定书（合成））" in step
               for step in proposal.step_texts())

    panel.choice.amount.setText("5000")  # below 6,000: 从轻, preselected
    assert panel.choice.kind.currentData() == DeviationKind.LIGHTER
    assert not panel.choice.record_button.isEnabled()  # the reason is still to be written
    panel.choice.amount.setText("6000")
    assert panel.choice.record_button.isEnabled()
    panel.choice.record_button.click()
    [decision] = penalty.for_case(store_of(ui_ctx), world.case.id)
    assert decision.facts is not None and decision.facts.base_amount == Decimal("120000")
    assert decision.facts.base_note == "造价核定书（合成）"
    assert decision.choice is not None and decision.choice.amount == 6000

    _again, shown = open_panel(qtbot, ui_ctx, world)  # the recorded facts come back
    assert shown.facts_form.base_amount.text() == "120000"
    assert shown.facts_form.base_note.text() == "造价核定书（合成）"
    assert shown.proposal.proposed_range.text().endswith("6,000 to 12,000 yuan")


def test_a_cost_that_gives_no_whole_yuan_is_refused_in_words(qtbot: QtBot, world: World,
                                                             ui_ctx: AppContext) -> None:
    hold(world)
    _workspace, panel = open_panel(qtbot, ui_ctx, world)
    choose_building(qtbot, panel)
    form = panel.facts_form
    form.base_amount.setText("120000")
    assert panel.proposal.proposed_amount.text() == "9,000 yuan"
    form.base_amount.setText("5")  # 5% of 5 yuan is less than one yuan
    assert panel.message.isVisible()
    assert "gives no fine of at least one whole yuan" in panel.message.text()
    assert panel.proposal.proposed_amount.text() == ""  # nothing of the earlier cost stays
    assert not panel.choice.record_button.isEnabled()
    form.base_amount.setText("240000")
    assert not panel.message.isVisible()
    assert panel.proposal.proposed_range.text().endswith("12,000 to 24,000 yuan")


def test_the_deviation_kind_follows_the_amount(qtbot: QtBot, world: World,
                                               ui_ctx: AppContext) -> None:
    hold(world)
    say_in_statement(world)
    _workspace, panel = open_panel(qtbot, ui_ctx, world)
    choose_sidewalk_parking(panel)  # statutory 20-200, tier 80-140
    choice = panel.choice
    choice.amount.setText("10")
    assert choice.kind.currentData() == DeviationKind.MITIGATED
    choice.amount.setText("150")
    assert choice.kind.currentData() == DeviationKind.HEAVIER
    choice.amount.setText("10")
    assert choice.kind.currentData() == DeviationKind.MITIGATED
    choice.reason.setPlainText("当事人主动消除危害后果。")
    # 减轻 needs a statutory ground ticked (arts. 30-32): refused until one is.
    assert not choice.record_button.isEnabled()
    assert "statutory ground" in choice.refusal.text()
    choice.kind.setCurrentIndex(choice.kind.findData(DeviationKind.HEAVIER))
    assert "mitigated (减轻)" in choice.refusal.text()  # 从重 is named as the wrong kind
