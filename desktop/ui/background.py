"""Background work for the GUI: the store thread, device threads, and callbacks on the GUI thread.

The design brief (§2) asks that nothing blocks the GUI thread and that one thread owns the
writable store connection. `Background.run(fn, on_done, on_error)` runs `fn` on the single
store thread (so store calls are serialised in submission order: an autosave submitted
before "start read-back" is durable before it), or with `io=True` on a device thread, and
delivers the result or the exception to the callbacks on the GUI thread through a queued
signal. `Background(synchronous=True)` runs everything inline, which is what tests use.

Errors without an `on_error` go to `report_error`: a `UserError` is shown as its translated
message; anything else is a bug, written with its traceback to stderr (never to disk, where it
could leak personal data) and shown as a crash dialog that keeps the program running.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from gettext import gettext as _
from typing import Any, TypeVar

from PySide6.QtCore import QEventLoop, QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop.domain.errors import UserError

T = TypeVar("T")
Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


def report_error(exc: BaseException, parent: QWidget | None = None) -> None:
    """Show a refused operation's message, or a bug's crash dialog (traceback on stderr)."""
    if isinstance(exc, UserError):
        QMessageBox.warning(parent, _("Statement Room"), str(exc))
        return
    traceback.print_exception(exc, file=sys.stderr)
    QMessageBox.critical(parent, _("Statement Room"), _(
        "An unexpected error occurred; the operation was not completed. Everything shown as "
        "saved is safe. Details were written to the program's error output."))


class Background(QObject):
    """One store thread and a few device threads; results come back on the GUI thread."""

    _finished = Signal(object)

    def __init__(self, parent: QObject | None = None, *, synchronous: bool = False) -> None:
        super().__init__(parent)
        self.synchronous = synchronous
        self._store = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        self._io = ThreadPoolExecutor(max_workers=4, thread_name_prefix="device-io")
        self._pending = 0
        self.error_parent: QWidget | None = None
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def run(self, fn: Callable[[], T], on_done: Callable[[T], None] | None = None,
            on_error: Failed | None = None, *, io: bool = False) -> None:
        """Run `fn` off the GUI thread (inline when synchronous); callbacks on the GUI thread."""
        if self.synchronous:
            try:
                value = fn()
            except Exception as exc:  # delivered like an asynchronous failure
                self._fail(exc, on_error)
                return
            if on_done is not None:
                on_done(value)
            return
        self._pending += 1
        future = (self._io if io else self._store).submit(fn)
        future.add_done_callback(lambda f: self._finished.emit((f, on_done, on_error)))

    def call(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the store thread and wait for it (closing, locking: rare and short)."""
        if self.synchronous:
            return fn()
        return self._store.submit(fn).result()

    def _deliver(self, packet: tuple[Future[Any], Done | None, Failed | None]) -> None:
        future, on_done, on_error = packet
        self._pending -= 1
        exc = future.exception()
        if exc is not None:
            self._fail(exc, on_error)
        elif on_done is not None:
            on_done(future.result())

    def _fail(self, exc: BaseException, on_error: Failed | None) -> None:
        if on_error is not None and isinstance(exc, UserError):
            on_error(exc)
            return
        parent = self.error_parent or QApplication.activeWindow()
        report_error(exc, parent)
        if on_error is not None:
            on_error(exc)

    def drain(self) -> None:
        """Wait for everything submitted so far and deliver its callbacks (closing, tests)."""
        if self.synchronous:
            return
        marker = self._store.submit(lambda: None)
        # Keep the window alive meanwhile (a docking can hold the store thread for minutes).
        while not marker.done() or self._pending:
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            wait([marker], timeout=0.02)

    def shutdown(self) -> None:
        self.drain()
        self._store.shutdown(wait=True)
        self._io.shutdown(wait=False, cancel_futures=True)
