"""Open the SQLCipher store in one place: key, check, pragmas, migrations, error mapping.

Everything that touches the database file goes through `open_database`, so the key is set
before anything else, the durability and security pragmas are never forgotten, and the
schema is always current. SQLCipher errors are turned into `UserError`s with messages an
officer can act on (a damaged file, a full disk), never a traceback.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
from collections.abc import Iterator
from gettext import gettext as _
from importlib import resources
from pathlib import Path
from typing import Any

import sqlcipher3

from desktop.domain.errors import RuleViolation, UserError
from desktop.store.files import fsync_directory

Connection = Any  # sqlcipher3 ships no type information; this alias documents intent.

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class StoreDamaged(UserError):
    """The file fails SQLCipher's page authentication or is not a store at all."""


class StoreFull(UserError):
    """The disk is full; the transaction was rolled back and nothing saved was lost."""


class StoreBusy(UserError):
    """Another program holds the store."""


def damaged_message() -> str:
    return _(
        "The store file is damaged or has been altered (it fails its integrity check). "
        "Nothing further was written. Restore it from a backup or contact HQ."
    )


# "vtable constructor failed": FTS5 could not read its own pages (issue 11: a flipped byte in
# the index's config page ended in a traceback).
_DAMAGE_SIGNS = ("malformed", "not a database", "corrupt", "hmac", "encrypted",
                 "vtable constructor failed")


def translate_error(exc: Exception) -> UserError | None:
    """Map a SQLCipher exception to the UserError an officer should see; None for a bug."""
    text = str(exc)
    if isinstance(exc, sqlcipher3.IntegrityError) and "immutable:" in text:
        return RuleViolation(
            _("The record is signed or append-only and cannot be changed ({detail}).").format(
                detail=text.split("immutable:", 1)[1].strip()
            )
        )
    if "disk is full" in text or "database or disk is full" in text:
        return StoreFull(_("The disk is full. Nothing was saved; free some space and try again."))
    if "readonly" in text or "read-only" in text:
        return StoreDamaged(_(
            "The store cannot be written: the file is read-only or damaged. Nothing further "
            "was written."))
    if "locked" in text or "busy" in text:
        return StoreBusy(_("The store is in use by another program. Close it and try again."))
    if any(sign in text.lower() for sign in _DAMAGE_SIGNS):
        return StoreDamaged(damaged_message())
    return None


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Run database work, turning SQLCipher failures into UserErrors."""
    try:
        yield
    except sqlcipher3.DatabaseError as exc:
        translated = translate_error(exc)
        if translated is None:
            raise
        raise translated from exc


def _migrations() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files("desktop.store.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [number for number, _name, _sql in found]
    if numbers != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 0001.. without gaps: {numbers}")
    return found


SCHEMA_VERSION = len(_migrations())


def migrate(conn: Connection) -> int:
    """Apply pending numbered migrations, each in its own transaction; return the version."""
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if current > SCHEMA_VERSION:
        raise UserError(
            _("The store was written by a newer version of Statement Room; please update.")
        )
    for number, _name, sql in _migrations():
        if number <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            # executescript would commit our transaction first; run statement by statement.
            for statement in _split_sql(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number:d}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return SCHEMA_VERSION


def _split_sql(script: str) -> list[str]:
    """Split a migration into complete statements (trigger bodies contain semicolons)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if not buffer and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buffer += line
        if sqlcipher3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise RuntimeError("incomplete SQL statement at the end of a migration")
    return statements


# The page HMAC of stores created since issue 13. SQLCipher 4's default, HMAC_SHA512, hashes
# twice the state per page for no gain in a 256-bit-keyed page MAC (decision 7); stores created
# before keep it and are opened with it (LEGACY_HMAC), never rewritten.
PAGE_HMAC = "HMAC_SHA256"
LEGACY_HMAC = "HMAC_SHA512"
# The page size of stores created since issue 13: an autosave writes five pages, each
# encrypted and MACed whole, and 2 KiB pages cost about a third less per save than 4 KiB
# (decision 7). Stores created before keep 4 KiB.
PAGE_SIZE = 2048
LEGACY_PAGE_SIZE = 4096
# Every format a store may have, newest first: (page HMAC, page size).
_FORMATS = ((PAGE_HMAC, PAGE_SIZE), (PAGE_HMAC, LEGACY_PAGE_SIZE), (LEGACY_HMAC, LEGACY_PAGE_SIZE))


def _keyed_connection(path: Path, data_key: bytes) -> Connection:
    """A connection to `path` keyed with `data_key`, with the page HMAC and size the file was
    made with.

    SQLCipher's file has no header saying which HMAC or page size it uses: the first page is
    read with each of `_FORMATS` in turn (the newest first; stores created before issue 13
    have 4 KiB pages, the oldest also HMAC_SHA512). A file that fails them all is damaged. A
    new file (empty) gets the newest.
    """
    failure: sqlcipher3.DatabaseError | None = None
    for hmac, page_size in _FORMATS:
        conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
        try:
            # The key must be the first statement. Only hex from bytes.hex() goes in here.
            conn.execute(f"PRAGMA key = \"x'{data_key.hex()}'\"")
            # Off by measurement and threat (decision 7): it cost 5-10x CPU per save, 20-58x
            # on bulk writes, and guards only against a reader of this process's memory, who
            # can read the key itself.
            conn.execute("PRAGMA cipher_memory_security = OFF")
            # SQLCipher logs HMAC failures to stderr by default; we report them ourselves.
            conn.execute("PRAGMA cipher_log_level = NONE")
            # Files SQLCipher creates from this connection (VACUUM INTO, ATTACH) take the
            # process default, not this connection's setting: new files get PAGE_HMAC too,
            # and this file's page size, which VACUUM INTO keeps.
            conn.execute(f"PRAGMA cipher_default_hmac_algorithm = {PAGE_HMAC}")
            conn.execute(f"PRAGMA cipher_default_page_size = {page_size:d}")
            conn.execute(f"PRAGMA cipher_hmac_algorithm = {hmac}")
            conn.execute(f"PRAGMA cipher_page_size = {page_size:d}")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlcipher3.DatabaseError as exc:
            conn.close()
            failure = exc
            if "not a database" not in str(exc):
                break  # busy, full, read-only: not a question of the HMAC
        except BaseException:
            conn.close()
            raise
    assert failure is not None  # the loop returns a connection or records why it could not
    translated = translate_error(failure)
    if translated is None:
        raise failure
    raise translated from failure


def open_database(path: Path, data_key: bytes, *, create: bool = False,
                  read_only: bool = False) -> Connection:
    """Open (or create) the encrypted store at `path` with the raw 256-bit data key.

    `read_only` opens the session's second connection, for reads that must not wait behind
    a writer (WAL lets them see the last commit meanwhile): the same key and security
    pragmas, `query_only` on, and no migrations (the writing connection applied them).
    """
    if len(data_key) != 32:
        raise ValueError("the data key must be 32 bytes")
    if not create and not path.exists():
        raise UserError(_("No store was found at {path}.").format(path=path))
    if create and not path.exists():
        # Create the file owner-only before SQLite does; its WAL and SHM inherit the mode.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    conn = _keyed_connection(path, data_key)
    try:
        with guarded():
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreBusy(_("The store could not switch to write-ahead logging."))
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("PRAGMA cache_size = -32768")
            # Sorts and temporary tables would otherwise be able to spill decrypted rows to
            # temp files; keep them in memory.
            conn.execute("PRAGMA temp_store = MEMORY")
            if read_only:
                conn.execute("PRAGMA query_only = ON")
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
                if version != SCHEMA_VERSION:
                    raise RuntimeError(f"the store is at schema {version}, not "
                                       f"{SCHEMA_VERSION}: open it for writing first")
            else:
                snapshot_before_upgrade(conn, path, data_key)
                migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


# A program upgrade's migrations run on the officer's only copy of the statements: the
# store as it was is kept beside it first, so an upgrade that fails (or a program that must
# be rolled back) never costs what was saved. The vault is not copied: migrations never touch
# it, and its blobs are content-named and never rewritten.
UPGRADE_BACKUPS = "upgrade-backups"
KEEP_UPGRADE_BACKUPS = 3


def snapshot_before_upgrade(conn: Connection, path: Path, data_key: bytes) -> Path | None:
    """Copy the store to `upgrade-backups/` beside it when migrations are pending; return the
    copy (None when the schema is current or the store is new).

    The copy is SQLCipher's `VACUUM INTO` from the open connection, so it is encrypted with
    the store's own key and never exists in clear; it is made owner-only before SQLite writes
    it, read back with the key before the migrations may start, and only the newest
    `KEEP_UPGRADE_BACKUPS` copies are kept. A full disk or an unreadable copy stops the
    login with the store untouched at its old schema.
    """
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if current == 0 or current >= SCHEMA_VERSION:
        return None
    folder = path.parent / UPGRADE_BACKUPS
    target = folder / f"{path.stem}-schema{current:04d}-{_utc_stamp()}.db"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise UserError(_("This version of Statement Room must update the store, and copies it "
                          "first to {folder}, which cannot be written ({reason}). The store was "
                          "not changed.").format(folder=folder, reason=exc.strerror or exc)
                        ) from exc
    try:
        conn.execute("VACUUM INTO ?", (str(target),))
        copy = _keyed_connection(target, data_key)
        try:
            copied = int(copy.execute("PRAGMA user_version").fetchone()[0])
            problems = [str(r[0]) for r in copy.execute("PRAGMA quick_check").fetchall()]
        finally:
            copy.close()
        if copied != current or problems != ["ok"]:
            raise StoreDamaged(_("The copy of the store taken before the upgrade could not be "
                                 "read back; the store was not upgraded. Contact HQ."))
        with target.open("rb") as written:
            os.fsync(written.fileno())
        fsync_directory(folder)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    for old in sorted(folder.glob(f"{path.stem}-schema*.db"))[:-KEEP_UPGRADE_BACKUPS]:
        old.unlink(missing_ok=True)
    return target


def _utc_stamp() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def integrity_problems(conn: Connection) -> list[str]:
    """Run SQLCipher's page HMAC check and SQLite's integrity check; empty means clean."""
    problems: list[str] = []
    with guarded():
        for (row,) in conn.execute("PRAGMA cipher_integrity_check").fetchall():
            problems.append(str(row))
        result = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
    if result != ["ok"]:
        problems.extend(result)
    return problems
