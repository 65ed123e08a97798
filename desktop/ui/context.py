"""What every window of the application shares: the store, the background, ports, settings.

`AppContext` is created once by `app`. `store` is the unlocked store of the officer logged in
(None before login); windows never touch it on the GUI thread but pass functions that use it
to `ctx.run(...)` (writes, on the store lane), `ctx.read(...)` (reads, on the read lane) or
`ctx.long(...)` (long work such as a docking, whose writes go to the store lane). Device
ports and settings hold no personal data and are kept in `<workdir>/settings.json`
(`desktop.config` reads them); with `--demo-devices` every port starts on an in-process
emulator so a new user can try everything without hardware.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import datetime
from gettext import gettext as _
from typing import TYPE_CHECKING, TypeVar

from desktop.config import DEMO_PORTS, SETTINGS_FILE, DevicePorts, Settings, settings_path
from desktop.domain.errors import UserError
from desktop.store.paths import StorePaths
from desktop.ui.background import Background, Lane

if TYPE_CHECKING:  # the store stack loads at login, not at start-up
    from desktop.store.store import Store

Clock = Callable[[], datetime]
# Windows and tests name the settings through this module as before; they live in config.
__all__ = ["DEMO_PORTS", "SETTINGS_FILE", "AppContext", "Clock", "DevicePorts", "Settings"]

T = TypeVar("T")


class AppContext:
    """The application's shared state; see the module docstring."""

    def __init__(self, paths: StorePaths, bg: Background, *, demo_devices: bool = False,
                 clock: Clock | None = None) -> None:
        self.paths = paths
        self.bg = bg
        # The store's clock (local time with its UTC offset), without loading the store here.
        self.clock: Clock = clock or (lambda: datetime.now().astimezone())
        self.demo_devices = demo_devices
        self.settings = Settings.load(settings_path(paths.workdir))
        self._configured_ports = self.settings.ports
        if demo_devices:  # for this session only: settings.json keeps the real ports
            self.settings.ports = DevicePorts(**asdict(DEMO_PORTS))
        self._store: Store | None = None

    def save_settings(self) -> None:
        if not self.paths.workdir.is_dir():
            return
        settings = self.settings
        if self.demo_devices:
            settings = replace(settings, ports=self._configured_ports)
        from desktop.store.files import atomic_write_bytes

        atomic_write_bytes(settings_path(self.paths.workdir), settings.to_json())

    @property
    def ports(self) -> DevicePorts:
        return self.settings.ports

    @property
    def device_password(self) -> str:
        """The recorders' password (a credential: from the environment, never in settings)."""
        from desktop.services.dock import configured_device_password

        return configured_device_password()

    @property
    def store(self) -> Store | None:
        return self._store

    @store.setter
    def store(self, store: Store | None) -> None:
        """The session's store; its long work hands writes to this background's store lane."""
        from desktop.store.threads import inline

        if self._store is not None and self._store is not store:
            self._store.write_lane = inline
        if store is not None:
            store.write_lane = self.bg.call
        self._store = store

    def require_store(self) -> Store:
        if self.store is None:
            raise UserError(_("No officer is logged in."))
        return self.store

    def run(self, fn: Callable[[Store], T], on_done: Callable[[T], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None) -> None:
        """Write: run `fn(store)` on the store lane; callbacks on the GUI thread."""
        store = self.require_store()
        self.bg.run(lambda: fn(store), on_done, on_error, lane=Lane.STORE)

    def read(self, fn: Callable[[Store], T], on_done: Callable[[T], None] | None = None,
             on_error: Callable[[BaseException], None] | None = None) -> None:
        """Read: run `fn(store)` on the read lane (it reads through `store.reading()` and
        never waits behind a writer); callbacks on the GUI thread."""
        store = self.require_store()
        self.bg.run(lambda: fn(store), on_done, on_error, lane=Lane.READ)

    def long(self, fn: Callable[[Store], T], on_done: Callable[[T], None] | None = None,
             on_error: Callable[[BaseException], None] | None = None, *,
             cancel: threading.Event | None = None) -> None:
        """Long work: run `fn(store)` on the long lane; its writes go through `store.write`
        to the store lane, one short transaction at a time. Callbacks on the GUI thread;
        `cancel` (checked by `fn`) is set when the program closes."""
        store = self.require_store()
        self.bg.run(lambda: fn(store), on_done, on_error, lane=Lane.LONG, cancel=cancel)
