"""What every window of the application shares: the store, the background, ports, settings.

`AppContext` is created once by `app`. `store` is the unlocked store of the officer logged in
(None before login); windows never touch it on the GUI thread but pass functions that use it
to `ctx.bg.run(...)`, which runs them on the store thread. Device ports and settings hold no
personal data and are kept in `<workdir>/settings.json` (`desktop.config` reads them); with
`--demo-devices` every port starts on an in-process emulator so a new user can try
everything without hardware.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import datetime
from gettext import gettext as _
from typing import TYPE_CHECKING, TypeVar

from desktop.config import DEMO_PORTS, SETTINGS_FILE, DevicePorts, Settings, settings_path
from desktop.domain.errors import UserError
from desktop.store.paths import StorePaths
from desktop.ui.background import Background

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
        self.store: Store | None = None

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

    def require_store(self) -> Store:
        if self.store is None:
            raise UserError(_("No officer is logged in."))
        return self.store

    def run(self, fn: Callable[[Store], T], on_done: Callable[[T], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None) -> None:
        """Run `fn(store)` on the store thread; callbacks on the GUI thread."""
        store = self.require_store()
        self.bg.run(lambda: fn(store), on_done, on_error)
