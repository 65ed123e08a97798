"""The docking dialog against the emulated recorder over its byte protocol, in a real store.

The background is synchronous, so progress callbacks reach the dialog inline; the bars, the
stage text and the summary are read from the widgets as the officer would see them.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.services.dock import DockProgress, DockStage
from desktop.store import dockings
from desktop.store import evidence as records
from desktop.ui.background import Background
from desktop.ui.context import AppContext
from desktop.ui.evidence import DockDialog
from tests.conftest import World

SEVEN = 7  # the emulator's volume: 4 videos (one with an NMEA sidecar), 2 photos, 1 sound


def recorder_at(ctx: AppContext, tmp_path: Path) -> None:
    ctx.settings.ports.bodycam = f"emu-bodycam://?root={tmp_path / 'recorder'}&offset=-90"


def summary_count(dialog: DockDialog, label: str) -> int:
    match = re.search(rf"^{re.escape(label)}: (\d+)$", dialog.summary.toPlainText(), re.M)
    assert match, dialog.summary.toPlainText()
    return int(match.group(1))


def test_docking_fills_the_bars_and_summarises(
    ui_ctx: AppContext, world: World, qtbot: QtBot, tmp_path: Path
) -> None:
    recorder_at(ui_ctx, tmp_path)
    dialog = DockDialog(ui_ctx, world.case.id)
    qtbot.addWidget(dialog)
    seen: list[DockProgress] = []
    dialog.progressed.connect(seen.append)
    with qtbot.waitSignal(dialog.docked) as docked:
        dialog.start_button.click()

    assert dialog.file_bar.value() == dialog.file_bar.maximum()
    assert dialog.overall_bar.value() == dialog.overall_bar.maximum()
    assert dialog.stage_label.text() == "Docking complete."
    assert summary_count(dialog, "Stored now") == SEVEN
    assert summary_count(dialog, "Already stored (not read again)") == 0
    assert summary_count(dialog, "Skipped") == 0
    assert summary_count(dialog, "Deleted from the recorder") == 0
    text = dialog.summary.toPlainText()
    offset = float(re.search(r"^Clock offset: ([+-][\d.]+) s$", text, re.M).group(1))
    assert abs(offset + 90) < 3
    docking = dockings.get_docking(world.store.conn, docked.args[0])
    assert f"Ingest certificate SHA-256: {docking.certificate_sha256}" in text
    assert docking.certificate_sha256 and docking.case_id == world.case.id
    # Progress went through every file, in order, and both bars were fed on the way.
    indices = [p.file_index for p in seen if p.stage is DockStage.COPYING]
    assert sorted(set(indices)) == list(range(1, SEVEN + 1)) and indices == sorted(indices)
    assert dialog.start_button.text() == "Dock again" and dialog.start_button.isEnabled()
    assert not dialog.cancel_button.isEnabled()


def test_cancel_keeps_what_was_stored_and_docking_again_resumes(
    ui_ctx: AppContext, world: World, qtbot: QtBot, tmp_path: Path
) -> None:
    recorder_at(ui_ctx, tmp_path)
    dialog = DockDialog(ui_ctx, world.case.id)
    qtbot.addWidget(dialog)

    def cancel_after_second_file(p: DockProgress) -> None:
        if p.stage is DockStage.COPYING and p.file_index == 2 and p.file_done == p.file_total:
            assert dialog.cancel_button.isEnabled()
            dialog.cancel_button.click()

    dialog.progressed.connect(cancel_after_second_file)
    dialog.start_button.click()

    assert dialog.stage_label.text() == "Docking cancelled."
    text = dialog.summary.toPlainText()
    assert "Docking cancelled. Files already stored are kept" in text
    assert "Docking the recorder again resumes this docking" in text
    assert dialog.start_button.text() == "Dock again (resume)"
    assert dialog.start_button.isEnabled() and not dialog.running
    assert len(records.items_for_case(world.store.conn, world.case.id)) == 2
    assert dialog.overall_bar.value() < dialog.overall_bar.maximum()

    dialog.progressed.disconnect(cancel_after_second_file)
    with qtbot.waitSignal(dialog.docked) as docked:
        dialog.start_button.click()
    assert summary_count(dialog, "Stored now") == SEVEN - 2
    assert summary_count(dialog, "Already stored (not read again)") == 2
    assert "An interrupted docking was resumed." in dialog.summary.toPlainText()
    assert dialog.overall_bar.value() == dialog.overall_bar.maximum()

    stored = records.items_for_case(world.store.conn, world.case.id)
    assert len(stored) == SEVEN
    assert len({i.device_path for i in stored}) == SEVEN  # no file taken twice
    assert {i.docking_id for i in stored} == {docked.args[0]}
    assert len(dockings.all_dockings(world.store.conn)) == 1


def test_closing_while_docking_cancels_instead(
    ui_ctx: AppContext, world: World, qtbot: QtBot, tmp_path: Path
) -> None:
    recorder_at(ui_ctx, tmp_path)
    dialog = DockDialog(ui_ctx, world.case.id)
    qtbot.addWidget(dialog)
    dialog.show()
    closed: list[bool] = []

    def close_on_first_file(p: DockProgress) -> None:
        if p.stage is DockStage.COPYING and not closed:
            closed.append(dialog.isVisible())
            dialog.reject()
            closed.append(dialog.isVisible())

    dialog.progressed.connect(close_on_first_file)
    dialog.start_button.click()
    assert closed == [True, True]  # kept open while the docking stops
    assert dialog.stage_label.text() == "Docking cancelled."
    dialog.reject()
    assert not dialog.isVisible()


def test_a_missing_port_is_a_clear_failure(
    ui_ctx: AppContext, world: World, qtbot: QtBot
) -> None:
    ui_ctx.settings.ports.bodycam = ""
    dialog = DockDialog(ui_ctx, world.case.id)
    qtbot.addWidget(dialog)
    dialog.start_button.click()
    assert dialog.stage_label.text() == "Docking failed."
    assert "No port is configured for the body-worn recorder" in dialog.summary.toPlainText()
    assert dialog.start_button.text() == "Dock again (resume)"


def test_docking_on_the_real_store_thread(
    world: World, qtbot: QtBot, tmp_path: Path
) -> None:
    """With a threaded background the progress arrives queued and the GUI stays live."""
    bg = Background()
    ctx = AppContext(world.paths, bg, clock=world.store.clock)
    ctx.store = world.store
    recorder_at(ctx, tmp_path)
    dialog = DockDialog(ctx, world.case.id)
    qtbot.addWidget(dialog)
    threads: set[bool] = set()
    dialog.progressed.connect(
        lambda _p: threads.add(threading.current_thread() is threading.main_thread()))
    try:
        with qtbot.waitSignal(dialog.docked, timeout=60_000):
            dialog.start_button.click()
            assert dialog.running and dialog.cancel_button.isEnabled()
        assert threads == {True}  # every progress slot ran on the GUI thread
        assert summary_count(dialog, "Stored now") == SEVEN
        assert dialog.overall_bar.value() == dialog.overall_bar.maximum()
    finally:
        bg.shutdown()
