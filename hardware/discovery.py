"""Finding devices: candidate serial ports, probing what answers on one, and hotplug polling.

`list_candidate_ports()` wraps `serial.tools.list_ports.comports()` and adds what the USB
vendor/product id tells (`KNOWN_BRIDGES`: common USB-serial bridge chips and GNSS receivers;
anything else is marked unknown). Pseudo-terminals never appear there, so the chooser must also
accept a typed path or URL. `probe(url, kinds)` opens the port and listens briefly: it sends the
ID-card "find card" command and accepts a well-formed SAM reply (not an echo of the command);
it recognises GNSS receivers by checksummed `$..GGA`/`$..RMC` sentences they send unasked; MRZ
readers are passive, so one is recognised only if a document is read meanwhile (lines of 30, 36
or 44 characters of `A-Z 0-9 <`); fingerprint modules answer a handshake packet with a
checksummed acknowledgement. `PortWatcher` polls the listing (every 1.5 s by default, on
its own daemon thread, or by calling `poll()` yourself) and reports `PortEvent`s for arrivals
and removals to a callback.
"""

from __future__ import annotations

import enum
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hardware.fingerprint import protocol as fingerprint
from hardware.fingerprint.errors import BadPacketError
from hardware.gnss.nmea import NmeaError, decode_sentence
from hardware.transport import Port, open_port

log = logging.getLogger(__name__)


class DeviceKind(enum.Enum):
    IDCARD = "idcard"
    GNSS = "gnss"
    MRZ = "mrz"
    FINGERPRINT = "fingerprint"


@dataclass(frozen=True)
class Bridge:
    name: str
    kind: DeviceKind | None = None  # what the chip itself implies, if anything


KNOWN_BRIDGES: dict[tuple[int, int], Bridge] = {
    (0x1A86, 0x7523): Bridge("WCH CH340"),
    (0x1A86, 0x5523): Bridge("WCH CH341"),
    (0x1A86, 0x55D4): Bridge("WCH CH9102"),
    (0x067B, 0x2303): Bridge("Prolific PL2303"),
    (0x10C4, 0xEA60): Bridge("Silicon Labs CP210x"),
    (0x0403, 0x6001): Bridge("FTDI FT232R"),
    (0x0403, 0x6010): Bridge("FTDI FT2232"),
    (0x0403, 0x6015): Bridge("FTDI FT-X"),
    (0x1546, 0x01A7): Bridge("u-blox 7 GNSS receiver", DeviceKind.GNSS),
    (0x1546, 0x01A8): Bridge("u-blox 8 GNSS receiver", DeviceKind.GNSS),
}


@dataclass(frozen=True)
class PortInfo:
    device: str
    description: str = ""
    hwid: str = ""
    vid: int | None = None
    pid: int | None = None
    serial_number: str | None = None
    location: str | None = None
    manufacturer: str | None = None
    product: str | None = None
    bridge: str | None = None  # name from KNOWN_BRIDGES; None when unknown
    hint: DeviceKind | None = None

    @property
    def known(self) -> bool:
        return self.bridge is not None

    @property
    def identity(self) -> tuple[object, ...]:
        """What makes two listings the same physical port."""
        return (self.device, self.vid, self.pid, self.serial_number, self.location)


def _default_comports() -> Iterable[Any]:
    from serial.tools import list_ports

    ports: Iterable[Any] = list_ports.comports()
    return ports


def port_info(raw: Any) -> PortInfo:
    """A `PortInfo` from a pyserial `ListPortInfo` (or anything with the same attributes)."""
    vid, pid = getattr(raw, "vid", None), getattr(raw, "pid", None)
    bridge = KNOWN_BRIDGES.get((vid, pid)) if vid is not None and pid is not None else None
    return PortInfo(
        device=str(raw.device), description=str(getattr(raw, "description", "") or ""),
        hwid=str(getattr(raw, "hwid", "") or ""), vid=vid, pid=pid,
        serial_number=getattr(raw, "serial_number", None),
        location=getattr(raw, "location", None),
        manufacturer=getattr(raw, "manufacturer", None), product=getattr(raw, "product", None),
        bridge=bridge.name if bridge else None, hint=bridge.kind if bridge else None)


def list_candidate_ports(comports: Callable[[], Iterable[Any]] = _default_comports,
                         ) -> list[PortInfo]:
    """Serial ports present now, known bridges first, then by device name."""
    ports = [port_info(raw) for raw in comports()]
    return sorted(ports, key=lambda p: (not p.known, p.device))


FIND_CARD = bytes.fromhex("AA AA AA 96 69 00 03 20 01 22")
FINGERPRINT_HANDSHAKE = fingerprint.command(fingerprint.HANDSHAKE)
SAM_PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
_MRZ_LINE = re.compile(rb"[A-Z0-9<]{44}|[A-Z0-9<]{36}|[A-Z0-9<]{30}")
_MRZ_SPLIT = re.compile(rb"[\r\n\x02\x03]+")
_LINES = re.compile(rb"[\r\n]+")
_FIX_SENTENCE = re.compile(rb"\$(GP|GN|BD|GB|GL|GA)(GGA|RMC),")


def _sam_reply(data: bytes) -> bool:
    """A checksummed SAM frame in `data` that is not our own command echoed back."""
    start = data.find(SAM_PREAMBLE)
    while start >= 0:
        frame_start = start + len(SAM_PREAMBLE)
        if len(data) >= frame_start + 2:
            length = int.from_bytes(data[frame_start:frame_start + 2], "big")
            end = frame_start + 2 + length
            if length >= 4 and len(data) >= end:
                body = data[frame_start:end - 1]
                check = 0
                for byte in body:
                    check ^= byte
                if check == data[end - 1] and data[start:end] != FIND_CARD:
                    return True
        start = data.find(SAM_PREAMBLE, start + 1)
    return False


def _nmea(data: bytes) -> bool:
    """A complete, checksummed GGA or RMC sentence from a GNSS talker."""
    for line in _LINES.split(data):
        start = line.rfind(b"$")
        if start >= 0 and _FIX_SENTENCE.match(line, start):
            try:
                decode_sentence(line[start:])
            except NmeaError:
                continue
            return True
    return False


def _fingerprint_reply(data: bytes) -> bool:
    """A checksummed acknowledgement packet of a fingerprint module (not our echo)."""
    decoder = fingerprint.PacketDecoder()
    decoder.feed(data)
    while True:
        try:
            packet = decoder.pop()
        except BadPacketError:
            continue
        if packet is None:
            return False
        if packet.pid == fingerprint.PID_ACK:
            return True


def _mrz(data: bytes) -> bool:
    return any(_MRZ_LINE.fullmatch(line) for line in _MRZ_SPLIT.split(data))


def probe(url: str, kinds: Sequence[DeviceKind] = tuple(DeviceKind), *, listen: float = 1.0,
          baudrate: int = 9600, opener: Callable[..., Port] = open_port) -> DeviceKind | None:
    """Which of `kinds` answers on `url` within about `listen` seconds (None: nothing did).

    Raises `hardware.errors.PortError` if the port cannot be opened.
    """
    port = opener(url, baudrate=baudrate, timeout=min(0.05, listen))
    try:
        # pending input is kept: an MRZ line read just before probing still counts
        if DeviceKind.IDCARD in kinds:
            port.write(FIND_CARD)
        if DeviceKind.FINGERPRINT in kinds:
            port.write(FINGERPRINT_HANDSHAKE)
        received = bytearray()
        deadline = time.monotonic() + listen
        while time.monotonic() < deadline:
            received += port.read(512)
            found = _classify(bytes(received), kinds)
            if found is not None:
                return found
        return None
    finally:
        port.close()


def _classify(data: bytes, kinds: Sequence[DeviceKind]) -> DeviceKind | None:
    if not data:
        return None
    if DeviceKind.IDCARD in kinds and _sam_reply(data):
        return DeviceKind.IDCARD
    if DeviceKind.GNSS in kinds and _nmea(data):
        return DeviceKind.GNSS
    if DeviceKind.FINGERPRINT in kinds and _fingerprint_reply(data):
        return DeviceKind.FINGERPRINT
    if DeviceKind.MRZ in kinds and _mrz(data):
        return DeviceKind.MRZ
    return None


class PortChange(enum.Enum):
    ARRIVED = "arrived"
    REMOVED = "removed"


@dataclass(frozen=True)
class PortEvent:
    change: PortChange
    port: PortInfo


class PortWatcher:
    """Polls the port listing and reports arrivals and removals to `callback`.

    The first poll reports every present port as arrived when `report_initial` is true. A
    callback that raises is logged and does not stop the watcher.
    """

    def __init__(self, callback: Callable[[PortEvent], None], *, interval: float = 1.5,
                 list_ports: Callable[[], Sequence[PortInfo]] = list_candidate_ports,
                 report_initial: bool = True) -> None:
        self.callback = callback
        self.interval = interval
        self.list_ports = list_ports
        self._known: dict[tuple[object, ...], PortInfo] | None = (
            None if report_initial else {})
        self._skip_first = not report_initial
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll(self) -> list[PortEvent]:
        """List once, diff against the last listing, deliver and return the events."""
        try:
            current = {p.identity: p for p in self.list_ports()}
        except Exception:
            log.exception("listing serial ports failed")
            return []
        if self._skip_first:
            self._skip_first = False
            self._known = current
            return []
        known = self._known or {}
        events = [PortEvent(PortChange.REMOVED, p) for key, p in known.items()
                  if key not in current]
        events += [PortEvent(PortChange.ARRIVED, p) for key, p in current.items()
                   if key not in known]
        self._known = current
        for event in events:
            try:
                self.callback(event)
            except Exception:
                log.exception("port watcher callback failed for %s", event)
        return events

    def start(self) -> PortWatcher:
        if self._thread is not None:
            raise RuntimeError("PortWatcher already started")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="port-watcher", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.poll()
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
