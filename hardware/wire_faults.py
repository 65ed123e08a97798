"""Damage an emulated device's reply as a faulty line would: the wire faults the emulators share.

The ID-card and fingerprint emulators inject the same five faults into the bytes they send
(each names them in its own `Fault` enum, with these values): a wrong checksum (the frame's
last byte inverted), one byte inverted, bytes lost, noise before the reply, or no reply at
all. Noise is a counting pattern kept below the protocol's first header byte, so it can never
be mistaken for the start of a frame; which range that is depends on the protocol.
"""

from __future__ import annotations

BAD_CHECKSUM = "bad checksum"
CORRUPT_BYTE = "corrupt byte"
DROP_BYTES = "drop bytes"
GARBAGE = "garbage"
SILENT = "silent"
KINDS = frozenset({BAD_CHECKSUM, CORRUPT_BYTE, DROP_BYTES, GARBAGE, SILENT})


def damaged(frame: bytes, fault: str, *, offset: int = 0, count: int = 1,
            noise: tuple[int, int] = (0x30, 0xE0)) -> bytes:
    """`frame` as `fault` leaves it: `offset` (clamped into the frame) says where a byte is
    inverted or lost, `count` how many are lost or how much noise precedes it, and
    `noise` = (first, modulus) the noise pattern `(first + i) % modulus`."""
    if fault not in KINDS:
        raise ValueError(f"not a wire fault: {fault}")
    if fault == SILENT:
        return b""
    reply = bytearray(frame)
    if not reply:
        return b""
    if fault == BAD_CHECKSUM:
        reply[-1] ^= 0xFF
        return bytes(reply)
    at = min(max(offset, 0), len(reply) - 1)
    if fault == CORRUPT_BYTE:
        reply[at] ^= 0xFF
    elif fault == DROP_BYTES:
        del reply[at:at + count]
    else:
        first, modulus = noise
        reply[0:0] = bytes((first + i) % modulus for i in range(count))
    return bytes(reply)
