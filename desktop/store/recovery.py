"""Escrow recovery: HQ's private key opens a store whose passwords are all lost.

The data key's escrow wrap is opened with HQ's X25519 key and wrapped again under a new
password for one officer. The new wrap always uses at least the project's Argon2id
parameters, whatever the key file says (a tampered file once downgraded recovery to t=1,
8 KiB), and the officer's lockout is cleared with it.
"""

from __future__ import annotations

from dataclasses import replace
from gettext import gettext as _

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from desktop.domain.errors import UserError
from desktop.domain.model import Action, Officer
from desktop.domain.security import check_password_strength
from desktop.store import officers, signing_keys
from desktop.store.connection import guarded, open_database
from desktop.store.keyfile import KeyFile, OfficerKey, load_key_file, update_key_file
from desktop.store.keys import UnwrapError, unwrap_with_escrow, wrap_with_password
from desktop.store.paths import StorePaths
from desktop.store.tx import Clock, system_clock, transaction


def recover(
    paths: StorePaths,
    escrow_private_key: X25519PrivateKey,
    certificate_no: str,
    new_password: str,
    *,
    clock: Clock = system_clock,
) -> Officer:
    """Open the store with HQ's escrow key and set a new password for one officer."""
    key_file = load_key_file(paths.key_file)
    escrow = key_file.escrow
    if escrow is None:
        raise UserError(_("This store has no escrow key; it cannot be recovered this way."))
    try:
        data_key = unwrap_with_escrow(escrow, escrow_private_key, key_file.store_id.encode())
    except UnwrapError as exc:
        raise UserError(_("The escrow key does not belong to this store.")) from exc
    check_password_strength(new_password)
    conn = open_database(paths.database, data_key)
    try:
        with guarded():
            officer = officers.find_by_certificate(conn, certificate_no)
        if officer is None:
            raise UserError(
                _("No officer with certificate number {number}.").format(number=certificate_no)
            )
        wrap = wrap_with_password(data_key, new_password, officer.id.encode())

        def change(current: KeyFile) -> tuple[KeyFile, None]:
            digest = current.login_digest(officer.certificate_no)
            entry = current.by_officer(officer.id)
            new_entry = (OfficerKey(officer.id, digest, wrap) if entry is None
                         else replace(entry, wrap=wrap, failures=0, last_failure=None))
            with transaction(conn, clock, None) as tx:
                # Keys wrapped under the lost password are gone with it: imported again.
                dropped = signing_keys.drop_wraps_of_officer(tx, officer.id)
                tx.audit(Action.STORE_RECOVERED, officer.id, escrow_key_id=escrow.escrow_key_id,
                         signing_keys_dropped=dropped)
            return current.with_officer(new_entry), None

        update_key_file(paths.key_file, change)
    finally:
        conn.close()
    return officer
