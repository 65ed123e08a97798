"""First run: creating a store with its first administrator, for the setup window and `init`.

`check_setup` refuses an incomplete form before anything is written (no I/O: a window may
call it as the officer presses the button); `create_first_store` checks again, creates the
encrypted store with the administrator (the device's audit key is generated with it) and,
if asked, a second officer, and returns the administrator's unlocked store. A failure after
the store exists closes it: nothing half-open is left behind. `read_escrow_key` reads HQ's
escrow public key (PEM) for recovering a forgotten password, and `open_demo_store` makes
the scripted demo's store and logs in as its administrator.
"""

from __future__ import annotations

from dataclasses import dataclass
from gettext import gettext as _
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Officer, Role
from desktop.services.demo_login import demo_login
from desktop.store.keys import load_escrow_public_key
from desktop.store.store import Store, StorePaths, create_store, unlock
from desktop.store.tx import Clock, system_clock


@dataclass(frozen=True)
class NewOfficer:
    """An officer as typed in the setup form; the password never appears in a repr."""

    name: str
    certificate_no: str
    password: str

    def __repr__(self) -> str:
        return f"NewOfficer({self.name!r}, {self.certificate_no!r})"


def check_setup(unit: str, admin: NewOfficer, second: NewOfficer | None = None) -> None:
    """Refuse a form without the unit, the administrator's name and number, or, when a
    second officer is added, their name and number. (The passwords' strength is the
    store's to judge, when it wraps the key with them.)"""
    if not (unit.strip() and admin.name.strip() and admin.certificate_no.strip()):
        raise UserError(_("Fill in the unit and the administrator's name and certificate "
                          "number."))
    if second is not None and not (second.name.strip() and second.certificate_no.strip()):
        raise UserError(_("Fill in the second officer's name and certificate number, or "
                          "untick the box."))


def read_escrow_key(path: Path) -> X25519PublicKey:
    """HQ's escrow public key from a PEM file, or a UserError naming the file."""
    try:
        return load_escrow_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise UserError(_("Cannot read the escrow public key {path}.").format(
            path=path)) from exc


def create_first_store(paths: StorePaths, unit: str, admin: NewOfficer, *,
                       second: NewOfficer | None = None,
                       escrow: X25519PublicKey | None = None,
                       clock: Clock = system_clock) -> Store:
    """Create the store in `paths` and return it unlocked for its administrator."""
    check_setup(unit, admin, second)
    unit = unit.strip()
    first = Officer(id=new_id(), name=admin.name.strip(),
                    certificate_no=admin.certificate_no.strip(), unit=unit, role=Role.ADMIN)
    store = create_store(paths, first, admin.password, escrow=escrow, clock=clock)
    try:
        if second is not None:
            store.add_officer(Officer(id=new_id(), name=second.name.strip(),
                                      certificate_no=second.certificate_no.strip(), unit=unit),
                              second.password)
    except BaseException:
        store.close()
        raise
    return store


def open_demo_store(paths: StorePaths, clock: Clock = system_clock) -> Store:
    """The scripted demo's store (two officers, a signed statement, docked footage), made in
    `paths` (or brought up to date there), unlocked for the demo's administrator."""
    from desktop.services.demo import run_demo  # heavy (documents); only when asked

    run_demo(paths.workdir, lambda _line: None)
    login = demo_login(paths.workdir)
    if login is None:  # run_demo always leaves its marker; a bug if it did not
        raise RuntimeError("the demo left no marker in its store folder")
    return unlock(paths, *login, clock=clock)
