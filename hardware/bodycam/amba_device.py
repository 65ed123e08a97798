"""The device side of the Amba-style protocol: `AmbaDevice` answers requests on a link with a
`BodycamEmulator`'s state machine. It is what `emu-bodycam://` and `statement-room emulate
bodycam` serve (`AmbaDevice.from_params` builds both halves from the URL's options). The
protocol wraps the emulator, never the other way round, and the drivers import neither. The
command table is in `hardware.bodycam.amba`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from hardware.bodycam.amba_codec import (
    READ_SLICE,
    UNKNOWN_COMMAND,
    FrameError,
    Request,
    RequestDecoder,
    digits_time,
    encode_answer,
    encode_refusal,
)
from hardware.bodycam.emulator import BodycamEmulator, Reply
from hardware.bodycam.errors import IRet
from hardware.link import Link

log = logging.getLogger(__name__)


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

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> AmbaDevice:
        """A device around `BodycamEmulator.from_params(params)` (the `emu-bodycam://` query)."""
        return cls(BodycamEmulator.from_params(params))

    def serve(self, link: Link, stop: threading.Event) -> None:
        """Answer requests on `link` until `stop` is set; noise and bad frames are skipped."""
        self.password = None  # a newly served link is a new session
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
        parsed = digits_time(arg, "%Y%m%d", (8,))
        return self._set_clock("SetDate", parsed, ("year", "month", "day"))

    def _set_time(self, arg: str) -> tuple[Reply, bytes]:
        # HHmmss00: the last two digits (hundredths) are below the clock's resolution.
        parsed = digits_time(arg[:6], "%H%M%S", (6,)) if len(arg) in (6, 8) else None
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
