"""The MRZ reader driver: a pyserial-like port in, parsed `MrzRecord`s out.

The reader never sends commands (swipe readers push data unsolicited), so the driver is a
read loop: bytes → framing decoder → parser. Only `MrzError`s escape: port exceptions become
`MrzReaderError`, a missing document within the deadline `MrzTimeoutError`, and a swipe that
cannot be parsed the parser's own error (the next swipe is unaffected).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Protocol

from hardware.mrz.errors import MrzError, MrzReaderError, MrzTimeoutError
from hardware.mrz.framing import Framing, WedgeDecoder, decoder_for
from hardware.mrz.parser import MrzRecord, parse
from hardware.transport import open_port

BAUDRATE = 9600  # swipe readers' usual line rate (a USB keyboard wedge has none)
READ_SLICE = 0.1  # a port read returns this often, so `read_document`'s deadline decides


class SerialLike(Protocol):
    """The part of `serial.Serial` the driver needs (`in_waiting` is used when present)."""

    def read(self, size: int = 1) -> bytes: ...


class MrzReader:
    """Decodes swipes from `port`; call `read_document` or `poll` from a worker thread."""

    def __init__(
        self,
        port: SerialLike,
        framing: Framing = Framing.DESKO,
        *,
        today: Callable[[], date] = date.today,
        clock: Callable[[], float] = time.monotonic,
        wedge_gap: float = 0.5,
    ) -> None:
        self._port = port
        self._decoder = decoder_for(framing)
        if isinstance(self._decoder, WedgeDecoder):
            # Keystroke timing separates bursts; the clock is injected so tests need no sleeps.
            self._decoder = WedgeDecoder(max_gap=wedge_gap)
        self._today = today
        self._clock = clock
        self._ready: deque[str] = deque()

    def _chunk_size(self) -> int:
        try:
            waiting = int(getattr(self._port, "in_waiting", 0) or 0)
        except (OSError, ValueError, TypeError) as exc:
            raise MrzReaderError(str(exc)) from exc
        # One byte when nothing is queued: read(1) returns as soon as data arrives, where a
        # larger read would sit out the port's whole timeout.
        return max(1, min(waiting, 4096))

    def poll(self) -> list[str]:
        """One port read (bounded by the port's timeout); returns completed MRZ texts."""
        try:
            data = self._port.read(self._chunk_size())
        except MrzError:
            raise
        except Exception as exc:  # pyserial raises SerialException, OSError, TypeError...
            raise MrzReaderError(str(exc) or type(exc).__name__) from exc
        if isinstance(self._decoder, WedgeDecoder):
            texts = self._decoder.feed(data, at=self._clock()) if data else []
        else:
            texts = self._decoder.feed(data) if data else []
        return texts

    def read_document(self, timeout: float | None = None) -> MrzRecord:
        """The next swipe, parsed; `MrzTimeoutError` if none completes within `timeout`."""
        deadline = None if timeout is None else self._clock() + timeout
        while not self._ready:
            self._ready.extend(self.poll())
            if self._ready:
                break
            if deadline is not None and self._clock() >= deadline:
                raise MrzTimeoutError()
        return parse(self._ready.popleft(), today=self._today())


@contextmanager
def open_reader(url: str, framing: Framing = Framing.DESKO) -> Iterator[MrzReader]:
    """An `MrzReader` on the port at `url` with the reader's line settings; the port closes
    when the block ends. A port that cannot be opened raises `hardware.errors.PortError`."""
    port = open_port(url, baudrate=BAUDRATE, timeout=READ_SLICE)
    try:
        yield MrzReader(port, framing)
    finally:
        port.close()
