"""The signature pad turns mouse and pen events into strokes in millimetres with pressure."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.ui.readback.signature_pad import (
    MOUSE_PRESSURE,
    SURFACE_HEIGHT_MM,
    SURFACE_WIDTH_MM,
    SignaturePadPanel,
)
from tests.ui.readback.conftest import write_on

DIGEST = "ab" * 32


def shown_panel(qtbot: QtBot) -> SignaturePadPanel:
    panel = SignaturePadPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 300)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_mouse_strokes_become_a_capture_in_millimetres(qtbot: QtBot) -> None:
    panel = shown_panel(qtbot)
    pad = panel.pad
    assert pad.is_empty() and not panel.clear_button.isEnabled()
    write_on(qtbot, pad, strokes=2)
    capture = pad.capture(3, DIGEST)
    assert capture.page_index == 3 and capture.page_digest == DIGEST
    assert (capture.width_mm, capture.height_mm) == (SURFACE_WIDTH_MM, SURFACE_HEIGHT_MM)
    assert capture.device == "mouse"
    assert len(capture.strokes) == 2
    points = [p for stroke in capture.strokes for p in stroke.points]
    assert len(points) >= 16
    assert all(p.pressure == MOUSE_PRESSURE for p in points)
    assert all(0 <= p.x <= SURFACE_WIDTH_MM and 0 <= p.y <= SURFACE_HEIGHT_MM for p in points)
    times = [p.t_ms for p in points]
    assert times == sorted(times)
    # the strokes run left to right over about 120 px of the surface's width
    first = capture.strokes[0].points
    expected = 120 / pad.surface().width() * SURFACE_WIDTH_MM
    assert abs((first[-1].x - first[0].x) - expected) < 0.5
    assert panel.undo_button.isEnabled()


def test_undo_and_clear(qtbot: QtBot) -> None:
    panel = shown_panel(qtbot)
    write_on(qtbot, panel.pad, strokes=3)
    qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)
    assert len(panel.pad.strokes) == 2
    qtbot.mouseClick(panel.clear_button, Qt.MouseButton.LeftButton)
    assert panel.pad.is_empty()
    assert not panel.undo_button.isEnabled()


def test_pen_pressure_comes_from_tablet_events(qtbot: QtBot) -> None:
    panel = shown_panel(qtbot)
    pad = panel.pad
    centre = pad.surface().center()
    device = QPointingDevice.primaryPointingDevice()
    for kind, dx, pressure in ((QTabletEvent.Type.TabletPress, 0, 0.2),
                               (QTabletEvent.Type.TabletMove, 10, 0.8),
                               (QTabletEvent.Type.TabletRelease, 20, 0.4)):
        local = QPointF(centre.x() + dx, centre.y())
        event = QTabletEvent(kind, device, local, pad.mapToGlobal(local), pressure, 0.0, 0.0,
                             0.0, 0.0, 0.0, Qt.KeyboardModifier.NoModifier,
                             Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton)
        QApplication.sendEvent(pad, event)
    capture = pad.capture(0, DIGEST)
    pressures = [p.pressure for p in capture.strokes[0].points]
    assert pressures == [0.2, 0.8, 0.4]
    assert capture.device.startswith("pen tablet")
    assert abs(capture.strokes[0].points[0].x - SURFACE_WIDTH_MM / 2) < 0.5


def test_an_empty_pad_gives_no_capture(qtbot: QtBot) -> None:
    import pytest

    from desktop.domain.errors import UserError

    panel = shown_panel(qtbot)
    with pytest.raises(UserError, match="empty"):
        panel.pad.capture(0, DIGEST)
