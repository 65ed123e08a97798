"""Once typing pauses, the search index catches up with what autosave saved, on the store
lane: a search started later has nothing left to index while the officer waits, and finds
the words just typed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from desktop.services import search as search_service
from desktop.store import search
from desktop.ui.background import Background
from desktop.ui.context import AppContext
from desktop.ui.interview import InterviewWorkspace
from tests.conftest import World
from tests.ui.interview.keys import type_text


@pytest.fixture
def async_ctx(world: World, qtbot: QtBot) -> Iterator[AppContext]:
    bg = Background()
    ctx = AppContext(world.paths, bg, clock=world.store.clock)
    ctx.store = world.store
    yield ctx
    bg.shutdown()


def test_the_index_catches_up_once_typing_pauses(
        async_ctx: AppContext, world: World, qtbot: QtBot) -> None:
    ws = InterviewWorkspace(async_ctx, world.case.id, world.statement.id)
    qtbot.addWidget(ws)
    ws.show()
    qtbot.waitUntil(lambda: len(ws.turns.rows) == len(world.statement.turns))
    ws.autosaver.delay_ms = 0
    ws.autosaver.index_delay_ms = 50
    row = ws.turns.rows[1]
    type_text(row.editor, "蓝色雨棚")
    qtbot.waitUntil(lambda: not ws.autosaver.busy())
    # The save only marked the turn stale (decision 7); the pause lets the index catch up.
    qtbot.waitUntil(lambda: not async_ctx.bg.call(lambda: search.has_stale(world.store.conn)),
                    timeout=5000)
    assert async_ctx.bg.call(lambda: search_service.catch_up(world.store)) == 0
    hits = async_ctx.bg.call(lambda: search.search(world.store.conn, "蓝色雨棚", 20))
    assert [hit.statement_id for hit in hits] == [world.statement.id]
