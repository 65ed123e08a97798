"""The byte link between a driver and a device, and the shape of every device emulator.

Drivers talk to a pyserial `Serial` (real port, `socket://`, `loop://` or an `emu-*://`
in-process emulator). Emulators are written once against `Link`, a two-method byte pipe, and
can then be served in-process (a `PipeLink` pair behind a pyserial URL handler) or on a real
pseudo-terminal (`hardware.pty`), so tests exercise real bytes over a real tty. `UartLink` wraps
an emulator's end so its bytes take exactly as long as on a serial line at a given baud rate.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol


class Link(Protocol):
    """One end of a byte stream."""

    def read(self, size: int, timeout: float | None) -> bytes:
        """Up to `size` bytes; waits up to `timeout` seconds for the first; b"" on timeout."""
        ...

    def write(self, data: bytes) -> None: ...


class Emulator(Protocol):
    """A device model that serves one link until `stop` is set."""

    def serve(self, link: Link, stop: threading.Event) -> None: ...


class UartLink:
    """The device end of a serial line at `baudrate`: bytes take their wire time, no more.

    Wrapped around an emulator's `Link` (e.g. by `hardware.pty.serve_on_pty(..., baudrate=)`),
    it lets the device see the bytes of a request only once the last of them would have
    crossed the wire, and passes the device's own bytes on in bursts of at most `burst` bytes
    (a UART FIFO), each released when its last byte would have arrived. Times are kept on one
    schedule per direction (when the line became busy + bytes x byte time) rather than one sleep
    per burst, so late wake-ups do not add up: the line is as fast as a UART, never slower by
    its sleeps' overshoots nor faster by handing over a whole reply at once. `sent` and
    `received` count the device's bytes each way, `late` the seconds the last burst of each
    write reached the inner link after its due time (what the emulator's pacing costs beyond
    the wire; a faithful run keeps it near zero).

    A sleep wakes 50-150 us late on Linux (timer slack, scheduling), three or four times per
    exchange where it matters: when a request is heard and when a reply's last burst leaves.
    Those two waits sleep until `spin` seconds before their moment and poll the clock for the
    rest, so the emulator is not slower than the wire it stands for; bursts in between, whose
    lateness the schedule absorbs, only sleep. `spin=0` turns that off (fake clocks in tests).
    """

    def __init__(
        self,
        inner: Link,
        baudrate: int,
        *,
        bits_per_byte: int = 10,  # 8N1: start bit, 8 data bits, stop bit
        burst: int = 32,
        clock: Callable[[], float] = time.perf_counter,
        sleep: Callable[[float], None] = time.sleep,
        spin: float = 0.0003,
    ) -> None:
        if baudrate <= 0 or burst <= 0 or spin < 0:
            raise ValueError("baudrate and burst must be positive, spin not negative")
        self.inner = inner
        self.byte_time = bits_per_byte / baudrate
        self.burst = burst
        self.sent = 0
        self.received = 0
        self.late = 0.0
        self._clock = clock
        self._sleep = sleep
        self._spin = spin
        self._in_free = 0.0  # when the host-to-device direction finishes its last byte
        self._out_free = 0.0

    def read(self, size: int, timeout: float | None) -> bytes:
        data = self.inner.read(size, timeout)
        if data:
            # The host wrote these at once; the device hears the last one a wire time later.
            self._in_free = max(self._clock(), self._in_free) + len(data) * self.byte_time
            self._wait_until(self._in_free, exact=True)
            self.received += len(data)
        return data

    def write(self, data: bytes) -> None:
        if not data:
            return
        start = max(self._clock(), self._out_free)
        self._out_free = start + len(data) * self.byte_time
        view = memoryview(data)
        for begin in range(0, len(data), self.burst):
            end = min(begin + self.burst, len(data))
            due = start + end * self.byte_time
            self._wait_until(due, exact=end == len(data))
            self.sent += end - begin  # before the bytes leave, so a reader never sees more
            self.inner.write(bytes(view[begin:end]))
        self.late += max(0.0, self._clock() - self._out_free)

    def _wait_until(self, moment: float, *, exact: bool = False) -> None:
        margin = self._spin if exact else 0.0
        remaining = moment - margin - self._clock()
        if remaining > 0:
            self._sleep(remaining)
        while margin and self._clock() < moment:
            pass  # the last fraction of a millisecond, which a sleep would overshoot


class PipeLink:
    """One end of an in-memory, thread-safe byte pipe (see `pipe_pair`)."""

    def __init__(self, incoming: _Buffer, outgoing: _Buffer) -> None:
        self._incoming = incoming
        self._outgoing = outgoing

    def read(self, size: int, timeout: float | None) -> bytes:
        return self._incoming.take(size, timeout)

    def write(self, data: bytes) -> None:
        self._outgoing.put(data)

    def waiting(self) -> int:
        return self._incoming.size()

    def close(self) -> None:
        self._incoming.close()
        self._outgoing.close()


class _Buffer:
    def __init__(self) -> None:
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self._closed = False
        self._ready = threading.Condition()

    def put(self, data: bytes) -> None:
        if not data:
            return
        with self._ready:
            if self._closed:
                return
            self._chunks.append(bytes(data))
            self._size += len(data)
            self._ready.notify_all()

    def take(self, size: int, timeout: float | None) -> bytes:
        with self._ready:
            if not self._ready.wait_for(lambda: self._size > 0 or self._closed, timeout):
                return b""
            out = bytearray()
            while self._chunks and len(out) < size:
                chunk = self._chunks.popleft()
                need = size - len(out)
                out += chunk[:need]
                if len(chunk) > need:
                    self._chunks.appendleft(chunk[need:])
            self._size -= len(out)
            return bytes(out)

    def size(self) -> int:
        with self._ready:
            return self._size

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()


def pipe_pair() -> tuple[PipeLink, PipeLink]:
    """Two connected ends: what one writes, the other reads."""
    a_to_b, b_to_a = _Buffer(), _Buffer()
    return PipeLink(b_to_a, a_to_b), PipeLink(a_to_b, b_to_a)


class LinkPort:
    """A `Link` end dressed as a pyserial `Serial`, for drivers talking to in-process emulators.

    `read(n)` has pyserial's semantics: it blocks until `n` bytes arrived or `timeout` seconds
    passed, and returns what it has. `written` records every write, for tests that check what
    a driver sent.
    """

    def __init__(self, link: PipeLink, timeout: float | None = 1.0) -> None:
        self._link = link
        self.timeout = timeout
        self.written: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.written.append(bytes(data))
        self._link.write(data)
        return len(data)

    def read(self, size: int = 1) -> bytes:
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        out = bytearray()
        while len(out) < size:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            chunk = self._link.read(size - len(out), remaining)
            if not chunk:
                break
            out += chunk
        return bytes(out)

    @property
    def in_waiting(self) -> int:
        return self._link.waiting()

    def reset_input_buffer(self) -> None:
        while self._link.read(65536, 0):
            pass
