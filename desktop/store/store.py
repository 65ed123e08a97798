"""The store as an officer uses it: create, unlock (with lockout), recover, and sign off.

`create_store` makes the data key, the key file and the encrypted database with its device
key and first (admin) officer. `unlock` records the attempt, unwraps the data key with the
officer's password (desktop.store.lockout: count before checking, fail closed), opens the
database, moves login failures queued in the key file into the audit log, and returns a
`Store`: one writing connection and one read-only connection owned by one session.

Threads (decision 12, amended by issue 12): writes (`transaction()`) run where the session's
writes are serialised, reads (`reading()`) on the read-only connection so they never wait
behind a writer, and long work hands its short writes over with `write(fn)`. None of these
may run on the GUI thread (`desktop.store.threads`). `recover` (desktop.store.recovery) opens a
store with HQ's escrow private key and gives an officer a new password.
"""

from __future__ import annotations

import contextlib
import errno
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from gettext import gettext as _
from pathlib import Path
from typing import TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Action, Officer, Outcome, Role
from desktop.domain.security import LockoutPolicy, check_password_strength
from desktop.store import (
    audit,
    evidence,
    officer_hq_keys,
    officers,
    search,
    search_repair,
    signing_keys,
)
from desktop.store.anchor import Anchor, write_anchor
from desktop.store.connection import Connection, StoreFull, guarded, open_database
from desktop.store.continuity import (
    AnchorMissing,
    Continuity,
    Kind,
    SavesLost,
    StoreRolledBack,
    check_before_signing,
    mark_required,
    rollback_message,
)
from desktop.store.continuity import check as check_continuity
from desktop.store.highwater import META_FLAG, Mark, MarkWriter, mark_key
from desktop.store.keyfile import (
    KeyFile,
    OfficerKey,
    PendingEvent,
    load_key_file,
    new_key_file,
    save_key_file,
    update_key_file,
)
from desktop.store.keys import (
    KdfParams,
    UnwrapError,
    new_data_key,
    unwrap_with_password,
    wrap_for_escrow,
    wrap_with_password,
)
from desktop.store.lockout import (
    AccountLocked,
    AttemptNotRecorded,
    WrongCredentials,
    begin_attempt,
    check_attempt,
    refusal,
    settle_attempt,
)
from desktop.store.lockout import lock_message as _lock_message
from desktop.store.login_upkeep import upkeep_at_login
from desktop.store.paths import ANCHOR_ENV, StorePaths
from desktop.store.recovery import recover
from desktop.store.threads import WriteLane, check_thread, inline
from desktop.store.tx import Clock, Tx, system_clock, transaction
from sync.protocol.treehead import SignedTreeHead

T = TypeVar("T")

__all__ = ["ANCHOR_ENV", "AccountLocked", "AnchorMissing", "AttemptNotRecorded", "SavesLost",
           "Store", "StorePaths", "StoreRolledBack", "WrongCredentials", "_lock_message",
           "create_store", "recover", "rollback_message", "unlock"]


class Store:
    """An unlocked store: the connections, the key file and the officer of this session."""

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
        self._conn = conn
        # The read-only connection: opened on the first read, closed with the session.
        self._read_conn: Connection | None = None
        self._read_lock = threading.Lock()
        # Where `write(fn)` runs: here without a background; the GUI's store lane otherwise.
        self.write_lane: WriteLane = inline
        # Transactions of this session one at a time: without a background (the command line,
        # tests), `write(fn)` runs on the calling thread, such as the one recording a
        # recording's checkpoints while the interview autosaves on another (issue 18).
        self._transaction_lock = threading.RLock()
        self._key_file = key_file
        self._data_key = data_key
        self.officer = officer
        self.clock = clock
        # Failed attempts on this officer's login since their previous login (shown to them:
        # "5 failed attempts since your last login"); set by `unlock`.
        self.failed_attempts_since_login = 0
        # What the check against the anchor copies and the high-water mark found when this
        # session opened (desktop/store/continuity.py); set by `unlock`. A session that
        # opened with findings is suspect: it never advances the mark nor writes an anchor.
        self.continuity: Continuity | None = None
        self._mark = MarkWriter(paths.highwater, mark_key(data_key, key_file.store_id))
        self._mark_started = False
        # The officer's own HQ key (decision 27), unwrapped at login, only ever in memory;
        # None when the device is not enrolled (then requests are the device's alone).
        self.officer_hq_key: Ed25519PrivateKey | None = None

    def __repr__(self) -> str:  # never show key material
        return f"Store({self.paths.workdir}, officer={self.officer.id})"

    @property
    def conn(self) -> Connection:
        """The writing connection (never on the GUI thread)."""
        check_thread()
        return self._conn

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """The read-only connection inside one read transaction (one consistent snapshot of
        the last commit); it never waits for a writer. Never on the GUI thread."""
        check_thread()
        with self._read_lock:
            with guarded():
                if self._read_conn is None:
                    self._read_conn = open_database(self.paths.database, self._data_key,
                                                    read_only=True)
                self._read_conn.execute("BEGIN")
            try:
                with guarded():
                    yield self._read_conn
            finally:
                with contextlib.suppress(Exception):
                    self._read_conn.execute("ROLLBACK")

    def write(self, fn: Callable[[], T]) -> T:
        """Run `fn` (a short transaction) where this session's writes are serialised and
        return its value: how long work on another thread records what it did."""
        return self.write_lane(fn)

    def _close_reader(self) -> None:
        with self._read_lock:
            if self._read_conn is not None:
                with contextlib.suppress(Exception):
                    self._read_conn.close()
                self._read_conn = None

    @property
    def store_id(self) -> str:
        return self._key_file.store_id

    @property
    def escrow_configured(self) -> bool:
        return self._key_file.escrow is not None

    def vault_key(self) -> bytes:
        """The evidence vault's master key, derived from the data key and never stored."""
        return evidence.vault_master_key(self._data_key)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One durable transaction acting as the logged-in officer; once it has committed
        (before the caller may say "saved") the high-water mark records it."""
        check_thread()
        with self._transaction_lock:
            if not self._mark_started:
                self._start_mark()
            with transaction(self._conn, self.clock, self.officer.id) as tx:
                yield tx
            self._advance_mark()

    @property
    def suspect(self) -> bool:
        return self.continuity is not None and not self.continuity.ok

    def check_continuity(self) -> Continuity:
        """The findings of the check at login (computed now for a store just created)."""
        if self.continuity is None:
            with guarded():
                self.continuity = check_continuity(self.paths, self.conn, self.store_id,
                                                   mark_key(self._data_key, self.store_id))
        return self.continuity

    def _advance_mark(self, *, wait: bool = False) -> None:
        """Record the committed log in the high-water mark (never on a suspect store); with
        `wait`, durably before returning."""
        if self.suspect:
            return
        try:
            with guarded():
                mark = Mark(audit.size(self.conn), audit.root(self.conn))
            self._mark.write(mark, wait=wait)
        except (OSError, UserError):
            # The commit stands; a mark left behind only narrows what it proves (the next
            # commit tries again). Never tell the officer a committed save failed.
            pass

    def _start_mark(self) -> None:
        """Write the mark for what is committed, then record in the store that it exists:
        from then on a missing mark is an error (that order never makes a false alarm)."""
        self._mark_started = True
        if self.suspect:
            return
        # Durable before the store says a mark exists: otherwise a power cut could leave the
        # flag without the mark, which the next login would take for a lost WAL.
        self._advance_mark(wait=True)
        with guarded():
            if mark_required(self.conn):
                return
        with transaction(self.conn, self.clock, self.officer.id) as tx:
            tx.conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                            (META_FLAG, "1"))

    def add_officer(
        self, officer: Officer, password: str, kdf: KdfParams | None = None
    ) -> None:
        """Register an officer who can then log in with their own password (admins only)."""
        if self.officer.role is not Role.ADMIN:
            raise UserError(_("Only an administrator can add officers."))
        check_password_strength(password)
        wrap = wrap_with_password(self._data_key, password, officer.id.encode(), kdf)

        def change(key_file: KeyFile) -> tuple[KeyFile, KeyFile]:
            key_file = key_file.with_officer(
                OfficerKey(officer.id, key_file.login_digest(officer.certificate_no), wrap))
            with self.transaction() as tx:
                officers.add_officer(tx, officer)
            return key_file, key_file

        self._key_file = update_key_file(self.paths.key_file, change)

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
        self._rewrap(self.officer.id, new_password, Action.PASSWORD_CHANGED, old_password)

    def _rewrap(self, officer_id: str, new_password: str, action: Action,
                old_password: str | None = None) -> None:
        """Wrap the data key under `new_password`, and the officer's signing keys with it:
        re-wrapped when the old password is known, dropped after a reset (whoever reset it
        never knew the old one, so those keys are imported again). The signing keys change in
        the transaction that commits before the key file is written, under the key file's
        lock."""
        # Always the default (floor) parameters: never copy what a tampered file asked for.
        wrap = wrap_with_password(self._data_key, new_password, officer_id.encode())

        def change(key_file: KeyFile) -> tuple[KeyFile, KeyFile]:
            entry = key_file.by_officer(officer_id)
            if entry is None:
                raise UserError(_("This officer has no key entry."))
            key_file = key_file.with_officer(replace(entry, wrap=wrap, failures=0,
                                                     last_failure=None))
            with self.transaction() as tx:
                if old_password is not None:
                    rewrapped = signing_keys.rewrap_for_officer(tx, officer_id, old_password,
                                                                new_password)
                    officer_hq_keys.rewrap_for_officer(tx, officer_id, old_password,
                                                       new_password)
                    tx.audit(action, officer_id, signing_keys_rewrapped=rewrapped)
                else:
                    dropped = signing_keys.drop_wraps_of_officer(tx, officer_id)
                    # The HQ key cannot be re-wrapped without the old password: a new one
                    # comes at the officer's next login, registered as its replacement.
                    replaced = officer_hq_keys.replace_for_officer(tx, officer_id)
                    tx.audit(action, officer_id, signing_keys_dropped=dropped,
                             hq_keys_replaced=replaced)
            return key_file, key_file

        self._key_file = update_key_file(self.paths.key_file, change)

    def _require_admin_over(self, officer_id: str) -> Officer:
        if self.officer.role is not Role.ADMIN:
            raise UserError(_("Only an administrator can unlock officers or reset passwords."))
        with guarded():
            return officers.get_officer(self.conn, officer_id)

    def unlock_officer(self, officer_id: str) -> None:
        """Clear another officer's lockout now (admins only; audited)."""
        self._require_admin_over(officer_id)

        def change(key_file: KeyFile) -> tuple[KeyFile, KeyFile]:
            entry = key_file.by_officer(officer_id)
            if entry is None:
                raise UserError(_("This officer has no key entry."))
            key_file = key_file.with_officer(replace(entry, failures=0, last_failure=None))
            with self.transaction() as tx:
                tx.audit(Action.OFFICER_UNLOCKED, officer_id, failures=entry.failures)
            return key_file, key_file

        self._key_file = update_key_file(self.paths.key_file, change)

    def reset_password(self, officer_id: str, new_password: str) -> None:
        """Give an officer who forgot their password a new one, without escrow (admins only).

        The administrator's session holds the data key, so it is simply wrapped again under
        the new password; the lockout is cleared too, and the reset is audited. Anything
        wrapped under the *old* password alone cannot come back this way: per-officer signing
        keys (desktop/store/signing_keys.py) are dropped with it, and an administrator imports
        the officer's PKCS#12 file again (decision 13).
        """
        self._require_admin_over(officer_id)
        check_password_strength(new_password)
        self._rewrap(officer_id, new_password, Action.PASSWORD_RESET)

    def reconnect(self) -> None:
        """A fresh connection for this session.

        SQLCipher keeps a connection that read a page failing its HMAC in an error state:
        every later statement fails, down to the COMMIT of the logout. A fresh connection
        reads the other pages as before.
        """
        old = self._conn
        self._conn = open_database(self.paths.database, self._data_key)
        with contextlib.suppress(Exception):
            old.close()
        self._close_reader()  # the next read opens a fresh one too

    def open_copy(self, path: Path) -> Connection:
        """Open a copy of this store's database (a backup's snapshot, desktop/services/
        backup.py) with this store's key, to check it before it is trusted."""
        return open_database(path, self._data_key)

    def repair_search_index(self) -> int:
        """Rebuild a damaged search index into a fresh copy of the store
        (`search_repair.repair_index`) with this session's connection closed meanwhile;
        returns the documents indexed."""
        self._close_reader()
        self.conn.close()
        try:
            return search_repair.repair_index(self.paths.database, self._data_key)
        finally:
            self._conn = open_database(self.paths.database, self._data_key)

    def lock_session(self) -> None:
        """The screen locked (idle, or the officer stepped away); work stays open."""
        with self.transaction() as tx:
            tx.audit(Action.SESSION_LOCKED, self.officer.id)

    def resume_session(self, password: str, policy: LockoutPolicy | None = None) -> None:
        """Unlock the screen for the same officer; failures count toward the lockout.

        The attempt is counted in the key file before the password is checked, like a login.
        """
        policy = policy or LockoutPolicy()
        now = self.clock()
        try:
            attempt = begin_attempt(self.paths.key_file, now, policy,
                                    officer_id=self.officer.id, queue_events=False)
        except AccountLocked:
            with self.transaction() as tx:
                tx.audit(Action.SESSION_RESUMED, self.officer.id, Outcome.DENIED, locked=True)
            raise
        if check_attempt(attempt, password) is None:
            with self.transaction() as tx:
                tx.audit(Action.SESSION_RESUMED, self.officer.id, Outcome.DENIED)
            raise refusal(attempt, policy, now, screen=True)
        settle_attempt(self.paths.key_file, attempt)
        with self.transaction() as tx:
            tx.audit(Action.SESSION_RESUMED, self.officer.id)

    def set_escrow(self, public_key: X25519PublicKey) -> None:
        """Wrap the data key to HQ's escrow key so the store can be recovered."""
        if self.officer.role is not Role.ADMIN:
            raise UserError(_("Only an administrator can set the escrow key."))
        wrap = wrap_for_escrow(self._data_key, public_key, self.store_id.encode())

        def change(key_file: KeyFile) -> tuple[KeyFile, KeyFile]:
            with self.transaction() as tx:
                tx.audit(Action.ESCROW_SET, self.store_id, escrow_key_id=wrap.escrow_key_id)
            return replace(key_file, escrow=wrap), replace(key_file, escrow=wrap)

        self._key_file = update_key_file(self.paths.key_file, change)

    def sign_tree_head(self) -> SignedTreeHead:
        """Sign the audit log's current head and anchor it outside the store.

        Never on a store that opened with findings, and never an anchor that an existing
        copy is not extended by (an older or different store must not overwrite it)."""
        if self.suspect:
            assert self.continuity is not None
            raise self.continuity.worst().error()
        with self.transaction() as tx:
            check_before_signing(self.paths, tx.conn, self.store_id)
            head = audit.sign_head(tx.conn, self.store_id, tx.at)
            keys = audit.device_public_keys(tx.conn)
        public = keys[head.key_id].public_bytes_raw()
        write_anchor(self.paths.anchor_mirrors(), Anchor(self.store_id, head, public))
        return head

    def require_admin_for_anchor(self) -> None:
        if self.officer.role is not Role.ADMIN:
            raise UserError(_("Only an administrator can re-create the tree-head anchor."))

    def recreate_anchor(self) -> SignedTreeHead:
        """Write the anchor copies and the high-water mark anew after they were deleted
        (audited). The caller (desktop.services.audit_trail.recreate_anchor) has checked
        that nothing else is wrong: no rollback, no lost saves, the trail verifies."""
        self.require_admin_for_anchor()
        found = self.check_continuity()
        if any(f.kind is not Kind.ANCHOR_MISSING for f in found.findings):
            raise found.worst().error()
        anchor_missing = not self.paths.anchor.exists()
        mark_missing = not self.paths.highwater.exists()
        self.continuity = Continuity([], found.newest)
        self._mark_started = False  # the next transaction writes the mark again
        with self.transaction() as tx:
            tx.audit(Action.ANCHOR_RECREATED, self.store_id, anchor_missing=anchor_missing,
                     mark_missing=mark_missing, size=audit.size(tx.conn))
        return self.sign_tree_head()

    def close(self, sign: bool = True) -> None:
        """End the session: record the logout and sign the tree head (session end)."""
        try:
            with self.transaction() as tx:
                search.refresh(tx.conn)  # keep the next session's first search quick
                tx.audit(Action.LOGOUT, self.officer.id)
            if sign and not self.suspect:
                self.sign_tree_head()
        finally:
            self.officer_hq_key = None  # the session's officer no longer acts
            self._close_reader()
            with contextlib.suppress(Exception):
                self._conn.execute("PRAGMA optimize")
            self._conn.close()
            self._mark.close()

    def detach(self) -> bytes:
        """End this session as a crash would (no logout recorded, no tree head signed), with
        the write-ahead log folded into the database so its files hold exactly what was
        committed, and return the data key. With `reattach`, how the test suite copies one
        built store's files for many tests instead of paying two Argon2id derivations for
        each; the program itself never detaches a session."""
        data_key = self._data_key
        self._close_reader()
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._conn.close()
        self._mark.close()
        return data_key

    @classmethod
    def reattach(cls, paths: StorePaths, data_key: bytes, officer: Officer,
                 clock: Clock) -> Store:
        """A session on the files a `detach`ed one left (or a copy of them), as that session
        stood: the same officer, the high-water mark already started."""
        store = cls(paths, open_database(paths.database, data_key),
                    load_key_file(paths.key_file), data_key, officer, clock)
        store._mark_started = True
        return store

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
    conn: Connection | None = None
    try:  # a failure anywhere (a full disk, say) leaves no half store that blocks a retry
        conn = open_database(paths.database, data_key, create=True)
        with transaction(conn, clock, admin.id) as tx:
            tx.conn.execute("INSERT INTO meta (key, value) VALUES ('store_id', ?)", (store_id,))
            audit.create_device_key(tx.conn, tx.at)
            tx.audit(Action.STORE_CREATED, store_id, escrow=escrow is not None)
            officers.add_officer(tx, admin)
        save_key_file(paths.key_file, key_file)
    except BaseException as exc:
        if conn is not None:
            conn.close()
        for leftover in paths.workdir.glob("store.db*"):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        full = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
        if isinstance(exc, OSError) and exc.errno in full:
            raise StoreFull(_("The disk is full. No store was created; free some space and "
                              "try again.")) from exc
        raise
    store = Store(paths, conn, key_file, data_key, admin, clock)
    with store.transaction() as tx:
        tx.audit(Action.LOGIN, admin.id)
    return store


def unlock(
    paths: StorePaths,
    login: str,
    password: str,
    *,
    clock: Clock = system_clock,
    policy: LockoutPolicy | None = None,
    check_anchor: bool = True,
) -> Store:
    """Log an officer in: record the attempt, unwrap the data key, open and check the store."""
    policy = policy or LockoutPolicy()
    now = clock()
    attempt = begin_attempt(paths.key_file, now, policy, login=login)
    data_key = check_attempt(attempt, password)
    if data_key is None or attempt.officer is None:
        if attempt.officer is None and load_key_file(paths.key_file).is_disabled(login):
            # Counted like any attempt above; the name stays inside the store (decision 24).
            raise officers.OfficerDisabled(_(
                "This officer has been disabled by an administrator and can no longer log in. "
                "Ask an administrator to enable you again."))
        raise refusal(attempt, policy, now)
    entry = attempt.officer
    conn = open_database(paths.database, data_key)
    try:
        with guarded():
            officer = officers.get_officer(conn, entry.officer_id)
            if not officer.active:  # a login entry came back some other way (HQ's escrow)
                raise officers.OfficerDisabled(officers.disabled_message(officer))
            store_id = load_key_file(paths.key_file).store_id
            continuity = check_continuity(paths, conn, store_id, mark_key(data_key, store_id))
            if check_anchor and not continuity.ok:
                raise continuity.worst().error()

        def flush(key_file: KeyFile, since: int) -> None:
            with transaction(conn, clock, officer.id) as tx:
                _flush_pending(tx, key_file.pending, key_file.dropped)
                tx.audit(Action.LOGIN, officer.id, failed_attempts=since)

        try:
            since = settle_attempt(paths.key_file, attempt, flush)
        except UserError as exc:  # the key file went unwritable between the two steps
            raise AttemptNotRecorded(exc.message) from exc
    except BaseException:
        conn.close()
        raise
    key_file = load_key_file(paths.key_file)
    try:  # what an update or a crash left for the next opening
        upkeep_at_login(paths.workdir, conn, data_key, clock, officer.id)
    except BaseException:
        conn.close()
        raise
    store = Store(paths, conn, key_file, data_key, officer, clock)
    store.failed_attempts_since_login = since
    store.continuity = continuity
    store._start_mark()  # covers the login just committed
    try:  # the password is in hand only now (decision 27)
        store.officer_hq_key = officer_hq_keys.at_login(store.conn, officer.id, password,
                                                        store.transaction)
    except BaseException:
        conn.close()
        raise
    return store


def _flush_pending(tx: Tx, pending: tuple[PendingEvent, ...], dropped: int) -> None:
    """Move login events queued while the store was locked into the audit log, once each.

    A crash between this commit and the key file's save leaves them queued; the attempt id
    (or, for files from before it existed, the time) finds the ones already moved.
    """
    for event in pending:
        happened = event.at.isoformat(timespec="milliseconds")
        marker = (f'%"attempt":"{event.attempt}"%' if event.attempt
                  else f'%"happened_at":"{happened}"%')
        already = tx.conn.execute(
            "SELECT 1 FROM audit_log WHERE action = ? AND subject IS ? AND details LIKE ?",
            (event.action, event.officer_id, marker),
        ).fetchone()
        if already is None:
            extra = {"attempt": event.attempt} if event.attempt else {}
            tx.audit(Action(event.action), event.officer_id, Outcome.DENIED,
                     happened_at=happened, **extra)
    if dropped:
        # The queue is capped; the count of what it could not hold is never lost.
        tx.audit(Action.LOGIN_EVENTS_DROPPED, None, Outcome.DENIED, count=dropped)
