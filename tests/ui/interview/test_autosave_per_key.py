"""Autosave with one save per key on the real, asynchronous store lane: every key becomes a
revision of its own, the indicator never says "Saved" before the store acknowledged the text
shown, and it keeps its size whatever it says (so it does not make the turns lay out again).
The typing benchmark's own check refuses a run in which the saved text is not what is shown.
Once typing pauses, the search index catches up with what was saved, so a later search has
nothing left to index while the officer waits.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from benchmarks.typing_bench import saved_as_shown
from desktop.services import interview
from desktop.services import search as search_service
from desktop.store import search
from desktop.ui.background import Background
from desktop.ui.context import AppContext
from desktop.ui.interview import InterviewWorkspace
from desktop.ui.interview.autosave import SaveState, widest_status_texts
from tests.conftest import World
from tests.ui.interview.keys import type_text


@pytest.fixture
def async_ctx(world: World, qtbot: QtBot) -> Iterator[AppContext]:
    bg = Background()
    ctx = AppContext(world.paths, bg, clock=world.store.clock)
    ctx.store = world.store
    yield ctx
    bg.shutdown()


def test_every_key_is_saved_on_its_own_and_only_then_shown_saved(
        async_ctx: AppContext, world: World, qtbot: QtBot) -> None:
    ws = InterviewWorkspace(async_ctx, world.case.id, world.statement.id)
    qtbot.addWidget(ws)
    ws.show()
    qtbot.waitUntil(lambda: len(ws.turns.rows) == len(world.statement.turns))
    ws.autosaver.delay_ms = 0
    row = ws.turns.rows[1]
    before = len(interview.history(world.store, row.turn_id))
    widths = set()
    for key in "看清楚了":
        type_text(row.editor, key)
        # Submitted after the key's repaint, not yet acknowledged: not shown as saved.
        assert ws.autosaver.status(row.turn_id).state is SaveState.SAVING
        assert row.state_label.text() == "Saving…"
        widths.add(row.state_label.width())
        qtbot.waitUntil(lambda: not ws.autosaver.busy())
        assert row.state_label.text().startswith("Saved ")
        widths.add(row.state_label.width())
        stored = interview.get(world.store, world.statement.id).turns[1].text
        assert stored == row.text()
    assert len(interview.history(world.store, row.turn_id)) == before + 4
    assert len(widths) == 1  # the indicator kept its size
    metrics = row.state_label.fontMetrics()
    assert all(metrics.horizontalAdvance(text) <= row.state_label.width()
               for text in widest_status_texts())  # and every text it can show fits


@pytest.mark.parametrize(("saved", "shown", "saves", "keys", "passes"), [
    ("答：看清楚了", "答：看清楚了", 4, 4, True),
    ("", "", 0, 4, False),  # nothing was saved
    ("答：看清楚", "答：看清楚了", 4, 4, False),  # the last key's text never reached the store
    ("答：看清楚了", "答：看清楚了", 1, 4, False),  # keys coalesced into one save
])
def test_the_typing_benchmark_fails_when_saved_is_not_shown(
        saved: str, shown: str, saves: int, keys: int, passes: bool) -> None:
    assert saved_as_shown(saved, shown, saves, keys) is passes


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
