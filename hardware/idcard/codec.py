"""Pure frame codec of the SAM protocol: request/response frames and an incremental decoder.

A frame is `AA AA AA 96 69 | LEN_H LEN_L | body | CHK` where LEN (big-endian) counts every
byte after itself including CHK, and CHK is the XOR of LEN_H through the last body byte. A
request body is `CMD PARA DATA…`, a response body `SW1 SW2 SW3 DATA…`. The decoders accept
arbitrary chunks, resynchronise on the preamble, and raise only the typed errors of `errors`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from hardware.idcard.errors import FrameChecksumError, FrameLengthError

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER_SIZE = len(PREAMBLE) + 2  # preamble + LEN

# Status codes that mean success (§1.4); everything else is a failure.
SW_OK = 0x90
SW_FOUND = 0x9F
SW_NO_ITEM = 0x91

# The biggest legal reply is the 2321-byte read with two fingerprints (LEN 2314); anything
# far beyond that is line noise that happened to contain a preamble, so we resync past it
# instead of waiting seconds for bytes that will never come.
MAX_RESPONSE_LEN = 4096
# Requests are tiny (the longest carries one data byte); the reader side is stricter.
MAX_REQUEST_LEN = 256
MIN_RESPONSE_LEN = 4  # SW1 SW2 SW3 CHK
MIN_REQUEST_LEN = 3  # CMD PARA CHK


def xor_checksum(data: bytes) -> int:
    """XOR of all bytes (the CHK of a frame when given LEN..DATA).

    The bytes are read as one integer and folded in halves (low half XOR high half) until one
    byte is left: about 11 big-integer steps for a 1300-byte read reply instead of a Python
    step per byte (55 us), paid twice per frame (sender and receiver).
    """
    value = int.from_bytes(data, "little")
    size = len(data)
    while size > 1:
        half = (size + 1) // 2
        value = (value & ((1 << (8 * half)) - 1)) ^ (value >> (8 * half))
        size = half
    return value


def build_frame(body: bytes) -> bytes:
    """Wrap a body (request CMD PARA DATA, or response SW1 SW2 SW3 DATA) into a frame."""
    length = len(body) + 1
    if length > 0xFFFF:
        raise ValueError("frame body too long")
    framed = length.to_bytes(2, "big") + body
    return PREAMBLE + framed + bytes([xor_checksum(framed)])


def build_request(cmd: int, para: int, data: bytes = b"") -> bytes:
    return build_frame(bytes([cmd, para]) + data)


def build_response(sw3: int, data: bytes = b"", *, sw1: int = 0, sw2: int = 0) -> bytes:
    return build_frame(bytes([sw1, sw2, sw3]) + data)


@dataclass(frozen=True)
class Command:
    """One request of the command table (§1.3)."""

    cmd: int
    para: int
    data: bytes = b""

    @property
    def frame(self) -> bytes:
        return build_request(self.cmd, self.para, self.data)


RESET_SAM = Command(0x10, 0xFF)
SAM_STATUS = Command(0x11, 0xFF)
SAM_ID = Command(0x12, 0xFF)
FIND_CARD = Command(0x20, 0x01)
SELECT_CARD = Command(0x20, 0x02)
READ_TEXT_PHOTO = Command(0x30, 0x01)
READ_APPENDED_ADDRESS = Command(0x30, 0x03)
READ_TEXT_PHOTO_FINGERPRINT = Command(0x30, 0x10)

CMD_SET_BAUD = 0x60
CMD_SET_MAX_RF_BYTES = 0x61
#: baud rate -> PARA of the `60 xx` command
BAUD_PARA: dict[int, int] = {115200: 0x00, 57600: 0x01, 38400: 0x02, 19200: 0x03, 9600: 0x04}


def set_baud(baud: int) -> Command:
    if baud not in BAUD_PARA:
        raise ValueError(f"unsupported baud rate {baud}")
    return Command(CMD_SET_BAUD, BAUD_PARA[baud])


def set_max_rf_bytes(count: int = 0x50) -> Command:
    """`61 FF nn`: most bytes per RF exchange between SAM and card (hevz uses 80)."""
    if not 0 <= count <= 0xFF:
        raise ValueError("count must fit a byte")
    return Command(CMD_SET_MAX_RF_BYTES, 0xFF, bytes([count]))


@dataclass(frozen=True)
class Request:
    cmd: int
    para: int
    data: bytes = b""


@dataclass(frozen=True)
class Response:
    sw1: int
    sw2: int
    sw3: int
    data: bytes = b""

    @property
    def ok(self) -> bool:
        return self.sw3 in (SW_OK, SW_FOUND)

    def to_bytes(self) -> bytes:
        return build_response(self.sw3, self.data, sw1=self.sw1, sw2=self.sw2)


T = TypeVar("T")


class _FrameDecoder(Generic[T]):
    """Incremental frame scanner; subclasses turn a checked body into a value."""

    _min_len = MIN_RESPONSE_LEN
    _max_len = MAX_RESPONSE_LEN

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> None:
        self._buffer += data

    def reset(self) -> None:
        self._buffer.clear()

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def has_partial(self) -> bool:
        """Whether some bytes of a frame (or of what may become its preamble) are waiting."""
        self._resync()
        return bool(self._buffer)

    def wanted(self) -> int:
        """How many more bytes at least complete the frame in progress (a read-size hint)."""
        self._resync()
        if len(self._buffer) < HEADER_SIZE:
            return HEADER_SIZE - len(self._buffer)
        total = HEADER_SIZE + int.from_bytes(self._buffer[5:7], "big")
        return max(1, total - len(self._buffer))

    def _resync(self) -> None:
        # Drop everything before the first possible preamble start. A trailing prefix of the
        # preamble (e.g. a lone AA) is kept because its rest may arrive in the next chunk.
        start = self._buffer.find(PREAMBLE)
        if start >= 0:
            del self._buffer[:start]
            return
        keep = 0
        for size in range(min(len(PREAMBLE) - 1, len(self._buffer)), 0, -1):
            if self._buffer.endswith(PREAMBLE[:size]):
                keep = size
                break
        del self._buffer[: len(self._buffer) - keep]

    def pop(self) -> T | None:
        """The next complete frame, or None when more bytes are needed.

        A bad length or checksum raises `FrameLengthError` / `FrameChecksumError` after the
        damaged frame's preamble is dropped, so calling again resumes with the next frame.
        """
        self._resync()
        if len(self._buffer) < HEADER_SIZE:
            return None
        length = int.from_bytes(self._buffer[5:7], "big")
        if not self._min_len <= length <= self._max_len:
            del self._buffer[: len(PREAMBLE)]
            raise FrameLengthError
        total = HEADER_SIZE + length
        if len(self._buffer) < total:
            return None
        frame = bytes(self._buffer[:total])
        if xor_checksum(frame[5:-1]) != frame[-1]:
            # Only the preamble is discarded: the real next frame may start inside this one
            # when bytes were dropped on the line.
            del self._buffer[: len(PREAMBLE)]
            raise FrameChecksumError
        del self._buffer[:total]
        return self._convert(frame[HEADER_SIZE:-1])

    def __iter__(self) -> Iterator[T]:
        while (item := self.pop()) is not None:
            yield item

    def _convert(self, body: bytes) -> T:
        raise NotImplementedError


class FrameDecoder(_FrameDecoder[Response]):
    """Decodes reader replies (host side)."""

    def _convert(self, body: bytes) -> Response:
        return Response(body[0], body[1], body[2], body[3:])


class RequestDecoder(_FrameDecoder[Request]):
    """Decodes host requests (reader/emulator side)."""

    _min_len = MIN_REQUEST_LEN
    _max_len = MAX_REQUEST_LEN

    def _convert(self, body: bytes) -> Request:
        return Request(body[0], body[1], body[2:])
