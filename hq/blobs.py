"""Blobs at rest, encrypted under HQ's own key: the `BlobStore` interface and its filesystem
implementation (decision 25, "Media at rest").

A blob file is a header (magic, then a fresh 256-bit data key wrapped with AES-256-GCM under
HQ's master key) followed by sealed chunks: a 4-byte big-endian length, then the AES-256-GCM
ciphertext and tag of up to `SEAL_SIZE` plaintext bytes. Chunk ``i`` uses nonce ``i`` (the
data key is never reused across files) and authenticates its index, so chunks can be neither
reordered, moved to another file, nor altered; the database holds the plaintext size, so a
truncated file is caught too. An upload is staged in exactly this format, one chunk at a
time, and finalize renames the staged file into place without re-encrypting it.

Blobs are addressed by their plaintext SHA-256, but a file's name is HMAC-SHA256 of that
hash under a key derived from the master key: listing the folder tells nothing about which
evidence HQ holds. Every write is fsynced, and every rename has its directory fsynced.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["SEAL_SIZE", "BlobStore", "FilesystemBlobStore", "StagedFile"]

SEAL_SIZE = 1024 * 1024
_MAGIC = b"SRB1"
_WRAP_AAD = b"statement-room hq blob data key"
_NONCE = 12
_TAG = 16
_HEADER = len(_MAGIC) + _NONCE + 32 + _TAG
_LEN = 4
_PUT_PREFIX = "put-"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _chunk_nonce(index: int) -> bytes:
    return index.to_bytes(_NONCE, "big")


def _chunk_aad(index: int) -> bytes:
    return _MAGIC + index.to_bytes(8, "big")


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
        sealed = self._aead.encrypt(_chunk_nonce(index), plaintext, _chunk_aad(index))
        record = memoryview(len(sealed).to_bytes(_LEN, "big") + sealed)
        os.lseek(self._fd, 0, os.SEEK_END)
        while record:
            record = record[os.write(self._fd, record):]
        return _LEN + len(sealed)

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


class BlobStore(Protocol):
    """Where HQ keeps record payloads and media, content-addressed by plaintext SHA-256."""

    def put(self, sha256: str, data: bytes) -> None: ...

    def exists(self, sha256: str) -> bool: ...

    def read(self, sha256: str) -> Iterator[bytes]: ...

    def stage(self, upload_id: str) -> StagedFile: ...

    def staged_plaintext(self, upload_id: str) -> Iterator[bytes]: ...

    def adopt(self, upload_id: str, sha256: str) -> None: ...

    def discard(self, upload_id: str) -> None: ...


class FilesystemBlobStore:
    """`BlobStore` in two folders of the data directory: ``blobs/`` and ``staging/``."""

    def __init__(self, root: Path, master_key: bytes) -> None:
        self._blobs = root / "blobs"
        self._staging = root / "staging"
        for folder in (self._blobs, self._staging):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._wrap = AESGCM(master_key)
        self._name_key = hmac.new(master_key, b"statement-room hq blob names",
                                  hashlib.sha256).digest()

    @property
    def staging_dir(self) -> Path:
        return self._staging

    def path_for(self, sha256: str) -> Path:
        """The blob's file: a keyed name, so the folder does not list content hashes."""
        name = hmac.new(self._name_key, sha256.encode("ascii"), hashlib.sha256).hexdigest()
        return self._blobs / name[:2] / name

    def _staged_path(self, upload_id: str) -> Path:
        return self._staging / f"{upload_id}.part"

    def _new_header(self) -> tuple[bytes, bytes]:
        data_key = secrets.token_bytes(32)
        nonce = secrets.token_bytes(_NONCE)
        return data_key, _MAGIC + nonce + self._wrap.encrypt(nonce, data_key, _WRAP_AAD)

    def _data_key(self, header: bytes) -> bytes:
        if len(header) != _HEADER or not header.startswith(_MAGIC):
            raise ValueError("not an HQ blob file")
        nonce = header[len(_MAGIC):len(_MAGIC) + _NONCE]
        try:
            return self._wrap.decrypt(nonce, header[len(_MAGIC) + _NONCE:], _WRAP_AAD)
        except InvalidTag:
            raise ValueError("the blob's data key does not open with HQ's master key") from None

    def put(self, sha256: str, data: bytes) -> None:
        """Store ``data`` (a record's payload) durably under its hash; a no-op if held.

        Two fsyncs (the file, then the folder it is renamed into): a record costs little."""
        target = self.path_for(sha256)
        if target.exists():
            return
        data_key, header = self._new_header()
        aead = AESGCM(data_key)
        parts = [header]
        for index, start in enumerate(range(0, max(len(data), 1), SEAL_SIZE)):
            sealed = aead.encrypt(_chunk_nonce(index), data[start:start + SEAL_SIZE],
                                  _chunk_aad(index))
            parts += [len(sealed).to_bytes(_LEN, "big"), sealed]
        temporary = self._staging / f"{_PUT_PREFIX}{secrets.token_hex(8)}.part"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            record = memoryview(b"".join(parts))
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

    def read(self, sha256: str) -> Iterator[bytes]:
        """The plaintext of a held blob, chunk by chunk; ValueError if it was tampered with."""
        return self._plaintext(self.path_for(sha256))

    def stage(self, upload_id: str) -> StagedFile:
        """Open the staging file of an upload, creating it (with its data key) if new."""
        path = self._staged_path(upload_id)
        if not path.exists():
            data_key, header = self._new_header()
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "r+b") as created:
                created.write(header)
                created.flush()
                os.fsync(created.fileno())
            _fsync_dir(self._staging)
        fd = os.open(path, os.O_RDWR)
        try:
            data_key = self._data_key(os.pread(fd, _HEADER, 0))
        except BaseException:
            os.close(fd)
            raise
        return StagedFile(path, data_key, fd)

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

    def _move_into_place(self, source: Path, target: Path) -> None:
        # Only the folder gaining the name is fsynced: if the staging folder's loss of it is
        # forgotten in a crash, `discard` or `sweep` removes the leftover.
        if not target.parent.exists():  # another HQ process may make it at the same time
            target.parent.mkdir(mode=0o700, exist_ok=True)
            _fsync_dir(target.parent.parent)
        os.replace(source, target)
        _fsync_dir(target.parent)

    def _plaintext(self, path: Path) -> Iterator[bytes]:
        with path.open("rb") as handle:
            aead = AESGCM(self._data_key(handle.read(_HEADER)))
            index = 0
            while True:
                length_bytes = handle.read(_LEN)
                if not length_bytes:
                    return
                length = int.from_bytes(length_bytes, "big")
                sealed = handle.read(length)
                if len(length_bytes) != _LEN or len(sealed) != length:
                    raise ValueError(f"{path.name}: truncated blob file")
                try:
                    yield aead.decrypt(_chunk_nonce(index), sealed, _chunk_aad(index))
                except InvalidTag:
                    raise ValueError(f"{path.name}: chunk {index} was altered") from None
                index += 1
