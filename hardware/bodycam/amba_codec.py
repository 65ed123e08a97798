"""The Amba-style `@Cmd;len;arg;#` ASCII frames of body-worn recorders (§2.5, §2.8).

The protocol (commands, replies, what is derived and what is ours) is described in
`hardware.bodycam.amba`; this module only encodes and decodes frames, for both sides.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from gettext import gettext as _

from hardware.bodycam.errors import (
    BodycamError,
    MalformedReplyError,
)

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
        super().__init__(message, detail=detail)

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


def digits_time(text: str, fmt: str, lengths: tuple[int, ...]) -> datetime | None:
    """`text` parsed with `fmt` if it is all digits of an allowed length, else None."""
    if len(text) not in lengths or not (text.isascii() and text.isdigit()):
        return None
    try:
        return datetime.strptime(text, fmt)
    except ValueError:
        return None
