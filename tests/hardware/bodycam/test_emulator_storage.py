"""The recorder's storage persists like a real device's: across locks and emulator instances."""

from __future__ import annotations

import shutil
from pathlib import Path

from hardware.bodycam import open_bodycam
from hardware.bodycam.emulator import BodycamEmulator


def unlocked(root: Path) -> tuple[BodycamEmulator, Path]:
    emulator = BodycamEmulator(volume_root=root)
    emulator.init_device()
    volume = emulator.set_msdc("000000").value
    assert isinstance(volume, Path)
    return emulator, volume


def names(volume: Path) -> set[str]:
    return {p.name for p in (volume / "DCIM").iterdir()}


def test_deleted_files_stay_deleted_after_lock_and_a_new_emulator(tmp_path: Path) -> None:
    first, volume = unlocked(tmp_path)
    imported = sorted(volume.glob("DCIM/*_0001.MP4"))
    assert len(imported) == 1
    imported[0].unlink()  # the importer moved it to the evidence store
    first.lock_storage()
    _second, again = unlocked(tmp_path)  # docked again, another process
    assert again == volume
    assert imported[0].name not in names(again)
    assert len(names(again)) == len(first.expected_files()) - 1


def test_volume_left_shown_by_an_ended_process_is_reused(tmp_path: Path) -> None:
    _first, volume = unlocked(tmp_path)  # the process ends without locking
    (volume / "DCIM" / "NOTE.TXT").write_bytes(b"written by the device")
    _second, again = unlocked(tmp_path)
    assert again == volume
    assert (again / "DCIM" / "NOTE.TXT").read_bytes() == b"written by the device"


def test_lock_keeps_the_files_in_the_root(tmp_path: Path) -> None:
    events: list[str] = []
    emulator = BodycamEmulator(volume_root=tmp_path, on_volume=lambda kind, _p: events.append(kind))
    emulator.init_device()
    volume = emulator.set_msdc("000000").value
    assert isinstance(volume, Path)
    emulator.lock_storage()
    assert events == ["arrived", "removed"]
    assert names(volume) == {Path(rel).name for rel in emulator.expected_files()}


def test_persistence_through_the_byte_protocol(tmp_path: Path) -> None:
    url = f"emu-bodycam://?root={tmp_path}"
    driver = open_bodycam(url)
    try:
        driver.connect("000000")
        victim = sorted(driver.unlock_storage().glob("DCIM/*.WAV"))[0]
        victim.unlink()
        driver.lock_storage()
    finally:
        driver.disconnect()
    driver = open_bodycam(url)  # a new emulator behind a new port, same root
    try:
        driver.connect("000000")
        volume = driver.unlock_storage()
    finally:
        driver.disconnect()
    assert victim.parent.parent == volume
    assert not victim.exists()
    assert any(volume.glob("DCIM/*.MP4"))


def test_without_root_a_temporary_directory_is_used() -> None:
    emulator = BodycamEmulator.from_params({})
    assert emulator.volume_root is not None
    try:
        emulator.init_device()
        assert emulator.set_msdc("000000").ok == 1
    finally:
        shutil.rmtree(emulator.volume_root)
