"""The sync worker: rounds with HQ on a thread of its own; what they did, queued to the GUI.

Why a thread of its own and not a lane of `desktop.ui.background`: a round can upload
gigabytes under a bandwidth cap for hours. On the long lane (one worker) it would hold every
docking behind it, or wait behind one; on the read lane it would hold the case lists. It
never writes itself: what it keeps (upload offsets, receipts, the round's audit event) goes
through `Store.write` to the store lane, one short transaction at a time, so an autosave
waits at most for one of them. The thread runs at a lower CPU priority (as the long lane
does), and the GUI hears from it through a queued signal at most `SyncTiming.progress_s`
apart while bytes move: the engine's per-slice progress never reaches the GUI thread.

When a round runs:

- at start (a round resumes uploads an earlier session left: their offsets are in the store);
- after a complete round, every `interval_s`;
- after a failed round, after a full-jitter backoff (`sync.client.backoff`), longer each time;
- while HQ cannot be reached, the worker only probes it (a TCP connect to HQ's host and
  port, cheap and bounded) every `probe_s`, and runs a round as soon as it answers: the
  network came back. `QNetworkInformation` (when the platform has a backend) wakes the probe
  early when the system says it is online again; it is a hint only, since "online" does not
  mean HQ is reachable, and many platforms (the offscreen one in CI) have no backend;
- when the officer asks ("Sync now"), at once and with the backoff forgotten.

While the screen is locked rounds go on; the status they produce is simply not shown (the
main window hides its status while locked). `stop` cancels a round between chunks and joins
the thread: the program closes the store only after it.
"""

from __future__ import annotations

import contextlib
import enum
import random
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from gettext import gettext as _

from PySide6.QtCore import QObject, Qt, Signal

from desktop.domain.errors import UserError
from desktop.services.sync import SyncStatus, error_words, status
from desktop.services.sync_round import run_round
from desktop.store.store import Store
from desktop.ui.background import _yield_cpu
from sync.client.backoff import backoff_delay
from sync.client.engine import Progress
from sync.client.transport import InsecureUrl, check_hq_url


class SyncState(enum.Enum):
    STARTING = "starting"
    NOT_ENROLLED = "not_enrolled"
    SYNCING = "syncing"
    UP_TO_DATE = "up_to_date"  # the last round sent everything
    RETRYING = "retrying"  # the last round left something; a retry is scheduled
    ATTENTION = "attention"  # HQ refused records; they wait for a person, the rest was sent
    OFFLINE = "offline"  # HQ cannot be reached; probing
    STOPPED = "stopped"


@dataclass(frozen=True)
class SyncTiming:
    """When the worker tries (seconds); tests shorten them."""

    interval_s: float = 300.0
    probe_s: float = 15.0
    not_enrolled_s: float = 60.0
    backoff_base_s: float = 5.0
    backoff_cap_s: float = 600.0
    progress_s: float = 0.25
    probe_timeout_s: float = 3.0


@dataclass(frozen=True)
class SyncView:
    """What the status bar and the sync panel show; built on the worker thread."""

    state: SyncState
    status: SyncStatus | None = None
    progress: Progress | None = None
    problems: tuple[str, ...] = ()  # the last round's, in words
    next_try_s: float | None = None  # seconds from when the view was made


def _jittered(seconds: float) -> float:
    """Between half and all of `seconds`: a squad's desktops do not probe HQ in step."""
    return random.uniform(0.5, 1.0) * seconds  # noqa: S311 - spreading load, not a secret


def hq_reachable(url: str, timeout: float) -> bool:
    """Whether HQ's host accepts a TCP connection on its port (no request is made)."""
    try:
        _scheme, host, port, _path = check_hq_url(url)
    except InsecureUrl:
        return False
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class SyncWorker(QObject):
    """See the module docstring. Create and use it on the GUI thread; `changed` arrives
    there with a `SyncView`."""

    changed = Signal(object)
    _from_thread = Signal(object)

    def __init__(self, store: Store, *, bandwidth: Callable[[], float | None] = lambda: None,
                 timing: SyncTiming | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.bandwidth = bandwidth  # read at each round: the setting may change meanwhile
        self.timing = timing or SyncTiming()
        self.view = SyncView(SyncState.STARTING)
        self.rounds = 0  # rounds run (shown nowhere; tests wait on it)
        self._cond = threading.Condition()
        self._wake: set[str] = set()
        self._stopping = False
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._from_thread.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    # GUI thread ----------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None or self._stopping:
            return
        self._thread = threading.Thread(target=self._run, name="sync", daemon=False)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def sync_now(self) -> None:
        """A round at once (the officer asked), the backoff forgotten."""
        self._poke("now")

    def refresh(self) -> None:
        """Read the status again (after an enrolment, a purge): a round follows if enrolled."""
        self._poke("refresh")

    def network_changed(self, online: bool = True) -> None:
        """The system says the network is back: probe HQ now instead of at the next tick."""
        if online:
            self._poke("network")

    def _on_reachability(self, reachability: object) -> None:
        from PySide6.QtNetwork import QNetworkInformation

        self.network_changed(reachability == QNetworkInformation.Reachability.Online)

    def stop(self) -> None:
        """Cancel a running round between chunks and wait for the thread to end."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._cancel.set()
        if self._thread is not None:
            self._thread.join()
        self._thread = None
        self.view = replace(self.view, state=SyncState.STOPPED, progress=None)

    def _poke(self, reason: str) -> None:
        with self._cond:
            self._wake.add(reason)
            self._cond.notify_all()

    def show(self, view: SyncView) -> None:
        """Show `view` as the worker's own (what the GUI learnt without the thread)."""
        self.view = view
        self.changed.emit(view)

    def _deliver(self, view: SyncView) -> None:
        if not self._stopping:
            self.show(view)

    # The worker's thread -------------------------------------------------------------------

    def _publish(self, view: SyncView) -> None:
        self._from_thread.emit(view)

    def _run(self) -> None:
        _yield_cpu()
        wait_s = 0.0  # at start: at once, resuming what an earlier session left
        failures = 0
        offline = False
        while True:
            with self._cond:
                if not self._stopping and not self._wake:
                    self._cond.wait(timeout=wait_s)
                if self._stopping:
                    return
                reasons, self._wake = self._wake, set()
            if "now" in reasons:
                failures = 0
            try:
                wait_s, failures, offline = self._step(reasons, failures, offline)
            except Exception as exc:  # a bug: said on stderr (no personal data there), retried
                if self._stopping:
                    return
                traceback.print_exception(exc, file=sys.stderr)
                self._publish(SyncView(SyncState.RETRYING, problems=(_(
                    "Sync stopped on an unexpected error; it will try again later."),),
                    next_try_s=self.timing.interval_s))
                wait_s = self.timing.interval_s

    def _step(self, reasons: set[str], failures: int, offline: bool
              ) -> tuple[float, int, bool]:
        """One wake-up: (seconds until the next, failures so far, offline)."""
        timing = self.timing
        current = status(self.store)
        if current.hq_url is None:
            self._publish(SyncView(SyncState.NOT_ENROLLED, current))
            return timing.not_enrolled_s, 0, False
        if not hq_reachable(current.hq_url, timing.probe_timeout_s):
            wait = _jittered(timing.probe_s)
            self._publish(SyncView(SyncState.OFFLINE, current,
                                   problems=(error_words("network"),), next_try_s=wait))
            return wait, failures, True
        del reasons, offline  # reachable: whatever woke us (the network came back), a round
        return self._round(failures)

    def _round(self, failures: int) -> tuple[float, int, bool]:
        timing = self.timing
        last_sent = [0.0]
        before = status(self.store)
        self._publish(SyncView(SyncState.SYNCING, before))

        def progress(p: Progress) -> None:  # on this thread, per slice: throttled here
            now = time.monotonic()
            if now - last_sent[0] >= timing.progress_s:
                last_sent[0] = now
                self._publish(SyncView(SyncState.SYNCING, before, p))

        self._cancel.clear()
        try:
            report = run_round(self.store, progress=progress, cancel=self._cancel,
                               bandwidth=self.bandwidth())
        except UserError as exc:  # e.g. enrolment gone meanwhile
            self._publish(SyncView(SyncState.RETRYING, status(self.store),
                                   problems=(str(exc),), next_try_s=timing.interval_s))
            return timing.interval_s, failures + 1, False
        finally:
            self.rounds += 1
        after = status(self.store)
        result = report.result
        if result.cancelled:
            return timing.interval_s, failures, False
        if report.complete:  # its problems can only be news (HQ restored from a backup)
            self._publish(SyncView(SyncState.UP_TO_DATE, after, problems=report.problems,
                                   next_try_s=timing.interval_s))
            return timing.interval_s, 0, False
        if result.offline:
            wait = _jittered(timing.probe_s)
            self._publish(SyncView(SyncState.OFFLINE, after, problems=report.problems,
                                   next_try_s=wait))
            return wait, failures + 1, True
        if result.paused is None and not any(f.retry for f in result.failed):
            # Only refusals (a conflict, a file too large): trying again sooner would not
            # help; they wait for a person, new records go at the usual interval.
            self._publish(SyncView(SyncState.ATTENTION, after, problems=report.problems,
                                   next_try_s=timing.interval_s))
            return timing.interval_s, 0, False
        wait = backoff_delay(failures, base=timing.backoff_base_s, cap=timing.backoff_cap_s)
        self._publish(SyncView(SyncState.RETRYING, after, problems=report.problems,
                               next_try_s=wait))
        return wait, failures + 1, False


def watch_network(worker: SyncWorker) -> object | None:
    """Wake `worker` when the system reports the network back; the `QNetworkInformation`
    used, or None when the platform has no backend (the probe then finds HQ by itself)."""
    with contextlib.suppress(ImportError, RuntimeError):
        from PySide6.QtNetwork import QNetworkInformation

        if QNetworkInformation.instance() is None and not QNetworkInformation.loadDefaultBackend():
            return None
        info = QNetworkInformation.instance()
        if info is None:
            return None
        # A slot of the worker: the connection ends when the worker (the window's) is gone.
        info.reachabilityChanged.connect(worker._on_reachability)
        return info
    return None
