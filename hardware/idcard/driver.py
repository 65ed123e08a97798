"""`IdCardReader`: the host side of the SAM protocol over a pyserial-like port.

It runs the reading sequence of §1.10 (status at open, then find -> select -> read) with a
timeout per command and retries where repeating a command is harmless (status, find, select).
A read is never repeated: the card counts itself as read once the command reaches it, so a
lost reply means the card must be lifted and placed again, which is also what the next find's
failure then tells the officer (`CardNotReplacedError`). Only the typed errors of `errors` (and
`hardware.errors.PortError` for a port that fails in use) escape; each call starts from a clean
input buffer, so the next call recovers from any fault.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum

from hardware.errors import PortError, PortErrorKind
from hardware.idcard import codec
from hardware.idcard.codec import SW_FOUND, SW_NO_ITEM, SW_OK, FrameDecoder, Response
from hardware.idcard.errors import (
    CardNotReplacedError,
    MalformedPayloadError,
    NoCardError,
    ReaderTimeoutError,
    TransportError,
    UnexpectedStatusError,
    error_for_status,
)
from hardware.idcard.payload import IdCardRead, parse_read_payload, to_card_read
from hardware.transport import SerialPort, open_port

BAUDRATE = 115200  # the line rate of SAM_A/SAM_V readers on their USB-serial bridge
READ_SLICE = 0.05  # a port read returns this often, so the driver's own deadlines decide


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for each reply. Reads allow for the RF exchange plus ~112 ms on the wire."""

    status: float = 1.0
    find: float = 0.8
    select: float = 0.5
    read: float = 3.0


class DriverState(Enum):
    IDLE = "idle"  # nothing known about a card
    FOUND = "found"
    SELECTED = "selected"
    AWAITING_LIFT = "awaiting lift"  # a read reached the card; it must be lifted and replaced


class IdCardReader:
    """Reads ID cards through a SAM reader on `port` (a pyserial `Serial` or look-alike)."""

    def __init__(
        self,
        port: SerialPort,
        *,
        timeouts: Timeouts | None = None,
        retries: int = 2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._port = port
        self._clock = clock  # injectable so tests can run timeouts without waiting
        self.timeouts = timeouts or Timeouts()
        self.retries = retries
        self.state = DriverState.IDLE

    # ------------------------------------------------------------------ SAM commands

    def check_status(self) -> None:
        """`11 FF`: raises unless the SAM reports itself ready (do this at open)."""
        self._command(codec.SAM_STATUS, self.timeouts.status, SW_OK)

    def reset_sam(self) -> None:
        self._command(codec.RESET_SAM, self.timeouts.status, SW_OK)
        if self.state is not DriverState.AWAITING_LIFT:
            self.state = DriverState.IDLE

    def sam_id(self) -> str:
        """The SAM's number as vendors print it: `AA.BB-C-DDDDDDDDD-EEEEEEEEE` (§1.5, [M])."""
        data = self._command(codec.SAM_ID, self.timeouts.status, SW_OK).data
        if len(data) < 16:
            raise MalformedPayloadError
        parts = [int.from_bytes(data[i : i + 4], "little") for i in (4, 8, 12)]
        return f"{data[0]:02d}.{data[2]:02d}-{parts[0]}-{parts[1]:09d}-{parts[2]:09d}"

    def set_max_rf_bytes(self, count: int = 0x50) -> None:
        self._command(codec.set_max_rf_bytes(count), self.timeouts.status, SW_OK)

    # ------------------------------------------------------------------ the card

    def find_card(self) -> bytes:
        """`20 01`: the card's 4-byte IIN; NoCardError (or CardNotReplacedError) if none."""
        try:
            response = self._command(codec.FIND_CARD, self.timeouts.find, SW_FOUND)
        except NoCardError as error:
            if self.state is DriverState.AWAITING_LIFT:
                raise CardNotReplacedError(sw1=error.sw1, sw2=error.sw2) from None
            self.state = DriverState.IDLE
            raise
        self.state = DriverState.FOUND
        return response.data

    def select_card(self) -> bytes:
        """`20 02`: the card's 8-byte serial number."""
        response = self._command(codec.SELECT_CARD, self.timeouts.select, SW_OK)
        self.state = DriverState.SELECTED
        return response.data

    def read_card(self, *, fingerprint: bool = False) -> IdCardRead:
        """Find, select and read the card on the reader (`30 10` if `fingerprint`)."""
        iin = self.find_card()
        sn = self.select_card()
        command = codec.READ_TEXT_PHOTO_FINGERPRINT if fingerprint else codec.READ_TEXT_PHOTO
        # From here the card considers itself read, whatever happens to the reply.
        self.state = DriverState.AWAITING_LIFT
        response = self._command(command, self.timeouts.read, SW_OK, retries=0)
        payload = parse_read_payload(response.data, with_fingerprint=fingerprint)
        return to_card_read(payload, iin=iin, sn=sn)

    def read_appended_address(self) -> str | None:
        """`30 03` after a read: the newest appended address, or None if the card has none."""
        response = self._command(
            codec.READ_APPENDED_ADDRESS, self.timeouts.read, SW_OK, accept=(SW_NO_ITEM,)
        )
        if response.sw3 == SW_NO_ITEM:
            return None
        # Layout unverified (§1.5 [L]): decode as UCS-2 like the text block's address.
        return response.data.decode("utf-16-le", errors="replace").rstrip(" \x00")

    # ------------------------------------------------------------------ transactions

    def _command(
        self,
        command: codec.Command,
        timeout: float,
        success: int,
        *,
        retries: int | None = None,
        accept: tuple[int, ...] = (),
    ) -> Response:
        """One command with retries on transport failures; failure statuses raise typed."""
        attempts = 1 + (self.retries if retries is None else retries)
        for attempt in range(attempts):
            try:
                response = self._exchange(command.frame, timeout)
            except (TransportError, PortError):  # a port may recover (a USB hiccup)
                if attempt == attempts - 1:
                    raise
                continue
            if response.sw3 == success or response.sw3 in accept:
                return response
            if response.sw3 in (SW_OK, SW_FOUND):
                raise UnexpectedStatusError
            raise error_for_status(response.sw3, sw1=response.sw1, sw2=response.sw2)
        raise AssertionError("unreachable")  # pragma: no cover

    def _exchange(self, frame: bytes, timeout: float) -> Response:
        """Send one frame, return the first good reply frame within `timeout` seconds."""
        decoder = FrameDecoder()
        deadline = self._clock() + timeout
        try:
            # Anything still buffered belongs to an earlier, failed exchange.
            self._port.reset_input_buffer()
            self._port.write(frame)
            while True:
                remaining = deadline - self._clock()
                if remaining <= 0:
                    raise ReaderTimeoutError
                self._port.timeout = remaining
                chunk = self._port.read(decoder.wanted())
                if not chunk:
                    continue
                decoder.feed(chunk)
                response = decoder.pop()
                if response is not None:
                    return response
        except OSError as error:  # pyserial's SerialException is an OSError
            name = str(getattr(self._port, "port", "") or "")
            raise PortError(PortErrorKind.LOST, name, str(error)) from error


@contextmanager
def open_reader(url: str) -> Iterator[IdCardReader]:
    """An `IdCardReader` on the port at `url` with the reader's line settings; the port closes
    when the block ends. A port that cannot be opened raises `hardware.errors.PortError`."""
    port = open_port(url, baudrate=BAUDRATE, timeout=READ_SLICE)
    try:
        yield IdCardReader(port)
    finally:
        port.close()
