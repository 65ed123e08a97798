"""HQ's database: one SQLite file in WAL mode, with SQL kept portable to PostgreSQL.

Everything HQ vouches for lives here: enrolled devices, one-time codes, seen nonces, the
records and their receipts, the receipt log's leaves, upload sessions, held blobs,
quarantine, alerts, each device's last countersigned audit head and its audit leaves, the
published reference datasets, and the device certificates HQ issued as the unit CA. The SQL
stays inside what
SQLite 3.35+ and PostgreSQL share (text ids, INTEGER, ``INSERT … ON CONFLICT``, no
AUTOINCREMENT, no BLOB columns: bytes are hex or canonical JSON text), so issue 16 can run the
same statements on PostgreSQL. Durability: ``synchronous=FULL``, so a committed receipt
survives a power cut, and short ``BEGIN IMMEDIATE`` transactions with a busy timeout, so the
admin CLI can write while the server runs.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["SCHEMA_VERSION", "Database", "open_database"]

SCHEMA_VERSION = 6

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
]


class Database:
    """A connection with explicit transactions (autocommit outside `transaction`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so it never deadlocks."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def one(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        return list(self.conn.execute(sql, params).fetchall())

    def meta(self, key: str) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    def close(self) -> None:
        self.conn.close()


def open_database(path: Path) -> Database:
    """Open (creating and migrating as needed) the database at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # HQ's database and its WAL are HQ's alone (records' entries, receipts, devices): created
    # 0600 like the keys, whatever the umask of whoever starts HQ.
    old_umask = os.umask(0o077)
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                               timeout=10.0)
        conn.execute("PRAGMA journal_mode=WAL")  # creates the -wal and -shm files now
    finally:
        os.umask(old_umask)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=10000")
    db = Database(conn)
    with db.transaction():
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = db.one("SELECT version FROM schema_version")
        version = 0 if row is None else int(row["version"])
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"the HQ database is of schema {version}; this HQ reads up to "
                               f"{SCHEMA_VERSION}: upgrade HQ")
        for script in _MIGRATIONS[version:]:
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
        if row is None:
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        else:
            conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))
    return db
