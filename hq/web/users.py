"""The supervision room's users: roles, accounts, and checking a login with its lockout.

Three roles (issue 16): ``supervisor`` and ``legal`` read (the legal office audits the
supervisors, so it sees what they see), ``admin`` also manages users and issues enrolment
codes, and must give a TOTP code at every login. Users are made from the command line
(`statement-room-hq users add`), never from the web: whoever holds the server's shell already
holds its data.

A login fails the same way for an unknown user, a disabled one, a wrong password and a wrong
or missing code (the page says only that it failed), and Argon2id runs for an unknown name
too, so neither the words nor the time tell a guesser which names exist. After
`MAX_FAILURES` failures in a row the account is locked for `LOCK_MS`; a success resets the
count. The lock itself does tell, after `MAX_FAILURES` tries, that a name exists (an unknown
name is never locked): the price of stopping password guessing on the real accounts.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from enum import Enum
from gettext import gettext as _

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hq.db import Database, Row
from hq.web import totp
from hq.web.passwords import MIN_LENGTH, hash_password, verify_password

__all__ = ["LOCK_MS", "MAX_FAILURES", "ROLES", "LoginResult", "User", "add_user",
           "conclude_login", "disable_user", "list_users", "login_row", "password_matches",
           "seal_totp", "valid_name"]

ROLES = ("supervisor", "legal", "admin")
MAX_FAILURES = 5
LOCK_MS = 15 * 60 * 1000
_NAME = re.compile(r"[\w.@-]{1,64}")
# Checked against when the name is unknown, so an unknown name costs one Argon2id too.
_DUMMY_HASH = hash_password("not anybody's password")


@dataclass(frozen=True)
class User:
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class LoginResult(Enum):
    OK = "ok"
    FAILED = "failed"  # unknown, disabled, wrong password or code: one answer for all
    LOCKED = "locked"


def _totp_key(master_key: bytes) -> AESGCM:
    return AESGCM(HKDF(hashes.SHA256(), 32, None, b"statement-room hq web totp v1"
                       ).derive(master_key))


def seal_totp(master_key: bytes, name: str, secret: str) -> str:
    """The TOTP secret as stored: AES-256-GCM under a key derived from HQ's master key, bound
    to the user's name, so a copied database or backup does not give the second factor."""
    nonce = os.urandom(12)
    sealed = _totp_key(master_key).encrypt(nonce, secret.encode("ascii"), name.encode())
    return f"v1:{nonce.hex()}:{sealed.hex()}"


def _open_totp(master_key: bytes, name: str, stored: str) -> str | None:
    version, _, rest = stored.partition(":")
    nonce_hex, _, sealed_hex = rest.partition(":")
    try:
        return _totp_key(master_key).decrypt(bytes.fromhex(nonce_hex), bytes.fromhex(
            sealed_hex), name.encode()).decode("ascii") if version == "v1" else None
    except (ValueError, InvalidTag):
        return None


def valid_name(name: str) -> bool:
    return _NAME.fullmatch(name) is not None


def add_user(db: Database, master_key: bytes, name: str, role: str, password: str,
             now_ms: int) -> str | None:
    """Make a user; the TOTP secret for an administrator (shown once), else None. Raises
    ValueError for a bad name or role, a short password, or a name already taken."""
    if not valid_name(name):
        raise ValueError(_("a user name is 1 to 64 letters, digits or . _ @ -"))
    if role not in ROLES:
        raise ValueError(_("the role is one of {roles}").format(roles=", ".join(ROLES)))
    if len(password) < MIN_LENGTH:
        raise ValueError(_("a password has at least {n} characters").format(n=MIN_LENGTH))
    secret = totp.new_secret() if role == "admin" else None
    hashed = hash_password(password)
    with db.transaction() as conn:
        added = conn.execute("INSERT INTO web_users (name, role, password_hash, totp_secret, "
                             "created_ms, failed_logins) VALUES (?, ?, ?, ?, ?, 0) "
                             "ON CONFLICT (name) DO NOTHING",
                             (name, role, hashed, None if secret is None else
                              seal_totp(master_key, name, secret), now_ms)).rowcount
    if added != 1:
        raise ValueError(_("a user {name} already exists").format(name=name))
    return secret


def list_users(db: Database) -> list[Row]:
    return db.all("SELECT name, role, created_ms, disabled_ms, failed_logins, "
                  "locked_until_ms, last_login_ms FROM web_users ORDER BY name")


def disable_user(db: Database, name: str, now_ms: int) -> bool:
    """Disable ``name`` and end its sessions; False if no such user (disabling twice keeps
    the first time)."""
    with db.transaction() as conn:
        known = conn.execute("SELECT 1 FROM web_users WHERE name = ?", (name,)).fetchone()
        conn.execute("UPDATE web_users SET disabled_ms = ? WHERE name = ? AND disabled_ms "
                     "IS NULL", (now_ms, name))
        conn.execute("DELETE FROM web_sessions WHERE user_name = ?", (name,))
    return known is not None


def login_row(db: Database, name: str) -> Row | None:
    """The account a login names, or None (also for a name no account could have)."""
    return db.one("SELECT * FROM web_users WHERE name = ?", (name,)) if valid_name(name) else None


def password_matches(row: Row | None, password: str) -> bool:
    """Argon2id of ``password`` against the account's hash (a dummy one for no account, so
    the time is the same): blocking for a quarter second, run it off the event loop."""
    if row is None:
        verify_password(password, _DUMMY_HASH)
        return False
    return verify_password(password, str(row["password_hash"]))


def conclude_login(db: Database, master_key: bytes, row: Row | None, password_ok: bool,
                   code: str, now_ms: int) -> tuple[LoginResult, User | None]:
    """Judge a login attempt whose password was checked, and count it."""
    if row is None:
        return LoginResult.FAILED, None
    name = str(row["name"])
    if row["locked_until_ms"] is not None and row["locked_until_ms"] > now_ms:
        return LoginResult.LOCKED, None
    if row["disabled_ms"] is not None or not password_ok:
        return _fail(db, name, now_ms), None
    step = None
    if row["role"] == "admin":
        # No code is a failure like a wrong one: the answer must not confirm the password.
        secret = _open_totp(master_key, name, str(row["totp_secret"]))
        step = None if secret is None else totp.matching_step(secret, code, now_ms / 1000)
        last = row["last_totp_step"]
        if step is None or (last is not None and step <= int(last)):  # never the same twice
            return _fail(db, name, now_ms), None
    with db.transaction() as conn:
        conn.execute("UPDATE web_users SET failed_logins = 0, locked_until_ms = NULL, "
                     "last_login_ms = ?, last_totp_step = COALESCE(?, last_totp_step) "
                     "WHERE name = ?", (now_ms, step, name))
    return LoginResult.OK, User(name, str(row["role"]))


def _fail(db: Database, name: str, now_ms: int) -> LoginResult:
    with db.transaction() as conn:
        conn.execute("UPDATE web_users SET failed_logins = failed_logins + 1 WHERE name = ?",
                     (name,))
        row = conn.execute("SELECT failed_logins FROM web_users WHERE name = ?",
                           (name,)).fetchone()
        if row is not None and int(row["failed_logins"]) >= MAX_FAILURES:
            conn.execute("UPDATE web_users SET failed_logins = 0, locked_until_ms = ? "
                         "WHERE name = ?", (now_ms + LOCK_MS, name))
            return LoginResult.LOCKED
    return LoginResult.FAILED
