"""Issue 11 §6: one flipped byte in a page of the full-text index.

SQLCipher fails that page's HMAC only when it is read: the search failed with a message that
said the whole store was damaged, and the connection then refused every further statement
(SQLCipher keeps the pager in its error state), so the next save or the logout ended in a
traceback (MemoryError at COMMIT). Now the search says the index is damaged and what to do,
the session goes on working, and `statement-room maintenance rebuild-search` rebuilds the
index from the records (dropping the damaged pages: they cannot be rewritten in place).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.domain.model import Action
from desktop.services import records
from desktop.services.search import search_statements
from desktop.store.connection import integrity_problems
from desktop.store.search import SearchIndexDamaged
from desktop.store.store import StorePaths, unlock
from tests.conftest import PASSWORD, World

ROOT = Path(__file__).resolve().parents[2]
FTS_TABLES = ("search_fts_data", "search_fts_idx", "search_fts_docsize", "search_fts_config")


def _damage(world: World, table: str) -> None:
    """Close the store and flip one byte in the middle of `table`'s root page."""
    conn = world.store.conn
    root = int(conn.execute("SELECT rootpage FROM sqlite_schema WHERE name = ?",
                            (table,)).fetchone()[0])
    page_size = int(conn.execute("PRAGMA cipher_page_size").fetchone()[0])
    world.store.close()
    raw = bytearray(world.paths.database.read_bytes())
    raw[(root - 1) * page_size + page_size // 2] ^= 0x04
    world.paths.database.write_bytes(bytes(raw))


def _login(world: World) -> None:
    world.store = unlock(StorePaths(world.paths.workdir), world.admin.certificate_no, PASSWORD,
                         clock=world.store.clock)


@pytest.mark.parametrize("table", FTS_TABLES)
def test_damaged_index_page_gives_a_clear_message_and_the_session_goes_on(
    world: World, table: str
) -> None:
    assert search_statements(world.store, "人行道")
    _damage(world, table)
    _login(world)
    with pytest.raises(SearchIndexDamaged) as raised:
        search_statements(world.store, "人行道")
    message = raised.value.message
    assert "search index" in message and "rebuild-search" in message
    # The rest of the store still works in this session (reads, audited writes that index
    # nothing), and the logout is clean.
    assert world.case.id in {c.case.id for c in records.case_summaries(world.store)}
    with world.store.transaction() as tx:
        tx.audit(Action.SEARCH, None, characters=0, hits=0)
    world.store.close()


def test_rebuild_search_command_repairs_a_damaged_index(world: World) -> None:
    before = search_statements(world.store, "人行道")
    _damage(world, "search_fts_data")
    env = {**os.environ, "STATEMENT_ROOM_PASSWORD": PASSWORD,
           "STATEMENT_ROOM_OFFICER": world.admin.certificate_no, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-m", "desktop", "maintenance", "rebuild-search",
                           "--workdir", str(world.paths.workdir)], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    _login(world)
    after = search_statements(world.store, "人行道")
    assert [h.statement_id for h in after] == [h.statement_id for h in before]
    assert integrity_problems(world.store.conn) == []  # the damaged page is gone
    actions = [str(r[0]) for r in world.store.conn.execute("SELECT action FROM audit_log")]
    assert "search.rebuilt" in actions  # audited
    world.store.close()


def test_rebuild_on_a_healthy_store_changes_no_results(world: World) -> None:
    from desktop.services.maintenance import rebuild_search

    before = search_statements(world.store, "人行道")
    result = rebuild_search(world.store)
    assert result.documents > 0 and not result.repaired
    assert search_statements(world.store, "人行道") == before


def test_repair_refuses_while_another_window_has_the_store_open(world: World) -> None:
    from desktop.store.connection import StoreBusy
    from desktop.store.search_repair import repair_index

    before = world.paths.database.read_bytes()
    other_window = world.store  # still open
    with pytest.raises(StoreBusy, match="another window"):
        repair_index(world.paths.database, other_window._data_key)
    assert not [p for p in world.paths.workdir.iterdir() if ".rebuild-" in p.name]
    assert search_statements(other_window, "人行道")  # untouched and still working
    assert world.paths.database.read_bytes()[:4096] == before[:4096]
