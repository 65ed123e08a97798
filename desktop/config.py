"""Configuration in one place: every `STATEMENT_ROOM_*` variable, and the settings file.

Each variable is named once here, with what it means; code elsewhere asks this module and never
reads `os.environ` for our variables itself, so `grep STATEMENT_ROOM_` finds one file and a
variable cannot be spelled two ways. Credentials (passwords, passphrases, PINs) are only ever
read from the environment or a prompt, never from settings files or the command line.

The settings a user changes in the program (`Settings`, with the device ports in
`DevicePorts`) are kept in `<workdir>/settings.json`; they hold no personal data and no
credential. `Settings.load` reads them and `Settings.to_json` gives the bytes to keep.

This module imports nothing from the rest of `desktop`, so every layer may use it; for the
same reason it leaves the durable write of the settings file to the caller
(`desktop.store.files.atomic_write_bytes`).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

# -- where things are ------------------------------------------------------------------------
HOME = "STATEMENT_ROOM_HOME"
"""The store's folder for commands run without --workdir (default: the user's data folder)."""

ANCHOR = "STATEMENT_ROOM_ANCHOR"
"""A second copy of the signed tree-head anchor, outside the store folder (decision 18)."""

LOG_DIR = "STATEMENT_ROOM_LOG_DIR"
"""Where crash reports are written (default: the platform's log folder for the user,
desktop/crash_reports.py)."""

# -- language --------------------------------------------------------------------------------
LANGUAGE = "STATEMENT_ROOM_LANG"
"""The interface language (zh_CN or en) when settings do not choose one."""

# -- credentials: environment or prompt only --------------------------------------------------
OFFICER = "STATEMENT_ROOM_OFFICER"
"""The enforcement number of the officer a command logs in as."""

PASSWORD = "STATEMENT_ROOM_PASSWORD"
"""That officer's password."""

NEW_PASSWORD = "STATEMENT_ROOM_NEW_PASSWORD"
"""A new password (init, adding an officer, changing or resetting a password)."""

ESCROW_PASSPHRASE = "STATEMENT_ROOM_ESCROW_PASSPHRASE"
"""The passphrase of HQ's escrow private key file (recovery)."""

CA_PASSPHRASE = "STATEMENT_ROOM_CA_PASSPHRASE"
"""The passphrase of the unit root's sealed key file (`ca init`, `ca issue`)."""

DEVICE_PASSWORD = "STATEMENT_ROOM_DEVICE_PASSWORD"
"""The body-worn recorders' device password (docking)."""

P12_PASSPHRASE = "STATEMENT_ROOM_P12_PASSPHRASE"
"""The passphrase of a PKCS#12 file being imported or issued (`keys import`, `ca issue`)."""

SECRET_PREFIX = "STATEMENT_ROOM_SECRET_"
"""Per-signer secrets for scripted signing: STATEMENT_ROOM_SECRET_<NUMBER> (keys, signing)."""

# -- services --------------------------------------------------------------------------------
TSA_URL = "STATEMENT_ROOM_TSA_URL"
"""An RFC 3161 time-stamping authority; when set, every signature is timestamped."""

# -- packaging checks ------------------------------------------------------------------------
QUIT_AFTER_MS = "STATEMENT_ROOM_QUIT_AFTER_MS"
"""For the installed program's smoke check (installer/build.py): the window prints the titles
of the windows it shows this many milliseconds after it started, then quits."""


def env(name: str) -> str | None:
    """The value of one of the variables above; None when unset or empty."""
    value = os.environ.get(name)
    return value if value else None


def home() -> Path | None:
    value = env(HOME)
    return Path(value) if value else None


def log_dir() -> Path | None:
    value = env(LOG_DIR)
    return Path(value) if value else None


def anchor_mirror() -> Path | None:
    value = env(ANCHOR)
    return Path(value) if value else None


def language() -> str | None:
    return env(LANGUAGE)


def tsa_url() -> str | None:
    value = env(TSA_URL)
    return value.strip() or None if value else None


def device_password() -> str | None:
    """The body-worn recorders' password, when one is set (else the caller's default)."""
    return env(DEVICE_PASSWORD)


def password() -> str | None:
    """The officer's password a command runs with, when one is set."""
    return env(PASSWORD)


# -- the settings file -----------------------------------------------------------------------
SETTINGS_FILE = "settings.json"


def settings_path(workdir: Path) -> Path:
    """Where the settings of the store in `workdir` are kept."""
    return workdir / SETTINGS_FILE


@dataclass
class DevicePorts:
    """The port or URL of each device; empty means not configured."""

    idcard: str = ""
    mrz: str = ""
    bodycam: str = ""
    gnss: str = ""
    fingerprint: str = ""


DEMO_PORTS = DevicePorts(
    idcard="emu-idcard://?card=resident",
    mrz="emu-mrz://?doc=td3&repeat=1",
    bodycam="emu-bodycam://?offset=-90",
    gnss="emu-gnss://?rate=1",
    fingerprint="emu-fingerprint://",
)
"""Every device on an in-process emulator (`--demo-devices`): try everything without hardware."""


@dataclass
class Settings:
    """What the user chooses in the program; kept in `<workdir>/settings.json`."""

    idle_lock_minutes: int = 10
    long_interview_hours: float = 12.0
    delete_originals: bool = False  # after a docking, delete verified files from the recorder
    sm3: bool = False  # also compute SM3 digests of evidence
    language: str = ""  # "" = $STATEMENT_ROOM_LANG or Chinese
    sync_bandwidth_kib: int = 0  # the sync's cap in KiB per second; 0 = no cap
    # A statement is signed only with a recording of the interview, or the officer's written
    # reason why there is none (decision 45); False only where no recorder is installed yet.
    recording_required: bool = True
    ports: DevicePorts = field(default_factory=DevicePorts)
    # Record from the synthetic camera and microphone (issue 18) even without --demo-devices:
    # a training room, or a machine whose camera is known to be missing.
    synthetic_recording: bool = False

    @classmethod
    def load(cls, path: Path) -> Settings:
        """The settings in `path`; the defaults when it is missing or unreadable (a settings
        file never stops the program from starting)."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(raw, dict):
            return cls()
        known = {f.name for f in fields(cls)} - {"ports"}
        values: dict[str, Any] = {k: v for k, v in raw.items() if k in known}
        stored = raw.get("ports")
        ports: dict[str, Any] = stored if isinstance(stored, dict) else {}
        port_names = {f.name for f in fields(DevicePorts)}
        try:
            return cls(**values, ports=DevicePorts(**{k: str(v) for k, v in ports.items()
                                                      if k in port_names}))
        except TypeError:
            return cls()

    def to_json(self) -> bytes:
        """The bytes of `settings.json` for these settings (UTF-8, readable by a person)."""
        return json.dumps(asdict(self), ensure_ascii=False, indent=2).encode("utf-8")
