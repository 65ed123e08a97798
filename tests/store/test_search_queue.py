"""Autosave marks turns stale; the index catches up before every search, even after a crash."""

from __future__ import annotations

import pytest

from desktop.domain.model import TurnKind
from desktop.services import interview
from desktop.services import search as search_service
from desktop.services.search import search_statements
from desktop.store import audit, search
from desktop.store.store import unlock
from tests.conftest import PASSWORD, FakeClock, World


def found(world: World, query: str) -> list[str]:
    return [hit.statement_id for hit in search_statements(world.store, query)]


def queued(world: World) -> int:
    return int(world.store.conn.execute("SELECT count(*) FROM search_queue").fetchone()[0])


def test_latest_autosaved_text_is_found_and_replaced_text_is_not(world: World) -> None:
    opening = queued(world)  # the template's turns, not yet indexed
    turn = interview.add_turn(world.store, world.statement.id, TurnKind.ANSWER, "我在银行")
    interview.save_turn(world.store, turn.id, "我在银行门口")
    interview.save_turn(world.store, turn.id, "我在药店门口停车")
    assert queued(world) == opening + 1  # one entry per turn, however many saves
    assert found(world, "药店门口") == [world.statement.id]
    assert found(world, "银行") == []
    assert queued(world) == 0
    interview.save_turn(world.store, turn.id, "我在银行门口停车")
    assert found(world, "银行门口") == [world.statement.id]
    assert found(world, "药店") == []


def test_a_stale_index_is_never_searched(world: World) -> None:
    interview.add_turn(world.store, world.statement.id, TurnKind.ANSWER, "新回答")
    with pytest.raises(RuntimeError, match="refresh"):
        search.search(world.store.conn, "新回答")


def test_marks_survive_a_crash_before_the_index_caught_up(
    world: World, clock: FakeClock
) -> None:
    turn = interview.add_turn(world.store, world.statement.id, TurnKind.ANSWER, "")
    interview.save_turn(world.store, turn.id, "当事人称电动自行车停在盲道上")
    world.store.conn.close()  # the process dies: no logout, no refresh
    store = unlock(world.paths, "TEST0001", PASSWORD, clock=clock)
    try:
        hits = search_statements(store, "盲道")
        assert [h.statement_id for h in hits] == [world.statement.id]
        assert hits[0].snippet[hits[0].spans[0][0]:hits[0].spans[0][1]] == "盲道"
    finally:
        store.close()


def test_session_end_brings_the_index_up_to_date(world: World, clock: FakeClock) -> None:
    turn = interview.add_turn(world.store, world.statement.id, TurnKind.ANSWER, "甲")
    interview.save_turn(world.store, turn.id, "甲乙丙")
    world.store.close()
    store = unlock(world.paths, "TEST0001", PASSWORD, clock=clock)
    try:
        assert store.conn.execute("SELECT count(*) FROM search_queue").fetchone()[0] == 0
        assert search.search(store.conn, "乙丙")[0].statement_id == world.statement.id
    finally:
        store.close()


def test_rebuild_gives_the_same_answers_as_incremental_indexing(world: World) -> None:
    turn = interview.add_turn(world.store, world.statement.id, TurnKind.ANSWER, "第一稿")
    interview.save_turn(world.store, turn.id, "第二稿：车停在人行道")
    before = {q: found(world, q) for q in ("人行道", "第一稿", "第二稿", "回避")}
    with world.store.transaction() as tx:
        search.rebuild_index(tx.conn)
    interview.save_turn(world.store, turn.id, "第三稿：车停在人行道上")  # indexed incrementally
    after = {q: found(world, q) for q in ("人行道", "第一稿", "第二稿", "回避")}
    assert before == {"人行道": [world.statement.id], "第一稿": [], "第二稿": [world.statement.id],
                      "回避": [world.statement.id]}
    assert after == {**before, "第二稿": []}
    check = world.store.conn.execute(
        "INSERT INTO search_fts (search_fts, rank) VALUES ('integrity-check', 0)")
    assert check.fetchall() == []


def test_idle_catch_up_indexes_what_was_just_saved(world: World) -> None:
    turn = interview.add_turn(world.store, world.statement.id, TurnKind.ANSWER, "")
    interview.save_turn(world.store, turn.id, "当事人")
    interview.save_turn(world.store, turn.id, "当事人在消防通道堆放纸箱")
    assert search_service.catch_up(world.store) >= 1
    assert queued(world) == 0
    # Fresh without a refresh of its own: the search alone finds the latest text.
    hits = search.search(world.store.conn, "消防通道")
    assert [hit.statement_id for hit in hits] == [world.statement.id]
    assert found(world, "消防通道") == [world.statement.id]


def test_idle_catch_up_with_nothing_stale_writes_nothing(world: World) -> None:
    search_service.catch_up(world.store)
    size = audit.size(world.store.conn)
    changes = world.store.conn.total_changes
    assert search_service.catch_up(world.store) == 0
    assert world.store.conn.total_changes == changes
    assert audit.size(world.store.conn) == size
