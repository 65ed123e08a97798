"""The fault proxy itself, against a tiny echo server: each fault does what the tests rely on."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from tests.support.fault_proxy import Fault, FaultProxy


class EchoServer:
    """Echoes every byte back and counts what it received."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.closing = threading.Event()
        self.address = self.listener.getsockname()
        self.received = 0
        self.peer_reset = threading.Event()
        self.threads: list[threading.Thread] = []
        self.accepting = threading.Thread(target=self._accept, daemon=True)
        self.accepting.start()

    def _accept(self) -> None:
        while not self.closing.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            thread = threading.Thread(target=self._echo, args=(conn,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _echo(self, conn: socket.socket) -> None:
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except ConnectionResetError:
                    self.peer_reset.set()
                    return
                except TimeoutError:
                    return
                if not data:
                    return
                self.received += len(data)
                try:
                    conn.sendall(data)
                except (ConnectionResetError, BrokenPipeError):
                    self.peer_reset.set()  # the reset may surface on the echo instead
                    return

    def close(self) -> None:
        self.closing.set()
        self.listener.close()
        self.accepting.join(timeout=5)
        for thread in self.threads:
            thread.join(timeout=5)


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    server = EchoServer()
    yield server
    server.close()


def _connect(proxy: FaultProxy) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    sock.settimeout(5)
    return sock


def _eventually(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    """``check`` became true within ``timeout`` (the echo server runs in its own thread)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _read_all(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        piece = sock.recv(n - len(data))
        if not piece:
            break
        data += piece
    return data


def test_forwards_both_ways_and_counts_the_bytes(echo: EchoServer) -> None:
    with FaultProxy(echo.address) as proxy, _connect(proxy) as sock:
        sock.sendall(b"x" * 100_000)
        assert _read_all(sock, 100_000) == b"x" * 100_000
    assert proxy.upstream_bytes == 100_000
    assert proxy.downstream_bytes == 100_000


@pytest.mark.parametrize("action", ["fin", "rst"])
def test_cut_forwards_exactly_up_to_the_byte_then_closes(echo: EchoServer, action: str) -> None:
    fault = Fault(action, 1000)  # type: ignore[arg-type]
    with FaultProxy(echo.address, [fault]) as proxy, _connect(proxy) as sock:
        reset = False
        try:
            sock.sendall(b"y" * 5000)
            # At most the echo of what got through, then the end of the connection.
            assert len(_read_all(sock, 5000)) <= 1000
            assert sock.recv(1) == b""
        except ConnectionResetError:
            reset = True  # surfaced on the send or on the read, whichever came first
        assert reset == (action == "rst")
        assert proxy.upstream_bytes == 1000
        assert proxy.fired == [fault]
    assert _eventually(lambda: echo.received == 1000)


def test_rst_reaches_the_server_as_a_reset(echo: EchoServer) -> None:
    with FaultProxy(echo.address, [Fault("rst", 10)]) as proxy, _connect(proxy) as sock:
        with contextlib.suppress(OSError):
            sock.sendall(b"z" * 100)
            _read_all(sock, 100)
        assert echo.peer_reset.wait(5)


def test_lost_response_reaches_the_server_but_not_the_client(echo: EchoServer) -> None:
    with FaultProxy(echo.address, [Fault("lose_response", 0)]) as proxy, \
            _connect(proxy) as sock:
        sock.sendall(b"request")
        assert _read_all(sock, 7) == b""  # closed without a byte of the answer
    assert _eventually(lambda: echo.received == 7)


def test_the_counts_show_what_got_through_before_a_cut(echo: EchoServer) -> None:
    with FaultProxy(echo.address, [Fault("fin", 2, connection=1)]) as proxy:
        for _ in range(2):
            with _connect(proxy) as sock:
                sock.sendall(b"hello")
                _read_all(sock, 5)
    assert proxy.upstream_bytes == 7
    assert proxy.connections == 2


def test_stall_stops_everything_on_the_connection(echo: EchoServer) -> None:
    with FaultProxy(echo.address, [Fault("stall", 3)]) as proxy, _connect(proxy) as sock:
        sock.sendall(b"abcdef")
        sock.settimeout(0.5)
        with pytest.raises(TimeoutError):
            _read_all(sock, 6)  # the connection neither answers in full nor closes
        assert proxy.upstream_bytes == 3
    assert _eventually(lambda: echo.received == 3)


def test_a_fault_on_one_connection_spares_the_others(echo: EchoServer) -> None:
    with FaultProxy(echo.address, [Fault("fin", 2, connection=1)]) as proxy:
        with _connect(proxy) as first:
            first.sendall(b"hello")
            assert _read_all(first, 5) == b"hello"
        with _connect(proxy) as second:
            second.sendall(b"hello")
            assert len(_read_all(second, 5)) <= 2
        with _connect(proxy) as third:
            third.sendall(b"hello")
            assert _read_all(third, 5) == b"hello"


def test_throttled_bytes_arrive_intact(echo: EchoServer) -> None:
    with FaultProxy(echo.address, throttle=2_000_000) as proxy, _connect(proxy) as sock:
        sock.sendall(b"t" * 300_000)
        assert _read_all(sock, 300_000) == b"t" * 300_000


def test_close_ends_a_stalled_connection_and_every_thread(echo: EchoServer) -> None:
    proxy = FaultProxy(echo.address, [Fault("stall", 0)]).__enter__()
    sock = _connect(proxy)
    sock.sendall(b"q")
    proxy.close()
    with contextlib.suppress(ConnectionResetError):  # the unread "q" may turn FIN into RST
        assert _read_all(sock, 1) == b""
    sock.close()
    assert all(not t.is_alive() for t in [*proxy._threads, proxy._timer])
