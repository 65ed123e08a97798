"""Sync › Reference data from HQ…: what the officer sees of the reference data this computer
holds, on a store made as `statement-room init` makes it, after a real sync with a real HQ
process (tests/support/hq_server.py) where HQ's administrator published a roster; and, after
a forged manifest was refused, why."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pytestqt.qtbot import QtBot

from desktop.services import refdata, sync_round
from desktop.store import sync_state
from desktop.ui.context import AppContext
from desktop.ui.main_window import MainWindow
from desktop.ui.refdata_dialog import RefdataDialog
from sync.protocol.refdata import DatasetVersion, RefManifest
from sync.protocol.signing import sign
from tests.conftest import World
from tests.support.hq_server import RunningHQ, hq_server
from tests.ui.test_sync_gui import action, sync_threads

__all__ = ["hq_server"]

ROSTER = json.dumps({"officers": [{"name": "张三", "certificate": "TEST0001"}]},
                    ensure_ascii=False).encode()


@pytest.fixture
def synced(world: World, hq_server: RunningHQ, tmp_path: Path) -> World:
    """The world's store enrolled with HQ and synced once, after HQ published a roster."""
    source = tmp_path / "roster.json"
    source.write_bytes(ROSTER)
    assert hq_server.admin("publish", "roster", str(source)).returncode == 0
    sync_round.enrol(world.store, hq_server.url, hq_server.enrol_code())
    report = sync_round.run_round(world.store)
    assert report.complete and report.refdata is not None
    assert report.refdata.updated == {"roster": 1}
    return world


@pytest.fixture
def window(synced: World, ui_ctx: AppContext, qtbot: QtBot) -> Iterator[MainWindow]:
    shown = MainWindow(ui_ctx)
    qtbot.addWidget(shown)
    shown.closing_for_rebuild = True  # the world fixture closes the store itself
    shown.show()
    yield shown
    shown.close()
    assert sync_threads() == []


def open_dialog(window: MainWindow) -> RefdataDialog:
    action(window, "Reference data from HQ…").trigger()
    dialog = window.sync.dialog
    assert isinstance(dialog, RefdataDialog) and dialog.isVisible()
    assert dialog.shown is not None  # the GUI tests' read lane answers at once
    return dialog


def row(dialog: RefdataDialog, index: int) -> list[str]:
    cells = [dialog.table.item(index, c) for c in range(dialog.table.columnCount())]
    return [c.text() if c is not None else "" for c in cells]


def test_the_officer_sees_the_roster_its_version_and_until_when_it_is_valid(
        window: MainWindow) -> None:
    dialog = open_dialog(window)
    assert dialog.windowTitle() == "Reference data from HQ"
    assert dialog.summary.text().startswith("HQ issued these on 20")
    assert "; this computer received them on 20" in dialog.summary.text()
    assert dialog.validity.isVisible()
    assert dialog.validity.text().startswith("Valid until 20")
    assert not dialog.clock.isVisible()  # this computer's clock agrees with HQ's
    assert not dialog.refusal.isVisible()
    headings = [dialog.table.horizontalHeaderItem(c).text()
                for c in range(dialog.table.columnCount())]
    assert headings == ["Dataset", "Version", "Received", "Size", "SHA-256"]
    assert dialog.table.rowCount() == 1
    name, version, received, size, fingerprint = row(dialog, 0)
    assert (name, version, size) == ("roster", "1", f"{len(ROSTER)} B")
    assert received.startswith("20")
    assert fingerprint == hashlib.sha256(ROSTER).hexdigest()[:16]
    dialog.close()


def test_a_refused_manifest_is_shown_with_its_reason_and_the_data_stays(
        window: MainWindow, synced: World) -> None:
    store = synced.store
    # The window's sync worker would fetch HQ's good manifest again, which clears the
    # refusal; stopped here so the refusal stays to be seen (it would until the next round).
    window.sync.stop()
    with store.reading() as conn:
        enrolment = sync_state.enrolment(conn)
    assert enrolment is not None
    # Someone between this computer and HQ offers a roster of their own, under their key.
    forged = RefManifest(hq=enrolment.hq_id, issued_ms=2**41, expires_ms=2**42, datasets={
        "roster": DatasetVersion(2, hashlib.sha256(b"{}").hexdigest(), 2)})
    with pytest.raises(refdata.RefdataRefused):
        refdata.accept(store, sign(forged, Ed25519PrivateKey.generate()).to_json(),
                       pinned_key=enrolment.receipt_key, hq_id=enrolment.hq_id,
                       fetch=lambda _name, _version: b"{}")

    dialog = open_dialog(window)
    assert dialog.refusal.isVisible()
    refusal = dialog.refusal.text()
    assert refusal.startswith("HQ's last reference data was refused (20")
    assert refusal.endswith("): HQ's reference data is not signed with the key pinned at "
                            "enrolment; nothing was kept, the last good version stays in use.")
    assert row(dialog, 0)[:2] == ["roster", "1"]  # still the one HQ signed
    dialog.close()
