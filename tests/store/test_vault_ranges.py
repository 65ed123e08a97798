"""Reading a vault blob from any offset (what a resumed upload to HQ sends): the bytes from
there on, in the chunk size asked for, decrypted in memory only; a damaged segment refused."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from desktop.store.vault_format import PREAMBLE_SIZE, VaultIntegrityError
from desktop.store.vault_read import plaintext_chunks
from desktop.store.vault_stream import encrypt_file

KEY = bytes(range(32))
SEGMENT = 1000


def _blob(tmp_path: Path, data: bytes, *, known_length: bool = True) -> Path:
    source: io.BytesIO | Path
    if known_length:
        source = tmp_path / "source.bin"
        source.write_bytes(data)
    else:
        source = io.BytesIO(data)
    stored = encrypt_file(source, tmp_path / "vault", KEY, segment_size=SEGMENT)
    return stored.path


@pytest.mark.parametrize("known_length", [True, False])
@pytest.mark.parametrize("start", [0, 1, 999, 1000, 1001, 2500, 4321, 4322])
def test_every_start_gives_the_rest_of_the_medium_in_chunks(
        tmp_path: Path, start: int, known_length: bool) -> None:
    data = os.urandom(4322)
    blob = _blob(tmp_path, data, known_length=known_length)
    chunks = list(plaintext_chunks(blob, KEY, start, 700))
    assert b"".join(chunks) == data[start:]
    assert all(len(c) == 700 for c in chunks[:-1]) and all(chunks)


def test_a_start_beyond_the_end_is_refused(tmp_path: Path) -> None:
    blob = _blob(tmp_path, b"x" * 10)
    with pytest.raises(ValueError):
        list(plaintext_chunks(blob, KEY, 11, 4))


def test_a_damaged_segment_after_the_start_is_refused(tmp_path: Path) -> None:
    blob = _blob(tmp_path, os.urandom(3500))
    raw = bytearray(blob.read_bytes())
    raw[PREAMBLE_SIZE + 2 * (SEGMENT + 16) + 5] ^= 1  # segment 2
    blob.write_bytes(bytes(raw))
    received = bytearray()

    def read_all() -> None:
        for chunk in plaintext_chunks(blob, KEY, 1500, 256):
            received.extend(chunk)

    with pytest.raises(VaultIntegrityError, match="segment 2"):
        read_all()
    assert len(received) <= 2 * SEGMENT - 1500 + 256  # nothing of segment 2 was released
