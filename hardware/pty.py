"""Serving an emulator on a real pseudo-terminal (POSIX only), so drivers open a real tty.

`serve_on_pty(emulator)` opens a pty pair, puts the slave in raw mode and runs the emulator's
`serve()` on a daemon thread over `PtyLink`, a `Link` around the master fd that uses `poll`
with short timeouts so `stop()` is always noticed. `PtyServer.path` (e.g. `/dev/pts/5`) is what
the driver opens, for instance with `hardware.transport.open_port(path)`. With `baudrate=`,
the emulator's end is wrapped in a `hardware.link.UartLink`, so bytes take their wire time at
that rate as on a real serial line (`PtyServer.line` counts them).

Caveats of ptys (hardware-protocols.md §6.2): baud rate and modem lines mean nothing; they are
not listed by `serial.tools.list_ports`; and they buffer a lot, so data written while no one
reads piles up (pyserial flushes the input queue when it opens the port). The server keeps its
own slave fd open for its whole life, so a driver closing and reopening the path never makes
the master see a hang-up.
"""

from __future__ import annotations

import errno
import logging
import os
import select
import sys
import threading
from types import TracebackType

from hardware.link import Emulator, Link, UartLink

log = logging.getLogger(__name__)

SLICE = 0.05  # seconds between checks of the stop event while waiting on the master fd
JOIN_SECONDS = 5.0
SUPPORTED = os.name == "posix" and sys.platform != "emscripten"


class PtyLink:
    """`Link` over a pty master fd; every wait is bounded and gives up once `stop` is set."""

    def __init__(self, fd: int, stop: threading.Event, wake: int = -1) -> None:
        self._fd = fd
        self._stop = stop
        self._poll = select.poll()
        self._poll.register(fd, select.POLLIN)
        self._wpoll = select.poll()
        self._wpoll.register(fd, select.POLLOUT)
        if wake >= 0:  # readable once the server stops: ends every wait at once
            self._poll.register(wake, select.POLLIN)
            self._wpoll.register(wake, select.POLLIN)

    def read(self, size: int, timeout: float | None) -> bytes:
        remaining = timeout
        while not self._stop.is_set():
            wait = SLICE if remaining is None else max(0.0, min(SLICE, remaining))
            ready = {fd for fd, _ in self._poll.poll(wait * 1000)}
            if self._fd in ready:
                try:
                    return os.read(self._fd, size)
                except BlockingIOError:
                    pass
                except OSError as exc:
                    if exc.errno != errno.EIO:  # EIO: no slave open; behave as a quiet line
                        raise
                    self._stop.wait(wait)
            if remaining is not None:
                remaining -= wait
                if remaining <= 0:
                    break
        return b""

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self._stop.is_set():
            ready = {fd for fd, _ in self._wpoll.poll(SLICE * 1000)}
            if self._fd not in ready:
                continue  # the pty buffer is full (no one is reading), or we are stopping
            try:
                view = view[os.write(self._fd, view):]
            except BlockingIOError:
                continue


class PtyServer:
    """A running emulator on a pty; use as a context manager or call `stop()`."""

    def __init__(self, emulator: Emulator, *, baudrate: int | None = None) -> None:
        if not SUPPORTED:
            raise OSError(errno.ENOSYS, "pseudo-terminals need a POSIX system")
        self.emulator = emulator
        self.baudrate = baudrate
        self.line: UartLink | None = None  # the paced line, when a baud rate was given
        self.path = ""
        self.failure: BaseException | None = None
        self._master = -1
        self._slave = -1
        self._wake_r = -1
        self._wake_w = -1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> PtyServer:
        import tty  # POSIX only

        if self._thread is not None:
            raise RuntimeError("PtyServer already started")
        self._master, self._slave = os.openpty()
        try:
            tty.setraw(self._slave)
            os.set_blocking(self._master, False)
            self.path = os.ttyname(self._slave)
            self._wake_r, self._wake_w = os.pipe()
        except BaseException:
            self._close_fds()
            raise
        self._stop = threading.Event()
        link: Link = PtyLink(self._master, self._stop, self._wake_r)
        if self.baudrate is not None:
            link = self.line = UartLink(link, self.baudrate)
        self._thread = threading.Thread(target=self._serve, args=(link,),
                                        name=f"pty-emulator:{self.path}", daemon=True)
        self._thread.start()
        return self

    def _serve(self, link: Link) -> None:
        try:
            self.emulator.serve(link, self._stop)
        except Exception as exc:
            self.failure = exc
            log.exception("emulator on %s failed", self.path)

    def stop(self) -> None:
        self._stop.set()
        if self._wake_w >= 0 and self._thread is not None:
            os.write(self._wake_w, b"x")
        if self._thread is not None:
            self._thread.join(JOIN_SECONDS)
            if self._thread.is_alive():
                log.warning("emulator on %s did not stop within %s s", self.path, JOIN_SECONDS)
                return  # leave the fds to the still-running thread rather than pull them away
            self._thread = None
        self._close_fds()

    def _close_fds(self) -> None:
        for fd in (self._master, self._slave, self._wake_r, self._wake_w):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = self._wake_r = self._wake_w = -1

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> PtyServer:
        if self._thread is None:
            self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def serve_on_pty(emulator: Emulator, *, baudrate: int | None = None) -> PtyServer:
    """Start `emulator` on a new pty; `.path` is the tty to open, `.stop()` cleans up.

    `baudrate` paces the emulator's bytes at that line rate (`hardware.link.UartLink`); without
    it they pass as fast as the pty carries them."""
    return PtyServer(emulator, baudrate=baudrate).start()
