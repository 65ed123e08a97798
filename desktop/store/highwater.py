"""The high-water mark: how far the audit log had reached at its last acknowledged commit.

A save is durable once its commit is in `store.db-wal` (WAL, synchronous=FULL). Until the
next checkpoint copies it into `store.db`, the WAL is the only copy, and SQLite reads a bad
frame checksum as the end of the log: one flipped bit in the WAL's header or first frame,
or deleting the file, silently opens the older state. The anchor (desktop/store/anchor.py)
only knows the head signed at the last session end, so it cannot see this.

After every commit of a session, the store writes the log's size and root hash here, MACed
with a key derived from the data key (so nobody without the data key can forge a higher or
lower mark). At open the log must reach the mark and have the same root at its size;
otherwise acknowledged saves were lost and the store is refused. See
docs/decisions/0018-anchor-and-high-water-mark.md.

The file holds two fixed-size slots; a mark of size n goes to slot n % 2 with one
write, made durable by an fsync on a thread of its own, at most every half second (decision
18, amendment): the save the officer waits for does not wait for a second disk flush, and
the mark is on the disk within half a second. The mark that makes the store require one is
written durably first. Each slot carries its own MAC, so a write torn by a power cut
invalidates at most one slot and the other one still holds an earlier committed mark. The
mark is only ever written *after* the commit it describes, so it never claims more than the
store holds (a crash between the two leaves it behind, which only narrows what it proves).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from desktop.store.files import fsync_directory

MAGIC = b"SRHWM\x00\x01\x00"
_SLOT = struct.Struct(">8sQ32s32s")  # magic, audit size, root hash, HMAC-SHA256
SLOT_SIZE = 128
# Marks written within this time of a flush are flushed together (decision 18, amendment).
FLUSH_INTERVAL_S = 0.5
META_FLAG = "highwater_mark"  # set in the store once a mark exists: from then it must


def mark_key(data_key: bytes, store_id: str) -> bytes:
    """The MAC key, derived from the data key (HKDF-SHA256); never stored."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=store_id.encode("utf-8"),
                info=b"statement-room high-water mark v1").derive(data_key)


@dataclass(frozen=True)
class Mark:
    size: int
    root: bytes


class MarkDamaged(Exception):
    """The file exists but no slot carries a valid MAC."""


def _mac(key: bytes, size: int, root: bytes) -> bytes:
    return hmac.new(key, MAGIC + struct.pack(">Q", size) + root, hashlib.sha256).digest()


def encode_slot(key: bytes, mark: Mark) -> bytes:
    body = _SLOT.pack(MAGIC, mark.size, mark.root, _mac(key, mark.size, mark.root))
    return body.ljust(SLOT_SIZE, b"\0")


def read_mark(path: Path, key: bytes) -> Mark | None:
    """The highest validly MACed mark in the file; None if there is no file.

    Raises MarkDamaged when the file exists but holds no valid slot (edited, or made by
    someone without the data key)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    best: Mark | None = None
    for offset in (0, SLOT_SIZE):
        chunk = data[offset:offset + _SLOT.size]
        if len(chunk) < _SLOT.size:
            continue
        magic, size, root, mac = _SLOT.unpack(chunk)
        if magic != MAGIC or not hmac.compare_digest(mac, _mac(key, size, root)):
            continue
        if best is None or size > best.size:
            best = Mark(size, root)
    if best is None:
        raise MarkDamaged(str(path))
    return best


class MarkWriter:
    """Writes marks into one file, keeping its descriptor open for the session."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        self._key = key
        self._fd: int | None = None
        self._flush_wanted = threading.Event()
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None

    def write(self, mark: Mark, *, wait: bool = False) -> None:
        """Write `mark` into slot size % 2. With `wait` it is durable on return; otherwise
        the flusher thread makes it durable (a power cut in those few milliseconds leaves an
        earlier mark, which only narrows what the mark proves: it never claims more than the
        store holds, since it is written after the commit it describes)."""
        if self._fd is None:
            created = not self.path.exists()
            flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0)
            self._fd = os.open(self.path, flags, 0o600)
            if created:
                fsync_directory(self.path.parent)
        os.lseek(self._fd, (mark.size % 2) * SLOT_SIZE, os.SEEK_SET)
        os.write(self._fd, encode_slot(self._key, mark))
        if wait:
            os.fsync(self._fd)
            return
        if self._flusher is None:
            self._flusher = threading.Thread(target=self._flush_loop, args=(self._fd,),
                                             name="highwater-flush", daemon=True)
            self._flusher.start()
        self._flush_wanted.set()

    def _flush_loop(self, fd: int) -> None:
        """fsync the file when marks were written, at most once per `FLUSH_INTERVAL_S`: on
        most file systems one file's fsync and the store's next commit queue behind the same
        journal flush, so a flush per save would still cost the next save its time."""
        while True:
            self._flush_wanted.wait()
            if self._stop.is_set():
                return
            self._flush_wanted.clear()
            with contextlib.suppress(OSError):  # the next mark, or close, tries again
                os.fsync(fd)
            if self._stop.wait(FLUSH_INTERVAL_S):
                return

    def close(self) -> None:
        """Make the last mark durable and close the file."""
        if self._flusher is not None:
            self._stop.set()
            self._flush_wanted.set()
            self._flusher.join()
            self._flusher = None
            self._stop.clear()
            self._flush_wanted.clear()
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.fsync(self._fd)
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
