"""The media vault's blob format: header, keys, nonces, names and sizes (decision 10).

File format ``.sr1`` (version 1), all integers big-endian::

    header (65 bytes)
        magic           4   b"SRVB"
        version         1   1
        flags           1   bit 0: the plaintext length field is meaningful
        segment_size    4   plaintext bytes per segment (1 MiB by default)
        plaintext_len   8   total plaintext bytes (0 when flag bit 0 is clear)
        key_id          8   HMAC-SHA256(master_key, KEY_ID_LABEL)[:8]
        salt           32   random HKDF salt
        nonce_prefix    7   random
    header_tag     32   HMAC-SHA256(mac_key, header)
    segments            n >= 1; segment i = AES-256-GCM(enc_key, nonce_i, chunk_i, aad=header)
                        every segment but the last holds exactly segment_size plaintext bytes,
                        the last holds 0..segment_size (an empty file is one empty last segment)

    enc_key ‖ mac_key = HKDF-SHA256(master_key, salt, info=header), 64 bytes
    nonce_i = nonce_prefix (7) ‖ uint32 i ‖ 0x01 if i is the last segment else 0x00

This is the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár), with the nonce layout of
Tink's streaming AEAD: the counter in the nonce detects reordered segments, the last-segment
flag detects truncation at a segment boundary, and the header as AAD (and as HKDF info) binds
every segment to its own header. The key id and the header tag are not needed for security;
they exist so a failure can say *what* failed (wrong key vs. damaged header) instead of every
problem surfacing as "segment 0 failed authentication". The plaintext length is recorded when
the source is a regular file whose size is known up front; it lets the reader name truncation
and trailing data exactly before any plaintext is released.

The content name is ``HMAC-SHA256(naming_key, sha256).sr1`` (`blob_name`), the naming key
derived from the master key: the plain SHA-256 would let anyone who can list the folder confirm
that the store holds a file they already have (issue 11; decision 10, amendment). The plain
SHA-256 is kept only inside the encrypted store.

Writing blobs lives in `vault_stream`, reading them back in `vault_read`.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from desktop.domain.errors import UserError

MAGIC = b"SRVB"
VERSION = 1
SUFFIX = ".sr1"
DEFAULT_SEGMENT_SIZE = 1 << 20
MAX_SEGMENT_SIZE = 64 << 20  # bounds what a hostile header can make the reader allocate
TAG_SIZE = 16
KEY_ID_LABEL = b"statement-room vault key id v1"
NAMING_INFO = b"statement-room vault naming v1"
FLAG_LENGTH = 0x01
HEADER = struct.Struct(">4sBBIQ8s32s7s")
HEADER_SIZE = HEADER.size  # 65
HEADER_TAG_SIZE = 32
PREAMBLE_SIZE = HEADER_SIZE + HEADER_TAG_SIZE
MAX_SEGMENTS = 1 << 32  # the counter is a uint32


class VaultIntegrityError(UserError):
    """A vault blob failed verification; its plaintext must not be trusted."""


@dataclass(frozen=True)
class Header:
    raw: bytes
    segment_size: int
    plaintext_len: int | None
    key_id: bytes
    salt: bytes
    nonce_prefix: bytes


def parse_header(raw: bytes) -> Header:
    _magic, _version, flags, segment_size, plaintext_len, kid, salt, prefix = HEADER.unpack(raw)
    return Header(
        raw=raw,
        segment_size=segment_size,
        plaintext_len=plaintext_len if flags & FLAG_LENGTH else None,
        key_id=kid,
        salt=salt,
        nonce_prefix=prefix,
    )


def key_id(master_key: bytes) -> bytes:
    """Short public identifier of a master key, recorded in every blob header."""
    return hmac.new(master_key, KEY_ID_LABEL, hashlib.sha256).digest()[:8]


def naming_key(master_key: bytes) -> bytes:
    """The key that names blobs (HKDF of the master key, bound to this purpose)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=NAMING_INFO).derive(master_key)


def blob_name(master_key: bytes, sha256: str, *, key: bytes | None = None) -> str:
    """File name of the blob holding the plaintext with this SHA-256 (hex).

    `key` is `naming_key(master_key)` when the caller names many blobs at once.
    """
    digest = bytes.fromhex(sha256)
    if len(digest) != 32:
        raise ValueError("not a SHA-256")
    mac = hmac.new(key if key is not None else naming_key(master_key), digest, hashlib.sha256)
    return mac.hexdigest() + SUFFIX


def derive_keys(master_key: bytes, header: bytes, salt: bytes) -> tuple[AESGCM, bytes]:
    okm = HKDF(algorithm=hashes.SHA256(), length=64, salt=salt, info=header).derive(master_key)
    return AESGCM(okm[:32]), okm[32:]


def nonce(prefix: bytes, index: int, last: bool) -> bytes:
    if index >= MAX_SEGMENTS:
        raise ValueError("too many segments for the segment counter")
    return prefix + struct.pack(">IB", index, 1 if last else 0)


def check_master_key(master_key: bytes) -> None:
    if len(master_key) < 32:
        raise ValueError("the vault master key must be at least 32 bytes")


def segment_count(plaintext_len: int, segment_size: int) -> int:
    return max(1, -(-plaintext_len // segment_size))


def blob_size(plaintext_len: int, segment_size: int = DEFAULT_SEGMENT_SIZE) -> int:
    """Size on disk of a blob holding `plaintext_len` bytes."""
    return PREAMBLE_SIZE + plaintext_len + TAG_SIZE * segment_count(plaintext_len, segment_size)
