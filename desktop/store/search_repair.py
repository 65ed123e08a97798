"""Repairing a damaged search index: rebuilt into a fresh copy of the store, from the records.

A page of the index that fails SQLCipher's page MAC cannot be freed or overwritten in place,
so the repair copies the store, unlinks the index from the copy's schema, writes a clean file
with `VACUUM INTO` and indexes it anew (`search.rebuild_index`); only then does the new file
replace the store. `Store.repair_search_index` runs it, with the store closed elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from gettext import gettext as _
from pathlib import Path

from desktop.store.connection import (
    StoreBusy,
    StoreDamaged,
    guarded,
    integrity_problems,
    open_database,
)
from desktop.store.files import fsync_directory
from desktop.store.search import FTS_SHADOW_TABLES, REBUILD_COMMAND, rebuild_index


def repair_index(database: Path, data_key: bytes) -> int:
    """Rebuild a damaged index from the records, leaving its damaged pages behind; return
    the number of documents indexed.

    SQLite cannot free or overwrite a page that fails SQLCipher's HMAC (dropping a table reads
    every page of it, VACUUM reads each page it rewrites), and a connection that read such a
    page refuses all further work. So, holding the store exclusively: copy the file; in the
    copy, unlink the index's tables from the schema without touching their pages; `VACUUM
    INTO` a new file, which copies only the pages still reachable (the records, never the
    damaged ones); create and fill the index there from the records; check the new file page
    by page; and only then rename it over the store. The store is not written before that
    rename, so a failure or a crash on the way leaves it as it was.

    No other connection may be open on the store: `StoreBusy` if one is.
    """
    work = f".{database.name}.rebuild-{secrets.token_hex(6)}"
    copy, fresh = database.with_name(f"{work}.copy"), database.with_name(f"{work}.new")
    leftovers = [copy, fresh, *(Path(f"{copy}{s}") for s in ("-wal", "-shm", "-journal")),
                 *(Path(f"{fresh}{s}") for s in ("-wal", "-shm", "-journal"))]
    conn = open_database(database, data_key)
    try:
        with guarded():
            conn.execute("PRAGMA locking_mode = EXCLUSIVE")
            conn.execute("PRAGMA busy_timeout = 0")
        try:
            with guarded():
                conn.execute("BEGIN EXCLUSIVE")
                conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        except StoreBusy as exc:
            raise StoreBusy(_(
                "The store is open in another window or command. Close it and run "
                "{command} again.").format(command=REBUILD_COMMAND)) from exc
        with guarded():
            row = conn.execute("SELECT sql FROM sqlite_schema WHERE name = 'search_fts'"
                               ).fetchone()
            conn.execute("COMMIT")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        create_sql = str(row[0]) if row else _fts_sql()
        os.close(os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        with database.open("rb") as src, copy.open("wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
        _drop_index_from_schema(copy, data_key)
        os.close(os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        vacuum = open_database(copy, data_key)
        try:
            with guarded():
                vacuum.execute("VACUUM INTO ?", (str(fresh),))
        finally:
            vacuum.close()
        rebuilt = open_database(fresh, data_key)
        try:
            with guarded():
                rebuilt.execute("BEGIN IMMEDIATE")
                rebuilt.execute(create_sql)
                count = rebuild_index(rebuilt)
                rebuilt.execute("COMMIT")
            problems = integrity_problems(rebuilt)
        finally:
            rebuilt.close()
        if problems:  # the damage was not (only) in the index
            raise StoreDamaged(_(
                "The search index was not the only damaged part of the store, so it was not "
                "rebuilt. Restore the store from a backup or contact HQ."))
    except BaseException:
        conn.close()
        for path in leftovers:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        raise
    conn.close()  # the last connection: checkpoints and removes the WAL
    wal = Path(f"{database}-wal")
    if wal.exists() and wal.stat().st_size:
        for path in leftovers:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        raise StoreBusy(_("The store was opened by another window or command during the "
                          "rebuild. Close it and run {command} again.").format(
                              command=REBUILD_COMMAND))
    os.replace(fresh, database)
    for path in (*leftovers, Path(f"{database}-shm")):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    fsync_directory(database.parent)
    return count


def _drop_index_from_schema(path: Path, data_key: bytes) -> None:
    """Unlink the index's tables from the schema of the copy at `path`, reading none of
    their pages (they stay behind, unreachable, and `VACUUM INTO` leaves them out)."""
    conn = open_database(path, data_key)
    try:
        with guarded():
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("PRAGMA writable_schema = ON")
            names = ("search_fts", *FTS_SHADOW_TABLES)
            conn.execute("DELETE FROM sqlite_schema WHERE name IN (?, ?, ?, ?, ?, ?)", names)
            conn.execute("PRAGMA writable_schema = OFF")
            conn.execute("COMMIT")
    finally:
        conn.close()


def _fts_sql() -> str:
    """The index's definition as migration 0002 creates it (if a schema lost it)."""
    from importlib import resources

    text = resources.files("desktop.store.migrations").joinpath("0002_search.sql").read_text(
        encoding="utf-8")
    start = text.index("CREATE VIRTUAL TABLE search_fts")
    return text[start: text.index(";", start)]
