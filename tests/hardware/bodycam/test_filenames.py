from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.bodycam.filenames import (
    PRESETS,
    MediaKind,
    StartSource,
    kind_for_extension,
    parse_file,
    parse_name,
)


def test_generic_preset() -> None:
    parsed = parse_name("1234567_123456_20260105090000_0003_IMP.MP4")
    assert parsed.parsed
    assert parsed.preset == "generic"
    assert parsed.serial == "1234567"
    assert parsed.officer_number == "123456"
    assert parsed.start == datetime(2026, 1, 5, 9, 0, 0)
    assert parsed.start_source is StartSource.NAME
    assert parsed.sequence == 3
    assert parsed.kind is MediaKind.VIDEO
    assert parsed.important


@pytest.mark.parametrize(
    ("name", "kind", "important", "seq"),
    [
        ("1234567_123456_20260105090000.jpg", MediaKind.PHOTO, False, None),
        ("ABC0001_000001_20251231235959_12.WAV", MediaKind.AUDIO, False, 12),
        ("ABC0001_000001_20251231235959IMP.mov", MediaKind.VIDEO, True, None),
    ],
)
def test_generic_variants(name: str, kind: MediaKind, important: bool, seq: int | None) -> None:
    parsed = parse_name(name)
    assert parsed.parsed
    assert (parsed.kind, parsed.important, parsed.sequence) == (kind, important, seq)


def test_time_first_preset() -> None:
    presets = [PRESETS["generic"], PRESETS["time-first"]]
    parsed = parse_name("IMP_20260105_090000_1234567_123456_0001.MP4", presets)
    assert parsed.parsed
    assert parsed.preset == "time-first"
    assert parsed.important
    assert parsed.start == datetime(2026, 1, 5, 9, 0, 0)


def test_impossible_date_does_not_parse() -> None:
    parsed = parse_name("1234567_123456_20261305090000.MP4", mtime=0.0)
    assert not parsed.parsed
    assert parsed.start == datetime(1970, 1, 1, tzinfo=UTC)
    assert parsed.start_source is StartSource.MTIME
    assert parsed.kind is MediaKind.VIDEO


def test_unknown_name_without_mtime() -> None:
    parsed = parse_name("VID_0001.MP4")
    assert not parsed.parsed
    assert parsed.start is None
    assert parsed.start_source is StartSource.NONE
    assert parsed.raw == "VID_0001.MP4"


@pytest.mark.parametrize(
    "name",
    [
        "../escape.mp4",
        "/etc/passwd",
        "..",
        "a\\b.MP4",
        "1234567_123456_20260105090000.MP4\x00.txt",
        ".1234567_123456_20260105090000.MP4",
        "A" * 300 + ".MP4",
        b"\xff\xfe1234567_123456_20260105090000.MP4",
        "",
        "1234567_123456_20260105090000\n.MP4",
    ],
)
def test_hostile_names_are_unparsed(name: str | bytes) -> None:
    parsed = parse_name(name, mtime=1.0)
    assert not parsed.parsed
    assert parsed.rejected
    assert parsed.kind is None


def test_non_utf8_raw_is_kept_verbatim() -> None:
    raw = b"\xff\xfeclip.MP4"
    parsed = parse_name(raw)
    assert os.fsencode(parsed.raw) == raw or parsed.raw.encode("utf-8", "surrogateescape") == raw


def test_kind_for_extension() -> None:
    assert kind_for_extension("a.JpEg") is MediaKind.PHOTO
    assert kind_for_extension(".mp4") is None
    assert kind_for_extension("noext") is None


def test_parse_file_uses_mtime(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"x")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    parsed = parse_file(path)
    assert not parsed.parsed
    assert parsed.start == datetime.fromtimestamp(1_700_000_000, UTC)


def test_parse_file_missing(tmp_path: Path) -> None:
    parsed = parse_file(tmp_path / "gone.MP4")
    assert parsed.start is None


@given(
    st.one_of(st.text(max_size=400), st.binary(max_size=400)),
    st.one_of(st.none(), st.floats(allow_nan=True), st.integers(-(10**20), 10**20)),
)
def test_parser_never_raises(name: str | bytes, mtime: float | None) -> None:
    parsed = parse_name(name, list(PRESETS.values()), mtime=mtime)
    if parsed.parsed:
        assert parsed.serial and parsed.officer_number and parsed.start is not None
        assert "/" not in parsed.raw and "\x00" not in parsed.raw
    else:
        assert parsed.serial is None


@given(st.binary(max_size=300).map(os.fsdecode))
def test_parser_never_raises_on_fs_names(name: str) -> None:
    parsed = parse_name(name, mtime=0.0)
    assert parsed.raw == name
    if any(0xDC80 <= ord(c) <= 0xDCFF for c in name):
        assert not parsed.parsed
