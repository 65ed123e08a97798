"""The store's two connections and its thread guard (issue 12 §1).

Reads go through a second, read-only WAL connection: it refuses to write, sees the last commit
while a writer holds its transaction open, and closes with the session. A thread registered as
forbidden (the GUI thread) cannot use the store at all: a programming error, raised at once.
"""

from __future__ import annotations

import threading

import pytest

from desktop.domain.errors import UserError
from desktop.store import cases
from desktop.store.threads import (
    StoreOnForbiddenThread,
    allow_thread,
    forbid_thread,
    forbidden_here,
)
from tests.conftest import World


def case_numbers(world: World) -> list[str]:
    with world.store.reading() as conn:
        return sorted(c.number for c in cases.list_cases(conn))


def marker(world: World) -> str | None:
    with world.store.reading() as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = 'lanes-test'").fetchone()
    return None if row is None else str(row[0])


def test_the_read_connection_refuses_to_write(world: World) -> None:
    with pytest.raises(UserError), world.store.reading() as conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('lanes-test', 'written')")
    assert marker(world) is None
    with world.store.reading() as conn:
        assert conn.execute("PRAGMA query_only").fetchone()[0] == 1
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA temp_store").fetchone()[0] == 2  # memory: no temp files


def test_a_read_does_not_wait_for_a_writer_holding_its_transaction(world: World) -> None:
    """A writer holds an uncommitted change; the read completes meanwhile and sees only
    what is committed (event-driven: the writer is released after the read returned)."""
    inside, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            with world.store.transaction() as tx:
                tx.conn.execute("INSERT INTO meta (key, value) VALUES ('lanes-test', 'new')")
                inside.set()
                release.wait()
        except BaseException as exc:  # reported by the test thread
            failures.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert inside.wait(60)
        assert marker(world) is None  # would block or fail if reads waited for the writer
        assert thread.is_alive() and not release.is_set()
    finally:
        release.set()
        thread.join()
    assert not failures
    assert marker(world) == "new"


def test_the_read_connection_closes_with_the_session(world: World) -> None:
    case_numbers(world)
    reader = world.store._read_conn
    assert reader is not None
    world.store.reconnect()  # a fresh session connection: the reader is replaced too
    assert world.store._read_conn is None
    case_numbers(world)
    reader = world.store._read_conn
    world.store.close()
    assert world.store._read_conn is None
    assert reader is not None
    with pytest.raises(Exception, match="closed"):
        reader.execute("SELECT 1")


def test_a_forbidden_thread_cannot_touch_the_store(world: World) -> None:
    store = world.store
    outcomes: dict[str, str] = {}

    def gui_thread() -> None:
        forbid_thread()
        try:
            for name, use in (("transaction", store.transaction), ("reading", store.reading)):
                try:
                    with use():
                        outcomes[name] = "used"
                except StoreOnForbiddenThread as exc:
                    outcomes[name] = str(exc)
            try:
                store.conn.execute("SELECT 1")
                outcomes["conn"] = "used"
            except StoreOnForbiddenThread as exc:
                outcomes["conn"] = str(exc)
        finally:
            allow_thread()

    thread = threading.Thread(target=gui_thread, name="gui")
    thread.start()
    thread.join()
    assert set(outcomes) == {"transaction", "reading", "conn"}
    for message in outcomes.values():
        assert "forbidden thread 'gui'" in message and "ctx.run" in message
    # Other threads are not affected, and the guard undoes itself.
    assert case_numbers(world)


def test_forbidden_here_guards_only_its_block() -> None:
    from desktop.store.threads import check_thread

    check_thread()
    with forbidden_here(), pytest.raises(StoreOnForbiddenThread):
        check_thread()
    check_thread()
