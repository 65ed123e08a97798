"""The GNSS emulator over an in-memory pipe, read back through the NMEA reader."""

from __future__ import annotations

import threading

import pytest

from hardware.gnss.emulator import GnssEmulator, synthetic_track
from hardware.gnss.nmea import Fix, NmeaReader
from hardware.link import pipe_pair


def collect(emulator: GnssEmulator, epochs: int) -> tuple[list[Fix], NmeaReader]:
    host, device = pipe_pair()
    stop = threading.Event()
    thread = threading.Thread(target=emulator.serve, args=(device, stop), daemon=True)
    thread.start()
    reader = NmeaReader()
    fixes: list[Fix] = []
    try:
        while reader.sentences + sum(reader.skipped.values()) < 2 * epochs:
            chunk = host.read(64, 5.0)
            assert chunk, "emulator went silent"
            fixes += reader.feed(chunk)
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    return fixes, reader


def test_synthetic_track_is_reproducible_and_local() -> None:
    assert synthetic_track(20, seed=3) == synthetic_track(20, seed=3)
    assert synthetic_track(20, seed=3) != synthetic_track(20, seed=4)
    for point in synthetic_track(100, seed=1):
        assert abs(point.lat - 29.08) < 0.01
        assert abs(point.lon - 119.65) < 0.01


def test_replays_the_track() -> None:
    track = synthetic_track(10, seed=7)
    fixes, reader = collect(GnssEmulator(track, rate=1000), 10)
    assert [f.utc for f in fixes] == [p.utc.replace(microsecond=0) for p in track]
    for fix, point in zip(fixes, track, strict=True):
        assert fix.lat == pytest.approx(point.lat, abs=2e-6)
        assert fix.lon == pytest.approx(point.lon, abs=2e-6)
        assert fix.satellites == point.satellites
        assert fix.talker == "GN"
    assert sum(reader.skipped.values()) == 0


def test_no_fix_segment_and_corrupted_checksums() -> None:
    emulator = GnssEmulator(
        synthetic_track(12, seed=2), rate=1000, talker="BD", no_fix=[(3, 6)], corrupt_every=5
    )
    fixes, reader = collect(emulator, 12)
    assert reader.skipped["checksum"] == 24 // 5
    assert reader.skipped["no_fix"] >= 3
    assert all(f.talker == "BD" for f in fixes)
    assert len(fixes) <= 12 - 3


def test_from_params() -> None:
    emulator = GnssEmulator.from_params(
        {"rate": "50", "n": "5", "seed": "9", "nofix": "1-2", "talker": "gp", "corrupt": "3"}
    )
    assert (emulator.rate, len(emulator.track), emulator.talker) == (50.0, 5, "GP")
    assert emulator.no_fix == ((1, 3),)
    with pytest.raises(ValueError, match="unknown"):
        GnssEmulator.from_params({"bogus": "1"})
