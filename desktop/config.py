"""Configuration in one place: every `STATEMENT_ROOM_*` variable the program reads.

Each variable is named once here, with what it means; code elsewhere asks this module and never
reads `os.environ` for our variables itself, so `grep STATEMENT_ROOM_` finds one file and a
variable cannot be spelled two ways. Credentials (passwords, passphrases, PINs) are only ever
read from the environment or a prompt, never from settings files or the command line.

This module imports nothing from the rest of `desktop`, so every layer may use it.
"""

from __future__ import annotations

import os
from pathlib import Path

# -- where things are ------------------------------------------------------------------------
HOME = "STATEMENT_ROOM_HOME"
"""The store's folder for commands run without --workdir (default: the user's data folder)."""

ANCHOR = "STATEMENT_ROOM_ANCHOR"
"""A second copy of the signed tree-head anchor, outside the store folder (decision 18)."""

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


def env(name: str) -> str | None:
    """The value of one of the variables above; None when unset or empty."""
    value = os.environ.get(name)
    return value if value else None


def home() -> Path | None:
    value = env(HOME)
    return Path(value) if value else None


def anchor_mirror() -> Path | None:
    value = env(ANCHOR)
    return Path(value) if value else None


def language() -> str | None:
    return env(LANGUAGE)


def tsa_url() -> str | None:
    value = env(TSA_URL)
    return value.strip() or None if value else None
