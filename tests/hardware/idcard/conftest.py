"""Fixtures: an emulated reader served in a thread over `pipe_pair`, and a pyserial-like port.

`hardware.link.LinkPort` gives the host end the pyserial `Serial` methods the driver uses,
with pyserial's `read(n)` semantics.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from hardware.idcard.emulator import IdCardReaderEmulator
from hardware.link import LinkPort, PipeLink, pipe_pair


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
