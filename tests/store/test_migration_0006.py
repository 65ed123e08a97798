"""Migration 0006 rebuilds evidence_items: a store from before it keeps every record."""

from __future__ import annotations

import pytest

from desktop.store import evidence as records
from desktop.store.connection import migrate
from tests.store.old_schema import database_at


def test_evidence_recorded_before_0006_survives_the_rebuild() -> None:
    # The migrations are plain SQL; an unkeyed in-memory database stops at version 5 here.
    conn = database_at(5)
    conn.execute("INSERT INTO officers VALUES ('officer-1', '测试员', 'T1', '测试中队', 'admin',"
                 " '2026-11-01T09:00:00+08:00')")
    conn.execute("INSERT INTO cases VALUES ('case-1', '测试〔2026〕9号', '违停', '违停', '测试路',"
                 " 'open', '2026-11-01T09:00:00+08:00', 'officer-1')")
    conn.execute(
        "INSERT INTO evidence_items (id, case_id, statement_id, sha256, sm3, size, kind,"
        " source, original_name, original_path, captured_at, imported_at, imported_by,"
        " device_serial, officer_number, marked) VALUES ('item-1', 'case-1', NULL, ?, NULL,"
        " 42, 'photo', 'folder', '现场照片.jpg', '/media/usb/现场照片.jpg', NULL,"
        " '2026-11-01T10:00:00+08:00', 'officer-1', NULL, NULL, 1)", ("ab" * 32,))

    assert migrate(conn) >= 6
    item = records.get_item(conn, "item-1")
    assert (item.case_id, item.original_name, item.size, item.marked) == (
        "case-1", "现场照片.jpg", 42, True)
    assert item.docking_id is None and item.custody_details == {}
    with pytest.raises(Exception, match="immutable"):
        conn.execute("UPDATE evidence_items SET case_id = 'case-2' WHERE id = 'item-1'")
    with pytest.raises(Exception, match="immutable"):
        conn.execute("DELETE FROM evidence_items WHERE id = 'item-1'")
    conn.close()
