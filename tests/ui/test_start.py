"""First-run setup and login, driven as an officer would, on real stores."""

from __future__ import annotations

import tomllib
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.store.store import Store, StorePaths
from desktop.ui.background import Background
from desktop.ui.context import AppContext
from desktop.ui.start import LoginDialog, SetupDialog
from tests.conftest import PASSWORD, World

NEW_PASSWORD = "Setup2026password"


def test_setup_creates_the_store_and_its_officers(tmp_path: Path, qtbot: QtBot) -> None:
    ctx = AppContext(StorePaths(tmp_path / "new"), Background(synchronous=True))
    dialog = SetupDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.unit.setText("示例区综合行政执法局测试中队")
    dialog.admin_name.setText("测试管理员")
    dialog.admin_certificate.setText("33070099001")
    qtbot.keyClicks(dialog.admin_password, NEW_PASSWORD)
    qtbot.keyClicks(dialog.admin_repeat, NEW_PASSWORD + "x")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == "The passwords do not match."
    assert not ctx.paths.exists()

    dialog.admin_repeat.setText(NEW_PASSWORD)
    dialog.add_second.setChecked(True)
    dialog.second_name.setText("测试队员")
    dialog.second_certificate.setText("33070099002")
    dialog.second_password.setText("Second2026password")
    with qtbot.waitSignal(dialog.created) as created:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    store: Store = created.args[0]
    try:
        assert store.officer.name == "测试管理员"
        from desktop.store.officers import list_officers

        assert sorted(o.certificate_no for o in list_officers(store.conn)) == [
            "33070099001", "33070099002"]
    finally:
        store.close()


def test_setup_refuses_a_weak_password_with_the_stores_message(tmp_path: Path,
                                                                  qtbot: QtBot) -> None:
    ctx = AppContext(StorePaths(tmp_path / "new"), Background(synchronous=True))
    dialog = SetupDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.unit.setText("测试中队")
    dialog.admin_name.setText("测试管理员")
    dialog.admin_certificate.setText("33070099001")
    dialog.admin_password.setText("short")
    dialog.admin_repeat.setText("short")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "at least 10 characters" in dialog.error.text()
    assert dialog.error.isVisibleTo(dialog) and dialog.ok_button.isEnabled()


def test_login_shows_wrong_password_then_lockout_then_succeeds(world: World,
                                                                qtbot: QtBot) -> None:
    world.store.close()
    ctx = AppContext(world.paths, Background(synchronous=True), clock=world.store.clock)
    dialog = LoginDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    version = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml")
                            .read_text())["project"]["version"]
    assert dialog.version.isVisible() and dialog.version.text() == f"Version {version}"
    dialog.certificate.setText(world.admin.certificate_no)
    qtbot.keyClicks(dialog.password, "wrong password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.error.text() == ("Wrong certificate number or password. 4 more failed "
                                   "attempts lock the account for 10 minutes.")
    assert dialog.password.text() == ""

    with qtbot.waitSignal(dialog.logged_in) as done:
        qtbot.keyClicks(dialog.password, PASSWORD)
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    store: Store = done.args[0]
    world.store = store
    assert store.officer.certificate_no == world.admin.certificate_no

    store.close()
    again = LoginDialog(ctx)
    qtbot.addWidget(again)
    again.certificate.setText(world.admin.certificate_no)
    for _ in range(5):
        again.password.setText("still wrong")
        again.submit()
    assert "locked until" in again.error.text()
    world.store = store  # closed; the world fixture copes


def test_setup_names_an_unreadable_escrow_key_and_creates_nothing(tmp_path: Path,
                                                                  qtbot: QtBot) -> None:
    ctx = AppContext(StorePaths(tmp_path / "new"), Background(synchronous=True))
    dialog = SetupDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.unit.setText("测试中队")
    dialog.admin_name.setText("测试管理员")
    dialog.admin_certificate.setText("33070099001")
    dialog.admin_password.setText(NEW_PASSWORD)
    dialog.admin_repeat.setText(NEW_PASSWORD)
    (tmp_path / "escrow.pem").write_text("not a key", encoding="utf-8")
    dialog.escrow_path.setText(str(tmp_path / "escrow.pem"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == (
        f"Cannot read the escrow public key {tmp_path / 'escrow.pem'}.")
    assert not ctx.paths.exists() and dialog.ok_button.isEnabled()

    dialog.unit.clear()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == ("Fill in the unit and the administrator's name and "
                                   "certificate number.")
    assert not ctx.paths.exists()
