"""The key file beside the store: wrapped data keys and login-lockout state.

The wrapped keys must be readable before the database can be opened, so they live in a
small JSON file next to it, written atomically. It holds no personal data: an officer is
found by a salted digest of their login (the certificate number), and the names live in the
encrypted store. Failed logins cannot be written to the audit log (it is locked), so they
are queued here and moved into the log by the next successful login. A disabled officer's
entry is removed and only the digest of their login kept, so a login by it is refused with
a message saying why (decision 24).

Every read-modify-write goes through `update_key_file`, under an exclusive lock on the
sibling `keys.lock`, so attempts from several processes are counted one by one. Someone who
can rewrite this file can still reset a counter: decision 13 says what protects the store
then (Argon2id's cost per guess, with a floor on its parameters that loading enforces).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from gettext import gettext as _
from pathlib import Path
from typing import Any, TypeVar

from desktop.domain.errors import UserError
from desktop.i18n import os_error_text
from desktop.store.filelock import exclusive_lock
from desktop.store.files import atomic_write_bytes
from desktop.store.keys import EscrowWrap, KdfParams, PasswordWrap, WeakKdfParams

FORMAT = "statement-room-keys"
VERSION = 1
MAX_PENDING_EVENTS = 1000
# Unknown logins get counters too (so they lock like real ones); an attacker trying many
# numbers must not grow the file without bound, so the oldest are forgotten past this.
MAX_UNKNOWN_LOGINS = 1000
LOCK_NAME = "keys.lock"

T = TypeVar("T")


class KeyFileError(UserError):
    """The key file is missing, unreadable or not ours."""


class KeyFileUnwritable(UserError):
    """The key file (or its lock) cannot be written: disk full, read-only, no permission."""


@dataclass(frozen=True)
class PendingEvent:
    """A login event that happened while the store was locked."""

    at: datetime
    action: str  # "login.failed", "login.locked_out" or "login.while_locked"
    officer_id: str | None
    attempt: str = ""  # random id of the attempt, so it is moved into the log exactly once


@dataclass(frozen=True)
class OfficerKey:
    officer_id: str
    login_digest: str
    wrap: PasswordWrap
    failures: int = 0  # consecutive failures, for the lockout; zero after a success
    last_failure: datetime | None = None
    since_login: int = 0  # every failed attempt since the last login, never capped


@dataclass(frozen=True)
class UnknownLogin:
    """Lockout state for a login no officer has: the same counters, so it locks the same."""

    login_digest: str
    failures: int = 0
    last_failure: datetime | None = None


@dataclass(frozen=True)
class KeyFile:
    store_id: str
    login_salt: bytes
    officers: tuple[OfficerKey, ...] = ()
    escrow: EscrowWrap | None = None
    pending: tuple[PendingEvent, ...] = field(default=())
    dropped: int = 0  # queued events dropped by the cap (their count is still kept)
    unknown: tuple[UnknownLogin, ...] = ()
    disabled: tuple[str, ...] = ()  # login digests of disabled officers (no wrap is kept)

    def is_disabled(self, login: str) -> bool:
        return self.login_digest(login) in self.disabled

    def without_officer(self, officer_id: str) -> KeyFile:
        """The officer's entry (their password wrap) removed and their login kept as disabled."""
        entry = self.by_officer(officer_id)
        if entry is None:
            return self
        return replace(self, officers=tuple(k for k in self.officers if k is not entry),
                       disabled=(*[d for d in self.disabled if d != entry.login_digest],
                                 entry.login_digest))

    def login_digest(self, login: str) -> str:
        normalized = login.strip().upper().encode("utf-8")
        return hashlib.sha256(self.login_salt + normalized).hexdigest()

    def find(self, login: str) -> OfficerKey | None:
        digest = self.login_digest(login)
        return next((k for k in self.officers if k.login_digest == digest), None)

    def by_officer(self, officer_id: str) -> OfficerKey | None:
        return next((k for k in self.officers if k.officer_id == officer_id), None)

    def find_unknown(self, digest: str) -> UnknownLogin:
        return next((u for u in self.unknown if u.login_digest == digest), UnknownLogin(digest))

    def with_officer(self, key: OfficerKey) -> KeyFile:
        others = tuple(k for k in self.officers if k.officer_id != key.officer_id)
        if any(k.login_digest == key.login_digest for k in others):
            raise UserError(_("Another officer already uses this login."))
        return replace(self, officers=(*others, key),
                       unknown=tuple(u for u in self.unknown if u.login_digest != key.login_digest),
                       disabled=tuple(d for d in self.disabled if d != key.login_digest))

    def with_unknown(self, entry: UnknownLogin) -> KeyFile:
        others = [u for u in self.unknown if u.login_digest != entry.login_digest]
        others.sort(key=lambda u: u.last_failure.timestamp() if u.last_failure else 0.0)
        kept = (*others, entry)[-MAX_UNKNOWN_LOGINS:]
        return replace(self, unknown=kept)

    def with_pending(self, *events: PendingEvent) -> KeyFile:
        queue = (*self.pending, *events)
        overflow = max(0, len(queue) - MAX_PENDING_EVENTS)
        return replace(self, pending=queue[overflow:], dropped=self.dropped + overflow)

    def without_pending(self, attempt: str) -> KeyFile:
        return replace(self, pending=tuple(p for p in self.pending if p.attempt != attempt))


def new_key_file(store_id: str) -> KeyFile:
    return KeyFile(store_id=store_id, login_salt=os.urandom(16))


def _dt(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("timestamp is not a string")
    return datetime.fromisoformat(value)


def _count(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError("counter is not a non-negative integer")
    return value


def _hex(value: object, length: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise ValueError("not a hex string")
    raw = bytes.fromhex(value)
    if length is not None and len(raw) != length:
        raise ValueError("wrong length")
    return raw


def _encode(key_file: KeyFile) -> bytes:
    def wrap_json(w: PasswordWrap) -> dict[str, Any]:
        return {
            "salt": w.salt.hex(),
            "nonce": w.nonce.hex(),
            "ciphertext": w.ciphertext.hex(),
            "kdf": {"name": "argon2id", **w.params.to_json()},
        }

    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    data: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "store_id": key_file.store_id,
        "login_salt": key_file.login_salt.hex(),
        "officers": [
            {
                "officer_id": k.officer_id,
                "login_digest": k.login_digest,
                "wrap": wrap_json(k.wrap),
                "failures": k.failures,
                "last_failure": when(k.last_failure),
                "since_login": k.since_login,
            }
            for k in key_file.officers
        ],
        "escrow": None
        if key_file.escrow is None
        else {
            "ephemeral_public": key_file.escrow.ephemeral_public.hex(),
            "nonce": key_file.escrow.nonce.hex(),
            "ciphertext": key_file.escrow.ciphertext.hex(),
            "escrow_key_id": key_file.escrow.escrow_key_id,
        },
        "pending": [
            {"at": p.at.isoformat(), "action": p.action, "officer_id": p.officer_id,
             "attempt": p.attempt}
            for p in key_file.pending
        ],
        "dropped": key_file.dropped,
        "unknown": [
            {"login_digest": u.login_digest, "failures": u.failures,
             "last_failure": when(u.last_failure)}
            for u in key_file.unknown
        ],
        "disabled": list(key_file.disabled),
    }
    return json.dumps(data, indent=1, sort_keys=True).encode("utf-8")


def _decode_wrap(wrap: dict[str, Any]) -> PasswordWrap:
    if wrap["kdf"]["name"] != "argon2id":
        raise ValueError("unknown KDF")
    return PasswordWrap(
        salt=_hex(wrap["salt"], 16),
        nonce=_hex(wrap["nonce"], 12),
        ciphertext=_hex(wrap["ciphertext"], 48),  # a 32-byte key and its 16-byte tag
        params=KdfParams.from_json(wrap["kdf"]),
    )


def _decode(raw: bytes) -> KeyFile:
    data = json.loads(raw.decode("utf-8"))
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise ValueError("not a statement-room key file")
    officers = tuple(
        OfficerKey(
            officer_id=str(entry["officer_id"]),
            login_digest=str(entry["login_digest"]),
            wrap=_decode_wrap(entry["wrap"]),
            failures=_count(entry["failures"]),
            last_failure=_dt(entry["last_failure"]),
            since_login=_count(entry.get("since_login", 0)),
        )
        for entry in data["officers"]
    )
    escrow = data.get("escrow")
    return KeyFile(
        store_id=str(data["store_id"]),
        login_salt=_hex(data["login_salt"]),
        officers=officers,
        escrow=None
        if escrow is None
        else EscrowWrap(
            ephemeral_public=_hex(escrow["ephemeral_public"], 32),
            nonce=_hex(escrow["nonce"], 12),
            ciphertext=_hex(escrow["ciphertext"], 48),
            escrow_key_id=str(escrow["escrow_key_id"]),
        ),
        pending=tuple(
            PendingEvent(
                at=datetime.fromisoformat(p["at"]),
                action=str(p["action"]),
                officer_id=p["officer_id"],
                attempt=str(p.get("attempt", "")),
            )
            for p in data.get("pending", [])
        ),
        dropped=_count(data.get("dropped", 0)),
        unknown=tuple(
            UnknownLogin(str(u["login_digest"]), _count(u["failures"]), _dt(u["last_failure"]))
            for u in data.get("unknown", [])
        ),
        disabled=tuple(str(d) for d in data.get("disabled", [])),
    )


def load_key_file(path: Path) -> KeyFile:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise KeyFileError(
            _("No store was found in {directory}. Create one first.").format(
                directory=path.parent
            )
        ) from exc
    except OSError as exc:
        raise KeyFileError(
            _("The key file {path} cannot be read: {reason}").format(
                path=path, reason=os_error_text(exc)
            )
        ) from exc
    try:
        return _decode(raw)
    except WeakKdfParams as exc:
        floor = KdfParams()
        raise KeyFileError(
            _("The key file {path} asks for Argon2id parameters below the minimum (t={t}, "
              "{m} MiB, p={p}) or damaged ones; it may have been tampered with. Restore it "
              "from a backup or ask HQ to recover the store.").format(
                path=path, t=floor.iterations, m=floor.memory_kib // 1024, p=floor.lanes)
        ) from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KeyFileError(
            _("The key file {path} is damaged or not a Statement Room key file.").format(
                path=path
            )
        ) from exc


def save_key_file(path: Path, key_file: KeyFile) -> None:
    atomic_write_bytes(path, _encode(key_file))


def update_key_file(path: Path, change: Callable[[KeyFile], tuple[KeyFile, T]]) -> T:
    """Load, change and save the key file under the lock; returns what `change` returned.

    `change` sees the file as it is on disk now, never a copy another process has since
    changed. If it raises, nothing is saved. A failed write raises KeyFileUnwritable.
    """
    if not path.exists():
        load_key_file(path)  # says "no store here" rather than "cannot write"
    try:
        with exclusive_lock(path.with_name(LOCK_NAME)):
            key_file, result = change(load_key_file(path))
            save_key_file(path, key_file)
    except OSError as exc:
        raise KeyFileUnwritable(
            _("The key file {path} cannot be written ({reason}): the disk may be full or "
              "read-only. Nothing was changed.").format(path=path, reason=os_error_text(exc))
        ) from exc
    return result
