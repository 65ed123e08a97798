"""The evidence panel: the list after a docking, an item's hashes and custody, photos in a
viewer (decrypted in memory), export, import and vault verification, on a real store.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image
from pytestqt.qtbot import QtBot

from desktop.services import evidence
from desktop.store import dockings
from desktop.store import evidence as records
from desktop.ui.context import AppContext
from desktop.ui.evidence import DockDialog, EvidencePanel
from tests.conftest import World


def jpeg_bytes(width: int = 24, height: int = 16) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 40)).save(out, format="JPEG", quality=90)
    return out.getvalue()


def panel_for(ctx: AppContext, world: World, qtbot: QtBot) -> EvidencePanel:
    panel = EvidencePanel(ctx, world.case.id)
    qtbot.addWidget(panel)
    panel.refresh()
    return panel


def column(panel: EvidencePanel, index: int) -> list[str]:
    return [panel.table.item(row, index).text() for row in range(panel.table.rowCount())]


@pytest.fixture
def docked(ui_ctx: AppContext, world: World, qtbot: QtBot, tmp_path: Path) -> str:
    ui_ctx.settings.ports.bodycam = f"emu-bodycam://?root={tmp_path / 'recorder'}&offset=-90"
    dialog = DockDialog(ui_ctx, world.case.id)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.docked) as signal:
        dialog.start()
    return str(signal.args[0])


def test_docked_items_are_listed_with_hashes_and_custody(
    ui_ctx: AppContext, world: World, qtbot: QtBot, docked: str
) -> None:
    panel = panel_for(ui_ctx, world, qtbot)
    assert panel.table.rowCount() == 7
    names = column(panel, 0)
    assert sum(n.endswith(".MP4") for n in names) == 3 and names.count("") == 0
    assert set(column(panel, 1)) == {"video", "photo", "audio", "other"}
    assert set(column(panel, 5)) == {"recorder 1234567"}
    assert column(panel, 4).count("yes") == 2  # the two _IMP files

    video = next(i for i in panel.items if i.original_name.endswith("_0003.MP4"))
    assert panel.select(video.id)
    text = panel.details.toPlainText()
    assert f"SHA-256: {video.sha256}" in text
    assert "Device serial: 1234567" in text
    assert "Officer number: 123456" in text
    assert f"Device path: {video.device_path}" in text
    assert "Device time: " in text
    offset = video.custody_details["clock_offset_ms"] / 1000
    assert f"Clock offset: {offset:+.1f} s" in text and abs(offset + 90) < 3
    assert "Corrected start time (UTC): 2026-01-05 01:" in text
    assert "GPS track: 5 points" in text
    assert "First fix: " in text and "39.9042000, 116.4074000" in text and "Last fix: " in text
    assert f"Docking: {docked}" in text
    certificate = dockings.get_docking(world.store.conn, docked).certificate_sha256
    assert f"Ingest certificate SHA-256: {certificate}" in text
    assert panel.export_button.isEnabled() and not panel.view_button.isEnabled()


def test_dock_button_opens_the_dialog_and_the_list_follows(
    ui_ctx: AppContext, world: World, qtbot: QtBot, tmp_path: Path
) -> None:
    ui_ctx.settings.ports.bodycam = f"emu-bodycam://?root={tmp_path / 'recorder'}&offset=-90"
    panel = panel_for(ui_ctx, world, qtbot)
    assert panel.table.rowCount() == 0
    panel.dock_button.click()
    dialog = panel.dock_dialog
    assert dialog is not None and dialog.isVisible()
    with qtbot.waitSignal(panel.changed):
        dialog.start_button.click()
    assert panel.table.rowCount() == 7
    dialog.close_button.click()


def test_a_photo_is_shown_from_memory(
    ui_ctx: AppContext, world: World, qtbot: QtBot, tmp_path: Path
) -> None:
    source = tmp_path / "现场照片.jpg"
    source.write_bytes(jpeg_bytes())
    panel = panel_for(ui_ctx, world, qtbot)
    panel.import_files([source])
    assert "Imported 1 file." in panel.status.text()
    assert column(panel, 0) == ["现场照片.jpg"] and column(panel, 1) == ["photo"]
    assert panel.selected_item() is not None  # the new item is selected
    assert "Imported from a file: " in panel.details.toPlainText()
    assert panel.view_button.isEnabled()

    vault_before = sorted(p.name for p in records.vault_directory(world.paths.workdir).iterdir())
    panel.view_button.click()
    viewer = panel.viewer
    assert viewer is not None and viewer.loaded
    assert (viewer.pixmap().width(), viewer.pixmap().height()) == (24, 16)
    assert viewer.image.pixmap() is not None and not viewer.image.pixmap().isNull()
    assert viewer.windowTitle() == "Photo: 现场照片.jpg"
    # Nothing decrypted was written next to the vault.
    assert sorted(p.name for p in records.vault_directory(
        world.paths.workdir).iterdir()) == vault_before
    viewer.reject()


def test_export_writes_the_original_bytes(
    ui_ctx: AppContext, world: World, qtbot: QtBot, tmp_path: Path
) -> None:
    content = jpeg_bytes(40, 30)
    source = tmp_path / "photo.jpg"
    source.write_bytes(content)
    evidence.import_path(world.store, world.case.id, source)
    panel = panel_for(ui_ctx, world, qtbot)
    panel.table.selectRow(0)
    out = tmp_path / "out" / "copy.jpg"
    out.parent.mkdir()
    panel.export_selected(out)
    assert out.read_bytes() == content
    assert hashlib.sha256(content).hexdigest() in panel.status.text()
    panel.export_selected(out)  # refused, not overwritten
    assert "already exists" in panel.status.text()
    assert out.read_bytes() == content


def test_importing_the_same_file_again_is_reported_not_duplicated(
    ui_ctx: AppContext, world: World, qtbot: QtBot, tmp_path: Path
) -> None:
    source = tmp_path / "notes.txt"
    source.write_bytes(b"statement notes")
    panel = panel_for(ui_ctx, world, qtbot)
    panel.import_files([source])
    panel.import_files([source, tmp_path / "missing.txt"])
    assert panel.table.rowCount() == 1
    assert "Cannot read" in panel.status.text()  # the missing one refuses the batch
    panel.import_files([source])
    assert "1 file was already in this case" in panel.status.text()
    assert column(panel, 1) == ["document"]


def test_verify_vault_reports_success_and_names_a_damaged_item(
    ui_ctx: AppContext, world: World, qtbot: QtBot, tmp_path: Path
) -> None:
    for index in range(2):
        source = tmp_path / f"file{index}.txt"
        source.write_bytes(f"content {index}".encode())
        evidence.import_path(world.store, world.case.id, source)
    panel = panel_for(ui_ctx, world, qtbot)
    panel.verify_button.click()
    assert "all 2 items decrypt and match their SHA-256" in panel.status.text()

    damaged = panel.items[0]
    blob = records.blob_path(world.paths.workdir, damaged.sha256, world.store.vault_key())
    data = bytearray(blob.read_bytes())
    data[-1] ^= 0x01
    blob.write_bytes(bytes(data))
    panel.verify_button.click()
    text = panel.status.text()
    assert "1 of 2 evidence items FAILED verification:" in text
    assert damaged.id in text and "file0.txt" in text
    assert panel.verify_button.isEnabled()


def test_fits_a_1366_by_768_screen(ui_ctx: AppContext, world: World, qtbot: QtBot) -> None:
    panel = panel_for(ui_ctx, world, qtbot)
    dialog = DockDialog(ui_ctx, world.case.id)
    qtbot.addWidget(dialog)
    for widget in (panel, dialog):
        hint = widget.minimumSizeHint()
        assert hint.width() <= 1366 and hint.height() <= 700
    assert dialog.width() <= 1366 and dialog.height() <= 700
