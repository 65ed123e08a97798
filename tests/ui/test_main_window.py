"""The main window: case list and search, a new case, devices, the idle lock."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desktop.ui.context import AppContext
from desktop.ui.main_window import MainWindow
from tests.conftest import PASSWORD, FakeClock, World


def _case_texts(window: MainWindow) -> list[str]:
    return [window.cases.list.item(i).text() for i in range(window.cases.list.count())]


def _window(ui_ctx: AppContext, qtbot: QtBot) -> MainWindow:
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.closing_for_rebuild = True  # the world fixture closes the store itself
    window.show()
    return window


def test_cases_are_listed_searched_and_created(ui_ctx: AppContext, world: World,
                                                qtbot: QtBot) -> None:
    window = _window(ui_ctx, qtbot)
    assert any(world.case.number in t for t in _case_texts(window))
    assert window.tabs.tabText(0) == world.case.number  # the newest case is opened
    # Counted in words that agree with the count (the world's case: one statement, no files).
    assert _case_texts(window)[0].splitlines()[1].endswith(" · 1 statement · 0 evidence files")

    window.new_case()
    dialog = window.new_case_dialog
    dialog.number.setText("测试〔2026〕77号")
    dialog.cause.setText("占道经营")
    dialog.matter.setText("擅自占用道路经营")
    dialog.place.setText("测试街12号")
    dialog.submit()
    assert any("测试〔2026〕77号" in t for t in _case_texts(window))
    assert window.cases.current_case_id() != world.case.id

    # (Chinese arrives through an input method, so text is set, not typed key by key.)
    window.cases.search.setText("占道")
    assert len(_case_texts(window)) == 1 and "测试〔2026〕77号" in _case_texts(window)[0]
    window.cases.search.clear()
    window.cases.search.setText("回避")  # words of the statement, not of the case
    texts = _case_texts(window)
    assert len(texts) == 1 and world.case.number in texts[0]


def test_device_bar_shows_the_emulated_devices(ui_ctx: AppContext, qtbot: QtBot) -> None:
    window = _window(ui_ctx, qtbot)
    labels = [b.text() for b in window.devices.buttons.values()]
    assert labels == ["● ID-card reader: connected", "● MRZ reader: connected",
                      "● Body-worn recorder: connected", "● GNSS receiver: connected",
                      "● Fingerprint reader: connected"]
    ui_ctx.settings.ports.idcard = "/dev/nonexistent-reader"
    window.devices.refresh()
    assert window.devices.buttons["idcard"].text() == "○ ID-card reader: not connected"


def test_a_device_check_due_while_the_window_closes_runs_nothing(ui_ctx: AppContext,
                                                                  qtbot: QtBot) -> None:
    """The device bar's timer can tick after the lanes shut down (a slow close): it used to
    end in 'cannot schedule new futures after shutdown' in the event loop."""
    window = _window(ui_ctx, qtbot)
    ui_ctx.bg.shutdown()
    window.devices.refresh()  # the tick
    assert not window.devices.timer.isActive()


def test_idle_lock_hides_the_work_and_wants_the_password(ui_ctx: AppContext, world: World,
                                                          clock: FakeClock,
                                                          qtbot: QtBot) -> None:
    window = _window(ui_ctx, qtbot)
    party_screen = QLabel("被询问人：测试人甲")  # stands for any other open window
    qtbot.addWidget(party_screen)
    party_screen.show()
    clock.advance(minutes=9)
    window.idle.check()
    assert window.centralWidget().isVisible()
    clock.advance(minutes=2)
    window.idle.check()
    assert not window.centralWidget().isVisible()
    assert not party_screen.isVisible()  # nothing of the party stays on the screen
    lock = window.lock_dialog
    assert world.store.officer.name in lock.message.text()
    qtbot.keyClicks(lock.password, "not my password")
    qtbot.keyClick(lock.password, Qt.Key.Key_Return)
    assert lock.error.text() == ("Wrong password. 4 more failed attempts lock this officer "
                                 "for 10 minutes.")  # how many tries remain
    assert not window.centralWidget().isVisible()
    qtbot.keyClicks(lock.password, PASSWORD)
    qtbot.keyClick(lock.password, Qt.Key.Key_Return)
    assert window.centralWidget().isVisible() and party_screen.isVisible()
    actions = [str(r[0]) for r in world.store.conn.execute(
        "SELECT action FROM audit_log WHERE action LIKE 'session.%'")]
    assert actions == ["session.locked", "session.resumed", "session.resumed"]


def test_failed_attempts_since_the_last_login_are_shown(ui_ctx: AppContext, world: World,
                                                        qtbot: QtBot) -> None:
    import pytest

    from desktop.domain.errors import UserError
    from desktop.store.store import unlock
    from tests.conftest import SECOND_PASSWORD

    for _ in range(3):
        with pytest.raises(UserError):
            unlock(world.paths, world.second.certificate_no, "Wrong2026guess",
                   clock=world.store.clock)
    second = unlock(world.paths, world.second.certificate_no, SECOND_PASSWORD,
                    clock=world.store.clock)
    try:
        ui_ctx.store = second
        window = _window(ui_ctx, qtbot)
        assert window.failed_logins_label.isVisible()
        assert window.failed_logins_label.text() == "3 failed attempts since your last login"
        window.close()
    finally:
        ui_ctx.store = world.store
        second.close(sign=False)
    quiet = _window(ui_ctx, qtbot)
    assert not quiet.failed_logins_label.isVisible()


def test_an_evidence_policy_changed_in_the_menu_is_kept_and_audited(
        ui_ctx: AppContext, world: World, qtbot: QtBot) -> None:
    import json

    from PySide6.QtGui import QAction

    from desktop.config import Settings, settings_path
    from desktop.domain.model import Action
    from desktop.store import audit

    window = _window(ui_ctx, qtbot)
    toggle = next(a for a in window.findChildren(QAction)
                  if a.text() == "Delete recorder files after verified import")
    assert not toggle.isChecked()
    toggle.trigger()

    def audited() -> list[tuple[str | None, bool]]:
        return [(e.subject, json.loads(e.details)["value"])
                for e in audit.records(world.store.conn)
                if e.action == Action.SETTING_CHANGED.value]

    qtbot.waitUntil(lambda: audited() == [("delete_originals", True)])
    assert ui_ctx.settings.delete_originals
    assert Settings.load(settings_path(world.paths.workdir)).delete_originals


def test_the_version_is_in_the_status_bar_and_the_about_box(ui_ctx: AppContext,
                                                             qtbot: QtBot) -> None:
    import tomllib
    from pathlib import Path

    from PySide6.QtWidgets import QMessageBox

    root = Path(__file__).resolve().parents[2]
    version = tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"]
    window = _window(ui_ctx, qtbot)
    assert window.version_label.isVisible()
    assert window.version_label.text() == f"Version {version}"

    shown: list[str] = []
    original = QMessageBox.about
    try:
        QMessageBox.about = staticmethod(  # type: ignore[method-assign]
            lambda _parent, _title, text: shown.append(text))
        window.about()
    finally:
        QMessageBox.about = original  # type: ignore[method-assign]
    assert shown and f"电子笔录室) {version}:" in shown[0]
    assert str(ui_ctx.paths.workdir) in shown[0]
