from __future__ import annotations

import os
import struct
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hardware.bodycam.emulator import (
    DEFAULT_IDENTITY,
    BodycamEmulator,
    gprmc,
    synthetic_jpeg,
    synthetic_mp4,
    synthetic_wav,
)
from hardware.bodycam.errors import IRet
from hardware.bodycam.filenames import MediaKind, parse_file, parse_name
from hardware.bodycam.identity import C_LAYOUT, decode_identity

HOST = datetime(2026, 3, 1, 8, 0, 0, tzinfo=UTC)


def make(tmp_path: Path, **kwargs: Any) -> BodycamEmulator:
    emulator = BodycamEmulator(volume_root=tmp_path, host_clock=lambda: HOST, **kwargs)
    assert emulator.init_device().ok == 1
    return emulator


def test_wrong_password_answers_zero_and_check_pwd_failed(tmp_path: Path) -> None:
    emulator = make(tmp_path)
    reply = emulator.get_zfy_info("999999")
    assert (reply.ok, reply.iret) == (0, IRet.CHECK_PWD_FAILED)


def test_not_connected(tmp_path: Path) -> None:
    emulator = BodycamEmulator(volume_root=tmp_path)
    reply = emulator.get_zfy_info("000000")
    assert (reply.ok, reply.iret) == (0, IRet.CONNECT_FAILED)


def test_identity_record_bytes(tmp_path: Path) -> None:
    reply = make(tmp_path).get_zfy_info("000000")
    assert isinstance(reply.value, bytes)
    assert len(reply.value) == 94
    assert decode_identity(reply.value, C_LAYOUT) == DEFAULT_IDENTITY


def test_clock_offset_and_sync(tmp_path: Path) -> None:
    emulator = make(tmp_path, clock_offset=-42)
    assert emulator.get_dev_time("000000").value == "20260301155918"  # UTC+8, 42 s slow
    assert emulator.sync_dev_time("000000").iret == IRet.SET_SYSTEMTIME_SUCCESS
    assert emulator.get_dev_time("000000").value == "20260301160000"
    emulator.sync_dev_time("000000", datetime(2026, 3, 1, 16, 1, 0))  # naive = device-local
    assert emulator.clock_offset == 60
    emulator.sync_dev_time("000000", HOST)  # aware: converted to the device zone
    assert emulator.clock_offset == 0


def test_msdc_without_root_fails(tmp_path: Path) -> None:
    emulator = BodycamEmulator(host_clock=lambda: HOST)
    emulator.init_device()
    assert emulator.set_msdc("000000").iret == IRet.MSDC_FAILED


def test_volume_contents(tmp_path: Path) -> None:
    emulator = make(tmp_path)
    reply = emulator.set_msdc("000000")
    assert reply.iret == IRet.MSDC_SUCCESS
    volume = reply.value
    assert isinstance(volume, Path)
    assert volume.is_relative_to(tmp_path)
    expected = emulator.expected_files()
    found = {
        p.relative_to(volume).as_posix(): p.read_bytes() for p in volume.rglob("*") if p.is_file()
    }
    assert found == expected
    names = [Path(rel).name for rel in expected]
    parsed = [parse_name(n) for n in names if not n.endswith(".NMEA")]
    assert all(p.parsed for p in parsed)
    assert {p.kind for p in parsed} == {MediaKind.VIDEO, MediaKind.PHOTO, MediaKind.AUDIO}
    assert sum(p.important for p in parsed) == 2
    sidecars = [n for n in names if n.endswith(".NMEA")]
    assert len(sidecars) == 1
    video = volume / "DCIM" / sidecars[0].replace(".NMEA", ".MP4")
    assert video.exists()


def test_volume_is_deterministic(tmp_path: Path) -> None:
    a = make(tmp_path / "a").expected_files()
    b = make(tmp_path / "b").expected_files()
    assert a == b


def test_mtimes_follow_recording_times(tmp_path: Path) -> None:
    emulator = make(tmp_path)
    emulator.set_msdc("000000")
    assert emulator.volume is not None
    first = next(iter(sorted((emulator.volume / "DCIM").glob("*_0001.MP4"))))
    assert os.stat(first).st_mtime == datetime(2026, 1, 5, 9, tzinfo=UTC).timestamp()


def test_lock_hides_volume_but_the_device_keeps_its_files(tmp_path: Path) -> None:
    emulator = make(tmp_path)
    volume = emulator.set_msdc("000000").value
    assert isinstance(volume, Path)
    emulator.lock_storage()
    assert not emulator.msdc_enabled
    assert emulator.volume is None
    assert (volume / "DCIM").is_dir()  # internal storage persists across dockings
    assert emulator.set_msdc("000000").value == volume


def test_hostile_entries(tmp_path: Path) -> None:
    emulator = make(tmp_path, hostile=True)
    emulator.set_msdc("000000")
    folder = emulator.volume
    assert folder is not None
    hostile = emulator.hostile_names()
    assert any(n.startswith(".") for n in hostile)
    assert any(len(n) > 200 for n in hostile)
    link = folder / "DCIM" / "link_1234567_123456_20260105091500.MP4"
    assert link.is_symlink()
    assert not link.resolve().is_relative_to(folder.resolve())
    for name in hostile:
        result = parse_file(folder / "DCIM" / name)
        if name.startswith(".") or len(name) > 200 or "\udcff" in name:
            assert not result.parsed
    emulator.lock_storage()
    assert (tmp_path / "outside-secret.txt").exists()  # lock never follows the symlink


def test_synthetic_headers() -> None:
    mp4 = synthetic_mp4("x")
    assert mp4[4:8] == b"ftyp"
    size = struct.unpack(">I", mp4[:4])[0]
    assert mp4[size + 4 : size + 8] == b"mdat"
    assert struct.unpack(">I", mp4[size : size + 4])[0] == len(mp4) - size
    jpg = synthetic_jpeg("x")
    assert jpg[:4] == b"\xff\xd8\xff\xe0" and jpg.endswith(b"\xff\xd9")
    wav = synthetic_wav("x")
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE"
    assert struct.unpack("<I", wav[4:8])[0] == len(wav) - 8


def test_gprmc_checksum() -> None:
    line = gprmc(datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC), 39.5, -116.25)
    body, checksum = line[1:].split("*")
    value = 0
    for byte in body.encode():
        value ^= byte
    assert f"{value:02X}" == checksum
    fields = body.split(",")
    assert fields[2] == "A" and fields[3] == "3930.0000" and fields[6] == "W"


def test_from_params(tmp_path: Path) -> None:
    emulator = BodycamEmulator.from_params(
        {
            "serial": "7654321",
            "officer": "654321",
            "pwd": "111111",
            "offset": "-5",
            "root": str(tmp_path),
            "hostile": "1",
        }
    )
    assert emulator.identity.serial == "7654321"
    assert emulator.password == "111111"
    assert emulator.clock_offset == -5
    assert emulator.volume_root == tmp_path
    assert emulator.hostile
    with pytest.raises(ValueError):
        BodycamEmulator.from_params({"bogus": "1"})


def test_volume_events(tmp_path: Path) -> None:
    events: list[tuple[str, Path]] = []
    emulator = make(tmp_path, on_volume=lambda kind, path: events.append((kind, path)))
    volume = emulator.set_msdc("000000").value
    emulator.set_msdc("000000")  # already mounted: no second arrival
    emulator.lock_storage()
    assert events == [("arrived", volume), ("removed", volume)]
