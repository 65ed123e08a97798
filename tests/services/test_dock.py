"""Docking an emulated body-worn recorder into a real store and vault.

The recorder is the GA/T 947 emulator behind the same driver interface a vendor DLL gets;
everything on our side is real: SQLCipher store, `.sr1` vault files, signed certificate.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from pathlib import Path

import pytest

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Case
from desktop.services import dock as docking_service
from desktop.services import evidence
from desktop.services import records as case_records
from desktop.services.dock import DockCancelled, DockPolicy, DockProgress, DockStage
from desktop.store import dockings
from desktop.store import evidence as records
from desktop.store.vault_read import decrypt_to
from hardware.bodycam.emulator import BodycamEmulator
from hardware.bodycam.emulator_driver import EmulatorDriver
from hardware.bodycam.errors import WrongPasswordError
from tests.conftest import World


def recorder(root: Path, **kwargs: object) -> BodycamEmulator:
    return BodycamEmulator(volume_root=root, **kwargs)  # type: ignore[arg-type]


def volume_files(emulator: BodycamEmulator, root: Path) -> set[str]:
    volume = root / f"bodycam-{emulator.identity.serial}"
    return {str(p.relative_to(volume)) for p in volume.rglob("*") if p.is_file()}


def audit_actions(world: World) -> list[str]:
    return [str(r[0]) for r in world.store.conn.execute("SELECT action FROM audit_log")]


def test_dock_takes_every_file_with_custody_and_a_signed_certificate(
    world: World, tmp_path: Path
) -> None:
    emulator = recorder(tmp_path / "device", clock_offset=-125.0)
    expected = emulator.expected_files()
    seen: list[DockProgress] = []
    report = docking_service.dock(world.store, EmulatorDriver(emulator), case_id=world.case.id,
                                  progress=seen.append)

    # Every file on the recorder, once, byte-identical when exported.
    assert sorted(i.original_name for i in report.items) == sorted(
        Path(rel).name for rel in expected)
    assert not report.skipped and not report.already and not report.resumed
    by_name = {i.original_name: i for i in report.items}
    for rel, content in expected.items():
        item = by_name[Path(rel).name]
        assert item.sha256 == hashlib.sha256(content).hexdigest()
        out = io.BytesIO()
        key = world.store.vault_key()
        decrypt_to(records.blob_path(world.paths.workdir, item.sha256, key), key, out)
        assert out.getvalue() == content

    # Custody: the recorder, the officer, the clock error, corrected times, marks, GPS.
    stored = {r.original_name: r for r in records.items_for_case(world.store.conn,
                                                                  world.case.id)}
    marked = sorted(n for n, r in stored.items() if r.marked)
    assert marked == sorted(Path(emulator.media_name(s)).name for s in emulator.media
                            if s.important)
    video = stored[emulator.media_name(emulator.media[2])]  # the one with the GPS sidecar
    assert video.source == "bodycam" and video.device_serial == "1234567"
    assert video.officer_number == "123456" and video.docking_id == report.docking.id
    assert video.device_path == "DCIM/" + video.original_name
    custody = video.custody_details
    assert abs(custody["clock_offset_ms"] + 125_000) < 2_000
    assert custody["device_start_local"] == "2026-01-05T09:20:00"
    # 09:20 on a clock 125 s slow, Beijing time → 01:22:05 UTC.
    assert custody["start_utc_corrected"].startswith("2026-01-05T01:22:0")
    assert custody["gps"]["points"] == 5
    assert custody["gps"]["track"][0][1:] == ["39.9042000", "116.4074000"]
    # The first fix is satellite time (UTC): the clip's corrected start, not its local clock.
    assert custody["gps"]["track"][0][0].startswith(custody["start_utc_corrected"][:18]), (
        custody["gps"]["track"][0][0], custody["start_utc_corrected"])
    assert "gps" not in stored[emulator.media_name(emulator.media[0])].custody_details

    # The clock was put right, and the docking says what it was.
    assert abs(emulator.clock_offset) < 1.5
    docking = report.docking
    assert docking.finished and docking.officer_name == "张三"
    assert docking.clock_offset_s is not None and abs(docking.clock_offset_s + 125) < 2
    assert docking.offset_after_sync_s is not None and abs(docking.offset_after_sync_s) < 1.5

    # The certificate verifies and accounts for every file.
    manifest = dockings.verify_certificate(world.store.conn, docking)
    assert manifest["device"]["serial"] == "1234567"
    assert sorted(f["sha256"] for f in manifest["files"]) == sorted(
        hashlib.sha256(c).hexdigest() for c in expected.values())
    assert {f["status"] for f in manifest["files"]} == {"stored"}

    # Progress reached the end of every file and of the whole docking.
    copying = [p for p in seen if p.stage is DockStage.COPYING]
    total = sum(len(c) for c in expected.values())
    assert copying[-1].overall_done == copying[-1].overall_total == total
    assert seen[-1].stage is DockStage.DONE

    # Default policy: nothing leaves the device; every step is audited.
    assert volume_files(emulator, tmp_path / "device") >= set(expected)
    actions = audit_actions(world)
    assert actions.count("evidence.imported") == len(expected)
    assert "docking.started" in actions and "docking.certified" in actions
    assert "docking.original_deleted" not in actions


def test_vault_holds_no_plaintext_of_the_footage(world: World, tmp_path: Path) -> None:
    emulator = recorder(tmp_path / "device")
    docking_service.dock(world.store, EmulatorDriver(emulator), case_id=world.case.id)
    vault = records.vault_directory(world.paths.workdir)
    blobs = b"".join(p.read_bytes() for p in vault.iterdir())
    for content in emulator.expected_files().values():
        assert content[40:72] not in blobs
    assert b"$GPRMC" not in blobs and b"ftypisom" not in blobs


def test_delete_policy_removes_only_verified_originals(world: World, tmp_path: Path) -> None:
    emulator = recorder(tmp_path / "device")
    expected = emulator.expected_files()
    report = docking_service.dock(world.store, EmulatorDriver(emulator), case_id=world.case.id,
                                  policy=DockPolicy(delete_originals=True))
    assert sorted(report.deleted) == sorted(expected)
    assert volume_files(emulator, tmp_path / "device") == set()
    assert audit_actions(world).count("docking.original_deleted") == len(expected)
    assert evidence.verify_all(world.store).ok


def test_a_damaged_vault_copy_keeps_the_original_on_the_device(
    world: World, tmp_path: Path
) -> None:
    emulator = recorder(tmp_path / "device")
    first = docking_service.dock(world.store, EmulatorDriver(emulator), case_id=world.case.id)
    victim = first.items[0]
    blob = records.blob_path(world.paths.workdir, victim.sha256, world.store.vault_key())
    data = bytearray(blob.read_bytes())
    data[-5] ^= 0x01
    blob.write_bytes(bytes(data))

    again = docking_service.dock(world.store, EmulatorDriver(emulator), case_id=world.case.id,
                                 policy=DockPolicy(delete_originals=True))
    assert len(again.already) == len(first.items) and not again.items
    assert [e.name for e in again.not_deleted] == ["DCIM/" + victim.original_name]
    assert "segment" in again.not_deleted[0].reason
    assert volume_files(emulator, tmp_path / "device") == {"DCIM/" + victim.original_name}


def test_cancel_then_resume_copies_nothing_twice(world: World, tmp_path: Path) -> None:
    emulator = recorder(tmp_path / "device")
    expected = emulator.expected_files()
    cancel = threading.Event()

    def stop_after_third_file(p: DockProgress) -> None:
        if p.stage is DockStage.COPYING and p.file_index == 4:
            cancel.set()

    with pytest.raises(DockCancelled, match="dock the recorder again"):
        docking_service.dock(world.store, EmulatorDriver(emulator), case_id=world.case.id,
                             progress=stop_after_third_file, cancel=cancel)
    [open_one] = dockings.all_dockings(world.store.conn)
    assert not open_one.finished
    taken = records.items_for_docking(world.store.conn, open_one.id)
    assert len(taken) == 3

    report = docking_service.dock(world.store, EmulatorDriver(emulator), case_id=world.case.id)
    assert report.resumed and report.docking.id == open_one.id
    assert len(report.already) == 3 and len(report.items) == len(expected) - 3
    assert len(dockings.all_dockings(world.store.conn)) == 1
    assert len(records.items_for_case(world.store.conn, world.case.id)) == len(expected)
    manifest = dockings.verify_certificate(world.store.conn, report.docking)
    assert len(manifest["files"]) == len(expected)
    assert "docking.resumed" in audit_actions(world)


def test_hostile_names_stay_inside_the_vault(world: World, tmp_path: Path) -> None:
    emulator = recorder(tmp_path / "device", hostile=True)
    report = docking_service.dock(world.store, EmulatorDriver(emulator), case_id=world.case.id)
    names = {i.original_name for i in report.items}
    assert "L" * 240 + ".MP4" in names
    folder = tmp_path / "device" / f"bodycam-{emulator.identity.serial}" / "DCIM"
    # Linux file systems take the non-UTF-8 name; the record keeps it with bytes escaped.
    assert any(os.fsencode(p.name).startswith(b"\xff\xfe") for p in folder.iterdir())
    assert "\\xff\\xfe_not_utf8.MP4" in names
    assert any(s.name.startswith("DCIM/link_") and "symbolic link" in s.reason
               for s in report.skipped)
    # The file the symlink points at, outside the volume, was never taken (the vault is
    # encrypted, so look for its hash among the records, not for its bytes in the vault).
    outside = hashlib.sha256((tmp_path / "device" / "outside-secret.txt").read_bytes())
    assert outside.hexdigest() not in {r.sha256 for r in records.all_items(world.store.conn)}
    vault_names = {p.name for p in records.vault_directory(world.paths.workdir).iterdir()}
    assert all(len(n) == 64 + len(".sr1") for n in vault_names)


def test_unfiled_docking_is_filed_under_a_case_later(world: World, tmp_path: Path) -> None:
    emulator = recorder(tmp_path / "device")
    report = docking_service.dock(world.store, EmulatorDriver(emulator))
    item = report.items[0]
    assert records.get_item(world.store.conn, item.id).case_id is None
    filed = evidence.file_item(world.store, item.id, world.case.id)
    assert filed.case_id == world.case.id
    assert item.id in {r.id for r in records.items_for_case(world.store.conn, world.case.id)}
    other = case_records.create_case(world.store, Case(
        id=new_id(), number="测试〔2026〕2号", cause="占道经营", matter="占道", place="测试街"))
    with pytest.raises(UserError, match="already filed under another case"):
        evidence.file_item(world.store, item.id, other.id)


def test_wrong_device_password_records_nothing(world: World, tmp_path: Path) -> None:
    emulator = recorder(tmp_path / "device", password="246810")
    with pytest.raises(WrongPasswordError):
        docking_service.dock(world.store, EmulatorDriver(emulator), case_id=world.case.id)
    assert dockings.all_dockings(world.store.conn) == []
    assert records.all_items(world.store.conn) == []


def test_a_recorder_unplugged_mid_docking_loses_nothing_and_docks_again(world: World,
                                                                   tmp_path: Path) -> None:
    root = tmp_path / "device"
    url = f"emu-bodycam://?root={root}"
    volume = root / "bodycam-1234567"
    hidden = tmp_path / "unplugged"

    def unplug_after_two(p: DockProgress) -> None:
        if p.stage is DockStage.COPYING and p.file_index == 3 and volume.exists():
            volume.rename(hidden)  # the disk disappears under the import

    first = docking_service.dock_port(world.store, url, case_id=world.case.id,
                                      progress=unplug_after_two)
    assert len(first.items) == 2
    # The files that vanished are named with the reason, in the report and the certificate.
    assert len(first.skipped) == 5
    assert all("cannot read it" in s.reason for s in first.skipped)
    manifest = dockings.verify_certificate(world.store.conn, first.docking)
    assert len(manifest["skipped"]) == 5
    hidden.rename(volume)  # plugged in again
    again = docking_service.dock_port(world.store, url, case_id=world.case.id)
    assert len(again.items) == 5 and len(again.already) == 2
    stored = records.items_for_case(world.store.conn, world.case.id)
    assert len({r.device_path for r in stored}) == len(stored) == 7


def test_an_unwritable_export_target_is_a_message(world: World, tmp_path: Path) -> None:
    emulator = recorder(tmp_path / "device")
    report = docking_service.dock(world.store, EmulatorDriver(emulator), case_id=world.case.id)
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"x")
    with pytest.raises(UserError, match="Cannot write to"):
        evidence.export_item(world.store, report.items[0].id, blocker / "out.mp4")


def test_a_docking_hands_every_write_to_the_store_lane(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12 §1: the docking copies and verifies on its own thread; each of its
    transactions (start, each file's record, the certificate) runs where the session's writes
    are serialised, one short transaction per hand-over."""
    from concurrent.futures import ThreadPoolExecutor

    from desktop.store.store import Store

    store_lane = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-lane")
    handed: list[str] = []
    committed_on: list[str] = []

    def write_lane(fn):  # type: ignore[no-untyped-def]
        handed.append(threading.current_thread().name)
        return store_lane.submit(fn).result()

    original = Store.transaction

    def spy(self: Store):  # type: ignore[no-untyped-def]
        committed_on.append(threading.current_thread().name)
        return original(self)

    monkeypatch.setattr(Store, "transaction", spy)
    world.store.write_lane = write_lane
    try:
        report = docking_service.dock(world.store, EmulatorDriver(recorder(tmp_path / "device")),
                                      case_id=world.case.id)
    finally:
        store_lane.shutdown()
    assert len(report.items) == 7 and report.docking.certificate_sha256
    docking_thread = threading.current_thread().name
    assert set(handed) == {docking_thread}
    assert len(handed) == 1 + 7 + 1  # start, one record per file, the certificate
    assert committed_on and all(name.startswith("store-lane") for name in committed_on)


def test_an_unknown_case_is_refused_and_the_recorder_port_is_closed(world: World) -> None:
    # The case is checked after the port is open: the refusal must still close it (an
    # emulator's serving thread left running fails the test through tests/conftest.py).
    with pytest.raises(UserError, match="No such case"):
        docking_service.dock_port(world.store, "emu-bodycam://?offset=0", case_id=new_id())
    assert dockings.all_dockings(world.store.conn) == []
