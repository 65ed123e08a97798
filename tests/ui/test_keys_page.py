"""The administrators' key-management page: trust roots, PKCS#12 imports, retirement.

Keys are made by the tests with the unit CA code (`unit_ca`), as a unit without a CA would;
each holder types their own password in the page's password prompt (replaced here).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.documents import unit_ca
from desktop.domain.model import Officer
from desktop.store import signing_keys
from desktop.store.store import unlock
from desktop.ui.background import Background
from desktop.ui.context import AppContext
from desktop.ui.keys_page import KeysPage, open_keys_page
from tests.conftest import PASSWORD, SECOND_PASSWORD, World
from verification.certificates import common_name

P12_PASS = "p12-Passphrase-2026"


@pytest.fixture
def root(world: World, tmp_path: Path) -> tuple[unit_ca.CaIdentity, Path]:
    unit_root = unit_ca.create_unit_root(world.admin.unit)
    path = tmp_path / "unit-root.pem"
    path.write_bytes(unit_root.certificate.public_bytes(serialization.Encoding.PEM))
    return unit_root, path


@pytest.fixture
def page(ui_ctx: AppContext, qtbot: QtBot) -> KeysPage:
    keys_page = KeysPage(ui_ctx)
    qtbot.addWidget(keys_page)
    keys_page.show()
    return keys_page


def officer_p12(world: World, root: unit_ca.CaIdentity, tmp_path: Path) -> Path:
    issued = unit_ca.issue(root, "officer", name=world.second.name, unit=world.second.unit,
                           certificate_no=world.second.certificate_no)
    path = tmp_path / "second.p12"
    path.write_bytes(unit_ca.pkcs12_for(issued, [root.certificate], P12_PASS.encode(),
                                        rounds=2048))
    return path


def cells(page: KeysPage, row: int) -> list[str]:
    return [page.keys_table.item(row, c).text() for c in range(page.keys_table.columnCount())]


def test_a_non_admin_cannot_open_the_key_page(world: World, qtbot: QtBot,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    store = unlock(world.paths, world.second.certificate_no, SECOND_PASSWORD,
                   clock=world.store.clock)
    ctx = AppContext(world.paths, Background(synchronous=True), clock=world.store.clock)
    ctx.store = store
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information",
                        lambda _parent, _title, text, *a, **k: told.append(text))
    try:
        assert open_keys_page(ctx) is None
        assert told == ["Only an administrator can manage signing keys."]
    finally:
        store.close()
        ctx.bg.shutdown()


def test_the_admin_adds_the_root_imports_an_officer_key_and_retires_it(
    page: KeysPage, world: World, root: tuple[unit_ca.CaIdentity, Path], tmp_path: Path
) -> None:
    unit_root, root_path = root
    assert page.keys_table.rowCount() == 0 and page.roots_table.rowCount() == 0
    assert page.status.text().startswith("No trust root yet")
    page.choose_file = lambda _title: str(root_path)
    page.add_root_button.click()
    assert page.roots_table.rowCount() == 1
    assert page.roots_table.item(0, 0).text() == unit_root.certificate.subject.rfc4514_string()
    assert page.status.text().startswith("Trust root added:")

    asked: list[Officer] = []

    def ask_password(officer: Officer) -> str:
        asked.append(officer)
        return SECOND_PASSWORD

    page.ask_password = ask_password
    page.choose_file = lambda _title: str(officer_p12(world, unit_root, tmp_path))
    page.import_button.click()
    dialog = page.import_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.custodians.isHidden()  # an officer's key: choose the officer, not custodians
    dialog.accept()
    assert dialog.message.text() == "Choose the key file."
    dialog._browse()
    dialog.passphrase.setText(P12_PASS)
    dialog.officer.setCurrentIndex(dialog.officer.findData(world.second.id))
    dialog.accept()
    assert [o.id for o in asked] == [world.second.id]  # the officer types their own password
    assert page.status.text() == "Imported: Officer.", page.status.text()
    assert page.keys_table.rowCount() == 1
    role, holders, kind, subject, serial, _start, _until, status, chain = cells(page, 0)
    assert (role, holders, kind, subject, status) == (
        "Officer", world.second.name, "Software", world.second.name, "Active")
    assert serial and chain.startswith(world.second.name + " → ")
    assert chain.endswith(" → " + common_name(unit_root.certificate))

    page.keys_table.selectRow(0)
    assert page.retire_button.isEnabled()
    questions: list[str] = []
    page.confirm = lambda text: questions.append(text) is None and False
    page.retire_button.click()
    assert questions and "It will sign no more" in questions[0]
    assert signing_keys.active_identity(world.store.conn, "officer", world.second.id)
    page.confirm = lambda _text: True
    page.retire_button.click()
    assert signing_keys.active_identity(world.store.conn, "officer", world.second.id) is None
    assert cells(page, 0)[7] == "Retired"
    assert page.status.text().startswith("Retired: Officer.")
    page.keys_table.selectRow(0)
    assert not page.retire_button.isEnabled()


def test_service_refusals_are_shown_not_crashed(
    page: KeysPage, world: World, root: tuple[unit_ca.CaIdentity, Path], tmp_path: Path
) -> None:
    unit_root, root_path = root
    not_a_certificate = tmp_path / "notes.txt"
    not_a_certificate.write_text("hello\n", encoding="utf-8")
    page.choose_file = lambda _title: str(not_a_certificate)
    page.add_root_button.click()
    assert page.status.text() == "The file is not a certificate (PEM or DER)."
    assert page.roots_table.rowCount() == 0

    page.choose_file = lambda _title: str(root_path)
    page.add_root_button.click()
    page.ask_password = lambda _officer: "Wrong2026password"  # not the officer's password
    page.choose_file = lambda _title: str(officer_p12(world, unit_root, tmp_path))
    page.import_button.click()
    dialog = page.import_dialog
    assert dialog is not None
    dialog._browse()
    dialog.passphrase.setText(P12_PASS)
    dialog.officer.setCurrentIndex(dialog.officer.findData(world.second.id))
    dialog.accept()
    assert re.search(r"^Wrong password\. \d+ more\b", page.status.text())
    assert page.keys_table.rowCount() == 0

    page.ask_password = lambda _officer: None  # the officer cancels
    page.import_button.click()
    dialog = page.import_dialog
    assert dialog is not None
    dialog._browse()
    dialog.passphrase.setText(P12_PASS)
    dialog.officer.setCurrentIndex(dialog.officer.findData(world.second.id))
    dialog.accept()
    assert page.status.text() == (f"Import cancelled: {world.second.name} did not enter their "
                                  "password.")
    assert page.keys_table.rowCount() == 0


def test_the_settings_menu_offers_the_page_to_administrators_only(
    ui_ctx: AppContext, world: World, qtbot: QtBot
) -> None:
    from desktop.ui.main_window import MainWindow

    def keys_action(ctx: AppContext) -> tuple[MainWindow, QAction]:
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        window.closing_for_rebuild = True  # the stores are closed by the test
        [action] = [a for a in window.actions() if a.text() == "Signing keys…"]
        return window, action

    window, action = keys_action(ui_ctx)
    assert action.isVisible()
    action.trigger()
    assert isinstance(window.keys_page, KeysPage) and window.keys_page.isVisible()
    window.keys_page.close()

    store = unlock(world.paths, world.second.certificate_no, SECOND_PASSWORD,
                   clock=world.store.clock)
    ctx = AppContext(world.paths, Background(synchronous=True), clock=world.store.clock)
    ctx.store = store
    try:
        _window, hidden = keys_action(ctx)
        assert not hidden.isVisible()
    finally:
        store.close()
        ctx.bg.shutdown()


def test_the_seal_is_imported_for_custodians_who_each_type_their_password(
    page: KeysPage, world: World, root: tuple[unit_ca.CaIdentity, Path], tmp_path: Path
) -> None:
    unit_root, root_path = root
    page.choose_file = lambda _title: str(root_path)
    page.add_root_button.click()
    seal = tmp_path / "seal.p12"
    seal.write_bytes(unit_ca.pkcs12_for(unit_ca.issue(unit_root, "seal", unit=world.admin.unit),
                                        [unit_root.certificate], P12_PASS.encode(),
                                        rounds=2048))
    passwords = {world.admin.id: PASSWORD, world.second.id: SECOND_PASSWORD}
    asked: list[str] = []

    def ask_password(officer: Officer) -> str:
        asked.append(officer.id)
        return passwords[officer.id]

    page.ask_password = ask_password
    page.choose_file = lambda _title: str(seal)
    page.import_button.click()
    dialog = page.import_dialog
    assert dialog is not None
    dialog._browse()
    dialog.passphrase.setText(P12_PASS)
    dialog.role.setCurrentIndex(dialog.role.findData("seal"))
    assert dialog.officer.isHidden() and not dialog.custodians.isHidden()
    dialog.accept()
    assert dialog.message.text() == "Tick at least one seal custodian."
    for row in range(dialog.custodians.count()):
        dialog.custodians.item(row).setCheckState(Qt.CheckState.Checked)
    dialog.accept()
    assert sorted(asked) == sorted(passwords)  # each custodian typed their own
    assert page.status.text() == "Imported: Unit seal."
    role, holders, *_rest = cells(page, 0)
    assert role == "Unit seal"
    assert sorted(holders.split(", ")) == sorted([world.admin.name, world.second.name])
