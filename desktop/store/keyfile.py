"""The key file beside the store: wrapped data keys and login-lockout state.

The wrapped keys must be readable before the database can be opened, so they live in a
small JSON file next to it, written atomically. It holds no personal data: an officer is
found by a salted digest of their login (the certificate number), and the names live in the
encrypted store. Failed logins cannot be written to the audit log (it is locked), so they
are queued here and moved into the log by the next successful login.

Threat note: someone with write access to this file can reset a lockout counter; the lockout
guards the keyboard, while offline guessing is bounded by Argon2id's cost per guess.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field, replace
from datetime import datetime
from gettext import gettext as _
from pathlib import Path
from typing import Any

from desktop.domain.errors import UserError
from desktop.store.files import atomic_write_bytes
from desktop.store.keys import EscrowWrap, KdfParams, PasswordWrap

FORMAT = "statement-room-keys"
VERSION = 1
MAX_PENDING_EVENTS = 1000


class KeyFileError(UserError):
    """The key file is missing, unreadable or not ours."""


@dataclass(frozen=True)
class PendingEvent:
    """A login event that happened while the store was locked."""

    at: datetime
    action: str  # "login.failed" or "login.locked_out"
    officer_id: str | None


@dataclass(frozen=True)
class OfficerKey:
    officer_id: str
    login_digest: str
    wrap: PasswordWrap
    failures: int = 0
    last_failure: datetime | None = None


@dataclass(frozen=True)
class KeyFile:
    store_id: str
    login_salt: bytes
    officers: tuple[OfficerKey, ...] = ()
    escrow: EscrowWrap | None = None
    pending: tuple[PendingEvent, ...] = field(default=())

    def login_digest(self, login: str) -> str:
        normalized = login.strip().upper().encode("utf-8")
        return hashlib.sha256(self.login_salt + normalized).hexdigest()

    def find(self, login: str) -> OfficerKey | None:
        digest = self.login_digest(login)
        return next((k for k in self.officers if k.login_digest == digest), None)

    def by_officer(self, officer_id: str) -> OfficerKey | None:
        return next((k for k in self.officers if k.officer_id == officer_id), None)

    def with_officer(self, key: OfficerKey) -> KeyFile:
        others = tuple(k for k in self.officers if k.officer_id != key.officer_id)
        if any(k.login_digest == key.login_digest for k in others):
            raise UserError(_("Another officer already uses this login."))
        return replace(self, officers=(*others, key))

    def with_pending(self, event: PendingEvent) -> KeyFile:
        return replace(self, pending=(*self.pending, event)[-MAX_PENDING_EVENTS:])


def new_key_file(store_id: str) -> KeyFile:
    return KeyFile(store_id=store_id, login_salt=os.urandom(16))


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _encode(key_file: KeyFile) -> bytes:
    def wrap_json(w: PasswordWrap) -> dict[str, Any]:
        return {
            "salt": w.salt.hex(),
            "nonce": w.nonce.hex(),
            "ciphertext": w.ciphertext.hex(),
            "kdf": {"name": "argon2id", **w.params.to_json()},
        }

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
                "last_failure": k.last_failure.isoformat() if k.last_failure else None,
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
            {"at": p.at.isoformat(), "action": p.action, "officer_id": p.officer_id}
            for p in key_file.pending
        ],
    }
    return json.dumps(data, indent=1, sort_keys=True).encode("utf-8")


def _decode(raw: bytes) -> KeyFile:
    data = json.loads(raw.decode("utf-8"))
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise ValueError("not a statement-room key file")
    officers = []
    for entry in data["officers"]:
        wrap = entry["wrap"]
        if wrap["kdf"]["name"] != "argon2id":
            raise ValueError("unknown KDF")
        officers.append(
            OfficerKey(
                officer_id=str(entry["officer_id"]),
                login_digest=str(entry["login_digest"]),
                wrap=PasswordWrap(
                    salt=bytes.fromhex(wrap["salt"]),
                    nonce=bytes.fromhex(wrap["nonce"]),
                    ciphertext=bytes.fromhex(wrap["ciphertext"]),
                    params=KdfParams.from_json(wrap["kdf"]),
                ),
                failures=int(entry["failures"]),
                last_failure=_dt(entry["last_failure"]),
            )
        )
    escrow = data.get("escrow")
    return KeyFile(
        store_id=str(data["store_id"]),
        login_salt=bytes.fromhex(data["login_salt"]),
        officers=tuple(officers),
        escrow=None
        if escrow is None
        else EscrowWrap(
            ephemeral_public=bytes.fromhex(escrow["ephemeral_public"]),
            nonce=bytes.fromhex(escrow["nonce"]),
            ciphertext=bytes.fromhex(escrow["ciphertext"]),
            escrow_key_id=str(escrow["escrow_key_id"]),
        ),
        pending=tuple(
            PendingEvent(
                at=datetime.fromisoformat(p["at"]),
                action=str(p["action"]),
                officer_id=p["officer_id"],
            )
            for p in data.get("pending", [])
        ),
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
                path=path, reason=exc.strerror
            )
        ) from exc
    try:
        return _decode(raw)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KeyFileError(
            _("The key file {path} is damaged or not a Statement Room key file.").format(
                path=path
            )
        ) from exc


def save_key_file(path: Path, key_file: KeyFile) -> None:
    atomic_write_bytes(path, _encode(key_file))
