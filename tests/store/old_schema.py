"""A database at an older schema version, for migration tests (migrations are plain SQL)."""

from __future__ import annotations

from typing import Any

import sqlcipher3

from desktop.store.connection import _migrations, _split_sql


def database_at(version: int) -> Any:
    """An unkeyed in-memory database with migrations 1..`version` applied, foreign keys on."""
    conn = sqlcipher3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    for number, _name, sql in _migrations():
        if number > version:
            break
        for statement in _split_sql(sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    return conn
