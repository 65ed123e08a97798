"""HQ on a really full disk (a small tmpfs): a chunk that does not fit is 507, nothing of it
is kept or committed, and HQ carries on once there is room.

Mounting needs root, as CI runs (it installs its tools with apt-get); elsewhere the test fails
saying so rather than skipping: the HQ_MIN_FREE test in test_uploads covers the check before
writing, this one the full disk during the write.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.protocol.records import RecordKind
from tests.hq.client import enrolled
from tests.hq.test_uploads import medium
from tests.support.hq_server import RunningHQ, start_hq

MIB = 1024 * 1024
DISK = 7 * MIB


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK},mode=0700", "tmpfs",
                              str(mount_point)], capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.fail(f"this test mounts a small tmpfs and needs root: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


@pytest.fixture
def hq_on_small_disk(small_disk: Path) -> Iterator[RunningHQ]:
    server = start_hq(small_disk / "hq", {"HQ_MIN_FREE": "0"})
    try:
        yield server
    finally:
        server.stop()


def test_a_chunk_that_does_not_fit_is_refused_and_forgotten(hq_on_small_disk: RunningHQ) -> None:
    hq = hq_on_small_disk
    device = enrolled(hq)
    # Upload A: 4 MiB announced, 3.5 MiB sent, then the sender pauses (3 MiB sealed to disk).
    first = medium(4 * MIB, seed=31)
    a = device.create_upload(device.entry(RecordKind.EVIDENCE_ITEM, "ev-a", first)
                             ).headers["location"]
    paused = device.partial_patch(a, 0, first, 3 * MIB + MIB // 2)
    try:
        time.sleep(0.5)
        # Upload B fits when it starts, and takes most of what is left.
        second = medium(3 * MIB, seed=32)
        b = device.upload(device.entry(RecordKind.EVIDENCE_ITEM, "ev-b", second), second)
        assert b.status == 204, b.body
        # A's last MiB no longer fits: 507, and A is back where it was committed.
        paused.sendall(first[3 * MIB + MIB // 2:])
        answer = http.client.HTTPResponse(paused)
        answer.begin()
        body = json.loads(answer.read())
    finally:
        paused.close()
    assert (answer.status, body["error"]) == (507, "insufficient_storage")
    assert answer.getheader("Retry-After")
    assert device.head(a).headers["upload-offset"] == "0"
    staged = list((hq.data_dir / "staging").iterdir())
    assert [p.stat().st_size for p in staged] == [64]  # the header only: the chunk is gone
    assert "ev-a" not in hq.admin("records").stdout
    assert "ev-b" in hq.admin("records").stdout  # B was kept whole
