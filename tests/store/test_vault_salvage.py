"""A recording whose writer was killed is sealed from its last checkpoint, in place (decision 44).

The temporary files are real: a real fragmented MP4 pushed through a real `VaultWriter` that is
stopped the way a SIGKILL stops it (tests/store/recording_media.py). The salvaged blob is read
back with the vault's own reader and decoded by PyAV; a file that does not verify is kept,
byte for byte, and the error says what failed.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.recording import Interruption
from desktop.store import evidence, recordings
from desktop.store.store import unlock
from desktop.store.vault_format import PREAMBLE_SIZE, SUFFIX, TAG_SIZE, blob_name
from desktop.store.vault_read import decrypt_to, verify_blob
from desktop.store.vault_salvage import NothingToSalvage, seal_prefix
from desktop.store.vault_stream import VaultWriter, encrypt_file
from desktop.store.vault_temporaries import TEMP_PREFIX
from tests.conftest import PASSWORD, World
from tests.store.recording_media import crashed, decoded_frames, fragmented_mp4, laid_out

KEY = bytes(range(32))
SEGMENT = 1024


def plaintext(path: Path, key: bytes = KEY) -> bytes:
    sink = io.BytesIO()
    decrypt_to(path, key, sink)
    return sink.getvalue()


@pytest.fixture(scope="module")
def recording() -> bytes:
    """Four seconds of VP9 in fragmented MP4, padded to 1 KiB segments after each fragment."""
    return fragmented_mp4(4)


def test_a_killed_recording_is_sealed_at_its_last_checkpoint_and_plays(
        tmp_path: Path, recording: bytes) -> None:
    laid = laid_out(recording, SEGMENT)
    # Killed after the third fragment's checkpoint, part of the fourth written after it.
    offset, sha256, frames = laid.checkpoints[2]
    assert len(laid.data) > offset + SEGMENT + 100
    temp = crashed(tmp_path, KEY, laid.data[:offset + SEGMENT + 100], SEGMENT)
    before = temp.stat().st_size
    assert before == PREAMBLE_SIZE + (offset // SEGMENT + 1) * (SEGMENT + TAG_SIZE)
    with pytest.raises(UserError, match="truncated"):
        verify_blob(temp, KEY, sha256)  # as the kill left it: no final segment

    blob = seal_prefix(temp, tmp_path, KEY, offset, sha256)

    assert (blob.sha256, blob.size) == (sha256, offset)
    assert blob.path == tmp_path / blob_name(KEY, sha256) and not temp.exists()
    # In place: cut after the prefix's segments, then one empty final segment; nothing grew.
    segments = offset // SEGMENT
    assert blob.path.stat().st_size == PREAMBLE_SIZE + offset + TAG_SIZE * (segments + 1)
    assert blob.path.stat().st_size < before
    data = plaintext(blob.path)
    assert data == laid.data[:offset] and hashlib.sha256(data).hexdigest() == sha256
    verify_blob(blob.path, KEY, sha256)
    assert decoded_frames(data) == frames == 30


def test_a_file_ending_at_the_checkpoint_gets_its_final_segment_appended(
        tmp_path: Path, recording: bytes) -> None:
    laid = laid_out(recording, SEGMENT)
    offset, sha256, frames = laid.checkpoints[0]
    # The writer had dispatched every segment of the prefix and nothing after it.
    temp = crashed(tmp_path, KEY, laid.data[:offset + 1], SEGMENT)
    assert temp.stat().st_size == PREAMBLE_SIZE + (offset // SEGMENT) * (SEGMENT + TAG_SIZE)
    blob = seal_prefix(temp, tmp_path, KEY, offset, sha256)
    assert plaintext(blob.path) == laid.data[:offset]
    assert decoded_frames(laid.data[:offset]) == frames == 10


def test_an_earlier_checkpoint_is_sealed_when_asked(tmp_path: Path, recording: bytes) -> None:
    laid = laid_out(recording, SEGMENT)
    offset, sha256, _frames = laid.checkpoints[1]
    temp = crashed(tmp_path, KEY, laid.data, SEGMENT)
    blob = seal_prefix(temp, tmp_path, KEY, offset, sha256)
    assert plaintext(blob.path) == laid.data[:offset]


def test_a_writer_that_had_finished_keeps_its_whole_file(tmp_path: Path,
                                                         recording: bytes) -> None:
    # Killed between writing its final segment and the rename: the segment after the
    # checkpoint is already the final one, and is not encrypted a second time.
    laid = laid_out(recording, SEGMENT)
    offset, sha256, _frames = laid.checkpoints[-1]
    tail = b"trailing bytes of the last fragment"
    writer = VaultWriter(tmp_path, KEY, segment_size=SEGMENT)
    writer.write(laid.data[:offset] + tail)
    done = writer.finish()
    temp = tmp_path / f".rec-{os.getpid()}-whole{SUFFIX}"
    os.replace(done.path, temp)
    blob = seal_prefix(temp, tmp_path, KEY, offset, sha256)
    assert (blob.sha256, blob.size) == (done.sha256, offset + len(tail))
    assert plaintext(blob.path) == laid.data[:offset] + tail


def test_a_salvage_killed_after_its_rename_finds_its_blob_again(tmp_path: Path,
                                                                  recording: bytes) -> None:
    laid = laid_out(recording, SEGMENT)
    offset, sha256, _frames = laid.checkpoints[1]
    temp = crashed(tmp_path, KEY, laid.data, SEGMENT)
    first = seal_prefix(temp, tmp_path, KEY, offset, sha256)
    # Killed before the store recorded it: the next login salvages the same recording again.
    assert seal_prefix(temp, tmp_path, KEY, offset, sha256) == first
    assert plaintext(first.path) == laid.data[:offset]


def test_a_writer_killed_after_its_rename_is_found_among_the_blobs(tmp_path: Path,
                                                                   recording: bytes) -> None:
    laid = laid_out(recording, SEGMENT)
    offset, sha256, _frames = laid.checkpoints[1]
    # Other blobs of the vault: an import (its length recorded), another recording, a blob
    # under another key; none of them is taken for this one.
    imported = tmp_path / "import.bin"
    imported.write_bytes(laid.data + b"imported")  # the same prefix
    encrypt_file(imported, tmp_path, KEY, segment_size=SEGMENT)
    for key, data in ((KEY, laid.data[:offset - 1] + b"x" + laid.data[offset:]),
                      (bytes(32), laid.data)):
        other = VaultWriter(tmp_path, key, segment_size=SEGMENT)
        other.write(data)
        other.finish()
    writer = VaultWriter(tmp_path, KEY, segment_size=SEGMENT)
    writer.write(laid.data)
    done = writer.finish()
    gone = tmp_path / f".rec-{os.getpid()}-gone{SUFFIX}"
    found = seal_prefix(gone, tmp_path, KEY, offset, sha256)
    assert found == done
    assert plaintext(found.path) == laid.data


def _kept(temp: Path, before: bytes) -> None:
    assert temp.exists() and temp.read_bytes() == before
    assert [p.name for p in temp.parent.iterdir()] == [temp.name]


@pytest.mark.parametrize("damage", ["segment", "hash", "key", "short", "misaligned", "header"])
def test_a_prefix_that_does_not_verify_is_refused_and_the_file_kept(
        tmp_path: Path, recording: bytes, damage: str) -> None:
    laid = laid_out(recording, SEGMENT)
    offset, sha256, _frames = laid.checkpoints[1]
    temp = crashed(tmp_path, KEY, laid.data[:offset + 10], SEGMENT)
    key = KEY
    if damage == "segment":  # one bit of segment 1's ciphertext
        data = bytearray(temp.read_bytes())
        data[PREAMBLE_SIZE + (SEGMENT + TAG_SIZE) + 7] ^= 0x01
        temp.write_bytes(bytes(data))
    elif damage == "hash":
        sha256 = hashlib.sha256(b"another recording").hexdigest()
    elif damage == "key":
        key = bytes(reversed(range(32)))
    elif damage == "short":  # a checkpoint beyond what reached the disk
        offset += 4 * SEGMENT
    elif damage == "misaligned":
        offset -= 1
    elif damage == "header":
        data = bytearray(temp.read_bytes())
        data[40] ^= 0x01  # in the salt
        temp.write_bytes(bytes(data))
    before = temp.read_bytes()
    expected = {"segment": "segment 1 failed authentication",
                "hash": "do not match the SHA-256 recorded at the checkpoint",
                "key": "different key", "short": "shorter than its checkpoint",
                "misaligned": "does not end on a segment of 1024 bytes",
                "header": "header failed authentication"}[damage]
    with pytest.raises(UserError) as refused:
        seal_prefix(temp, tmp_path, key, offset, sha256)
    message = str(refused.value)
    assert expected in message and temp.name in message and "The file was kept" in message
    _kept(temp, before)


def test_nothing_to_salvage_before_the_first_checkpoint(tmp_path: Path) -> None:
    temp = crashed(tmp_path, KEY, b"\x00" * 100, SEGMENT)
    before = temp.read_bytes()
    with pytest.raises(NothingToSalvage, match="nothing to salvage"):
        seal_prefix(temp, tmp_path, KEY, 0, hashlib.sha256(b"").hexdigest())
    _kept(temp, before)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"\.rec-1-gone\.sr1 is missing"):
        seal_prefix(tmp_path / ".rec-1-gone.sr1", tmp_path, KEY, SEGMENT, "0" * 64)


def test_unreferenced_blobs_wait_while_a_recording_is_unfinished(world: World) -> None:
    vault = evidence.vault_directory(world.paths.workdir)
    vault.mkdir(parents=True, exist_ok=True)
    # What a recorder killed after its rename leaves: a complete blob no record references.
    blob = vault / ("1" * 64 + SUFFIX)
    blob.write_bytes(b"the only copy of a recording")
    rid = new_id()
    with world.store.transaction() as tx:
        recordings.begin(tx, recording_id=rid, statement_id=world.statement.id,
                         temp_name=f".rec-{os.getpid()}-{rid}.sr1", codec="libvpx-vp9",
                         width=64, height=48, fps=10)
    reopen(world)
    assert blob.exists()
    with world.store.transaction() as tx:
        recordings.finish_empty(tx, rid, interruption=Interruption.CRASH)
    reopen(world)  # salvage done: the vault is tidied as before
    assert not blob.exists()


def reopen(world: World) -> None:
    world.store.close()
    world.store = unlock(world.paths, world.admin.certificate_no, PASSWORD,
                         clock=world.store.clock)


def test_opening_the_store_never_sweeps_a_recording_in_progress_or_orphaned(
        world: World) -> None:
    vault = evidence.vault_directory(world.paths.workdir)
    vault.mkdir(parents=True, exist_ok=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    orphan_import = vault / f"{TEMP_PREFIX}{dead}-0123456789abcdef{SUFFIX}"
    orphan_recording = vault / f".rec-{dead}-0123456789abcdef{SUFFIX}"
    live_recording = vault / f".rec-{os.getpid()}-fedcba9876543210{SUFFIX}"
    for path in (orphan_import, orphan_recording, live_recording):
        path.write_bytes(b"partial ciphertext")
        os.utime(path, (0, 0))  # older than a day: an import's temporary goes regardless
    reopen(world)
    assert not orphan_import.exists()
    # A killed recording's file is what salvage seals at the next login: never swept.
    assert orphan_recording.read_bytes() == live_recording.read_bytes() == b"partial ciphertext"
