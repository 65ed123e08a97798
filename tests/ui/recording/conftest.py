"""Fixtures for the recording GUI tests: the interview workspace on the world's statement,
its recording fed by the synthetic sources driven faster than real time (the same pipeline
the demo drives in real time), at a small picture size so the encoder keeps up quickly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop.recording.settings import RecordingSettings
from desktop.services import recording as recording_service
from desktop.ui.context import AppContext
from desktop.ui.interview import InterviewWorkspace
from desktop.ui.recording.controller import RecordingController
from desktop.ui.recording.panel import RecordingPanel
from desktop.ui.recording.sources import SyntheticSources
from tests.conftest import World

SETTINGS = RecordingSettings(width=640, height=360, fps=25)


def synthetic(controller: RecordingController) -> None:
    """Record from the synthetic sources, pushed by the test (`advance`), not in real time."""
    controller.settings = SETTINGS
    controller.sources_factory = lambda: SyntheticSources(
        realtime=False, width=SETTINGS.width, height=SETTINGS.height, fps=SETTINGS.fps)


def advance(controller: RecordingController, seconds: float) -> None:
    """Push `seconds` of every synthetic source and wait until it is encoded."""
    sources = controller.sources
    assert isinstance(sources, SyntheticSources)
    sources.advance(seconds)
    assert controller.live is not None
    controller.live.recorder.drain()


def show(qtbot: QtBot, widget: QWidget, width: int = 1366, height: int = 768) -> None:
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)


@pytest.fixture
def workspace(ui_ctx: AppContext, world: World, qtbot: QtBot
              ) -> Iterator[InterviewWorkspace]:
    """The world's draft statement in the workspace, recording from synthetic sources; a
    recording still live at the end is stopped (its encoder thread must not outlive it)."""
    ws = InterviewWorkspace(ui_ctx, world.case.id, world.statement.id)
    show(qtbot, ws)
    panel = ws.recording
    assert isinstance(panel, RecordingPanel)
    synthetic(panel.controller)
    panel.ask = lambda _text: True
    yield ws
    live = recording_service.live(world.statement.id)
    if live is not None:
        live.stop()


def panel_of(ws: InterviewWorkspace) -> RecordingPanel:
    assert ws.recording is not None
    return ws.recording
