"""Parse the file names a body-worn recorder gives its media (§2.6, unverified [L]).

Vendors encode 设备编号 (serial), 警号 (officer number) and the start time in the name, and mark
"重点/重要" files with a flag. No public source fixes the pattern, so each vendor is a named
`NamePreset` (a regular expression with named groups). When no preset matches, the caller may
pass the file's mtime as a fallback start time. The parser never raises on hostile input
(path separators, `..`, NUL, control characters, very long names, non-UTF-8 bytes, leading
dots): it returns a `ParsedName` with `parsed=False` and the reasons in `rejected`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

__all__ = [
    "DEFAULT_PRESET",
    "PRESETS",
    "MediaKind",
    "NamePreset",
    "ParsedName",
    "StartSource",
    "kind_for_extension",
    "parse_file",
    "parse_name",
]

MAX_NAME_BYTES = 255


class MediaKind(Enum):
    VIDEO = "video"
    PHOTO = "photo"
    AUDIO = "audio"


class StartSource(Enum):
    NAME = "name"  # device-local wall time encoded in the name (naive datetime)
    MTIME = "mtime"  # file modification time (aware, UTC)
    NONE = "none"


_EXTENSIONS = {
    "mp4": MediaKind.VIDEO, "mov": MediaKind.VIDEO, "avi": MediaKind.VIDEO,
    "ts": MediaKind.VIDEO, "jpg": MediaKind.PHOTO, "jpeg": MediaKind.PHOTO,
    "wav": MediaKind.AUDIO, "mp3": MediaKind.AUDIO, "aac": MediaKind.AUDIO,
}  # fmt: skip


def kind_for_extension(name: str) -> MediaKind | None:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return None
    return _EXTENSIONS.get(ext.lower())


@dataclass(frozen=True)
class NamePreset:
    """A vendor naming scheme; groups: serial, officer, ts (strptime `ts_format`), optional
    seq, imp (non-empty when marked important), ext."""

    name: str
    pattern: re.Pattern[str]
    ts_format: str = "%Y%m%d%H%M%S"


#: The reference's recommended pattern: `SERIAL_OFFICER_YYYYMMDDhhmmss[_SEQ][_IMP].EXT`.
DEFAULT_PRESET = NamePreset(
    "generic",
    re.compile(
        r"(?P<serial>[0-9A-Z]{7})_(?P<officer>\d{6})_(?P<ts>\d{14})(?:_(?P<seq>\d{1,6}))?"
        r"(?P<imp>_?IMP)?\.(?P<ext>MP4|MOV|AVI|TS|JPG|JPEG|WAV|MP3|AAC)",
        re.IGNORECASE | re.ASCII,
    ),
)
#: Time-first variant with an `IMP_` prefix for marked files (hypothetical, [L]).
TIME_FIRST_PRESET = NamePreset(
    "time-first",
    re.compile(
        r"(?P<imp>IMP_)?(?P<ts>\d{8}_\d{6})_(?P<serial>[0-9A-Z]{7})_(?P<officer>\d{6})"
        r"(?:_(?P<seq>\d{1,6}))?\.(?P<ext>MP4|MOV|AVI|TS|JPG|JPEG|WAV|MP3|AAC)",
        re.IGNORECASE | re.ASCII,
    ),
    ts_format="%Y%m%d_%H%M%S",
)
PRESETS: dict[str, NamePreset] = {p.name: p for p in (DEFAULT_PRESET, TIME_FIRST_PRESET)}


@dataclass(frozen=True)
class ParsedName:
    raw: str  # the name verbatim (non-UTF-8 bytes kept as surrogate escapes)
    parsed: bool
    preset: str | None = None
    serial: str | None = None
    officer_number: str | None = None
    start: datetime | None = None
    start_source: StartSource = StartSource.NONE
    sequence: int | None = None
    kind: MediaKind | None = None
    important: bool = False
    rejected: tuple[str, ...] = field(default_factory=tuple)


def _hostility(name: str) -> list[str]:
    reasons = []
    if not name:
        reasons.append("empty")
    if "/" in name or "\\" in name or name in (".", ".."):
        reasons.append("path separator")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        reasons.append("control character")
    if name.startswith("."):
        reasons.append("leading dot")
    if any(0xDC80 <= ord(c) <= 0xDCFF for c in name):
        reasons.append("not UTF-8")
    else:
        try:
            if len(name.encode("utf-8")) > MAX_NAME_BYTES:
                reasons.append("too long")
        except UnicodeEncodeError:
            reasons.append("not UTF-8")
    return reasons


def _as_text(name: str | bytes) -> str:
    if isinstance(name, bytes):
        return name.decode("utf-8", "surrogateescape")
    return name


def _fallback(
    raw: str, kind: MediaKind | None, mtime: float | None, rejected: list[str]
) -> ParsedName:
    start = None
    if mtime is not None:
        try:
            start = datetime.fromtimestamp(mtime, UTC)
        except (OverflowError, OSError, ValueError):
            start = None
    return ParsedName(
        raw=raw, parsed=False, kind=kind, start=start,
        start_source=StartSource.MTIME if start is not None else StartSource.NONE,
        rejected=tuple(rejected),
    )  # fmt: skip


def parse_name(
    name: str | bytes,
    presets: tuple[NamePreset, ...] | list[NamePreset] = (DEFAULT_PRESET,),
    *,
    mtime: float | None = None,
) -> ParsedName:
    """Parse one bare file name; never raises. `mtime` (epoch seconds) is the fallback."""
    raw = _as_text(name)
    reasons = _hostility(raw)
    if reasons:
        return _fallback(raw, None, mtime, reasons)
    kind = kind_for_extension(raw)
    for preset in presets:
        match = preset.pattern.fullmatch(raw)
        if match is None:
            continue
        try:
            start = datetime.strptime(match["ts"], preset.ts_format)  # device-local time
        except ValueError:
            continue
        seq = match.groupdict().get("seq")
        return ParsedName(
            raw=raw, parsed=True, preset=preset.name, serial=match["serial"].upper(),
            officer_number=match["officer"], start=start, start_source=StartSource.NAME,
            sequence=int(seq) if seq else None, kind=_EXTENSIONS[match["ext"].lower()],
            important=bool(match.groupdict().get("imp")),
        )  # fmt: skip
    return _fallback(raw, kind, mtime, ["no preset matched"])


def parse_file(
    path: Path, presets: tuple[NamePreset, ...] | list[NamePreset] = (DEFAULT_PRESET,)
) -> ParsedName:
    """`parse_name` of `path.name` with its mtime (lstat: a symlink is never followed)."""
    try:
        mtime: float | None = os.lstat(path).st_mtime
    except (OSError, ValueError):
        mtime = None
    return parse_name(path.name, presets, mtime=mtime)
