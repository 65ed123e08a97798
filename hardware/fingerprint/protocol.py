"""Pure packet codec of the UART fingerprint-module protocol, and the image wire format.

The protocol is the one most serial fingerprint modules speak (the ZFM/R30x/AS608 family
that many capture boxes embed; docs/protocols/fingerprint.md gives the facts and sources):

    EF 01 | ADDR (4, BE) | PID (1) | LEN (2, BE) | CONTENT (LEN - 2) | SUM (2, BE)

`PID` is 0x01 for a command, 0x07 for an acknowledgement, 0x02 for a data packet and 0x08
for the last data packet; `LEN` counts the content and the two checksum bytes; `SUM` is the
low 16 bits of the sum of every byte from PID to the last content byte. A command's content
is its instruction code and parameters, an acknowledgement's a confirmation code (0x00 is
success) and its result. `UpImage` sends the image after its acknowledgement as data packets
of the module's packet size: 256 x 288 pixels, the upper four bits of each, two pixels per
byte (the first in the high nibble), row by row, 36864 bytes.

The decoder accepts arbitrary chunks, resynchronises on `EF 01`, and raises only the typed
errors of `errors` (after which it resumes with the next packet).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from hardware.fingerprint.errors import PacketChecksumError, PacketLengthError

HEADER = b"\xef\x01"
DEFAULT_ADDRESS = 0xFFFFFFFF
DEFAULT_PASSWORD = 0x00000000
PREFIX_SIZE = len(HEADER) + 4 + 1 + 2  # header, address, PID, LEN

# Packet identifiers.
PID_COMMAND = 0x01
PID_DATA = 0x02
PID_ACK = 0x07
PID_END = 0x08
PIDS = (PID_COMMAND, PID_DATA, PID_ACK, PID_END)

# Instruction codes used here.
GEN_IMG = 0x01  # look for a finger; capture its image into the image buffer
UP_IMAGE = 0x0A  # send the image buffer to the host as data packets
READ_SYS_PARA = 0x0F  # the 16-byte basic parameter list
VFY_PWD = 0x13  # unlock the module with its 4-byte password
HANDSHAKE = 0x40  # "are you there"; answered 0x00 when ready

# Confirmation codes (acknowledgement content[0]).
OK = 0x00
RECEIVE_ERROR = 0x01
NO_FINGER = 0x02
CAPTURE_FAILED = 0x03
UPLOAD_FAILED = 0x0F
WRONG_PASSWORD = 0x13
NO_VALID_IMAGE = 0x15
BAD_INSTRUCTION = 0x19  # "no definition": an instruction the module does not know
PORT_FAILURE = 0x1D

IMAGE_WIDTH = 256
IMAGE_HEIGHT = 288
IMAGE_BYTES = IMAGE_WIDTH * IMAGE_HEIGHT // 2  # two 4-bit pixels per byte
PACKET_SIZES = (32, 64, 128, 256)  # data packet content sizes, by parameter code 0..3
MAX_LEN = 256 + 2  # the biggest content (a 256-byte data packet) plus the checksum
BAUD_UNIT = 9600  # the parameter list gives the line rate as a multiple of this


def checksum(pid: int, content: bytes) -> int:
    """Low 16 bits of the sum of PID, both LEN bytes and every content byte."""
    length = len(content) + 2
    return (pid + (length >> 8) + (length & 0xFF) + sum(content)) & 0xFFFF


@dataclass(frozen=True)
class Packet:
    """One packet: who it is for (`address`), what it is (`pid`) and its content."""

    pid: int
    content: bytes = b""
    address: int = DEFAULT_ADDRESS

    def to_bytes(self) -> bytes:
        length = len(self.content) + 2
        if length > 0xFFFF:
            raise ValueError("packet content too long")
        return (HEADER + self.address.to_bytes(4, "big") + bytes([self.pid])
                + length.to_bytes(2, "big") + self.content
                + checksum(self.pid, self.content).to_bytes(2, "big"))

    @property
    def code(self) -> int:
        """The instruction (command) or confirmation code (acknowledgement)."""
        return self.content[0] if self.content else -1

    @property
    def params(self) -> bytes:
        return self.content[1:]


def command(instruction: int, params: bytes = b"", *, address: int = DEFAULT_ADDRESS) -> bytes:
    """The bytes of a command packet."""
    return Packet(PID_COMMAND, bytes([instruction]) + params, address).to_bytes()


def acknowledgement(code: int, result: bytes = b"", *, address: int = DEFAULT_ADDRESS) -> bytes:
    return Packet(PID_ACK, bytes([code]) + result, address).to_bytes()


def verify_password(password: int = DEFAULT_PASSWORD, *,
                    address: int = DEFAULT_ADDRESS) -> bytes:
    return command(VFY_PWD, password.to_bytes(4, "big"), address=address)


class PacketDecoder:
    """Incremental packet scanner for either direction (host or module side)."""

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
        self._resync()
        return bool(self._buffer)

    def wanted(self) -> int:
        """How many more bytes at least complete the packet in progress (a read-size hint)."""
        self._resync()
        if len(self._buffer) < PREFIX_SIZE:
            return PREFIX_SIZE - len(self._buffer)
        total = PREFIX_SIZE + int.from_bytes(self._buffer[7:9], "big")
        return max(1, total - len(self._buffer))

    def _resync(self) -> None:
        start = self._buffer.find(HEADER)
        if start >= 0:
            del self._buffer[:start]
            return
        # A trailing EF may be the start of the next header.
        keep = 1 if self._buffer.endswith(HEADER[:1]) else 0
        del self._buffer[: len(self._buffer) - keep]

    def pop(self) -> Packet | None:
        """The next complete packet, or None when more bytes are needed.

        An impossible length or identifier raises `PacketLengthError`, a bad sum
        `PacketChecksumError`; the damaged packet's header is dropped first, so calling again
        resumes with whatever follows (a real next packet may start inside a damaged one).
        """
        self._resync()
        if len(self._buffer) < PREFIX_SIZE:
            return None
        pid = self._buffer[6]
        length = int.from_bytes(self._buffer[7:9], "big")
        if pid not in PIDS or not 2 <= length <= MAX_LEN:
            del self._buffer[: len(HEADER)]
            raise PacketLengthError
        total = PREFIX_SIZE + length
        if len(self._buffer) < total:
            return None
        raw = bytes(self._buffer[:total])
        content = raw[PREFIX_SIZE:-2]
        if checksum(pid, content) != int.from_bytes(raw[-2:], "big"):
            del self._buffer[: len(HEADER)]
            raise PacketChecksumError
        del self._buffer[:total]
        return Packet(pid, content, int.from_bytes(raw[2:6], "big"))

    def __iter__(self) -> Iterator[Packet]:
        while (packet := self.pop()) is not None:
            yield packet


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class SystemParameters:
    """The 16-byte basic parameter list (`ReadSysPara`)."""

    status: int = 0
    system_id: int = 0x0009
    library_size: int = 300
    security_level: int = 3
    address: int = DEFAULT_ADDRESS
    packet_size: int = 128
    baudrate: int = 57600

    def to_bytes(self) -> bytes:
        return (self.status.to_bytes(2, "big") + self.system_id.to_bytes(2, "big")
                + self.library_size.to_bytes(2, "big")
                + self.security_level.to_bytes(2, "big") + self.address.to_bytes(4, "big")
                + PACKET_SIZES.index(self.packet_size).to_bytes(2, "big")
                + (self.baudrate // BAUD_UNIT).to_bytes(2, "big"))

    @classmethod
    def from_bytes(cls, data: bytes) -> SystemParameters:
        """Parse the list; raises ValueError when it is short or names no packet size."""
        if len(data) < 16:
            raise ValueError("parameter list too short")
        words = [int.from_bytes(data[i:i + 2], "big") for i in range(0, 16, 2)]
        if words[6] >= len(PACKET_SIZES):
            raise ValueError("unknown packet size code")
        return cls(status=words[0], system_id=words[1], library_size=words[2],
                   security_level=words[3], address=int.from_bytes(data[8:12], "big"),
                   packet_size=PACKET_SIZES[words[6]], baudrate=words[7] * BAUD_UNIT)


# --------------------------------------------------------------------------- the image


def pack_image(pixels: bytes) -> bytes:
    """8-bit grey pixels (row by row) to the wire's 4-bit pairs, first pixel high."""
    if len(pixels) % 2:
        raise ValueError("an odd number of pixels cannot be packed")
    high, low = pixels[0::2], pixels[1::2]
    return bytes((a & 0xF0) | (b >> 4) for a, b in zip(high, low, strict=True))


def unpack_image(data: bytes) -> bytes:
    """The wire's 4-bit pairs to 8-bit grey pixels (each nibble repeated: 0xF -> 0xFF)."""
    out = bytearray(len(data) * 2)
    out[0::2] = bytes((b & 0xF0) | (b >> 4) for b in data)
    out[1::2] = bytes((b & 0x0F) * 0x11 for b in data)
    return bytes(out)
