"""A program upgrade keeps the officer's store: before its migrations run, the store as it was
is copied (encrypted with its own key) to `upgrade-backups/` beside it, and a copy that cannot
be written stops the login with nothing changed."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from desktop.domain.errors import UserError
from desktop.store.connection import (
    KEEP_UPGRADE_BACKUPS,
    SCHEMA_VERSION,
    UPGRADE_BACKUPS,
    _keyed_connection,
)
from desktop.store.store import unlock
from tests.conftest import PASSWORD, FakeClock, World
from tests.store.test_audit_tiles import undo_migrations_after

OLD_SCHEMA = SCHEMA_VERSION - 1


def as_older_program_left_it(world: World) -> bytes:
    """Step the world's store back one schema (what the previous release wrote), close it and
    return its data key."""
    store = world.store
    key = store._data_key
    store.conn.execute("BEGIN")
    undo_migrations_after(store.conn, OLD_SCHEMA)
    store.conn.execute("COMMIT")
    store.close()
    return key


def snapshots(world: World) -> list[Path]:
    folder = world.paths.workdir / UPGRADE_BACKUPS
    return sorted(folder.glob("store-schema*.db")) if folder.is_dir() else []


def statement_ids(conn: object) -> list[str]:
    return [str(r[0]) for r in conn.execute("SELECT id FROM statements")]  # type: ignore[attr-defined]


def test_an_upgrade_copies_the_store_before_migrating_and_keeps_every_statement(
        world: World, clock: FakeClock) -> None:
    key = as_older_program_left_it(world)

    store = unlock(world.paths, "TEST0001", PASSWORD, clock=clock)

    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert statement_ids(store.conn) == [world.statement.id]
    [copy] = snapshots(world)
    assert copy.name.startswith(f"store-schema{OLD_SCHEMA:04d}-")
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert b"SQLite format 3" not in copy.read_bytes()[:4096]  # encrypted, never in clear
    old = _keyed_connection(copy, key)
    try:
        # The store exactly as the previous release left it: its schema and its statements.
        assert old.execute("PRAGMA user_version").fetchone()[0] == OLD_SCHEMA
        assert statement_ids(old) == [world.statement.id]
    finally:
        old.close()
    store.close()

    # A login with nothing to migrate copies nothing.
    unlock(world.paths, "TEST0001", PASSWORD, clock=clock).close()
    assert snapshots(world) == [copy]


def test_only_the_newest_copies_are_kept(world: World, clock: FakeClock) -> None:
    as_older_program_left_it(world)
    for _upgrade in range(KEEP_UPGRADE_BACKUPS + 2):
        store = unlock(world.paths, "TEST0001", PASSWORD, clock=clock)
        store.conn.execute("BEGIN")
        undo_migrations_after(store.conn, OLD_SCHEMA)
        store.conn.execute("COMMIT")
        store.close()
    assert len(snapshots(world)) == KEEP_UPGRADE_BACKUPS


def test_a_copy_that_cannot_be_written_stops_the_upgrade_and_changes_nothing(
        world: World, clock: FakeClock) -> None:
    key = as_older_program_left_it(world)
    (world.paths.workdir / UPGRADE_BACKUPS).write_bytes(b"")  # a file where the folder goes

    with pytest.raises(UserError, match=r"copies it first to .*cannot be written.*not changed"):
        unlock(world.paths, "TEST0001", PASSWORD, clock=clock)

    conn = _keyed_connection(world.paths.database, key)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == OLD_SCHEMA
        assert statement_ids(conn) == [world.statement.id]
    finally:
        conn.close()
