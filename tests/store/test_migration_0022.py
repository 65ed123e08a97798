"""Migration 0022 rebuilds evidence_items to accept recordings: a store from before it keeps
every record, index and trigger, and the undo gives back 0006's table exactly."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.store import evidence as records
from desktop.store.connection import SCHEMA_VERSION, migrate
from tests.store.old_schema import database_at
from tests.store.test_audit_tiles import undo_migrations_after


def schema(conn: Any) -> set[tuple[str, str, str]]:
    return {(str(r[0]), str(r[1]), str(r[2])) for r in conn.execute(
        "SELECT type, name, coalesce(sql, '') FROM sqlite_master WHERE tbl_name = ?",
        ("evidence_items",))}


def item_sql(item_id: str, source: str, case: str = "'case-1'") -> str:
    return (
        "INSERT INTO evidence_items (id, case_id, statement_id, sha256, size, kind, source,"
        " original_name, original_path, imported_at, imported_by, docking_id, device_path,"
        f" custody) VALUES ('{item_id}', {case}, NULL, '{'ab' * 32}', 42, 'video', '{source}',"
        " 'a.mp4', '/media/a.mp4', '2026-11-01T10:00:00+08:00', 'officer-1', NULL, NULL,"
        " '{\"gps\":[]}')")


def test_evidence_recorded_before_0022_survives_and_recordings_are_accepted() -> None:
    conn = database_at(21)
    before = schema(conn)
    conn.execute("INSERT INTO officers VALUES ('officer-1', '测试员', 'T1', '测试中队', 'admin',"
                 " '2026-11-01T09:00:00+08:00', NULL)")
    conn.execute("INSERT INTO cases VALUES ('case-1', '测试〔2026〕9号', '违停', '违停', '测试路',"
                 " 'open', '2026-11-01T09:00:00+08:00', 'officer-1')")
    conn.execute(item_sql("item-1", "folder"))
    conn.execute(item_sql("item-2", "folder", case="NULL").replace("'ab", "'cd"))
    with pytest.raises(Exception, match="CHECK constraint failed"):
        conn.execute(item_sql("item-3", "recorder").replace("'ab", "'ef"))

    assert migrate(conn) == SCHEMA_VERSION
    after = schema(conn)
    # The same indexes and triggers, the same table but for the one CHECK.
    assert {(t, n) for t, n, _s in after} == {(t, n) for t, n, _s in before}
    [(old_table,)] = [(s,) for t, _n, s in before if t == "table"]
    [(new_table,)] = [(s,) for t, _n, s in after if t == "table"]
    assert new_table == old_table.replace("('folder', 'bodycam')",
                                          "('folder', 'bodycam', 'recorder')")
    assert {(t, n, s) for t, n, s in after if t != "table"} == {
        (t, n, s) for t, n, s in before if t != "table"}
    item = records.get_item(conn, "item-1")
    assert (item.case_id, item.source, item.size, item.custody_details) == (
        "case-1", "folder", 42, {"gps": []})
    assert records.get_item(conn, "item-2").case_id is None
    conn.execute(item_sql("item-3", "recorder").replace("'ab", "'ef"))
    assert records.get_item(conn, "item-3").source == "recorder"
    # Still immutable, still filed once.
    with pytest.raises(Exception, match="immutable"):
        conn.execute("UPDATE evidence_items SET size = 1 WHERE id = 'item-1'")
    with pytest.raises(Exception, match="immutable"):
        conn.execute("DELETE FROM evidence_items WHERE id = 'item-2'")
    conn.execute("UPDATE evidence_items SET case_id = 'case-1' WHERE id = 'item-2'")
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []

    # The undo (what an older program's store holds) is 0006's table again, word for word.
    conn.execute("BEGIN")
    with pytest.raises(Exception, match="CHECK constraint failed"):
        undo_migrations_after(conn, 21)  # a recording's item cannot go back
    conn.execute("ROLLBACK")
    fresh = database_at(SCHEMA_VERSION)
    fresh.execute("BEGIN")
    undo_migrations_after(fresh, 21)
    fresh.execute("COMMIT")
    assert schema(fresh) == before
    assert {r[0] for r in fresh.execute("SELECT name FROM sqlite_master")} == {
        r[0] for r in database_at(21).execute("SELECT name FROM sqlite_master")}
