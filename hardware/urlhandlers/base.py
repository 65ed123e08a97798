"""The in-process emulator port: a pyserial `SerialBase` whose far end is an `Emulator`.

`EmulatorSerial` behaves like a serial port to a driver. On `open()` it creates a `pipe_pair()`,
keeps one end for its own `read`/`write` and runs the emulator's `serve(link, stop)` on a daemon
thread over the other end; `close()` sets `stop`, closes the pipe (waking a blocked emulator)
and joins the thread. Baud rate and modem lines are accepted and ignored.

A scheme is plugged in with `register_emulator(scheme, factory)`: the factory receives the URL
query as a dict (last value wins) and returns an `Emulator`. Registration installs a module
`hardware.urlhandlers.protocol_<scheme>` in `sys.modules`, which is where pyserial's
`serial_for_url` looks once `hardware.urlhandlers` is in `serial.protocol_handler_packages`
(scheme names such as `emu-gnss` are not valid file names, so the modules are made, not
written). Tests that need a configured emulator object use `EmulatorSerial.attach(emulator)`.
"""

from __future__ import annotations

import logging
import sys
import threading
import types
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import serial
from serial.serialutil import PortNotOpenError, SerialBase, SerialException, Timeout

from hardware.link import Emulator, PipeLink, pipe_pair

log = logging.getLogger(__name__)

EmulatorFactory = Callable[[Mapping[str, str]], Emulator]
PACKAGE = "hardware.urlhandlers"
JOIN_SECONDS = 5.0
READ_SLICE = 0.05  # a blocked read re-checks close and cancel_read this often

_factories: dict[str, EmulatorFactory] = {}
_lock = threading.Lock()


def register_emulator(scheme: str, factory: EmulatorFactory) -> None:
    """Make `<scheme>://[?option=value&…]` open an in-process emulator built by `factory`."""
    scheme = scheme.lower()
    module = types.ModuleType(f"{PACKAGE}.protocol_{scheme}")
    module.__dict__["serial_class_for_url"] = _serial_class_for_url
    module.__dict__["Serial"] = EmulatorSerial
    with _lock:
        _factories[scheme] = factory
        sys.modules[module.__name__] = module
    if PACKAGE not in serial.protocol_handler_packages:
        serial.protocol_handler_packages.append(PACKAGE)


def build_emulator(scheme: str, params: Mapping[str, str]) -> Emulator:
    """The emulator `<scheme>://?params` would open, for serving it elsewhere (a pty)."""
    with _lock:
        factory = _factories.get(scheme.lower())
    if factory is None:
        raise ValueError(f"no emulator is registered for {scheme}://")
    return factory(params)


def registered_schemes() -> list[str]:
    with _lock:
        return sorted(_factories)


def _serial_class_for_url(url: str) -> tuple[str, type[EmulatorSerial]]:
    return url, EmulatorSerial


def url_params(url: str) -> tuple[str, dict[str, str]]:
    """The scheme and the query options of an emulator URL."""
    parts = urlsplit(url)
    return parts.scheme.lower(), dict(parse_qsl(parts.query, keep_blank_values=True))


class EmulatorSerial(SerialBase):  # type: ignore[misc]  # pyserial ships no type information
    """A serial port whose device is an emulator served on a daemon thread (module docstring)."""

    is_open: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._emulator: Emulator | None = None
        self._attached: Emulator | None = None
        self._host: PipeLink | None = None
        self._device: PipeLink | None = None
        self._stop = threading.Event()
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self.failure: BaseException | None = None
        super().__init__(*args, **kwargs)

    @classmethod
    def attach(cls, emulator: Emulator, *, timeout: float | None = 1.0) -> EmulatorSerial:
        """An open port served by this very emulator object (no URL needed)."""
        port = cls(timeout=timeout)
        port._attached = emulator
        port.port = f"emu-attached://{type(emulator).__name__}"
        port.open()
        return port

    @property
    def emulator(self) -> Emulator | None:
        """The emulator behind the port while open (tests use it to place cards, etc.)."""
        return self._emulator

    def make_emulator(self, scheme: str, params: Mapping[str, str]) -> Emulator:
        """Build the emulator for `scheme`; subclasses may override instead of registering."""
        with _lock:
            factory = _factories.get(scheme)
        if factory is None:
            raise SerialException(f"no emulator registered for {scheme}://")
        try:
            return factory(params)
        except ImportError as exc:
            raise SerialException(f"the {scheme}:// emulator is not available: {exc}") from exc
        except (ValueError, TypeError, KeyError) as exc:
            raise SerialException(f"bad options for {scheme}://: {exc}") from exc

    def open(self) -> None:
        if self._port is None:
            raise SerialException("Port must be configured before it can be used.")
        if self.is_open:
            raise SerialException("Port is already open.")
        if self._attached is not None:
            emulator = self._attached
        else:
            scheme, params = url_params(self._port)
            emulator = self.make_emulator(scheme, params)
        self._host, self._device = pipe_pair()
        self._stop = threading.Event()
        self._emulator = emulator
        self.failure = None
        self._cancel.clear()
        self._thread = threading.Thread(target=self._serve, name=f"emulator:{self._port}",
                                        args=(emulator, self._device, self._stop), daemon=True)
        self._thread.start()
        self.is_open = True

    def _serve(self, emulator: Emulator, device: PipeLink, stop: threading.Event) -> None:
        try:
            emulator.serve(device, stop)
        except Exception as exc:
            self.failure = exc
            log.exception("emulator %s failed", self._port)

    def close(self) -> None:
        if not self.is_open:
            return
        self.is_open = False
        self._stop.set()
        if self._host is not None:
            self._host.close()
        if self._thread is not None:
            self._thread.join(JOIN_SECONDS)
            if self._thread.is_alive():
                log.warning("emulator %s did not stop within %s s", self._port, JOIN_SECONDS)
        self._thread = None
        self._host = self._device = None
        self._emulator = None

    def _link(self) -> PipeLink:
        if not self.is_open or self._host is None:
            raise PortNotOpenError()
        return self._host

    @property
    def in_waiting(self) -> int:
        return self._link().waiting()

    @property
    def out_waiting(self) -> int:
        self._link()
        return 0

    def read(self, size: int = 1) -> bytes:
        """Up to `size` bytes within the timeout (None: until `size`, close or `cancel_read`)."""
        link = self._link()
        out = bytearray()
        timeout = Timeout(self._timeout)
        while len(out) < size and self.is_open:
            if self._cancel.is_set():
                self._cancel.clear()
                break
            left = timeout.time_left()
            wait = READ_SLICE if left is None else min(left, READ_SLICE)
            out += link.read(size - len(out), wait)
            if timeout.expired():
                break
        return bytes(out)

    def cancel_read(self) -> None:
        """End a blocked `read` early (used by `serial.threaded.ReaderThread.stop`)."""
        self._cancel.set()

    def write(self, data: bytes | bytearray | memoryview) -> int:
        payload = bytes(data)
        self._link().write(payload)
        return len(payload)

    def flush(self) -> None:
        self._link()

    def reset_input_buffer(self) -> None:
        link = self._link()
        while link.waiting():
            link.read(link.waiting(), 0)

    def reset_output_buffer(self) -> None:
        self._link()

    def _reconfigure_port(self, *args: Any, **kwargs: Any) -> None:
        """Settings are accepted and ignored (an in-process pipe has no baud rate)."""

    def _update_rts_state(self) -> None: ...

    def _update_dtr_state(self) -> None: ...

    def _update_break_state(self) -> None: ...

    @property
    def cts(self) -> bool:
        return True

    @property
    def dsr(self) -> bool:
        return True

    @property
    def ri(self) -> bool:
        return False

    @property
    def cd(self) -> bool:
        return True
