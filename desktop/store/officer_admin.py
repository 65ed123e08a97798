"""An administrator disables an officer, enables them again, or changes their role (decision 24).

Disabling keeps the officer's row (their past signatures and audit events name it) and takes
away what lets them act: their login entry in the key file (the wrap of the data key under
their password) and every signing-key wrap under that password. Enabling gives them a new
password, set by the administrator; their signing keys are imported again. Each change is one
audited transaction committed under the key file's lock before the key file is written, as
for a password reset (desktop/store/store.py). The last active administrator can neither be
disabled nor lose the role, and nobody disables themselves.
"""

from __future__ import annotations

from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.model import Officer, Role
from desktop.domain.security import check_password_strength
from desktop.store import officer_hq_keys, officers, signing_keys
from desktop.store.connection import guarded
from desktop.store.keyfile import KeyFile, OfficerKey, update_key_file
from desktop.store.keys import wrap_with_password
from desktop.store.store import Store


def _target(store: Store, officer_id: str) -> Officer:
    if store.officer.role is not Role.ADMIN:
        raise UserError(_("Only an administrator can disable or enable officers or change "
                          "their role."))
    with guarded():
        return officers.get_officer(store.conn, officer_id)


def _keep_an_administrator(store: Store, officer: Officer) -> None:
    if officer.role is Role.ADMIN and officer.active:
        with guarded():
            others = [o for o in officers.active_administrators(store.conn) if o.id != officer.id]
        if not others:
            raise UserError(_("{name} is the last active administrator: make another officer "
                              "an administrator first.").format(name=officer.name))


def disable_officer(store: Store, officer_id: str) -> Officer:
    """Stop the officer from logging in and signing; their record and history stay."""
    officer = _target(store, officer_id)
    if officer.id == store.officer.id:
        raise UserError(_("You cannot disable yourself; another administrator can."))
    if not officer.active:
        raise UserError(_("Officer {name} is already disabled.").format(name=officer.name))
    _keep_an_administrator(store, officer)

    def change(key_file: KeyFile) -> tuple[KeyFile, None]:
        with store.transaction() as tx:
            dropped = signing_keys.drop_wraps_of_officer(tx, officer.id)
            officer_hq_keys.replace_for_officer(tx, officer.id)
            officers.set_disabled(tx, officer.id, True, signing_keys_dropped=dropped,
                                  login_removed=key_file.by_officer(officer.id) is not None)
        return key_file.without_officer(officer.id), None

    update_key_file(store.paths.key_file, change)
    return officers.get_officer(store.conn, officer.id)


def enable_officer(store: Store, officer_id: str, new_password: str) -> Officer:
    """Let a disabled officer log in again with a new password the administrator sets."""
    officer = _target(store, officer_id)
    if officer.active:
        raise UserError(_("Officer {name} is not disabled.").format(name=officer.name))
    check_password_strength(new_password)
    # The administrator's session holds the data key (as for a password reset); always the
    # default (floor) Argon2id parameters.
    wrap = wrap_with_password(store._data_key, new_password, officer.id.encode())

    def change(key_file: KeyFile) -> tuple[KeyFile, None]:
        entry = OfficerKey(officer.id, key_file.login_digest(officer.certificate_no), wrap)
        with store.transaction() as tx:
            officers.set_disabled(tx, officer.id, False)
        return key_file.with_officer(entry), None

    update_key_file(store.paths.key_file, change)
    return officers.get_officer(store.conn, officer.id)


def change_role(store: Store, officer_id: str, role: Role) -> Officer:
    """Give the officer another role; the last active administrator keeps theirs."""
    officer = _target(store, officer_id)
    if officer.role is role:
        return officer
    if role is not Role.ADMIN:
        _keep_an_administrator(store, officer)
    with store.transaction() as tx:
        officers.set_role(tx, officer.id, role, officer.role)
    return officers.get_officer(store.conn, officer.id)
