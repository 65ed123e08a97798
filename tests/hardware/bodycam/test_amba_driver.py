"""`AmbaDriver` against the emulator through real ports: `emu-bodycam://` and a real pty.

Both sides share one injected clock, so clock offsets are exact. The wire-level tests write
request bytes themselves and read what the emulator answers.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hardware.bodycam import AmbaDriver, open_bodycam
from hardware.bodycam.amba_codec import FrameError, ReplyTimeoutError
from hardware.bodycam.amba_device import AmbaDevice
from hardware.bodycam.emulator import BodycamEmulator
from hardware.bodycam.errors import (
    IRet,
    MassStorageFailedError,
    NotConnectedError,
    StorageError,
    UnsupportedOperationError,
    WrongPasswordError,
)
from hardware.bodycam.identity import IdentityRecord
from hardware.errors import PortError, PortErrorKind
from hardware.link import Link
from hardware.pty import serve_on_pty
from hardware.transport import Port, open_port

OFFICER = IdentityRecord("7654321", "654321", "李四", "110105000001", "某市综合行政执法局")


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 8, 0, 0, tzinfo=UTC)  # 16:00 Beijing time

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def url(root: Path, **options: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"root": str(root), **options}.items())
    return f"emu-bodycam://?{query}"


def emulator_of(driver: AmbaDriver) -> BodycamEmulator:
    device = getattr(driver.port, "emulator", None)  # what emu-bodycam:// serves
    assert isinstance(device, AmbaDevice)
    return device.emulator


@pytest.fixture
def cam(tmp_path: Path, clock: FakeClock) -> Iterator[AmbaDriver]:
    driver = open_bodycam(url(tmp_path, offset="-125", battery="57", width="2304",
                              height="1296", serial=OFFICER.serial, officer=OFFICER.officer_number,
                              name=OFFICER.officer_name, unit=OFFICER.unit_number,
                              unitname=OFFICER.unit_name), host_clock=clock)
    emulator_of(driver).host_clock = clock
    try:
        yield driver
    finally:
        driver.disconnect()


def test_connect_and_read_identity_with_chinese_names(cam: AmbaDriver) -> None:
    assert cam.connect("000000") == "EMU01"
    assert cam.read_identity() == OFFICER
    assert cam.read_identity().officer_name == "李四"


def test_wrong_password_is_refused_and_nothing_else_is_possible(cam: AmbaDriver) -> None:
    with pytest.raises(WrongPasswordError) as info:
        cam.connect("999999")
    assert info.value.code == IRet.CHECK_PWD_FAILED
    assert info.value.message == "The body-worn recorder rejected the password."
    assert not emulator_of(cam).connected
    with pytest.raises(NotConnectedError):
        cam.battery()
    assert cam.connect("000000") == "EMU01"


def test_malformed_password_never_reaches_the_device(cam: AmbaDriver) -> None:
    with pytest.raises(WrongPasswordError, match="6 plain characters"):
        cam.connect("12345")
    assert emulator_of(cam).calls == []


def test_clock_offset_then_sync(cam: AmbaDriver, clock: FakeClock) -> None:
    cam.connect("000000")
    reading = cam.read_time()
    assert reading.offset_s == -125
    assert reading.device_time == datetime(2026, 3, 1, 15, 57, 55)
    clock.now += timedelta(seconds=7)
    before, after = cam.sync_time()
    assert (before.offset_s, after.offset_s) == (-125, 0)
    assert after.device_time == datetime(2026, 3, 1, 16, 0, 7)
    assert emulator_of(cam).clock_offset == 0


def test_sync_across_midnight_sets_date_and_time(cam: AmbaDriver, clock: FakeClock) -> None:
    clock.now = datetime(2026, 3, 1, 16, 1, 0, tzinfo=UTC)  # 00:01 on 2 March in Beijing
    cam.connect("000000")
    assert cam.read_time().device_time == datetime(2026, 3, 1, 23, 58, 55)  # still 1 March
    _before, after = cam.sync_time()
    assert after.device_time == datetime(2026, 3, 2, 0, 1, 0)


def test_battery_resolution_and_identity_write(cam: AmbaDriver) -> None:
    cam.connect("000000")
    assert cam.battery() == 57
    assert cam.resolution() == (2304, 1296)
    new = IdentityRecord("1111111", "222222", "王五", "110105000002", "某街道办事处")
    cam.write_identity(new)
    assert emulator_of(cam).identity == new
    assert cam.read_identity() == new


def test_unlock_shows_the_volume_and_lock_leaves_disk_mode(cam: AmbaDriver, tmp_path: Path) -> None:
    cam.connect("000000")
    volume = cam.unlock_storage()
    assert volume == tmp_path / f"bodycam-{OFFICER.serial}"
    found = {p.relative_to(volume).as_posix(): p.read_bytes()
             for p in volume.rglob("*") if p.is_file()}
    assert found == emulator_of(cam).expected_files()
    assert any(name.endswith("_IMP.MP4") for name in found)
    cam.lock_storage()
    assert not emulator_of(cam).msdc_enabled
    assert cam.unlock_storage() == volume
    assert emulator_of(cam).msdc_enabled


def test_unlock_failure_is_typed(cam: AmbaDriver) -> None:
    cam.connect("000000")
    emulator_of(cam).msdc_fails = True
    with pytest.raises(MassStorageFailedError):
        cam.unlock_storage()


def test_unknown_command_is_unsupported(cam: AmbaDriver) -> None:
    cam.connect("000000")
    with pytest.raises(UnsupportedOperationError):
        cam._call("Fmt", "000000")
    assert cam.battery() == 57  # the session goes on


def test_size_option_makes_bigger_videos(tmp_path: Path) -> None:
    driver = open_bodycam(url(tmp_path, size="100000"))
    try:
        driver.connect("000000")
        videos = list(driver.unlock_storage().rglob("*.MP4"))
    finally:
        driver.disconnect()
    assert len(videos) == 3
    assert all(100_000 < v.stat().st_size < 100_100 for v in videos)


def test_disconnect_closes_the_port(tmp_path: Path) -> None:
    driver = open_bodycam(url(tmp_path))
    driver.connect("000000")
    port = driver.port
    driver.disconnect()
    assert not getattr(port, "is_open", True)
    driver.disconnect()  # a second goodbye is harmless


@pytest.mark.parametrize(
    ("target", "kind"),
    [("/dev/ttyDOESNOTEXIST", PortErrorKind.NOT_FOUND),
     ("emu-bodycam://?colour=blue", PortErrorKind.INVALID)],
)
def test_port_errors_propagate(target: str, kind: PortErrorKind) -> None:
    with pytest.raises(PortError) as info:
        open_bodycam(target)
    assert info.value.kind is kind


# --------------------------------------------------------------------------- the wire


def exchange(port: Port, data: bytes, expect: int) -> bytes:
    """Write `data`, then read until `expect` reply frames (`#`) arrived or the port idles."""
    out = b""
    port.write(data)
    while out.count(b"#") < expect:
        byte = port.read(1)  # one at a time: returns as soon as the emulator answered
        if not byte:
            break
        out += byte
    return out


def test_wire_session_rules(tmp_path: Path) -> None:
    port = open_port(url(tmp_path), timeout=2)
    try:
        assert exchange(port, b"@Sdt;8;20260301;#", 1) == b"@Sdt;NG;1;2;#"  # no login yet
        login = exchange(port, b"@Ver;8;00000000;#", 1)
        assert b"Ver;OK" in login and login.endswith(b"EMU01;#")
        assert exchange(port, b"@Stm;8;16000000;#", 1) == b"@Stm;NG;1;4;#"  # no password yet
        assert exchange(port, b"@Bat;6;111111;#", 1) == b"@Bat;NG;1;4;#"
        assert exchange(port, b"@Bat;6;000000;#", 1) == b"@Bat;OK;2;80;#"
        assert exchange(port, b"@Sdt;8;20261301;#", 1) == b"@Sdt;NG;1;6;#"  # month 13
        assert exchange(port, b"@Stm;8;16000000;#", 1) == b"@Stm;OK;0;;#"
        assert exchange(port, b"@Zzz;0;;#", 1) == b"@Zzz;NG;1;0;#"
    finally:
        port.close()


def test_wire_noise_and_broken_frames_are_skipped(tmp_path: Path) -> None:
    port = open_port(url(tmp_path), timeout=2)
    try:
        noisy = b"\r\n\x00garbage@@Ver;3;x;#\r\n@Ver;8;00000000;#\r\n@Gtm;x;#@Res;6;000000;#"
        assert exchange(port, noisy, 2) == b"@Ver;OK;5;EMU01;#@Res;OK;9;1920x1080;#"
        # A request cut short is dropped once the line stays quiet; the next one is answered.
        port.write(b"@Gdv;200;0000")
        assert port.read(1) == b""
        assert exchange(port, b"@Bat;6;000000;#", 1) == b"@Bat;OK;2;80;#"
    finally:
        port.close()


class Mute:
    """A device that reads requests and answers with `reply` (nothing, or a truncated frame)."""

    def __init__(self, reply: bytes = b"") -> None:
        self.reply = reply

    def serve(self, link: Link, stop: threading.Event) -> None:
        while not stop.is_set():
            if link.read(256, 0.05) and self.reply:
                link.write(self.reply)


pty_only = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX")


@pty_only
@pytest.mark.parametrize(("reply", "error", "text"), [
    (b"", ReplyTimeoutError, "did not answer"),
    (b"\r\n@Ver;OK;5;EM", FrameError, "cut short"),
])
def test_silent_or_cut_short_device(reply: bytes, error: type[Exception], text: str) -> None:
    with serve_on_pty(Mute(reply)) as server:
        port = open_port(server.path, timeout=0.05)
        try:
            with pytest.raises(error, match=text):
                AmbaDriver(port, timeout=0.3).connect("000000")
        finally:
            port.close()


@pty_only
def test_full_dock_over_a_real_pty(tmp_path: Path, clock: FakeClock) -> None:
    emulator = BodycamEmulator(OFFICER, volume_root=tmp_path, clock_offset=-125,
                               host_clock=clock)
    with serve_on_pty(AmbaDevice(emulator)) as server:  # the recorder over the Amba bytes
        driver = open_bodycam(server.path, host_clock=clock)
        try:
            assert driver.connect("000000") == "EMU01"
            assert driver.read_identity() == OFFICER
            before, after = driver.sync_time()
            assert (before.offset_s, after.offset_s) == (-125, 0)
            assert driver.battery() == 80
            volume = driver.unlock_storage()
            assert {p.name for p in (volume / "DCIM").iterdir()} == {
                Path(rel).name for rel in emulator.expected_files()}
            driver.lock_storage()
            assert not emulator.msdc_enabled
        finally:
            driver.disconnect()
    assert emulator.calls[0] == "Init_Device" and emulator.calls[-1] == "UnInit_Device"
    assert not emulator.connected


def test_volume_that_is_not_a_directory_is_a_storage_error(tmp_path: Path) -> None:
    driver = open_bodycam(url(tmp_path))
    try:
        driver.connect("000000")
        emulator = emulator_of(driver)
        emulator.volume = tmp_path / "vanished"  # the disk went away under the device
        with pytest.raises(StorageError):
            driver.unlock_storage()
    finally:
        driver.disconnect()
