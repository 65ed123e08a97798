"""The Amba-style `@Cmd;len;arg;#` ASCII protocol of body-worn recorders (§2.5, §2.8): the
driver side, `AmbaDriver` and `open_bodycam`. The frames are in `amba_codec`, the device side
the emulator serves is in `amba_device`.

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
import time
from collections.abc import Callable
from datetime import datetime
from gettext import gettext as _
from pathlib import Path
from typing import Protocol

from hardware.bodycam.amba_codec import (
    LOGIN_ARG,
    READ_SLICE,
    UNKNOWN_COMMAND,
    Answer,
    AnswerDecoder,
    FrameError,
    ReplyTimeoutError,
    encode_request,
)
from hardware.bodycam.driver import (
    ADAPTERS,
    BodycamDriver,
    HostClock,
    VendorAdapter,
    host_utc,
)
from hardware.bodycam.errors import (
    ConnectFailedError,
    MalformedReplyError,
    StorageError,
    UnsupportedOperationError,
    error_for_iret,
)
from hardware.bodycam.identity import IdentityRecord
from hardware.transport import open_port

__all__ = ["AmbaDriver", "open_bodycam"]

log = logging.getLogger(__name__)


class SerialPort(Protocol):
    """What `AmbaDriver` uses of a pyserial port (`hardware.transport.open_port` gives one)."""

    timeout: float | None

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1, /) -> bytes: ...

    def write(self, data: bytes, /) -> int | None: ...

    def reset_input_buffer(self) -> None: ...


BAUDRATE = 115200  # the line rate it is opened with (it means nothing on a USB CDC link)
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

    # ------------------------------------------------------------------ exchange

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

    def _login(self) -> str:
        return self._text("Ver", LOGIN_ARG)

    def _check_password(self, password: str) -> None:
        self._call("Gdv", password)

    def _logout(self) -> None:
        self._call("Bye")

    def disconnect(self) -> None:
        if self._closed:
            return  # the port is gone; saying goodbye twice is not an error
        try:
            super().disconnect()
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

    def _device_time(self) -> str:
        return self._text("Gtm", self._pwd())

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
    `hardware.errors.PortError` as is.
    """
    # Short reads let the driver's own deadline decide.
    port = open_port(url, baudrate=BAUDRATE, timeout=READ_SLICE)
    return AmbaDriver(port, adapter or ADAPTERS["gat947"], host_clock, timeout=timeout,
                      on_close=port.close)
