"""`S3BlobStore`: HQ's blobs in an S3-compatible object store (decision 30), chosen by
``HQ_BLOBS=s3://bucket[/prefix]?endpoint=http://host:port&region=name`` with the credentials
in ``HQ_S3_ACCESS_KEY`` and ``HQ_S3_SECRET_KEY`` (else boto3's own chain: ``AWS_*``, files).

The bytes are exactly those of `FilesystemBlobStore` (`hq.blobs`): a header wrapping a fresh
data key, then sealed chunks; a blob's object name is the keyed HMAC of its SHA-256, so
listing the bucket tells nothing. Staging is shared by every HQ process on the bucket (a
PATCH may land on any of them):

- ``staging/<upload>/header``: written once, with ``If-None-Match: *`` so two processes
  starting the same upload agree on one data key;
- ``staging/<upload>/<offset>``: one object per flushed run of sealed chunks (at most
  `SEGMENT_SIZE`), named by the staged byte offset it starts at. A PUT is atomic, so after
  `sync` the database may move the offset; whatever lies at or past the committed offset
  (a cut PATCH, a killed process) is deleted before the next append.

Finalize re-hashes the segments in order, then `adopt` streams header and segments into the
blob's object (multipart for large ones: no re-encryption, no plaintext anywhere) and
deletes the staging objects, header first, so a crash in between leaves only segments that
`sweep` removes. Deleted objects free their space only when SeaweedFS vacuums its volumes.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from gettext import gettext as _
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hq.blobs import BlobKeys, BlobStoreUnavailable, read_sealed, seal_chunk

if TYPE_CHECKING:
    from botocore.client import BaseClient

__all__ = ["SEGMENT_SIZE", "S3BlobStore", "S3Location"]

SEGMENT_SIZE = 16 * 1024 * 1024  # sealed bytes per staging object: few PUTs, bounded memory
_PART_SIZE = 16 * 1024 * 1024
_FULL_CODES = frozenset({"QuotaExceeded", "EntityTooLarge", "InsufficientStorage"})
_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


@dataclass(frozen=True)
class S3Location:
    """Where the blobs are: ``s3://bucket[/prefix]?endpoint=…&region=…``."""

    bucket: str
    prefix: str
    endpoint: str | None
    region: str

    @classmethod
    def parse(cls, url: str) -> S3Location:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(_("HQ_BLOBS must be s3://bucket[/prefix]?endpoint=…, not "
                               "{value!r}").format(value=url))
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        prefix = parts.path.strip("/")
        return cls(parts.netloc, f"{prefix}/" if prefix else "", query.get("endpoint"),
                   query.get("region", "us-east-1"))


@contextlib.contextmanager
def _s3_errors(what: str) -> Iterator[None]:
    """botocore's failures as the OSErrors `BlobStore` promises."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = str(error.get("Message", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in _MISSING_CODES or status == 404:
            raise FileNotFoundError(errno.ENOENT, f"{what}: not in the object store") from None
        # SeaweedFS out of volumes answers a bare 500 InternalError: 503 below, not 507.
        if code in _FULL_CODES or status == 507:
            raise OSError(errno.ENOSPC, f"{what}: the object store is full ({code})") from None
        raise BlobStoreUnavailable(errno.EIO, f"{what}: the object store answered {code} "
                                   f"{message}") from None
    except BotoCoreError as exc:
        raise BlobStoreUnavailable(errno.EIO, f"{what}: the object store is unreachable "
                                   f"({type(exc).__name__})") from None


class _Concatenated:
    """A read(n) stream over several objects' bodies, one after another, opened lazily."""

    def __init__(self, store: S3BlobStore, keys: list[str]) -> None:
        self._store, self._keys = store, list(keys)
        self._body: Any = None
        self._buffer = bytearray()

    def read(self, size: int = -1, /) -> bytes:
        want = size if size >= 0 else 1 << 62
        while len(self._buffer) < want:
            if self._body is None:
                if not self._keys:
                    break
                self._body = self._store._get(self._keys.pop(0))
            with _s3_errors("reading"):
                piece = self._body.read(min(want - len(self._buffer), 1 << 20))
            if not piece:
                self._body.close()
                self._body = None
                continue
            self._buffer += piece
        taken = bytes(self._buffer[:want])
        del self._buffer[:want]
        return taken


class _S3Staged:
    """One PATCH's view of a staged upload: sealed chunks buffered, PUT as segments."""

    def __init__(self, store: S3BlobStore, upload_id: str, data_key: bytes) -> None:
        self._store, self._upload_id = store, upload_id
        self._aead = AESGCM(data_key)
        self._pending = bytearray()
        self._start = 0  # the staged offset the pending bytes begin at

    def append(self, plaintext: bytes, index: int) -> int:
        record = seal_chunk(self._aead, plaintext, index)
        self._pending += record
        if len(self._pending) >= SEGMENT_SIZE:
            self._flush()
        return len(record)

    def _flush(self) -> None:
        if self._pending:
            self._store._put(self._store._segment_key(self._upload_id, self._start),
                             bytes(self._pending))
            self._start += len(self._pending)
            self._pending.clear()

    def sync(self) -> None:
        """PUT what is buffered: once this returns, every appended chunk is in the store."""
        self._flush()

    def truncate(self, staged_bytes: int) -> None:
        self._pending.clear()
        self._start = staged_bytes
        for offset, key in self._store._segments(self._upload_id):
            if offset >= staged_bytes:
                self._store._delete([key])

    def resume_at(self, staged_bytes: int) -> None:
        self.truncate(staged_bytes)

    def close(self) -> None:
        self._pending.clear()


class S3BlobStore:
    """`BlobStore` in a bucket: ``blobs/<keyed name>`` and ``staging/<upload>/…``."""

    def __init__(self, location: S3Location, master_key: bytes,
                 environ: Mapping[str, str] | None = None) -> None:
        import boto3  # only a deployment on an object store pays for importing it
        from botocore.config import Config

        env = os.environ if environ is None else environ
        self._location = location
        self._keys = BlobKeys(master_key)
        self._client: BaseClient = boto3.session.Session().client(
            "s3", endpoint_url=location.endpoint, region_name=location.region,
            aws_access_key_id=env.get("HQ_S3_ACCESS_KEY") or None,
            aws_secret_access_key=env.get("HQ_S3_SECRET_KEY") or None,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                          connect_timeout=5, read_timeout=60,
                          retries={"mode": "standard", "total_max_attempts": 3}))

    # -- object primitives, each mapping botocore's errors -----------------------------------

    def _key(self, name: str) -> str:
        return self._location.prefix + name

    def _blob_key(self, sha256: str) -> str:
        name = self._keys.name_for(sha256)
        return self._key(f"blobs/{name[:2]}/{name}")

    def _staging_prefix(self, upload_id: str) -> str:
        return self._key(f"staging/{upload_id}/")

    def _segment_key(self, upload_id: str, offset: int) -> str:
        return f"{self._staging_prefix(upload_id)}{offset:016d}"

    def _put(self, key: str, body: bytes, **extra: str) -> None:
        with _s3_errors("storing"):
            self._client.put_object(Bucket=self._location.bucket, Key=key, Body=body, **extra)

    def _get(self, key: str) -> Any:
        with _s3_errors("reading"):
            return self._client.get_object(Bucket=self._location.bucket, Key=key)["Body"]

    def _has(self, key: str) -> bool:
        try:
            with _s3_errors("looking up"):
                self._client.head_object(Bucket=self._location.bucket, Key=key)
        except FileNotFoundError:
            return False
        return True

    def _list(self, prefix: str) -> Iterator[tuple[str, float]]:
        """(key, last modified as a Unix time) of every object under ``prefix``."""
        for key, _size, modified in self._list_sized(prefix):
            yield key, modified

    def _list_sized(self, prefix: str) -> Iterator[tuple[str, int, float]]:
        """(key, size, last modified as a Unix time) of every object under ``prefix``."""
        with _s3_errors("listing"):
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self._location.bucket, Prefix=prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    yield (str(item["Key"]), int(item["Size"]),
                           item["LastModified"].timestamp())

    def _delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            with _s3_errors("deleting"):
                self._client.delete_objects(Bucket=self._location.bucket, Delete={
                    "Objects": [{"Key": key} for key in keys[start:start + 1000]],
                    "Quiet": True})

    def _segments(self, upload_id: str) -> list[tuple[int, str]]:
        prefix = self._staging_prefix(upload_id)
        found = [(int(key[len(prefix):]), key) for key, _modified in self._list(prefix)
                 if key[len(prefix):].isdigit()]
        return sorted(found)

    # -- BlobStore ----------------------------------------------------------------------------

    def put(self, sha256: str, data: bytes) -> None:
        """One PUT of the sealed blob (atomic: no temporary object); a no-op if held."""
        key = self._blob_key(sha256)
        if not self._has(key):
            self._put(key, self._keys.sealed(data))

    def exists(self, sha256: str) -> bool:
        return self._has(self._blob_key(sha256))

    def read(self, sha256: str, start: int = 0) -> Iterator[bytes]:
        # The chunks before ``start`` stream past undecrypted (an object body cannot seek).
        key = self._blob_key(sha256)
        return read_sealed(self._keys, _Concatenated(self, [key]), key.rsplit("/", 1)[-1],
                           start)

    def free_bytes(self) -> int | None:
        return None  # the store refuses a write it has no room for: 507 then

    def stage(self, upload_id: str) -> _S3Staged:
        header_key = self._staging_prefix(upload_id) + "header"
        try:
            header = self._get(header_key).read()
        except FileNotFoundError:
            fresh = self._keys.new_header()[1]
            try:
                self._put(header_key, fresh, IfNoneMatch="*")
            except BlobStoreUnavailable:
                if not self._has(header_key):  # not a lost race for the header
                    raise
            header = self._get(header_key).read()
        return _S3Staged(self, upload_id, self._keys.data_key(header))

    def is_staged(self, upload_id: str) -> bool:
        return self._has(self._staging_prefix(upload_id) + "header")

    def staged_plaintext(self, upload_id: str) -> Iterator[bytes]:
        return read_sealed(self._keys, _Concatenated(self, self._staged_keys(upload_id)),
                           f"staged upload {upload_id}")

    def _staged_keys(self, upload_id: str) -> list[str]:
        """Header and segments in order; ValueError if a segment is missing between them."""
        expected, keys = 0, [self._staging_prefix(upload_id) + "header"]
        for offset, key in self._segments(upload_id):
            if offset != expected:
                raise ValueError(f"staged upload {upload_id}: a segment is missing at "
                                 f"{expected}")
            keys.append(key)
            expected += self._size(key)
        return keys

    def _size(self, key: str) -> int:
        with _s3_errors("looking up"):
            head = self._client.head_object(Bucket=self._location.bucket, Key=key)
        return int(head["ContentLength"])

    def adopt(self, upload_id: str, sha256: str) -> None:
        """Stream the staged header and segments into the blob's object, then drop them."""
        from boto3.s3.transfer import TransferConfig

        target = self._blob_key(sha256)
        if not self._has(target):  # else another device sent the same content first
            source = _Concatenated(self, self._staged_keys(upload_id))
            with _s3_errors("storing"):
                self._client.upload_fileobj(source, self._location.bucket, target,
                                            Config=TransferConfig(
                                                multipart_threshold=_PART_SIZE,
                                                multipart_chunksize=_PART_SIZE,
                                                max_concurrency=4))
        self.discard(upload_id, header_first=True)

    def discard(self, upload_id: str, *, header_first: bool = False) -> None:
        """Delete the upload's staging objects. The header goes last (a crash leaves the
        upload whole enough to discard again) unless it was adopted (first: `is_staged`
        must turn False before segments vanish)."""
        header = self._staging_prefix(upload_id) + "header"
        if header_first:
            self._delete([header])
        staged = self._list(self._staging_prefix(upload_id))
        rest = [key for key, _modified in staged if key != header]
        self._delete(rest)
        if not header_first:
            self._delete([header])

    def sweep(self, older_than_s: float) -> None:
        """Remove segments an adopt left behind its header (a crash between the deletes).
        The object store being down is no reason to stop HQ: the next sweep does it."""
        cutoff = time.time() - older_than_s
        prefix = self._key("staging/")
        with contextlib.suppress(BlobStoreUnavailable):
            uploads: dict[str, tuple[bool, list[str], float]] = {}
            for key, modified in self._list(prefix):
                upload, _, name = key[len(prefix):].partition("/")
                has_header, keys, newest = uploads.get(upload, (False, [], 0.0))
                uploads[upload] = (has_header or name == "header", [*keys, key],
                                   max(newest, modified))
            for has_header, keys, newest in uploads.values():
                if not has_header and newest < cutoff:
                    self._delete(keys)

    def stored_size(self, sha256: str) -> int:
        try:
            return self._size(self._blob_key(sha256))
        except FileNotFoundError:
            return 0

    def delete(self, sha256: str) -> None:
        self._delete([self._blob_key(sha256)])

    def staged_uploads(self) -> Iterator[tuple[str, int, float]]:
        prefix = self._key("staging/")
        uploads: dict[str, tuple[int, float]] = {}
        for key, size, modified in self._list_sized(prefix):
            upload = key[len(prefix):].partition("/")[0]
            held, newest = uploads.get(upload, (0, 0.0))
            uploads[upload] = (held + size, max(newest, modified))
        for upload, (held, newest) in uploads.items():
            yield upload, held, newest

    def probe(self) -> None:
        key = self._key(f"probe/ready-{secrets.token_hex(6)}")
        self._put(key, b"ready")
        self._delete([key])
