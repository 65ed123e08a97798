"""The device service against the emulators: real ports, real bytes, a real store.

The typed-party and MRZ tests moved here from tests/ui/interview/test_services.py with their
service; their assertions are the same.
"""

from __future__ import annotations

import json
import os
from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Action, IdKind, Party, Sex
from desktop.services import devices
from desktop.services.devices import Device, PartyRead, PartySource
from desktop.store import audit, cases
from hardware.bodycam import open_bodycam
from tests.conftest import World

pty_only = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX")


def typed(number: str, kind: IdKind = IdKind.RESIDENT_ID, name: str = "测试人丙") -> Party:
    return Party(id=new_id(), id_kind=kind, id_number=number, name=name)


def test_manual_party_number_is_checked() -> None:
    checked = devices.typed_party(typed(" 11010119900307123x ".replace("x", "3"))).party
    assert (checked.id_number, checked.birth_date, checked.sex) == (
        "110101199003071233", date(1990, 3, 7), Sex.MALE)
    with pytest.raises(UserError, match="check digit is wrong"):
        devices.typed_party(typed("110101199003071234"))
    with pytest.raises(UserError, match="18 characters"):
        devices.typed_party(typed("1101011990"))
    with pytest.raises(UserError, match="name"):
        devices.typed_party(typed("110101199003071233", name=" "))
    passport = devices.typed_party(typed("e1234567", IdKind.PASSPORT)).party
    assert passport.id_number == "E1234567" and passport.birth_date is None


def test_record_manual_party_refuses_and_records(world: World) -> None:
    with pytest.raises(UserError):
        devices.record_party(world.store, devices.typed_party(typed("110101199003071234")))
    party = devices.record_party(world.store, devices.typed_party(typed("110101199003071233")))
    assert cases.get_party(world.store.conn, party.id).birth_date == date(1990, 3, 7)


def test_read_mrz_party_from_the_emulated_reader(world: World) -> None:
    read = devices.read_mrz_party("emu-mrz://?doc=td3&repeat=1", timeout=5)
    party = read.party
    assert party.id_kind is IdKind.PASSPORT and party.name and party.id_number
    kept = devices.record_party(world.store, read)
    assert cases.get_party(world.store.conn, kept.id).id_number == party.id_number


def test_read_mrz_without_a_reader_is_a_user_error() -> None:
    with pytest.raises(UserError):
        devices.read_mrz_party("/dev/nonexistent-mrz-reader", timeout=0.2)


def _sources(world: World, party_id: str) -> list[str]:
    rows = world.store.conn.execute("SELECT source FROM parties WHERE id = ?", (party_id,))
    return [row[0] for row in rows]


def test_a_card_read_is_a_domain_party_until_start_records_it(world: World) -> None:
    read = devices.read_card_party("emu-idcard://?card=resident&seed=3", wait=5)
    # Nothing of the hardware travels to the Start button: plain values only.
    for value in (getattr(read, f.name) for f in fields(read)):
        assert type(value).__module__.split(".")[0] in ("builtins", "desktop")
    assert read.source is PartySource.ID_CARD and read.party.id_kind is IdKind.RESIDENT_ID
    assert read.party.id_number.startswith("110101") and read.party.name
    with_phone = read.with_contact("13900000009", "某公司")
    kept = devices.record_party(world.store, with_phone)
    assert (kept.name, kept.phone, kept.workplace) == (read.party.name, "13900000009", "某公司")
    assert _sources(world, kept.id) == ["id_card"]
    events = audit.events_about(world.store.conn, kept.id)
    assert [e.action for e in events] == [Action.PARTY_RECORDED, Action.ID_CARD_READ]
    details = json.loads(events[1].details)
    assert details["card_kind"] == "RESIDENT" and details["warnings"] == 0
    assert details["photo_sha256"] == read.photo_sha256 and len(read.photo_sha256) == 64
    assert read.party.name not in events[1].details  # the event names no personal data


def test_mrz_and_typed_parties_record_their_source_without_a_card_event(world: World) -> None:
    mrz = devices.record_party(world.store, devices.read_mrz_party(
        "emu-mrz://?doc=td3&repeat=1", timeout=5))
    manual = devices.record_party(world.store, devices.typed_party(typed("110101199003071233")))
    assert _sources(world, mrz.id) == ["mrz"] and _sources(world, manual.id) == ["manual"]
    for party in (mrz, manual):
        actions = [e.action for e in audit.events_about(world.store.conn, party.id)]
        assert actions == [Action.PARTY_RECORDED]


def test_no_card_on_the_reader_is_a_user_error() -> None:
    with pytest.raises(UserError, match="No card on the reader"):
        devices.read_card_party("emu-idcard://", wait=0)


def test_check_port_finds_each_emulated_device(tmp_path: Path) -> None:
    assert devices.check_port(Device.IDCARD, "emu-idcard://") == (
        "ID-card reader answered on emu-idcard://.")
    assert devices.check_port(Device.GNSS, "emu-gnss://?rate=50") == (
        "GNSS receiver answered on emu-gnss://?rate=50.")
    mrz = "emu-mrz://?doc=td3&repeat=0.2"
    assert devices.check_port(Device.MRZ, mrz) == f"MRZ reader answered on {mrz}."
    recorder = f"emu-bodycam://?root={tmp_path}&serial=7654321&officer=654321"
    assert devices.check_port(Device.BODYCAM, recorder, "000000") == (
        "Recorder EMU01 answered: serial 7654321, officer 654321.")


def test_check_port_says_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="No GNSS receiver answered on emu-idcard://"):
        devices.check_port(Device.GNSS, "emu-idcard://")
    with pytest.raises(UserError, match="No device at /dev/ttyDOES_NOT_EXIST"):
        devices.check_port(Device.IDCARD, "/dev/ttyDOES_NOT_EXIST")
    with pytest.raises(UserError, match="rejected the password"):
        devices.check_port(Device.BODYCAM, f"emu-bodycam://?root={tmp_path}&pwd=135790",
                           "000000")


def test_presence_check_and_port_listing() -> None:
    assert devices.looks_connected("emu-idcard://")
    assert devices.looks_connected("socket://127.0.0.1:7001")
    assert not devices.looks_connected("")
    assert not devices.looks_connected("/dev/nonexistent-reader")
    rows = devices.list_ports()
    assert all(row.device and row.answers_as is None for row in rows)


@pty_only
def test_serve_emulator_on_a_pty_says_where_the_recorder_keeps_its_files(
        tmp_path: Path) -> None:
    with devices.serve_emulator(Device.BODYCAM, [f"root={tmp_path}", "serial=7654321"]) as served:
        assert served.path.startswith("/dev/") and served.storage == tmp_path
        driver = open_bodycam(served.path)
        try:
            driver.connect("000000")
            assert driver.unlock_storage() == tmp_path / "bodycam-7654321"
        finally:
            driver.disconnect()
    with devices.serve_emulator(Device.IDCARD) as served:  # a card lies on the reader
        assert served.storage is None
        assert devices.read_id_card(served.path, wait=5).record.id_number.startswith("110101")


def test_bad_emulator_options_are_explained() -> None:
    with pytest.raises(UserError, match="rate is not KEY=VALUE"), \
            devices.serve_emulator(Device.GNSS, ["rate"]):
        pass
    with pytest.raises(UserError, match="Bad emulator option"), \
            devices.serve_emulator(Device.GNSS, ["colour=blue"]):
        pass


def test_party_read_is_what_the_gui_keeps() -> None:
    read = devices.typed_party(typed("110101199003071233"))
    assert isinstance(read, PartyRead) and read.source is PartySource.MANUAL
    assert (read.card_kind, read.photo_sha256, read.warnings) == ("", "", ())
