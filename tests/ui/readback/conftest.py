"""Fixtures for the read-back GUI tests: a statement in read-back with the unit's signing
keys imported the real way (each officer's key under their own password, the administrator
keeping the seal), and helpers that write on the signature pad with real mouse events and
have each officer type their own password."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from desktop.domain.model import TurnKind
from desktop.services import interview
from desktop.ui.context import AppContext
from desktop.ui.readback import ReadBackFlow
from desktop.ui.readback.officer_signing import OfficerSigningPanel
from desktop.ui.readback.signature_pad import SignaturePad
from tests.conftest import World, provision_world_keys


def in_read_back(world: World, long: bool = True) -> None:
    """Answer the opening questions, add a long answer (several pages), start read-back."""
    for turn in world.statement.turns:
        if turn.kind is TurnKind.ANSWER:
            interview.save_turn(world.store, turn.id, "明白。不申请回避。")
    interview.add_turn(world.store, world.statement.id, TurnKind.QUESTION, "车是你停的吗？")
    answer = "是我停的，我去银行办事，停了大约十分钟。" * (60 if long else 1)
    interview.add_turn(world.store, world.statement.id, TurnKind.ANSWER, answer)
    interview.start_read_back(world.store, world.statement.id)


@pytest.fixture
def keyed(world: World, tmp_path: Path) -> Path:
    """Statement in read-back, the unit's keys imported; returns the unit root (PEM file)."""
    in_read_back(world)
    unit = provision_world_keys(world)
    root = tmp_path / "trust" / "unit-root.pem"
    root.parent.mkdir(parents=True, exist_ok=True)
    root.write_bytes(unit.root_pem)
    return root


def choose_typed(qtbot: QtBot, flow: ReadBackFlow, index: int = 0) -> None:
    """The officer deliberately types the declaration (a confirmed choice) and applies it."""
    flow.ask = lambda _text: True
    flow.declaration_mode.setCurrentIndex(index)
    qtbot.mouseClick(flow.apply_button, Qt.MouseButton.LeftButton)
    assert flow.session.declaration == flow.presets[index], flow.status.text()


@pytest.fixture
def open_flow_by_hand(
    ui_ctx: AppContext, world: World, keyed: Path, qtbot: QtBot
) -> Iterator[ReadBackFlow]:
    """The officer's dialog on the statement of `keyed` as it opens (declaration by hand),
    confirmations answered yes."""
    flow = ReadBackFlow(ui_ctx, world.statement.id)
    qtbot.addWidget(flow)
    flow.ask = lambda _text: True
    flow.show()
    yield flow
    if flow.party_window is not None:
        flow.party_window.close()


@pytest.fixture
def open_flow(open_flow_by_hand: ReadBackFlow, qtbot: QtBot) -> ReadBackFlow:
    """The officer's dialog with a typed declaration chosen, for the tests of what follows."""
    choose_typed(qtbot, open_flow_by_hand)
    return open_flow_by_hand


def write_on(qtbot: QtBot, pad: SignaturePad, strokes: int = 2) -> None:
    """Draw `strokes` short zig-zag strokes with the mouse inside the pad's surface."""
    surface = pad.surface()
    for n in range(strokes):
        y = int(surface.top() + surface.height() * (0.3 + 0.2 * n))
        x0 = int(surface.left() + surface.width() * 0.1)
        qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(x0, y))
        for step in range(1, 8):
            qtbot.mouseMove(pad, QPoint(x0 + step * 15, y + (6 if step % 2 else -6)))
        qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(x0 + 120, y))


def sign_first_page(qtbot: QtBot, flow: ReadBackFlow) -> None:
    """The interviewee signs page 1 on the pad and confirms it."""
    party = flow.party_window
    assert party is not None
    write_on(qtbot, party.pad_panel.pad)
    qtbot.mouseClick(party.confirm_button, Qt.MouseButton.LeftButton)


def answer_questions(flow: ReadBackFlow, answer: bool) -> list[str]:
    """Make the flow's confirmations answer `answer`; returns the questions as they come."""
    asked: list[str] = []

    def ask(text: str) -> bool:
        asked.append(text)
        return answer

    flow.ask = ask
    return asked


def officer_panel(qtbot: QtBot, flow: ReadBackFlow) -> OfficerSigningPanel:
    """Press "Officers sign and seal" and return the officers' panel it shows."""
    qtbot.mouseClick(flow.sign_button, Qt.MouseButton.LeftButton)
    panel = flow.officer_panel
    assert panel is not None and flow.stack.currentWidget() is panel, flow.status.text()
    return panel


def type_secrets(qtbot: QtBot, panel: OfficerSigningPanel, world: World,
                 secrets: dict[str, str] | None = None, seal: str | None = None) -> None:
    """Each officer types their password in their own row (by default their own one), and
    the administrator, the seal custodian, types theirs for the seal."""
    assert world.unit_keys is not None
    secrets = secrets or world.unit_keys.passwords
    for row in panel.rows:
        row.secret.clear()
        qtbot.keyClicks(row.secret, secrets[row.seat.officer.id])
    panel.custodian_secret.clear()
    qtbot.keyClicks(panel.custodian_secret,
                    seal if seal is not None else world.unit_keys.passwords[world.admin.id])


def officers_sign(qtbot: QtBot, flow: ReadBackFlow, world: World) -> None:
    """From the read-back: every officer authenticates, the seal is applied, all signed."""
    panel = officer_panel(qtbot, flow)
    type_secrets(qtbot, panel, world)
    with qtbot.waitSignal(flow.signed, timeout=60_000):
        qtbot.mouseClick(panel.sign_button, Qt.MouseButton.LeftButton)
