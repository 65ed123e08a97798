"""The idle lock: after a quiet spell the window hides its content and asks for the password.

`IdleLock` watches the application's input events. Every second it asks the domain's
`IdleLockPolicy` whether the officer has been idle too long (10 minutes unless configured).
When that happens it emits `lock_requested`. The main window then waits until every
autosave is durable, records the lock in the audit trail, hides what it shows (a party's
data must not stay on an unattended screen) and opens a `LockDialog`. Only the same
officer's password resumes the session, and failures count toward the lockout. Nothing is
closed or discarded: the work is exactly where it was.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from gettext import gettext as _

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QPushButton, QVBoxLayout

from desktop.domain.errors import UserError
from desktop.domain.security import IdleLockPolicy
from desktop.store.tx import Clock
from desktop.ui.context import AppContext

_ACTIVITY = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TabletPress, QEvent.Type.TabletMove, QEvent.Type.TouchBegin,
}


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


class LockDialog(QDialog):
    """Asks the logged-in officer's password again; cannot be dismissed otherwise."""

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(None)
        self.ctx = ctx
        self.setModal(True)
        self.setWindowTitle(_("Statement Room: locked"))
        store = ctx.require_store()
        self.message = QLabel(_("The screen was locked after a period of inactivity. Your work "
                                "is saved and still open. {name}, enter your password to "
                                "continue.").format(name=store.officer.name))
        self.message.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(_("Password"))
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        self.button = QPushButton(_("Unlock"))
        self.button.setDefault(True)
        self.button.clicked.connect(self.submit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.password)
        layout.addWidget(self.error)
        layout.addWidget(self.button)
        self.setMinimumWidth(420)

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
