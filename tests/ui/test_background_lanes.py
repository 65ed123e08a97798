"""The background's lanes (issue 12 §1), with a real store and real threads, event-driven.

- A synchronous background (what GUI tests use) runs each function on its lane's thread, so
  a store call that would reach the GUI thread fails in tests as it would in the program.
- A GUI callback that touches the store is a programming error, raised at once.
- Writes keep their order, a read sees every write submitted before it, and a write never
  waits for long work: an autosave completes while a docking-sized job holds the long lane.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.store.store import Store
from desktop.store.threads import StoreOnForbiddenThread
from desktop.ui.background import Background, Lane
from desktop.ui.context import AppContext
from tests.conftest import World


def put(store: Store, key: str, value: str) -> None:
    with store.transaction() as tx:
        tx.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


def get(store: Store, key: str) -> str | None:
    with store.reading() as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


@pytest.fixture
def async_ctx(world: World, qtbot: QtBot) -> Iterator[AppContext]:
    bg = Background()
    ctx = AppContext(world.paths, bg, clock=world.store.clock)
    ctx.store = world.store
    yield ctx
    bg.shutdown()


def test_synchronous_mode_runs_each_function_on_its_lane(ui_ctx: AppContext) -> None:
    seen: dict[str, str] = {}
    main = threading.current_thread().name

    def thread_name() -> str:
        return threading.current_thread().name

    for lane in Lane:
        ui_ctx.bg.run(thread_name, functools.partial(seen.__setitem__, lane.value), lane=lane)
    assert set(seen) == {lane.value for lane in Lane}
    for prefix, name in seen.items():
        assert name.startswith(prefix) and name != main


def test_a_gui_callback_that_touches_the_store_is_refused(ui_ctx: AppContext) -> None:
    store = ui_ctx.require_store()
    with pytest.raises(StoreOnForbiddenThread, match="never on the GUI thread"):
        ui_ctx.run(lambda s: None, lambda _none: put(store, "from-gui", "x"))
    def reach_for_the_store(_none: None) -> None:
        get(store, "from-gui")

    with pytest.raises(StoreOnForbiddenThread):
        ui_ctx.read(lambda s: None, reach_for_the_store)
    assert get(store, "from-gui") is None  # (test code itself may read)


def test_writes_in_order_and_reads_see_the_writes_before_them(
    async_ctx: AppContext, qtbot: QtBot
) -> None:
    seen: list[str | None] = []
    for value in ("1", "2", "3"):
        async_ctx.run(functools.partial(put, key="autosave", value=value))
        async_ctx.read(lambda s: get(s, "autosave"), seen.append)
    qtbot.waitUntil(lambda: len(seen) == 3)
    # Each read saw at least every write before it (a later one may have landed too), and
    # the writes landed in the order they were submitted.
    assert all(value is not None and int(value) >= i for i, value in enumerate(seen, 1))
    assert seen[-1] == "3" and seen == sorted(str(v) for v in seen)


def test_an_autosave_does_not_wait_for_long_work(
    async_ctx: AppContext, qtbot: QtBot
) -> None:
    started, release = threading.Event(), threading.Event()
    long_done: list[str] = []

    def docking(store: Store) -> str:  # holds the long lane until released
        started.set()
        release.wait()
        store.write(lambda: put(store, "docking", "recorded"))
        return "docked"

    async_ctx.long(docking, long_done.append)
    assert started.wait(60)
    saved: list[str | None] = []
    try:
        async_ctx.run(lambda s: put(s, "autosave", "durable"))
        async_ctx.read(lambda s: get(s, "autosave"), saved.append)
        qtbot.waitUntil(lambda: saved == ["durable"])
        async_ctx.bg.drain()  # what the lock does: returns although long work still runs
        assert async_ctx.bg.lane_busy(Lane.LONG) and not long_done
    finally:
        release.set()
    qtbot.waitUntil(lambda: long_done == ["docked"])
    assert get(async_ctx.require_store(), "docking") == "recorded"


def test_closing_stops_long_work_before_the_store_closes(
    async_ctx: AppContext, qtbot: QtBot
) -> None:
    """What the main window does on close: long work is asked to stop and waited for, so a
    docking never writes to a closed store; what it stored before stopping is kept."""
    cancel, started = threading.Event(), threading.Event()
    outcome: list[str] = []

    def docking(store: Store) -> str:
        store.write(lambda: put(store, "docking", "first file"))
        started.set()
        cancel.wait()  # a docking checks its cancel event between chunks
        return "stopped"

    async_ctx.long(docking, outcome.append, cancel=cancel)
    assert started.wait(60)
    async_ctx.bg.stop_long_work()
    assert cancel.is_set() and outcome == ["stopped"]
    assert not async_ctx.bg.lane_busy(Lane.LONG)
    assert get(async_ctx.require_store(), "docking") == "first file"


def test_a_bug_shows_the_crash_dialog_with_where_its_report_is(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QMessageBox

    from desktop import config
    from desktop.ui.background import report_error

    monkeypatch.setenv(config.LOG_DIR, str(tmp_path / "logs"))
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical",
                        staticmethod(lambda _parent, _title, text: shown.append(text)))
    try:
        raise RuntimeError("测试甲 110101199003071234")  # synthetic personal data
    except RuntimeError as exc:
        report_error(exc)

    [report] = (tmp_path / "logs").glob("crash-*.txt")
    assert shown == [
        "An unexpected error occurred; the operation was not completed. Everything shown as "
        f"saved is safe. A report for HQ, without personal data, was saved as {report}."]
    text = report.read_text(encoding="utf-8")
    assert "builtins.RuntimeError" in text and "测试甲" not in text
