"""Media vault ingest: evidence files encrypted at rest as they are read, named by content.

The blob format (header, keys, nonces, names, sizes) is in `vault_format`.

Ingest reads the source once: a reader (the calling thread) fills a small ring of preallocated
segment buffers, and each buffer is handed at the same time to a SHA-256 thread (and an SM3
thread when asked) and to an AES-GCM + write thread; both hashlib and `cryptography` release the
GIL on large buffers, so the stages overlap. Memory is bounded by the ring. `VaultWriter` is
that pipeline with the bytes pushed in (`write(chunk)` … `finish()`), for a recorder that writes
as it records; `encrypt_file` is a `VaultWriter` that reads its source straight into the ring.
The blob is written under a ``.tmp-`` name, fsynced, renamed to its content name and the
directory fsynced: a crash leaves at most a temporary file (`vault_temporaries`), never a partial
blob under a content address. Reading blobs back lives in `vault_read`.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import hmac
import os
import queue
import secrets
import stat
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from gettext import gettext as _
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives import hashes

from desktop.domain.errors import UserError
from desktop.i18n import os_error_text
from desktop.store.files import fsync_directory
from desktop.store.vault_format import (
    DEFAULT_SEGMENT_SIZE,
    FLAG_LENGTH,
    HEADER,
    MAGIC,
    MAX_SEGMENT_SIZE,
    MAX_SEGMENTS,
    SUFFIX,
    TAG_SIZE,
    VERSION,
    blob_name,
    check_master_key,
    derive_keys,
    key_id,
    nonce,
    parse_header,
)
from desktop.store.vault_temporaries import TEMP_PREFIX

_RING = 8  # buffers in flight during ingest: 8 MiB of plaintext at the default segment size
# A long write is handed to the disk every so often: gigabytes of dirty pages would make any
# fsync elsewhere on the disk (an autosave's commit) wait for their write-back. On Linux the
# write-back is started without waiting and without a cache flush (sync_file_range), so an
# autosave's own flush is not queued behind ours; elsewhere fdatasync bounds the dirty pages.
_FLUSH_EVERY = 4 << 20

Progress = Callable[[int, int | None], None]


def _load_sync_file_range() -> Callable[[int], None] | None:
    """Linux's sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) through libc, if present."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.sync_file_range
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    call.restype = ctypes.c_int
    write = 2  # SYNC_FILE_RANGE_WRITE: start write-back of dirty pages, do not wait

    def start(fd: int) -> None:
        if call(fd, 0, 0, write) != 0:
            os.fdatasync(fd)  # e.g. a file system that refuses it: bound the pages anyway

    return start


def _fdatasync(fd: int) -> None:
    os.fdatasync(fd) if hasattr(os, "fdatasync") else os.fsync(fd)


_start_writeback: Callable[[int], None] = _load_sync_file_range() or _fdatasync


class VaultWriteError(UserError):
    """The vault folder refused the blob (disk full, read-only, gone); nothing was stored."""


def _write_error(exc: OSError) -> VaultWriteError:
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG):
        return VaultWriteError(_(
            "The disk is full: the evidence file could not be stored. Nothing was stored; "
            "free some space and import it again."))
    return VaultWriteError(_(
        "The evidence vault cannot be written ({error}). Nothing was stored; check the disk "
        "and import it again.").format(error=os_error_text(exc)))


@dataclass(frozen=True)
class Checkpoint:
    """A durable prefix of a blob being written: its first `offset` plaintext bytes (a whole
    number of segments) are encrypted, written and fsynced, and their SHA-256 is `sha256`."""

    offset: int
    sha256: str


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    sm3: str | None
    size: int
    path: Path


# ---------------------------------------------------------------------------------------------
# Ingest


def _known_length(handle: BinaryIO) -> int | None:
    """Bytes left in `handle` if it is a regular file (so the header can record the length)."""
    try:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or not handle.seekable():
            return None
        return max(0, info.st_size - handle.tell())
    except (OSError, ValueError, AttributeError):
        return None


def _fill(handle: BinaryIO, view: memoryview) -> int:
    """Fill `view` from `handle`; short only at end of input (pipes return short reads)."""
    readinto = getattr(handle, "readinto", None)
    total = 0
    size = len(view)
    while total < size:
        if readinto is not None:
            got = readinto(view[total:])
        else:
            data = handle.read(size - total)
            got = len(data)
            view[total : total + got] = data
        if not got:
            break
        total += got
    return total


def _write_all(fd: int, view: memoryview) -> None:
    while view:
        written = os.write(fd, view)
        view = view[written:]


class _SourceError(Exception):
    """Reading the source failed: its OSError is not the vault's (re-raised as it was)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


def _read_source(handle: BinaryIO, view: memoryview) -> int:
    try:
        return _fill(handle, view)
    except OSError as exc:
        raise _SourceError(exc) from exc


# Work items of the stage threads: (buffer index, byte count, segment index, last), None stops.
_Item = tuple[int, int, int, bool] | None


class VaultWriter:
    """Write one blob into the vault as its bytes arrive: `write(chunk)` … `finish()`.

    The bytes are hashed (SHA-256, and SM3 when asked) and encrypted in the blob's STREAM
    segments as they come, by two or three stage threads fed from a small ring of segment
    buffers, so memory stays bounded however long the recording. The blob grows under a
    ``.tmp-<pid>-`` name; `finish` fsyncs it, renames it to its content name and fsyncs the
    folder, and returns the `StoredBlob`. `abort` (or leaving the `with` block on an error)
    removes the temporary file; a crash leaves only the temporary file, which
    `sweep_temporaries` tidies. A segment is encrypted only once the next byte (or `finish`)
    says whether it is the last one, as the last-segment flag of its nonce requires.

    `length`, when the caller knows it up front, is recorded in the header and checked at
    `finish` (a source that grew or shrank meanwhile is refused).

    A recorder names its temporary file (`temp_name`, ``.rec-<pid>-<id>.sr1``) and calls
    `checkpoint` now and then: every whole segment so far becomes durable and its prefix hash is
    returned, so a crash leaves a verifiable prefix. After a checkpoint the pending full segment
    is committed as "not the last", so a blob finished right after one ends in an empty last
    segment (the format allows it). On a write error the recorder calls `abandon`, which keeps
    the temporary file for salvage instead of removing it.
    """

    def __init__(self, target_dir: Path, master_key: bytes, *, sm3: bool = False,
                 segment_size: int = DEFAULT_SEGMENT_SIZE, length: int | None = None,
                 temp_name: str | None = None) -> None:
        check_master_key(master_key)
        if not 1 <= segment_size <= MAX_SEGMENT_SIZE:
            raise ValueError("segment size out of range")
        self._dir = target_dir
        self._master_key = master_key
        self._segment_size = segment_size
        self._length = length
        header = HEADER.pack(MAGIC, VERSION, FLAG_LENGTH if length is not None else 0,
                              segment_size, length or 0, key_id(master_key),
                              secrets.token_bytes(32), secrets.token_bytes(7))
        self._header = header
        self._prefix = parse_header(header).nonce_prefix
        self._aead, mac_key = derive_keys(master_key, header, parse_header(header).salt)
        header_tag = hmac.new(mac_key, header, hashlib.sha256).digest()
        if temp_name is not None and (Path(temp_name).name != temp_name
                                      or temp_name in ("", ".", "..")):
            raise ValueError("the temporary name must be a plain file name")
        # The writer's pid in the name lets a later sweep tell an orphan from a live ingest.
        self._tmp = target_dir / (
            temp_name or f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(8)}{SUFFIX}")
        try:
            target_dir.mkdir(parents=True, exist_ok=True)
            self._fd: int | None = os.open(
                self._tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                0o600)
        except OSError as exc:
            raise _write_error(exc) from exc
        self._closed = False
        try:
            _write_all(self._fd, memoryview(header + header_tag))
        except OSError as exc:
            self._discard()
            raise _write_error(exc) from exc
        self._views = [memoryview(bytearray(segment_size)) for _ in range(_RING)]
        self._free: queue.SimpleQueue[int] = queue.SimpleQueue()
        for i in range(_RING):
            self._free.put(i)
        self._refs = [0] * _RING
        self._lock = threading.Lock()
        # Items each stage has finished (checkpoint waits until every stage caught up).
        self._settled = threading.Condition(self._lock)
        self._processed = [0] * (3 if sm3 else 2)
        self._errors: list[BaseException] = []
        self._failed = threading.Event()
        self._sha = hashlib.sha256()
        self._sm3 = hashes.Hash(hashes.SM3()) if sm3 else None
        # encrypt_into reuses one output buffer: a fresh 1 MiB bytes per call costs ~10x.
        self._out = memoryview(bytearray(segment_size + TAG_SIZE))
        self._unflushed = 0
        stages: list[Callable[[int, int, int, bool], None]] = [self._do_sha, self._do_encrypt]
        if self._sm3 is not None:
            stages.append(self._do_sm3)
        self._queues: list[queue.SimpleQueue[_Item]] = [queue.SimpleQueue() for _ in stages]
        self._threads = [
            threading.Thread(target=self._consume, args=(q, fn, stage),
                             name=f"vault-{fn.__name__}", daemon=True)
            for stage, (q, fn) in enumerate(zip(self._queues, stages, strict=True))
        ]
        for thread in self._threads:
            thread.start()
        self._cur: int | None = None  # the buffer being filled
        self._cur_n = 0
        self._full: int | None = None  # a full buffer not yet known to be the last one
        self._index = 0
        self._total = 0

    @property
    def total(self) -> int:
        """Plaintext bytes written so far."""
        return self._total

    @property
    def temp_path(self) -> Path:
        """Where the blob grows until `finish` renames it (kept by `abandon` for salvage)."""
        return self._tmp

    # -- stages (their own threads) -----------------------------------------------------------

    def _consume(self, work: queue.SimpleQueue[_Item],
                 fn: Callable[[int, int, int, bool], None], stage: int) -> None:
        while (item := work.get()) is not None:
            i, n, index, last = item
            try:
                if not self._failed.is_set():
                    fn(i, n, index, last)
            except BaseException as exc:  # surfaced by the writing thread
                self._errors.append(exc)
                self._failed.set()
            finally:
                self._release(i, stage)  # keep draining so the writer never blocks on a dead stage

    def _release(self, i: int, stage: int) -> None:
        with self._lock:
            self._processed[stage] += 1
            self._settled.notify_all()
            self._refs[i] -= 1
            done = self._refs[i] == 0
        if done:
            self._free.put(i)

    def _do_sha(self, i: int, n: int, index: int, last: bool) -> None:
        self._sha.update(self._views[i][:n])

    def _do_sm3(self, i: int, n: int, index: int, last: bool) -> None:
        assert self._sm3 is not None
        self._sm3.update(self._views[i][:n])

    def _do_encrypt(self, i: int, n: int, index: int, last: bool) -> None:
        assert self._fd is not None
        dest = self._out[: n + TAG_SIZE]
        self._aead.encrypt_into(nonce(self._prefix, index, last), self._views[i][:n],
                                self._header, dest)
        _write_all(self._fd, dest)
        self._unflushed += len(dest)
        if self._unflushed >= _FLUSH_EVERY and not last:
            self._unflushed = 0
            _start_writeback(self._fd)

    # -- filling ------------------------------------------------------------------------------

    def _dispatch(self, i: int, n: int, last: bool) -> None:
        if self._index >= MAX_SEGMENTS:
            raise ValueError("file too large for the segment counter")
        with self._lock:
            self._refs[i] = len(self._queues)
        for work in self._queues:
            work.put((i, n, self._index, last))
        self._index += 1

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("the vault writer is closed")
        if self._failed.is_set():
            self._raise_stage_error()

    def _space(self) -> memoryview:
        """The free part of the buffer being filled (waits for a buffer while all are busy)."""
        self._check_open()
        if self._cur is None:
            self._cur = self._free.get()
            self._cur_n = 0
        return self._views[self._cur][self._cur_n:]

    def _advance(self, n: int) -> None:
        """`n` more bytes were put into `_space()`."""
        if n <= 0:
            return
        assert self._cur is not None
        if self._full is not None:  # more bytes follow it: it was not the last segment
            self._dispatch(self._full, self._segment_size, False)
            self._full = None
        self._cur_n += n
        self._total += n
        if self._cur_n == self._segment_size:
            self._full, self._cur = self._cur, None

    def write(self, chunk: bytes | bytearray | memoryview) -> None:
        """Append `chunk` to the blob (copied: the caller may reuse its buffer)."""
        view = memoryview(chunk).cast("B")
        while view:
            space = self._space()
            take = min(len(space), len(view))
            space[:take] = view[:take]
            self._advance(take)
            view = view[take:]

    def _write_from(self, handle: BinaryIO, progress: Progress | None) -> None:
        """Read `handle` to its end straight into the segment buffers (no extra copy)."""
        first = True
        while True:
            space = self._space()
            got = _read_source(handle, space)
            self._advance(got)
            if got or first:
                first = False
                if progress is not None:
                    progress(self._total, self._length)
            if got < len(space):  # `_fill` reads short only at the end of the input
                return

    def checkpoint(self) -> Checkpoint:
        """Make every whole segment written so far durable; return that prefix and its hash.

        The pending full segment (if any) is committed as not the last one; bytes of a segment
        still being filled are not covered (a recorder pads to a segment boundary first). Waits
        for the stage threads, fsyncs, and hashes exactly the committed prefix. Raises
        `VaultWriteError` when the vault refused a write (the previous checkpoint still holds).
        """
        self._check_open()
        if self._full is not None:
            self._dispatch(self._full, self._segment_size, False)
            self._full = None
        with self._settled:
            self._settled.wait_for(lambda: min(self._processed) >= self._index)
        if self._failed.is_set():
            self._raise_stage_error()
        assert self._fd is not None
        try:
            os.fsync(self._fd)
        except OSError as exc:
            raise _write_error(exc) from exc
        # The SHA-256 stage is idle (everything dispatched is processed): copy its state.
        return Checkpoint(offset=self._index * self._segment_size,
                          sha256=self._sha.copy().hexdigest())

    # -- ending -------------------------------------------------------------------------------

    def _stop_stages(self) -> None:
        for work in self._queues:
            work.put(None)
        for thread in self._threads:
            thread.join()

    def _raise_stage_error(self) -> None:
        error = self._errors[0]
        if isinstance(error, OSError):
            raise _write_error(error) from error
        raise error

    def _discard(self) -> None:
        self._closed = True
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
        with contextlib.suppress(OSError):
            self._tmp.unlink()

    def abort(self) -> None:
        """Stop and remove the temporary file; nothing is stored. Safe to call twice."""
        if self._closed:
            return
        self._failed.set()  # the stages skip what is still queued
        self._stop_stages()
        self._discard()

    def abandon(self) -> None:
        """Stop writing and close the temporary file but keep it (a recording whose writer
        failed: its last checkpoint's prefix is salvaged from it). Safe to call twice."""
        if self._closed:
            return
        self._failed.set()
        self._stop_stages()
        self._closed = True
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def finish(self) -> StoredBlob:
        """Encrypt the last segment, make the blob durable under its content name, return it."""
        if self._closed:
            raise ValueError("the vault writer is closed")
        try:
            if self._failed.is_set():  # a stage failed after the last byte came in
                self._raise_stage_error()
            if self._cur is not None and self._cur_n:
                if self._full is not None:
                    self._dispatch(self._full, self._segment_size, False)
                self._dispatch(self._cur, self._cur_n, True)
            elif self._full is not None:
                self._dispatch(self._full, self._segment_size, True)
            else:  # an empty blob is one empty last segment
                self._dispatch(self._cur if self._cur is not None else self._free.get(), 0, True)
            self._cur = self._full = None
            self._stop_stages()
            if self._errors:
                self._raise_stage_error()
            assert self._fd is not None
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None
            if self._length is not None and self._total != self._length:
                raise UserError(
                    _("The file changed while it was being stored ({read} of {expected} bytes "
                      "read); store it again.").format(read=self._total, expected=self._length))
            sha = self._sha.hexdigest()
            final = self._dir / blob_name(self._master_key, sha)
            if final.exists():
                # Content-addressed: the existing blob holds the same plaintext. (Two
                # concurrent ingests of one file race harmlessly: os.replace swaps in an
                # equally valid blob.)
                self._tmp.unlink()
            else:
                os.replace(self._tmp, final)
            self._closed = True
            fsync_directory(self._dir)
        except OSError as exc:  # writing, syncing or renaming in the vault folder
            self.abort()
            raise _write_error(exc) from exc
        except BaseException:
            self.abort()
            raise
        return StoredBlob(sha256=sha, sm3=self._sm3.finalize().hex() if self._sm3 else None,
                          size=self._total, path=final)

    def __enter__(self) -> VaultWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_exc: object) -> None:
        if exc_type is not None or not self._closed:
            self.abort()


def encrypt_file(
    source: BinaryIO | Path,
    target_dir: Path,
    master_key: bytes,
    *,
    sm3: bool = False,
    progress: Progress | None = None,
    segment_size: int = DEFAULT_SEGMENT_SIZE,
) -> StoredBlob:
    """Store `source` in the vault at `target_dir`; read once, hashed and encrypted in one pass.

    `progress(done, total)` is called from the calling thread after each segment is read
    (`total` is None for sources of unknown length). If a blob with the same content exists,
    the new copy is discarded and the existing one returned. A `VaultWriter` fed straight
    from the file.
    """
    check_master_key(master_key)
    if not 1 <= segment_size <= MAX_SEGMENT_SIZE:
        raise ValueError("segment size out of range")
    if isinstance(source, Path):
        with source.open("rb", buffering=0) as handle:
            return _encrypt_handle(handle, target_dir, master_key, sm3, progress, segment_size)
    return _encrypt_handle(source, target_dir, master_key, sm3, progress, segment_size)


def _encrypt_handle(handle: BinaryIO, target_dir: Path, master_key: bytes, want_sm3: bool,
                    progress: Progress | None, segment_size: int) -> StoredBlob:
    writer = VaultWriter(target_dir, master_key, sm3=want_sm3, segment_size=segment_size,
                         length=_known_length(handle))
    try:
        writer._write_from(handle, progress)
    except _SourceError as exc:
        writer.abort()
        raise exc.error from None
    except BaseException:
        writer.abort()
        raise
    return writer.finish()
