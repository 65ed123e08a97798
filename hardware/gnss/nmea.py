"""NMEA 0183 reading: sentences to typed GGA/RMC records, and a byte stream to `Fix` values.

`decode_sentence`/`parse_sentence` work on one line and raise only this module's typed errors
(`NmeaError`, a `hardware.errors.DeviceError`, and its subclasses `ChecksumError`,
`SentenceError`). `NmeaReader` takes a serial byte stream in arbitrary chunks, never raises on
bad input, and instead skips the line and counts the reason in `NmeaReader.skipped` (keys:
"checksum", "malformed", "talker", "noise", "too_long", "no_fix"). GGA and RMC sentences of the
same UTC second are merged into one frozen `Fix`; an epoch in which the receiver reports no fix
(GGA quality 0, RMC status "V", empty position) yields nothing. Positions are WGS-84 decimal
degrees, south and west negative.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from gettext import gettext as _

from hardware.errors import DeviceError

FIX_TALKERS = frozenset({"GP", "GN", "BD", "GB", "GL", "GA"})
MAX_LINE = 120  # NMEA allows 82 characters; some receivers run a little longer

_ADDRESS = re.compile(r"[A-Z]{2}[A-Z0-9]{3}")
_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")
_TIME = re.compile(r"(\d{2})(\d{2})(\d{2})(?:\.(\d{1,6}))?")
_DATE = re.compile(r"(\d{2})(\d{2})(\d{2})")
_LAT = re.compile(r"(\d{2})(\d{2}(?:\.\d+)?)")
_LON = re.compile(r"(\d{3})(\d{2}(?:\.\d+)?)")


class NmeaError(DeviceError):
    """A sentence could not be decoded; `message` is translated, `reason` is English detail."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message, detail=reason)
        self.reason = reason


class ChecksumError(NmeaError):
    """The checksum is wrong, or missing where one is required."""


class SentenceError(NmeaError):
    """The sentence is not well-formed NMEA 0183, or a field has an impossible value."""


def _bad(reason: str) -> SentenceError:
    return SentenceError(_("The GNSS receiver sent a malformed sentence."), reason)


def _bad_checksum(reason: str) -> ChecksumError:
    return ChecksumError(_("A sentence from the GNSS receiver failed its checksum."), reason)


@dataclass(frozen=True)
class Sentence:
    """One framed sentence: talker ("GP"), type ("GGA") and the raw comma fields after them."""

    talker: str
    kind: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Gga:
    talker: str
    utc_time: time | None
    lat: float | None
    lon: float | None
    quality: int
    satellites: int | None
    hdop: float | None
    altitude: float | None


@dataclass(frozen=True)
class Rmc:
    talker: str
    utc_time: time | None
    valid: bool
    lat: float | None
    lon: float | None
    speed_knots: float | None
    course: float | None
    utc_date: date | None


@dataclass(frozen=True)
class Fix:
    """A position the receiver vouched for (fix quality > 0 and/or RMC status "A")."""

    lat: float
    lon: float
    utc: datetime | None
    talker: str
    altitude: float | None = None
    satellites: int | None = None
    hdop: float | None = None
    quality: int | None = None
    speed_knots: float | None = None
    course: float | None = None


def checksum(body: str) -> int:
    """XOR of every character between `$` and `*`."""
    value = 0
    for char in body.encode("ascii"):
        value ^= char
    return value


def encode_sentence(talker: str, kind: str, fields: list[str]) -> bytes:
    """A complete sentence with checksum and CR LF."""
    body = ",".join([talker + kind, *fields])
    return f"${body}*{checksum(body):02X}\r\n".encode("ascii")


def decode_sentence(line: str | bytes, *, require_checksum: bool = True) -> Sentence:
    """Frame and verify one line (with or without CR LF; the leading `$` is optional)."""
    if isinstance(line, bytes):
        try:
            line = line.decode("ascii")
        except UnicodeDecodeError:
            raise _bad("sentence contains non-ASCII bytes") from None
    text = line.strip("\r\n")
    if text.startswith("$"):
        text = text[1:]
    if not text.isascii() or not text.isprintable():
        raise _bad("sentence contains non-ASCII bytes")
    body, star, given = text.partition("*")
    if star:
        if len(given) != 2 or any(c not in "0123456789abcdefABCDEF" for c in given):
            raise _bad_checksum("checksum field is malformed")
        if int(given, 16) != checksum(body):
            raise _bad_checksum("checksum mismatch")
    elif require_checksum:
        raise _bad_checksum("no checksum")
    if "$" in body or "*" in body:
        raise _bad("sentence is malformed")
    address, *fields = body.split(",")
    if not _ADDRESS.fullmatch(address):
        raise _bad("sentence has an invalid address field")
    return Sentence(address[:2], address[2:], tuple(fields))


def parse_sentence(line: str | bytes, *, require_checksum: bool = True) -> Gga | Rmc | Sentence:
    """A typed GGA or RMC record, or the framed `Sentence` for any other type."""
    sentence = decode_sentence(line, require_checksum=require_checksum)
    if sentence.kind == "GGA":
        return _gga(sentence)
    if sentence.kind == "RMC":
        return _rmc(sentence)
    return sentence


def _number(text: str) -> float | None:
    if not text:
        return None
    if len(text) > 32 or not _NUMBER.fullmatch(text):
        raise _bad("field is not a number")
    return float(text)


def _integer(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise _bad("field is not a number")
    return int(text)


def _utc_time(text: str) -> time | None:
    if not text:
        return None
    m = _TIME.fullmatch(text)
    if not m:
        raise _bad("time field is malformed")
    hour, minute, second = int(m[1]), int(m[2]), int(m[3])
    if hour > 23 or minute > 59 or second > 59:
        raise _bad("time field is out of range")
    micro = int((m[4] or "0").ljust(6, "0"))
    return time(hour, minute, second, micro, tzinfo=UTC)


def _utc_date(text: str) -> date | None:
    if not text:
        return None
    m = _DATE.fullmatch(text)
    if not m:
        raise _bad("date field is malformed")
    day, month, yy = int(m[1]), int(m[2]), int(m[3])
    try:
        return date(1900 + yy if yy >= 80 else 2000 + yy, month, day)
    except ValueError:
        raise _bad("date field is out of range") from None


def _coordinate(value: str, hemisphere: str, *, latitude: bool) -> float | None:
    """`ddmm.mmmm`/`dddmm.mmmm` plus N/S/E/W to signed decimal degrees."""
    if not value and not hemisphere:
        return None
    m = (_LAT if latitude else _LON).fullmatch(value)
    allowed = "NS" if latitude else "EW"
    if not m or len(hemisphere) != 1 or hemisphere not in allowed:
        raise _bad("position field is malformed")
    degrees, minutes = int(m[1]), float(m[2])
    result = degrees + minutes / 60.0
    if minutes >= 60.0 or result > (90.0 if latitude else 180.0):
        raise _bad("position field is out of range")
    return -result if hemisphere in "SW" else result


def _padded(sentence: Sentence, minimum: int, size: int) -> tuple[str, ...]:
    if len(sentence.fields) < minimum:
        raise _bad("sentence has too few fields")
    return sentence.fields + ("",) * max(0, size - len(sentence.fields))


def _gga(sentence: Sentence) -> Gga:
    f = _padded(sentence, 6, 9)
    quality = _integer(f[5])
    return Gga(
        talker=sentence.talker,
        utc_time=_utc_time(f[0]),
        lat=_coordinate(f[1], f[2], latitude=True),
        lon=_coordinate(f[3], f[4], latitude=False),
        quality=quality if quality is not None else 0,
        satellites=_integer(f[6]),
        hdop=_number(f[7]),
        altitude=_number(f[8]),
    )


def _rmc(sentence: Sentence) -> Rmc:
    f = _padded(sentence, 9, 9)
    if f[1] not in ("A", "V", ""):
        raise _bad("status field is malformed")
    return Rmc(
        talker=sentence.talker,
        utc_time=_utc_time(f[0]),
        valid=f[1] == "A",
        lat=_coordinate(f[2], f[3], latitude=True),
        lon=_coordinate(f[4], f[5], latitude=False),
        speed_knots=_number(f[6]),
        course=_number(f[7]),
        utc_date=_utc_date(f[8]),
    )


class _Epoch:
    def __init__(self, utc_time: time | None) -> None:
        self.utc_time = utc_time
        self.gga: Gga | None = None
        self.rmc: Rmc | None = None


class NmeaReader:
    """Incremental reader: `feed(chunk)` returns the fixes completed by that chunk.

    Lines may end in CR, LF or CR LF and may be split anywhere across chunks. Bytes before a
    `$` are noise. A GGA+RMC pair of one second completes an epoch at once; a lone sentence
    completes when the next second starts, or at `flush()`.
    """

    def __init__(self, *, require_checksum: bool = True, talkers: frozenset[str] = FIX_TALKERS,
                 ) -> None:
        self.require_checksum = require_checksum
        self.talkers = talkers
        self.skipped: Counter[str] = Counter()
        self.sentences = 0
        self._buffer = bytearray()
        self._overlong = False
        self._epoch: _Epoch | None = None
        self._last_date: date | None = None

    def feed(self, chunk: bytes) -> list[Fix]:
        fixes: list[Fix] = []
        self._buffer += chunk
        while True:
            ends = [i for i in (self._buffer.find(b"\r"), self._buffer.find(b"\n")) if i >= 0]
            if not ends:
                break
            end = min(ends)
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if self._overlong:
                self._overlong = False
                continue
            fixes.extend(self._line(line))
        if len(self._buffer) > MAX_LINE:
            self._buffer.clear()
            self._overlong = True
            self.skipped["too_long"] += 1
        return fixes

    def flush(self) -> list[Fix]:
        """End of stream: complete the pending epoch (a partial last line is dropped)."""
        self._buffer.clear()
        self._overlong = False
        return self._finish()

    def _line(self, line: bytes) -> list[Fix]:
        if not line.strip():
            return []
        start = line.rfind(b"$")
        if start < 0:
            self.skipped["noise"] += 1
            return []
        if len(line) - start > MAX_LINE:
            self.skipped["too_long"] += 1
            return []
        try:
            record = parse_sentence(line[start:], require_checksum=self.require_checksum)
        except ChecksumError:
            self.skipped["checksum"] += 1
            return []
        except SentenceError:
            self.skipped["malformed"] += 1
            return []
        self.sentences += 1
        if isinstance(record, Sentence):
            return []
        if record.talker not in self.talkers:
            self.skipped["talker"] += 1
            return []
        fixes: list[Fix] = []
        if self._epoch is not None and self._epoch.utc_time != record.utc_time:
            fixes.extend(self._finish())
        if self._epoch is None:
            self._epoch = _Epoch(record.utc_time)
        if isinstance(record, Gga):
            if self._epoch.gga is not None:
                fixes.extend(self._finish())
                self._epoch = _Epoch(record.utc_time)
            self._epoch.gga = record
        else:
            if self._epoch.rmc is not None:
                fixes.extend(self._finish())
                self._epoch = _Epoch(record.utc_time)
            self._epoch.rmc = record
            if record.utc_date is not None:
                self._last_date = record.utc_date
        if self._epoch.gga is not None and self._epoch.rmc is not None:
            fixes.extend(self._finish())
        return fixes

    def _finish(self) -> list[Fix]:
        epoch, self._epoch = self._epoch, None
        if epoch is None:
            return []
        gga, rmc = epoch.gga, epoch.rmc
        no_fix = (gga is not None and gga.quality == 0) or (rmc is not None and not rmc.valid)
        source = gga if gga is not None and gga.lat is not None else rmc
        if no_fix or source is None or source.lat is None or source.lon is None:
            self.skipped["no_fix"] += 1
            return []
        day = rmc.utc_date if rmc is not None and rmc.utc_date is not None else self._last_date
        utc = None
        if day is not None and epoch.utc_time is not None:
            utc = datetime.combine(day, epoch.utc_time)
        return [Fix(
            lat=source.lat,
            lon=source.lon,
            utc=utc,
            talker=(gga or source).talker,
            altitude=gga.altitude if gga else None,
            satellites=gga.satellites if gga else None,
            hdop=gga.hdop if gga else None,
            quality=gga.quality if gga else None,
            speed_knots=rmc.speed_knots if rmc else None,
            course=rmc.course if rmc else None,
        )]


def format_lat(lat: float) -> tuple[str, str]:
    """Signed degrees to (`ddmm.mmmm`, N/S), rounded to 1/10000 minute."""
    return _format_coordinate(lat, 2), "S" if lat < 0 else "N"


def format_lon(lon: float) -> tuple[str, str]:
    return _format_coordinate(lon, 3), "W" if lon < 0 else "E"


def _format_coordinate(value: float, width: int) -> str:
    total = round(abs(value) * 600000)  # ten-thousandths of a minute
    degrees, rest = divmod(total, 600000)
    minutes, fraction = divmod(rest, 10000)
    return f"{degrees:0{width}d}{minutes:02d}.{fraction:04d}"
