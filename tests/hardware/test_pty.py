"""Emulators on a real pseudo-terminal, opened by path through the real tty layer."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from hardware.errors import PortError, PortErrorKind
from hardware.gnss.emulator import GnssEmulator, synthetic_track
from hardware.gnss.nmea import Fix, NmeaReader
from hardware.link import Link
from hardware.transport import Port, open_port

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX only")

if os.name == "posix":
    from hardware.pty import PtyServer, serve_on_pty


class Echo:
    def serve(self, link: Link, stop: threading.Event) -> None:
        while not stop.is_set():
            data = link.read(64, 0.05)
            if data:
                link.write(data[::-1])


def open_fds() -> int:
    fd_dir = Path("/proc/self/fd")
    if not fd_dir.exists():
        pytest.skip("needs /proc/self/fd")
    return len(list(fd_dir.iterdir()))


def read_fixes(port: Port, count: int) -> list[Fix]:
    reader = NmeaReader()
    fixes: list[Fix] = []
    while len(fixes) < count:
        chunk = port.read(256)
        assert chunk, "no data on the pty"
        fixes += reader.feed(chunk)
    return fixes


def test_gnss_emulator_on_a_pty() -> None:
    track = synthetic_track(30, seed=11)
    with serve_on_pty(GnssEmulator(track, rate=500, repeat=True)) as server:
        assert server.path.startswith("/dev/")
        port = open_port(server.path, baudrate=9600, timeout=2)
        try:
            fixes = read_fixes(port, 5)
        finally:
            port.close()
    times = {p.utc for p in track}
    assert all(f.utc in times for f in fixes)
    assert not server.running


def test_bytes_both_ways_through_the_tty() -> None:
    with serve_on_pty(Echo()) as server:
        port = open_port(server.path, timeout=2)
        try:
            port.write(b"\x00\x01\r\n\xaa\x96\x69")  # raw: no CR/LF translation, no echo
            assert port.read(7) == b"\x69\x96\xaa\n\r\x01\x00"
        finally:
            port.close()


def test_reopening_the_same_pty_leaks_no_descriptors() -> None:
    with serve_on_pty(Echo()) as server:
        baseline = open_fds()
        for i in range(50):
            port = open_port(server.path, timeout=2)
            port.write(bytes([65 + i % 26]))
            assert port.read(1) == bytes([65 + i % 26])
            port.close()
        assert open_fds() == baseline


def test_server_start_stop_cycles_leak_nothing() -> None:
    baseline = open_fds()
    threads = threading.active_count()
    for _ in range(20):
        with PtyServer(Echo()) as server:
            assert server.running
    assert open_fds() == baseline
    assert threading.active_count() <= threads


def test_second_open_of_a_pty_is_busy() -> None:
    with serve_on_pty(Echo()) as server:
        first = open_port(server.path, timeout=1)
        try:
            with pytest.raises(PortError) as info:
                open_port(server.path, timeout=1)
            assert info.value.kind is PortErrorKind.BUSY
        finally:
            first.close()


def test_emulator_blocked_on_a_full_pty_still_stops() -> None:
    # no one reads: the pty fills up and the emulator's writes wait, yet stop() returns
    server = serve_on_pty(GnssEmulator(synthetic_track(50), rate=10_000, repeat=True))
    port = open_port(server.path, timeout=0.5)
    port.close()
    server.stop()
    assert not server.running


def test_serial_url_with_baud_on_a_pty() -> None:
    import serial

    with serve_on_pty(Echo()) as server:
        port = open_port(f"serial://{server.path}?baud=115200", baudrate=9600, timeout=2)
        try:
            assert port.port == server.path
            assert getattr(port, "baudrate", None) == 115200
            port.write(b"ab")
            assert port.read(2) == b"ba"
        finally:
            port.close()
        direct = serial.serial_for_url(f"serial://{server.path}", timeout=2)
        try:
            direct.write(b"xy")
            assert direct.read(2) == b"yx"
        finally:
            direct.close()


def test_a_paced_pty_carries_the_same_bytes_and_counts_them() -> None:
    with serve_on_pty(Echo(), baudrate=115200) as server:
        assert server.line is not None
        port = open_port(server.path, baudrate=115200, timeout=2)
        try:
            port.write(b"0123456789" * 10)
            got = b""
            while len(got) < 100:
                chunk = port.read(100 - len(got))
                assert chunk, "no echo on the paced pty"
                got += chunk
        finally:
            port.close()
    assert sorted(got) == sorted(b"0123456789" * 10)  # Echo reverses each chunk it reads
    assert server.line.received == 100
    assert server.line.sent == 100
