"""Fixtures: the emulated fingerprint module on a real pseudo-terminal, opened by path with
pyserial as a real reader would be, and a driver with short deadlines for the fault tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from hardware.fingerprint.driver import FingerprintReader, Timeouts
from hardware.fingerprint.emulator import FingerprintReaderEmulator
from hardware.pty import serve_on_pty
from hardware.transport import Port, open_port


@dataclass
class OnPty:
    emulator: FingerprintReaderEmulator
    port: Port
    reader: FingerprintReader


@pytest.fixture
def on_pty() -> Iterator[OnPty]:
    emulator = FingerprintReaderEmulator(inter_byte_timeout=0.2, poll_interval=0.02)
    with serve_on_pty(emulator) as server:
        port = open_port(server.path, timeout=0.05)
        try:
            reader = FingerprintReader(port, timeouts=Timeouts(command=0.5, packet=0.5),
                                       sleep=lambda _s: None)
            yield OnPty(emulator, port, reader)
        finally:
            port.close()
