"""A GNSS receiver emulator: replays a track as GGA + RMC sentences over a `Link`.

Real receivers talk without being asked, one epoch (GGA then RMC) per period, and ignore what
the host sends. The emulator does the same at `rate` epochs per second (tests use a high rate),
can report no fix over chosen index ranges (GGA quality 0, RMC status "V", empty position) and
can corrupt the checksum of every n-th sentence, so readers' error paths are exercised.
`synthetic_track` makes a reproducible, made-up walk around 29.08 N 119.65 E.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hardware.gnss.nmea import encode_sentence, format_lat, format_lon
from hardware.link import Link

KNOTS_PER_MPS = 3600 / 1852


@dataclass(frozen=True)
class TrackPoint:
    utc: datetime
    lat: float
    lon: float
    altitude: float = 50.0
    speed_knots: float = 0.0
    course: float = 0.0
    satellites: int = 9
    hdop: float = 0.9


def synthetic_track(n: int, seed: int = 0, *, lat: float = 29.08, lon: float = 119.65,
                    start: datetime | None = None) -> list[TrackPoint]:
    """`n` one-second points of a walking-pace random walk (reproducible for a seed)."""
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    when = start or datetime(2026, 11, 27, 1, 30, tzinfo=UTC)
    course = rng.uniform(0, 360)
    points: list[TrackPoint] = []
    for _ in range(n):
        speed = rng.uniform(0.5, 2.0)  # metres per second
        course = (course + rng.uniform(-20, 20)) % 360
        points.append(TrackPoint(
            utc=when, lat=lat, lon=lon, altitude=round(40 + rng.uniform(-3, 3), 1),
            speed_knots=round(speed * KNOTS_PER_MPS, 2), course=round(course, 1),
            satellites=rng.randint(6, 14), hdop=round(rng.uniform(0.6, 2.5), 1)))
        north = speed * math.cos(math.radians(course))
        east = speed * math.sin(math.radians(course))
        lat += north / 111_320
        lon += east / (111_320 * math.cos(math.radians(lat)))
        when += timedelta(seconds=1)
    return points


class GnssEmulator:
    """Implements `hardware.link.Emulator`; see the module docstring."""

    def __init__(self, track: Sequence[TrackPoint] | None = None, *, rate: float = 1.0,
                 talker: str = "GN", repeat: bool = False,
                 no_fix: Sequence[tuple[int, int]] = (), corrupt_every: int = 0) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        if corrupt_every < 0:
            raise ValueError("corrupt_every must not be negative")
        self.track = list(track) if track is not None else synthetic_track(60)
        self.rate = rate
        self.talker = talker
        self.repeat = repeat
        self.no_fix = tuple(no_fix)
        self.corrupt_every = corrupt_every
        self.sent = 0
        self.epochs = 0

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> GnssEmulator:
        """Build from URL query parameters: rate, n, seed, talker, repeat, corrupt, nofix=a-b."""
        known = {"rate", "n", "seed", "talker", "repeat", "corrupt", "nofix"}
        unknown = set(params) - known
        if unknown:
            raise ValueError(f"unknown emu-gnss option(s): {', '.join(sorted(unknown))}")
        no_fix: list[tuple[int, int]] = []
        for part in filter(None, params.get("nofix", "").split(";")):
            first, _, last = part.partition("-")
            no_fix.append((int(first), int(last or first) + 1))
        talker = params.get("talker", "GN").upper()
        if len(talker) != 2 or not talker.isalpha():
            raise ValueError("talker must be two letters")
        return cls(synthetic_track(int(params.get("n", "60")), int(params.get("seed", "0"))),
                   rate=float(params.get("rate", "1")), talker=talker,
                   repeat=params.get("repeat", "0").lower() in ("1", "true", "yes"),
                   no_fix=no_fix, corrupt_every=int(params.get("corrupt", "0")))

    def epoch(self, index: int) -> list[bytes]:
        """The GGA and RMC sentences for track point `index` (faults applied)."""
        point = self.track[index]
        fixed = not any(first <= index < last for first, last in self.no_fix)
        utc = point.utc
        utc = utc.replace(tzinfo=UTC) if utc.tzinfo is None else utc.astimezone(UTC)
        hhmmss = utc.strftime("%H%M%S") + f".{utc.microsecond // 10000:02d}"
        ddmmyy = utc.strftime("%d%m%y")
        if fixed:
            lat, ns = format_lat(point.lat)
            lon, ew = format_lon(point.lon)
            gga = [hhmmss, lat, ns, lon, ew, "1", f"{point.satellites:02d}", f"{point.hdop:.1f}",
                   f"{point.altitude:.1f}", "M", "7.0", "M", "", ""]
            rmc = [hhmmss, "A", lat, ns, lon, ew, f"{point.speed_knots:.2f}",
                   f"{point.course:.1f}", ddmmyy, "", "", "A"]
        else:
            gga = [hhmmss, "", "", "", "", "0", "00", "99.9", "", "", "", "", "", ""]
            rmc = [hhmmss, "V", "", "", "", "", "", "", ddmmyy, "", "", "N"]
        return [self._fault(encode_sentence(self.talker, "GGA", gga)),
                self._fault(encode_sentence(self.talker, "RMC", rmc))]

    def _fault(self, sentence: bytes) -> bytes:
        self.sent += 1
        if self.corrupt_every and self.sent % self.corrupt_every == 0:
            star = sentence.rindex(b"*")
            wrong = (int(sentence[star + 1:star + 3], 16) ^ 0x5A) & 0xFF
            sentence = sentence[: star + 1] + f"{wrong:02X}".encode() + sentence[star + 3:]
        return sentence

    def serve(self, link: Link, stop: threading.Event) -> None:
        period = 1.0 / self.rate
        while not stop.is_set():
            for index in range(len(self.track)):
                if stop.is_set():
                    return
                link.write(b"".join(self.epoch(index)))
                self.epochs += 1
                if stop.wait(period):
                    return
            if not self.repeat:
                break
        stop.wait()
