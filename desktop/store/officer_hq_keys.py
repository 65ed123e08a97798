"""Each officer's own HQ key: how HQ knows which officer a request acts for (decision 27).

An Ed25519 key per officer, wrapped under the officer's password exactly as their signing
keys are (`keys.wrap_with_password`, bound to this key and this officer), so no other officer
of the device can sign as them. It is made at the officer's first login once the device is
enrolled with HQ (the password is in hand only then; creating it is audited), unwrapped at
each later login and held only in the session's memory (`Store.officer_hq_key`). A password
change re-wraps it; a reset by an administrator (or disabling the officer) cannot, so the key
is marked replaced and its wrap erased: the officer's next login makes a new one, which the
sync engine registers with HQ naming the one it replaces. Migration 0016 holds the tables.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.domain.model import Action
from desktop.store.connection import Connection, guarded
from desktop.store.keys import (
    KdfParams,
    PasswordWrap,
    UnwrapError,
    unwrap_with_password,
    wrap_with_password,
)
from desktop.store.tx import Tx
from sync.protocol.signing import key_id_for

__all__ = ["OfficerHqKey", "active_key", "at_login", "create", "registered_key",
           "replace_for_officer", "rewrap_for_officer", "save_registration"]


@dataclass(frozen=True)
class OfficerHqKey:
    """An officer's active HQ key as stored: its public half and its password wrap."""

    key_id: str
    officer_id: str
    public_key: bytes
    wrap: PasswordWrap

    def __repr__(self) -> str:  # never show key material
        return f"OfficerHqKey({self.officer_id}, {self.key_id})"


def _context(key_id: str, officer_id: str) -> bytes:
    """What the wrap is bound to (AES-GCM associated data): this key, this officer."""
    return f"hq|{key_id}|{officer_id}".encode()


def active_key(conn: Connection, officer_id: str) -> OfficerHqKey | None:
    row = conn.execute(
        "SELECT key_id, public_key, salt, nonce, ciphertext, kdf FROM officer_hq_keys"
        " WHERE officer_id = ? AND status = 'active'", (officer_id,)).fetchone()
    if row is None:
        return None
    wrap = PasswordWrap(salt=bytes(row[2]), nonce=bytes(row[3]), ciphertext=bytes(row[4]),
                        params=KdfParams.from_json(json.loads(str(row[5]))))
    return OfficerHqKey(str(row[0]), officer_id, bytes(row[1]), wrap)


def _store_wrap(tx: Tx, key_id: str, wrap: PasswordWrap) -> None:
    tx.conn.execute(
        "UPDATE officer_hq_keys SET salt = ?, nonce = ?, ciphertext = ?, kdf = ?"
        " WHERE key_id = ? AND status = 'active'",
        (wrap.salt, wrap.nonce, wrap.ciphertext,
         json.dumps(wrap.params.to_json(), sort_keys=True), key_id))


def create(tx: Tx, officer_id: str, password: str) -> Ed25519PrivateKey:
    """Make the officer's HQ key, wrapped under their password (audited)."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    key_id = key_id_for(key.public_key())
    wrap = wrap_with_password(key.private_bytes_raw(), password, _context(key_id, officer_id))
    tx.conn.execute(
        "INSERT INTO officer_hq_keys (key_id, officer_id, public_key, salt, nonce, ciphertext,"
        " kdf, status, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)",
        (key_id, officer_id, public, wrap.salt, wrap.nonce, wrap.ciphertext,
         json.dumps(wrap.params.to_json(), sort_keys=True), tx.at.isoformat(), tx.actor))
    tx.audit(Action.OFFICER_HQ_KEY_CREATED, officer_id, key_id=key_id)
    return key


def _open(stored: OfficerHqKey, password: str) -> Ed25519PrivateKey:
    secret = unwrap_with_password(stored.wrap, password, _context(stored.key_id,
                                                                  stored.officer_id))
    return Ed25519PrivateKey.from_private_bytes(secret)


def at_login(conn: Connection, officer_id: str, password: str,
             transaction: Callable[[], AbstractContextManager[Tx]]
             ) -> Ed25519PrivateKey | None:
    """The logged-in officer's HQ key for this session: unwrapped with the password just
    checked, or made now (in a ``transaction()`` of the session) if the device is enrolled
    and the officer has none; None otherwise (an unenrolled store pays no key derivation)."""
    with guarded():
        stored = active_key(conn, officer_id)
        enrolled = conn.execute("SELECT 1 FROM sync_enrolment").fetchone() is not None
    if stored is not None:
        try:
            return _open(stored, password)
        except UnwrapError:  # a wrap the password does not open: act as the device alone
            return None
    if not enrolled:
        return None
    with transaction() as tx:
        return create(tx, officer_id, password)


def rewrap_for_officer(tx: Tx, officer_id: str, old_password: str, new_password: str) -> int:
    """The officer changed their password: wrap their HQ key again (the same key, so HQ's
    binding holds). `UnwrapError` if the old password does not open it (nothing changed)."""
    stored = active_key(tx.conn, officer_id)
    if stored is None:
        return 0
    context = _context(stored.key_id, officer_id)
    secret = unwrap_with_password(stored.wrap, old_password, context)
    _store_wrap(tx, stored.key_id, wrap_with_password(secret, new_password, context))
    return 1


def replace_for_officer(tx: Tx, officer_id: str) -> int:
    """A reset by an administrator (or disabling) loses the key: mark it replaced and erase
    its wrap; the next login makes a new one. Returns how many keys were replaced."""
    cursor = tx.conn.execute(
        "UPDATE officer_hq_keys SET status = 'replaced', replaced_at = ?, salt = NULL,"
        " nonce = NULL, ciphertext = NULL, kdf = NULL"
        " WHERE officer_id = ? AND status = 'active'", (tx.at.isoformat(), officer_id))
    return int(cursor.rowcount)


def registered_key(conn: Connection, hq_id: str, officer_id: str) -> bytes | None:
    """The HQ key HQ ``hq_id`` bound to the officer on this device, as last registered."""
    row = conn.execute("SELECT public_key FROM officer_hq_registrations WHERE hq_id = ?"
                       " AND officer_id = ?", (hq_id, officer_id)).fetchone()
    return None if row is None else bytes(row[0])


def save_registration(tx: Tx, hq_id: str, officer_id: str, public_key: bytes) -> None:
    tx.conn.execute(
        "INSERT INTO officer_hq_registrations (hq_id, officer_id, public_key, registered_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (hq_id, officer_id) DO UPDATE SET"
        " public_key = excluded.public_key, registered_at = excluded.registered_at",
        (hq_id, officer_id, public_key, tx.at.isoformat()))
