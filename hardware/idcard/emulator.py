"""A faithful in-process ID card reader: the SAM state machine of §1.10 behind a `Link`.

`IdCardReaderEmulator` answers every command of the table with the exact frames a reader
sends, walks NO_CARD -> CARD_PRESENT -> FOUND -> SELECTED -> READ_DONE, and keeps the
protective quirk that a read card must be lifted and placed again before the next find. Tests
move cards in and out of the slot and switch faults on (damaged, truncated or missing replies,
SAM failure, unauthorized SAM, no card) from any thread while `serve` runs in another.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from hardware.idcard import codec
from hardware.idcard.codec import Request, RequestDecoder, Response
from hardware.idcard.errors import FrameChecksumError, FrameLengthError
from hardware.idcard.payload import build_read_payload
from hardware.idcard.synthetic import SyntheticCard, synthetic_card
from hardware.idcard.tables import CardKind
from hardware.link import Link
from hardware.wire_faults import damaged

__all__ = ["Fault", "IdCardReaderEmulator", "ReaderState", "SyntheticCard", "synthetic_card"]

# Status codes the emulator answers with (§1.4).
OK, FOUND, NO_ITEM = 0x90, 0x9F, 0x91
BAD_CHECKSUM, BAD_LENGTH, BAD_COMMAND = 0x10, 0x11, 0x21
READ_FAILED, SAM_FAULT, UNAUTHORIZED, FIND_FAILED, SELECT_FAILED = 0x41, 0x60, 0x66, 0x80, 0x81

_CARD_NAMES = {
    "resident": CardKind.RESIDENT,
    "hmt": CardKind.HMT_RESIDENCE,
    "j": CardKind.HMT_RESIDENCE,
    "foreigner2017": CardKind.FOREIGNER_2017,
    "i": CardKind.FOREIGNER_2017,
    "foreigner2023": CardKind.FOREIGNER_2023,
    "y": CardKind.FOREIGNER_2023,
}
_APPENDED_ADDRESS_SIZE = 70  # assumed like the address field; no capture exists (§1.5)


class ReaderState(Enum):
    NO_CARD = "no card"
    CARD_PRESENT = "card present"
    FOUND = "found"
    SELECTED = "selected"
    READ_DONE = "read done"  # until the card is lifted and placed again


class Fault(Enum):
    BAD_CHECKSUM = "bad checksum"  # replies carry a wrong CHK
    DROP_BYTES = "drop bytes"  # `count` bytes from `offset` of each reply are lost
    CORRUPT_BYTE = "corrupt byte"  # byte `offset` of each reply is inverted
    GARBAGE = "garbage"  # `count` noise bytes precede each reply
    SILENT = "silent"  # no reply at all
    SAM_FAULT = "sam fault"  # every command answers 60 (self-test failed)
    UNAUTHORIZED = "unauthorized"  # every command answers 66
    NO_CARD = "no card"  # the RF field sees no card even if one lies on the reader


_WIRE_FAULTS = {Fault.BAD_CHECKSUM, Fault.DROP_BYTES, Fault.CORRUPT_BYTE, Fault.GARBAGE,
                Fault.SILENT}  # fmt: skip


@dataclass
class _Injected:
    fault: Fault
    remaining: int | None  # None: until cleared
    offset: int
    count: int
    on: tuple[int, int] | None  # only replies to this (CMD, PARA)

    def applies(self, request: Request) -> bool:
        return self.on is None or self.on == (request.cmd, request.para)


class IdCardReaderEmulator:
    """The reader (SAM + RF) as a state machine; implements `hardware.link.Emulator`."""

    def __init__(
        self,
        *,
        rf_delay: float = 0.0,
        inter_byte_timeout: float = 0.05,
        sam_id: bytes = bytes(16),
        poll_interval: float = 0.05,
    ) -> None:
        self.rf_delay = rf_delay  # before answering a read: the card's RF exchange
        self.inter_byte_timeout = inter_byte_timeout
        self.poll_interval = poll_interval
        self._sam_id = sam_id
        self._lock = threading.RLock()
        self._card: SyntheticCard | None = None
        self._lifted: SyntheticCard | None = None  # taken off by `lift`, for `put_back`
        self._state = ReaderState.NO_CARD
        self._faults: list[_Injected] = []
        self._requests: list[Request] = []

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> IdCardReaderEmulator:
        """Build from `emu-idcard://?card=resident&seed=1&fingerprints=0&rf_delay=0.3`.

        `card` is one of resident, hmt, foreigner2017, foreigner2023 (or the layout flag
        J/I/Y) and puts a synthetic card on the reader; without it the reader starts empty.
        Unknown options raise ValueError so a typo in a URL is not silently ignored.
        """
        unknown = set(params) - {"card", "seed", "fingerprints", "rf_delay"}
        if unknown:
            raise ValueError(f"unknown options: {', '.join(sorted(unknown))}")
        emulator = cls(rf_delay=float(params.get("rf_delay", "0")))
        if "card" in params:
            kind = _CARD_NAMES.get(params["card"].lower())
            if kind is None:
                raise ValueError(f"unknown card kind {params['card']!r}")
            seed, fingers = int(params.get("seed", "0")), int(params.get("fingerprints", "0"))
            emulator.place_card(synthetic_card(kind, seed, fingerprints=fingers))
        return emulator

    # ------------------------------------------------------------------ the card slot

    @property
    def state(self) -> ReaderState:
        with self._lock:
            return self._state

    @property
    def card(self) -> SyntheticCard | None:
        with self._lock:
            return self._card

    def place_card(self, card: SyntheticCard) -> None:
        with self._lock:
            self._card = card
            self._state = ReaderState.CARD_PRESENT

    def remove_card(self) -> None:
        with self._lock:
            self._card = None
            self._state = ReaderState.NO_CARD

    def lift(self) -> bool:
        """The card is taken off the reader and kept at hand (False: there was none)."""
        with self._lock:
            if self._card is None:
                return False
            self._lifted = self._card
            self.remove_card()
            return True

    def put_back(self) -> bool:
        """The card last lifted goes back on the reader (False: none was lifted, or a card
        is already on it)."""
        with self._lock:
            if self._lifted is None or self._card is not None:
                return False
            self.place_card(self._lifted)
            return True

    def lift_and_replace(self) -> None:
        """What the officer does after a read so the same card can be read again."""
        with self._lock:
            card = self._card
            self.remove_card()
            if card is not None:
                self.place_card(card)

    # ------------------------------------------------------------------ faults

    def inject(
        self,
        fault: Fault,
        *,
        times: int | None = None,
        offset: int = 10,
        count: int = 1,
        on: codec.Command | None = None,
    ) -> None:
        """Switch a fault on for `times` replies (None: until `clear_faults`)."""
        target = None if on is None else (on.cmd, on.para)
        with self._lock:
            self._faults.append(_Injected(fault, times, offset, count, target))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, request: Request, kinds: set[Fault]) -> _Injected | None:
        with self._lock:
            for injected in self._faults:
                if injected.fault in kinds and injected.applies(request):
                    if injected.remaining is not None:
                        injected.remaining -= 1
                        if injected.remaining <= 0:
                            self._faults.remove(injected)
                    return injected
            return None

    def requests(self) -> list[Request]:
        """Every well-formed request received so far, in order."""
        with self._lock:
            return list(self._requests)

    # ------------------------------------------------------------------ commands

    def handle(self, request: Request) -> Response:
        """The reply to one well-formed request (status faults applied, wire faults not)."""
        with self._lock:
            self._requests.append(request)
            status_fault = self._take_fault(
                request, {Fault.SAM_FAULT, Fault.UNAUTHORIZED, Fault.NO_CARD}
            )
            if status_fault is not None and status_fault.fault is Fault.SAM_FAULT:
                return Response(0, 0, SAM_FAULT)
            if status_fault is not None and status_fault.fault is Fault.UNAUTHORIZED:
                return Response(0, 0, UNAUTHORIZED)
            # What is left is Fault.NO_CARD.
            if status_fault is not None and self._card is not None:
                # The card left the RF field as far as the SAM knows: its session (and the
                # read-done protection) ends, exactly as if it had been lifted.
                self._state = ReaderState.CARD_PRESENT
            no_card = status_fault is not None
            return self._dispatch(request, no_card=no_card)

    def _dispatch(self, request: Request, *, no_card: bool) -> Response:
        key, data = (request.cmd, request.para), request.data
        if key == (codec.CMD_SET_MAX_RF_BYTES, 0xFF):
            return Response(0, 0, OK if len(data) == 1 else BAD_COMMAND)
        if data:
            return Response(0, 0, BAD_COMMAND)  # no other command carries data
        if key == (codec.RESET_SAM.cmd, codec.RESET_SAM.para):
            if self._state in (ReaderState.FOUND, ReaderState.SELECTED):
                self._state = ReaderState.CARD_PRESENT  # the SAM forgets its card session
            return Response(0, 0, OK)
        if key == (codec.SAM_STATUS.cmd, codec.SAM_STATUS.para):
            return Response(0, 0, OK)
        if key == (codec.SAM_ID.cmd, codec.SAM_ID.para):
            return Response(0, 0, OK, self._sam_id)
        if request.cmd == codec.CMD_SET_BAUD and request.para in codec.BAUD_PARA.values():
            return Response(0, 0, OK)
        state = ReaderState.NO_CARD if no_card else self._state
        card = self._card
        if key == (codec.FIND_CARD.cmd, codec.FIND_CARD.para):
            if card is None or state in (ReaderState.NO_CARD, ReaderState.READ_DONE):
                return Response(0, 0, FIND_FAILED)
            self._state = ReaderState.FOUND
            return Response(0, 0, FOUND, card.iin)
        if key == (codec.SELECT_CARD.cmd, codec.SELECT_CARD.para):
            if card is None or state not in (ReaderState.FOUND, ReaderState.SELECTED):
                return Response(0, 0, SELECT_FAILED)
            self._state = ReaderState.SELECTED
            return Response(0, 0, OK, card.sn)
        if key in (
            (codec.READ_TEXT_PHOTO.cmd, codec.READ_TEXT_PHOTO.para),
            (codec.READ_TEXT_PHOTO_FINGERPRINT.cmd, codec.READ_TEXT_PHOTO_FINGERPRINT.para),
        ):
            if card is None or state is not ReaderState.SELECTED:
                return Response(0, 0, READ_FAILED)
            self._state = ReaderState.READ_DONE
            with_finger = request.para == codec.READ_TEXT_PHOTO_FINGERPRINT.para
            finger = card.fingerprint if with_finger else None
            return Response(0, 0, OK, build_read_payload(card.text_block, card.photo, finger))
        if key == (codec.READ_APPENDED_ADDRESS.cmd, codec.READ_APPENDED_ADDRESS.para):
            if card is None or state not in (ReaderState.SELECTED, ReaderState.READ_DONE):
                return Response(0, 0, READ_FAILED)
            if card.appended_address is None:
                return Response(0, 0, NO_ITEM)
            text = card.appended_address.encode("utf-16-le")[:_APPENDED_ADDRESS_SIZE]
            padding = " ".encode("utf-16-le") * ((_APPENDED_ADDRESS_SIZE - len(text)) // 2)
            return Response(0, 0, OK, text + padding)
        return Response(0, 0, BAD_COMMAND)

    # ------------------------------------------------------------------ the wire

    def wire_reply(self, request: Request, response: Response) -> bytes:
        """The bytes actually sent for `response`, after any wire fault."""
        frame = bytearray(response.to_bytes())
        injected = self._take_fault(request, _WIRE_FAULTS)
        if injected is None:
            return bytes(frame)
        # Noise stays below 0xA0, so it cannot look like a preamble start (0xAA).
        return damaged(bytes(frame), injected.fault.value, offset=injected.offset,
                       count=injected.count, noise=(0x55, 0xA0))

    def serve(self, link: Link, stop: threading.Event) -> None:
        """Answer requests on `link` until `stop` is set."""
        decoder = RequestDecoder()
        while not stop.is_set():
            in_frame = decoder.has_partial() and decoder.buffered >= codec.HEADER_SIZE
            wait = self.inter_byte_timeout if in_frame else self.poll_interval
            started = time.monotonic()
            chunk = link.read(4096, wait)
            if not chunk:
                if in_frame:
                    # LEN promised more bytes than arrived within the inter-byte timeout.
                    decoder.reset()
                    link.write(Response(0, 0, BAD_LENGTH).to_bytes())
                elif time.monotonic() - started < wait / 2:
                    stop.wait(wait)  # a closed link returns at once; do not spin
                continue
            decoder.feed(chunk)
            self._answer_all(decoder, link, stop)

    def _answer_all(self, decoder: RequestDecoder, link: Link, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                request = decoder.pop()
            except FrameChecksumError:
                link.write(Response(0, 0, BAD_CHECKSUM).to_bytes())
                continue
            except FrameLengthError:
                link.write(Response(0, 0, BAD_LENGTH).to_bytes())
                continue
            if request is None:
                return
            if request.cmd == codec.READ_TEXT_PHOTO.cmd and self.rf_delay > 0:
                stop.wait(self.rf_delay)  # the card is read while we wait; it may be lifted
            response = self.handle(request)
            reply = self.wire_reply(request, response)
            if reply:
                link.write(reply)
