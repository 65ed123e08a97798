"""Opening a device link by path or URL, with translated errors.

`open_port` returns an open pyserial port for any of:

- a device path: `/dev/ttyUSB0`, a pseudo-terminal such as `/dev/pts/5`, `COM3`;
- `serial://<device>[?baud=N]` (`serial:///dev/ttyUSB0?baud=115200`, `serial://COM3`);
- pyserial's own URLs: `socket://host:port`, `loop://`, `rfc2217://…`, `spy://…`, `hwgrep://…`;
- in-process emulators: `emu-gnss://`, `emu-idcard://`, `emu-mrz://` and any scheme added with
  `hardware.urlhandlers.register_emulator`; query options configure the emulator.

A `?baud=` in a `serial://` URL (user configuration) overrides the `baudrate` argument (the
driver's default). Native ports are opened exclusively (POSIX `flock`), so a second program is
reported as "busy" rather than silently sharing the line. Every failure to open raises
`hardware.errors.PortError` whose `kind` says why and whose message is translated; `detail`
keeps the original text for the log.
"""

from __future__ import annotations

import errno
import re
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

import serial
from serial.serialutil import SerialException

import hardware.urlhandlers  # noqa: F401  (registers the emu-*:// and serial:// handlers)
from hardware.errors import PortError, PortErrorKind

DEFAULT_BAUDRATE = 9600


class SerialPort(Protocol):
    """The least a request-reply driver uses of a pyserial port (`open_port` gives one)."""

    timeout: float | None

    def write(self, data: bytes, /) -> int | None: ...

    def read(self, size: int = 1, /) -> bytes: ...

    def reset_input_buffer(self) -> None: ...


class Port(Protocol):
    """What drivers use of a pyserial port."""

    port: str | None
    timeout: float | None
    is_open: bool

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes) -> int | None: ...

    def reset_input_buffer(self) -> None: ...

    def close(self) -> None: ...


_NOT_FOUND = {errno.ENOENT, errno.ENODEV, errno.ENXIO}
_PERMISSION = {errno.EACCES, errno.EPERM}
_BUSY = {errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK}
_ERRNO = re.compile(r"\[Errno (\d+)\]|^\(?(\d+),")
_PATTERNS: tuple[tuple[str, PortErrorKind], ...] = (
    ("FileNotFoundError", PortErrorKind.NOT_FOUND),
    ("cannot find the file", PortErrorKind.NOT_FOUND),
    ("Access is denied", PortErrorKind.BUSY),  # Windows: the port is open elsewhere
    ("PermissionError", PortErrorKind.BUSY),
    ("exclusively lock", PortErrorKind.BUSY),
    ("Could not configure port", PortErrorKind.INVALID),
    ("invalid URL", PortErrorKind.INVALID),
    ("expected a string in the form", PortErrorKind.INVALID),
    ("bad options for", PortErrorKind.INVALID),
    ("no emulator registered", PortErrorKind.INVALID),
)


def classify(exc: BaseException) -> PortErrorKind:
    """Why opening failed, from pyserial's exception (errno first, then its wording)."""
    text = str(exc)
    code = getattr(exc, "errno", None)
    if not isinstance(code, int):
        found = _ERRNO.search(text)
        code = int(found[1] or found[2]) if found else None
    if code in _NOT_FOUND:
        return PortErrorKind.NOT_FOUND
    if code in _PERMISSION:
        # flock and Windows report a port held by another program as "denied"
        return PortErrorKind.BUSY if "lock" in text else PortErrorKind.PERMISSION
    if code in _BUSY:
        return PortErrorKind.BUSY
    for needle, kind in _PATTERNS:
        if needle in text:
            return kind
    if isinstance(exc, ValueError):
        return PortErrorKind.INVALID
    return PortErrorKind.UNAVAILABLE


def open_port(url_or_path: str, *, baudrate: int = DEFAULT_BAUDRATE,
              timeout: float | None = 1.0, write_timeout: float | None = None,
              exclusive: bool = True) -> Port:
    """Open a device path or URL (module docstring); raise `PortError` on failure."""
    target = url_or_path.strip()
    if not target:
        raise PortError(PortErrorKind.INVALID, url_or_path, "empty port name")
    port: Any = None
    try:
        if "://" not in target or target.lower().startswith("serial://"):
            device, baudrate = _native_target(target, baudrate)
            port = serial.Serial(None, baudrate=baudrate, timeout=timeout,
                                 write_timeout=write_timeout,
                                 exclusive=True if exclusive else None)
            port.port = device
        else:
            port = serial.serial_for_url(target, baudrate=baudrate, timeout=timeout,
                                         write_timeout=write_timeout, do_not_open=True)
        port.open()
    except (SerialException, OSError, ValueError) as exc:
        if port is not None:
            port.close()
        raise PortError(classify(exc), target, str(exc)) from exc
    result: Port = port
    return result


def _native_target(target: str, baudrate: int) -> tuple[str, int]:
    if "://" not in target:
        return target, baudrate
    parts = urlsplit(target)
    device = target.split("://", 1)[1].split("?", 1)[0]
    for option, value in parse_qsl(parts.query, keep_blank_values=True):
        if option not in ("baud", "baudrate"):
            raise ValueError(f"unknown serial:// option {option!r}")
        baudrate = int(value)
    if not device:
        raise ValueError("serial:// needs a device")
    return device, baudrate
