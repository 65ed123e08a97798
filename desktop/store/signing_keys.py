"""Signing identities, their password wraps and the unit's trust roots, inside the store.

Rows only: which certificate serves which role (the statement room's device, the unit seal,
an officer), whether its key is in software or on a token, and, for a software key of an
officer or of the seal, the private key wrapped under the password of each officer allowed
to use it (migration 0008). Deciding who may import, and unwrapping, is the keys service's
business; this module never sees a password or a plaintext officer key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from desktop.domain.model import Action, Outcome
from desktop.store.connection import Connection
from desktop.store.coverage import leaf_fields
from desktop.store.keys import (
    KdfParams,
    PasswordWrap,
    unwrap_with_password,
    wrap_with_password,
)
from desktop.store.tx import Tx

DEVICE = "device"
SEAL = "seal"
OFFICER = "officer"
ROLES = (DEVICE, SEAL, OFFICER)


@dataclass(frozen=True)
class SigningIdentity:
    """One certificate in one role; `officer_id` is set for an officer's own identity."""

    id: str
    role: str
    officer_id: str | None
    kind: str  # 'software' or 'pkcs11'
    cert_pem: bytes
    chain_pem: bytes
    token_ref: str | None
    status: str
    created_at: datetime
    retired_at: datetime | None

    @property
    def active(self) -> bool:
        return self.status == "active"

    def __repr__(self) -> str:  # rows never carry key bytes, but keep reprs short
        return f"SigningIdentity({self.role}, {self.officer_id}, {self.kind}, {self.status})"


@dataclass(frozen=True)
class TrustRoot:
    fingerprint: str
    cert_pem: bytes
    subject: str
    added_at: datetime


_COLUMNS = ("id, role, officer_id, kind, cert_pem, chain_pem, token_ref, status, created_at,"
            " retired_at")


def _identity(row: Any) -> SigningIdentity:
    retired = row[9]
    return SigningIdentity(
        id=str(row[0]), role=str(row[1]), officer_id=None if row[2] is None else str(row[2]),
        kind=str(row[3]), cert_pem=bytes(row[4]),
        chain_pem=bytes(row[5]), token_ref=None if row[6] is None else str(row[6]),
        status=str(row[7]), created_at=datetime.fromisoformat(str(row[8])),
        retired_at=None if retired is None else datetime.fromisoformat(str(retired)))


def add_trust_root(tx: Tx, fingerprint: str, cert_pem: bytes, subject: str,
                   **why: str | None) -> bool:
    """Keep a root certificate; False when it was already there. `why` goes into the audit
    event (where the root came from, when not from an administrator's file)."""
    cursor = tx.conn.execute(
        "INSERT INTO trust_roots (fingerprint, cert_pem, subject, added_at, added_by)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (fingerprint) DO NOTHING",
        (fingerprint, cert_pem, subject, tx.at.isoformat(), tx.actor))
    if cursor.rowcount == 0:
        return False
    tx.audit(Action.TRUST_ROOT_ADDED, fingerprint, Outcome.OK, certificate_sha256=fingerprint,
             **why, **leaf_fields(tx.conn, "trust_roots", fingerprint))
    return True


def trust_roots(conn: Connection) -> list[TrustRoot]:
    rows = conn.execute(
        "SELECT fingerprint, cert_pem, subject, added_at FROM trust_roots ORDER BY added_at"
    ).fetchall()
    return [TrustRoot(str(r[0]), bytes(r[1]), str(r[2]), datetime.fromisoformat(str(r[3])))
            for r in rows]


def add_identity(tx: Tx, identity: SigningIdentity, *, fingerprint: str,
                 device_key_pem: bytes | None = None) -> None:
    """Keep a new active identity, retiring the one it replaces (its certificate stays)."""
    previous = active_identity(tx.conn, identity.role, identity.officer_id)
    if previous is not None:
        retire(tx, previous.id, replaced=True)
    tx.conn.execute(
        "INSERT INTO signing_identities (id, role, officer_id, kind, cert_pem, chain_pem,"
        " token_ref, device_key_pem, status, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)",
        (identity.id, identity.role, identity.officer_id, identity.kind, identity.cert_pem,
         identity.chain_pem, identity.token_ref, device_key_pem, tx.at.isoformat(), tx.actor))
    tx.audit(Action.SIGNING_KEY_SET, identity.id, role=identity.role,
             officer=identity.officer_id, kind=identity.kind, certificate_sha256=fingerprint,
             **leaf_fields(tx.conn, "signing_identities", identity.id))


def retire(tx: Tx, identity_id: str, *, replaced: bool = False) -> None:
    """Retire an identity: its key (wraps, device key) is dropped, its certificate kept."""
    tx.conn.execute("DELETE FROM signing_key_wraps WHERE identity_id = ?", (identity_id,))
    tx.conn.execute(
        "UPDATE signing_identities SET status = 'retired', retired_at = ?, retired_by = ?,"
        " device_key_pem = NULL WHERE id = ? AND status = 'active'",
        (tx.at.isoformat(), tx.actor, identity_id))
    tx.audit(Action.SIGNING_KEY_RETIRED, identity_id, replaced=replaced,
             **leaf_fields(tx.conn, "signing_identities", identity_id))


def active_identity(conn: Connection, role: str, officer_id: str | None = None
                    ) -> SigningIdentity | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM signing_identities WHERE status = 'active' AND role = ?"
        " AND officer_id IS ?", (role, officer_id)).fetchone()
    return None if row is None else _identity(row)


def get_identity(conn: Connection, identity_id: str) -> SigningIdentity | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM signing_identities WHERE id = ?",
                       (identity_id,)).fetchone()
    return None if row is None else _identity(row)


def list_identities(conn: Connection, *, include_retired: bool = True) -> list[SigningIdentity]:
    where = "" if include_retired else " WHERE status = 'active'"
    rows = conn.execute(f"SELECT {_COLUMNS} FROM signing_identities{where}"
                        " ORDER BY status, role, created_at").fetchall()
    return [_identity(r) for r in rows]


def device_key_pem(conn: Connection, identity_id: str) -> bytes | None:
    row = conn.execute("SELECT device_key_pem FROM signing_identities WHERE id = ?",
                       (identity_id,)).fetchone()
    return None if row is None or row[0] is None else bytes(row[0])


def wrap_context(identity_id: str, officer_id: str) -> bytes:
    """What a key wrap is bound to (AES-GCM associated data): this identity, this officer."""
    return f"sign|{identity_id}|{officer_id}".encode()


def rewrap_for_officer(tx: Tx, officer_id: str, old_password: str, new_password: str) -> int:
    """An officer changed their password: wrap their keys (their own, the seal's) again.

    Raises `UnwrapError` if a wrap does not open with `old_password`; nothing is changed then
    (the caller's transaction rolls back). Returns how many keys were re-wrapped.
    """
    wraps = wraps_of_officer(tx.conn, officer_id)
    for identity_id, wrap in wraps:
        context = wrap_context(identity_id, officer_id)
        secret = unwrap_with_password(wrap, old_password, context)
        put_wrap(tx, identity_id, officer_id, wrap_with_password(secret, new_password, context))
    return len(wraps)


def put_wrap(tx: Tx, identity_id: str, officer_id: str, wrap: PasswordWrap) -> None:
    tx.conn.execute(
        "INSERT INTO signing_key_wraps (identity_id, officer_id, salt, nonce, ciphertext, kdf,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (identity_id, officer_id)"
        " DO UPDATE SET salt = excluded.salt, nonce = excluded.nonce,"
        " ciphertext = excluded.ciphertext, kdf = excluded.kdf,"
        " created_at = excluded.created_at",
        (identity_id, officer_id, wrap.salt, wrap.nonce, wrap.ciphertext,
         json.dumps(wrap.params.to_json(), sort_keys=True), tx.at.isoformat()))


def wrap_for(conn: Connection, identity_id: str, officer_id: str) -> PasswordWrap | None:
    row = conn.execute(
        "SELECT salt, nonce, ciphertext, kdf FROM signing_key_wraps"
        " WHERE identity_id = ? AND officer_id = ?", (identity_id, officer_id)).fetchone()
    if row is None:
        return None
    return PasswordWrap(salt=bytes(row[0]), nonce=bytes(row[1]), ciphertext=bytes(row[2]),
                        params=KdfParams.from_json(json.loads(str(row[3]))))


def wraps_of_officer(conn: Connection, officer_id: str) -> list[tuple[str, PasswordWrap]]:
    """(identity id, wrap) of every key this officer may use: their own, the seal's."""
    rows = conn.execute(
        "SELECT identity_id FROM signing_key_wraps WHERE officer_id = ?", (officer_id,)
    ).fetchall()
    found = [(str(r[0]), wrap_for(conn, str(r[0]), officer_id)) for r in rows]
    return [(identity_id, wrap) for identity_id, wrap in found if wrap is not None]


def holders(conn: Connection, identity_id: str) -> list[str]:
    """The officers whose password opens the identity's key (the seal's custodians)."""
    rows = conn.execute(
        "SELECT officer_id FROM signing_key_wraps WHERE identity_id = ? ORDER BY created_at",
        (identity_id,)).fetchall()
    return [str(r[0]) for r in rows]


def drop_wraps_of_officer(tx: Tx, officer_id: str) -> int:
    """Forget every key wrap under an officer's password (after a reset by an administrator)."""
    cursor = tx.conn.execute("DELETE FROM signing_key_wraps WHERE officer_id = ?",
                             (officer_id,))
    return int(cursor.rowcount)
