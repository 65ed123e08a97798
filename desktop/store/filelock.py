"""An exclusive advisory lock on a small sibling file, portable between POSIX and Windows.

Login attempts from several processes (two windows, a CLI, an attacker's script) all
read-modify-write keys.json; without a lock two of them read the same counter and one
increment is lost. The lock lives in its own file because keys.json itself is replaced by a
rename on every save, and a lock on a replaced inode protects nothing. The kernel drops the
lock when the process dies, so a crash never leaves the store locked.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if needed, mode 0600) for the block.

    Raises OSError when the lock file cannot be created (read-only disk, no permission):
    callers treat that as "cannot record", never as "go ahead unlocked".
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _acquire(fd)
        try:
            yield
        finally:
            _release(fd)
    finally:
        os.close(fd)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds only
    import msvcrt

    def _acquire(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        while True:
            try:  # LK_LOCK itself gives up after ten one-second retries; keep waiting
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                return
            except OSError as exc:
                if exc.errno != getattr(errno, "EDEADLOCK", 36):
                    raise

    def _release(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _acquire(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _release(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
