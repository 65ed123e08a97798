"""Checkpoints of a vault blob being written (a recording): durable, hashed prefixes.

`VaultWriter.checkpoint()` commits every whole segment so far; after a crash the temporary
file holds at least that many whole segments, and their plaintext hashes as recorded.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from desktop.store.vault_format import (
    HEADER_SIZE,
    PREAMBLE_SIZE,
    TAG_SIZE,
    VaultIntegrityError,
    derive_keys,
    nonce,
    parse_header,
)
from desktop.store.vault_read import decrypt_to, plaintext_chunks, verify_blob
from desktop.store.vault_stream import Checkpoint, VaultWriter
from desktop.store.vault_temporaries import RECORDING_PREFIX, TEMP_PREFIX, sweep_temporaries

KEY = bytes(range(32))
SEGMENT = 4096


def _data(size: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


def _prefix_plaintext(temp: Path, segments: int) -> bytes:
    """Decrypt the first `segments` (non-last) segments of a blob still being written."""
    raw = temp.read_bytes()
    header = parse_header(raw[:HEADER_SIZE])
    aead: AESGCM = derive_keys(KEY, header.raw, header.salt)[0]
    stride = header.segment_size + TAG_SIZE
    out = bytearray()
    for index in range(segments):
        start = PREAMBLE_SIZE + index * stride
        out += aead.decrypt(nonce(header.nonce_prefix, index, False),
                            raw[start:start + stride], header.raw)
    return bytes(out)


def test_checkpoints_match_the_plaintext_prefix_and_the_blob_finishes(tmp_path: Path) -> None:
    data = _data(10 * SEGMENT + 1234)
    vault = tmp_path / "vault"
    writer = VaultWriter(vault, KEY, segment_size=SEGMENT, temp_name=".rec-1-abc.sr1")
    assert writer.temp_path == vault / ".rec-1-abc.sr1"
    checkpoints: list[Checkpoint] = []
    # Uneven writes: a checkpoint covers only the whole segments written so far.
    for cut_from, cut_to in ((0, 100), (100, 3 * SEGMENT), (3 * SEGMENT, 3 * SEGMENT + 10),
                             (3 * SEGMENT + 10, 7 * SEGMENT + 5), (7 * SEGMENT + 5, len(data))):
        writer.write(data[cut_from:cut_to])
        point = writer.checkpoint()
        assert point.offset == (cut_to // SEGMENT) * SEGMENT
        assert point.sha256 == hashlib.sha256(data[:point.offset]).hexdigest()
        # The temp file already holds those whole segments, decryptable as "not last".
        segments = point.offset // SEGMENT
        on_disk = (writer.temp_path.stat().st_size - PREAMBLE_SIZE) // (SEGMENT + TAG_SIZE)
        assert on_disk >= segments
        assert _prefix_plaintext(writer.temp_path, segments) == data[:point.offset]
        checkpoints.append(point)
    assert [p.offset for p in checkpoints] == [0, 3 * SEGMENT, 3 * SEGMENT, 7 * SEGMENT,
                                               10 * SEGMENT]
    blob = writer.finish()
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert not (vault / ".rec-1-abc.sr1").exists()
    out = io.BytesIO()
    assert decrypt_to(blob.path, KEY, out) == blob.sha256
    assert out.getvalue() == data
    verify_blob(blob.path, KEY, blob.sha256)


def test_finish_right_after_a_checkpoint_on_a_boundary_ends_in_an_empty_segment(
        tmp_path: Path) -> None:
    """The checkpoint committed the last full segment as "not last": finish appends an empty
    last segment, and every reader accepts the blob."""
    data = _data(4 * SEGMENT)
    writer = VaultWriter(tmp_path, KEY, segment_size=SEGMENT, temp_name=".rec-2-x.sr1")
    writer.write(data)
    assert writer.checkpoint().offset == 4 * SEGMENT
    blob = writer.finish()
    assert blob.path.stat().st_size == PREAMBLE_SIZE + 4 * (SEGMENT + TAG_SIZE) + TAG_SIZE
    out = io.BytesIO()
    assert decrypt_to(blob.path, KEY, out) == hashlib.sha256(data).hexdigest()
    assert out.getvalue() == data
    assert b"".join(plaintext_chunks(blob.path, KEY, 0, 5000)) == data
    assert b"".join(plaintext_chunks(blob.path, KEY, 3 * SEGMENT + 7, 1000)) == \
        data[3 * SEGMENT + 7:]


def test_empty_checkpoint_then_finish(tmp_path: Path) -> None:
    writer = VaultWriter(tmp_path, KEY, segment_size=SEGMENT)
    assert writer.checkpoint() == Checkpoint(0, hashlib.sha256(b"").hexdigest())
    blob = writer.finish()
    assert blob.size == 0
    verify_blob(blob.path, KEY, blob.sha256)


def test_abandon_keeps_the_checkpointed_prefix(tmp_path: Path) -> None:
    data = _data(5 * SEGMENT + 99, seed=3)
    writer = VaultWriter(tmp_path, KEY, segment_size=SEGMENT, temp_name=".rec-3-y.sr1",
                         sm3=True)
    writer.write(data)
    point = writer.checkpoint()
    writer.write(_data(3 * SEGMENT, seed=4))
    writer.abandon()
    writer.abandon()  # twice is harmless
    assert writer.temp_path.exists()
    assert _prefix_plaintext(writer.temp_path, point.offset // SEGMENT) == data[:point.offset]
    with pytest.raises(ValueError):
        writer.write(b"more")


def test_sweep_leaves_recordings_alone(tmp_path: Path) -> None:
    recording = tmp_path / f"{RECORDING_PREFIX}999999-rec.sr1"
    recording.write_bytes(b"x")
    ingest = tmp_path / f"{TEMP_PREFIX}999999-ingest.sr1"
    ingest.write_bytes(b"x")
    os.utime(recording, (0, 0))
    os.utime(ingest, (0, 0))
    assert sweep_temporaries(tmp_path) == 1
    assert recording.exists() and not ingest.exists()


@pytest.mark.parametrize("name", ["a/b.sr1", "..", ""])
def test_temp_name_must_be_a_plain_name(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        VaultWriter(tmp_path, KEY, temp_name=name)


def test_the_durable_prefix_of_a_blob_being_written_reads_and_is_authenticated(
        tmp_path: Path) -> None:
    """What playback of a recording still being made reads: exactly the checkpointed prefix,
    each segment authenticated as a non-last one, from any start."""
    vault = tmp_path / "vault"
    data = _data(7 * SEGMENT + 100)
    writer = VaultWriter(vault, KEY, segment_size=SEGMENT, temp_name=".rec-1-live.sr1")
    writer.write(data[:5 * SEGMENT + 10])
    point = writer.checkpoint()
    writer.write(data[5 * SEGMENT + 10:])  # more, not yet durable
    temp = writer.temp_path
    assert point.offset == 5 * SEGMENT
    got = b"".join(plaintext_chunks(temp, KEY, 0, 1000, durable_prefix=point.offset))
    assert got == data[:point.offset]
    assert hashlib.sha256(got).hexdigest() == point.sha256
    middle = b"".join(plaintext_chunks(temp, KEY, 2 * SEGMENT + 5, 777,
                                       durable_prefix=point.offset))
    assert middle == data[2 * SEGMENT + 5:point.offset]
    with pytest.raises(ValueError, match="whole number of segments"):
        next(plaintext_chunks(temp, KEY, 0, 1000, durable_prefix=point.offset - 1))
    with pytest.raises(ValueError, match="beyond"):
        next(plaintext_chunks(temp, KEY, point.offset + 1, 10, durable_prefix=point.offset))
    writer.abandon()
    # A byte changed inside the prefix: the segment does not authenticate.
    raw = bytearray(temp.read_bytes())
    raw[PREAMBLE_SIZE + 3 * (SEGMENT + TAG_SIZE) + 17] ^= 0x01
    temp.write_bytes(bytes(raw))
    with pytest.raises(VaultIntegrityError):
        b"".join(plaintext_chunks(temp, KEY, 0, SEGMENT, durable_prefix=point.offset))
    # Cut shorter than the saved part: said so, not read past the end.
    temp.write_bytes(bytes(raw[:PREAMBLE_SIZE + 2 * (SEGMENT + TAG_SIZE)]))
    with pytest.raises(VaultIntegrityError, match="shorter than its saved part"):
        next(plaintext_chunks(temp, KEY, 0, SEGMENT, durable_prefix=point.offset))
