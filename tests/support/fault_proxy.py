"""A TCP fault proxy on loopback, for the sync fault tests (issue 15, sync-hq.md §5).

It sits between the client and a server and forwards bytes both ways until a `Fault` fires.
A fault fires once, when the bytes sent towards the server (counted over all connections, or
over one connection when it names one) reach ``at_byte``:

- ``fin``: the forwarded bytes stop exactly there and both sides are closed (FIN);
- ``rst``: the same, closed with SO_LINGER 0, so both sides see a reset (RST);
- ``lose_response``: everything still reaches the server, but the first bytes the server
  answers on that connection are thrown away and the connection is closed: the server
  committed and the client never hears of it;
- ``stall``: nothing more moves on that connection either way (the sockets stay open until
  the proxy closes).

``throttle`` caps the bytes towards the server per second. The proxy counts the bytes it
forwarded towards the server (``upstream_bytes``), which is what a test asserts a resume
re-sent. Each proxy lives at most ``lifetime`` seconds: a test that forgets it cannot leave
a thread behind for long. Threads are daemons and `close` joins them.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from dataclasses import dataclass
from typing import Literal

from sync.client.throttle import TokenBucket

__all__ = ["Fault", "FaultProxy"]

Action = Literal["fin", "rst", "lose_response", "stall"]
_BUFFER = 64 * 1024


@dataclass(frozen=True)
class Fault:
    """One fault: what to do when the bytes towards the server reach ``at_byte``."""

    action: Action
    at_byte: int
    connection: int | None = None  # count on this accepted connection (0-based) only


def _reset(sock: socket.socket) -> None:
    """Close ``sock`` so the peer sees RST, not FIN."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    # SHUT_RD sends nothing on the wire but wakes our other thread blocked in recv, which
    # holds the socket open: only when it lets go does the close (and the RST) happen.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RD)
    sock.close()


def _finish(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


class _Link:
    """One client connection and its connection to the server."""

    def __init__(self, index: int, client: socket.socket, server: socket.socket) -> None:
        self.index = index
        self.client, self.server = client, server
        self.upstream = 0
        self.lose_response = False
        self.stalled = threading.Event()
        self.closed = threading.Event()
        self.lock = threading.Lock()

    def cut(self, rst: bool) -> None:
        with self.lock:
            if self.closed.is_set():
                return
            self.closed.set()
        for sock in (self.client, self.server):
            (_reset if rst else _finish)(sock)


class FaultProxy:
    """Forwards loopback TCP to ``upstream`` and injects `Fault`s (a context manager)."""

    def __init__(self, upstream: tuple[str, int], faults: list[Fault] | None = None, *,
                 throttle: float | None = None, lifetime: float = 120.0) -> None:
        self.upstream = upstream
        self._faults = list(faults or [])
        self.fired: list[Fault] = []
        self._throttle = TokenBucket(throttle) if throttle else None
        self._lock = threading.Lock()
        self.upstream_bytes = 0
        self.downstream_bytes = 0
        self.connections = 0
        self._links: list[_Link] = []
        self._threads: list[threading.Thread] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._closing = threading.Event()
        self._lifetime = lifetime

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def __enter__(self) -> FaultProxy:
        self._spawn(self._accept)
        timer = threading.Timer(self._lifetime, self.close)
        timer.daemon = True
        timer.start()
        self._timer = timer
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closing.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        current = threading.current_thread()
        if self._threads and self._threads[0] is not current:
            self._threads[0].join(timeout=5)  # the accept loop: no new link after this
        with self._lock:
            links = list(self._links)
        for link in links:
            link.cut(rst=False)
        for thread in list(self._threads):
            if thread is not current:
                thread.join(timeout=5)
        timer = getattr(self, "_timer", None)
        if timer is not None and timer is not current:
            timer.cancel()
            timer.join(timeout=5)

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _reset(client)
                continue
            client.settimeout(None)
            server.settimeout(None)
            with self._lock:
                link = _Link(self.connections, client, server)
                self.connections += 1
                self._links.append(link)
            self._spawn(self._pump_up, link)
            self._spawn(self._pump_down, link)

    def _next_fault(self, link: _Link) -> tuple[Fault | None, int]:
        """The fault due soonest on ``link`` and how many bytes may pass before it."""
        best: tuple[Fault | None, int] = (None, _BUFFER)
        for fault in self._faults:
            if fault.connection is not None and fault.connection != link.index:
                continue
            count = link.upstream if fault.connection is not None else self.upstream_bytes
            room = max(0, fault.at_byte - count)
            if best[0] is None or room < best[1]:
                best = (fault, room)
        return best

    def _pump_up(self, link: _Link) -> None:
        pending = b""
        while not link.closed.is_set():
            if not pending:
                try:
                    pending = link.client.recv(_BUFFER)
                except OSError:
                    pending = b""
                if not pending:
                    with contextlib.suppress(OSError):
                        link.server.shutdown(socket.SHUT_WR)
                    return
            with self._lock:
                fault, room = self._next_fault(link)
                if fault is not None and room == 0:
                    self._faults.remove(fault)
                    self.fired.append(fault)
                else:
                    fault = None
                    room = min(room, len(pending))
            if fault is not None:
                self._fire(link, fault)
                if fault.action in ("lose_response",):
                    continue
                return
            piece, pending = pending[:room], pending[room:]
            if self._throttle is not None:
                self._throttle.take(len(piece))
            if link.stalled.is_set() or link.closed.is_set():
                return
            try:
                link.server.sendall(piece)
            except OSError:
                link.cut(rst=False)
                return
            with self._lock:
                link.upstream += len(piece)
                self.upstream_bytes += len(piece)

    def _fire(self, link: _Link, fault: Fault) -> None:
        if fault.action in ("fin", "rst"):
            link.cut(rst=fault.action == "rst")
        elif fault.action == "stall":
            link.stalled.set()
        else:
            link.lose_response = True

    def _pump_down(self, link: _Link) -> None:
        while not link.closed.is_set():
            try:
                data = link.server.recv(_BUFFER)
            except OSError:
                data = b""
            if not data:
                with contextlib.suppress(OSError):
                    link.client.shutdown(socket.SHUT_WR)
                return
            if link.lose_response:
                link.cut(rst=False)  # the server answered; the client never hears it
                return
            if link.stalled.is_set():
                link.closed.wait()
                return
            try:
                link.client.sendall(data)
            except OSError:
                link.cut(rst=False)
                return
            with self._lock:
                self.downstream_bytes += len(data)
