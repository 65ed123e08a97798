"""A real HQ process killed (SIGKILL) at the worst moments of an upload loses nothing it
acknowledged and acknowledges nothing twice.

- mid-chunk, after part of the chunk was sealed to staging: the bytes past the committed
  offset are dropped, and the chunk is sent again;
- after a chunk was fsynced but before its offset was committed: the same;
- after the finished file was moved into the blob store but before its row and receipt were
  committed: the next start finishes the upload, and the device finds its receipt.
"""

from __future__ import annotations

import http.client
import time

import pytest

from sync.protocol.records import RecordKind
from tests.hq.client import Device, enrolled
from tests.hq.test_uploads import medium
from tests.support.hq_server import RunningHQ

CHUNK = 3 * 1024 * 1024  # more than one sealed piece (1 MiB) per chunk


def finish(device: Device, location: str, data: bytes) -> bytes:
    """Resume from HQ's offset to the end; the final reply's receipt, as bytes."""
    offset = int(device.head(location).headers["upload-offset"])
    reply = None
    while offset < len(data):
        reply = device.patch(location, offset, data[offset:offset + CHUNK])
        assert reply.status == 204, reply.body
        offset = int(reply.headers["upload-offset"])
    assert reply is not None
    return reply.headers["sr-receipt"].encode()


def test_killed_mid_chunk(hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    data = medium(2 * CHUNK, seed=21)
    entry = device.entry(RecordKind.EVIDENCE_ITEM, "ev-mid", data)
    location = device.create_upload(entry).headers["location"]
    assert device.patch(location, 0, data[:CHUNK]).status == 204
    cut = device.partial_patch(location, CHUNK, data[CHUNK:], CHUNK - 4096)
    time.sleep(0.5)  # HQ has sealed two pieces of this chunk to staging by now
    hq_server.restart()
    cut.close()
    assert device.head(location).headers["upload-offset"] == str(CHUNK)
    finish(device, location, data)
    assert device.head(location).receipt().body.sha256 == entry.body.sha256


@pytest.mark.parametrize("point", ["chunk-fsynced", "blob-adopted"])
def test_killed_between_writing_and_committing(hq_server: RunningHQ, point: str) -> None:
    device = enrolled(hq_server)
    data = medium(2 * CHUNK, seed=22)
    entry = device.entry(RecordKind.EVIDENCE_ITEM, f"ev-{point}", data)
    location = device.create_upload(entry).headers["location"]
    assert device.patch(location, 0, data[:CHUNK]).status == 204
    hq_server.restart({"HQ_CRASH_AT": point})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        device.patch(location, CHUNK, data[CHUNK:])  # HQ dies before answering
    hq_server.restart({"HQ_CRASH_AT": ""})
    head = device.head(location)
    if point == "chunk-fsynced":  # the offset never moved: the chunk is sent again
        assert head.headers["upload-offset"] == str(CHUNK)
        finish(device, location, data)
    receipt = device.head(location).receipt()
    assert device.pinned is not None and receipt.verify(device.pinned)
    assert (receipt.body.sha256, receipt.body.size) == (entry.body.sha256, len(data))
    assert device.create_upload(entry).receipt() == receipt  # once, and only once
    records = hq_server.admin("records").stdout
    assert records.count(f"ev-{point}") == 1
