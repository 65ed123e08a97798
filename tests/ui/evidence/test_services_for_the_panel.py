"""The service functions the evidence panel and docking dialog added (Qt-free; kept beside the
GUI tests that use them): listing a case, an item with its docking, reading a small item into
memory with its hash checked, and docking by port URL with device errors made `UserError`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from desktop.domain.errors import UserError
from desktop.services import evidence
from desktop.services.dock import DockPolicy, dock_port
from desktop.store import evidence as records
from desktop.store.vault_format import VaultIntegrityError
from tests.conftest import World


def test_dock_port_docks_by_url_and_lists_with_docking(world: World, tmp_path: Path) -> None:
    url = f"emu-bodycam://?root={tmp_path / 'recorder'}&offset=-90"
    report = dock_port(world.store, url, case_id=world.case.id)
    items = evidence.case_items(world.store, world.case.id)
    assert len(items) == len(report.items) == 7
    item, docking = evidence.item_with_docking(world.store, items[0].id)
    assert docking is not None and docking.id == report.docking.id == item.docking_id


def test_dock_port_turns_port_and_device_failures_into_user_errors(
    world: World, tmp_path: Path
) -> None:
    with pytest.raises(UserError, match="No port is configured"):
        dock_port(world.store, "  ")
    with pytest.raises(UserError):
        dock_port(world.store, str(tmp_path / "no-such-device"))
    with pytest.raises(UserError):  # wrong device password: the recorder refuses
        dock_port(world.store, f"emu-bodycam://?root={tmp_path / 'r'}",
                  policy=DockPolicy(device_password="999999"))
    assert evidence.case_items(world.store, world.case.id) == []


def test_read_item_returns_checked_plaintext_from_memory(world: World, tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_bytes(b"hello evidence")
    report = evidence.import_path(world.store, world.case.id, source)
    item_id = report.items[0].id
    assert evidence.read_item(world.store, item_id) == b"hello evidence"
    item, docking = evidence.item_with_docking(world.store, item_id)
    assert docking is None and item.sha256 == hashlib.sha256(b"hello evidence").hexdigest()
    with pytest.raises(UserError, match="too large to show"):
        evidence.read_item(world.store, item_id, limit=4)
    blob = records.blob_path(world.paths.workdir, item.sha256, world.store.vault_key())
    blob.write_bytes(blob.read_bytes()[:-1] + bytes([blob.read_bytes()[-1] ^ 1]))
    with pytest.raises(VaultIntegrityError):
        evidence.read_item(world.store, item_id)
    blob.unlink()
    with pytest.raises(UserError, match="is missing"):
        evidence.read_item(world.store, item_id)
