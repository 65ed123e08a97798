"""HQ with its media in a real SeaweedFS (``HQ_BLOBS=s3://…``, decision 30), end to end: a
device's sync round with records and a video, HQ restarted and the video read back and
hashed; two HQ processes on one bucket finishing each other's upload; the object store going
down mid-upload (SIGKILL of SeaweedFS), 503, and the device finishing once it is back; the
object store full mid-upload (SeaweedFS out of volumes), and the device finishing once the
operator gave it room.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hq.blobs_s3 import S3BlobStore, S3Location
from hq.keys import load_master_key
from sync.client.engine import Progress
from sync.protocol.records import RecordKind
from tests.hq.client import Device, enrolled
from tests.support.hq_server import RunningHQ, start_hq
from tests.support.seaweedfs import RunningSeaweedFS, seaweedfs
from tests.sync_client.e2e import (
    CHUNK,
    assert_delivered_once,
    device,
    engine,
    records_and_video,
    stop_clean,
)
from tests.sync_client.memory_source import MemorySource

__all__ = ["seaweedfs"]


def _store(server: RunningSeaweedFS, place: str, hq: RunningHQ) -> S3BlobStore:
    """What the test reads the bucket through: HQ's own key, as any HQ process would."""
    return S3BlobStore(S3Location.parse(server.blobs_url(place)),
                       load_master_key(hq.data_dir), server.hq_env(place))


def _objects(server: RunningSeaweedFS, place: str) -> dict[str, bytes]:
    bucket, prefix = place.split("/")
    client = server.client()
    listed = client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            for item in listed}


def _sha256(chunks: Iterator[bytes]) -> str:
    hasher = hashlib.sha256()
    for chunk in chunks:
        hasher.update(chunk)
    return hasher.hexdigest()


def _rounds_until_complete(source: MemorySource) -> None:
    """Sync rounds as the device's scheduler would run them, until one completes: right
    after SeaweedFS starts again its volumes take a moment to be served (500, so 503)."""
    for _ in range(20):
        result = engine(source).run_round()
        if result.complete:
            return
        # A HEAD's 503 has no body, so the device knows it by its status alone.
        assert all(f.error in ("unavailable", "http_503") and f.retry
                   for f in result.failed), [
            (f.error, f.message) for f in result.failed]
        time.sleep(0.5)
    raise AssertionError(f"no complete round once the store was back: {result.failed}")


def test_a_round_lands_in_the_bucket_and_survives_hq_restarting(
        seaweedfs: RunningSeaweedFS, tmp_path: Path) -> None:
    place = seaweedfs.new_place()
    hq = start_hq(tmp_path / "hq", seaweedfs.hq_env(place))
    try:
        source = device(hq)
        video = records_and_video(source)
        result = engine(source).run_round()
        assert result.complete, result
        assert_delivered_once(source, hq)
        held = _objects(seaweedfs, place)
        plain = source.payload(video)
        assert all(plain[CHUNK:CHUNK + 64] not in body for body in held.values())
        assert all(e.sha256 not in key for e in source.entries for key in held)
        assert not list((hq.data_dir / "blobs").rglob("*.*"))  # nothing in the folder store
        hq.restart()
        store = _store(seaweedfs, place, hq)
        for entry in source.entries:  # every record and the video, read back and hashed
            assert _sha256(store.read(entry.sha256)) == entry.sha256
        later = source.add_media(os.urandom(CHUNK + 17))
        assert engine(source).run_round().complete  # HQ carries on after its restart
        assert_delivered_once(source, hq)
        assert _sha256(store.read(later.sha256)) == later.sha256
    finally:
        stop_clean(hq)


def _second_process(first: RunningHQ, tmp_path: Path, env: dict[str, str]) -> RunningHQ:
    """Another HQ process on the same database and keys (SQLite in WAL mode stands in for
    the shared PostgreSQL here) but a data directory of its own: only the bucket is shared
    for blobs, so the folder store could not finish the other's upload."""
    other = tmp_path / "hq-b"
    other.mkdir(mode=0o700)
    (other / "hq.db").symlink_to(first.data_dir / "hq.db")
    (other / "keys").symlink_to(first.data_dir / "keys")
    return start_hq(other, env)


def test_an_upload_started_on_one_hq_process_is_finished_on_another(
        seaweedfs: RunningSeaweedFS, tmp_path: Path) -> None:
    place = seaweedfs.new_place()
    env = seaweedfs.hq_env(place)
    first = start_hq(tmp_path / "hq-a", env)
    second = _second_process(first, tmp_path, env)
    try:
        on_first = enrolled(first)
        on_second = Device(second, key=on_first.key, pinned=on_first.pinned, seq=on_first.seq)
        data = os.urandom(3 * CHUNK + 5)
        entry = on_first.entry(RecordKind.EVIDENCE_ITEM, "ev-shared", data)
        location = on_first.create_upload(entry).headers["location"]
        assert on_first.patch(location, 0, data[:CHUNK]).status == 204
        # The load balancer sends the next PATCHes to the other process.
        assert on_second.head(location).headers["upload-offset"] == str(CHUNK)
        assert on_second.patch(location, CHUNK, data[CHUNK:2 * CHUNK]).status == 204
        assert on_first.patch(location, 2 * CHUNK, data[2 * CHUNK:3 * CHUNK]).status == 204
        last = on_second.patch(location, 3 * CHUNK, data[3 * CHUNK:])
        assert last.status == 204, last.body
        receipt = last.receipt()
        assert on_first.pinned is not None and receipt.verify(on_first.pinned)
        assert (receipt.body.sha256, receipt.body.size) == (entry.body.sha256, len(data))
        # The first process holds what the second adopted: the same content again is
        # receipted at once, without a byte sent.
        again = on_first.entry(RecordKind.EVIDENCE_ITEM, "ev-copy", data)
        created = on_first.create_upload(again)
        assert created.headers["upload-offset"] == str(len(data)), created.headers
        assert _sha256(_store(seaweedfs, place, first).read(entry.body.sha256)) == \
            entry.body.sha256
        assert not [key for key in _objects(seaweedfs, place) if "/staging/" in key]
    finally:
        second.stop()
        stop_clean(first)
        assert "Traceback" not in second.log(), second.log()


@pytest.fixture
def own_seaweedfs(tmp_path: Path) -> Iterator[RunningSeaweedFS]:
    """A SeaweedFS of this test's own: the test takes it down."""
    server = RunningSeaweedFS(tmp_path / "seaweedfs")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_the_object_store_down_mid_upload_is_503_and_the_device_finishes_later(
        own_seaweedfs: RunningSeaweedFS, tmp_path: Path) -> None:
    place = own_seaweedfs.new_place()
    hq = start_hq(tmp_path / "hq", own_seaweedfs.hq_env(place))
    try:
        source = device(hq)
        video = records_and_video(source, video_chunks=4.5)

        def store_down_after_the_first_chunk(progress: Progress) -> None:
            if progress.bytes_done >= CHUNK and own_seaweedfs.running:
                own_seaweedfs.kill()  # the object store's host went away

        first = engine(source, progress=store_down_after_the_first_chunk).run_round()
        assert not first.complete
        assert [(f.entity_id, f.error, f.retry) for f in first.failed] == [
            (video.entity_id, "unavailable", True)], first.failed
        assert hq.admin("records").stdout.count(video.entity_id) == 0
        hq.restart()  # HQ starts while its object store is down, and serves what it can
        assert engine(source).run_round().failed[0].error == "unavailable"
        own_seaweedfs.start()  # back, same disk
        _rounds_until_complete(source)
        assert_delivered_once(source, hq)
        assert _sha256(_store(own_seaweedfs, place, hq).read(video.sha256)) == video.sha256
    finally:
        stop_clean(hq)


@pytest.mark.parametrize("video_chunks", [12, 5], ids=["while-staging", "at-finalize"])
def test_the_object_store_full_mid_upload_is_refused_and_the_device_finishes_once_it_has_room(
        tmp_path: Path, video_chunks: int) -> None:
    # One 8 MiB volume for the bucket: a 12 MiB video does not fit while it is staged; a
    # 5 MiB one is staged whole, but its copy into the blob at finalize does not fit (the
    # upload stays open with every byte held, and the device's HEAD finishes it later).
    # SeaweedFS answers a write it has no volume for with a bare 500 InternalError (its log
    # says "No writable volumes"), so HQ cannot tell it from a failing store: 503, retried.
    weed = RunningSeaweedFS(tmp_path / "seaweedfs", ["-volume.max=1",
                                                     "-master.volumeSizeLimitMB=8"])
    weed.start()
    place = weed.new_place()
    hq = start_hq(tmp_path / "hq", weed.hq_env(place))
    try:
        source = device(hq)
        video = records_and_video(source, video_chunks=video_chunks)
        first = engine(source).run_round()
        assert [(f.entity_id, f.error, f.retry) for f in first.failed] == [
            (video.entity_id, "unavailable", True)], first.failed
        assert "No writable volumes" in weed.log()
        assert hq.admin("records").stdout.count(video.entity_id) == 0
        weed.kill()
        weed.extra_args = ["-volume.max=8"]  # the operator adds disks
        weed.start()
        _rounds_until_complete(source)
        assert_delivered_once(source, hq)
        assert _sha256(_store(weed, place, hq).read(video.sha256)) == video.sha256
    finally:
        stop_clean(hq)
        weed.stop()
