"""Opening ports by path and URL; the in-process emulator handler base; typed open errors."""

from __future__ import annotations

import errno
import os
import threading

import pytest
import serial
from serial.serialutil import SerialException

from hardware.errors import PortError, PortErrorKind
from hardware.gnss.nmea import NmeaReader
from hardware.link import Link
from hardware.transport import Port, classify, open_port
from hardware.urlhandlers import EmulatorSerial, register_emulator, registered_schemes


class EchoEmulator:
    """Sends back every byte it receives, upper-cased; counts its sessions."""

    started = 0

    def __init__(self, prefix: bytes = b"") -> None:
        self.prefix = prefix

    def serve(self, link: Link, stop: threading.Event) -> None:
        EchoEmulator.started += 1
        while not stop.is_set():
            data = link.read(64, 0.05)
            if data:
                link.write(self.prefix + data.upper())


register_emulator("emu-echo-test", lambda params: EchoEmulator(params.get("prefix", "").encode()))


def read_fixes(port: Port, count: int) -> list[object]:
    reader = NmeaReader()
    fixes: list[object] = []
    while len(fixes) < count:
        chunk = port.read(128)
        assert chunk, "no data from emulator"
        fixes += reader.feed(chunk)
    return fixes


def emulator_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("emulator:")]


def test_builtin_schemes_are_registered() -> None:
    assert {"emu-gnss", "emu-idcard", "emu-mrz"} <= set(registered_schemes())


def test_echo_emulator_through_url() -> None:
    port = open_port("emu-echo-test://?prefix=%3E", timeout=2)
    try:
        assert isinstance(port, EmulatorSerial)
        port.write(b"hello")
        assert port.read(6) == b">HELLO"
        assert port.in_waiting == 0
    finally:
        port.close()
    assert not port.is_open


def test_gnss_emulator_through_url_with_options() -> None:
    port = open_port("emu-gnss://?rate=200&n=20&seed=5&talker=BD", timeout=2)
    try:
        fixes = read_fixes(port, 3)
        assert all(getattr(f, "talker", None) == "BD" for f in fixes)
    finally:
        port.close()


def test_serial_for_url_works_directly_once_registered() -> None:
    port = serial.serial_for_url("emu-gnss://?rate=500&n=5", timeout=2)
    try:
        assert read_fixes(port, 1)
    finally:
        port.close()


def test_attach_exposes_the_emulator_object() -> None:
    emulator = EchoEmulator(b"!")
    port = EmulatorSerial.attach(emulator, timeout=2)
    try:
        assert port.emulator is emulator
        port.write(b"x")
        assert port.read(2) == b"!X"
    finally:
        port.close()
    assert port.emulator is None


def test_many_open_close_cycles_leak_no_threads() -> None:
    before = EchoEmulator.started
    baseline = threading.active_count()
    for _ in range(100):
        port = open_port("emu-echo-test://", timeout=1)
        port.write(b"a")
        assert port.read(1) == b"A"
        port.close()
    for _ in range(20):
        port = open_port("emu-gnss://?rate=1000", timeout=1)
        port.read(10)
        port.close()
    assert EchoEmulator.started - before == 100
    assert emulator_threads() == []
    assert threading.active_count() <= baseline


def test_read_times_out_with_partial_data() -> None:
    port = open_port("emu-echo-test://", timeout=0.05)
    try:
        port.write(b"ab")
        assert port.read(10) == b"AB"
        assert port.read(1) == b""
    finally:
        port.close()


def test_reset_input_buffer_discards_pending_bytes() -> None:
    port = open_port("emu-echo-test://", timeout=1)
    try:
        port.write(b"abc")
        assert port.read(1) == b"A"
        port.reset_input_buffer()
        port.write(b"z")
        assert port.read(1) == b"Z"
    finally:
        port.close()


def test_emulator_failure_is_recorded_not_raised() -> None:
    class Broken:
        def serve(self, link: Link, stop: threading.Event) -> None:
            raise RuntimeError("model bug")

    port = EmulatorSerial.attach(Broken(), timeout=0.01)
    assert port.read(1) == b""
    port.close()
    assert isinstance(port.failure, RuntimeError)


def test_loop_url() -> None:
    port = open_port("loop://", timeout=1)
    try:
        port.write(b"ping")
        assert port.read(4) == b"ping"
    finally:
        port.close()


def test_socket_url_refused_is_typed(unused_tcp_port: int) -> None:
    with pytest.raises(PortError) as info:
        open_port(f"socket://127.0.0.1:{unused_tcp_port}", timeout=0.5)
    assert info.value.kind is PortErrorKind.UNAVAILABLE


@pytest.fixture
def unused_tcp_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("/dev/ttyDOES_NOT_EXIST", PortErrorKind.NOT_FOUND),
        ("serial:///dev/ttyDOES_NOT_EXIST?baud=115200", PortErrorKind.NOT_FOUND),
        ("serial:///dev/ttyUSB9?parity=odd", PortErrorKind.INVALID),
        ("nosuchscheme://x", PortErrorKind.INVALID),
        ("emu-gnss://?bogus=1", PortErrorKind.INVALID),
        ("emu-gnss://?rate=-1", PortErrorKind.INVALID),
        ("", PortErrorKind.INVALID),
    ],
)
def test_open_errors_are_typed_and_translated(target: str, kind: PortErrorKind) -> None:
    with pytest.raises(PortError) as info:
        open_port(target)
    assert info.value.kind is kind
    assert str(info.value) == info.value.message
    assert info.value.message


@pytest.mark.skipif(os.name != "posix", reason="regular files are not ttys on POSIX only")
def test_a_regular_file_is_not_a_serial_port(tmp_path: object) -> None:
    with pytest.raises(PortError) as info:
        open_port(__file__)
    assert info.value.kind is PortErrorKind.INVALID


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (
            SerialException(
                errno.EACCES, "could not open port /dev/ttyS0: [Errno 13] Permission denied"
            ),
            PortErrorKind.PERMISSION,
        ),
        (SerialException(errno.EBUSY, "could not open port /dev/ttyS0: busy"), PortErrorKind.BUSY),
        (
            SerialException(errno.EWOULDBLOCK, "Could not exclusively lock port /dev/ttyS0"),
            PortErrorKind.BUSY,
        ),
        (
            SerialException(
                "could not open port 'COM3': FileNotFoundError(2, 'The system cannot find "
                "the file specified.', None, 2)"
            ),
            PortErrorKind.NOT_FOUND,
        ),
        (
            SerialException(
                "could not open port 'COM3': PermissionError(13, 'Access is denied.', None, 5)"
            ),
            PortErrorKind.BUSY,
        ),
        (
            SerialException("Could not open port socket://h:1: [Errno 111] Connection refused"),
            PortErrorKind.UNAVAILABLE,
        ),
    ],
)
def test_classify(exc: BaseException, kind: PortErrorKind) -> None:
    assert classify(exc) is kind


def test_messages_for_every_kind_name_the_port() -> None:
    for kind in PortErrorKind:
        assert "/dev/ttyX" in PortError(kind, "/dev/ttyX").message


def test_missing_device_emulator_is_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "hardware.mrz.emulator", None)  # import fails
    with pytest.raises(PortError) as info:
        open_port("emu-mrz://")
    assert info.value.kind is PortErrorKind.UNAVAILABLE


@pytest.mark.parametrize(
    ("url", "module", "name"),
    [
        ("emu-idcard://", "hardware.idcard.emulator", "IdCardReaderEmulator"),
        ("emu-mrz://", "hardware.mrz.emulator", "MrzReaderEmulator"),
    ],
)
def test_other_device_emulators_open_lazily(url: str, module: str, name: str) -> None:
    cls = getattr(pytest.importorskip(module), name)
    port = open_port(url, timeout=0.05)
    try:
        assert isinstance(port, EmulatorSerial)
        assert isinstance(port.emulator, cls)
    finally:
        port.close()
    assert emulator_threads() == []


def test_reader_thread_stops_a_blocking_read() -> None:
    from serial.threaded import Protocol, ReaderThread

    received: list[bytes] = []

    class Collect(Protocol):  # type: ignore[misc]
        def data_received(self, data: bytes) -> None:
            received.append(data)

    port = open_port("emu-echo-test://", timeout=None)
    thread = ReaderThread(port, Collect)
    thread.start()
    thread.connect()
    port.write(b"q")
    thread.stop()  # cancel_read ends the blocked read; stop() joins the thread
    assert not thread.is_alive()
    port.close()
    assert emulator_threads() == []


def test_blocking_read_returns_when_full() -> None:
    port = open_port("emu-echo-test://", timeout=None)
    try:
        port.write(b"abc")
        assert port.read(3) == b"ABC"
    finally:
        port.close()


def test_port_can_be_reopened_after_close() -> None:
    port = EmulatorSerial.attach(EchoEmulator(), timeout=1)
    port.close()
    port.open()
    try:
        port.write(b"r")
        assert port.read(1) == b"R"
    finally:
        port.close()
    assert emulator_threads() == []
