"""Blobs at rest, encrypted under HQ's own key: the `BlobStore` interface and its filesystem
implementation (decision 25, "Media at rest").

A blob file is a header (magic, then a fresh 256-bit data key wrapped with AES-256-GCM under
HQ's master key) followed by sealed chunks: a 4-byte big-endian length, then the AES-256-GCM
ciphertext and tag of up to `SEAL_SIZE` plaintext bytes. Chunk ``i`` uses nonce ``i`` (the
data key is never reused across files) and authenticates its index, so chunks can be neither
reordered, moved to another file, nor altered; the database holds the plaintext size, so a
truncated file is caught too. An upload is staged in exactly this format, one chunk at a
time, and finalize renames the staged file into place without re-encrypting it.

`S3BlobStore` (`hq.blobs_s3`, decision 30) keeps the same bytes in an S3-compatible object
store; both share `BlobKeys` (the header, the keyed names) and `read_sealed` (the reader).

Blobs are addressed by their plaintext SHA-256, but a file's name is HMAC-SHA256 of that
hash under a key derived from the master key: listing the folder tells nothing about which
evidence HQ holds. Every write is fsynced, and every rename has its directory fsynced.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["HEADER_SIZE", "SEAL_SIZE", "BlobKeys", "BlobStore", "BlobStoreUnavailable",
           "FilesystemBlobStore", "Staged", "StagedFile", "fsync_dir", "off_loop",
           "read_sealed", "seal_chunk"]

SEAL_SIZE = 1024 * 1024
_T = TypeVar("_T")
_MAGIC = b"SRB1"
_WRAP_AAD = b"statement-room hq blob data key"
_NONCE = 12
_TAG = 16
_HEADER = len(_MAGIC) + _NONCE + 32 + _TAG
HEADER_SIZE = _HEADER
_LEN = 4
_PUT_PREFIX = "put-"


def fsync_dir(path: Path) -> None:
    """fsync a folder, so the names created or renamed in it are durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


async def off_loop(call: Callable[..., _T], *args: object) -> _T:
    """``call(*args)`` in a worker thread: a blob store's calls block (an fsync, an object
    store's round trips; 51 % of one HQ process's event loop went to them under 50 devices,
    decision 33), and the loop must keep serving other devices meanwhile.

    A cancellation (a newer PATCH taking an upload over) waits for the call to finish before
    it is raised, so the caller's clean-up (cutting a staged file back) never overlaps it."""
    future = asyncio.get_running_loop().run_in_executor(None, functools.partial(call, *args))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await asyncio.wait({future})
        raise


def _chunk_nonce(index: int) -> bytes:
    return index.to_bytes(_NONCE, "big")


def _chunk_aad(index: int) -> bytes:
    return _MAGIC + index.to_bytes(8, "big")


class BlobStoreUnavailable(OSError):
    """The store cannot be reached or failed for a reason that is not ours (an object store
    down or answering 5xx): HQ answers 503 and the device tries again later."""


def seal_chunk(aead: AESGCM, plaintext: bytes, index: int) -> bytes:
    """Chunk ``index`` as stored: its 4-byte length, then ciphertext and tag."""
    sealed = aead.encrypt(_chunk_nonce(index), plaintext, _chunk_aad(index))
    return len(sealed).to_bytes(_LEN, "big") + sealed


class BlobKeys:
    """What HQ's master key gives a blob store: fresh wrapped data keys (a blob's header),
    their unwrapping, and the keyed names that hide content hashes."""

    def __init__(self, master_key: bytes) -> None:
        self._wrap = AESGCM(master_key)
        self._name_key = hmac.new(master_key, b"statement-room hq blob names",
                                  hashlib.sha256).digest()

    def name_for(self, sha256: str) -> str:
        return hmac.new(self._name_key, sha256.encode("ascii"), hashlib.sha256).hexdigest()

    def new_header(self) -> tuple[bytes, bytes]:
        """A fresh data key and the header that carries it wrapped."""
        data_key = secrets.token_bytes(32)
        nonce = secrets.token_bytes(_NONCE)
        return data_key, _MAGIC + nonce + self._wrap.encrypt(nonce, data_key, _WRAP_AAD)

    def data_key(self, header: bytes) -> bytes:
        if len(header) != _HEADER or not header.startswith(_MAGIC):
            raise ValueError("not an HQ blob file")
        nonce = header[len(_MAGIC):len(_MAGIC) + _NONCE]
        try:
            return self._wrap.decrypt(nonce, header[len(_MAGIC) + _NONCE:], _WRAP_AAD)
        except InvalidTag:
            raise ValueError("the blob's data key does not open with HQ's master key") from None

    def sealed(self, data: bytes) -> bytes:
        """A whole blob (header and chunks) holding ``data``."""
        data_key, header = self.new_header()
        aead = AESGCM(data_key)
        parts = [header]
        for index, start in enumerate(range(0, max(len(data), 1), SEAL_SIZE)):
            parts.append(seal_chunk(aead, data[start:start + SEAL_SIZE], index))
        return b"".join(parts)


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def read_sealed(keys: BlobKeys, handle: _Readable, name: str, start: int = 0
                ) -> Iterator[bytes]:
    """The plaintext of a blob read from ``handle`` from byte ``start`` on, chunk by chunk;
    ValueError if it was cut short or altered (``name`` says which blob, never its content
    hash). Chunks wholly before ``start`` are passed over undecrypted, and skipped on disk
    when the handle can seek: a browser seeking into a long video costs one chunk."""
    aead = AESGCM(keys.data_key(handle.read(_HEADER)))
    seek = getattr(handle, "seek", None)
    index = position = 0
    while True:
        length_bytes = handle.read(_LEN)
        if not length_bytes:
            return
        length = int.from_bytes(length_bytes, "big")
        if len(length_bytes) != _LEN or length < _TAG:
            raise ValueError(f"{name}: truncated blob file")
        if position + length - _TAG <= start:  # wholly before the range asked for
            if seek is not None:
                seek(length, os.SEEK_CUR)
            elif len(handle.read(length)) != length:
                raise ValueError(f"{name}: truncated blob file")
            position += length - _TAG
            index += 1
            continue
        sealed = handle.read(length)
        if len(sealed) != length:
            raise ValueError(f"{name}: truncated blob file")
        try:
            plaintext = aead.decrypt(_chunk_nonce(index), sealed, _chunk_aad(index))
        except InvalidTag:
            raise ValueError(f"{name}: chunk {index} was altered") from None
        yield plaintext[max(0, start - position):]
        position += len(plaintext)
        index += 1


class StagedFile:
    """An upload being written: sealed chunks appended, fsynced, truncated on failure.

    Unbuffered (plain file-descriptor writes), so a failed write (a full disk) leaves nothing
    in a buffer that a later flush could still push past the committed length."""

    def __init__(self, path: Path, data_key: bytes, fd: int) -> None:
        self.path = path
        self._aead = AESGCM(data_key)
        self._fd = fd

    def append(self, plaintext: bytes, index: int) -> int:
        """Seal ``plaintext`` as chunk ``index`` at the end; return the bytes written."""
        record = memoryview(seal_chunk(self._aead, plaintext, index))
        written = len(record)
        os.lseek(self._fd, 0, os.SEEK_END)
        while record:
            record = record[os.write(self._fd, record):]
        return written

    def sync(self) -> None:
        """fsync: only after this may the offset move."""
        os.fsync(self._fd)

    def truncate(self, staged_bytes: int) -> None:
        """Cut the file back to the committed length (after a cut connection or a bad chunk)."""
        os.ftruncate(self._fd, _HEADER + staged_bytes)
        os.fsync(self._fd)

    def resume_at(self, staged_bytes: int) -> None:
        """Drop whatever a killed HQ wrote past the committed length before appending."""
        if os.fstat(self._fd).st_size != _HEADER + staged_bytes:
            self.truncate(staged_bytes)

    def close(self) -> None:
        os.close(self._fd)


class Staged(Protocol):
    """An upload's staged bytes, open for one PATCH (`StagedFile` and the S3 one)."""

    def append(self, plaintext: bytes, index: int) -> int: ...

    def sync(self) -> None: ...

    def truncate(self, staged_bytes: int) -> None: ...

    def resume_at(self, staged_bytes: int) -> None: ...

    def close(self) -> None: ...


class BlobStore(Protocol):
    """Where HQ keeps record payloads and media, content-addressed by plaintext SHA-256.

    Failures are OSErrors: ENOSPC or EDQUOT when the store is full (507),
    `BlobStoreUnavailable` when it cannot be reached (503), FileNotFoundError for a blob it
    does not hold; ValueError for a blob that was cut short or altered."""

    def put(self, sha256: str, data: bytes) -> None: ...

    def exists(self, sha256: str) -> bool: ...

    def read(self, sha256: str, start: int = 0) -> Iterator[bytes]:
        """The plaintext from byte ``start`` on, chunk by chunk (ValueError: altered)."""
        ...

    def free_bytes(self) -> int | None:
        """Room left for staging, or None if the store does not say (it refuses when full)."""
        ...

    def stage(self, upload_id: str) -> Staged: ...

    def is_staged(self, upload_id: str) -> bool:
        """Whether the upload's staged bytes are there (False once adopted or discarded)."""
        ...

    def staged_plaintext(self, upload_id: str) -> Iterator[bytes]: ...

    def adopt(self, upload_id: str, sha256: str) -> None: ...

    def discard(self, upload_id: str) -> None: ...

    def sweep(self, older_than_s: float) -> None: ...

    # For operations (janitor, health): what a store holds, without knowing how.

    def stored_size(self, sha256: str) -> int:
        """Bytes the blob takes in the store (0 if it is not held)."""
        ...

    def delete(self, sha256: str) -> None:
        """Remove a blob no row names any more (a no-op if it is not held)."""
        ...

    def staged_uploads(self) -> Iterator[tuple[str, int, float]]:
        """(upload id, bytes staged, last write as a Unix time) of every staged upload."""
        ...

    def probe(self) -> None:
        """Write a small object durably where uploads are staged and remove it; raise
        (OSError) if the store cannot take a write now."""
        ...


class FilesystemBlobStore:
    """`BlobStore` in two folders of the data directory: ``blobs/`` and ``staging/``."""

    def __init__(self, root: Path, master_key: bytes) -> None:
        self._blobs = root / "blobs"
        self._staging = root / "staging"
        for folder in (self._blobs, self._staging):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._keys = BlobKeys(master_key)

    @property
    def staging_dir(self) -> Path:
        return self._staging

    def free_bytes(self) -> int | None:
        return shutil.disk_usage(self._staging).free

    def path_for(self, sha256: str) -> Path:
        """The blob's file: a keyed name, so the folder does not list content hashes."""
        name = self._keys.name_for(sha256)
        return self._blobs / name[:2] / name

    def _staged_path(self, upload_id: str) -> Path:
        return self._staging / f"{upload_id}.part"

    def put(self, sha256: str, data: bytes) -> None:
        """Store ``data`` (a record's payload) durably under its hash; a no-op if held.

        Two fsyncs (the file, then the folder it is renamed into): a record costs little."""
        target = self.path_for(sha256)
        if target.exists():
            return
        temporary = self._staging / f"{_PUT_PREFIX}{secrets.token_hex(8)}.part"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            record = memoryview(self._keys.sealed(data))
            while record:
                record = record[os.write(fd, record):]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            temporary.unlink(missing_ok=True)
            raise
        os.close(fd)
        self._move_into_place(temporary, target)

    def sweep(self, older_than_s: float) -> None:
        """Remove what a killed `put` left in staging (its file never reached the store)."""
        cutoff = time.time() - older_than_s
        for leftover in self._staging.glob(f"{_PUT_PREFIX}*.part"):
            with contextlib.suppress(FileNotFoundError):
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def read(self, sha256: str, start: int = 0) -> Iterator[bytes]:
        """The plaintext of a held blob from byte ``start``, chunk by chunk; ValueError if it
        was tampered with."""
        return self._plaintext(self.path_for(sha256), start)

    def stage(self, upload_id: str) -> StagedFile:
        """Open the staging file of an upload, creating it (with its data key) if new."""
        path = self._staged_path(upload_id)
        if not path.exists():
            _, header = self._keys.new_header()
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "r+b") as created:
                created.write(header)
                created.flush()
                os.fsync(created.fileno())
            fsync_dir(self._staging)
        fd = os.open(path, os.O_RDWR)
        try:
            data_key = self._keys.data_key(os.pread(fd, _HEADER, 0))
        except BaseException:
            os.close(fd)
            raise
        return StagedFile(path, data_key, fd)

    def is_staged(self, upload_id: str) -> bool:
        return self._staged_path(upload_id).exists()

    def staged_plaintext(self, upload_id: str) -> Iterator[bytes]:
        return self._plaintext(self._staged_path(upload_id))

    def adopt(self, upload_id: str, sha256: str) -> None:
        """Move a fully staged upload into the store (a rename: no re-encryption)."""
        source, target = self._staged_path(upload_id), self.path_for(sha256)
        if target.exists():  # another device sent the same content first
            self.discard(upload_id)
            return
        self._move_into_place(source, target)

    def discard(self, upload_id: str) -> None:
        self._staged_path(upload_id).unlink(missing_ok=True)

    def stored_size(self, sha256: str) -> int:
        try:
            return self.path_for(sha256).stat().st_size
        except FileNotFoundError:
            return 0

    def delete(self, sha256: str) -> None:
        self.path_for(sha256).unlink(missing_ok=True)

    def staged_uploads(self) -> Iterator[tuple[str, int, float]]:
        for path in self._staging.glob("*.part"):
            if path.name.startswith(_PUT_PREFIX):
                continue  # a record being written, `sweep`'s business
            with contextlib.suppress(FileNotFoundError):
                held = path.stat()
                yield path.stem, held.st_size, held.st_mtime

    def probe(self) -> None:
        probe = self._staging / f"ready-{secrets.token_hex(6)}.probe"
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"ready")
            os.fsync(fd)
        finally:
            os.close(fd)
            probe.unlink(missing_ok=True)

    def _move_into_place(self, source: Path, target: Path) -> None:
        # Only the folder gaining the name is fsynced: if the staging folder's loss of it is
        # forgotten in a crash, `discard` or `sweep` removes the leftover.
        if not target.parent.exists():  # another HQ process may make it at the same time
            target.parent.mkdir(mode=0o700, exist_ok=True)
            fsync_dir(target.parent.parent)
        os.replace(source, target)
        fsync_dir(target.parent)

    def _plaintext(self, path: Path, start: int = 0) -> Iterator[bytes]:
        with path.open("rb") as handle:
            yield from read_sealed(self._keys, handle, path.name, start)
