"""Settings › Unit legal particulars…: the administrator sets what penalty documents print.

A real store (the world's, its administrator logged in), the real service behind the dialog
(synchronous background lanes); what is checked is what the administrator sees in the dialog
and what the store then holds.
"""

from __future__ import annotations

import json

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.services import unit_profile
from desktop.store import audit
from desktop.store.store import unlock
from desktop.ui.background import Background
from desktop.ui.context import AppContext
from desktop.ui.unit_profile_dialog import UnitProfileDialog, open_unit_profile
from tests.conftest import SECOND_PASSWORD, World

TYPED = {"abbreviation": "南综执", "reconsideration_body": "嘉兴市南湖区人民政府",
         "court": "嘉兴市南湖区人民法院", "payee": "嘉兴市南湖区财政局",
         "bank": "某某银行嘉兴南湖支行", "account": "33001234567890",
         "payment_method": "持本决定书到开户银行缴纳"}


def opened(ctx: AppContext, qtbot: QtBot) -> UnitProfileDialog:
    dialog = open_unit_profile(ctx)
    assert dialog is not None
    qtbot.addWidget(dialog)
    return dialog


def save(dialog: UnitProfileDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()


def test_the_administrator_sets_the_particulars_and_sees_them_again(
        ui_ctx: AppContext, world: World, qtbot: QtBot) -> None:
    dialog = opened(ui_ctx, qtbot)
    assert dialog.version.text().startswith("Not set yet")
    assert all(edit.text() == "" for edit in dialog.fields.values())
    for name, value in TYPED.items():
        dialog.fields[name].setText(value)
    save(dialog)
    assert dialog.saved is not None and dialog.saved.version == 1
    assert not dialog.isVisible() and dialog.message.text() == ""
    held = unit_profile.show(world.store)
    assert held is not None and held.particulars == unit_profile.UnitParticularsRow(**TYPED)
    with world.store.reading() as conn:
        [event] = audit.events_about(conn, "unit_profile")
    assert json.loads(event.details)["abbreviation"] == "南综执"

    again = opened(ui_ctx, qtbot)
    assert again.version.text().startswith("Version 1, set ")
    assert {name: edit.text() for name, edit in again.fields.items()} == TYPED
    again.fields["court"].setText("   ")
    save(again)
    assert again.isVisible() and again.saved is None
    assert again.message.text() == "Court cannot be empty."
    assert unit_profile.show(world.store) == held  # nothing kept


def test_a_non_admin_is_told_who_sets_them_and_the_menu_offers_it_to_admins_only(
        ui_ctx: AppContext, world: World, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.ui.main_window import MainWindow

    def unit_action(ctx: AppContext) -> tuple[MainWindow, QAction]:
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        window.closing_for_rebuild = True  # the stores are closed by the test
        [action] = [a for a in window.actions() if a.text() == "Unit legal particulars…"]
        return window, action

    window, action = unit_action(ui_ctx)
    assert action.isVisible()
    action.trigger()
    assert isinstance(window.unit_profile_dialog, UnitProfileDialog)
    assert window.unit_profile_dialog.isVisible()
    window.unit_profile_dialog.close()

    store = unlock(world.paths, world.second.certificate_no, SECOND_PASSWORD,
                   clock=world.store.clock)
    ctx = AppContext(world.paths, Background(synchronous=True), clock=world.store.clock)
    ctx.store = store
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information",
                        lambda _parent, _title, text, *a, **k: told.append(text))
    try:
        _window, hidden = unit_action(ctx)
        assert not hidden.isVisible()
        assert open_unit_profile(ctx) is None
        assert told == ["Only an administrator can set the unit's legal particulars."]
    finally:
        store.close()
        ctx.bg.shutdown()
