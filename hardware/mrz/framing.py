"""How MRZ readers frame the zone on the wire, both directions.

Three deliveries are handled (hardware-protocols.md §4.2):

* DESKO-style serial: `<SOD> <STX> line1 <CR> line2 <CR> [line3 <CR>] <ETX> <EOD>`.
  The numeric values of SOD/EOD are not in our sources, so the decoder keys on STX/ETX only
  and ignores whatever surrounds them; the encoder's SOD/EOD are configurable placeholders.
* 3M RTE6701-style: `<SOH>[len]"OU"<STX>[flag]line1<CR>line2<CR>line3<CR><ETX>[BCC]`, with
  every line slot present (the bottom line is always line 3) and `_` padding to 30/44.
  The width and meaning of `[len]` and the BCC algorithm are not documented in our sources:
  the decoder treats `[len]` as one opaque byte and only verifies the BCC (XOR of the bytes
  from `[len]` to ETX, our assumption) when asked to.
* Keyboard-wedge bursts: lines typed as keystrokes separated by CR and/or LF.

Decoders are incremental (feed any chunking, get complete MRZ texts, lines joined by "\\n")
and never raise: garbage, lost control bytes and truncated frames are skipped and the decoder
resynchronises on the next start byte. The parser then judges the content.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

STX, ETX, SOH, CR, LF = 0x02, 0x03, 0x01, 0x0D, 0x0A
DESKO_SOD = 0x1C  # placeholder: the real value is vendor-configured / not in our sources
DESKO_EOD = 0x1D
# Longest sane payload: three 44-character lines and their CRs, plus slack for noise.
MAX_PAYLOAD = 3 * 45 + 16


class Framing(StrEnum):
    DESKO = "desko"
    THREE_M = "3m"
    WEDGE = "wedge"


def _printable(byte: int) -> bool:
    return 0x20 <= byte < 0x7F


def _payload_text(payload: bytes) -> str | None:
    """CR-separated payload → MRZ text, or None if it holds line noise."""
    if any(not _printable(b) and b not in (CR, LF) for b in payload):
        return None
    text = payload.decode("ascii")
    lines = [line for line in text.replace("\n", "\r").split("\r") if line]
    return "\n".join(lines) if lines else None


# --- encoders (used by the emulator and by tests) -------------------------------------------


def encode_desko(lines: Sequence[str], *, sod: int = DESKO_SOD, eod: int = DESKO_EOD) -> bytes:
    body = b"".join(line.encode("ascii") + b"\r" for line in lines)
    return bytes([sod, STX]) + body + bytes([ETX, eod])


def bcc(data: bytes) -> int:
    value = 0
    for b in data:
        value ^= b
    return value


def encode_3m(lines: Sequence[str], *, flag: bytes = b"0") -> bytes:
    """Bottom-aligned three slots, `_`-padded to 30 (three lines) or 44 (fewer)."""
    width = 30 if len(lines) >= 3 else 44
    slots = ["", "", "", *lines][-3:]
    body = b"".join(
        (s.ljust(width, "_")[:width] if s else "").encode("ascii") + b"\r" for s in slots
    )
    inner = b"OU" + bytes([STX]) + flag[:1] + body + bytes([ETX])
    length = bytes([len(inner) & 0xFF])
    return bytes([SOH]) + length + inner + bytes([bcc(length + inner)])


def encode_wedge(lines: Sequence[str]) -> bytes:
    return b"".join(line.encode("ascii") + b"\r" for line in lines)


def encode(framing: Framing, lines: Sequence[str]) -> bytes:
    if framing is Framing.DESKO:
        return encode_desko(lines)
    if framing is Framing.THREE_M:
        return encode_3m(lines)
    return encode_wedge(lines)


# --- decoders -------------------------------------------------------------------------------


class DeskoDecoder:
    """STX … ETX payloads; SOD/EOD and anything between frames is ignored."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._in_frame = False

    def reset(self) -> None:
        self._buf.clear()
        self._in_frame = False

    def feed(self, data: bytes) -> list[str]:
        out: list[str] = []
        for b in data:
            if b == STX:
                # A new STX inside a frame means the previous frame was truncated: drop it.
                self._buf.clear()
                self._in_frame = True
            elif not self._in_frame:
                continue
            elif b == ETX:
                text = _payload_text(bytes(self._buf))
                if text is not None:
                    out.append(text)
                self.reset()
            else:
                self._buf.append(b)
                if len(self._buf) > MAX_PAYLOAD:
                    self.reset()
        return out


class ThreeMDecoder:
    """`<SOH>[len]"OU"<STX>[flag] … <ETX>[BCC]` frames."""

    def __init__(self, *, verify_bcc: bool = False) -> None:
        self._buf = bytearray()
        self._verify_bcc = verify_bcc

    def reset(self) -> None:
        self._buf.clear()

    def feed(self, data: bytes) -> list[str]:
        self._buf += data
        out: list[str] = []
        while True:
            start = self._buf.find(SOH)
            if start < 0:
                self._buf.clear()
                return out
            del self._buf[:start]
            # Header: SOH len 'O' 'U' STX flag.
            if len(self._buf) < 6:
                if not self._header_prefix_ok():
                    del self._buf[:1]
                    continue
                return out
            if self._buf[2:5] != b"OU\x02":
                del self._buf[:1]
                continue
            end = self._find_etx()
            if end is None:
                if len(self._buf) > MAX_PAYLOAD + 8:
                    del self._buf[:1]
                    continue
                return out
            if end < 0:
                # Another SOH came before the ETX: this frame was truncated.
                del self._buf[:1]
                continue
            if end + 1 >= len(self._buf):
                return out  # wait for the BCC byte
            frame = bytes(self._buf[: end + 2])
            del self._buf[: end + 2]
            if self._verify_bcc and bcc(frame[1:-1]) != frame[-1]:
                continue
            # The 3M pads every line with `_` to 30/44 whatever the document (a 36-wide TD2
            # arrives as 44): padding is not MRZ content, fillers are printed as `<`.
            text = _payload_text(frame[6:-2])
            if text is not None:
                text = "\n".join(line.rstrip("_") for line in text.split("\n"))
            if text is not None:
                out.append(text)

    def _header_prefix_ok(self) -> bool:
        head = bytes(self._buf[2:5])
        return b"OU\x02".startswith(head)

    def _find_etx(self) -> int | None:
        """Index of ETX in the payload, -1 if a new SOH starts first, None if incomplete."""
        for i in range(6, len(self._buf)):
            b = self._buf[i]
            if b == ETX:
                return i
            if b == SOH:
                return -1
        return None


class WedgeDecoder:
    """Keystroke text → MRZ texts, by recognising each line's role in its layout.

    Lines are separated by CR and/or LF. With `max_gap` set and `at` timestamps passed to
    `feed`, a pause longer than `max_gap` discards a half-typed zone (a person typing, or a
    swipe that stopped), so the next burst starts clean.
    """

    def __init__(self, *, max_gap: float | None = None) -> None:
        self._line: list[str] = []
        self._pending: list[str] = []
        self._max_gap = max_gap
        self._last_at: float | None = None

    def reset(self) -> None:
        self._line.clear()
        self._pending.clear()
        self._last_at = None

    def feed(self, data: bytes | str, at: float | None = None) -> list[str]:
        text = data.decode("latin-1") if isinstance(data, bytes) else data
        gap = None if at is None or self._last_at is None else at - self._last_at
        if text and gap is not None and self._max_gap is not None and gap > self._max_gap:
            self._line.clear()
            self._pending.clear()
        if at is not None and text:
            self._last_at = at
        out: list[str] = []
        for ch in text:
            if ch in "\r\n":
                done = self._end_line()
                if done is not None:
                    out.append(done)
            elif ch >= " ":
                self._line.append(ch)
                if len(self._line) > 64:
                    # No MRZ line is this long: it is not MRZ typing.
                    self._line.clear()
                    self._pending.clear()
        return out

    def flush(self) -> list[str]:
        """End of a burst: treat a final unterminated line as complete."""
        done = self._end_line() if self._line else None
        return [done] if done is not None else []

    def _end_line(self) -> str | None:
        line = "".join(self._line).strip().upper().replace("_", "<").replace(" ", "<")
        self._line.clear()
        if not line:
            return None  # the LF of a CRLF, or an empty keystroke line
        role = _role(line)
        p = self._pending
        if role == "td1-1" or role == "upper":
            self._pending = [line]
        elif role == "td1-2" and len(p) == 1 and _role(p[0]) == "td1-1":
            p.append(line)
        elif (role == "td1-3" and len(p) == 2 and _role(p[1]) == "td1-2") or (
            role == "lower" and len(p) == 1 and len(p[0]) == len(line)
        ):
            self._pending = []
            return "\n".join([*p, line])
        else:
            self._pending = []
        return None


def _digitish(ch: str) -> bool:
    return ch.isdigit() or ch in "OI<"


def _role(line: str) -> str:
    """Which line of which layout `line` looks like (by where the digits are)."""
    if len(line) == 30:
        if all(_digitish(c) for c in line[0:7]) and all(_digitish(c) for c in line[8:15]):
            return "td1-2"
        if not any(c.isdigit() for c in line):
            return "td1-3"
        return "td1-1"
    if len(line) in (36, 44):
        # Lower lines of TD2/TD3/MRV carry check digits at 10, 20 and 28 (1-based).
        # A misread 0 may arrive as O, but names rarely put letters at all three places.
        marks = [line[i] for i in (9, 19, 27)]
        if all(c.isdigit() or c in "OI" for c in marks) and sum(c.isdigit() for c in marks) >= 2:
            return "lower"
        return "upper"
    return "other"


Decoder = DeskoDecoder | ThreeMDecoder | WedgeDecoder


def decoder_for(framing: Framing) -> Decoder:
    if framing is Framing.DESKO:
        return DeskoDecoder()
    if framing is Framing.THREE_M:
        return ThreeMDecoder()
    return WedgeDecoder()
