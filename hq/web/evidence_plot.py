"""A body-worn recorder's GPS track drawn over time, as numbers an inline SVG is made of.

No map tiles are reachable from a bureau's network (issue 16), so the track is a plot: the
WGS-84 fixes of the recorder's sidecar (desktop/services/dock.py keeps them in the item's
custody as ``[time, lat, lon]`` strings) projected equirectangularly around their mean
latitude (east right, north up, one metre the same length both ways; a few kilometres of
track is far too small for the projection's error to matter), fitted to the plot with a
scale bar. The path is coloured from blue (start) to red (end) by time, start and end are
marked, and time ticks at even intervals carry Beijing time. The template draws it with
presentation attributes only (the room's CSP allows no script and no inline style).
"""

from __future__ import annotations

import colorsys
import math
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from hq.web.render import when

__all__ = ["MAX_DRAWN", "Fix", "Mark", "Segment", "TrackPlot", "fixes", "plot"]

WIDTH, HEIGHT, MARGIN = 720, 440, 36
MAX_DRAWN = 2000  # points of the drawn path; a longer track is thinned evenly
_SEGMENTS = 48  # pieces of the path, each coloured for its time
_TICKS = 4  # time ticks between start and end
_METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Fix:
    at_ms: int
    lat: float
    lon: float


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    label: str
    colour: str

    @property
    def anchor(self) -> str:
        """Where the label goes: to the left of a mark near the right edge, so it stays in
        the plot."""
        return "end" if self.x > WIDTH - 140 else "start"

    @property
    def label_x(self) -> float:
        return self.x - 10 if self.anchor == "end" else self.x + 10


@dataclass(frozen=True)
class Segment:
    points: str  # "x,y x,y …" for a <polyline>
    colour: str


@dataclass(frozen=True)
class TrackPlot:
    width: int
    height: int
    path: str  # "M x y L x y …": every drawn point, in time order
    drawn: int
    total: int
    segments: list[Segment]
    start: Mark
    end: Mark
    ticks: list[Mark]
    legend: list[Mark]  # the time scale under the plot: x on the bar, label, colour
    gradient: list[tuple[int, str]]  # (percent, colour) stops of the bar
    scale_x: tuple[float, float]
    scale_label: str
    south_west: str
    north_east: str
    duration: str


def fixes(custody: dict[str, object]) -> list[Fix]:
    """The track's fixes in time order; entries that are not a time and two numbers are left
    out (the sidecar is the recorder's, and the desktop kept what it could parse)."""
    gps = custody.get("gps")
    track = gps.get("track") if isinstance(gps, dict) else None
    found: list[Fix] = []
    for entry in track if isinstance(track, list) else []:
        try:
            stamp, lat, lon = entry
            moment = datetime.fromisoformat(str(stamp))
            fix = Fix(int(moment.timestamp() * 1000), float(lat), float(lon))
        except (TypeError, ValueError):
            continue
        if moment.tzinfo is not None and abs(fix.lat) <= 90 and abs(fix.lon) <= 180:
            found.append(fix)
    return sorted(found, key=lambda f: f.at_ms)


def _colour(fraction: float) -> str:
    """Blue at the start of the track through green and yellow to red at its end."""
    red, green, blue = colorsys.hls_to_rgb((1 - fraction) * 2 / 3, 0.42, 0.85)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


def _clock(ms: int) -> str:
    return when(ms)[11:]  # HH:MM:SS, Beijing time


def _nice_metres(limit: float) -> float:
    """The largest 1, 2 or 5 × 10^k metres not above ``limit``."""
    power = 10.0 ** math.floor(math.log10(limit))
    return next(step * power for step in (5, 2, 1) if step * power <= limit)


def _length_label(metres: float) -> str:
    return f"{metres / 1000:g} 公里" if metres >= 1000 else f"{metres:g} 米"


def _nearest(track: list[Fix], at_ms: int) -> Fix:
    return min(track, key=lambda fix: abs(fix.at_ms - at_ms))


def _where(lat: float, lon: float) -> str:
    return (f"{abs(lat):.5f}°{'N' if lat >= 0 else 'S'} "
            f"{abs(lon):.5f}°{'E' if lon >= 0 else 'W'}")


def plot(track: list[Fix]) -> TrackPlot | None:
    """The plot of ``track`` (in time order), or None without a fix."""
    if not track:
        return None
    step = max(1, math.ceil(len(track) / MAX_DRAWN))
    drawn = track[::step]
    if drawn[-1] is not track[-1]:
        drawn.append(track[-1])
    cos_lat = math.cos(math.radians(sum(f.lat for f in track) / len(track)))
    west, east = min(f.lon for f in track), max(f.lon for f in track)
    south, north = min(f.lat for f in track), max(f.lat for f in track)
    span_x, span_y = (east - west) * cos_lat, north - south
    inner_w, inner_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN
    # pixels per degree of latitude; a track that never moved is a dot in the middle
    scale = min(inner_w / span_x if span_x else math.inf, inner_h / span_y if span_y else
                math.inf)
    scale = scale if math.isfinite(scale) else inner_w / 0.001
    left = MARGIN + (inner_w - span_x * scale) / 2
    top = MARGIN + (inner_h - span_y * scale) / 2

    def xy(fix: Fix) -> tuple[float, float]:
        return (round(left + (fix.lon - west) * cos_lat * scale, 1),
                round(top + (north - fix.lat) * scale, 1))

    first, last = track[0].at_ms, track[-1].at_ms
    length = max(1, last - first)

    def fraction(fix: Fix) -> float:
        return (fix.at_ms - first) / length

    points = [xy(f) for f in drawn]
    path = "M " + " L ".join(f"{x} {y}" for x, y in points)
    pieces = max(1, min(_SEGMENTS, len(drawn) - 1))
    bounds = [round(i * (len(drawn) - 1) / pieces) for i in range(pieces + 1)]
    segments = [Segment(" ".join(f"{x},{y}" for x, y in points[a:b + 1]),
                        _colour(fraction(drawn[(a + b) // 2])))
                for a, b in pairwise(bounds) if b > a]
    ticks: list[Mark] = []
    if last > first:
        for i in range(1, _TICKS + 1):
            at = first + (last - first) * i // (_TICKS + 1)
            nearest = _nearest(track, at)
            x, y = xy(nearest)
            ticks.append(Mark(x, y, _clock(nearest.at_ms), _colour(fraction(nearest))))
    bar = [Mark(MARGIN + inner_w * i / (_TICKS + 1), 0,
                _clock(first + (last - first) * i // (_TICKS + 1)), _colour(i / (_TICKS + 1)))
           for i in range(_TICKS + 2)]
    metres_per_px = _METRES_PER_DEGREE / scale
    bar_metres = _nice_metres(metres_per_px * inner_w / 4)
    seconds = (last - first) // 1000
    sx, sy = xy(track[0])
    ex, ey = xy(track[-1])
    return TrackPlot(
        width=WIDTH, height=HEIGHT, path=path, drawn=len(drawn), total=len(track),
        segments=segments, start=Mark(sx, sy, _clock(first), _colour(0)),
        end=Mark(ex, ey, _clock(last), _colour(1)), ticks=ticks, legend=bar,
        gradient=[(round(100 * i / 10), _colour(i / 10)) for i in range(11)],
        scale_x=(WIDTH - MARGIN - bar_metres / metres_per_px, WIDTH - MARGIN),
        scale_label=_length_label(bar_metres),
        south_west=_where(south, west), north_east=_where(north, east),
        duration=f"{seconds // 3600} 小时 {seconds % 3600 // 60} 分 {seconds % 60} 秒"
        if seconds >= 3600 else f"{seconds // 60} 分 {seconds % 60} 秒")
