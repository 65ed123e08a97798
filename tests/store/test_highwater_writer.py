"""The high-water mark's writer: a save does not wait for the mark's own disk flush, which
follows on the flusher thread; the mark that makes a store require one, and the last mark at
close, are durable before the call returns (decision 18, amendment)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from desktop.store.highwater import Mark, MarkWriter, read_mark

KEY = bytes(range(32))


def _root(n: int) -> bytes:
    return bytes([n % 256]) * 32


class FsyncSpy:
    """Records which thread flushed the mark file at `path` and can hold its flush back until
    released. Other files are let through untouched: other stores' flusher threads may still
    be running in the same process."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
        self.path = path
        self.threads: list[str] = []
        self.released = threading.Event()
        self.released.set()
        self._real = os.fsync
        monkeypatch.setattr(os, "fsync", self._fsync)

    def _is_ours(self, fd: int) -> bool:
        try:
            ours = self.path.stat()
        except FileNotFoundError:
            return False
        theirs = os.fstat(fd)
        return (theirs.st_dev, theirs.st_ino) == (ours.st_dev, ours.st_ino)

    def _fsync(self, fd: int) -> None:
        if self._is_ours(fd):
            self.released.wait(10)
            self.threads.append(threading.current_thread().name)
        self._real(fd)


def test_a_mark_is_readable_at_once_and_flushed_by_the_flusher(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "highwater"
    spy = FsyncSpy(monkeypatch, path)
    writer = MarkWriter(path, KEY)
    spy.released.clear()
    writer.write(Mark(7, _root(7)))
    # Returned while the flush is held back: the save did not wait for it.
    assert read_mark(path, KEY) == Mark(7, _root(7))
    assert spy.threads == []
    spy.released.set()
    deadline = time.monotonic() + 10
    while not spy.threads and time.monotonic() < deadline:
        time.sleep(0.005)
    assert spy.threads == ["highwater-flush"]  # flushed moments later, by the flusher
    writer.write(Mark(8, _root(8)))
    writer.close()
    assert read_mark(path, KEY) == Mark(8, _root(8))
    assert spy.threads[-1] == threading.current_thread().name  # close flushes the last one


def test_a_waited_mark_is_flushed_before_write_returns(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = FsyncSpy(monkeypatch, tmp_path / "highwater")
    writer = MarkWriter(tmp_path / "highwater", KEY)
    writer.write(Mark(3, _root(3)), wait=True)
    assert spy.threads == [threading.current_thread().name]
    writer.close()
    assert read_mark(tmp_path / "highwater", KEY) == Mark(3, _root(3))


def test_close_without_marks_and_twice_is_harmless(tmp_path: Path) -> None:
    writer = MarkWriter(tmp_path / "highwater", KEY)
    writer.close()
    writer.write(Mark(1, _root(1)))
    writer.close()
    writer.close()
    assert read_mark(tmp_path / "highwater", KEY) == Mark(1, _root(1))
