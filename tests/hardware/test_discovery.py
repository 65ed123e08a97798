"""Port listing with VID/PID hints, probing emulators, and the polling port watcher."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from hardware.discovery import (
    FIND_CARD,
    DeviceKind,
    PortChange,
    PortEvent,
    PortInfo,
    PortWatcher,
    list_candidate_ports,
    port_info,
    probe,
)
from hardware.errors import PortError
from hardware.link import Link
from hardware.urlhandlers import register_emulator


@dataclass
class FakeListPortInfo:
    device: str
    vid: int | None = None
    pid: int | None = None
    serial_number: str | None = None
    location: str | None = None
    description: str = "n/a"
    hwid: str = "n/a"
    manufacturer: str | None = None
    product: str | None = None


def sam_frame(payload: bytes) -> bytes:
    body = len(payload).to_bytes(2, "big") + payload[:-1]
    check = 0
    for byte in body:
        check ^= byte
    return b"\xaa\xaa\xaa\x96\x69" + body + bytes([check])


class FakeSam:
    """Answers the find-card command with "no card" (SW3 0x80), after some line noise."""

    def serve(self, link: Link, stop: threading.Event) -> None:
        buffer = b""
        while not stop.is_set():
            buffer += link.read(64, 0.02)
            if FIND_CARD in buffer:
                buffer = b""
                link.write(b"\x00\xff" + sam_frame(b"\x00\x00\x80\x00"))


class Echo:
    def serve(self, link: Link, stop: threading.Event) -> None:
        while not stop.is_set():
            data = link.read(64, 0.02)
            if data:
                link.write(data)


class FakeMrz:
    def serve(self, link: Link, stop: threading.Event) -> None:
        link.write(
            b"\x02P<UTOTEST<<SAMPLE<<<<<<<<<<<<<<<<<<<<<<<<<<<<\r\n"
            b"L898902C36UTO7408122F1204159ZE184226B<<<<<10\r\n\x03"
        )
        stop.wait()


register_emulator("emu-test-sam", lambda params: FakeSam())
register_emulator("emu-test-echo", lambda params: Echo())
register_emulator("emu-test-mrz", lambda params: FakeMrz())


def test_sam_frame_helper_matches_reference_vector() -> None:
    assert sam_frame(b"\x20\x01\x00") == FIND_CARD


def test_list_candidate_ports_marks_known_bridges() -> None:
    raw = [
        FakeListPortInfo("/dev/ttyS0"),
        FakeListPortInfo("/dev/ttyUSB1", vid=0x1A86, pid=0x7523),
        FakeListPortInfo("/dev/ttyACM0", vid=0x1546, pid=0x01A8, serial_number="X1"),
        FakeListPortInfo("/dev/ttyUSB0", vid=0x1234, pid=0x5678),
    ]
    ports = list_candidate_ports(lambda: raw)
    assert [p.device for p in ports] == [
        "/dev/ttyACM0",
        "/dev/ttyUSB1",
        "/dev/ttyS0",
        "/dev/ttyUSB0",
    ]
    assert ports[0].hint is DeviceKind.GNSS
    assert ports[1].bridge == "WCH CH340"
    assert ports[1].hint is None
    assert not ports[2].known
    assert not ports[3].known
    assert ports[0].serial_number == "X1"


def test_real_listing_does_not_fail() -> None:
    for port in list_candidate_ports():
        assert port.device


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("emu-gnss://?rate=200", DeviceKind.GNSS),
        ("emu-test-sam://", DeviceKind.IDCARD),
        ("emu-test-mrz://", DeviceKind.MRZ),
    ],
)
def test_probe_recognises_devices(url: str, kind: DeviceKind) -> None:
    assert probe(url, listen=5.0) is kind


def test_probe_ignores_an_echo_of_its_own_command() -> None:
    assert probe("emu-test-echo://", listen=0.2) is None


def test_probe_only_looks_for_requested_kinds() -> None:
    assert probe("emu-gnss://?rate=200", [DeviceKind.IDCARD], listen=0.2) is None


def test_probe_skips_corrupted_nmea() -> None:
    assert probe("emu-gnss://?rate=200&corrupt=1", [DeviceKind.GNSS], listen=0.2) is None


def test_probe_open_failure_is_typed() -> None:
    with pytest.raises(PortError):
        probe("/dev/ttyDOES_NOT_EXIST")


class Listing:
    def __init__(self) -> None:
        self.ports: list[PortInfo] = []

    def __call__(self) -> Sequence[PortInfo]:
        return list(self.ports)


def test_watcher_reports_arrivals_and_removals() -> None:
    listing = Listing()
    events: list[PortEvent] = []
    watcher = PortWatcher(events.append, list_ports=listing)
    a = port_info(FakeListPortInfo("/dev/ttyUSB0", vid=0x10C4, pid=0xEA60))
    b = port_info(FakeListPortInfo("/dev/ttyACM0"))
    listing.ports = [a]
    assert watcher.poll() == [PortEvent(PortChange.ARRIVED, a)]
    assert watcher.poll() == []
    listing.ports = [a, b]
    assert watcher.poll() == [PortEvent(PortChange.ARRIVED, b)]
    listing.ports = [b]
    assert watcher.poll() == [PortEvent(PortChange.REMOVED, a)]
    # the same device name with another serial number is a different device
    b2 = port_info(FakeListPortInfo("/dev/ttyACM0", serial_number="2"))
    listing.ports = [b2]
    assert watcher.poll() == [PortEvent(PortChange.REMOVED, b), PortEvent(PortChange.ARRIVED, b2)]
    assert len(events) == 5


def test_watcher_without_initial_report_and_with_failing_parts() -> None:
    listing = Listing()
    listing.ports = [port_info(FakeListPortInfo("/dev/ttyS0"))]

    def explode(event: PortEvent) -> None:
        raise RuntimeError("callback bug")

    watcher = PortWatcher(explode, list_ports=listing, report_initial=False)
    assert watcher.poll() == []
    listing.ports = []
    assert len(watcher.poll()) == 1  # callback failure is logged, not raised

    def broken() -> Sequence[PortInfo]:
        raise OSError("listing failed")

    assert PortWatcher(explode, list_ports=broken).poll() == []


def test_watcher_thread_delivers_events() -> None:
    listing = Listing()
    listing.ports = [port_info(FakeListPortInfo("/dev/ttyUSB3"))]
    got = threading.Event()
    events: list[PortEvent] = []

    def deliver(event: PortEvent) -> None:
        events.append(event)
        got.set()

    watcher = PortWatcher(deliver, interval=0.01, list_ports=listing).start()
    try:
        assert got.wait(5)
    finally:
        watcher.stop()
    assert events[0].change is PortChange.ARRIVED
    assert events[0].port.device == "/dev/ttyUSB3"


def test_probe_finds_the_id_card_reader_emulator() -> None:
    pytest.importorskip("hardware.idcard.emulator")
    assert probe("emu-idcard://", listen=5.0) is DeviceKind.IDCARD
