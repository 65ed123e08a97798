"""HQ's database: one SQLite file in WAL mode by default, or PostgreSQL, behind one small adapter.

Everything HQ vouches for lives here: enrolled devices, one-time codes, seen nonces, the
records and their receipts, the receipt log's leaves, upload sessions, held blobs,
quarantine, alerts, each device's last countersigned audit head and its audit leaves, the
published reference datasets, and the device certificates HQ issued as the unit CA.

Two engines, one SQL (decision 29). The embedded default is a SQLite file in the data
directory; ``HQ_DB_URL=postgresql://…`` (or ``--db-url``) puts the same tables on PostgreSQL
(psycopg 3), which several HQ processes can share. The statements stay inside what SQLite
3.35+ and PostgreSQL share (text ids, integers, ``INSERT … ON CONFLICT``, no AUTOINCREMENT, no
BLOB columns: bytes are hex or canonical JSON text) and are written once, with ``?``
placeholders; `Connection` is the only place that knows the engine: it rewrites ``?`` to
psycopg's ``%s``, gives rows as dicts by column name on both, and on PostgreSQL makes every
INTEGER of the migrations a BIGINT (times in ms and sizes in bytes pass 2^31).

Transactions are explicit (autocommit outside `Database.transaction`). On SQLite a
transaction takes the single writer lock at once (``BEGIN IMMEDIATE``, busy timeout), which
serializes HQ's writers whatever they are; ``synchronous=FULL``, so a committed receipt
survives a power cut. On PostgreSQL transactions are READ COMMITTED and whatever must happen
one at a time across processes names a lock: `Connection.lock` (held to the end of the
transaction) and `Database.hold` / `Database.try_hold` (held by the process across several
transactions); on SQLite these are no-ops, since there is one writer and one HQ process.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

__all__ = ["SCHEMA_VERSION", "Connection", "Cursor", "Database", "Row", "is_disk_full",
           "open_database"]

SCHEMA_VERSION = 11

# A row by column name, on both engines.
Row = dict[str, Any]
Params = Sequence[object]

# Each migration brings the schema from its index to the next version; never edit one that
# has shipped, append another.
_MIGRATIONS: list[str] = [
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE devices (
        device TEXT PRIMARY KEY, public_key TEXT NOT NULL, name TEXT NOT NULL,
        enrolled_ms INTEGER NOT NULL, code_id TEXT, revoked_ms INTEGER,
        last_seen_ms INTEGER, last_skew_ms INTEGER);
    CREATE TABLE enrol_codes (
        code_id TEXT PRIMARY KEY, secret TEXT NOT NULL, created_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL, used_ms INTEGER, device_key TEXT, answer TEXT);
    CREATE TABLE nonces (
        device TEXT NOT NULL, nonce TEXT NOT NULL, received_ms INTEGER NOT NULL,
        PRIMARY KEY (device, nonce));
    CREATE INDEX nonces_age ON nonces (received_ms);
    CREATE TABLE records (
        device TEXT NOT NULL, kind TEXT NOT NULL, entity_id TEXT NOT NULL,
        op_id TEXT NOT NULL, device_seq INTEGER NOT NULL, sha256 TEXT NOT NULL,
        size INTEGER NOT NULL, entry TEXT NOT NULL, receipt TEXT NOT NULL,
        log_index INTEGER NOT NULL UNIQUE, received_ms INTEGER NOT NULL,
        PRIMARY KEY (device, kind, entity_id), UNIQUE (device, device_seq));
    CREATE INDEX records_op ON records (device, op_id);
    CREATE TABLE receipt_log (
        log_index INTEGER PRIMARY KEY, leaf_hash TEXT NOT NULL, receipt_id TEXT NOT NULL);
    CREATE TABLE log_state (id INTEGER PRIMARY KEY CHECK (id = 1), compact TEXT NOT NULL);
    CREATE TABLE log_nodes (
        height INTEGER NOT NULL, start INTEGER NOT NULL, node_hash TEXT NOT NULL,
        PRIMARY KEY (height, start));
    CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL,
                        stored_ms INTEGER NOT NULL);
    CREATE TABLE quarantine (
        id TEXT PRIMARY KEY, device TEXT NOT NULL, kind TEXT NOT NULL,
        entity_id TEXT NOT NULL, op_id TEXT NOT NULL, device_seq INTEGER NOT NULL,
        sha256 TEXT NOT NULL, size INTEGER NOT NULL, entry TEXT NOT NULL,
        payload_held INTEGER NOT NULL, reason TEXT NOT NULL, received_ms INTEGER NOT NULL);
    CREATE TABLE alerts (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, device TEXT, message TEXT NOT NULL,
        raised_ms INTEGER NOT NULL);
    CREATE TABLE uploads (
        id TEXT PRIMARY KEY, device TEXT NOT NULL, op_id TEXT NOT NULL, entry TEXT NOT NULL,
        length INTEGER NOT NULL, upload_offset INTEGER NOT NULL,
        staged_bytes INTEGER NOT NULL, chunks INTEGER NOT NULL, created_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL, state TEXT NOT NULL, receipt TEXT);
    CREATE INDEX uploads_key ON uploads (device, op_id);
    CREATE TABLE ref_datasets (
        name TEXT NOT NULL, version INTEGER NOT NULL, sha256 TEXT NOT NULL,
        size INTEGER NOT NULL, published_ms INTEGER NOT NULL, PRIMARY KEY (name, version));
    CREATE TABLE audit_heads (
        device TEXT PRIMARY KEY, tree_size INTEGER NOT NULL, root_hash TEXT NOT NULL,
        receipt_id TEXT NOT NULL, countersigned_ms INTEGER NOT NULL);
    """,
    # 2 (decision 26): the device certificates HQ issued as the unit CA.
    """
    CREATE TABLE device_certificates (
        serial TEXT PRIMARY KEY, device TEXT NOT NULL, code_id TEXT NOT NULL,
        certificate TEXT NOT NULL, not_before_ms INTEGER NOT NULL,
        not_after_ms INTEGER NOT NULL, issued_ms INTEGER NOT NULL, revoked_ms INTEGER);
    CREATE INDEX device_certificates_device ON device_certificates (device);
    """,
    # 3: every device's audit leaves (bytes in the blob store, `batch` names the
    # blob and `batch_pos` the line), and the right edge of the leaves a countersigned head
    # covers, so HQ checks each head's root without re-reading the trail (hq/audittrail.py).
    """
    CREATE TABLE audit_leaves (
        device TEXT NOT NULL, leaf_index INTEGER NOT NULL, leaf_hash TEXT NOT NULL,
        batch TEXT NOT NULL, batch_pos INTEGER NOT NULL, received_ms INTEGER NOT NULL,
        PRIMARY KEY (device, leaf_index));
    ALTER TABLE audit_heads ADD COLUMN frontier TEXT;
    """,
    # 4 (decision 27): the officers each device acts for, the HQ key bound to
    # each (device, officer) at its first registration, revocations by the HQ administrator
    # (device '*' revokes the officer on every device), and who acted for each record.
    """
    CREATE TABLE officers (
        device TEXT NOT NULL, officer_id TEXT NOT NULL, public_key TEXT NOT NULL,
        key_id TEXT NOT NULL, name TEXT NOT NULL, enforcement_no TEXT,
        registered_ms INTEGER NOT NULL, replaced_key TEXT,
        PRIMARY KEY (device, officer_id));
    CREATE TABLE officer_revocations (
        device TEXT NOT NULL, officer_id TEXT NOT NULL, revoked_ms INTEGER NOT NULL,
        PRIMARY KEY (device, officer_id));
    ALTER TABLE records ADD COLUMN officer TEXT;
    ALTER TABLE uploads ADD COLUMN officer TEXT;
    """,
    # 5 (decision 31): an alert the operator acknowledged (when, by whom); the
    # janitor deletes acknowledged alerts past their retention, never an open one.
    """
    ALTER TABLE alerts ADD COLUMN acknowledged_ms INTEGER;
    ALTER TABLE alerts ADD COLUMN acknowledged_by TEXT;
    """,
    # 6 (decision 32): the supervision room's users (Argon2id password, TOTP secret
    # for administrators, failed logins for the lockout), their server-side sessions (each
    # with its CSRF token), and the log of every page they viewed (hq/web/).
    """
    CREATE TABLE web_users (
        name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,
        totp_secret TEXT, created_ms INTEGER NOT NULL, disabled_ms INTEGER,
        failed_logins INTEGER NOT NULL, locked_until_ms INTEGER, last_login_ms INTEGER,
        last_totp_step INTEGER);
    CREATE TABLE web_sessions (
        id_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL, csrf TEXT NOT NULL,
        created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);
    CREATE INDEX web_sessions_user ON web_sessions (user_name);
    CREATE TABLE web_access_log (
        id TEXT PRIMARY KEY, at_ms INTEGER NOT NULL, user_name TEXT NOT NULL,
        role TEXT NOT NULL, page TEXT NOT NULL, device TEXT, record TEXT, party TEXT,
        status INTEGER NOT NULL);
    CREATE INDEX web_access_log_at ON web_access_log (at_ms);
    """,
    # 7 (issue 16): the supervision room's catalog of statements and the officers they
    # name (hq/catalog/statements.py), derived from the statement, its context and its PDF.
    # No party's personal data: the party is its id; names and words stay sealed.
    """
    CREATE TABLE room_statements (
        statement TEXT PRIMARY KEY, device TEXT NOT NULL, case_id TEXT, case_number TEXT,
        matter TEXT, kind TEXT, unit TEXT, recorder TEXT, interviewers TEXT, party TEXT,
        started_ms INTEGER, ended_ms INTEGER, content_sha256 TEXT, content_version INTEGER,
        content_ms INTEGER, context_sha256 TEXT, context_ms INTEGER, pdf_sha256 TEXT,
        pdf_ms INTEGER);
    CREATE INDEX room_statements_case ON room_statements (case_id);
    CREATE INDEX room_statements_started ON room_statements (started_ms);
    CREATE TABLE room_officers (
        officer TEXT PRIMARY KEY, name TEXT NOT NULL, certificate_no TEXT NOT NULL,
        unit TEXT NOT NULL, seen_ms INTEGER NOT NULL);
    """,
    # 8 (issue 16, evidence): the room's evidence items and the dockings whose ingest
    # certificates HQ holds (hq/catalog/evidence.py), from an item's record, its medium
    # and its docking's certificate, in any order. Ids, hashes, sizes and times only.
    """
    CREATE TABLE room_evidence (
        item TEXT PRIMARY KEY, device TEXT NOT NULL, case_id TEXT, statement TEXT,
        kind TEXT, source TEXT, size INTEGER, sha256 TEXT, sm3 TEXT, captured_ms INTEGER,
        imported_ms INTEGER, docking TEXT, recorder_serial TEXT, clock_offset_ms INTEGER,
        has_gps INTEGER, record_sha256 TEXT, record_ms INTEGER, medium_sha256 TEXT,
        medium_size INTEGER, medium_ms INTEGER);
    CREATE INDEX room_evidence_case ON room_evidence (case_id);
    CREATE INDEX room_evidence_device ON room_evidence (device);
    CREATE INDEX room_evidence_docking ON room_evidence (docking);
    CREATE INDEX room_evidence_imported ON room_evidence (imported_ms);
    CREATE TABLE room_dockings (
        docking TEXT PRIMARY KEY, device TEXT NOT NULL, certificate_sha256 TEXT NOT NULL,
        recorder_serial TEXT NOT NULL, case_id TEXT, files INTEGER NOT NULL,
        received_ms INTEGER NOT NULL);
    """,
    # 9 (issue 16, room statistics and refdata): the last version of each reference dataset
    # each device fetched (hq/refdata.py), for the room's device x dataset table, and who
    # published each version from the room (NULL: from HQ's command line).
    """
    CREATE TABLE ref_fetches (
        device TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
        fetched_ms INTEGER NOT NULL, PRIMARY KEY (device, name));
    ALTER TABLE ref_datasets ADD COLUMN published_by TEXT;
    """,
    # 10 (issue 16, statements search): the room's keyed (blind) search index over statements
    # (hq/catalog/search.py, decision 34): HMAC tokens of each character and character pair
    # of a statement's searchable text, never the text; and which records were indexed.
    """
    CREATE TABLE room_search_tokens (
        token TEXT NOT NULL, statement TEXT NOT NULL, PRIMARY KEY (token, statement));
    CREATE TABLE room_search_sources (
        statement TEXT NOT NULL, source TEXT NOT NULL, sha256 TEXT NOT NULL,
        PRIMARY KEY (statement, source));
    """,
    # 11 (issue 17, decision 53): the room's penalty decisions, legal reviews and penalty
    # documents (hq/catalog/penalty.py), from their records and a document's signed PDF, in
    # any order. Ids, amounts, kinds, versions, numbers and times; a deviation's reason and
    # a reviewer's comments stay in the sealed records.
    """
    CREATE TABLE room_penalty_decisions (
        decision TEXT PRIMARY KEY, device TEXT NOT NULL, case_id TEXT NOT NULL,
        statement TEXT, matter_code TEXT NOT NULL,
        matter_name TEXT NOT NULL, waived INTEGER NOT NULL, amount INTEGER,
        deviation TEXT, standard_version INTEGER NOT NULL, standard_label TEXT NOT NULL,
        matter_row_hash TEXT, library_version INTEGER, reviewed_sha256 TEXT NOT NULL,
        decided_by TEXT NOT NULL, decided_ms INTEGER NOT NULL, record_sha256 TEXT NOT NULL,
        received_ms INTEGER NOT NULL);
    CREATE INDEX room_penalty_decisions_case ON room_penalty_decisions (case_id);
    CREATE TABLE room_legal_reviews (
        review TEXT PRIMARY KEY, device TEXT NOT NULL, decision TEXT NOT NULL,
        case_id TEXT NOT NULL, verdict TEXT NOT NULL, reviewer TEXT NOT NULL,
        reviewer_name TEXT, reviewed_sha256 TEXT NOT NULL, at_ms INTEGER NOT NULL,
        record_sha256 TEXT NOT NULL, received_ms INTEGER NOT NULL);
    CREATE INDEX room_legal_reviews_case ON room_legal_reviews (case_id);
    CREATE TABLE room_penalty_documents (
        document TEXT PRIMARY KEY, device TEXT NOT NULL, decision TEXT, case_id TEXT,
        kind TEXT, number TEXT, sha256 TEXT, pages INTEGER, served_ms INTEGER,
        receipt TEXT, rights_waived INTEGER, record_sha256 TEXT, record_ms INTEGER,
        pdf_sha256 TEXT, pdf_ms INTEGER);
    CREATE INDEX room_penalty_documents_case ON room_penalty_documents (case_id);
    """,
]



class Cursor(Protocol):
    """What a statement gives back (sqlite3's and psycopg's cursors both are one)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> Any: ...


class _Result:
    """A statement's rows as `Row` dicts, and how many rows it changed."""

    def __init__(self, cursor: Cursor) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def fetchone(self) -> Row | None:
        row: Row | None = self._cursor.fetchone()
        return row

    def fetchall(self) -> list[Row]:
        return list(self._cursor.fetchall())


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> Row:
    return {column[0]: value for column, value in zip(cursor.description, row, strict=True)}


def _lock_key(name: str) -> int:
    """A signed 64-bit advisory-lock key for ``name`` (a collision only serializes more)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big",
                          signed=True)


class Connection:
    """One connection to either engine, speaking HQ's ``?`` SQL and giving `Row` dicts."""

    def __init__(self, raw: Any, postgres: bool) -> None:
        self.raw = raw
        self.postgres = postgres

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    def execute(self, sql: str, params: Params = ()) -> _Result:
        return _Result(self.raw.execute(self._sql(sql), tuple(params)))

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        if self.postgres:
            with self.raw.cursor() as cursor:
                cursor.executemany(self._sql(sql), [tuple(r) for r in rows])
        else:
            self.raw.executemany(sql, rows)

    def lock(self, name: str) -> None:
        """Wait for, then hold until this transaction ends, the lock called ``name``
        (PostgreSQL: a transaction-level advisory lock; SQLite's writer lock is held already)."""
        if self.postgres:
            self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_key(name),))


class Database:
    """A connection with explicit transactions (autocommit outside `transaction`)."""

    def __init__(self, conn: Connection, reconnect: Any = None) -> None:
        self._conn = conn
        self._reconnect = reconnect
        self.postgres = conn.postgres
        # The driver's errors that mean "the database could not do it now" (a full disk, a
        # lost server): app.py answers them in words instead of a 500.
        self.operational_errors: tuple[type[Exception], ...] = (sqlite3.OperationalError,)
        if self.postgres:
            import psycopg
            self.operational_errors = (psycopg.OperationalError,)

    @property
    def conn(self) -> Connection:
        """The connection (autocommit), opened again first if PostgreSQL dropped it (a
        server restart: the request that met the dead one was refused, 503)."""
        if self.postgres and (self._conn.raw.closed or self._conn.raw.broken):
            assert self._reconnect is not None
            self._conn = self._reconnect()
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction: on SQLite taken at once (BEGIN IMMEDIATE) so it never
        deadlocks; on PostgreSQL READ COMMITTED, with `Connection.lock` where order matters."""
        conn = self.conn
        if conn.postgres:
            with conn.raw.transaction():
                yield conn
            return
        conn.raw.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.raw.execute("ROLLBACK")
            raise
        conn.raw.execute("COMMIT")

    def one(self, sql: str, params: Params = ()) -> Row | None:
        return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        return self.conn.execute(sql, params).fetchall()

    def meta(self, key: str) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    @contextmanager
    def hold(self, name: str) -> Iterator[None]:
        """Hold the lock called ``name`` across several transactions of this process (a
        session-level advisory lock on PostgreSQL, waited for; nothing on SQLite). Only
        around code that does not await: the session is the whole process's."""
        if not self.postgres:
            yield
            return
        conn = self.conn
        conn.raw.execute("SELECT pg_advisory_lock(%s)", (_lock_key(name),))
        try:
            yield
        finally:
            self._release(conn, name)

    def try_hold(self, name: str) -> bool:
        """Take the lock called ``name`` for this process if no other holds it (True; always
        on SQLite); `release` gives it back."""
        if not self.postgres:
            return True
        row = self.conn.raw.execute("SELECT pg_try_advisory_lock(%s) AS taken",
                                        (_lock_key(name),)).fetchone()
        return bool(row["taken"])

    def release(self, name: str) -> None:
        if self.postgres:
            self._release(self._conn, name)

    @staticmethod
    def _release(conn: Connection, name: str) -> None:
        if not (conn.raw.closed or conn.raw.broken):  # a lost session released it anyway
            conn.raw.execute("SELECT pg_advisory_unlock(%s)", (_lock_key(name),))

    def close(self) -> None:
        self._conn.raw.close()


def is_disk_full(exc: BaseException) -> bool:
    """The database refused a write for want of disk (SQLite's "full", SQLSTATE 53100)."""
    if isinstance(exc, sqlite3.OperationalError):
        return "full" in str(exc)
    return getattr(exc, "sqlstate", None) == "53100"


def _open_sqlite(path: Path) -> Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    # HQ's database and its WAL are HQ's alone (records' entries, receipts, devices): created
    # 0600 like the keys, whatever the umask of whoever starts HQ.
    old_umask = os.umask(0o077)
    try:
        raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                              timeout=10.0)
        raw.execute("PRAGMA journal_mode=WAL")  # creates the -wal and -shm files now
    finally:
        os.umask(old_umask)
    raw.row_factory = _dict_row
    raw.execute("PRAGMA synchronous=FULL")
    raw.execute("PRAGMA busy_timeout=10000")
    return Connection(raw, postgres=False)


def _open_postgres(url: str) -> Connection:
    import psycopg
    from psycopg.rows import dict_row

    raw = psycopg.connect(url, autocommit=True, row_factory=dict_row,
                          application_name="statement-room-hq")
    return Connection(raw, postgres=True)


def _ddl(conn: Connection, statement: str) -> str:
    # PostgreSQL's INTEGER is 32 bits; HQ's integers are ms times, sizes and counters.
    return re.sub(r"\bINTEGER\b", "BIGINT", statement) if conn.postgres else statement


def open_database(where: Path | str) -> Database:
    """Open (creating and migrating as needed) HQ's database: a SQLite file at a path, or a
    ``postgresql://`` URL."""
    target = str(where)
    if target.startswith(("postgresql://", "postgres://")):
        db = Database(_open_postgres(target), lambda: _open_postgres(target))
    else:
        db = Database(_open_sqlite(Path(target.removeprefix("sqlite:///"))))  # sqlite:////abs
    with db.transaction() as conn:
        conn.lock("schema")  # two HQ processes starting at once migrate one after the other
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = conn.execute("SELECT version FROM schema_version").fetchone()
        version = 0 if row is None else int(row["version"])
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"the HQ database is of schema {version}; this HQ reads up to "
                               f"{SCHEMA_VERSION}: upgrade HQ")
        for script in _MIGRATIONS[version:]:
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(_ddl(conn, statement))
        if row is None:
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        else:
            conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))
    return db
