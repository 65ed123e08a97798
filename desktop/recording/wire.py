"""Messages between a recorder and its encoding process, over the child's standard pipes.

A message is a small pickled tuple (its kind first) followed by an optional run of raw bytes
(a picture's pixels, a chunk's samples), so pictures cross without being pickled:

    <u32 header length> <u32 raw length> <pickled header> <raw bytes>

Pickle is safe here only because both ends are this program: the pipes are the child's own
standard input and output, opened by the parent, never a file or a socket anyone else can
reach. Writes of one message are not interleaved (the sender holds a lock per channel).
"""

from __future__ import annotations

import contextlib
import pickle
import struct
import threading
from typing import IO, Any

import numpy

_LENGTHS = struct.Struct("<II")
MAX_HEADER = 1 << 20


class ChannelClosed(Exception):
    """The other end is gone (the process ended, or closed its pipe)."""


def _read_exactly(stream: IO[bytes], view: memoryview, *, may_end: bool = False) -> bool:
    """Fill `view`. At the end of the stream: False if `may_end` and nothing was read (a clean
    end between messages), else `ChannelClosed`."""
    got = 0
    while got < len(view):
        n = stream.readinto(view[got:])  # type: ignore[attr-defined]
        if not n:
            if got == 0 and may_end:
                return False
            raise ChannelClosed("the channel ended inside a message")
        got += n
    return True


class Channel:
    """One direction of messages on a binary stream (unbuffered file of a pipe)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self._spare = bytearray()  # `receive(reuse=True)`'s buffer

    def send(self, header: tuple[Any, ...], raw: numpy.ndarray | bytes | None = None) -> None:
        data = pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL)
        body = (memoryview(b"") if raw is None
                else numpy.ascontiguousarray(raw).data.cast("B")
                if isinstance(raw, numpy.ndarray) else memoryview(raw))
        with self._lock:
            try:
                self._write(_LENGTHS.pack(len(data), len(body)))
                self._write(memoryview(data))
                if len(body):
                    self._write(body)
            except (BrokenPipeError, ConnectionError, ValueError) as exc:
                raise ChannelClosed(str(exc)) from exc

    def _write(self, view: bytes | memoryview) -> None:
        view = memoryview(view)
        while len(view):
            n = self._stream.write(view)
            if n is None:
                raise ChannelClosed("the channel does not block")
            view = view[n:]

    def receive(self, *, reuse: bool = False
                ) -> tuple[tuple[Any, ...], bytearray | memoryview] | None:
        """The next message (header, raw bytes); None when the other end closed cleanly.
        `reuse`: the raw bytes are read into this channel's own buffer, valid until the next
        `receive` (a picture is 2.7 MB: a fresh buffer each time cost more than its copy)."""
        lengths = bytearray(_LENGTHS.size)
        try:
            if not _read_exactly(self._stream, memoryview(lengths), may_end=True):
                return None
            size, raw_size = _LENGTHS.unpack(lengths)
            if size > MAX_HEADER:
                raise ChannelClosed("a message header is too large")
            data = bytearray(size)
            raw: bytearray | memoryview
            if reuse:
                if len(self._spare) < raw_size:
                    self._spare = bytearray(raw_size)
                raw = memoryview(self._spare)[:raw_size]
            else:
                raw = bytearray(raw_size)
            _read_exactly(self._stream, memoryview(data))
            if raw_size:
                _read_exactly(self._stream, memoryview(raw))
        except (ConnectionError, ValueError, OSError) as exc:
            raise ChannelClosed(str(exc)) from exc
        header = pickle.loads(data)  # noqa: S301 (our own child's pipe: see the module)
        if not isinstance(header, tuple) or not header:
            raise ChannelClosed("not a message")
        return header, raw

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._stream.close()


def picture_of(raw: bytearray | memoryview, shape: tuple[int, ...]) -> numpy.ndarray:
    """Pixels received as raw bytes, as the uint8 array they were (no copy)."""
    return numpy.frombuffer(raw, dtype=numpy.uint8).reshape(shape)


def samples_of(raw: bytearray | memoryview) -> numpy.ndarray:
    return numpy.frombuffer(raw, dtype=numpy.int16)


PIPE_SIZE = 1 << 20
_F_SETPIPE_SZ = 1031  # Linux's fcntl command (not named in Python 3.11's fcntl module)


def widen_pipe(stream: IO[bytes]) -> None:
    """Give the pipe under `stream` a 1 MiB buffer where the system allows (Linux): a picture
    then crosses in three steps instead of forty, each a wake-up of the other process."""
    try:
        import fcntl
        fcntl.fcntl(stream.fileno(), _F_SETPIPE_SZ, PIPE_SIZE)
    except (ImportError, OSError, ValueError):
        pass  # another system, or a limit lower than that: the default buffer works too
