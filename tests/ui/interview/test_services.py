"""The service functions added for the interview workspace (Qt-free, real store)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import IdKind, Party, Sex
from desktop.services import interview
from desktop.store import cases
from desktop.ui.context import AppContext
from desktop.ui.interview import InterviewWorkspace
from tests.conftest import World


def typed(number: str, kind: IdKind = IdKind.RESIDENT_ID, name: str = "测试人丙") -> Party:
    return Party(id=new_id(), id_kind=kind, id_number=number, name=name)


def test_manual_party_number_is_checked() -> None:
    checked = interview.check_manual_party(typed(" 11010119900307123x ".replace("x", "3")))
    assert (checked.id_number, checked.birth_date, checked.sex) == (
        "110101199003071233", date(1990, 3, 7), Sex.MALE)
    with pytest.raises(UserError, match="check digit is wrong"):
        interview.check_manual_party(typed("110101199003071234"))
    with pytest.raises(UserError, match="18 characters"):
        interview.check_manual_party(typed("1101011990"))
    with pytest.raises(UserError, match="name"):
        interview.check_manual_party(typed("110101199003071233", name=" "))
    passport = interview.check_manual_party(typed("e1234567", IdKind.PASSPORT))
    assert passport.id_number == "E1234567" and passport.birth_date is None


def test_record_manual_party_refuses_and_records(world: World) -> None:
    with pytest.raises(UserError):
        interview.record_manual_party(world.store, typed("110101199003071234"))
    party = interview.record_manual_party(world.store, typed("110101199003071233"))
    assert cases.get_party(world.store.conn, party.id).birth_date == date(1990, 3, 7)


def test_describe_and_list_officers(world: World) -> None:
    header = interview.describe(world.store, world.statement.id)
    assert header.party.name == world.party.name and header.case.id == world.case.id
    assert set(header.officers) == {world.admin.id, world.second.id}
    assert {o.name for o in interview.list_officers(world.store)} == {"测试管理员", "测试队员"}


def test_read_mrz_party_from_the_emulated_reader(world: World) -> None:
    party = interview.read_mrz_party("emu-mrz://?doc=td3&repeat=1", timeout=5)
    assert party.id_kind is IdKind.PASSPORT and party.name and party.id_number
    kept = interview.record_mrz_party(world.store, party)
    assert cases.get_party(world.store.conn, kept.id).id_number == party.id_number


def test_read_mrz_without_a_reader_is_a_user_error() -> None:
    with pytest.raises(UserError):
        interview.read_mrz_party("/dev/nonexistent-mrz-reader", timeout=0.2)


def test_mrz_button_fills_the_header(qtbot: QtBot, ui_ctx: AppContext, world: World) -> None:
    ws = InterviewWorkspace(ui_ctx, world.case.id)
    qtbot.addWidget(ws)
    header = ws.header
    assert header is not None
    qtbot.mouseClick(header.read_mrz_button, Qt.MouseButton.LeftButton)
    assert header.error.text() == ""
    assert header.name.text() and header.id_number.text()
    assert IdKind(header.id_kind.currentData()) is IdKind.PASSPORT
    assert header.device_status.text() == f"Document read: {header.name.text()}."
