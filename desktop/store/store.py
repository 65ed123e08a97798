"""The store as an officer uses it: create, unlock (with lockout), recover, and sign off.

`create_store` makes the data key, the key file and the encrypted database with its device
key and first (admin) officer. `unlock` checks the lockout, unwraps the data key with the
officer's password, opens the database, moves login failures queued in the key file into the
audit log, and returns a `Store`: one connection owned by one session. `recover` opens a
store with HQ's escrow private key and gives an officer a new password.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import datetime
from gettext import gettext as _

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Action, Officer, Outcome, Role
from desktop.domain.security import LockoutPolicy, check_password_strength
from desktop.store import audit, evidence, officers, search
from desktop.store.anchor import Anchor, read_anchor, write_anchor
from desktop.store.connection import Connection, guarded, open_database
from desktop.store.keyfile import (
    KeyFile,
    OfficerKey,
    PendingEvent,
    load_key_file,
    new_key_file,
    save_key_file,
)
from desktop.store.keys import (
    KdfParams,
    UnwrapError,
    new_data_key,
    unwrap_with_escrow,
    unwrap_with_password,
    wrap_for_escrow,
    wrap_with_password,
)
from desktop.store.paths import ANCHOR_ENV, StorePaths
from desktop.store.tx import Clock, Tx, system_clock, transaction
from desktop.store.vault_stream import sweep_temporaries
from sync.protocol.treehead import SignedTreeHead

__all__ = ["ANCHOR_ENV", "AccountLocked", "Store", "StorePaths", "WrongCredentials",
           "create_store", "recover", "unlock"]


class WrongCredentials(UserError):
    """Unknown login or wrong password (one message for both)."""


class AccountLocked(UserError):
    """Too many consecutive failures: this officer must wait."""


class StoreRolledBack(UserError):
    """The store is older than the tree head anchored outside it."""


class Store:
    """An unlocked store: the connection, the key file and the officer of this session."""

    def __init__(
        self,
        paths: StorePaths,
        conn: Connection,
        key_file: KeyFile,
        data_key: bytes,
        officer: Officer,
        clock: Clock,
    ) -> None:
        self.paths = paths
        self.conn = conn
        self._key_file = key_file
        self._data_key = data_key
        self.officer = officer
        self.clock = clock

    def __repr__(self) -> str:  # never show key material
        return f"Store({self.paths.workdir}, officer={self.officer.id})"

    @property
    def store_id(self) -> str:
        return self._key_file.store_id

    @property
    def escrow_configured(self) -> bool:
        return self._key_file.escrow is not None

    def vault_key(self) -> bytes:
        """The evidence vault's master key, derived from the data key and never stored."""
        return evidence.vault_master_key(self._data_key)

    def transaction(self) -> contextlib.AbstractContextManager[Tx]:
        """One durable transaction acting as the logged-in officer."""
        return transaction(self.conn, self.clock, self.officer.id)

    def add_officer(
        self, officer: Officer, password: str, kdf: KdfParams | None = None
    ) -> None:
        """Register an officer who can then log in with their own password (admins only)."""
        if self.officer.role is not Role.ADMIN:
            raise UserError(_("Only an administrator can add officers."))
        check_password_strength(password)
        wrap = wrap_with_password(self._data_key, password, officer.id.encode(), kdf)
        key_file = self._key_file.with_officer(
            OfficerKey(officer.id, self._key_file.login_digest(officer.certificate_no), wrap)
        )
        with self.transaction() as tx:
            officers.add_officer(tx, officer)
        save_key_file(self.paths.key_file, key_file)
        self._key_file = key_file

    def change_password(self, old_password: str, new_password: str) -> None:
        """Re-wrap the data key under a new password; nothing is re-encrypted."""
        entry = self._key_file.by_officer(self.officer.id)
        if entry is None:
            raise UserError(_("This officer has no key entry."))
        try:
            unwrap_with_password(entry.wrap, old_password, self.officer.id.encode())
        except UnwrapError as exc:
            with self.transaction() as tx:
                tx.audit(Action.PASSWORD_CHANGED, self.officer.id, Outcome.DENIED)
            raise WrongCredentials(_("The current password is wrong.")) from exc
        check_password_strength(new_password)
        wrap = wrap_with_password(
            self._data_key, new_password, self.officer.id.encode(), entry.wrap.params
        )
        key_file = self._key_file.with_officer(replace(entry, wrap=wrap))
        with self.transaction() as tx:
            tx.audit(Action.PASSWORD_CHANGED, self.officer.id)
        save_key_file(self.paths.key_file, key_file)
        self._key_file = key_file

    def lock_session(self) -> None:
        """The screen locked (idle, or the officer stepped away); work stays open."""
        with self.transaction() as tx:
            tx.audit(Action.SESSION_LOCKED, self.officer.id)

    def resume_session(self, password: str, policy: LockoutPolicy | None = None) -> None:
        """Unlock the screen for the same officer; failures count toward the lockout."""
        policy = policy or LockoutPolicy()
        key_file = load_key_file(self.paths.key_file)
        entry = key_file.by_officer(self.officer.id)
        if entry is None:
            raise UserError(_("This officer has no key entry."))
        now = self.clock()
        if entry.last_failure is not None:
            until = policy.locked_until(entry.failures, entry.last_failure)
            if until is not None and now < until:
                raise AccountLocked(_lock_message(until, now))
        try:
            unwrap_with_password(entry.wrap, password, self.officer.id.encode())
        except UnwrapError as exc:
            entry = replace(entry, failures=entry.failures + 1, last_failure=now)
            self._key_file = key_file.with_officer(entry)
            save_key_file(self.paths.key_file, self._key_file)
            with self.transaction() as tx:
                tx.audit(Action.SESSION_RESUMED, self.officer.id, Outcome.DENIED)
            until = policy.locked_until(entry.failures, now)
            if until is not None:
                raise AccountLocked(_lock_message(until, now)) from exc
            raise WrongCredentials(_("Wrong password.")) from exc
        if entry.failures:
            self._key_file = key_file.with_officer(replace(entry, failures=0, last_failure=None))
            save_key_file(self.paths.key_file, self._key_file)
        with self.transaction() as tx:
            tx.audit(Action.SESSION_RESUMED, self.officer.id)

    def set_escrow(self, public_key: X25519PublicKey) -> None:
        """Wrap the data key to HQ's escrow key so the store can be recovered."""
        if self.officer.role is not Role.ADMIN:
            raise UserError(_("Only an administrator can set the escrow key."))
        wrap = wrap_for_escrow(self._data_key, public_key, self.store_id.encode())
        key_file = replace(self._key_file, escrow=wrap)
        with self.transaction() as tx:
            tx.audit(Action.ESCROW_SET, self.store_id, escrow_key_id=wrap.escrow_key_id)
        save_key_file(self.paths.key_file, key_file)
        self._key_file = key_file

    def sign_tree_head(self) -> SignedTreeHead:
        """Sign the audit log's current head and anchor it outside the store."""
        with self.transaction() as tx:
            head = audit.sign_head(tx.conn, self.store_id, tx.at)
            keys = audit.device_public_keys(tx.conn)
        public = keys[head.key_id].public_bytes_raw()
        write_anchor(self.paths.anchor_mirrors(), Anchor(self.store_id, head, public))
        return head

    def close(self, sign: bool = True) -> None:
        """End the session: record the logout and sign the tree head (session end)."""
        try:
            with self.transaction() as tx:
                search.refresh(tx.conn)  # keep the next session's first search quick
                tx.audit(Action.LOGOUT, self.officer.id)
            if sign:
                self.sign_tree_head()
        finally:
            with contextlib.suppress(Exception):
                self.conn.execute("PRAGMA optimize")
            self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_exc: object) -> None:
        if exc_type is None:
            self.close()
            return
        # The session already failed: close without letting a second error (say, a damaged
        # file refusing the logout record) hide the first one.
        with contextlib.suppress(Exception):
            self.close(sign=False)


def create_store(
    paths: StorePaths,
    admin: Officer,
    password: str,
    *,
    escrow: X25519PublicKey | None = None,
    clock: Clock = system_clock,
    kdf: KdfParams | None = None,
) -> Store:
    """Create a new store whose first officer is an administrator."""
    if paths.exists():
        raise UserError(
            _("A store already exists in {directory}.").format(directory=paths.workdir)
        )
    if admin.role is not Role.ADMIN:
        admin = replace(admin, role=Role.ADMIN)
    check_password_strength(password)
    paths.workdir.mkdir(parents=True, exist_ok=True)
    data_key = new_data_key()
    store_id = new_id()
    key_file = new_key_file(store_id)
    wrap = wrap_with_password(data_key, password, admin.id.encode(), kdf)
    key_file = key_file.with_officer(
        OfficerKey(admin.id, key_file.login_digest(admin.certificate_no), wrap)
    )
    if escrow is not None:
        key_file = replace(key_file, escrow=wrap_for_escrow(data_key, escrow, store_id.encode()))
    conn = open_database(paths.database, data_key, create=True)
    try:
        with transaction(conn, clock, admin.id) as tx:
            tx.conn.execute("INSERT INTO meta (key, value) VALUES ('store_id', ?)", (store_id,))
            audit.create_device_key(tx.conn, tx.at)
            tx.audit(Action.STORE_CREATED, store_id, escrow=escrow is not None)
            officers.add_officer(tx, admin)
        save_key_file(paths.key_file, key_file)
    except BaseException:
        conn.close()
        for leftover in paths.workdir.glob("store.db*"):
            leftover.unlink()
        raise
    store = Store(paths, conn, key_file, data_key, admin, clock)
    with store.transaction() as tx:
        tx.audit(Action.LOGIN, admin.id)
    return store


def _record_failure(
    paths: StorePaths, key_file: KeyFile, entry: OfficerKey | None, now: datetime,
    policy: LockoutPolicy,
) -> KeyFile:
    officer_id = entry.officer_id if entry else None
    key_file = key_file.with_pending(PendingEvent(now, Action.LOGIN_FAILED.value, officer_id))
    if entry is not None:
        entry = replace(entry, failures=entry.failures + 1, last_failure=now)
        key_file = key_file.with_officer(entry)
        if policy.locked_until(entry.failures, now) is not None:
            key_file = key_file.with_pending(
                PendingEvent(now, Action.LOGIN_LOCKED_OUT.value, officer_id)
            )
    save_key_file(paths.key_file, key_file)
    return key_file


def _lock_message(until: datetime, now: datetime) -> str:
    minutes = max(1, int((until - now).total_seconds() + 59) // 60)
    return _(
        "Too many failed logins: this officer is locked until {time} "
        "(about {minutes} min). Ask an administrator if you forgot the password."
    ).format(time=until.strftime("%H:%M"), minutes=minutes)


def unlock(
    paths: StorePaths,
    login: str,
    password: str,
    *,
    clock: Clock = system_clock,
    policy: LockoutPolicy | None = None,
    check_anchor: bool = True,
) -> Store:
    """Log an officer in: lockout check, unwrap the data key, open and check the store."""
    policy = policy or LockoutPolicy()
    key_file = load_key_file(paths.key_file)
    now = clock()
    entry = key_file.find(login)
    if entry is not None and entry.last_failure is not None:
        until = policy.locked_until(entry.failures, entry.last_failure)
        if until is not None and now < until:
            raise AccountLocked(_lock_message(until, now))
    try:
        if entry is None:
            raise UnwrapError("unknown login")
        data_key = unwrap_with_password(entry.wrap, password, entry.officer_id.encode())
    except UnwrapError as exc:
        key_file = _record_failure(paths, key_file, entry, now, policy)
        entry = key_file.find(login)
        if entry is not None and entry.last_failure is not None:
            until = policy.locked_until(entry.failures, entry.last_failure)
            if until is not None:
                raise AccountLocked(_lock_message(until, now)) from exc
        # One message whether or not the login exists, so nobody can probe which
        # certificate numbers are registered.
        raise WrongCredentials(
            _("Wrong certificate number or password. After {count} failed attempts in a row "
              "the account is locked for {minutes} minutes.").format(
                count=policy.max_failures,
                minutes=int(policy.lock_duration.total_seconds() // 60))
        ) from exc
    conn = open_database(paths.database, data_key)
    try:
        with guarded():
            officer = officers.get_officer(conn, entry.officer_id)
            if check_anchor:
                _check_not_rolled_back(paths, conn)
        with transaction(conn, clock, officer.id) as tx:
            _flush_pending(tx, key_file.pending)
            tx.audit(Action.LOGIN, officer.id)
    except BaseException:
        conn.close()
        raise
    key_file = replace(key_file.with_officer(replace(entry, failures=0, last_failure=None)),
                       pending=())
    save_key_file(paths.key_file, key_file)
    # An import killed half-way leaves at most a temporary blob; clear the orphans now.
    sweep_temporaries(evidence.vault_directory(paths.workdir), orphans_only=True)
    return Store(paths, conn, key_file, data_key, officer, clock)


def _flush_pending(tx: Tx, pending: tuple[PendingEvent, ...]) -> None:
    """Move login events queued while the store was locked into the audit log, once each."""
    for event in pending:
        happened = event.at.isoformat(timespec="milliseconds")
        already = tx.conn.execute(
            "SELECT 1 FROM audit_log WHERE action = ? AND subject IS ? AND details LIKE ?",
            (event.action, event.officer_id, f'%"happened_at":"{happened}"%'),
        ).fetchone()
        if already is None:
            tx.audit(Action(event.action), event.officer_id, Outcome.DENIED, happened_at=happened)


def _check_not_rolled_back(paths: StorePaths, conn: Connection) -> None:
    anchor = read_anchor(paths.anchor)
    if anchor is None:
        return
    held = audit.size(conn)
    if held < anchor.head.head.tree_size:
        raise StoreRolledBack(rollback_message(held, anchor))


def rollback_message(held: int, anchor: Anchor) -> str:
    signed_at = datetime.fromtimestamp(anchor.head.head.timestamp_ms / 1000).astimezone()
    return _(
        "The store has been replaced by an older copy: it holds {held} audit events, but the "
        "tree head signed at {time} and kept outside the store covers {expected}."
    ).format(held=held, time=signed_at.strftime("%Y-%m-%d %H:%M:%S"),
             expected=anchor.head.head.tree_size)


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
    if key_file.escrow is None:
        raise UserError(_("This store has no escrow key; it cannot be recovered this way."))
    try:
        data_key = unwrap_with_escrow(key_file.escrow, escrow_private_key,
                                      key_file.store_id.encode())
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
        entry = key_file.by_officer(officer.id)
        params = entry.wrap.params if entry else KdfParams()
        wrap = wrap_with_password(data_key, new_password, officer.id.encode(), params)
        new_entry = OfficerKey(officer.id, key_file.login_digest(officer.certificate_no), wrap)
        with transaction(conn, clock, None) as tx:
            tx.audit(Action.STORE_RECOVERED, officer.id,
                     escrow_key_id=key_file.escrow.escrow_key_id)
        save_key_file(paths.key_file, key_file.with_officer(new_entry))
    finally:
        conn.close()
    return officer
