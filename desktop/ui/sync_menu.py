"""Sync in the main window: the worker, the status bar line, the Sync menu and its settings.

`SyncControls` belongs to one main window: it starts the window's `SyncWorker` on the
session's store and stops it (joining its thread) when the window closes, before the store
is closed. The Sync menu holds "Sync now" (F9, Outlook's send-and-receive key: no editor or
input method binds it), the sync panel, the reference data held from HQ, HQ's receipts of
the statement or evidence item in view, and for administrators "Enrol with HQ…" and "Purge
media held at HQ…"; the Settings menu gets the bandwidth cap and (administrators) the purge
policy. Every slot refuses while the screen is locked (the lock disables the actions first),
and the status line is hidden while locked: sync goes on behind the lock, nothing of it
shows.
"""

from __future__ import annotations

from gettext import gettext as _
from typing import Any, Protocol, cast

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QInputDialog,
    QMenuBar,
    QMessageBox,
    QStatusBar,
    QTabWidget,
    QWidget,
)

from desktop.services.sync import SyncStatus, status
from desktop.ui.admin_gate import is_admin
from desktop.ui.context import AppContext
from desktop.ui.devices import DeviceBar
from desktop.ui.idle_lock import screen_locked
from desktop.ui.refdata_dialog import RefdataDialog
from desktop.ui.shortcuts import SYNC_NOW
from desktop.ui.sync_dialogs import (
    EnrolDialog,
    PurgeDialog,
    PurgePolicyDialog,
    ReceiptsDialog,
    refuse_unless_admin,
)
from desktop.ui.sync_panel import SyncPanel, SyncStatusButton
from desktop.ui.sync_worker import SyncState, SyncTiming, SyncView, SyncWorker, watch_network


class MainWindow(Protocol):
    """What the sync controls use of the main window (desktop.ui.main_window)."""

    ctx: AppContext
    tabs: QTabWidget
    case_tab: QWidget
    devices: DeviceBar

    def statusBar(self) -> QStatusBar: ...
    def menuBar(self) -> QMenuBar: ...
    def _action(self, menu: Any, text: str, slot: Any, shortcut: Any = None) -> QAction: ...


def selected_statement_id(window: MainWindow) -> str | None:
    """The statement in view: the open statement's tab, or the one selected in its case."""
    from desktop.ui.cases import CaseView
    from desktop.ui.interview import InterviewWorkspace

    current = window.tabs.currentWidget()
    if isinstance(current, InterviewWorkspace):
        return current.statement_id
    if isinstance(current, CaseView):
        item = current.table.item(current.table.currentRow(), 0)
        if item is not None:
            return str(item.data(Qt.ItemDataRole.UserRole))
    return None


def selected_evidence_id(window: MainWindow) -> str | None:
    """The evidence item selected in the open case's evidence panel."""
    from desktop.ui.evidence import EvidencePanel

    panel = window.case_tab.findChild(EvidencePanel)
    return None if panel is None else panel.selected_id()


class SyncControls(QObject):
    """See the module docstring."""

    def __init__(self, window: MainWindow, settings_menu: Any,
                 timing: SyncTiming | None = None) -> None:
        super().__init__()
        self.window = window
        self.parent_widget = cast(QWidget, window)  # the QMainWindow itself: dialogs' parent
        self.ctx = window.ctx
        self.worker = SyncWorker(self.ctx.require_store(), bandwidth=self.bandwidth,
                                 timing=timing, parent=self)
        self.status = SyncStatusButton()
        self.status.clicked.connect(self.show_panel)
        self.worker.changed.connect(self.status.show_view)
        window.statusBar().addWidget(self.status, 1)
        self.dialog: QWidget | None = None  # the last one opened (tests look at it)

        menu = window.menuBar().addMenu(_("S&ync"))
        self.sync_now_action = self._action(menu, _("Sync now"), self.sync_now,
                                            QKeySequence(SYNC_NOW))
        self._action(menu, _("Sync status…"), self.show_panel)
        self._action(menu, _("Reference data from HQ…"), self.show_reference_data)
        menu.addSeparator()
        self._action(menu, _("HQ receipts of this statement…"), self.statement_receipts)
        self._action(menu, _("HQ receipts of this evidence item…"), self.evidence_receipts)
        menu.addSeparator()
        admin = is_admin(self.ctx)
        self.enrol_action = self._action(menu, _("Enrol with HQ…"), self.enrol)
        self.purge_action = self._action(menu, _("Purge media held at HQ…"), self.purge)
        settings_menu.addSeparator()
        self._action(settings_menu, _("Sync bandwidth cap…"), self.set_bandwidth)
        self.policy_action = self._action(settings_menu, _("HQ purge policy…"),
                                          self.purge_policy)
        for action in (self.enrol_action, self.purge_action, self.policy_action):
            action.setVisible(admin)  # each dialog refuses anyone else too
        self.network = watch_network(self.worker)
        self._stopped = False
        # The thread starts once the store says the device is enrolled: an unenrolled
        # desktop runs no sync thread at all (and a window closed behind the lock, which
        # never gets its close event, leaves none behind).
        self.ensure_started()

    def _action(self, menu: Any, text: str, slot: Any, shortcut: Any = None) -> QAction:
        def guarded() -> None:
            if not screen_locked():  # disabled by the lock; this is the second line
                slot()

        return self.window._action(menu, text, guarded, shortcut)

    def bandwidth(self) -> float | None:
        """The cap in bytes per second (settings: KiB/s, 0 = none); read at each round."""
        kib = self.ctx.settings.sync_bandwidth_kib
        return float(kib * 1024) if kib > 0 else None

    # ------------------------------------------------------------------ actions

    def ensure_started(self, *, asked: bool = False) -> None:
        """Start the worker if the device is enrolled (read on the read lane); `asked`: the
        officer asked for a round, so a round runs, or they are told why not."""
        if self.worker.running:
            if asked:
                self.worker.sync_now()
            else:
                self.worker.refresh()
            return
        self.ctx.read(status, lambda shown: self._checked(shown, asked))

    def _checked(self, shown: SyncStatus, asked: bool) -> None:
        if self._stopped or not shiboken6.isValid(self.status):
            return
        if shown.hq_url is not None:
            self.worker.start()  # its first round runs at once
            return
        self.worker.show(SyncView(SyncState.NOT_ENROLLED, shown))
        if asked:
            QMessageBox.information(self.parent_widget, _("Sync with HQ"), _(
                "This device is not enrolled with HQ yet. An administrator enrols it "
                "(Sync › Enrol with HQ…) with a one-time code from HQ."))

    def sync_now(self) -> None:
        self.ensure_started(asked=True)

    def _open(self, dialog: QWidget) -> None:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    def show_panel(self) -> None:
        if screen_locked():
            return
        self._open(SyncPanel(self.worker, self.parent_widget))

    def show_reference_data(self) -> None:
        self._open(RefdataDialog(self.ctx, self.parent_widget))

    def statement_receipts(self) -> None:
        statement_id = selected_statement_id(self.window)
        if statement_id is None:
            QMessageBox.information(self.parent_widget, _("HQ receipts"), _(
                "Open a statement, or select one in its case, first."))
            return
        self._open(ReceiptsDialog(self.ctx, statement_id=statement_id, parent=self.parent_widget))

    def evidence_receipts(self) -> None:
        item_id = selected_evidence_id(self.window)
        if item_id is None:
            QMessageBox.information(self.parent_widget, _("HQ receipts"), _(
                "Select an evidence item in its case first."))
            return
        self._open(ReceiptsDialog(self.ctx, evidence_id=item_id, parent=self.parent_widget))

    def enrol(self) -> None:
        if not refuse_unless_admin(self.ctx, self.parent_widget, _(
                "Only an administrator can enrol this device with HQ.")):
            return
        dialog = EnrolDialog(self.ctx, self.parent_widget)
        dialog.finished.connect(lambda _result: self.ensure_started())
        self._open(dialog)

    def purge(self) -> None:
        if not refuse_unless_admin(self.ctx, self.parent_widget, _(
                "Only an administrator can purge media held at HQ.")):
            return
        dialog = PurgeDialog(self.ctx, self.parent_widget)
        dialog.finished.connect(lambda _result: self.worker.refresh())
        self._open(dialog)

    def purge_policy(self) -> None:
        if not refuse_unless_admin(self.ctx, self.parent_widget, _(
                "Only an administrator can change the purge policy.")):
            return
        self._open(PurgePolicyDialog(self.ctx, self.parent_widget))

    def set_bandwidth(self) -> None:
        kib, ok = QInputDialog.getInt(self.parent_widget, _("Sync bandwidth cap"), _(
            "Send to HQ at most this many KiB per second (0: no cap):"),
            self.ctx.settings.sync_bandwidth_kib, 0, 1_000_000)
        if ok and not screen_locked():
            self.ctx.settings.sync_bandwidth_kib = kib
            self.ctx.save_settings()

    # ------------------------------------------------------------------ lock and close

    def set_locked(self, locked: bool) -> None:
        self.status.setVisible(not locked)

    def stop(self) -> None:
        """End the worker's thread (a round is cancelled between chunks; it resumes at the
        next start)."""
        self._stopped = True
        self.worker.stop()
