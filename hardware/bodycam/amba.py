"""The Amba-style `@Cmd;len;arg;#` ASCII protocol of body-worn recorders (§2.5, §2.8): codec,
device side for the emulator, `AmbaDriver`, and `open_bodycam`.

Derived: login/date/time/device-id/storage commands are from public code; the others are our
documented extensions until a vendor SDK confirms them.

Frames are ASCII. A request is `@<Cmd>;<len>;<arg>;#`, `len` being the decimal byte length of
`arg` (0 for an empty arg). A reply is `@<Cmd>;OK;<len>;<data>;#` or, on failure,
`@<Cmd>;NG;<len>;<iRet in decimal>;#` (so a login reply contains `Ver;OK`). `len` delimits
the payload, so a payload may hold `;` or `#`. Bytes before `@` (CR/LF after a frame, line
noise) are skipped; a frame longer than `MAX_FRAME` bytes or with a bad command, status or
length raises `FrameError` (a `MalformedReplyError`), and decoding resumes at the next `@`.
The reference's `@Stm;6;HHmmss00;#` contradicts itself (the arg has 8 bytes); here `len` is
always the real byte length.

| Cmd | arg | OK data | emulator call |
|-----|-----|---------|---------------|
| Ver | `00000000` (login; not checked) | IDCode | `init_device` |
| Gdv | pwd | ZFY_INFO record, uppercase hex | `get_zfy_info` |
| Wdv | pwd `,` record hex | - | `write_zfy_info` |
| Gtm | pwd | device time `YYYYMMDDhhmmss` | `get_dev_time` |
| Sdt | `yyyyMMdd` | - | `sync_dev_time` (date, keeps the time of day) |
| Stm | `HHmmss00` (hundredths ignored; `HHmmss` accepted) | - | `sync_dev_time` |
| Bat | pwd | percent | `read_battery` |
| Res | pwd | `WxH` | `read_resolution` |
| ATH | pwd | volume path (UTF-8) | `set_msdc` |
| Lck | - | - | `lock_storage` |
| Bye | - | - | `uninit_device` |

Sdt and Stm carry no password: they need an earlier command of the same session (one served
link, from its last `Ver`) whose password the device accepted, else they answer NG with
`CHECK_PWD_FAILED` (`CONNECT_FAILED` before any login); a wrong password withdraws it. An
unknown command answers NG with iRet 0 (`UNKNOWN_COMMAND`, outside the §2.4 table), which the
driver reports as unsupported. Malformed requests get no answer: the device cannot tell which
command they were, and the driver's timeout says the same to the officer.

`ATH` answers with the volume path only in the emulator. A real Ambarella device re-enumerates
as a USB disk after `ATH` (§2.5), so a driver for one must watch for the OS volume arrival
instead of reading a path; until a device is procured, `AmbaDriver` trusts the reply.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from gettext import gettext as _
from pathlib import Path
from typing import Protocol

from hardware.bodycam.driver import (
    ADAPTERS,
    BodycamDriver,
    ClockReading,
    HostClock,
    VendorAdapter,
    host_utc,
)
from hardware.bodycam.emulator import BodycamEmulator, Reply
from hardware.bodycam.errors import (
    BodycamError,
    ConnectFailedError,
    IRet,
    MalformedReplyError,
    NotConnectedError,
    StorageError,
    UnsupportedOperationError,
    WrongPasswordError,
    error_for_iret,
)
from hardware.bodycam.identity import IdentityRecord
from hardware.link import Link
from hardware.transport import open_port

__all__ = [
    "LOGIN_ARG",
    "MAX_FRAME",
    "UNKNOWN_COMMAND",
    "AmbaDevice",
    "AmbaDriver",
    "Answer",
    "AnswerDecoder",
    "FrameError",
    "ReplyTimeoutError",
    "Request",
    "RequestDecoder",
    "encode_answer",
    "encode_refusal",
    "encode_request",
    "open_bodycam",
]

log = logging.getLogger(__name__)

MAX_FRAME = 4096  # bytes from `@` to `#`; a record in hex or a volume path fits easily
MAX_CMD = 8  # the known commands have 3 letters; a little room for vendor ones
MAX_LEN_DIGITS = 9  # longer length fields are rejected before being read as a number
LOGIN_ARG = b"00000000"  # the only login argument public code shows
UNKNOWN_COMMAND = 0  # our iRet for a command the device does not know (§2.4 has no 0)
READ_SLICE = 0.05  # driver and device re-check their deadline / stop flag this often


# --------------------------------------------------------------------------- errors


class FrameError(MalformedReplyError):
    """A malformed or oversized frame (on the device side: a request); `detail` is for logs."""

    def __init__(self, message: str | None = None, detail: str = "") -> None:
        self.detail = detail
        super().__init__(message)

    @classmethod
    def default_message(cls) -> str:
        return _("The body-worn recorder sent a malformed frame.")


class ReplyTimeoutError(BodycamError):
    @classmethod
    def default_message(cls) -> str:
        return _("The body-worn recorder did not answer. Check the cable and the port.")


# --------------------------------------------------------------------------- codec


@dataclass(frozen=True)
class Request:
    cmd: str
    arg: bytes = b""


@dataclass(frozen=True)
class Answer:
    """A reply frame: `ok` False means NG and `data` holds the decimal iRet."""

    cmd: str
    ok: bool
    data: bytes = b""


def _frame(cmd: str, fields: list[bytes], payload: bytes) -> bytes:
    if not (0 < len(cmd) <= MAX_CMD and cmd.isascii() and cmd.isalnum()):
        raise ValueError(f"bad Amba command name {cmd!r}")
    head = b";".join([b"@" + cmd.encode("ascii"), *fields, str(len(payload)).encode("ascii")])
    frame = head + b";" + payload + b";#"
    if len(frame) > MAX_FRAME:
        raise ValueError(f"Amba frame of {len(frame)} bytes exceeds {MAX_FRAME}")
    return frame


def encode_request(cmd: str, arg: bytes = b"") -> bytes:
    """`@<cmd>;<len>;<arg>;#`."""
    return _frame(cmd, [], arg)


def encode_answer(cmd: str, data: bytes = b"") -> bytes:
    """`@<cmd>;OK;<len>;<data>;#`."""
    return _frame(cmd, [b"OK"], data)


def encode_refusal(cmd: str, iret: int) -> bytes:
    """`@<cmd>;NG;<len>;<iRet>;#`."""
    return _frame(cmd, [b"NG"], str(int(iret)).encode("ascii"))


class _FrameDecoder:
    """Splits a byte stream into frames; subclasses say whether an OK/NG field is present."""

    has_status = False

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self.max_frame = max_frame
        self._buf = bytearray()

    def feed(self, data: bytes) -> None:
        self._buf += data

    @property
    def partial(self) -> bool:
        """Part of a frame is buffered (garbage alone does not count)."""
        return b"@" in self._buf

    def discard(self) -> None:
        self._buf.clear()

    def _reject(self, message: str, detail: str) -> FrameError:
        del self._buf[:1]  # drop this `@`: the next pop resynchronises on the next one
        return FrameError(message, detail)

    def _field(self, pos: int, limit: int) -> tuple[bytes | None, int]:
        """The bytes from `pos` to the next `;` (None: not all here yet) and what follows."""
        end = self._buf.find(b";", pos, pos + limit + 1)
        if end < 0:
            if len(self._buf) > pos + limit:
                raise self._reject(_("The body-worn recorder sent a malformed frame."),
                                   f"field at {pos} longer than {limit}: {bytes(self._buf[:64])!r}")
            return None, pos
        return bytes(self._buf[pos:end]), end + 1

    def _pop_fields(self) -> tuple[str, bytes | None, bytes] | None:
        start = self._buf.find(b"@")
        if start < 0:
            self._buf.clear()  # nothing but noise
            return None
        del self._buf[:start]
        cmd, pos = self._field(1, MAX_CMD)
        if cmd is None:
            return None
        if not (cmd.isascii() and cmd.isalnum()):
            raise self._reject(_("The body-worn recorder sent a malformed frame."),
                               f"bad command {cmd!r}")
        status: bytes | None = None
        if self.has_status:
            status, pos = self._field(pos, 2)
            if status is None:
                return None
            if status not in (b"OK", b"NG"):
                raise self._reject(_("The body-worn recorder sent a malformed frame."),
                                   f"bad status {status!r}")
        length, pos = self._field(pos, MAX_LEN_DIGITS)
        if length is None:
            return None
        if not (length.isascii() and length.isdigit()):
            raise self._reject(_("The body-worn recorder sent a malformed frame."),
                               f"bad length {length!r}")
        end = pos + int(length)
        if end + 2 > self.max_frame:
            raise self._reject(_("The body-worn recorder sent a frame that is too long."),
                               f"frame of {end + 2} bytes")
        if len(self._buf) < end + 2:
            return None
        if self._buf[end:end + 2] != b";#":
            raise self._reject(_("The body-worn recorder sent a malformed frame."),
                               f"length {int(length)} does not end at ';#'")
        payload = bytes(self._buf[pos:end])
        del self._buf[:end + 2]
        return cmd.decode("ascii"), status, payload


class RequestDecoder(_FrameDecoder):
    """Requests from a byte stream (the device side)."""

    def pop(self) -> Request | None:
        """The next complete request, None if none yet; `FrameError` for a bad one."""
        fields = self._pop_fields()
        return None if fields is None else Request(fields[0], fields[2])


class AnswerDecoder(_FrameDecoder):
    """Replies from a byte stream (the driver side)."""

    has_status = True

    def pop(self) -> Answer | None:
        """The next complete reply, None if none yet; `FrameError` for a bad one."""
        fields = self._pop_fields()
        return None if fields is None else Answer(fields[0], fields[1] == b"OK", fields[2])


# --------------------------------------------------------------------------- device side


def _digits_time(text: str, fmt: str, lengths: tuple[int, ...]) -> datetime | None:
    """`text` parsed with `fmt` if it is all digits of an allowed length, else None."""
    if len(text) not in lengths or not (text.isascii() and text.isdigit()):
        return None
    try:
        return datetime.strptime(text, fmt)
    except ValueError:
        return None


class AmbaDevice:
    """Answers Amba requests with a `BodycamEmulator`'s state machine (one session per link)."""

    def __init__(self, emulator: BodycamEmulator, *, inter_byte_timeout: float = 0.5) -> None:
        self.emulator = emulator
        self.inter_byte_timeout = inter_byte_timeout
        self.password: str | None = None  # accepted in this session; Sdt/Stm rely on it
        self._handlers: dict[str, Callable[[str], tuple[Reply, bytes]]] = {
            "Ver": self._login, "Bye": self._bye, "Gdv": self._get_identity,
            "Wdv": self._write_identity, "Gtm": self._get_time, "Sdt": self._set_date,
            "Stm": self._set_time, "Bat": self._battery, "Res": self._resolution,
            "ATH": self._storage, "Lck": self._lock,
        }  # fmt: skip

    def serve(self, link: Link, stop: threading.Event) -> None:
        """Answer requests on `link` until `stop` is set; noise and bad frames are skipped."""
        decoder = RequestDecoder()
        while not stop.is_set():
            in_frame = decoder.partial
            wait = self.inter_byte_timeout if in_frame else READ_SLICE
            started = time.monotonic()
            chunk = link.read(4096, wait)
            if not chunk:
                if in_frame:
                    decoder.discard()  # a frame cut short: its sender has given up on it
                elif time.monotonic() - started < wait / 2:
                    stop.wait(wait)  # a closed link returns at once; do not spin
                continue
            decoder.feed(chunk)
            while not stop.is_set():
                try:
                    request = decoder.pop()
                except FrameError as exc:
                    log.debug("ignoring a malformed request: %s", exc.detail)
                    continue
                if request is None:
                    break
                link.write(self.answer(request))

    def answer(self, request: Request) -> bytes:
        """The reply frame for one request."""
        handler = self._handlers.get(request.cmd)
        if handler is None:
            return encode_refusal(request.cmd, UNKNOWN_COMMAND)
        # A non-ASCII password can never match; "replace" keeps it from matching by accident.
        reply, data = handler(request.arg.decode("ascii", "replace"))
        if reply.ok != 1:
            return encode_refusal(request.cmd, reply.iret)
        return encode_answer(request.cmd, data)

    def _with_password(self, reply: Reply, pwd: str) -> Reply:
        if reply.ok == 1:
            self.password = pwd
        elif reply.iret == IRet.CHECK_PWD_FAILED:
            self.password = None
        return reply

    def _login(self, _arg: str) -> tuple[Reply, bytes]:
        self.password = None
        reply = self.emulator.init_device()
        return reply, str(reply.value or "").encode("ascii")

    def _bye(self, _arg: str) -> tuple[Reply, bytes]:
        self.password = None
        return self.emulator.uninit_device(), b""

    def _get_identity(self, pwd: str) -> tuple[Reply, bytes]:
        reply = self._with_password(self.emulator.get_zfy_info(pwd), pwd)
        value = reply.value if isinstance(reply.value, bytes) else b""
        return reply, value.hex().upper().encode("ascii")

    def _write_identity(self, arg: str) -> tuple[Reply, bytes]:
        pwd, _sep, text = arg.partition(",")
        try:
            record = bytes.fromhex(text)
        except ValueError:
            record = b""  # refused by the record check, after the password check
        return self._with_password(self.emulator.write_zfy_info(record, pwd), pwd), b""

    def _get_time(self, pwd: str) -> tuple[Reply, bytes]:
        reply = self._with_password(self.emulator.get_dev_time(pwd), pwd)
        return reply, str(reply.value or "").encode("ascii")

    def _set_clock(self, name: str, parsed: datetime | None,
                   fields: tuple[str, ...]) -> tuple[Reply, bytes]:
        pwd = self.password or ""  # "" never matches: CHECK_PWD_FAILED without a session
        if parsed is None:  # session faults first, as for every other command
            return self.emulator.check(name, pwd) or Reply(0, IRet.SET_SYSTEMTIME_FAILED), b""
        # Setting only the date keeps the time of day, as a device's own clock menu does.
        target = self.emulator.device_time().replace(
            **{field: getattr(parsed, field) for field in fields})
        return self.emulator.sync_dev_time(pwd, target), b""

    def _set_date(self, arg: str) -> tuple[Reply, bytes]:
        parsed = _digits_time(arg, "%Y%m%d", (8,))
        return self._set_clock("SetDate", parsed, ("year", "month", "day"))

    def _set_time(self, arg: str) -> tuple[Reply, bytes]:
        # HHmmss00: the last two digits (hundredths) are below the clock's resolution.
        parsed = _digits_time(arg[:6], "%H%M%S", (6,)) if len(arg) in (6, 8) else None
        return self._set_clock("SetTime", parsed, ("hour", "minute", "second"))

    def _battery(self, pwd: str) -> tuple[Reply, bytes]:
        reply = self._with_password(self.emulator.read_battery(pwd), pwd)
        return reply, str(reply.value).encode("ascii")

    def _resolution(self, pwd: str) -> tuple[Reply, bytes]:
        reply = self._with_password(self.emulator.read_resolution(pwd), pwd)
        if not isinstance(reply.value, tuple):
            return reply, b""
        return reply, f"{reply.value[0]}x{reply.value[1]}".encode("ascii")

    def _storage(self, pwd: str) -> tuple[Reply, bytes]:
        reply = self._with_password(self.emulator.set_msdc(pwd), pwd)
        value = reply.value
        return reply, os.fsencode(value) if isinstance(value, Path) else b""

    def _lock(self, _arg: str) -> tuple[Reply, bytes]:
        return self.emulator.lock_storage(), b""


# --------------------------------------------------------------------------- driver side


class SerialPort(Protocol):
    """What `AmbaDriver` uses of a pyserial port (`hardware.transport.open_port` gives one)."""

    timeout: float | None

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1, /) -> bytes: ...

    def write(self, data: bytes, /) -> int | None: ...

    def reset_input_buffer(self) -> None: ...


DEFAULT_TIMEOUT = 3.0  # seconds for a reply; a device answers within milliseconds
STORAGE_TIMEOUT = 15.0  # ATH: a real device re-enumerates before it answers


class AmbaDriver(BodycamDriver):
    """A recorder speaking the Amba-style protocol over a pyserial-like port.

    Same semantics as `EmulatorDriver`: `connect` logs in (`Ver`) and checks the password with
    `Gdv`; NG replies become the `error_for_iret` errors; the clock offset is measured against
    the injected host clock and `sync_time` pushes `adapter.device_local(host)` as `Sdt` then
    `Stm`. A silent device gives `ReplyTimeoutError`, a broken line `ConnectFailedError`.
    `on_close` (given by `open_bodycam`) closes the port after `disconnect`.
    """

    def __init__(
        self,
        port: SerialPort,
        adapter: VendorAdapter = ADAPTERS["gat947"],
        host_clock: HostClock = host_utc,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        storage_timeout: float = STORAGE_TIMEOUT,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(adapter, host_clock)
        self.port = port
        self.timeout = timeout
        self.storage_timeout = storage_timeout
        self._on_close = on_close
        self._closed = False
        self._password: str | None = None

    # ------------------------------------------------------------------ exchange

    def _pwd(self) -> str:
        if self._password is None:
            raise NotConnectedError()
        return self._password

    def _call(self, cmd: str, arg: str | bytes = b"", *, timeout: float | None = None) -> bytes:
        """Send one request and return the OK data of its reply (typed errors otherwise)."""
        payload = arg.encode("ascii") if isinstance(arg, str) else arg
        decoder = AnswerDecoder()
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        try:
            self.port.reset_input_buffer()  # a late reply to an abandoned request
            self.port.write(encode_request(cmd, payload))
            while True:
                answer = decoder.pop()
                if answer is not None and answer.cmd == cmd:
                    return self._data(answer)
                if answer is not None:
                    continue  # an answer to an earlier request that timed out
                if time.monotonic() >= deadline:
                    if decoder.partial:
                        raise FrameError(_("The body-worn recorder's answer was cut short."),
                                         f"{cmd}: incomplete reply")
                    raise ReplyTimeoutError()
                decoder.feed(self.port.read(max(1, self.port.in_waiting)))
        except OSError as exc:  # pyserial's SerialException is an OSError: the line broke
            raise ConnectFailedError() from exc

    @staticmethod
    def _data(answer: Answer) -> bytes:
        if answer.ok:
            return answer.data
        text = answer.data.decode("ascii", "replace")
        if not text.isdigit():
            raise MalformedReplyError()
        if int(text) == UNKNOWN_COMMAND:
            raise UnsupportedOperationError()
        raise error_for_iret(int(text))

    def _text(self, cmd: str, arg: str | bytes = b"") -> str:
        data = self._call(cmd, arg)
        try:
            return data.decode("ascii")
        except UnicodeDecodeError as exc:
            raise MalformedReplyError() from exc

    # ------------------------------------------------------------------ GA/T 947 calls

    def connect(self, password: str) -> str:
        self.adapter.check_password(password)
        id_code = self._text("Ver", LOGIN_ARG)
        try:
            self._call("Gdv", password)  # the password check
        except WrongPasswordError:
            self._call("Bye")
            raise
        self._password = password
        return id_code

    def disconnect(self) -> None:
        if self._closed:
            return  # the port is gone; saying goodbye twice is not an error
        self._password = None
        try:
            self._call("Bye")
        finally:
            if self._on_close is not None:
                self._closed = True
                self._on_close()

    def read_identity(self) -> IdentityRecord:
        text = self._text("Gdv", self._pwd())
        try:
            record = bytes.fromhex(text)
        except ValueError as exc:
            raise MalformedReplyError() from exc
        return self.adapter.decode_identity(record)

    def write_identity(self, record: IdentityRecord, *, truncate: bool = False) -> None:
        data = self.adapter.encode_identity(record, truncate=truncate)
        self._call("Wdv", f"{self._pwd()},{data.hex().upper()}")

    def read_time(self) -> ClockReading:
        host = self.host_clock()
        if not self.adapter.can_read_time:
            return ClockReading(host, None, None)
        return self._clock_reading(host, self._text("Gtm", self._pwd()))

    def _push_time(self, local: datetime) -> None:
        self._pwd()  # Sdt/Stm carry no password: the device relies on the session's
        self._call("Sdt", local.strftime("%Y%m%d"))
        self._call("Stm", local.strftime("%H%M%S") + "00")

    def battery(self) -> int:
        text = self._text("Bat", self._pwd())
        if not text.isdigit() or not 0 <= int(text) <= 100:
            raise MalformedReplyError()
        return int(text)

    def resolution(self) -> tuple[int, int]:
        width, _sep, height = self._text("Res", self._pwd()).partition("x")
        if not (width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0):
            raise MalformedReplyError()
        return (int(width), int(height))

    def unlock_storage(self) -> Path:
        data = self._call("ATH", self._pwd(), timeout=self.storage_timeout)
        volume = Path(os.fsdecode(data))
        if not data or not volume.is_dir():
            raise StorageError()
        return volume

    def lock_storage(self) -> None:
        self._pwd()
        self._call("Lck")


def open_bodycam(
    url: str,
    *,
    adapter: VendorAdapter | None = None,
    host_clock: HostClock = host_utc,
    timeout: float = DEFAULT_TIMEOUT,
) -> AmbaDriver:
    """An `AmbaDriver` on `url` (`emu-bodycam://?root=DIR`, `/dev/pts/N`, `socket://…`).

    `disconnect()` also closes the port. A port that cannot be opened raises
    `hardware.transport.PortError` as is.
    """
    # Short reads let the driver's own deadline decide; the baud rate means nothing on USB.
    port = open_port(url, baudrate=115200, timeout=READ_SLICE)
    return AmbaDriver(port, adapter or ADAPTERS["gat947"], host_clock, timeout=timeout,
                      on_close=port.close)
