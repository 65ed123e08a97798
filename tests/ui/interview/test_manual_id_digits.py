"""Issue 11 §6: typing an ID number in full-width mode at manual entry must not crash."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.domain.ids import new_id
from desktop.domain.model import IdKind, Party
from desktop.services.devices import typed_party
from desktop.ui.context import AppContext
from desktop.ui.interview import InterviewWorkspace
from tests.conftest import World

VALID = "110101199003071233"
FULL = VALID.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})


def test_service_normalises_full_width() -> None:
    party = Party(id=new_id(), id_kind=IdKind.RESIDENT_ID, id_number=FULL, name="测试人丙")
    assert typed_party(party).party.id_number == VALID


def _header(qtbot: QtBot, ui_ctx: AppContext, world: World):  # type: ignore[no-untyped-def]
    ws = InterviewWorkspace(ui_ctx, world.case.id)
    qtbot.addWidget(ws)
    header = ws.header
    assert header is not None
    header.enter_manually()
    header.name.setText("测试人丙")
    header.place.setText("办案区询问室")
    return header


def test_full_width_number_is_accepted_and_shown_in_ascii(
    qtbot: QtBot, ui_ctx: AppContext, world: World
) -> None:
    header = _header(qtbot, ui_ctx, world)
    header.id_number.setText(FULL)
    header.start_button.click()
    assert "0-9" not in header.error.text()
    assert header.id_number.text() == VALID


def test_arabic_indic_digits_show_the_message_not_a_crash(
    qtbot: QtBot, ui_ctx: AppContext, world: World
) -> None:
    header = _header(qtbot, ui_ctx, world)
    header.id_number.setText("\u0661" * 6 + VALID[6:])
    header.start_button.click()
    assert "0-9" in header.error.text()
