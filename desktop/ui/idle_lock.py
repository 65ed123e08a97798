"""The screen lock: after a quiet spell, or on Ctrl+L, nothing but the password prompt responds.

`IdleLock` watches the application's input events. Every second it asks the domain's
`IdleLockPolicy` whether the officer has been idle too long (10 minutes unless configured).
When that happens it emits `lock_requested`. The main window then covers every window
(`ScreenLock`), waits until every autosave is durable, records the lock in the audit trail and
shows a `LockDialog`, modal over the whole application. Only the same officer's password
resumes the session, and failures count toward the lockout. Nothing is closed or discarded:
the work is exactly where it was.

While a `ScreenLock` holds:

- every window of the application is covered: a window that can show a locked state of its
  own (`set_locked`, e.g. the main window and the party's screen) shows it, any other window
  is hidden; a window that appears during the lock is covered as it is shown;
- every `QAction` and `QShortcut` of those windows is disabled, and so is every drop target;
- an application-wide event filter swallows every key, mouse, wheel, touch, tablet, input
  method, shortcut, context-menu, tooltip and drag-and-drop event, and the window manager's
  close requests, unless it is meant for the lock dialog. So no typed text can reach an
  editor, and no autosave has anything new to write.

Unlocking restores exactly what the lock changed: windows come back, and only the actions,
shortcuts and drop targets that the lock disabled are enabled again.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from gettext import gettext as _
from gettext import ngettext
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QShortcut, QWindow
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.domain.security import IdleLockPolicy
from desktop.ui.context import AppContext, Clock

_ACTIVITY = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TabletPress, QEvent.Type.TabletMove, QEvent.Type.TouchBegin,
}

#: What the lock swallows unless it is meant for the lock dialog.
_REFUSED = {
    QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride,
    QEvent.Type.Shortcut, QEvent.Type.InputMethod,
    QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
    QEvent.Type.MouseButtonDblClick, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.NonClientAreaMouseButtonPress, QEvent.Type.NonClientAreaMouseButtonRelease,
    QEvent.Type.NonClientAreaMouseButtonDblClick,
    QEvent.Type.TabletPress, QEvent.Type.TabletMove, QEvent.Type.TabletRelease,
    QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd,
    QEvent.Type.ContextMenu, QEvent.Type.ToolTip, QEvent.Type.WhatsThis,
    QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop,
}


class LockReason(enum.Enum):
    IDLE = "idle"
    MANUAL = "manual"


class IdleLock(QObject):
    """Emits `lock_requested` once the officer has been idle for the policy's timeout."""

    lock_requested = Signal()

    def __init__(self, clock: Clock, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self.policy = IdleLockPolicy(timedelta(minutes=minutes))
        self.last_activity: datetime = clock()
        self.locked = False
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.check)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    @property
    def minutes(self) -> int:
        return max(1, round(self.policy.timeout.total_seconds() / 60))

    def start(self) -> None:
        self.touch()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def touch(self) -> None:
        self.last_activity = self.clock()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.locked and event.type() in _ACTIVITY:
            self.last_activity = self.clock()
        return False

    def check(self) -> None:
        if not self.locked and self.policy.should_lock(self.last_activity, self.clock()):
            self.locked = True
            self.lock_requested.emit()

    def unlocked(self) -> None:
        self.locked = False
        self.touch()


def lock_message(reason: LockReason, name: str, minutes: int) -> str:
    """What the lock dialog says: why the screen is locked, and what to do."""
    if reason is LockReason.IDLE:
        why = ngettext("The screen was locked after {minutes} minute of inactivity.",
                       "The screen was locked after {minutes} minutes of inactivity.",
                       minutes).format(minutes=minutes)
    else:
        why = _("You locked the screen.")
    return _("{why} Your work is saved and still open. {name}, enter your password to "
             "continue.").format(why=why, name=name)


class LockDialog(QDialog):
    """Asks the logged-in officer's password again; cannot be dismissed otherwise.

    Modal over the whole application: every other window is blocked while it is shown.
    """

    def __init__(self, ctx: AppContext, reason: LockReason = LockReason.IDLE,
                 minutes: int = 10, parent: QObject | None = None) -> None:
        super().__init__(None)
        self.ctx = ctx
        self.reason = reason
        self.minutes = minutes
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        self.button = QPushButton()
        self.button.setDefault(True)
        self.button.clicked.connect(self.submit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.password)
        layout.addWidget(self.error)
        layout.addWidget(self.button)
        self.setMinimumWidth(420)
        self.retranslate()

    def retranslate(self) -> None:
        """Set every text in the current language (the language may change while locked)."""
        store = self.ctx.require_store()
        self.setWindowTitle(_("Statement Room: locked"))
        self.message.setText(lock_message(self.reason, store.officer.name, self.minutes))
        self.password.setPlaceholderText(_("Password"))
        self.button.setText(_("Unlock"))

    def reject(self) -> None:  # Esc does not unlock
        return

    def submit(self) -> None:
        password = self.password.text()
        self.password.clear()
        self.button.setEnabled(False)
        self.ctx.run(lambda store: store.resume_session(password), lambda _none: self.accept(),
                     self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.button.setEnabled(True)
        self.error.setText(str(exc) if isinstance(exc, UserError) else _("Unlock failed."))
        self.error.show()
        self.password.setFocus()


_active: ScreenLock | None = None


def active_lock() -> ScreenLock | None:
    """The lock holding the application, if any."""
    return _active


def screen_locked() -> bool:
    return _active is not None


def _valid(obj: Any) -> bool:
    return obj is not None and shiboken6.isValid(obj)


def _key(obj: QObject) -> int:
    """The C++ address: a Python wrapper's id() can change or be reused, this cannot."""
    return int(shiboken6.getCppPointer(obj)[0])


class ScreenLock(QObject):
    """Holds the whole application behind `dialog` until it is accepted; see the module doc.

    `released` is emitted once the officer has unlocked and everything is restored.
    """

    released = Signal()

    def __init__(self, dialog: LockDialog) -> None:
        super().__init__(None)
        self.dialog = dialog
        self.covered: list[QWidget] = []  # windows showing their own locked state
        self.hidden: list[QWidget] = []  # windows hidden by the lock
        self.disabled: list[QAction | QShortcut] = []
        self.undropped: list[QWidget] = []
        self._seen: set[int] = set()
        dialog.accepted.connect(self.release)

    # --- engaging ---------------------------------------------------------------------------

    def engage(self) -> None:
        """Cover every window now; from now on, only the dialog receives input."""
        global _active
        _active = self
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        for window in QApplication.topLevelWidgets():
            self.cover(window)

    def cover(self, window: QWidget) -> None:
        """Lock `window` (a top-level): its own locked state or hidden; actions, drops off."""
        if not _valid(window) or self._inside_dialog(window) or _key(window) in self._seen:
            return
        self._seen.add(_key(window))
        set_locked = getattr(window, "set_locked", None)
        if callable(set_locked):
            set_locked(True)
            self.covered.append(window)
        elif window.isVisible():
            window.hide()
            self.hidden.append(window)
        self._disable_inputs(window)

    def _disable_inputs(self, window: QWidget) -> None:
        controls: list[QAction | QShortcut] = [*window.actions(),
                                               *window.findChildren(QAction),
                                               *window.findChildren(QShortcut)]
        for control in controls:
            if control.isEnabled() and not any(c is control for c in self.disabled):
                control.setEnabled(False)
                self.disabled.append(control)
        for widget in [window, *window.findChildren(QWidget)]:
            if widget.acceptDrops():
                widget.setAcceptDrops(False)
                self.undropped.append(widget)

    # --- releasing --------------------------------------------------------------------------

    def release(self) -> None:
        """Put back exactly what the lock changed; then the application responds again."""
        global _active
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        if _active is self:
            _active = None
        for control in self.disabled:
            if _valid(control):
                control.setEnabled(True)
        for widget in self.undropped:
            if _valid(widget):
                widget.setAcceptDrops(True)
        for window in self.covered:
            if _valid(window):
                window.set_locked(False)  # type: ignore[attr-defined]
        for window in self.hidden:
            if _valid(window):
                window.show()
        self.covered, self.hidden, self.disabled, self.undropped = [], [], [], []
        self._seen.clear()
        self.dialog.deleteLater()
        self.released.emit()

    # --- the filter -------------------------------------------------------------------------

    def _inside_dialog(self, obj: QObject) -> bool:
        if not _valid(self.dialog):
            return False
        if isinstance(obj, QWindow):
            return any(w.windowHandle() is obj and self._inside_dialog(w)
                       for w in QApplication.topLevelWidgets())
        node: QObject | None = obj
        while node is not None:
            if node is self.dialog:
                return True
            node = node.parentWidget() if isinstance(node, QWidget) else node.parent()
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Show and isinstance(watched, QWidget) and watched.isWindow():
            if not self._inside_dialog(watched) and _key(watched) not in self._seen:
                if callable(getattr(watched, "set_locked", None)):
                    self.cover(watched)
                else:  # hide it once it is shown (hiding inside its show event is unsafe)
                    self._seen.add(_key(watched))
                    self._disable_inputs(watched)
                    QTimer.singleShot(0, lambda w=watched: self._hide_late(w))
            return False
        if kind == QEvent.Type.Close and event.spontaneous():
            if not self._inside_dialog(watched):
                event.ignore()
                return True
            return False
        if kind in _REFUSED and not self._inside_dialog(watched):
            event.ignore()
            return True
        return False

    def _hide_late(self, window: QWidget) -> None:
        if _active is self and _valid(window) and window.isVisible():
            window.hide()
            self.hidden.append(window)
