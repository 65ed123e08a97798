"""`FingerprintReader`: the host side of the fingerprint-module protocol over a pyserial port.

At open it unlocks the module with its password (`VfyPwd`) and reads the parameter list (the
data packet size). `capture` polls `GenImg` until a finger lies on the glass or the time the
caller allows runs out, then `UpImage` brings the image over as data packets. Every command
has its own deadline; commands are retried on a damaged or missing reply, which is harmless
here: none of them changes the module's state beyond its image buffer. Only the typed errors
of `errors` (and `hardware.errors.PortError` for a port that fails in use) escape; each
exchange starts from a clean input buffer, so the next call recovers from any fault.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from hardware.errors import PortError, PortErrorKind
from hardware.fingerprint import protocol
from hardware.fingerprint.errors import (
    ImageIncompleteError,
    NoFingerError,
    NoFingerTimeoutError,
    ReaderTimeoutError,
    TransportError,
    UnexpectedReplyError,
    error_for_code,
)
from hardware.fingerprint.protocol import Packet, PacketDecoder, SystemParameters
from hardware.transport import SerialPort, open_port

BAUDRATE = 57600  # the modules' factory line rate (parameter N = 6)
QUIET = 0.1  # a line silent this long has finished sending a reply
READ_SLICE = 0.05  # a port read returns this often, so the driver's own deadlines decide


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait: for a command's acknowledgement, and between two data packets."""

    command: float = 1.0
    packet: float = 1.0


@dataclass(frozen=True)
class FingerprintScan:
    """One captured image: 8-bit grey `pixels`, row by row, `width` x `height`."""

    width: int
    height: int
    pixels: bytes


class FingerprintReader:
    """A fingerprint module on `port` (a pyserial `Serial` or look-alike)."""

    def __init__(
        self,
        port: SerialPort,
        *,
        address: int = protocol.DEFAULT_ADDRESS,
        password: int = protocol.DEFAULT_PASSWORD,
        timeouts: Timeouts | None = None,
        retries: int = 2,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._port = port
        self._clock = clock
        self._sleep = sleep
        self.address = address
        self.password = password
        self.timeouts = timeouts or Timeouts()
        self.retries = retries
        self.parameters: SystemParameters | None = None

    # ------------------------------------------------------------------ commands

    def open(self) -> SystemParameters:
        """Unlock the module and learn its parameters (do this first)."""
        self._command(protocol.VFY_PWD, self.password.to_bytes(4, "big"))
        return self.read_parameters()

    def handshake(self) -> None:
        self._command(protocol.HANDSHAKE)

    def read_parameters(self) -> SystemParameters:
        result = self._command(protocol.READ_SYS_PARA)
        try:
            self.parameters = SystemParameters.from_bytes(result)
        except ValueError as exc:
            raise UnexpectedReplyError(detail=str(exc)) from exc
        return self.parameters

    def finger_present(self) -> bool:
        """`GenImg`: True once an image of a finger is in the module's buffer."""
        try:
            self._command(protocol.GEN_IMG)
        except NoFingerError:
            return False
        return True

    def capture(self, wait: float = 10.0, poll: float = 0.2) -> FingerprintScan:
        """Wait up to `wait` seconds for a finger, then bring its image over."""
        deadline = self._clock() + wait
        while not self.finger_present():
            if self._clock() >= deadline:
                raise NoFingerTimeoutError
            self._sleep(poll)
        return self.upload_image()

    def upload_image(self) -> FingerprintScan:
        """`UpImage`: the image buffer as data packets, unpacked to 8-bit grey."""
        attempts = 1 + self.retries
        for attempt in range(attempts):
            try:
                data = self._receive_image()
            except (TransportError, PortError):
                if attempt == attempts - 1:
                    raise
                self._drain()
                continue
            return FingerprintScan(protocol.IMAGE_WIDTH, protocol.IMAGE_HEIGHT,
                                   protocol.unpack_image(data))
        raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ exchanges

    def _command(self, instruction: int, params: bytes = b"") -> bytes:
        """One command with retries on line failures; a failing code raises typed."""
        frame = protocol.command(instruction, params, address=self.address)
        attempts = 1 + self.retries
        for attempt in range(attempts):
            try:
                ack = self._exchange(frame)
            except (TransportError, PortError):
                if attempt == attempts - 1:
                    raise
                self._drain()
                continue
            if ack.code != protocol.OK:
                raise error_for_code(ack.code)
            return ack.params
        raise AssertionError("unreachable")  # pragma: no cover

    def _exchange(self, frame: bytes) -> Packet:
        decoder = PacketDecoder()
        with self._port_errors():
            self._port.reset_input_buffer()  # leftovers belong to an earlier, failed exchange
            self._port.write(frame)
            return self._next(decoder, self.timeouts.command, (protocol.PID_ACK,))

    def _receive_image(self) -> bytes:
        decoder = PacketDecoder()
        frame = protocol.command(protocol.UP_IMAGE, address=self.address)
        with self._port_errors():
            self._port.reset_input_buffer()
            self._port.write(frame)
            ack = self._next(decoder, self.timeouts.command, (protocol.PID_ACK,))
            if ack.code != protocol.OK:
                raise error_for_code(ack.code)
            image = bytearray()
            while True:
                try:
                    packet = self._next(decoder, self.timeouts.packet,
                                        (protocol.PID_DATA, protocol.PID_END))
                except ReaderTimeoutError:
                    if not image:
                        raise
                    raise ImageIncompleteError(detail=f"{len(image)} bytes, then silence"
                                               ) from None
                image += packet.content
                if len(image) > protocol.IMAGE_BYTES:
                    raise ImageIncompleteError(detail=f"{len(image)} bytes, too many")
                if packet.pid == protocol.PID_END:
                    break
        if len(image) != protocol.IMAGE_BYTES:
            raise ImageIncompleteError(detail=f"{len(image)} of {protocol.IMAGE_BYTES} bytes")
        return bytes(image)

    def _next(self, decoder: PacketDecoder, timeout: float, wanted: tuple[int, ...]) -> Packet:
        """The next packet for us within `timeout` seconds; commands (an echo) are skipped."""
        deadline = self._clock() + timeout
        while True:
            packet = decoder.pop()
            if packet is not None:
                if packet.pid == protocol.PID_COMMAND:
                    continue  # our own command echoed by the line, not a reply
                if protocol.PID_ACK in wanted and packet.pid in (protocol.PID_DATA,
                                                                protocol.PID_END):
                    continue  # the rest of an image an earlier, failed exchange asked for
                if packet.pid not in wanted or packet.address != self.address:
                    raise UnexpectedReplyError(detail=f"pid 0x{packet.pid:02X}")
                return packet
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise ReaderTimeoutError
            self._port.timeout = remaining
            chunk = self._port.read(decoder.wanted())
            if chunk:
                decoder.feed(chunk)

    def _drain(self) -> None:
        """Wait until the line is quiet: the rest of a damaged reply (an image still on its
        way) must not be read as the answer to the retried command."""
        deadline = self._clock() + self.timeouts.packet * 4
        with self._port_errors():
            self._port.timeout = QUIET
            while self._port.read(4096) and self._clock() < deadline:
                pass

    @contextmanager
    def _port_errors(self) -> Iterator[None]:
        try:
            yield
        except OSError as error:  # pyserial's SerialException is an OSError
            name = str(getattr(self._port, "port", "") or "")
            raise PortError(PortErrorKind.LOST, name, str(error)) from error


@contextmanager
def open_reader(url: str) -> Iterator[FingerprintReader]:
    """An unlocked `FingerprintReader` on the port at `url` with the module's line settings;
    the port closes when the block ends. A port that cannot be opened raises `PortError`."""
    port = open_port(url, baudrate=BAUDRATE, timeout=READ_SLICE)
    try:
        reader = FingerprintReader(port)
        reader.open()
        yield reader
    finally:
        port.close()
