"""Media vault blobs: evidence files encrypted at rest, content-addressed by plaintext SHA-256.

File format ``.sr1`` (version 1), all integers big-endian::

    header (65 bytes)
        magic           4   b"SRVB"
        version         1   1
        flags           1   bit 0: the plaintext length field is meaningful
        segment_size    4   plaintext bytes per segment (1 MiB by default)
        plaintext_len   8   total plaintext bytes (0 when flag bit 0 is clear)
        key_id          8   HMAC-SHA256(master_key, KEY_ID_LABEL)[:8]
        salt           32   random HKDF salt
        nonce_prefix    7   random
    header_tag     32   HMAC-SHA256(mac_key, header)
    segments            n >= 1; segment i = AES-256-GCM(enc_key, nonce_i, chunk_i, aad=header)
                        every segment but the last holds exactly segment_size plaintext bytes,
                        the last holds 0..segment_size (an empty file is one empty last segment)

    enc_key ‖ mac_key = HKDF-SHA256(master_key, salt, info=header), 64 bytes
    nonce_i = nonce_prefix (7) ‖ uint32 i ‖ 0x01 if i is the last segment else 0x00

This is the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár), with the nonce layout of
Tink's streaming AEAD: the counter in the nonce detects reordered segments, the last-segment
flag detects truncation at a segment boundary, and the header as AAD (and as HKDF info) binds
every segment to its own header. The key id and the header tag are not needed for security;
they exist so a failure can say *what* failed (wrong key vs. damaged header) instead of every
problem surfacing as "segment 0 failed authentication". The plaintext length is recorded when
the source is a regular file whose size is known up front; it lets the reader name truncation
and trailing data exactly before any plaintext is released.

Ingest reads the source once: a reader (the calling thread) fills a small ring of preallocated
segment buffers, and each buffer is handed at the same time to a SHA-256 thread (and an SM3
thread when asked) and to an AES-GCM + write thread; both hashlib and `cryptography` release the
GIL on large buffers, so the stages overlap. Memory is bounded by the ring. The blob is written
under a ``.tmp-`` name, fsynced, renamed to its content name and the directory fsynced: a crash
leaves at most a temporary file (see `sweep_temporaries`), never a partial blob under a content
address. Reading blobs back lives in `vault_read`.

The content name is ``HMAC-SHA256(naming_key, sha256).sr1`` (`blob_name`), the naming key
derived from the master key: the plain SHA-256 would let anyone who can list the folder confirm
that the store holds a file they already have (issue 11; decision 10, amendment). The plain
SHA-256 is kept only inside the encrypted store.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import os
import queue
import secrets
import stat
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from gettext import gettext as _
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from desktop.domain.errors import UserError
from desktop.store.files import fsync_directory

MAGIC = b"SRVB"
VERSION = 1
SUFFIX = ".sr1"
TEMP_PREFIX = ".tmp-"
DEFAULT_SEGMENT_SIZE = 1 << 20
MAX_SEGMENT_SIZE = 64 << 20  # bounds what a hostile header can make the reader allocate
TAG_SIZE = 16
KEY_ID_LABEL = b"statement-room vault key id v1"
NAMING_INFO = b"statement-room vault naming v1"
_FLAG_LENGTH = 0x01
_HEADER = struct.Struct(">4sBBIQ8s32s7s")
HEADER_SIZE = _HEADER.size  # 65
HEADER_TAG_SIZE = 32
PREAMBLE_SIZE = HEADER_SIZE + HEADER_TAG_SIZE
_MAX_SEGMENTS = 1 << 32  # the counter is a uint32
_ORPHAN_AFTER_S = 86400.0
_RING = 8  # buffers in flight during ingest: 8 MiB of plaintext at the default segment size

Progress = Callable[[int, int | None], None]


class VaultIntegrityError(UserError):
    """A vault blob failed verification; its plaintext must not be trusted."""


class VaultWriteError(UserError):
    """The vault folder refused the blob (disk full, read-only, gone); nothing was stored."""


def _write_error(exc: OSError) -> VaultWriteError:
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG):
        return VaultWriteError(_(
            "The disk is full: the evidence file could not be stored. Nothing was stored; "
            "free some space and import it again."))
    return VaultWriteError(_(
        "The evidence vault cannot be written ({error}). Nothing was stored; check the disk "
        "and import it again.").format(error=exc.strerror or type(exc).__name__))


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    sm3: str | None
    size: int
    path: Path


@dataclass(frozen=True)
class _Header:
    raw: bytes
    segment_size: int
    plaintext_len: int | None
    key_id: bytes
    salt: bytes
    nonce_prefix: bytes


def _parse_header(raw: bytes) -> _Header:
    _magic, _version, flags, segment_size, plaintext_len, kid, salt, prefix = _HEADER.unpack(raw)
    return _Header(
        raw=raw,
        segment_size=segment_size,
        plaintext_len=plaintext_len if flags & _FLAG_LENGTH else None,
        key_id=kid,
        salt=salt,
        nonce_prefix=prefix,
    )


def key_id(master_key: bytes) -> bytes:
    """Short public identifier of a master key, recorded in every blob header."""
    return hmac.new(master_key, KEY_ID_LABEL, hashlib.sha256).digest()[:8]


def naming_key(master_key: bytes) -> bytes:
    """The key that names blobs (HKDF of the master key, bound to this purpose)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=NAMING_INFO).derive(master_key)


def blob_name(master_key: bytes, sha256: str, *, key: bytes | None = None) -> str:
    """File name of the blob holding the plaintext with this SHA-256 (hex).

    `key` is `naming_key(master_key)` when the caller names many blobs at once.
    """
    digest = bytes.fromhex(sha256)
    if len(digest) != 32:
        raise ValueError("not a SHA-256")
    mac = hmac.new(key if key is not None else naming_key(master_key), digest, hashlib.sha256)
    return mac.hexdigest() + SUFFIX


def _derive(master_key: bytes, header: bytes, salt: bytes) -> tuple[AESGCM, bytes]:
    okm = HKDF(algorithm=hashes.SHA256(), length=64, salt=salt, info=header).derive(master_key)
    return AESGCM(okm[:32]), okm[32:]


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    if index >= _MAX_SEGMENTS:
        raise ValueError("too many segments for the segment counter")
    return prefix + struct.pack(">IB", index, 1 if last else 0)


def _check_master_key(master_key: bytes) -> None:
    if len(master_key) < 32:
        raise ValueError("the vault master key must be at least 32 bytes")


def segment_count(plaintext_len: int, segment_size: int) -> int:
    return max(1, -(-plaintext_len // segment_size))


def blob_size(plaintext_len: int, segment_size: int = DEFAULT_SEGMENT_SIZE) -> int:
    """Size on disk of a blob holding `plaintext_len` bytes."""
    return PREAMBLE_SIZE + plaintext_len + TAG_SIZE * segment_count(plaintext_len, segment_size)


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


class _Abort(Exception):
    pass


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
    the new copy is discarded and the existing one returned.
    """
    _check_master_key(master_key)
    if not 1 <= segment_size <= MAX_SEGMENT_SIZE:
        raise ValueError("segment size out of range")
    if isinstance(source, Path):
        with source.open("rb", buffering=0) as handle:
            return _encrypt_handle(handle, target_dir, master_key, sm3, progress, segment_size)
    return _encrypt_handle(source, target_dir, master_key, sm3, progress, segment_size)


def _encrypt_handle(
    handle: BinaryIO,
    target_dir: Path,
    master_key: bytes,
    want_sm3: bool,
    progress: Progress | None,
    segment_size: int,
) -> StoredBlob:
    length = _known_length(handle)
    header = _HEADER.pack(
        MAGIC,
        VERSION,
        _FLAG_LENGTH if length is not None else 0,
        segment_size,
        length or 0,
        key_id(master_key),
        secrets.token_bytes(32),
        secrets.token_bytes(7),
    )
    parsed = _parse_header(header)
    aead, mac_key = _derive(master_key, header, parsed.salt)
    header_tag = hmac.new(mac_key, header, hashlib.sha256).digest()

    # The writer's pid in the name lets a later sweep tell an orphan from a live ingest.
    tmp = target_dir / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(8)}{SUFFIX}"
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o600)
    except OSError as exc:
        raise _write_error(exc) from exc
    try:
        try:
            _write_all(fd, memoryview(header + header_tag))
            sha, sm3_hex, total = _pipeline(
                handle, fd, aead, header, parsed.nonce_prefix, segment_size, want_sm3,
                progress, length,
            )
            os.fsync(fd)
        finally:
            os.close(fd)
        if length is not None and total != length:
            raise UserError(
                _("The file changed while it was being stored ({read} of {expected} bytes "
                  "read); store it again.").format(read=total, expected=length)
            )
        final = target_dir / blob_name(master_key, sha)
        if final.exists():
            # Content-addressed: the existing blob holds the same plaintext. (Two concurrent
            # ingests of one file race harmlessly: os.replace swaps in an equally valid blob.)
            tmp.unlink()
        else:
            os.replace(tmp, final)
        fsync_directory(target_dir)
    except _SourceError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise exc.error from None
    except OSError as exc:  # writing, syncing or renaming in the vault folder
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise _write_error(exc) from exc
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return StoredBlob(sha256=sha, sm3=sm3_hex, size=total, path=final)


def _pipeline(
    handle: BinaryIO,
    fd: int,
    aead: AESGCM,
    header: bytes,
    prefix: bytes,
    segment_size: int,
    want_sm3: bool,
    progress: Progress | None,
    length: int | None,
) -> tuple[str, str | None, int]:
    """Reader (this thread) fanning each buffer out to hasher(s) and the encrypt+write thread."""
    buffers = [bytearray(segment_size) for _ in range(_RING)]
    views = [memoryview(b) for b in buffers]
    free: queue.SimpleQueue[int] = queue.SimpleQueue()
    for i in range(_RING):
        free.put(i)
    refs = [0] * _RING
    lock = threading.Lock()
    errors: list[BaseException] = []
    abort = threading.Event()

    def release(i: int) -> None:
        with lock:
            refs[i] -= 1
            done = refs[i] == 0
        if done:
            free.put(i)

    # Work items: (buffer index, byte count, segment index, last) or None to stop.
    Item = tuple[int, int, int, bool] | None

    def consumer(work: queue.SimpleQueue[Item], fn: Callable[[int, int, int, bool], None]) -> None:
        while (item := work.get()) is not None:
            i, n, index, last = item
            try:
                if not abort.is_set():
                    fn(i, n, index, last)
            except BaseException as exc:  # surfaced by the reader after the join
                errors.append(exc)
                abort.set()
            finally:
                release(i)  # keep draining so the reader never blocks on a dead stage

    sha = hashlib.sha256()
    sm3_hash = hashes.Hash(hashes.SM3()) if want_sm3 else None
    out = bytearray(segment_size + TAG_SIZE)
    out_view = memoryview(out)

    def do_sha(i: int, n: int, index: int, last: bool) -> None:
        sha.update(views[i][:n])

    def do_sm3(i: int, n: int, index: int, last: bool) -> None:
        assert sm3_hash is not None
        sm3_hash.update(views[i][:n])

    def do_encrypt(i: int, n: int, index: int, last: bool) -> None:
        # encrypt_into reuses one output buffer: a fresh 1 MiB bytes per call costs ~10x.
        dest = out_view[: n + TAG_SIZE]
        aead.encrypt_into(_nonce(prefix, index, last), views[i][:n], header, dest)
        _write_all(fd, dest)

    stages: list[Callable[[int, int, int, bool], None]] = [do_sha, do_encrypt]
    if sm3_hash is not None:
        stages.append(do_sm3)
    queues: list[queue.SimpleQueue[Item]] = [queue.SimpleQueue() for _ in stages]
    threads = [
        threading.Thread(target=consumer, args=(q, fn), name=f"vault-{fn.__name__}", daemon=True)
        for q, fn in zip(queues, stages, strict=True)
    ]
    for t in threads:
        t.start()

    def dispatch(i: int, n: int, index: int, last: bool) -> None:
        with lock:
            refs[i] = len(queues)
        for q in queues:
            q.put((i, n, index, last))

    total = 0
    index = 0
    try:
        # One buffer of look-ahead: a full segment is the last one only if the next read is
        # empty, and the flag must be known before it is encrypted.
        cur = free.get()
        cur_n = _read_source(handle, views[cur])
        while True:
            if abort.is_set():
                raise _Abort
            total += cur_n
            if progress is not None:
                progress(total, length)
            if cur_n < segment_size:
                dispatch(cur, cur_n, index, True)
                break
            nxt = free.get()
            nxt_n = _read_source(handle, views[nxt])
            if nxt_n == 0:
                free.put(nxt)
                dispatch(cur, cur_n, index, True)
                break
            dispatch(cur, cur_n, index, False)
            index += 1
            if index >= _MAX_SEGMENTS:
                raise ValueError("file too large for the segment counter")
            cur, cur_n = nxt, nxt_n
    except _Abort:
        pass
    finally:
        for q in queues:
            q.put(None)
        for t in threads:
            t.join()
    if errors:
        raise errors[0]
    return sha.hexdigest(), (sm3_hash.finalize().hex() if sm3_hash is not None else None), total


def _owner_alive(name: str) -> bool:
    """Whether the process that named this temporary file is still running."""
    pid_text = name[len(TEMP_PREFIX):].split("-", 1)[0]
    if not pid_text.isdigit():
        return False  # an older or foreign name: nobody claims it
    pid = int(pid_text)
    if os.name != "posix":  # pragma: no cover - os.kill would terminate it on Windows
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's) or cannot tell: spare it
    return True


def sweep_temporaries(
    target_dir: Path, *, min_age_seconds: float = 0.0, orphans_only: bool = False
) -> int:
    """Delete temporary files left by interrupted ingests; return how many were removed.

    With `orphans_only`, a temporary file whose writing process is still alive is spared
    (this is what opening a store does, since another window may be importing right now);
    `min_age_seconds` spares recent ones as well.
    """
    if not target_dir.is_dir():
        return 0
    removed = 0
    now = time.time()
    for entry in target_dir.iterdir():
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        with contextlib.suppress(FileNotFoundError):
            age = now - entry.stat().st_mtime
            if age < min_age_seconds:
                continue
            # A day-old temporary is abandoned even if its pid has been reused since.
            if orphans_only and age < _ORPHAN_AFTER_S and _owner_alive(entry.name):
                continue
            entry.unlink()
            removed += 1
    if removed:
        fsync_directory(target_dir)
    return removed
