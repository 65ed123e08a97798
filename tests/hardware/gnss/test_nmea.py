"""NMEA 0183 reading: framing, checksums, talkers, coordinates, no-fix epochs, stream chunks."""

from __future__ import annotations

import contextlib
import itertools
from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.gnss.nmea import (
    ChecksumError,
    Gga,
    NmeaError,
    NmeaReader,
    Rmc,
    Sentence,
    SentenceError,
    checksum,
    decode_sentence,
    encode_sentence,
    format_lat,
    format_lon,
    parse_sentence,
)

# Synthetic epoch near 29.08 N 119.65 E.
GGA = encode_sentence(
    "GN",
    "GGA",
    [
        "013000.00",
        "2904.8000",
        "N",
        "11939.0000",
        "E",
        "1",
        "09",
        "0.9",
        "41.5",
        "M",
        "7.0",
        "M",
        "",
        "",
    ],
)
RMC = encode_sentence(
    "GN",
    "RMC",
    ["013000.00", "A", "2904.8000", "N", "11939.0000", "E", "1.50", "87.0", "271126", "", "", "A"],
)


def test_checksum_is_xor_between_dollar_and_star() -> None:
    assert checksum("GPGGA") == ord("G") ^ ord("P") ^ ord("G") ^ ord("G") ^ ord("A")
    assert GGA.endswith(b"\r\n")
    body = GGA[1 : GGA.index(b"*")].decode()
    assert GGA[GGA.index(b"*") + 1 : -2].decode() == f"{checksum(body):02X}"


def test_gga_fields() -> None:
    gga = parse_sentence(GGA)
    assert isinstance(gga, Gga)
    assert gga.talker == "GN"
    assert gga.utc_time == time(1, 30, tzinfo=UTC)
    assert gga.lat == pytest.approx(29.08)
    assert gga.lon == pytest.approx(119.65)
    assert (gga.quality, gga.satellites, gga.hdop, gga.altitude) == (1, 9, 0.9, 41.5)


def test_rmc_fields_and_southern_western_hemispheres() -> None:
    line = encode_sentence(
        "GP", "RMC", ["235959", "A", "3354.5000", "S", "07030.0000", "W", "", "", "010180", "", ""]
    )
    rmc = parse_sentence(line)
    assert isinstance(rmc, Rmc)
    assert rmc.valid
    assert rmc.lat == pytest.approx(-(33 + 54.5 / 60))
    assert rmc.lon == pytest.approx(-70.5)
    assert rmc.utc_date == date(1980, 1, 1)
    assert rmc.speed_knots is None
    assert rmc.course is None


def test_checksum_verified_and_optionally_not_required() -> None:
    bad = GGA.replace(b"*", b"0*", 1)
    with pytest.raises(ChecksumError) as info:
        decode_sentence(bad)
    assert info.value.reason == "checksum mismatch"
    assert str(info.value) == info.value.message
    bare = GGA[: GGA.index(b"*")]
    with pytest.raises(ChecksumError) as info:
        decode_sentence(bare)
    assert info.value.reason == "no checksum"
    assert decode_sentence(bare, require_checksum=False).kind == "GGA"
    with pytest.raises(ChecksumError):
        decode_sentence(bad, require_checksum=False)  # a wrong checksum is never accepted


def test_other_sentence_types_are_framed_only() -> None:
    gsv = encode_sentence("BD", "GSV", ["1", "1", "01", "07", "45", "120", "40"])
    assert parse_sentence(gsv) == Sentence("BD", "GSV", ("1", "1", "01", "07", "45", "120", "40"))


@pytest.mark.parametrize(
    "line",
    [
        b"$GPGGA,1,2*00",
        "$GPGGA,013000,29AB.0,N,11939,E,1,09,0.9,41.5,M*",
        b"\xff\xfe",
        b"$G*00",
        b"$GPRMC,250000,A,2904.8,N,11939.0,E,0,0,271126,,",
        b"$GPGGA,013000,2960.0,N,,,1",
    ],
)
def test_malformed_lines_raise_typed_errors(line: str | bytes) -> None:
    if isinstance(line, bytes) and line.startswith(b"$") and b"*" not in line:
        line = encode_sentence(line[1:3].decode(), line[3:6].decode(), line.decode().split(",")[1:])
    with pytest.raises(NmeaError):
        parse_sentence(line, require_checksum=False)


@pytest.mark.parametrize("talker", ["GP", "GN", "BD", "GB"])
def test_reader_merges_gga_and_rmc_of_one_epoch(talker: str) -> None:
    reader = NmeaReader()
    gga = GGA.replace(b"GNGGA", talker.encode() + b"GGA")
    rmc = RMC.replace(b"GNRMC", talker.encode() + b"RMC")
    gga = encode_sentence(talker, "GGA", gga.decode().split("*")[0].split(",")[1:])
    rmc = encode_sentence(talker, "RMC", rmc.decode().split("*")[0].split(",")[1:])
    assert reader.feed(gga) == []
    (fix,) = reader.feed(rmc)
    assert fix.talker == talker
    assert fix.utc == datetime(2026, 11, 27, 1, 30, tzinfo=UTC)
    assert fix.lat == pytest.approx(29.08)
    assert fix.lon == pytest.approx(119.65)
    assert (fix.altitude, fix.satellites, fix.hdop, fix.quality) == (41.5, 9, 0.9, 1)
    assert (fix.speed_knots, fix.course) == (1.5, 87.0)


def test_reader_handles_any_chunking_and_line_endings() -> None:
    stream = b"junk\r\n\x00\xff" + GGA + RMC.replace(b"\r\n", b"\n") + GGA.replace(b"\r\n", b"\r")
    for size in (1, 2, 3, 7, 64):
        reader = NmeaReader()
        fixes = []
        for i in range(0, len(stream), size):
            fixes += reader.feed(stream[i : i + size])
        assert len(fixes) == 1
        assert len(reader.flush()) == 1  # the lone GGA completes at end of stream
        assert reader.skipped["noise"] == 1


def test_no_fix_epochs_yield_nothing() -> None:
    reader = NmeaReader()
    void = encode_sentence(
        "GN", "RMC", ["013001.00", "V", "", "", "", "", "", "", "271126", "", "", "N"]
    )
    invalid = encode_sentence(
        "GN", "GGA", ["013001.00", "", "", "", "", "0", "00", "99.9", "", "", "", "", "", ""]
    )
    assert reader.feed(invalid + void) == []
    assert reader.skipped["no_fix"] == 1


def test_reader_counts_bad_checksums_and_foreign_talkers() -> None:
    reader = NmeaReader()
    bad = GGA.replace(b"2904.8000", b"2904.8001")
    foreign = encode_sentence("XX", "GGA", GGA.decode().split("*")[0].split(",")[1:])
    assert reader.feed(bad + foreign) == []
    assert reader.skipped["checksum"] == 1
    assert reader.skipped["talker"] == 1


def test_reader_drops_overlong_lines_and_resynchronises() -> None:
    reader = NmeaReader()
    assert reader.feed(b"$" + b"A" * 500) == []
    assert reader.feed(b"B" * 10 + b"\r\n" + GGA + RMC) != []
    assert reader.skipped["too_long"] == 1


def test_gga_without_rmc_uses_last_known_date() -> None:
    reader = NmeaReader()
    reader.feed(GGA + RMC)
    later = encode_sentence(
        "GN",
        "GGA",
        [
            "013001.00",
            "2904.8000",
            "N",
            "11939.0000",
            "E",
            "1",
            "09",
            "0.9",
            "41.5",
            "M",
            "",
            "",
            "",
            "",
        ],
    )
    assert reader.feed(later) == []
    (fix,) = reader.flush()
    assert fix.utc == datetime(2026, 11, 27, 1, 30, 1, tzinfo=UTC)
    assert fix.speed_knots is None


@given(st.binary(max_size=400))
@settings(max_examples=300)
def test_arbitrary_bytes_never_raise_untyped(data: bytes) -> None:
    with contextlib.suppress(NmeaError):
        parse_sentence(data, require_checksum=False)
    NmeaReader(require_checksum=False).feed(data)


@given(st.lists(st.text(alphabet="$*,.0123456789ABCDEFGNPRMCSVW\r\n", max_size=80), max_size=10))
def test_nmea_like_text_never_raises_in_reader(lines: list[str]) -> None:
    reader = NmeaReader(require_checksum=False)
    for line in lines:
        reader.feed(line.encode())
    reader.flush()


@given(
    lat=st.floats(-89.9999, 89.9999),
    lon=st.floats(-179.9999, 179.9999),
    talker=st.sampled_from(["GP", "GN", "BD", "GB"]),
    second=st.integers(0, 86399),
    day=st.dates(date(2000, 1, 1), date(2079, 12, 31)),
)
def test_generated_sentences_round_trip(
    lat: float, lon: float, talker: str, second: int, day: date
) -> None:
    lat_text, ns = format_lat(lat)
    lon_text, ew = format_lon(lon)
    hhmmss = f"{second // 3600:02d}{second // 60 % 60:02d}{second % 60:02d}"
    gga = encode_sentence(
        talker,
        "GGA",
        [hhmmss, lat_text, ns, lon_text, ew, "2", "12", "1.1", "-3.5", "M", "", "", "", ""],
    )
    rmc = encode_sentence(
        talker,
        "RMC",
        [
            hhmmss,
            "A",
            lat_text,
            ns,
            lon_text,
            ew,
            "0.00",
            "359.9",
            day.strftime("%d%m%y"),
            "",
            "",
            "D",
        ],
    )
    (fix,) = NmeaReader().feed(gga + rmc)
    assert fix.lat == pytest.approx(lat, abs=1e-6)
    assert fix.lon == pytest.approx(lon, abs=1e-6)
    assert fix.utc is not None
    assert fix.utc.date() == day
    assert fix.utc.hour * 3600 + fix.utc.minute * 60 + fix.utc.second == second
    assert (fix.quality, fix.altitude, fix.talker) == (2, -3.5, talker)


def test_sentence_error_is_an_nmea_error() -> None:
    assert issubclass(SentenceError, NmeaError)
    assert issubclass(ChecksumError, NmeaError)


@given(cuts=st.lists(st.integers(0, 400), max_size=12))
def test_chunk_boundaries_do_not_change_the_fixes(cuts: list[int]) -> None:
    later = encode_sentence(
        "GN",
        "GGA",
        [
            "013001.00",
            "2904.9000",
            "N",
            "11939.1000",
            "E",
            "1",
            "08",
            "1.0",
            "42.0",
            "M",
            "",
            "",
            "",
            "",
        ],
    )
    stream = b"\xff$GPGSV,1*\r\n" + GGA + RMC + later
    whole = NmeaReader()
    expected = whole.feed(stream) + whole.flush()
    pieces = NmeaReader()
    got = []
    edges = sorted({0, len(stream), *(c % (len(stream) + 1) for c in cuts)})
    for start, end in itertools.pairwise(edges):
        got += pieces.feed(stream[start:end])
    assert got + pieces.flush() == expected
    assert len(expected) == 2
    assert pieces.skipped == whole.skipped
