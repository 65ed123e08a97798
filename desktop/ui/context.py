"""What every window of the application shares: the store, the background, ports, settings.

`AppContext` is created once by `app`. `store` is the unlocked store of the officer logged in
(None before login); windows never touch it on the GUI thread but pass functions that use it
to `ctx.bg.run(...)`, which runs them on the store thread. Device ports and settings hold no
personal data and are kept in `<workdir>/settings.json`; with `--demo-devices` every port
starts on an in-process emulator so a new user can try everything without hardware.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from gettext import gettext as _
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from desktop.domain.errors import UserError
from desktop.store.paths import StorePaths
from desktop.ui.background import Background

if TYPE_CHECKING:  # the store stack loads at login, not at start-up
    from desktop.store.store import Store

Clock = Callable[[], datetime]

T = TypeVar("T")
SETTINGS_FILE = "settings.json"


@dataclass
class DevicePorts:
    """The port or URL of each device; empty means not configured."""

    idcard: str = ""
    mrz: str = ""
    bodycam: str = ""
    gnss: str = ""


DEMO_PORTS = DevicePorts(
    idcard="emu-idcard://?card=resident",
    mrz="emu-mrz://?doc=td3&repeat=1",
    bodycam="emu-bodycam://?offset=-90",
    gnss="emu-gnss://?rate=1",
)


@dataclass
class Settings:
    idle_lock_minutes: int = 10
    long_interview_hours: float = 12.0
    delete_originals: bool = False  # after a docking, delete verified files from the recorder
    sm3: bool = False  # also compute SM3 digests of evidence
    language: str = ""  # "" = $STATEMENT_ROOM_LANG or Chinese
    ports: DevicePorts = field(default_factory=DevicePorts)

    @classmethod
    def load(cls, path: Path) -> Settings:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(raw, dict):
            return cls()
        known = {f.name for f in fields(cls)} - {"ports"}
        values: dict[str, Any] = {k: v for k, v in raw.items() if k in known}
        ports = raw.get("ports") if isinstance(raw.get("ports"), dict) else {}
        port_names = {f.name for f in fields(DevicePorts)}
        try:
            return cls(**values, ports=DevicePorts(**{k: str(v) for k, v in ports.items()
                                                      if k in port_names}))
        except TypeError:
            return cls()

    def save(self, path: Path) -> None:
        from desktop.store.files import atomic_write_bytes

        atomic_write_bytes(path, json.dumps(asdict(self), ensure_ascii=False,
                                            indent=2).encode("utf-8"))


class AppContext:
    """The application's shared state; see the module docstring."""

    def __init__(self, paths: StorePaths, bg: Background, *, demo_devices: bool = False,
                 clock: Clock | None = None) -> None:
        self.paths = paths
        self.bg = bg
        # The store's clock (local time with its UTC offset), without loading the store here.
        self.clock: Clock = clock or (lambda: datetime.now().astimezone())
        self.demo_devices = demo_devices
        self.settings = Settings.load(paths.workdir / SETTINGS_FILE)
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
        settings.save(self.paths.workdir / SETTINGS_FILE)

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
