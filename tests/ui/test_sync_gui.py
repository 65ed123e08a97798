"""Sync in the main window against a real HQ process: what the officer sees.

The store is the `world` of tests/conftest.py with its statement signed and sealed and one
photo imported; HQ is `python3 -m hq serve` (tests/support/hq_server.py) with its one-time
code from HQ's admin CLI, entered in the enrolment dialog as an administrator would. The
sync worker runs on its own thread as in the program; the tests wait for what the status
bar and the dialogs show, never for time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QInputDialog, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.services import evidence
from desktop.services.sync import error_words
from desktop.store.store import unlock
from desktop.ui.background import Background
from desktop.ui.context import SETTINGS_FILE, AppContext
from desktop.ui.evidence import EvidencePanel
from desktop.ui.main_window import MainWindow
from desktop.ui.sync_dialogs import EnrolDialog, PurgeDialog, PurgePolicyDialog, ReceiptsDialog
from desktop.ui.sync_panel import SyncPanel
from desktop.ui.sync_worker import SyncState, SyncTiming
from tests.conftest import PASSWORD, SECOND_PASSWORD, FakeClock, World, sign_as_team
from tests.services.test_signing import all_pages_signed, ready_for_signing
from tests.support.hq_server import RunningHQ, hq_server, start_hq

__all__ = ["hq_server"]

ROUND_TIMEOUT_MS = 120_000  # a loaded machine; the tests wait for what is shown


@pytest.fixture
def sealed(world: World, tmp_path: Path) -> str:
    """The world's statement signed and sealed, and a photo imported; the photo's item id."""
    ready_for_signing(world, tmp_path / "root")
    sign_as_team(world, all_pages_signed(world))
    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(os.urandom(200_000))
    report = evidence.import_path(world.store, world.case.id, photo)
    return report.items[0].id


def sync_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sync" and t.is_alive()]


@pytest.fixture
def window(ui_ctx: AppContext, qtbot: QtBot) -> Iterator[MainWindow]:
    shown = MainWindow(ui_ctx)
    qtbot.addWidget(shown)
    shown.closing_for_rebuild = True  # the world fixture closes the store itself
    shown.show()
    yield shown
    shown.close()
    assert sync_threads() == []  # the worker's thread ended with the window


def action(window: MainWindow, text: str) -> QAction:
    return next(a for a in window.actions() if a.text() == text)


def table_row(dialog: ReceiptsDialog, row: int) -> list[str]:
    cells = [dialog.table.item(row, c) for c in range(dialog.table.columnCount())]
    return [c.text() if c is not None else "" for c in cells]


def status_text(window: MainWindow) -> str:
    return window.sync.status.full_text


def enrol_in_dialog(window: MainWindow, hq: RunningHQ, qtbot: QtBot) -> EnrolDialog:
    action(window, "Enrol with HQ…").trigger()
    dialog = window.sync.dialog
    assert isinstance(dialog, EnrolDialog) and dialog.isVisible()
    assert not dialog.enrol_button.isEnabled()
    QTest.keyClicks(dialog.url, hq.url)
    QTest.keyClicks(dialog.code, hq.enrol_code())
    assert not dialog.enrol_button.isEnabled()  # the administrator's own password too
    QTest.keyClicks(dialog.password, PASSWORD)
    dialog.enrol_button.click()
    assert dialog.password.text() == ""
    assert dialog.message.text().startswith("Enrolled with HQ "), dialog.message.text()
    return dialog


def test_before_enrolment_the_status_bar_says_so_and_no_thread_runs(
        window: MainWindow, sealed: str, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    qtbot.waitUntil(lambda: window.sync.worker.view.state is SyncState.NOT_ENROLLED)
    assert status_text(window).startswith("HQ: not enrolled")
    assert sync_threads() == []
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information",
                        lambda _parent, _title, text, *a, **k: told.append(text))
    sync_now = action(window, "Sync now")
    assert sync_now.shortcut().toString() == "F9"
    sync_now.trigger()
    assert told and "not enrolled with HQ yet" in told[0]
    window.sync.status.click()  # the status line opens the panel
    panel = window.sync.dialog
    assert isinstance(panel, SyncPanel) and panel.isVisible()
    assert panel.enrolment.text().startswith("Not enrolled with HQ.")
    assert not panel.sync_button.isEnabled()
    panel.close()


def test_enrolment_then_a_round_empties_the_queue_and_receipts_verify(
        window: MainWindow, world: World, sealed: str, hq_server: RunningHQ,
        qtbot: QtBot) -> None:
    waiting = status_text(window)
    assert waiting.startswith("HQ: not enrolled · ") and " records waiting (" in waiting
    enrol = enrol_in_dialog(window, hq_server, qtbot)
    enrol.close()  # closing it starts the worker, whose first round runs at once
    qtbot.waitUntil(lambda: status_text(window).startswith("HQ: everything sent"),
                    timeout=ROUND_TIMEOUT_MS)
    assert "last sync " in status_text(window)
    view = window.sync.worker.view
    assert view.status is not None and view.status.pending_records == 0
    assert view.status.receipted > 10 and view.problems == () and view.status.errors == ()

    window.sync.show_panel()
    panel = window.sync.dialog
    assert isinstance(panel, SyncPanel)
    assert panel.enrolment.text() == f"HQ: {hq_server.url}"
    assert panel.waiting.text() == "Waiting to be sent: 0 records, 0 B."
    assert panel.state.text().startswith("Everything recorded has reached HQ.")
    assert panel.countersigned.text().startswith("Audit trail countersigned by HQ up to ")
    assert panel.sync_button.isEnabled() and not panel.problems.isVisible()
    panel.close()
    # The administrator typed their password at enrolment: the rounds went as them.
    officer = world.store.officer.id
    records = hq_server.admin("records").stdout.splitlines()
    assert records and all(line.endswith(f"officer {officer}") for line in records), records

    # The receipts of the statement selected in its case, and of the photo in its panel.
    window.show_case(world.case.id)
    action(window, "HQ receipts of this statement…").trigger()
    receipts = window.sync.dialog
    assert isinstance(receipts, ReceiptsDialog) and receipts.isVisible()
    assert receipts.windowTitle() == "HQ's receipts for this statement"
    rows = {cells[0]: cells for cells in (table_row(receipts, r)
                                           for r in range(receipts.table.rowCount()))}
    assert {"Statement", "Signed PDF", "Signature event"} <= set(rows)
    for kind, cells in rows.items():
        assert cells[2] == "stored", kind  # durability
        assert cells[3].isdigit(), kind  # index in HQ's receipt log
        assert cells[4] == "yes", kind  # verified with the pinned key
        assert cells[1].startswith("20"), kind  # HQ's time
    count = len(receipts.rows)
    assert receipts.summary.text() == f"{count} of {count} records acknowledged by HQ."
    receipts.close()
    panel = window.case_tab.findChild(EvidencePanel)
    assert panel is not None and panel.select(sealed)
    action(window, "HQ receipts of this evidence item…").trigger()
    item = window.sync.dialog
    assert isinstance(item, ReceiptsDialog) and item.table.rowCount() == 1
    assert [table_row(item, 0)[c] for c in (0, 2, 4)] == ["Evidence item", "stored", "yes"]
    item.close()


def test_hq_gone_is_said_in_words_and_sync_resumes_by_itself_when_it_is_back(
        window: MainWindow, sealed: str, hq_server: RunningHQ, qtbot: QtBot,
        tmp_path: Path) -> None:
    enrol_in_dialog(window, hq_server, qtbot).close()
    worker = window.sync.worker
    qtbot.waitUntil(lambda: worker.view.state is SyncState.UP_TO_DATE, timeout=ROUND_TIMEOUT_MS)
    worker.timing = SyncTiming(probe_s=0.5, probe_timeout_s=0.5)
    hq_server.kill()
    more = tmp_path / "补充照片.jpg"
    more.write_bytes(os.urandom(50_000))
    evidence.import_path(window.ctx.require_store(), window.cases.current_case_id(), more)
    action(window, "Sync now").trigger()
    qtbot.waitUntil(lambda: worker.view.state is SyncState.OFFLINE, timeout=ROUND_TIMEOUT_MS)
    offline = status_text(window)
    # the photo and its evidence record (about half a KiB)
    assert offline.startswith("HQ: 2 records waiting (49.3 KiB)"), offline
    assert offline.endswith(error_words("network")), offline
    assert "could not be reached" in offline
    window.sync.show_panel()
    panel = window.sync.dialog
    assert isinstance(panel, SyncPanel)
    assert panel.state.text().startswith("HQ cannot be reached; sync tries again when it can.")
    assert panel.problems.text() == "Problem: " + error_words("network")
    rounds = worker.rounds
    hq_server.start()  # the network is back: nobody presses Sync now
    qtbot.waitUntil(lambda: worker.view.state is SyncState.UP_TO_DATE and
                    worker.rounds > rounds, timeout=ROUND_TIMEOUT_MS)
    assert status_text(window).startswith("HQ: everything sent")
    assert not panel.problems.isVisible()  # the panel follows, live
    panel.close()


def test_a_wrong_password_at_enrolment_enrols_nothing(
        window: MainWindow, hq_server: RunningHQ, qtbot: QtBot) -> None:
    action(window, "Enrol with HQ…").trigger()
    dialog = window.sync.dialog
    assert isinstance(dialog, EnrolDialog)
    QTest.keyClicks(dialog.url, hq_server.url)
    QTest.keyClicks(dialog.code, hq_server.enrol_code())
    QTest.keyClicks(dialog.password, "not the password")
    dialog.enrol_button.click()
    qtbot.waitUntil(lambda: not dialog.message.text().startswith("Enrolling"))
    assert "password" in dialog.message.text().lower(), dialog.message.text()
    assert dialog.enrolled is None and dialog.code.text() != ""
    assert hq_server.admin("devices").stdout.strip() == ""
    dialog.close()


def test_a_plain_officer_gets_no_administrator_action(world: World, qtbot: QtBot,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    store = unlock(world.paths, world.second.certificate_no, SECOND_PASSWORD,
                   clock=world.store.clock)
    ctx = AppContext(world.paths, Background(synchronous=True), clock=world.store.clock)
    ctx.store = store
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda _parent, _title, text, *a, **k: told.append(text))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.closing_for_rebuild = True
    try:
        actions = {a.text(): a for a in window.actions()}
        for name in ("Enrol with HQ…", "Purge media held at HQ…", "HQ purge policy…"):
            assert not actions[name].isVisible(), name
        assert actions["Sync now"].isVisible() and actions["Sync status…"].isVisible()
        window.sync.enrol()
        window.sync.purge()
        window.sync.purge_policy()
        assert told == ["Only an administrator can enrol this device with HQ.",
                        "Only an administrator can purge media held at HQ.",
                        "Only an administrator can change the purge policy."]
        assert window.sync.dialog is None
    finally:
        window.close()
        store.close()
        ctx.bg.shutdown()


def test_the_purge_lists_its_dry_run_first_and_follows_the_policy(
        window: MainWindow, sealed: str, hq_server: RunningHQ, qtbot: QtBot,
        clock: FakeClock) -> None:
    enrol_in_dialog(window, hq_server, qtbot).close()
    worker = window.sync.worker
    qtbot.waitUntil(lambda: worker.view.state is SyncState.UP_TO_DATE, timeout=ROUND_TIMEOUT_MS)

    action(window, "Purge media held at HQ…").trigger()
    purge = window.sync.dialog
    assert isinstance(purge, PurgeDialog)
    assert purge.summary.text() == "Would purge: 0 media, 0 B freed; 1 kept."
    outcome = purge.table.item(0, 2)
    assert outcome is not None and "retention of 30 days" in outcome.text()
    assert outcome.text().startswith("Kept: Kept until ")
    assert not purge.purge_button.isEnabled()
    purge.close()

    action(window, "HQ purge policy…").trigger()
    policy = window.sync.dialog
    assert isinstance(policy, PurgePolicyDialog)
    assert (policy.durability.currentText(), policy.days.value()) == ("stored", 30)
    policy.days.setValue(0)
    policy.save_button.click()
    assert policy.message.text() == ("Saved: media are purged once HQ holds them at least "
                                     "“stored” and 0 days have passed since HQ's receipt.")
    policy.close()

    rounds = worker.rounds
    action(window, "Sync now").trigger()  # HQ's log head kept here must cover the receipt
    qtbot.waitUntil(lambda: worker.rounds > rounds and
                    worker.view.state is SyncState.UP_TO_DATE, timeout=ROUND_TIMEOUT_MS)
    # The store's clock is a test's fake one, days behind HQ's: it catches up (retention is
    # counted from HQ's time of receipt).
    clock.now = datetime.now().astimezone()
    action(window, "Purge media held at HQ…").trigger()
    purge = window.sync.dialog
    assert isinstance(purge, PurgeDialog)
    assert purge.summary.text() == "Would purge: 1 media, 195.3 KiB freed; 0 kept.", \
        [c.reason for c in (purge.report.kept if purge.report else ())]
    outcome = purge.table.item(0, 2)
    assert outcome is not None
    assert outcome.text().startswith("Would delete here: held at HQ (receipt ")
    asked: list[str] = []
    answers = [False, True]  # the officer says no, and then yes

    def answer(text: str) -> bool:
        asked.append(text)
        return answers.pop(0)

    purge.ask = answer
    purge.purge_button.click()
    assert purge.summary.text().startswith("Would purge: 1 media")
    purge.purge_button.click()
    assert asked[0].startswith("Delete the local copies of 1 media (195.3 KiB)?")
    assert purge.summary.text() == "Purged: 1 media, 195.3 KiB freed; 0 kept."
    assert not purge.purge_button.isEnabled()
    purge.close()


def test_sync_goes_on_behind_the_lock_and_shows_nothing(
        window: MainWindow, sealed: str, hq_server: RunningHQ, qtbot: QtBot,
        tmp_path: Path) -> None:
    from tests.ui.test_lock import lock_by_shortcut, unlock

    enrol_in_dialog(window, hq_server, qtbot).close()
    worker = window.sync.worker
    qtbot.waitUntil(lambda: worker.view.state is SyncState.UP_TO_DATE, timeout=ROUND_TIMEOUT_MS)
    assert window.sync.status.isVisible()
    dialog = lock_by_shortcut(window, qtbot)
    assert not window.sync.status.isVisible()
    rounds = worker.rounds
    QTest.keySequence(window, QKeySequence("F9"))  # refused while locked
    action(window, "Sync now").trigger()
    qtbot.wait(200)
    assert worker.rounds == rounds and worker.view.state is SyncState.UP_TO_DATE
    more = tmp_path / "补充照片.jpg"
    more.write_bytes(os.urandom(10_000))
    evidence.import_path(window.ctx.require_store(), window.cases.current_case_id(), more)
    worker.sync_now()  # a round that comes due behind the lock (its timer, the network)
    qtbot.waitUntil(lambda: worker.rounds > rounds and
                    worker.view.state is SyncState.UP_TO_DATE, timeout=ROUND_TIMEOUT_MS)
    assert not window.sync.status.isVisible()
    unlock(dialog, qtbot)
    assert window.sync.status.isVisible()
    assert status_text(window).startswith("HQ: everything sent")


def test_the_bandwidth_cap_is_a_setting_the_next_round_uses(
        window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    assert window.sync.bandwidth() is None  # no cap unless one is set
    asked: list[int] = []

    def get_int(_parent: object, _title: str, label: str, value: int, *_a: object
                ) -> tuple[int, bool]:
        asked.append(value)
        assert label == "Send to HQ at most this many KiB per second (0: no cap):"
        return 512, True

    monkeypatch.setattr(QInputDialog, "getInt", get_int)
    action(window, "Sync bandwidth cap…").trigger()
    assert asked == [0]
    assert window.sync.bandwidth() == 512 * 1024  # bytes per second, read at each round
    saved = (window.ctx.paths.workdir / SETTINGS_FILE).read_text("utf-8")
    assert '"sync_bandwidth_kib": 512' in saved


def test_a_refusal_from_hq_is_said_in_words_and_the_rest_is_sent(
        window: MainWindow, sealed: str, tmp_path: Path, qtbot: QtBot) -> None:
    # HQ takes files up to 100 kB: the photo (200 kB) and the signed PDF are refused.
    hq = start_hq(tmp_path / "small-hq", env={"HQ_MAX_UPLOAD": "100000"})
    try:
        enrol_in_dialog(window, hq, qtbot).close()
        worker = window.sync.worker
        qtbot.waitUntil(lambda: worker.view.state is SyncState.ATTENTION,
                        timeout=ROUND_TIMEOUT_MS)
        too_large = error_words("too_large")
        line = status_text(window)
        assert line.startswith("HQ: 2 records waiting ("), line
        assert line.endswith(too_large)
        view = worker.view
        assert view.status is not None and view.status.waiting_for_a_person == 2
        assert view.status.receipted > 10  # the statement, its events, the tree head
        window.sync.show_panel()
        panel = window.sync.dialog
        assert isinstance(panel, SyncPanel)
        assert panel.state.text().startswith("HQ refused some records; they wait for a "
                                             "person (see below). Everything else was sent.")
        assert panel.problems.text() == f"Problem: {too_large}"
        assert panel.waiting.text().startswith("Waiting to be sent: 2 records, ")
        panel.close()
    finally:
        window.sync.stop()  # before HQ goes: the worker must not be mid-round at teardown
        hq.stop()
