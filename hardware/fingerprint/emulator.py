"""A faithful in-process fingerprint module behind a `Link`: finger, image buffer and faults.

`FingerprintReaderEmulator` answers the commands of `protocol` with the packets a module sends:
`GenImg` says "no finger" (0x02) until a finger lies on the glass (`place_finger`, or the URL
option `arrive=N` for a finger placed after N polls), then captures a synthetic image
(`synthetic_fingerprint`, made-up ridges, never a person's) into its image buffer; `UpImage`
sends that buffer as data packets of the configured size, the last one marked as such;
`VfyPwd` checks the password; a damaged command is answered 0x01 as a module does. Tests
switch faults on from any thread while `serve` runs in another: damaged, truncated, noisy or
missing replies, a lost last image packet, a capture that fails.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from hardware.fingerprint import protocol
from hardware.fingerprint.errors import PacketChecksumError, PacketLengthError
from hardware.fingerprint.protocol import Packet, PacketDecoder, SystemParameters
from hardware.link import Link
from hardware.wire_faults import damaged

OPTIONS = {"finger", "arrive", "seed", "packet", "password", "delay"}


class Fault(Enum):
    BAD_CHECKSUM = "bad checksum"  # the reply's first packet carries a wrong sum
    CORRUPT_BYTE = "corrupt byte"  # byte `offset` of the reply is inverted
    DROP_BYTES = "drop bytes"  # `count` bytes from `offset` of the reply are lost
    GARBAGE = "garbage"  # `count` noise bytes precede the reply
    SILENT = "silent"  # no reply at all
    LOSE_LAST_PACKET = "lose last packet"  # an image upload ends one data packet short
    CAPTURE_FAILED = "capture failed"  # GenImg answers 0x03 although a finger is there


_WIRE_FAULTS = {Fault.BAD_CHECKSUM, Fault.CORRUPT_BYTE, Fault.DROP_BYTES, Fault.GARBAGE,
                Fault.SILENT, Fault.LOSE_LAST_PACKET}


@dataclass
class _Injected:
    fault: Fault
    remaining: int | None  # None: until cleared
    offset: int
    count: int
    on: int | None  # only replies to this instruction


@lru_cache(maxsize=8)
def synthetic_fingerprint(seed: int = 0) -> bytes:
    """A made-up 256 x 288 8-bit grey fingerprint: dark elliptical ridges round a core that
    `seed` moves, on a white background. Deterministic; it resembles no one's finger."""
    rng = random.Random(seed)  # noqa: S311  (test data, not secrets)
    width, height = protocol.IMAGE_WIDTH, protocol.IMAGE_HEIGHT
    core_x = width / 2 + rng.uniform(-20, 20)
    core_y = height / 2 + rng.uniform(-25, 15)
    period = rng.uniform(7.0, 9.0)
    twist = rng.uniform(-0.004, 0.004)
    pixels = bytearray(b"\xff" * (width * height))
    for y in range(height):
        dy = (y - core_y) / 1.25
        for x in range(width):
            dx = x - core_x
            # Inside the pad of the finger (an ellipse) ridges; outside, the white glass.
            if (dx / 110) ** 2 + ((y - height / 2) / 135) ** 2 > 1.0:
                continue
            radius = math.hypot(dx, dy) + twist * dx * dy
            ridge = 0.5 + 0.5 * math.cos(2 * math.pi * radius / period)
            pixels[y * width + x] = int(40 + 200 * (1 - ridge) ** 2)
    return bytes(pixels)


class FingerprintReaderEmulator:
    """The module as a state machine; implements `hardware.link.Emulator`."""

    def __init__(
        self,
        *,
        finger: bool = False,
        arrive: int = 0,
        seed: int = 0,
        packet_size: int = 128,
        password: int = protocol.DEFAULT_PASSWORD,
        address: int = protocol.DEFAULT_ADDRESS,
        capture_delay: float = 0.0,
        inter_byte_timeout: float = 0.05,
        poll_interval: float = 0.05,
    ) -> None:
        if packet_size not in protocol.PACKET_SIZES:
            raise ValueError(f"packet size must be one of {protocol.PACKET_SIZES}")
        self.seed = seed
        self.password = password
        self.address = address
        self.capture_delay = capture_delay  # the sensor's exposure before GenImg answers
        self.inter_byte_timeout = inter_byte_timeout
        self.poll_interval = poll_interval
        self.parameters = SystemParameters(address=address, packet_size=packet_size)
        self._lock = threading.RLock()
        self._finger = finger
        self._arrive = arrive  # GenImg polls still to see no finger before it is placed
        self._image: bytes | None = None
        self._faults: list[_Injected] = []
        self._requests: list[Packet] = []

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> FingerprintReaderEmulator:
        """Build from `emu-fingerprint://?finger=1&arrive=3&seed=2&packet=128&password=0`.

        `finger` (default 1): a finger lies on the glass; `arrive`: GenImg polls answered "no
        finger" first; `packet`: the data packet size (32, 64, 128, 256); `password`: the
        module's password (decimal or 0x hex); `delay`: seconds a capture takes. Unknown
        options raise ValueError so a typo in a URL is not silently ignored.
        """
        unknown = set(params) - OPTIONS
        if unknown:
            raise ValueError(f"unknown options: {', '.join(sorted(unknown))}")
        finger = params.get("finger", "1")
        if finger not in ("0", "1"):
            raise ValueError(f"finger must be 0 or 1, not {finger!r}")
        return cls(finger=finger == "1", arrive=int(params.get("arrive", "0")),
                   seed=int(params.get("seed", "0")),
                   packet_size=int(params.get("packet", "128")),
                   password=int(params.get("password", "0"), 0),
                   capture_delay=float(params.get("delay", "0")))

    # ------------------------------------------------------------------ the glass

    @property
    def finger(self) -> bool:
        with self._lock:
            return self._finger

    def place_finger(self) -> None:
        with self._lock:
            self._finger = True
            self._arrive = 0

    def lift_finger(self) -> None:
        with self._lock:
            self._finger = False

    @property
    def image(self) -> bytes | None:
        """The image buffer (8-bit grey), None before the first capture."""
        with self._lock:
            return self._image

    # ------------------------------------------------------------------ faults

    def inject(self, fault: Fault, *, times: int | None = None, offset: int = 10,
               count: int = 1, on: int | None = None) -> None:
        """Switch a fault on for `times` replies (None: until `clear_faults`); `on` limits it
        to the replies to one instruction code."""
        with self._lock:
            self._faults.append(_Injected(fault, times, offset, count, on))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, instruction: int, kinds: set[Fault]) -> _Injected | None:
        with self._lock:
            for injected in self._faults:
                if injected.fault in kinds and injected.on in (None, instruction):
                    if injected.remaining is not None:
                        injected.remaining -= 1
                        if injected.remaining <= 0:
                            self._faults.remove(injected)
                    return injected
            return None

    def requests(self) -> list[Packet]:
        """Every well-formed command received so far, in order."""
        with self._lock:
            return list(self._requests)

    # ------------------------------------------------------------------ commands

    def handle(self, packet: Packet) -> list[Packet]:
        """The packets answering one well-formed command (wire faults not applied)."""
        with self._lock:
            self._requests.append(packet)
            instruction, params = packet.code, packet.params
            if instruction == protocol.HANDSHAKE:
                return [self._ack(protocol.OK)]
            if instruction == protocol.VFY_PWD:
                good = params == self.password.to_bytes(4, "big")
                return [self._ack(protocol.OK if good else protocol.WRONG_PASSWORD)]
            if instruction == protocol.READ_SYS_PARA:
                return [self._ack(protocol.OK, self.parameters.to_bytes())]
            if instruction == protocol.GEN_IMG:
                return [self._ack(self._capture())]
            if instruction == protocol.UP_IMAGE:
                return self._upload()
            return [self._ack(protocol.BAD_INSTRUCTION)]

    def _capture(self) -> int:
        if self._take_fault(protocol.GEN_IMG, {Fault.CAPTURE_FAILED}) is not None:
            return protocol.CAPTURE_FAILED
        if self._arrive > 0:
            self._arrive -= 1
            if self._arrive == 0:
                self._finger = True
            return protocol.NO_FINGER
        if not self._finger:
            return protocol.NO_FINGER
        self._image = synthetic_fingerprint(self.seed)
        return protocol.OK

    def _upload(self) -> list[Packet]:
        if self._image is None:
            return [self._ack(protocol.NO_VALID_IMAGE)]
        wire = protocol.pack_image(self._image)
        size = self.parameters.packet_size
        packets = [self._ack(protocol.OK)]
        for start in range(0, len(wire), size):
            last = start + size >= len(wire)
            pid = protocol.PID_END if last else protocol.PID_DATA
            packets.append(Packet(pid, wire[start:start + size], self.address))
        return packets

    def _ack(self, code: int, result: bytes = b"") -> Packet:
        return Packet(protocol.PID_ACK, bytes([code]) + result, self.address)

    # ------------------------------------------------------------------ the wire

    def wire_reply(self, instruction: int, packets: list[Packet]) -> bytes:
        """The bytes actually sent for `packets`, after any wire fault."""
        injected = self._take_fault(instruction, _WIRE_FAULTS)
        if injected is not None and injected.fault is Fault.LOSE_LAST_PACKET:
            packets = packets[:-1] if len(packets) > 1 else packets
        frames = [packet.to_bytes() for packet in packets]
        if injected is None or injected.fault is Fault.LOSE_LAST_PACKET:
            return b"".join(frames)
        if injected.fault is Fault.BAD_CHECKSUM:  # the first packet's sum is wrong
            return damaged(frames[0], injected.fault.value) + b"".join(frames[1:])
        # Noise stays below 0xE0, so it cannot look like a header start (0xEF).
        return damaged(b"".join(frames), injected.fault.value, offset=injected.offset,
                       count=injected.count, noise=(0x30, 0xE0))

    def serve(self, link: Link, stop: threading.Event) -> None:
        """Answer commands on `link` until `stop` is set."""
        decoder = PacketDecoder()
        while not stop.is_set():
            in_packet = decoder.has_partial() and decoder.buffered >= protocol.PREFIX_SIZE
            wait = self.inter_byte_timeout if in_packet else self.poll_interval
            started = time.monotonic()
            chunk = link.read(4096, wait)
            if not chunk:
                if in_packet:
                    # LEN promised more bytes than arrived: a module drops the packet and
                    # reports a receive error.
                    decoder.reset()
                    link.write(self._ack(protocol.RECEIVE_ERROR).to_bytes())
                elif time.monotonic() - started < wait / 2:
                    stop.wait(wait)  # a closed link returns at once; do not spin
                continue
            decoder.feed(chunk)
            self._answer_all(decoder, link, stop)

    def _answer_all(self, decoder: PacketDecoder, link: Link, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                packet = decoder.pop()
            except (PacketChecksumError, PacketLengthError):
                link.write(self._ack(protocol.RECEIVE_ERROR).to_bytes())
                continue
            if packet is None:
                return
            if packet.pid != protocol.PID_COMMAND or packet.address != self.address:
                continue  # not a command for this module: a module stays silent
            if packet.code == protocol.GEN_IMG and self.capture_delay > 0:
                stop.wait(self.capture_delay)
            reply = self.wire_reply(packet.code, self.handle(packet))
            if reply:
                link.write(reply)
