"""Background work for the GUI: work lanes, device threads, and callbacks on the GUI thread.

The design brief (§2) asks that nothing blocks the GUI thread; decision 12 (as amended by
issue 12) gives the work four lanes, each its own thread(s):

- `Lane.STORE`: the writes. One thread, so writes are serialised in submission order (an
  autosave submitted before "start read-back" is durable before it). It runs short
  transactions only, so an autosave waits at most for one of them.
- `Lane.READ`: reads (case and evidence lists, an item's details) on the store's read-only
  connection. A read starts once the writes submitted before it have committed (so it sees
  what the officer saved before asking; they are short), and no write ever waits for a read.
- `Lane.LONG`: long work (a docking: copying, encrypting and re-reading gigabytes). It hands
  its short transactions to the store lane (`Store.write`, wired to `call` at login).
- `Lane.IO`: device threads (a card reader waiting for a card).

`Background.run(fn, on_done, on_error, lane=...)` runs `fn` on its lane and delivers the
result or the exception to the callbacks on the GUI thread through a queued signal.
`Background(synchronous=True)`, what tests use, still runs `fn` on its lane's thread but waits
for it and then delivers the callbacks inline: deterministic, and a store call that reaches the
GUI thread fails there as it would in the program. The callbacks run inside
`forbidden_here()`, so one that touches the store is caught (desktop.store.threads).

Errors without an `on_error` go to `report_error`: a `UserError` is shown as its translated
message; anything else is a bug, written with its traceback to stderr (never to disk, where it
could leak personal data) and shown as a crash dialog that keeps the program running.
"""

from __future__ import annotations

import contextlib
import enum
import os
import queue
import sys
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from gettext import gettext as _
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop.crash_reports import write_crash_report
from desktop.domain.errors import UserError
from desktop.store.threads import forbidden_here

T = TypeVar("T")
Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class Lane(enum.Enum):
    STORE = "store"  # writes, one at a time, in submission order; short ones only
    READ = "read"  # reads on the read-only connection
    LONG = "long"  # long work that hands its writes to STORE
    IO = "device-io"  # devices


_WORKERS = {Lane.STORE: 1, Lane.READ: 1, Lane.LONG: 1, Lane.IO: 4}
_LONG_NICENESS = 10


def _yield_cpu() -> None:
    """Long work gives way on a busy CPU: its thread (and the vault's stage threads it starts,
    which inherit it) runs at a lower priority, so an autosave is not slowed by the hashing
    and encryption of a docking. Linux sets this per thread; elsewhere it is left as it is."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _LONG_NICENESS)


def report_error(exc: BaseException, parent: QWidget | None = None) -> None:
    """Show a refused operation's message, or a bug's crash dialog (traceback on stderr)."""
    if isinstance(exc, UserError):
        QMessageBox.warning(parent, _("Statement Room"), str(exc))
        return
    traceback.print_exception(exc, file=sys.stderr)
    report = write_crash_report(exc)
    where = (_("A report for HQ, without personal data, was saved as {path}.").format(path=report)
             if report is not None else
             _("Details were written to the program's error output."))
    QMessageBox.critical(parent, _("Statement Room"), _(
        "An unexpected error occurred; the operation was not completed. Everything shown as "
        "saved is safe.") + " " + where)


class Background(QObject):
    """The work lanes; results come back on the GUI thread."""

    _finished = Signal(object)
    _to_gui = Signal(object)

    def __init__(self, parent: QObject | None = None, *, synchronous: bool = False) -> None:
        super().__init__(parent)
        self.synchronous = synchronous
        self._lanes = {
            lane: ThreadPoolExecutor(max_workers=n, thread_name_prefix=lane.value,
                                     initializer=_yield_cpu if lane is Lane.LONG else None)
            for lane, n in _WORKERS.items()}
        # Which lane each worker thread serves, so `call` on the store lane runs inline there.
        self._thread_lane: dict[int, Lane] = {}
        self._pending = {lane: 0 for lane in Lane}
        self._closed = False
        self.error_parent: QWidget | None = None
        # While a synchronous `run` waits, `to_gui` calls are handed to it here, in order.
        self._sync_waits: list[queue.SimpleQueue[Callable[[], None] | None]] = []
        self._cancels: set[threading.Event] = set()  # of jobs still running
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._to_gui.connect(self._call_on_gui, Qt.ConnectionType.QueuedConnection)

    @property
    def busy(self) -> bool:
        return any(self._pending.values())

    @property
    def closed(self) -> bool:
        """The lanes were shut down (the program is closing): nothing more can be run."""
        return self._closed

    def lane_busy(self, lane: Lane) -> bool:
        return self._pending[lane] > 0

    def _submit(self, lane: Lane, fn: Callable[[], T]) -> Future[T]:
        box = [fn]

        def on_lane() -> T:
            self._thread_lane[threading.get_ident()] = lane
            # The lane lets go of `fn` (and the widgets its closure holds) before the result
            # is published, so their last reference is dropped on the GUI thread.
            work = box.pop()
            try:
                return work()
            finally:
                del work

        return self._lanes[lane].submit(on_lane)

    def _after_writes(self, fn: Callable[[], T]) -> Callable[[], T]:
        """`fn`, run once every write submitted before it has committed: a read sees what
        the officer saved before asking (the store lane holds short transactions only, so
        that wait is short); a write submitted later never waits for it."""
        before = self._submit(Lane.STORE, lambda: None)

        def after() -> T:
            before.result()
            return fn()

        return after

    def to_gui(self, fn: Callable[[], None]) -> None:
        """From a lane: run `fn` on the GUI thread (progress). Queued in order; when the
        background is synchronous the lane waits until it ran, so tests see it in step."""
        if not self.synchronous or not self._sync_waits:
            self._to_gui.emit(fn)
            return
        done = threading.Event()

        def step() -> None:
            try:
                fn()
            finally:
                done.set()

        self._sync_waits[-1].put(step)
        done.wait()

    def _call_on_gui(self, fn: Callable[[], None]) -> None:
        with forbidden_here():
            fn()

    def run(self, fn: Callable[[], T], on_done: Callable[[T], None] | None = None,
            on_error: Failed | None = None, *, lane: Lane = Lane.STORE,
            io: bool = False, cancel: threading.Event | None = None) -> None:
        """Run `fn` on `lane` (`io=True`: the device lane); callbacks on the GUI thread.

        `cancel` is the event that stops `fn` early; `stop_long_work` sets it."""
        if cancel is not None:
            self._cancels.add(cancel)
            on_done, on_error = self._forgetting(cancel, on_done), \
                self._forgetting(cancel, on_error)
        if io:
            lane = Lane.IO
        if lane in (Lane.READ, Lane.LONG):
            fn = self._after_writes(fn)
        if self.synchronous:
            steps: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
            self._sync_waits.append(steps)
            try:
                future = self._submit(lane, fn)
                future.add_done_callback(lambda _f: steps.put(None))
                while (step := steps.get()) is not None:
                    with forbidden_here():
                        step()
            finally:
                self._sync_waits.pop()
            # What `fn` emitted to the GUI thread (progress) comes first, as it would.
            QCoreApplication.sendPostedEvents(None, QEvent.Type.MetaCall)
            self._deliver_now(future, on_done, on_error)
            return
        self._pending[lane] += 1
        future = self._submit(lane, fn)
        future.add_done_callback(
            lambda f: self._finished.emit((lane, f, on_done, on_error)))

    def _forgetting(self, cancel: threading.Event,
                    callback: Callable[[Any], None] | None) -> Callable[[Any], None]:
        def forget(value: Any) -> None:
            self._cancels.discard(cancel)
            if callback is not None:
                callback(value)

        return forget

    def stop_long_work(self) -> None:
        """Ask every cancellable job to stop, then wait for the long lane (closing: the store
        must not close under a docking still writing to it). What was stored is kept."""
        for cancel in list(self._cancels):
            cancel.set()
        self.wait_lane(Lane.LONG)

    def call(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the store lane and wait for it (closing, locking, long work's writes:
        short). Inline when already there, or once the lanes are shut down."""
        if self._closed or self._thread_lane.get(threading.get_ident()) is Lane.STORE:
            return fn()
        return self._submit(Lane.STORE, fn).result()

    def _deliver(self, packet: tuple[Lane, Future[Any], Done | None, Failed | None]) -> None:
        lane, future, on_done, on_error = packet
        self._pending[lane] -= 1
        self._deliver_now(future, on_done, on_error)

    def _deliver_now(self, future: Future[Any], on_done: Done | None,
                     on_error: Failed | None) -> None:
        with forbidden_here():  # GUI code: it must not touch the store
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
        """Wait for every write submitted so far and deliver its callbacks (locking, closing,
        tests). Long work is not waited for: its writes are short and already serialised."""
        self.wait_lane(Lane.STORE)

    def wait_lane(self, lane: Lane) -> None:
        """Wait for everything submitted to `lane` so far, delivering callbacks meanwhile
        (closing the store waits for long work that still writes to it). Nothing to wait for
        once the lanes are shut down."""
        if self.synchronous or self._closed:
            return
        marker = self._submit(lane, lambda: None)
        while not marker.done() or self._pending[lane]:
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            wait([marker], timeout=0.02)

    def shutdown(self) -> None:
        self.drain()
        for lane in (Lane.LONG, Lane.READ, Lane.STORE):
            self._lanes[lane].shutdown(wait=True)
        self._closed = True
        self._lanes[Lane.IO].shutdown(wait=False, cancel_futures=True)
