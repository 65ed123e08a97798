"""The main window: cases on the left, the open case and statements in tabs, devices below.

The menus hold what is not done every minute: verifying a PDF (or drop one anywhere on the
window), locking the screen, settings and the language. Statements open as tabs: the
interview workspace, and then read-back and signing. The window owns the idle lock. When it
fires, or the officer locks the screen, every window of the application is covered first
(`idle_lock.ScreenLock`: menus, actions, shortcuts and drops off, no input but to the password
prompt), then every pending autosave is made durable and the prompt is shown. The lock
outlives a rebuild of the window (a language switch is refused while locked, and a window
built during a lock starts locked). Closing the window does the same flush before the store
is closed and the session's tree head is signed.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from gettext import gettext as _
from gettext import ngettext
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.security import IdleLockPolicy
from desktop.i18n import LANGUAGES, current_language
from desktop.services import policy
from desktop.services.records import CaseSummary
from desktop.ui.admin_gate import is_admin
from desktop.ui.cases import CaseListPanel, CaseView, NewCaseDialog
from desktop.ui.context import AppContext
from desktop.ui.devices import DeviceBar
from desktop.ui.idle_lock import IdleLock, LockDialog, LockReason, ScreenLock, screen_locked
from desktop.ui.keys_page import open_keys_page
from desktop.ui.shortcuts import DISCRETION, LAW_LIBRARY, NEW_STATEMENT, READ_BACK, READ_CARD
from desktop.version import program_version

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


class MainWindow(QMainWindow):
    """See the module docstring."""

    language_changed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.closing_for_rebuild = False
        self.locked = False
        self.lock_dialog: LockDialog | None = None
        self.screen_lock: ScreenLock | None = None
        store = ctx.require_store()
        ctx.bg.error_parent = self
        self.setWindowTitle(_("Statement Room — {name} ({unit})").format(
            name=store.officer.name, unit=store.officer.unit))
        self.setMinimumSize(1024, 640)
        self.resize(1366, 768)
        self.setAcceptDrops(True)

        self.cases = CaseListPanel(ctx)
        self.cases.case_selected.connect(self.show_case)
        self.cases.new_case_requested.connect(self.new_case)
        self.tabs = QTabWidget()
        self.tabs.setTabsClosable(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        placeholder = QLabel(_("Choose a case on the left, or create one."))
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.case_tab: QWidget = placeholder  # then the open case's view
        self.tabs.addTab(self.case_tab, _("Case"))
        self.tabs.tabBar().setTabButton(0, self.tabs.tabBar().ButtonPosition.RightSide, None)
        # A visible place to verify a PDF (dropping one anywhere on the window works too).
        from desktop.ui.verify_view import VerifyDropArea

        self.drop_area = VerifyDropArea(ctx)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.cases, 1)
        left_layout.addWidget(self.drop_area)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 3)
        splitter.setCollapsible(0, True)
        self.setCentralWidget(splitter)
        self.splitter = splitter
        # Sizes set before the first layout are scaled to the splitter's default size: the
        # list gets its width when the window is first shown, and again with the case tab.
        self.case_list_width = 320
        self.tabs.currentChanged.connect(self._fit_case_list)

        self.devices = DeviceBar(ctx)
        self.statusBar().addPermanentWidget(self.devices)
        # The version, always in sight: the first thing a support call asks.
        self.version_label = QLabel(_("Version {version}").format(version=program_version()))
        self.version_label.setStyleSheet("color: #555;")
        self.statusBar().addPermanentWidget(self.version_label)
        self.officer_label = QLabel(_("Logged in: {name}").format(name=store.officer.name))
        self.statusBar().addWidget(self.officer_label)
        # Guesses at this officer's password since their last login: they are the one who
        # can tell whether it was them (each guess is in the audit log).
        failed = store.failed_attempts_since_login
        self.failed_logins_label = QLabel(ngettext(
            "{count} failed attempt since your last login", "{count} failed attempts since your "
            "last login", failed).format(count=failed))
        self.failed_logins_label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.failed_logins_label.setVisible(failed > 0)
        self.statusBar().addWidget(self.failed_logins_label)
        self.summaries: dict[str, CaseSummary] = {}
        self.workspaces: dict[str, Any] = {}  # statement id -> InterviewWorkspace
        self._build_menus()

        self.idle = IdleLock(ctx.clock, ctx.settings.idle_lock_minutes, self)
        self.idle.lock_requested.connect(lambda: self.lock(LockReason.IDLE))
        self.idle.start()
        self.cases.refresh()
        self.show_review_queue(activate=False)  # a legal reviewer finds the queue at login

    # ------------------------------------------------------------------ menus

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(_("&File"))
        self._action(file_menu, _("New case…"), self.new_case, QKeySequence.StandardKey.New)
        self._action(file_menu, _("Verify a PDF…"), self.verify_pdf_dialog,
                     QKeySequence.StandardKey.Open)
        from desktop.ui.backup_dialog import BackupDialog
        self._action(file_menu, _("Back up and restore…"),
                     lambda: BackupDialog(self.ctx, self).exec())
        self._action(file_menu, _("Lock the screen"), lambda: self.lock(LockReason.MANUAL),
                     QKeySequence("Ctrl+L"))
        file_menu.addSeparator()
        self._action(file_menu, _("Quit"), self.close, QKeySequence.StandardKey.Quit)

        statement = self.menuBar().addMenu(_("S&tatement"))
        self._action(statement, _("New statement"), self.new_statement,
                     QKeySequence(NEW_STATEMENT))
        self._action(statement, _("Read ID card"), lambda: self._in_workspace("read_card"),
                     QKeySequence(READ_CARD))
        self._action(statement, _("Proceed to read-back"),
                     lambda: self._in_workspace("request_read_back"), QKeySequence(READ_BACK))

        law = self.menuBar().addMenu(_("L&aw"))
        self._action(law, _("Law library…"), self.show_law_library, QKeySequence(LAW_LIBRARY))
        self._action(law, _("Discretion panel"),
                     lambda: self._in_workspace("toggle_discretion"), QKeySequence(DISCRETION))
        # Legal review (法制审核, issue 17): only a legal reviewer has the queue (the service
        # refuses anyone else too).
        self.review_tab: QWidget | None = None
        if self._reviews():
            review = self.menuBar().addMenu(_("Legal &review"))
            self._action(review, _("Decisions waiting for legal review"),
                         lambda: self.show_review_queue())

        settings = self.menuBar().addMenu(_("&Settings"))
        self._action(settings, _("Idle lock after…"), self.set_idle_minutes)
        self._action(settings, _("Long-interview alert after…"), self.set_long_hours)
        delete = self._action(settings, _("Delete recorder files after verified import"),
                              lambda: None)
        delete.setCheckable(True)
        delete.setChecked(self.ctx.settings.delete_originals)
        delete.toggled.connect(self._set_delete)
        sm3 = self._action(settings, _("Also compute SM3 digests of evidence"), lambda: None)
        sm3.setCheckable(True)
        sm3.setChecked(self.ctx.settings.sm3)
        sm3.toggled.connect(self._set_sm3)
        settings.addSeparator()
        keys_action = self._action(settings, _("Signing keys…"), self.show_keys_page)
        keys_action.setVisible(is_admin(self.ctx))  # the page refuses anyone else too
        unit_action = self._action(settings, _("Unit legal particulars…"),
                                   self.show_unit_profile)
        unit_action.setVisible(is_admin(self.ctx))  # the dialog refuses anyone else too
        # Sync with HQ: its menu, its settings, its status line and its worker thread.
        from desktop.ui.sync_menu import SyncControls

        self.sync = SyncControls(self, settings)

        language = self.menuBar().addMenu(_("&Language"))
        group = QActionGroup(self)
        current = self.ctx.settings.language or current_language()
        for code in LANGUAGES:
            action = QAction(LANGUAGE_NAMES.get(code, code), self, checkable=True)
            action.setChecked(code == current)
            action.triggered.connect(lambda _checked=False, c=code: self.switch_language(c))
            group.addAction(action)
            language.addAction(action)

        help_menu = self.menuBar().addMenu(_("&Help"))
        self._action(help_menu, _("About Statement Room"), self.about)

    def _action(self, menu: Any, text: str, slot: Any, shortcut: Any = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)
        return action

    def switch_language(self, language: str) -> None:
        if screen_locked():  # its action is disabled; this is the second line of defence
            return
        flow = getattr(self, "read_back_flow", None)
        if flow is not None and flow.isVisible():
            # The window is rebuilt for a language; a read-back's captures live in its dialog.
            QMessageBox.information(self, _("Language"), _(
                "Finish or close the read-back first; then switch the language."))
            return
        self.language_changed.emit(language)

    def _set_delete(self, on: bool) -> None:
        self._change_setting("delete_originals", on)

    def _set_sm3(self, on: bool) -> None:
        self._change_setting("sm3", on)

    def _change_setting(self, name: str, value: bool) -> None:
        """Evidence policies decide what leaves a recorder: each change is audited."""
        setattr(self.ctx.settings, name, value)
        self.ctx.save_settings()
        self.ctx.run(lambda store: policy.record_policy_change(store, name, value))

    def set_idle_minutes(self) -> None:
        minutes, ok = QInputDialog.getInt(self, _("Idle lock"), _("Lock the screen after this "
                                          "many idle minutes:"),
                                          self.ctx.settings.idle_lock_minutes, 1, 30)
        if ok:
            self.ctx.settings.idle_lock_minutes = minutes
            self.ctx.save_settings()
            self.idle.policy = IdleLockPolicy(timedelta(minutes=minutes))

    def set_long_hours(self) -> None:
        hours, ok = QInputDialog.getDouble(self, _("Long interview"), _(
            "Alert when an interview has run this many hours:"),
            self.ctx.settings.long_interview_hours, 0.5, 48.0, 1)
        if ok:
            self.ctx.settings.long_interview_hours = hours
            self.ctx.save_settings()

    def show_keys_page(self) -> None:
        """The administrators' page for the unit's signing keys and trust roots."""
        self.keys_page = open_keys_page(self.ctx, self)

    def show_unit_profile(self) -> None:
        """The administrators' dialog for the unit's legal particulars (decision 51)."""
        from desktop.ui.unit_profile_dialog import open_unit_profile

        self.unit_profile_dialog = open_unit_profile(self.ctx, self)

    def show_law_library(self, citation: str | None = None) -> None:
        """The law library browser (one window, raised when asked again)."""
        from desktop.ui.law_browser import open_law_browser

        open_law_browser(self.ctx, self, citation)

    def _reviews(self) -> bool:
        from desktop.ui.penalty.review_queue import is_legal_reviewer

        return is_legal_reviewer(self.ctx)

    def show_review_queue(self, activate: bool = True) -> None:
        """The legal reviewer's queue of penalty decisions, in its own tab (one at a time)."""
        if not self._reviews():
            return
        from desktop.ui.penalty.review_queue import ReviewQueue

        if self.review_tab is None or self.tabs.indexOf(self.review_tab) < 0:
            queue = ReviewQueue(self.ctx)
            queue.count_changed.connect(lambda count, q=queue: self.tabs.setTabText(
                self.tabs.indexOf(q), _("Legal review ({count})").format(count=count)))
            self.review_tab = queue
            self.tabs.addTab(queue, _("Legal review"))
            if queue.waiting is not None:  # loaded already (a synchronous background)
                queue.count_changed.emit(queue.waiting)
        if activate:
            self.tabs.setCurrentWidget(self.review_tab)

    def about(self) -> None:
        QMessageBox.about(self, _("About Statement Room"), _(
            "Statement Room (电子笔录室) {version}: interview statements, evidence and audit "
            "for administrative law enforcement. Everything is kept encrypted on this "
            "computer, in {folder}.").format(version=program_version(),
                                            folder=self.ctx.paths.workdir))

    # ------------------------------------------------------------------ cases

    def new_case(self) -> None:
        dialog = NewCaseDialog(self.ctx, self)
        dialog.created.connect(lambda case: self.cases.refresh(select=case.id))
        self.new_case_dialog = dialog
        dialog.open()

    def new_statement(self) -> None:
        case_id = self.cases.current_case_id()
        if case_id is not None:
            self.open_statement(case_id, None)

    def _in_workspace(self, action: str) -> None:
        """A statement's shortcut acts on the statement in the current tab, if any."""
        from desktop.ui.interview import InterviewWorkspace

        workspace = self.tabs.currentWidget()
        if isinstance(workspace, InterviewWorkspace):
            getattr(workspace, action)()

    def show_case(self, case_id: str, activate: bool = True) -> None:
        summary = next((s for s in self.cases.summaries if s.case.id == case_id), None)
        if summary is None:
            return
        from desktop.ui.evidence import EvidencePanel

        evidence = EvidencePanel(self.ctx, case_id)
        evidence.changed.connect(self.cases.refresh)  # the list counts evidence per case
        evidence.refresh()
        view = CaseView(self.ctx, summary, evidence)
        view.open_statement.connect(self.open_statement)
        view.new_statement.connect(lambda cid: self.open_statement(cid, None))
        index = self.tabs.indexOf(self.case_tab)
        self.tabs.removeTab(index)
        self.case_tab.deleteLater()
        self.case_tab = view
        self.tabs.insertTab(0, view, summary.case.number)
        self.tabs.tabBar().setTabButton(0, self.tabs.tabBar().ButtonPosition.RightSide, None)
        if activate:
            self.tabs.setCurrentIndex(0)

    def open_statement(self, case_id: str, statement_id: str | None) -> None:
        if statement_id is not None and statement_id in self.workspaces:
            self.tabs.setCurrentWidget(self.workspaces[statement_id])
            return
        from desktop.ui.interview import InterviewWorkspace

        workspace = InterviewWorkspace(self.ctx, case_id, statement_id)
        title = _("New statement") if statement_id is None else _("Statement")
        index = self.tabs.addTab(workspace, title)
        workspace.title_changed.connect(
            lambda text, w=workspace: self.tabs.setTabText(self.tabs.indexOf(w), text))
        workspace.read_back_requested.connect(self.read_back)
        workspace.statement_started.connect(
            lambda sid, w=workspace: self._statement_added(sid, w))
        if statement_id is not None:
            self.workspaces[statement_id] = workspace
        self.tabs.setCurrentIndex(index)

    def read_back(self, statement_id: str) -> None:
        from desktop.ui.readback import ReadBackFlow

        current = getattr(self, "read_back_flow", None)
        if current is not None and current.isVisible() and current.statement_id == statement_id:
            current.raise_()  # asked again (the button, Ctrl+R): one dialog, one party window
            current.activateWindow()
            return
        flow = ReadBackFlow(self.ctx, statement_id, self)
        flow.signed.connect(lambda _sid: self._refresh_case())
        flow.returned_to_draft.connect(self._returned_to_draft)
        flow.show()
        self.read_back_flow = flow

    def _statement_added(self, statement_id: str, workspace: Any) -> None:
        self.workspaces[statement_id] = workspace  # flushed on lock, found when reopened
        self._refresh_case(activate=False)

    def _returned_to_draft(self, statement_id: str) -> None:
        """A correction during read-back: the open workspace is editable again at once."""
        workspace = self.workspaces.get(statement_id)
        if workspace is not None:
            workspace.reopen_for_correction()
            self.tabs.setCurrentWidget(workspace)
        self._refresh_case(activate=False)

    def _refresh_case(self, activate: bool = True) -> None:
        """A statement changed state or was added: list and case view show it."""
        case_id = self.cases.current_case_id()
        if case_id is not None:
            self.cases.refresh(on_done=lambda: self.show_case(case_id, activate))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous() and self.tabs.currentWidget() is self.case_tab:
            total = sum(self.splitter.sizes())
            self.splitter.setSizes([self.case_list_width, max(total - self.case_list_width, 0)])

    def _fit_case_list(self, _index: int = -1) -> None:
        """During an interview the case list collapses, so the statement gets the whole
        width (at 1024x768 it needs it); back on the case tab the list returns. Its handle
        stays on the left edge: dragging it opens the list at any time."""
        sizes = self.splitter.sizes()
        total = sum(sizes)
        if total == 0:  # not laid out yet: the initial sizes stand
            return
        if self.tabs.currentWidget() is self.case_tab:
            if sizes[0] == 0:
                self.splitter.setSizes([self.case_list_width, max(total - self.case_list_width,
                                                                  0)])
        elif sizes[0] > 0:
            self.case_list_width = sizes[0]
            self.splitter.setSizes([0, total])

    def close_tab(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if widget is None or widget is self.case_tab:
            return
        if hasattr(widget, "flush"):
            widget.flush()
        for key, value in list(self.workspaces.items()):
            if value is widget:
                del self.workspaces[key]
        self.tabs.removeTab(index)
        widget.deleteLater()
        self.cases.refresh()

    # ------------------------------------------------------------------ verify

    def verify_pdf_dialog(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Verify a PDF"), "",
                                                    _("PDF files (*.pdf)"))
        if path:
            self.verify(Path(path))

    def verify(self, path: Path) -> None:
        from desktop.ui.verify_view import VerifyDialog

        dialog = VerifyDialog(self.ctx, path, self)
        dialog.show()
        self.verify_dialog = dialog

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        from desktop.ui.verify_view import pdf_paths_from_drop

        if screen_locked():
            event.ignore()
        elif pdf_paths_from_drop(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        from desktop.ui.verify_view import pdf_paths_from_drop

        if screen_locked():
            event.ignore()
            return
        for path in pdf_paths_from_drop(event.mimeData()):
            self.verify(path)
        event.acceptProposedAction()

    # ------------------------------------------------------------------ lock and close

    def flush(self) -> None:
        """Every autosave submitted so far is durable when this returns."""
        for workspace in self.workspaces.values():
            workspace.flush()
        self.ctx.bg.drain()

    def lock(self, reason: LockReason = LockReason.MANUAL) -> None:
        """Cover every window, make the autosaves durable, audit, ask for the password."""
        if screen_locked():
            return
        dialog = LockDialog(self.ctx, reason, self.idle.minutes)
        self.lock_dialog = dialog
        self.screen_lock = ScreenLock(dialog)
        # Cover first: the party's data must leave the screen even while a long docking
        # still holds the store thread. Every window goes: read-back, the party's screen, …
        self.screen_lock.engage()
        self.flush()
        self.ctx.run(lambda store: store.lock_session())
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def set_locked(self, locked: bool) -> None:
        """Called by the `ScreenLock`: hide the content (or show it again after unlocking)."""
        self.locked = locked
        central = self.centralWidget()
        if central is not None:
            central.setVisible(not locked)
        self.sync.set_locked(locked)  # sync goes on behind the lock; its status is hidden
        if locked:
            self.idle.locked = True
        else:
            self.idle.unlocked()

    def closeEvent(self, event: QCloseEvent) -> None:
        try:
            self.flush()
        finally:  # whatever a last autosave met, no timer or sync thread outlives the window
            self.idle.stop()
            self.devices.timer.stop()
            self.sync.stop()  # before the store closes; a rebuilt window starts its own
        if not self.closing_for_rebuild:
            store = self.ctx.store
            if store is not None:
                # A recording still running is stopped and kept (issue 18); its module is
                # only loaded if a statement was opened.
                recording = sys.modules.get("desktop.ui.recording.controller")
                if recording is not None:
                    recording.stop_recordings(self.ctx)
                self.ctx.bg.stop_long_work()  # a docking must not write to a closed store
                self.ctx.bg.call(store.close)
                self.ctx.store = None
        event.accept()

