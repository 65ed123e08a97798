"""The login window names a deleted anchor or lost saves, as the command line does."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.ui.background import Background
from desktop.ui.context import AppContext
from desktop.ui.start import LoginDialog
from tests.conftest import PASSWORD, World


def test_login_window_says_the_anchor_is_missing(world: World, qtbot: QtBot) -> None:
    world.store.close()  # signs a tree head and writes anchor.json
    world.paths.anchor.unlink()
    ctx = AppContext(world.paths, Background(synchronous=True), clock=world.store.clock)
    dialog = LoginDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.certificate.setText(world.admin.certificate_no)
    dialog.password.setText(PASSWORD)
    dialog.submit()
    text = dialog.error.text()
    assert "anchor" in text and "is missing" in text and "audit anchor --recreate" in text


def test_login_window_says_saves_were_lost(world: World, qtbot: QtBot) -> None:
    """A mark ahead of the store (as a lost WAL leaves it) is named in the window."""
    from desktop.store.highwater import Mark, MarkWriter, mark_key

    key = world.store._data_key
    store_id = world.store.store_id
    world.store.close()
    writer = MarkWriter(world.paths.highwater, mark_key(key, store_id))
    writer.write(Mark(10_000, b"\0" * 32))
    writer.close()
    ctx = AppContext(world.paths, Background(synchronous=True), clock=world.store.clock)
    dialog = LoginDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.certificate.setText(world.admin.certificate_no)
    dialog.password.setText(PASSWORD)
    dialog.submit()
    assert "acknowledged saves are lost" in dialog.error.text()
