"""Data of a successful read (`30 01` / `30 10`): lengths, text, WLT photo and fingerprints.

After SW3 the reader sends big-endian lengths (text, photo and, for `30 10`, fingerprint)
and then the blocks in that order (§1.5), giving 1295-, 1297-, 1809- or 2321-byte frames. The
1024-byte WLT photo is kept raw with its SHA-256: no open decoder exists, so decoding is a
plug-in point (`PhotoDecoder`) that a vendor library may fill and nothing requires.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from hardware.idcard.errors import MalformedPayloadError
from hardware.idcard.text import TEXT_SIZE, IdentityRecord, parse_text_block

PHOTO_SIZE = 1024
FINGERPRINT_TEMPLATE_SIZE = 512
FINGERPRINT_SIZES = (0, 512, 1024)
PHOTO_WIDTH, PHOTO_HEIGHT = 102, 126  # decoded WLT, 24-bit


class PhotoDecoder(Protocol):
    """Turns the 1024-byte WLT blob into an image file (BMP bytes); vendor-provided."""

    def decode(self, wlt: bytes) -> bytes: ...


@dataclass(frozen=True)
class ReadPayload:
    text: bytes
    photo: bytes
    fingerprint: bytes | None  # None: read with `30 01`; b"" : `30 10` and no templates


def build_read_payload(text: bytes, photo: bytes, fingerprint: bytes | None = None) -> bytes:
    """The data after SW3 for `30 01` (fingerprint None) or `30 10`."""
    lengths = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big")
    if fingerprint is None:
        return lengths + text + photo
    return lengths + len(fingerprint).to_bytes(2, "big") + text + photo + fingerprint


def parse_read_payload(data: bytes, *, with_fingerprint: bool) -> ReadPayload:
    """Split the data of a read reply; MalformedPayloadError if sizes are not the card's."""
    header = 6 if with_fingerprint else 4
    if len(data) < header:
        raise MalformedPayloadError
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    finger_len = int.from_bytes(data[4:6], "big") if with_fingerprint else 0
    # Only the sizes real cards use are accepted: anything else means the frame we got is
    # not a card read, and parsing it would produce a plausible-looking wrong identity.
    if text_len != TEXT_SIZE or photo_len != PHOTO_SIZE or finger_len not in FINGERPRINT_SIZES:
        raise MalformedPayloadError
    if len(data) != header + text_len + photo_len + finger_len:
        raise MalformedPayloadError
    text = data[header : header + text_len]
    photo = data[header + text_len : header + text_len + photo_len]
    fingerprint = data[header + text_len + photo_len :] if with_fingerprint else None
    return ReadPayload(text, photo, fingerprint)


@dataclass(frozen=True)
class IdCardRead:
    """One successful card read, ready to store as evidence."""

    record: IdentityRecord
    text_block: bytes
    photo: bytes  # raw WLT
    photo_sha256: str
    fingerprint: bytes | None  # templates as read, None if not asked for or absent
    card_iin: bytes = b""  # 4 bytes after find
    card_sn: bytes = b""  # 8 bytes after select

    @property
    def fingerprint_templates(self) -> tuple[bytes, ...]:
        data = self.fingerprint or b""
        size = FINGERPRINT_TEMPLATE_SIZE
        return tuple(data[i : i + size] for i in range(0, len(data), size))

    def decode_photo(self, decoder: PhotoDecoder | None) -> bytes | None:
        """The decoded image if a decoder is configured, else None (show a placeholder)."""
        return None if decoder is None else decoder.decode(self.photo)


def to_card_read(payload: ReadPayload, *, iin: bytes = b"", sn: bytes = b"") -> IdCardRead:
    return IdCardRead(
        record=parse_text_block(payload.text),
        text_block=payload.text,
        photo=payload.photo,
        photo_sha256=hashlib.sha256(payload.photo).hexdigest(),
        fingerprint=payload.fingerprint or None,
        card_iin=iin,
        card_sn=sn,
    )
