"""The service functions added for the interview workspace (Qt-free, real store).

Reading and typing the party moved with their service to tests/services/test_devices.py.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.domain.model import IdKind
from desktop.services import interview
from desktop.ui.context import AppContext
from desktop.ui.interview import InterviewWorkspace
from tests.conftest import World


def test_describe_and_list_officers(world: World) -> None:
    header = interview.describe(world.store, world.statement.id)
    assert header.party.name == world.party.name and header.case.id == world.case.id
    assert set(header.officers) == {world.admin.id, world.second.id}
    assert {o.name for o in interview.list_officers(world.store)} == {"测试管理员", "测试队员"}


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
