"""Fixtures: an emulated reader served in a thread over `pipe_pair`, and a pyserial-like port.

`LinkPort` gives a `Link` the three methods the driver uses from pyserial's `Serial`, with the
same `read(n)` semantics: block until n bytes arrived or `timeout` seconds passed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from hardware.idcard.emulator import IdCardReaderEmulator
from hardware.link import PipeLink, pipe_pair


class LinkPort:
    """The pyserial `Serial` subset the driver needs, over one end of a pipe."""

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

    def reset_input_buffer(self) -> None:
        while self._link.read(65536, 0):
            pass


@dataclass
class Served:
    emulator: IdCardReaderEmulator
    host: PipeLink
    port: LinkPort


@pytest.fixture
def served() -> Iterator[Served]:
    emulator = IdCardReaderEmulator(inter_byte_timeout=0.2, poll_interval=0.02)
    host, device = pipe_pair()
    stop = threading.Event()
    thread = threading.Thread(target=emulator.serve, args=(device, stop), daemon=True)
    thread.start()
    try:
        yield Served(emulator, host, LinkPort(host))
    finally:
        stop.set()
        host.close()
        device.close()
        thread.join(timeout=5)
        assert not thread.is_alive()
