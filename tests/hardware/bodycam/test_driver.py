from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from hardware.bodycam.driver import (
    ADAPTERS,
    DLL_FUNCTIONS,
    VendorAdapter,
    VendorDllDriver,
)
from hardware.bodycam.emulator import DEFAULT_IDENTITY, BodycamEmulator
from hardware.bodycam.emulator_driver import EmulatorDriver
from hardware.bodycam.errors import (
    BodycamError,
    ConnectFailedError,
    FieldTooLongError,
    IRet,
    MassStorageFailedError,
    NotConnectedError,
    UnknownIRetError,
    UnsupportedOperationError,
    VendorLibraryMissingError,
    WrongPasswordError,
    error_for_iret,
)
from hardware.bodycam.filenames import parse_file
from hardware.bodycam.identity import IdentityRecord


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 1, 8, 0, 0, tzinfo=UTC))


def driver_for(
    tmp_path: Path, clock: FakeClock, adapter: str = "gat947", **kwargs: object
) -> tuple[EmulatorDriver, BodycamEmulator]:
    layout = ADAPTERS[adapter].layout
    emulator = BodycamEmulator(
        volume_root=tmp_path,
        host_clock=clock,
        layout=layout,
        **kwargs,  # type: ignore[arg-type]
    )
    return EmulatorDriver(emulator, ADAPTERS[adapter], host_clock=clock), emulator


def test_wrong_password(tmp_path: Path, clock: FakeClock) -> None:
    driver, emulator = driver_for(tmp_path, clock)
    with pytest.raises(WrongPasswordError) as info:
        driver.connect("123457")
    assert info.value.code == IRet.CHECK_PWD_FAILED
    assert info.value.message
    assert not emulator.connected
    with pytest.raises(NotConnectedError):
        driver.read_identity()


def test_malformed_password_never_reaches_device(tmp_path: Path, clock: FakeClock) -> None:
    driver, emulator = driver_for(tmp_path, clock)
    with pytest.raises(WrongPasswordError):
        driver.connect("12345")
    assert emulator.calls == []


def test_connect_failed(tmp_path: Path, clock: FakeClock) -> None:
    driver, _ = driver_for(tmp_path, clock, connect_fails=True)
    with pytest.raises(ConnectFailedError):
        driver.connect("000000")


@pytest.mark.parametrize("adapter", ["gat947", "android", "airline"])
def test_read_and_write_identity(tmp_path: Path, clock: FakeClock, adapter: str) -> None:
    driver, emulator = driver_for(tmp_path, clock, adapter)
    assert driver.connect("000000") == "EMU01"
    assert driver.read_identity() == DEFAULT_IDENTITY
    new = IdentityRecord("7654321", "654321", "李四", "110105000001", "某派出所")
    driver.write_identity(new)
    assert emulator.identity == new
    assert driver.read_identity() == new


def test_write_identity_too_long(tmp_path: Path, clock: FakeClock) -> None:
    driver, emulator = driver_for(tmp_path, clock)
    driver.connect("000000")
    with pytest.raises(FieldTooLongError):
        driver.write_identity(IdentityRecord("1234567", "123456", "名" * 30))
    driver.write_identity(IdentityRecord("1234567", "123456", "名" * 30), truncate=True)
    assert emulator.identity.officer_name == "名" * 16


def test_clock_offset_read_then_synchronised(tmp_path: Path, clock: FakeClock) -> None:
    driver, emulator = driver_for(tmp_path, clock, clock_offset=-90)
    driver.connect("000000")
    reading = driver.read_time()
    assert reading.offset_s == -90
    assert reading.device_time == datetime(2026, 3, 1, 15, 58, 30)  # Beijing time, 90 s slow
    clock.now += timedelta(seconds=5)
    before, after = driver.sync_time()
    assert before.offset_s == -90
    assert after.offset_s == 0
    assert after.device_time == datetime(2026, 3, 1, 16, 0, 5)
    assert emulator.clock_offset == 0
    clock.now += timedelta(hours=1)
    assert driver.read_time().offset_s == 0


def test_clock_without_time_read(tmp_path: Path, clock: FakeClock) -> None:
    emulator = BodycamEmulator(volume_root=tmp_path, host_clock=clock, clock_offset=30)
    adapter = VendorAdapter("no-time", can_read_time=False)
    driver = EmulatorDriver(emulator, adapter, host_clock=clock)
    driver.connect("000000")
    before, after = driver.sync_time()
    assert before.device_time is None and after.offset_s is None
    assert emulator.clock_offset == 0


def test_battery_and_resolution(tmp_path: Path, clock: FakeClock) -> None:
    driver, _ = driver_for(tmp_path, clock, battery=57, resolution=(2304, 1296))
    driver.connect("000000")
    assert driver.battery() == 57
    assert driver.resolution() == (2304, 1296)


def test_unlock_and_lock(tmp_path: Path, clock: FakeClock) -> None:
    driver, emulator = driver_for(tmp_path, clock)
    driver.connect("000000")
    volume = driver.unlock_storage()
    assert volume.is_dir()
    media = sorted(p for p in (volume / "DCIM").iterdir() if not p.name.endswith(".NMEA"))
    assert [p.name for p in media] == sorted(emulator.media_name(spec) for spec in emulator.media)
    parsed = [parse_file(p) for p in media]
    assert all(p.parsed and p.serial == "1234567" and p.officer_number == "123456" for p in parsed)
    assert sum(p.important for p in parsed) == 2
    assert len(list((volume / "DCIM").glob("*.NMEA"))) == 1
    driver.lock_storage()
    assert not emulator.msdc_enabled
    assert driver.unlock_storage() == volume  # unlockable again in the same session


def test_unlock_fails(tmp_path: Path, clock: FakeClock) -> None:
    driver, _ = driver_for(tmp_path, clock, msdc_fails=True)
    driver.connect("000000")
    with pytest.raises(MassStorageFailedError):
        driver.unlock_storage()


def test_disconnect(tmp_path: Path, clock: FakeClock) -> None:
    driver, emulator = driver_for(tmp_path, clock)
    driver.connect("000000")
    driver.disconnect()
    assert not emulator.connected
    with pytest.raises(NotConnectedError):
        driver.battery()


def test_error_for_iret() -> None:
    assert isinstance(error_for_iret(IRet.SET_SYSTEMTIME_FAILED), BodycamError)
    unknown = error_for_iret(99)
    assert isinstance(unknown, UnknownIRetError) and unknown.code == 99 and "99" in unknown.message


def test_dll_driver_without_library() -> None:
    with pytest.raises(VendorLibraryMissingError) as info:
        VendorDllDriver(None).load()
    assert info.value.message


def test_dll_driver_library_cannot_load() -> None:
    driver = VendorDllDriver("/nonexistent/ZFYSDK.dll")
    with pytest.raises(VendorLibraryMissingError):
        driver.read_identity()


def test_dll_driver_missing_exports() -> None:
    fake = SimpleNamespace(Init_Device=None)
    driver = VendorDllDriver("vendor.dll", loader=lambda _name: fake)
    with pytest.raises(VendorLibraryMissingError) as info:
        driver.load()
    assert "GetZFYInfo" in info.value.message


def test_dll_driver_with_library_is_not_bound_yet() -> None:
    fake = SimpleNamespace(**dict.fromkeys(DLL_FUNCTIONS))
    driver = VendorDllDriver("vendor.dll", loader=lambda _name: fake)
    assert driver.load() is fake
    with pytest.raises(UnsupportedOperationError):
        driver.connect("000000")
