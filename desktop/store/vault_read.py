"""Reading vault blobs back: streaming decryption in constant memory, and verification.

The format is described in `vault_format`. Only authenticated plaintext is ever released to
the sink; when a segment fails, the reader works out what happened (damaged segment,
truncation after segment N, trailing data, swapped segments, wrong key) so the message names
it, and a caller streaming to a sink must discard what it received.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import queue
import threading
from collections.abc import Callable, Iterator
from gettext import gettext as _
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from desktop.store.vault_format import (
    FLAG_LENGTH,
    HEADER_SIZE,
    MAGIC,
    MAX_SEGMENT_SIZE,
    MAX_SEGMENTS,
    PREAMBLE_SIZE,
    TAG_SIZE,
    VERSION,
    Header,
    VaultIntegrityError,
    blob_size,
    check_master_key,
    derive_keys,
    key_id,
    nonce,
    parse_header,
)
from desktop.store.vault_stream import _fill


def _fail(blob: Path, problem: str) -> VaultIntegrityError:
    return VaultIntegrityError(
        _("Evidence file {name} failed its integrity check: {problem}").format(
            name=blob.name, problem=problem
        )
    )


def _read_header(blob: Path, handle: BinaryIO, master_key: bytes) -> tuple[Header, AESGCM]:
    preamble = handle.read(PREAMBLE_SIZE)
    if len(preamble) < PREAMBLE_SIZE:
        raise _fail(blob, _("bad header: the file is too short to be a vault blob."))
    raw = preamble[:HEADER_SIZE]
    magic, version, flags = raw[:4], raw[4], raw[5]
    if magic != MAGIC:
        raise _fail(blob, _("bad header: this is not a vault blob."))
    if version != VERSION:
        raise _fail(blob, _("bad header: unsupported format version {version}.").format(
            version=version))
    header = parse_header(raw)
    if flags & ~FLAG_LENGTH or not 1 <= header.segment_size <= MAX_SEGMENT_SIZE:
        raise _fail(blob, _("bad header: invalid parameters."))
    if not hmac.compare_digest(header.key_id, key_id(master_key)):
        raise _fail(blob, _("it was encrypted with a different key (or its key identifier is "
                            "damaged)."))
    aead, mac_key = derive_keys(master_key, raw, header.salt)
    expected_tag = hmac.new(mac_key, raw, hashlib.sha256).digest()
    if not hmac.compare_digest(expected_tag, preamble[HEADER_SIZE:]):
        raise _fail(blob, _("bad header: the header failed authentication."))
    return header, aead


def _diagnose(
    blob: Path, aead: AESGCM, header: Header, data: memoryview, index: int, last: bool,
    scratch: memoryview, file_size: int,
) -> VaultIntegrityError:
    """Explain why segment `index` failed (only on the failure path, so cost is irrelevant)."""
    n = len(data) - TAG_SIZE

    def opens(counter: int, flag: bool) -> bool:
        if n < 0:
            return False
        try:
            aead.decrypt_into(nonce(header.nonce_prefix, counter, flag), data, header.raw,
                              scratch[:n])
        except InvalidTag:
            return False
        return True

    if last and opens(index, False):
        return _fail(blob, _("truncated: the blob ends after segment {index}, before its final "
                             "segment.").format(index=index))
    if not last and opens(index, True):
        return _fail(blob, _("trailing data after the final segment {index}.").format(
            index=index))
    # Reordered segments: find which position this segment was written for.
    stride = header.segment_size + TAG_SIZE
    limit = min(MAX_SEGMENTS, (file_size - PREAMBLE_SIZE) // stride + 2, 1 << 16)
    for counter in range(limit):
        if counter != index and (opens(counter, False) or opens(counter, True)):
            return _fail(blob, _("segments are out of order: segment {index} holds the data of "
                                 "segment {other}.").format(index=index, other=counter))
    if last:
        return _fail(blob, _("the final segment {index} failed authentication (damaged or "
                             "truncated).").format(index=index))
    return _fail(blob, _("segment {index} failed authentication (damaged).").format(index=index))


def _decrypt(
    blob: Path, master_key: bytes, write: Callable[[memoryview], object] | None
) -> str:
    check_master_key(master_key)
    with blob.open("rb", buffering=0) as handle:
        header, aead = _read_header(blob, handle, master_key)
        file_size = os.fstat(handle.fileno()).st_size
        seg = header.segment_size
        if header.plaintext_len is not None:
            expected = blob_size(header.plaintext_len, seg)
            if file_size < expected:
                raise _fail(blob, _("truncated: {missing} bytes are missing.").format(
                    missing=expected - file_size))
            if file_size > expected:
                raise _fail(blob, _("trailing data: {extra} unexpected bytes after the final "
                                    "segment.").format(extra=file_size - expected))
        return _decrypt_segments(blob, handle, header, aead, file_size, write)


_PLAIN_RING = 4  # plaintext buffers between the decrypting reader and the hash+write thread


def _decrypt_segments(
    blob: Path,
    handle: BinaryIO,
    header: Header,
    aead: AESGCM,
    file_size: int,
    write: Callable[[memoryview], object] | None,
) -> str:
    """Reader + AES-GCM in this thread ‖ SHA-256 + sink writes in a worker, in constant memory.

    Memory: two ciphertext buffers (current + look-ahead) and a small ring of plaintext ones.
    """
    seg = header.segment_size
    stride = seg + TAG_SIZE
    bufs = [memoryview(bytearray(stride)), memoryview(bytearray(stride))]
    plains = [memoryview(bytearray(seg)) for _ in range(_PLAIN_RING)]
    free: queue.SimpleQueue[int] = queue.SimpleQueue()
    for i in range(_PLAIN_RING):
        free.put(i)
    work: queue.SimpleQueue[tuple[int, int] | None] = queue.SimpleQueue()
    sha = hashlib.sha256()
    errors: list[BaseException] = []
    abort = threading.Event()

    def consume() -> None:
        while (item := work.get()) is not None:
            i, n = item
            try:
                if not abort.is_set():
                    sha.update(plains[i][:n])
                    if write is not None:
                        _sink_write_all(write, plains[i][:n])
            except BaseException as exc:  # surfaced by the reader after the join
                errors.append(exc)
                abort.set()
            finally:
                free.put(i)

    worker = threading.Thread(target=consume, name="vault-decrypt-sink", daemon=True)
    worker.start()
    try:
        cur = 0
        cur_n = _fill(handle, bufs[cur])
        index = 0
        while not abort.is_set():
            last = cur_n < stride
            nxt_n = 0
            if not last:
                nxt_n = _fill(handle, bufs[1 - cur])
                last = nxt_n == 0
            data = bufs[cur][:cur_n]
            n = cur_n - TAG_SIZE
            if n < 0:
                raise _fail(blob, _("truncated: segment {index} is incomplete.").format(
                    index=index))
            slot = free.get()
            try:
                aead.decrypt_into(nonce(header.nonce_prefix, index, last), data, header.raw,
                                  plains[slot][:n])
            except InvalidTag:
                raise _diagnose(blob, aead, header, data, index, last, plains[slot],
                                file_size) from None
            work.put((slot, n))  # only authenticated plaintext ever reaches the sink
            if last:
                break
            index += 1
            cur, cur_n = 1 - cur, nxt_n
    finally:
        work.put(None)
        worker.join()
    if errors:
        raise errors[0]
    return sha.hexdigest()


def _sink_write_all(write: Callable[[memoryview], object], view: memoryview) -> None:
    # Raw sinks may accept fewer bytes than offered; buffered ones return len or None.
    while view:
        written = write(view)
        if not isinstance(written, int) or written >= len(view):
            return
        if written <= 0:
            raise OSError("the output accepted no bytes")
        view = view[written:]


def decrypt_to(blob_path: Path, master_key: bytes, sink: BinaryIO) -> str:
    """Stream the plaintext of `blob_path` into `sink`; return its SHA-256 (hex).

    Every segment is authenticated before its plaintext is written, but a failure can come
    after earlier segments were written: on `VaultIntegrityError` discard what `sink` got.
    """
    return _decrypt(blob_path, master_key, sink.write)


def plaintext_chunks(blob_path: Path, master_key: bytes, start: int, chunk_size: int, *,
                     durable_prefix: int | None = None) -> Iterator[bytes]:
    """The plaintext of `blob_path` from byte `start`, in pieces of `chunk_size` (the last
    shorter), decrypted in memory only: what the sync engine uploads, resuming anywhere.

    Only the segments from the one holding `start` are read, each authenticated before any
    of its bytes are released; a failure raises `VaultIntegrityError` and the caller discards
    what it received. No plaintext ever touches the disk.

    `durable_prefix`: `blob_path` is still being written (a recording's temporary file) and
    only its first `durable_prefix` bytes, a whole number of segments that a checkpoint made
    durable, are read; none of them is the last segment."""
    if start < 0 or chunk_size < 1:
        raise ValueError("start must be >= 0 and chunk_size >= 1")
    check_master_key(master_key)
    with blob_path.open("rb", buffering=0) as handle:
        header, aead = _read_header(blob_path, handle, master_key)
        file_size = os.fstat(handle.fileno()).st_size
        seg = header.segment_size
        stride = seg + TAG_SIZE
        if durable_prefix is not None:
            if durable_prefix % seg or durable_prefix <= 0:
                raise ValueError("a durable prefix is a positive whole number of segments")
            count = durable_prefix // seg
            if file_size < PREAMBLE_SIZE + count * stride:
                raise _fail(blob_path, _("truncated: it is shorter than its saved part."))
            length = durable_prefix
        else:
            count = max(1, -(-(file_size - PREAMBLE_SIZE) // stride))
            if header.plaintext_len is not None and file_size != blob_size(
                    header.plaintext_len, seg):
                raise _fail(blob_path, _("its size does not match the length in its header."))
            length = (count - 1) * seg + max(0, file_size - PREAMBLE_SIZE
                                             - (count - 1) * stride - TAG_SIZE)
        if start > length:
            raise ValueError(f"start {start} is beyond the {length} bytes of the medium")
        index = start // seg
        skip = start - index * seg
        handle.seek(PREAMBLE_SIZE + index * stride)
        data = memoryview(bytearray(stride))
        plain = memoryview(bytearray(seg))
        pending = bytearray()
        while index < count:
            last = index == count - 1 and durable_prefix is None
            got = _fill(handle, data)
            n = got - TAG_SIZE
            if n < 0 or (not last and got != stride):
                raise _fail(blob_path, _("truncated: segment {index} is incomplete.").format(
                    index=index))
            try:
                aead.decrypt_into(nonce(header.nonce_prefix, index, last), data[:got],
                                  header.raw, plain[:n])
            except InvalidTag:
                raise _diagnose(blob_path, aead, header, data[:got], index, last, plain,
                                file_size) from None
            pending += plain[skip:n]
            skip = 0
            while len(pending) >= chunk_size:
                yield bytes(pending[:chunk_size])
                del pending[:chunk_size]
            index += 1
        if pending:
            yield bytes(pending)


def verify_blob(
    blob_path: Path, master_key: bytes, expected_sha256: str, *, sm3: bool = False
) -> str | None:
    """Check that `blob_path` decrypts completely and its plaintext has `expected_sha256`.

    With `sm3`, the plaintext's SM3 digest is computed in the same pass and returned (SM3 is
    several times slower than SHA-256 here, so it belongs to this pass, not to ingest).
    """
    sm3_hash = hashes.Hash(hashes.SM3()) if sm3 else None
    actual = _decrypt(blob_path, master_key, None if sm3_hash is None else sm3_hash.update)
    if not hmac.compare_digest(actual, expected_sha256.lower()):
        raise _fail(blob_path, _("its content does not match the recorded SHA-256."))
    return None if sm3_hash is None else sm3_hash.finalize().hex()

