"""A real HQ process: media by the tus subset (docs/protocols/sync.md §5).

Chunks are checked (sha256 or sha1) and fsynced before the offset moves; a cut connection, a
damaged chunk or a wrong offset moves nothing; the whole file is re-hashed at finalize and a
file that is not the announced one is discarded; content HQ already holds is receipted at
once; a stalled PATCH is taken over; an upload expires; HQ killed with SIGKILL mid-upload
resumes where it had committed; media are encrypted at rest.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.protocol.records import RecordKind
from tests.hq.client import enrolled
from tests.hq.test_records import assert_nothing_in_clear
from tests.support.hq_server import RunningHQ, start_hq

MEDIUM = RecordKind.EVIDENCE_ITEM
CHUNK = 1024 * 1024


def medium(size: int, seed: int = 1) -> bytes:
    return hashlib.shake_256(f"medium {seed}".encode()).digest(size)


@pytest.fixture
def tight_hq(tmp_path: Path) -> Iterator[RunningHQ]:
    """An HQ whose uploads expire after 2 s, at most 64 KiB, a stalled PATCH lost in 1 s."""
    server = start_hq(tmp_path / "tight", {"HQ_UPLOAD_EXPIRY_S": "2",
                                           "HQ_MAX_UPLOAD": str(64 * 1024),
                                           "HQ_LOCK_WAIT_S": "1"})
    try:
        yield server
    finally:
        server.stop()


def test_an_upload_in_chunks_ends_with_a_receipt(hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    options = device.raw("OPTIONS", "/v1/uploads")
    assert options.status == 204
    assert options.headers["tus-extension"] == "creation,checksum,termination,expiration"
    assert options.headers["tus-checksum-algorithm"] == "sha256,sha1"
    assert int(options.headers["tus-max-size"]) > 0
    data = medium(3 * CHUNK + 1234)
    entry = device.entry(MEDIUM, "ev-1", data)
    created = device.create_upload(entry)
    assert created.status == 201 and "upload-expires" in created.headers
    location = created.headers["location"]
    assert device.create_upload(entry).headers["location"] == location  # same key, same place
    offset = 0
    for n, algorithm in enumerate(("sha256", "sha1", "sha256")):
        reply = device.patch(location, offset, data[offset:offset + CHUNK], algorithm=algorithm)
        assert (reply.status, reply.headers["upload-offset"]) == (204, str((n + 1) * CHUNK))
        offset += CHUNK
    assert "sr-receipt" not in device.head(location).headers
    last = device.patch(location, offset, data[offset:])
    assert last.status == 204
    receipt = last.receipt()
    assert device.pinned is not None and receipt.verify(device.pinned)
    assert (receipt.body.sha256, receipt.body.size, receipt.body.record_id) == (
        entry.body.sha256, len(data), "ev-1")
    head = device.head(location)
    assert head.headers["upload-offset"] == str(len(data)) and head.receipt() == receipt
    # The completing PATCH's answer was lost: asking again at the end gives the receipt again.
    lost = device.patch(location, len(data), b"")
    assert lost.status == 204 and lost.receipt() == receipt
    # The whole thing again (a lost answer): the same receipt, no bytes.
    again = device.create_upload(entry)
    assert again.headers["upload-offset"] == str(len(data)) and again.receipt() == receipt
    if hq_server.db_url is None:  # the folder's files; a bucket's objects: test_blobstores.py
        assert_nothing_in_clear(hq_server.data_dir, data[1000:1064], entry.body.sha256)


def test_a_cut_connection_moves_nothing_and_the_upload_resumes(hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    data = medium(2 * CHUNK)
    entry = device.entry(MEDIUM, "ev-cut", data)
    location = device.create_upload(entry).headers["location"]
    assert device.patch(location, 0, data[:CHUNK]).status == 204
    device.partial_patch(location, CHUNK, data[CHUNK:], CHUNK // 2).close()
    time.sleep(0.3)
    assert device.head(location).headers["upload-offset"] == str(CHUNK)
    wrong = device.patch(location, 0, data[:CHUNK])
    assert (wrong.status, wrong.error, wrong.headers["upload-offset"]) == (
        409, "offset_mismatch", str(CHUNK))
    damaged = device.patch(location, CHUNK, data[CHUNK:], checksum_of=b"other bytes")
    assert (damaged.status, damaged.error) == (460, "checksum_mismatch")
    assert device.head(location).headers["upload-offset"] == str(CHUNK)
    done = device.patch(location, CHUNK, data[CHUNK:])
    assert done.status == 204 and done.receipt().body.sha256 == entry.body.sha256


def test_a_file_that_is_not_the_announced_one_is_discarded(hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    data = medium(CHUNK + 10)
    entry = device.entry(MEDIUM, "ev-bad", data)
    location = device.create_upload(entry).headers["location"]
    assert device.patch(location, 0, data[:CHUNK]).status == 204
    other_tail = b"x" * 10  # each chunk is intact; the file is not the one announced
    refused = device.patch(location, CHUNK, other_tail)
    assert (refused.status, refused.error) == (422, "hash_mismatch")
    assert device.head(location).status == 404  # a HEAD answer has no body to name the error
    assert "ev-bad" not in hq_server.admin("records").stdout
    # Sent again correctly, it is received.
    assert device.upload(entry, data, CHUNK).status == 204


def test_content_hq_already_holds_is_receipted_at_once(hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    data = medium(CHUNK // 2, seed=7)
    assert device.upload(device.entry(MEDIUM, "ev-first", data), data).status == 204
    # The same video as another evidence item (another device, even): no bytes needed.
    other = enrolled(hq_server)
    entry = other.entry(MEDIUM, "ev-copy", data)
    created = other.create_upload(entry)
    assert created.status == 201
    assert created.headers["upload-offset"] == str(len(data))
    receipt = created.receipt()
    assert other.pinned is not None and receipt.verify(other.pinned)
    assert (receipt.body.device, receipt.body.record_id) == (other.id, "ev-copy")


def test_an_upload_can_be_terminated(hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    data = medium(1000)
    location = device.create_upload(device.entry(MEDIUM, "ev-t", data)).headers["location"]
    assert device.call("DELETE", location, headers={"Tus-Resumable": "1.0.0"}).status == 204
    assert device.head(location).status == 404
    assert list(hq_server.blobs().staged_uploads()) == []  # nothing staged is left


def test_limits_expiry_and_a_stalled_patch(tight_hq: RunningHQ) -> None:
    device = enrolled(tight_hq)
    big = medium(64 * 1024 + 1)
    too_big = device.create_upload(device.entry(MEDIUM, "ev-big", big))
    assert (too_big.status, too_big.error) == (413, "too_large")

    data = medium(60 * 1024, seed=3)
    entry = device.entry(MEDIUM, "ev-stall", data)
    location = device.create_upload(entry).headers["location"]
    stalled = device.partial_patch(location, 0, data, 1000)  # sends 1000 bytes, then nothing
    try:
        taken_over = device.patch(location, 0, data)  # waits 1 s, then takes the upload over
        assert taken_over.status == 204 and taken_over.receipt().body.sha256 == entry.body.sha256
    finally:
        stalled.close()

    late = medium(1000, seed=4)
    location = device.create_upload(device.entry(MEDIUM, "ev-late", late)).headers["location"]
    time.sleep(2.5)
    expired = device.patch(location, 0, late)
    assert (expired.status, expired.error) == (410, "upload_expired")
    assert device.head(location).status == 410


def test_a_full_disk_is_507_and_commits_nothing(tmp_path: Path) -> None:
    server = start_hq(tmp_path / "full", {"HQ_MIN_FREE": str(10**15)})
    try:
        device = enrolled(server)
        data = medium(1000)
        location = device.create_upload(device.entry(MEDIUM, "ev-full", data)
                                        ).headers["location"]
        full = device.patch(location, 0, data)
        assert (full.status, full.error) == (507, "insufficient_storage")
        assert device.head(location).headers["upload-offset"] == "0"
    finally:
        server.stop()


def test_hq_killed_mid_upload_resumes_from_what_it_committed(hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    data = medium(3 * CHUNK, seed=9)
    entry = device.entry(MEDIUM, "ev-kill", data)
    location = device.create_upload(entry).headers["location"]
    assert device.patch(location, 0, data[:CHUNK]).status == 204
    cut = device.partial_patch(location, CHUNK, data[CHUNK:2 * CHUNK], CHUNK // 2)
    time.sleep(0.2)
    hq_server.restart()  # SIGKILL in the middle of a chunk
    cut.close()
    assert device.head(location).headers["upload-offset"] == str(CHUNK)
    offset = CHUNK
    while offset < len(data):
        reply = device.patch(location, offset, data[offset:offset + CHUNK])
        assert reply.status == 204, reply.body
        offset += CHUNK
    receipt = reply.receipt()
    hq_server.restart()
    assert device.head(location).receipt() == receipt
    assert device.create_upload(entry).receipt() == receipt
