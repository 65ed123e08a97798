"""The law library's index in a real SQLCipher store (migrations applied): for any substring
of any article, of any length, it lists exactly the articles a plain scan finds, in the
ranking order (statutes named by the query, then level, library order, article order)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.store import law_index
from desktop.store.connection import Connection, open_database
from legal.library.model import Library
from tests.legal.laws import shipped_library

LIBRARY = shipped_library()
TEXTS = [a.text for _s, a in LIBRARY.articles()]


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Connection]:
    path = Path(tmp_path_factory.mktemp("laws")) / "store.db"
    connection = open_database(path, bytes(range(32)), create=True)
    connection.execute("BEGIN IMMEDIATE")
    law_index.rebuild(connection, 1, "sha", LIBRARY.to_bytes(), datetime.now(UTC))
    connection.execute("COMMIT")
    yield connection
    connection.close()


def expected(library: Library, query: str) -> list[tuple[str, str]]:
    order = sorted(range(len(library.statutes)),
                   key=lambda i: (law_index.LEVEL_RANK[library.statutes[i].level], i))
    ranked = [(library.statutes[i], a) for i in order for a in library.statutes[i].articles]
    named = [(s.id, a.label) for s, a in ranked if query in s.title or query in s.short_title]
    titled = {statute for statute, _label in named}
    return named + [(s.id, a.label) for s, a in ranked
                    if s.id not in titled and query in a.text]


SUBSTRINGS = st.tuples(st.sampled_from(TEXTS), st.integers(0, 10_000), st.integers(1, 8)).map(
    lambda t: t[0][t[1] % len(t[0]):t[1] % len(t[0]) + t[2]]).filter(
    lambda q: q.strip() == q and q != "")


@settings(max_examples=60, deadline=None)
@given(query=SUBSTRINGS)
def test_any_substring_finds_exactly_what_a_scan_finds_in_ranking_order(
        conn: Connection, query: str) -> None:
    hits = law_index.search(conn, query, limit=100_000)
    assert [(h.statute_id, h.label) for h in hits] == expected(LIBRARY, query)
    assert all(h.dataset_version == 1 for h in hits)


def test_the_limit_keeps_the_best(conn: Connection) -> None:
    for query in ("罚", "法", "条例", "第"):
        hits = law_index.search(conn, query, limit=30)
        assert [(h.statute_id, h.label) for h in hits] == expected(LIBRARY, query)[:30]


def test_state_and_one_article(conn: Connection) -> None:
    state = law_index.state(conn)
    assert state is not None and (state.version, state.statutes, state.problem) == (1, 19, None)
    found = law_index.article(conn, "行政处罚法@2021-01-22", 33)
    assert found is not None and found.text.startswith("第三十三条 违法行为轻微")
    assert law_index.article(conn, "行政处罚法@2021-01-22", 87) is None
