"""The case's party form (当事人…), opened from the case view (decision 54).

A real store (the world's, its administrator logged in) behind the real service, with
synchronous background lanes; what is checked is what the officer sees (the credit code's
check at each keystroke, the refusals, the case view's line) and what the store then holds.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QRadioButton
from pytestqt.qtbot import QtBot

from desktop.domain.model import PartyKind, RepresentativeTitle
from desktop.services import case_party, records
from desktop.ui.case_party_form import CasePartyDialog
from desktop.ui.cases import CaseView
from desktop.ui.context import AppContext
from tests.conftest import World

CODE = "91110101TE00000019"  # synthetic, with its check character


def case_view(ctx: AppContext, world: World, qtbot: QtBot) -> CaseView:
    [summary] = records.case_summaries(world.store)
    view = CaseView(ctx, summary, None)
    qtbot.addWidget(view)
    view.show()
    return view


def opened(view: CaseView, qtbot: QtBot) -> CasePartyDialog:
    qtbot.mouseClick(view.party_button, Qt.MouseButton.LeftButton)
    dialog = view.party_dialog
    assert isinstance(dialog, CasePartyDialog) and dialog.isVisible()
    return dialog


def choose(button: QRadioButton, qtbot: QtBot) -> None:
    """Click a radio button on its circle (a wide one takes no click beyond its words)."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton,
                     pos=QPoint(8, button.height() // 2))
    assert button.isChecked()


def fill(dialog: CasePartyDialog, qtbot: QtBot) -> None:
    choose(dialog.unit_button, qtbot)
    dialog.name.setText("测试科技有限公司")
    dialog.representative.setText("测试法人乙")
    dialog.address.setText("北京市东城区测试大街1号")
    dialog.phone.setText("010-00000001")


def test_the_officer_names_a_unit_with_its_code_checked_as_typed(
        ui_ctx: AppContext, world: World, qtbot: QtBot) -> None:
    view = case_view(ui_ctx, world, qtbot)
    assert view.party_label.text() == "Party: the person interviewed"
    dialog = opened(view, qtbot)
    assert dialog.person_button.isChecked() and not dialog.unit_form.isVisible()
    assert not dialog.reason.isVisible()  # named for the first time: no reason asked
    fill(dialog, qtbot)
    assert dialog.unit_form.isVisible()
    qtbot.keyClicks(dialog.credit_code, CODE[:10])
    assert "18 characters; this one has 10" in dialog.code_check.text()
    assert not dialog.save_button.isEnabled()
    qtbot.keyClicks(dialog.credit_code, CODE[10:17] + "8")  # the last character mistyped
    assert "check character does not match" in dialog.code_check.text()
    # the long message wraps and is shown whole, not cut to the one line a form row had
    label = dialog.code_check
    assert label.heightForWidth(label.width()) > label.fontMetrics().lineSpacing() * 1.5
    assert label.height() >= label.heightForWidth(label.width())
    assert not dialog.save_button.isEnabled()
    qtbot.keyClick(dialog.credit_code, Qt.Key.Key_Backspace)
    qtbot.keyClicks(dialog.credit_code, CODE[17])
    assert dialog.code_check.text() == "The check character matches."
    assert dialog.save_button.isEnabled()
    dialog.title.setCurrentIndex(dialog.title.findData("principal"))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and dialog.message.text() == ""
    held = case_party.show(world.store, world.case.id)
    assert held is not None and held.kind is PartyKind.UNIT and held.unit is not None
    assert (held.unit.name, held.unit.credit_code, held.unit.representative_title) == (
        "测试科技有限公司", CODE, RepresentativeTitle.PRINCIPAL)
    assert view.party_label.text() == (
        f"Party: 测试科技有限公司 (unit; unified social credit code {CODE})")


def test_naming_again_asks_why_and_a_refusal_keeps_nothing(
        ui_ctx: AppContext, world: World, qtbot: QtBot) -> None:
    view = case_view(ui_ctx, world, qtbot)
    first = opened(view, qtbot)
    fill(first, qtbot)
    first.credit_code.setText(CODE)
    qtbot.mouseClick(first.save_button, Qt.MouseButton.LeftButton)
    held = case_party.show(world.store, world.case.id)

    again = opened(view, qtbot)  # what is in force is shown, and a reason is asked
    assert again.unit_button.isChecked() and again.name.text() == "测试科技有限公司"
    assert again.credit_code.text() == CODE and again.reason.isVisible()
    again.address.setText("北京市东城区测试大街2号")
    qtbot.mouseClick(again.save_button, Qt.MouseButton.LeftButton)
    assert again.isVisible()
    assert "say why it is named again" in again.message.text()
    again.address.setText("  ")
    again.reason.setText("住所录入有误")
    qtbot.mouseClick(again.save_button, Qt.MouseButton.LeftButton)
    assert again.isVisible() and "registered address" in again.message.text()
    assert case_party.show(world.store, world.case.id) == held  # nothing kept

    choose(again.person_button, qtbot)
    assert not again.unit_form.isVisible() and again.save_button.isEnabled()
    qtbot.mouseClick(again.save_button, Qt.MouseButton.LeftButton)
    assert not again.isVisible()
    back = case_party.show(world.store, world.case.id)
    assert back is not None and back.kind is PartyKind.PERSON and back.reason == "住所录入有误"
    assert view.party_label.text() == "Party: the person interviewed"


def test_a_party_read_that_lands_after_the_case_closed_is_dropped(
        ui_ctx: AppContext, world: World, qtbot: QtBot) -> None:
    # With the real lanes the party is read on the read lane; the case view may be closed
    # (say by the idle lock) before the answer arrives on the GUI thread (seen in CI).
    view = case_view(ui_ctx, world, qtbot)
    view.close()
    view.deleteLater()
    qtbot.wait(20)
    view._show_party(None)  # the late answer: nothing to show it on, and no error
