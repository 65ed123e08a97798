"""Fixtures for the GUI tests: a real store (the `world` of tests/conftest.py) behind an
`AppContext` whose background runs synchronously, so tests need neither sleeps nor threads.

Qt runs offscreen (tests/conftest.py sets QT_QPA_PLATFORM); `qtbot` comes from pytest-qt.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.store.store import Store
from desktop.ui.background import Background
from desktop.ui.context import DEMO_PORTS, AppContext, DevicePorts
from tests.conftest import World


@pytest.fixture(autouse=True, scope="session")
def application_font(qapp: QApplication) -> str | None:
    """The bundled Chinese font as the application font, as `run_gui` installs it: every GUI
    test lays text out as an officer sees it, whichever tests ran before on its worker (the
    printing module also registers the font, so without this a test's line breaks depended
    on whether a printing test had run first)."""
    from desktop.ui.app import install_font

    return install_font(qapp)


@pytest.fixture
def ui_ctx(world: World, qtbot: QtBot) -> Iterator[AppContext]:
    """The world's store, logged in as its admin, with emulated devices on every port."""
    bg = Background(synchronous=True)
    ctx = AppContext(world.paths, bg, demo_devices=True, clock=world.store.clock)
    ctx.settings.ports = DevicePorts(**DEMO_PORTS.__dict__)
    ctx.store = world.store
    yield ctx
    bg.shutdown()


@pytest.fixture(autouse=True)
def no_screen_lock_left() -> Iterator[None]:
    """The screen lock holds the whole application: one a test left must not hold the next."""
    yield
    from desktop.ui.idle_lock import active_lock

    lock = active_lock()
    if lock is not None:
        lock.release()


def store_of(ctx: AppContext) -> Store:
    return ctx.require_store()
