"""The sync screens fit a 1024x768 screen: the main window with its sync status line, the
sync panel, the enrolment, receipts, purge-policy and purge dialogs (an administrator's)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop.services.sync import SyncStatus, error_words
from desktop.ui.context import AppContext
from desktop.ui.main_window import MainWindow
from desktop.ui.sync_dialogs import EnrolDialog, PurgeDialog, PurgePolicyDialog, ReceiptsDialog
from desktop.ui.sync_panel import SyncPanel
from desktop.ui.sync_worker import SyncState, SyncView
from sync.client.engine import Progress
from tests.conftest import World

SMALL_SCREEN = QSize(1024, 768 - 40)  # 1024x768 less a panel or a title bar
SHOTS = os.environ.get("SYNC_SCREENSHOTS")  # a folder: the screens are saved there to look at


def offline_view() -> SyncView:
    status = SyncStatus(hq_url="https://hq.example:8443", pending_records=12,
                        pending_bytes=48_000_000, receipted=140, waiting_for_a_person=0,
                        last_sync=datetime(2026, 12, 7, 1, 20).astimezone(), last_round="{}",
                        errors=(error_words("insufficient_storage"),), countersigned_size=412)
    return SyncView(SyncState.OFFLINE, status, problems=(error_words("network"),),
                    next_try_s=14)


def syncing_view() -> SyncView:
    view = offline_view()
    assert view.status is not None
    return SyncView(SyncState.SYNCING, view.status, Progress(3, 12, 9_000_000, 48_000_000))


def test_the_sync_screens_fit_a_1024x768_screen(ui_ctx: AppContext, world: World,
                                                 qtbot: QtBot) -> None:
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.closing_for_rebuild = True  # the world fixture closes the store itself
    window.resize(1024, 740)
    window.show()
    window.sync.worker.show(offline_view())
    line = window.sync.status
    assert line.full_text.startswith("HQ: 12 records waiting (45.8 MiB) · last sync ")
    assert line.full_text.endswith(error_words("network"))
    assert line.isVisible() and line.width() <= 460
    panel = SyncPanel(window.sync.worker, window)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.problems.text() == "\n".join(
        "Problem: " + error_words(c) for c in ("network", "insufficient_storage"))
    assert panel.state.text() == ("HQ cannot be reached; sync tries again when it can. "
                                  "Next try in about 14 seconds.")
    screens: dict[str, QWidget] = {
        "main-window": window, "sync-panel": panel, "enrol": EnrolDialog(ui_ctx, window),
        "receipts": ReceiptsDialog(ui_ctx, statement_id=world.statement.id, parent=window),
        "purge-policy": PurgePolicyDialog(ui_ctx, window), "purge": PurgeDialog(ui_ctx, window)}
    for name, screen in screens.items():
        qtbot.addWidget(screen)
        screen.show()
        needed = screen.minimumSizeHint().expandedTo(screen.minimumSize())
        assert needed.width() <= SMALL_SCREEN.width(), (name, needed)
        assert needed.height() <= SMALL_SCREEN.height(), (name, needed)
        if SHOTS:
            screen.grab().save(str(Path(SHOTS) / f"sync-{name}.png"))
    window.sync.worker.show(syncing_view())
    assert line.full_text == "Sending to HQ: 3/12 records, 8.6 MiB of 45.8 MiB"
    assert panel.progress.isVisible() and panel.progress.value() == 187
    assert not panel.sync_button.isEnabled()
    if SHOTS:
        panel.grab().save(str(Path(SHOTS) / "sync-panel-sending.png"))
        window.statusBar().grab().save(str(Path(SHOTS) / "sync-status-bar.png"))
