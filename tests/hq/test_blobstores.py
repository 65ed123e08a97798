"""The `BlobStore` contract, run on both stores: the data directory's folder and a real
SeaweedFS bucket (`S3BlobStore`, decision 30). Two store objects on one master key stand for
two HQ processes sharing the store.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hq.blobs import SEAL_SIZE, BlobStore, FilesystemBlobStore
from hq.blobs_s3 import S3BlobStore, S3Location
from hq.config import HQConfig
from hq.state import open_hq
from tests.support.seaweedfs import RunningSeaweedFS, seaweedfs

__all__ = ["seaweedfs"]

MASTER = bytes(range(32))


@dataclass
class Lane:
    """A way to open stores on one shared place, and to read and rewrite what it holds."""

    open: Callable[[], BlobStore]
    stored: Callable[[], dict[str, bytes]]  # every object or file: name -> bytes
    rewrite: Callable[[str, bytes], object]


def _filesystem_lane(root: Path) -> Lane:
    def stored() -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*")
                if p.is_file()}

    return Lane(lambda: FilesystemBlobStore(root, MASTER), stored,
                lambda name, data: (root / name).write_bytes(data))


def _s3_lane(server: RunningSeaweedFS) -> Lane:
    place = server.new_place()
    bucket, prefix = place.split("/")
    client = server.client()
    env = {"HQ_S3_ACCESS_KEY": server.access_key, "HQ_S3_SECRET_KEY": server.secret_key}

    def stored() -> dict[str, bytes]:
        listed = client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
        return {item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                for item in listed}

    return Lane(lambda: S3BlobStore(S3Location.parse(server.blobs_url(place)), MASTER, env),
                stored, lambda key, data: client.put_object(Bucket=bucket, Key=key, Body=data))


@pytest.fixture(params=["filesystem", "s3"])
def lane(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Lane]:
    if request.param == "filesystem":
        yield _filesystem_lane(tmp_path / "hq")
    else:
        yield _s3_lane(request.getfixturevalue("seaweedfs"))


def _data(size: int, seed: int) -> bytes:
    return hashlib.shake_256(f"blob {seed}".encode()).digest(size)


def _blob_name(lane: Lane, sha256: str) -> str:
    [name] = [n for n in lane.stored() if "blobs/" in n]
    assert sha256 not in name  # a keyed name: the listing does not give the content hash
    return name


def test_put_then_read_back_and_nothing_in_clear(lane: Lane) -> None:
    store = lane.open()
    data = _data(2 * SEAL_SIZE + 77, 1)
    sha = hashlib.sha256(data).hexdigest()
    assert not store.exists(sha)
    store.put(sha, data)
    store.put(sha, data)  # held already: a no-op
    assert store.exists(sha) and b"".join(store.read(sha)) == data
    assert b"".join(lane.open().read(sha)) == data  # another process reads it too
    name = _blob_name(lane, sha)
    held = lane.stored()[name]
    assert data[:64] not in held and data[-64:] not in held
    with pytest.raises(FileNotFoundError):
        b"".join(store.read(hashlib.sha256(b"never stored").hexdigest()))


def test_reading_from_an_offset_gives_the_rest_and_still_checks_what_it_gives(
        lane: Lane) -> None:
    store = lane.open()
    data = _data(3 * SEAL_SIZE + 999, 3)
    sha = hashlib.sha256(data).hexdigest()
    store.put(sha, data)
    for start in (0, 1, SEAL_SIZE - 1, SEAL_SIZE, 2 * SEAL_SIZE + 5, len(data) - 1, len(data)):
        assert b"".join(store.read(sha, start)) == data[start:], start
    name = _blob_name(lane, sha)
    altered = bytearray(lane.stored()[name])
    altered[-10] ^= 1  # in the last chunk: a range reaching it is refused, an earlier one not
    lane.rewrite(name, bytes(altered))
    assert next(store.read(sha, SEAL_SIZE)) == data[SEAL_SIZE:2 * SEAL_SIZE]
    with pytest.raises(ValueError, match="altered"):
        b"".join(store.read(sha, 3 * SEAL_SIZE))


def test_a_cut_or_altered_blob_is_refused(lane: Lane) -> None:
    store = lane.open()
    data = _data(SEAL_SIZE + 5000, 2)
    sha = hashlib.sha256(data).hexdigest()
    store.put(sha, data)
    name = _blob_name(lane, sha)
    whole = lane.stored()[name]
    lane.rewrite(name, whole[:-100])
    with pytest.raises(ValueError, match="truncated"):
        b"".join(store.read(sha))
    altered = bytearray(whole)
    altered[-10] ^= 1
    lane.rewrite(name, bytes(altered))
    with pytest.raises(ValueError, match="altered"):
        b"".join(store.read(sha))


def test_an_upload_staged_across_processes_is_adopted_whole(lane: Lane) -> None:
    first, second = lane.open(), lane.open()  # two HQ processes on one store
    data = _data(3 * SEAL_SIZE + 999, 3)
    sha = hashlib.sha256(data).hexdigest()
    upload = "a" * 32
    # PATCH 1 on the first process: two chunks, committed.
    staged = first.stage(upload)
    staged.resume_at(0)
    committed = staged.append(data[:SEAL_SIZE], 0) + staged.append(
        data[SEAL_SIZE:2 * SEAL_SIZE], 1)
    staged.sync()
    staged.close()
    # PATCH 2 on the second process is cut after one chunk reached the store: its bytes
    # lie past the committed length and must not count.
    staged = second.stage(upload)
    staged.resume_at(committed)
    staged.append(data[2 * SEAL_SIZE:3 * SEAL_SIZE], 2)
    staged.sync()
    staged.close()
    # PATCH 3, the first process again: resumes at what the database committed.
    staged = first.stage(upload)
    staged.resume_at(committed)
    staged.append(data[2 * SEAL_SIZE:3 * SEAL_SIZE], 2)
    staged.append(data[3 * SEAL_SIZE:], 3)
    staged.sync()
    staged.close()
    assert second.is_staged(upload)
    assert b"".join(second.staged_plaintext(upload)) == data
    second.adopt(upload, sha)
    assert not first.is_staged(upload) and not second.is_staged(upload)
    assert b"".join(first.read(sha)) == data
    assert [n for n in lane.stored() if upload in n] == []  # nothing left in staging


def test_a_failed_chunk_is_cut_back_and_discard_forgets_the_upload(lane: Lane) -> None:
    store = lane.open()
    data = _data(2 * SEAL_SIZE, 4)
    upload = "b" * 32
    staged = store.stage(upload)
    staged.resume_at(0)
    committed = staged.append(data[:SEAL_SIZE], 0)
    staged.sync()
    staged.append(b"a chunk whose checksum failed", 1)
    staged.sync()
    staged.truncate(committed)  # what uploads.py does on a bad checksum or a cut
    staged.close()
    assert b"".join(store.staged_plaintext(upload)) == data[:SEAL_SIZE]
    store.discard(upload)
    assert not store.is_staged(upload)
    assert [n for n in lane.stored() if upload in n] == []
    store.sweep(older_than_s=0)


def test_hq_blobs_chooses_the_store(tmp_path: Path, seaweedfs: RunningSeaweedFS,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    data = _data(1000, 5)
    sha = hashlib.sha256(data).hexdigest()
    elsewhere = tmp_path / "elsewhere"
    state = open_hq(HQConfig(tmp_path / "hq", blobs=f"file://{elsewhere}"))
    try:
        state.blobs.put(sha, data)
    finally:
        state.close()
    assert len(list((elsewhere / "blobs").rglob("*"))) == 2  # its folder, then the blob
    place = seaweedfs.new_place()
    for name, value in seaweedfs.hq_env(place).items():
        if name != "HQ_BLOBS":
            monkeypatch.setenv(name, value)
    state = open_hq(HQConfig(tmp_path / "hq", blobs=seaweedfs.blobs_url(place)))
    try:
        assert isinstance(state.blobs, S3BlobStore) and not state.blobs.exists(sha)
        state.blobs.put(sha, data)
        assert b"".join(state.blobs.read(sha)) == data
    finally:
        state.close()
    with pytest.raises(ValueError, match="HQ_BLOBS must be"):
        open_hq(HQConfig(tmp_path / "hq", blobs="ftp://somewhere/blobs"))


def test_what_operations_ask_of_a_store(lane: Lane) -> None:
    store = lane.open()
    data = _data(SEAL_SIZE + 10, 6)
    sha = hashlib.sha256(data).hexdigest()
    store.put(sha, data)
    assert store.stored_size(sha) == len(lane.stored()[_blob_name(lane, sha)])
    upload = "c" * 32
    staged = store.stage(upload)
    staged.resume_at(0)
    staged.append(data[:SEAL_SIZE], 0)
    staged.sync()
    staged.close()
    [(listed, size, modified)] = list(store.staged_uploads())
    assert listed == upload and size > SEAL_SIZE and abs(modified - time.time()) < 300
    store.probe()
    assert [n for n in lane.stored() if "ready" in n] == []  # the probe cleaned up
    store.delete(sha)
    assert not store.exists(sha) and store.stored_size(sha) == 0
    store.delete(sha)  # not held: a no-op
    store.discard(upload)
    assert list(store.staged_uploads()) == []
