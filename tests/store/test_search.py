"""Chinese full-text search: exact substring sets against a brute-force scan, and details.

A real SQLCipher store is filled with synthetic statements (fixed seed, realistic
enforcement Q&A with punctuation, plate numbers and party names), indexed through
`set_document`, and every query's statement set is compared with Python's `in` over the
current turn texts, party names and causes.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.store import search as search_module
from desktop.store.connection import open_database
from desktop.store.search import highlight, search, set_document

NOW = "2024-06-11T09:00:00+08:00"

ROADS = ["解放路", "人民大道", "中山北路", "建设街", "文化路", "滨江大道"]
SPOTS = ["小区东门", "菜市场入口", "地铁站出口", "学校门口", "公交站旁"]
SHOPS = ["饭店", "火锅店", "烧烤店", "面馆", "便利店"]
CAUSES = ["机动车在人行道违法停放", "未按规定分类投放生活垃圾", "擅自设置店招",
          "占道经营", "餐饮油烟未经净化直接排放"]
NAMES = ["王某某", "李某", "张晓明", "刘芳", "陈建国", "Smith约翰", "赵 敏"]


def plate(rng: random.Random) -> str:
    return rng.choice("浙沪苏") + rng.choice("ABGK") + str(rng.randint(10000, 99999))


def turn_text(rng: random.Random) -> str:
    road, spot, shop = rng.choice(ROADS), rng.choice(SPOTS), rng.choice(SHOPS)
    choices = [
        f"问：{rng.randint(1, 12)}月{rng.randint(1, 28)}日，车辆{plate(rng)}停在{road}人行道上？",
        f"答：是的，我把车停在{road}{spot}的人行道上，停了大约{rng.randint(5, 60)}分钟。",
        f"答：我们{shop}的垃圾没有分类，厨余垃圾和其他垃圾混在一起了。",
        f"答：{shop}门口的店招是去年装的，没有办理审批手续。",
        f"答：我在{road}{spot}摆摊卖水果，占道经营了{rng.randint(2, 9)}天。",
        f"答：{shop}的油烟净化器坏了，油烟直接排到{road}上了。",
        "问：以上笔录你看一下，是否属实？\n答：属实。",
        "问：你对上述违法事实有什么异议？答：没有异议！",
    ]
    return rng.choice(choices)


@dataclass
class Store:
    """The open store plus the ground truth that the brute-force scan runs over."""

    conn: Any
    officers: list[str]
    turns: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (statement, text)
    parties: dict[str, str] = field(default_factory=dict)  # id -> name
    causes: dict[str, str] = field(default_factory=dict)  # case id -> cause
    interviewee: dict[str, str] = field(default_factory=dict)  # statement -> party
    case_of: dict[str, str] = field(default_factory=dict)  # statement -> case
    revisions: dict[str, int] = field(default_factory=dict)

    def add_party(self, name: str) -> str:
        party = str(uuid.uuid4())
        self.conn.execute(
            "INSERT INTO parties VALUES (?, 'resident_id', '330100199001010000', ?, 'unknown',"
            " '汉族', NULL, '某市某区', '公安局', NULL, NULL, '13800000000', '个体', 'manual', ?)",
            (party, name, NOW),
        )
        set_document(self.conn, "party", party, None, name)
        self.parties[party] = name
        return party

    def add_case(self, cause: str) -> str:
        case = str(uuid.uuid4())
        self.conn.execute(
            "INSERT INTO cases VALUES (?, ?, ?, '', '某路', 'open', ?, ?)",
            (case, f"综执〔2024〕{case[:8]}号", cause, NOW, self.officers[0]),
        )
        set_document(self.conn, "cause", case, None, cause)
        self.causes[case] = cause
        return case

    def add_statement(self, case: str, party: str, texts: list[str]) -> str:
        statement = str(uuid.uuid4())
        self.conn.execute(
            "INSERT INTO statements (id, case_id, kind, place, started_at, interviewer1_id,"
            " interviewer2_id, recorder_id, interviewee_id, state, created_at)"
            " VALUES (?, ?, 'inquiry', '询问室', ?, ?, ?, ?, ?, 'draft', ?)",
            (statement, case, NOW, *self.officers[:3], party, NOW),
        )
        self.interviewee[statement] = party
        self.case_of[statement] = case
        for seq, text in enumerate(texts, 1):
            turn = str(uuid.uuid4())
            self.conn.execute(
                "INSERT INTO turns VALUES (?, ?, ?, 'answer', NULL, ?)", (turn, statement, seq, NOW)
            )
            self.turns[turn] = (statement, "")
            self.revisions[turn] = 0
            self.save_turn(turn, text)
        return statement

    def save_turn(self, turn: str, text: str) -> None:
        """Autosave: a new revision and a re-index inside one transaction."""
        statement, old = self.turns[turn]
        self.revisions[turn] += 1
        self.conn.execute(
            "INSERT INTO turn_revisions VALUES (?, ?, ?, ?, ?)",
            (turn, self.revisions[turn], text, NOW, self.officers[2]),
        )
        set_document(self.conn, "turn", turn, old if self.revisions[turn] > 1 else None, text)
        self.turns[turn] = (statement, text)

    def expected(self, query: str) -> set[str]:
        """Statements containing `query` (ASCII case-insensitively), by brute force."""
        needle = query.strip().lower()
        if not needle:
            return set()
        found = {s for s, text in self.turns.values() if needle in text.lower()}
        found |= {s for s, p in self.interviewee.items() if needle in self.parties[p].lower()}
        found |= {s for s, c in self.case_of.items() if needle in self.causes[c].lower()}
        return found

    def corpus(self) -> list[str]:
        turns = [text for _statement, text in self.turns.values()]
        return [*turns, *self.parties.values(), *self.causes.values()]


def found(store: Store, query: str) -> set[str]:
    hits = search(store.conn, query, limit=100_000)
    ids = [hit.statement_id for hit in hits]
    assert len(ids) == len(set(ids)), "one hit per statement"
    return set(ids)


def new_store(path: Path) -> Store:
    conn = open_database(path, os.urandom(32), create=True)
    officers = [str(uuid.uuid4()) for _ in range(3)]
    conn.execute("BEGIN")
    for number, officer in enumerate(officers):
        conn.execute(
            "INSERT INTO officers (id, name, certificate_no, unit, role, created_at)"
            " VALUES (?, ?, ?, '综合行政执法大队', 'officer', ?)",
            (officer, f"执法员{number}", f"ZF{number:05d}", NOW),
        )
    conn.execute("COMMIT")
    return Store(conn, officers)


def fill(store: Store, rng: random.Random, cases: int) -> None:
    store.conn.execute("BEGIN")
    for _ in range(cases):
        party = store.add_party(rng.choice(NAMES))
        case = store.add_case(rng.choice(CAUSES))
        for _statement in range(rng.randint(1, 2)):
            texts = [turn_text(rng) for _ in range(rng.randint(2, 5))]
            store.add_statement(case, party, texts)
    store.conn.execute("COMMIT")


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = new_store(tmp_path_factory.mktemp("search") / "store.db")
    fill(store, random.Random(7), cases=60)
    yield store
    store.conn.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    fresh = new_store(tmp_path / "store.db")
    yield fresh
    fresh.conn.close()


def drawn_queries(store: Store, length: int, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = [t for t in store.corpus() if len(t) >= length]
    queries = []
    for _ in range(count):
        text = rng.choice(texts)
        start = rng.randrange(len(text) - length + 1)
        queries.append(text[start : start + length])
    return queries


@pytest.mark.parametrize("length", [1, 2, 5])
def test_drawn_queries_match_brute_force(corpus_store: Store, length: int) -> None:
    for query in drawn_queries(corpus_store, length, 40, seed=length):
        assert found(corpus_store, query) == corpus_store.expected(query), query


@pytest.mark.parametrize(
    "query", ["罚", "闯红灯", "违停罚款单", "人行道下", "垃圾分类处", "笔录。", "？答", "Q", "浙Z"]
)
def test_absent_and_rare_queries_match_brute_force(corpus_store: Store, query: str) -> None:
    assert found(corpus_store, query) == corpus_store.expected(query)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_queries_match_brute_force(corpus_store: Store, data: st.DataObject) -> None:
    texts = corpus_store.corpus()
    if data.draw(st.booleans()):
        text = data.draw(st.sampled_from(texts))
        start = data.draw(st.integers(0, len(text) - 1))
        end = data.draw(st.integers(start + 1, min(len(text), start + 8)))
        query = text[start:end]
    else:
        # Corpus characters plus FTS5 query syntax, which must never be interpreted.
        alphabet = [*sorted(set("".join(texts))), '"', "*", "(", "^", "-", ":", "x"]
        query = data.draw(st.text(st.sampled_from(alphabet), min_size=1, max_size=4))
    assert found(corpus_store, query) == corpus_store.expected(query)


def test_chunked_ranking_keeps_exact_sets(
    corpus_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tiny chunks push common queries down the frequent-query path without a huge store.
    monkeypatch.setattr(search_module, "CHUNK_DOCS", 8)
    for query in ["答", "人行道", "：", "垃圾", *drawn_queries(corpus_store, 2, 20, seed=9)]:
        assert found(corpus_store, query) == corpus_store.expected(query), query
        top = search(corpus_store.conn, query, limit=5)
        assert len(top) == min(5, len(corpus_store.expected(query)))
        assert {hit.statement_id for hit in top} <= corpus_store.expected(query)


def test_frequent_queries_list_newest_documents_first(
    corpus_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "CHUNK_DOCS", 8)
    hits = search(corpus_store.conn, "答", limit=3)
    assert [hit.score for hit in hits] == [0.0, 0.0, 0.0]
    newest = corpus_store.conn.execute(
        "SELECT d.ref_id FROM search_fts AS f JOIN search_docs AS d ON d.rowid = -f.rowid"
        " WHERE search_fts MATCH '\"答\"' ORDER BY d.rowid DESC LIMIT 1"
    ).fetchone()[0]
    assert hits[0].ref_id == newest


def test_rare_query_hits_are_ranked_by_score(corpus_store: Store) -> None:
    hits = search(corpus_store.conn, "店招", limit=1000)
    assert hits
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)


def fts5_ranking(conn: Any, query: str) -> list[tuple[str, float]]:
    """FTS5's own bm25() order of the matching documents (best first, ties newest)."""
    phrase = search_module.match_expression(query)
    rows = conn.execute(
        "SELECT d.ref_id, bm25(search_fts), f.rowid FROM search_fts AS f"
        " JOIN search_docs AS d ON d.rowid = -f.rowid WHERE search_fts MATCH ?", (phrase,)
    ).fetchall()
    rows.sort(key=lambda row: (row[1], row[2]))
    return [(ref_id, -rank) for ref_id, rank, _rowid in rows]


def test_scores_computed_from_texts_are_fts5_bm25(corpus_store: Store) -> None:
    # Rare queries are ranked from the documents' texts, without bm25()'s two extra passes
    # over the phrase: same documents, same order, same scores as bm25().
    queries = ["店招", "火锅店", "浙", "Smith", "赵 敏",
               *drawn_queries(corpus_store, 5, 15, seed=4)]
    for query in queries:
        expected = fts5_ranking(corpus_store.conn, query)
        assert 0 < len(expected) <= search_module.TEXT_RANKED_DOCS, query
        ranked = list(search_module._ranked(
            corpus_store.conn, search_module.match_expression(query) or "", query,
            [int(row[0]) for row in corpus_store.conn.execute(
                "SELECT -rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid",
                (search_module.match_expression(query),))], by_text=True))
        assert [(ref_id, score) for _source, ref_id, _statement, score in ranked] == expected


def test_documents_indexed_in_the_searching_transaction_are_counted(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The catch-up runs in the search's transaction; FTS5 holds that transaction's totals
    # in memory, and the scores computed from the texts must use them.
    monkeypatch.setattr(search_module, "TEXT_RANK_MS_PER_DOC", 0.0)  # always from the texts
    fill(store, random.Random(5), cases=5)
    store.conn.execute("BEGIN")
    party, case = store.add_party("欧阳某"), store.add_case("露天焚烧垃圾")
    statement = store.add_statement(case, party, ["答：我在建设街焚烧树叶，焚烧了两次。"])
    hits = search(store.conn, "焚烧树叶")
    expected = fts5_ranking(store.conn, "焚烧树叶")
    store.conn.execute("COMMIT")
    assert [(hit.statement_id, hit.score) for hit in hits] == [(statement, expected[0][1])]


def test_a_query_python_folds_differently_is_still_found_and_ranked(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "TEXT_RANK_MS_PER_DOC", 0.0)  # try the texts first
    # unicode61 folds the micro sign to the Greek mu; Python's lower() leaves it, so
    # counting occurrences in the text finds none: FTS5's bm25() ranks such a query instead.
    store.conn.execute("BEGIN")
    party, case = store.add_party("某甲"), store.add_case("占道经营")
    statement = store.add_statement(case, party, ["答：药瓶上写的是每片5µg。"])
    store.conn.execute("COMMIT")
    hits = search(store.conn, "5μg")
    assert [hit.statement_id for hit in hits] == [statement]
    assert hits[0].score == fts5_ranking(store.conn, "5μg")[0][1]


def test_many_matches_are_ranked_by_fts5(
    corpus_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "TEXT_RANK_MS_PER_DOC", 0.0)
    monkeypatch.setattr(search_module, "TEXT_RANKED_DOCS", 2)
    for query in ["店招", "火锅店", "垃圾"]:
        expected = fts5_ranking(corpus_store.conn, query)
        assert len(expected) > 2
        hits = search(corpus_store.conn, query, limit=1000)
        assert [hit.score for hit in hits] == sorted(
            {statement: score for statement, score in reversed(
                [(s, sc) for ref, sc in expected for s in statements_of(corpus_store, ref)])
             }.values(), reverse=True)


def statements_of(store: Store, ref_id: str) -> list[str]:
    if ref_id in store.turns:
        return [store.turns[ref_id][0]]
    if ref_id in store.parties:
        return [s for s, p in store.interviewee.items() if p == ref_id]
    return [s for s, c in store.case_of.items() if c == ref_id]


def test_empty_and_whitespace_queries_find_nothing(corpus_store: Store) -> None:
    for query in ["", " ", "\u3000", "\n\t "]:
        assert search(corpus_store.conn, query) == []
    assert search(corpus_store.conn, "答", limit=0) == []


def test_punctuation_is_part_of_the_text(store: Store) -> None:
    store.conn.execute("BEGIN")
    party, case = store.add_party("某甲"), store.add_case("占道经营")
    split = store.add_statement(case, party, ["这份笔。录已经核对"])
    whole = store.add_statement(case, party, ["这份笔录已经核对"])
    spaced = store.add_statement(case, party, ["笔 录", "line one\nline two"])
    store.conn.execute("COMMIT")
    assert found(store, "笔录") == {whole}
    assert found(store, "笔。录") == {split}
    assert found(store, "笔 录") == {spaced}
    assert found(store, "。") == {split}
    assert found(store, "one\nline") == {spaced}
    assert found(store, "oneline") == set()
    assert found(store, '"') == set()


def test_control_characters_and_unencodable_queries(store: Store) -> None:
    store.conn.execute("BEGIN")
    party, case = store.add_party("某丁"), store.add_case("占道经营")
    statement = store.add_statement(case, party, ["甲\x00乙", "丙\t丁"])
    store.conn.execute("COMMIT")
    assert found(store, "甲\x00乙") == {statement}
    assert found(store, "丙\t丁") == {statement}
    assert found(store, "甲乙") == set()
    assert found(store, "丙丁") == set()
    assert search(store.conn, "\ud800") == []


def test_plate_numbers_and_latin_case(store: Store) -> None:
    store.conn.execute("BEGIN")
    party, case = store.add_party("Smith约翰"), store.add_case("机动车在人行道违法停放")
    statement = store.add_statement(case, party, ["答：车牌号是浙G12345，白色轿车。"])
    store.conn.execute("COMMIT")
    for query in ["浙G12345", "G123", "g123", "12345", "345，白", "smith"]:
        assert found(store, query) == {statement}, query
    for query in ["G124", "浙G123456", "G 123"]:
        assert found(store, query) == set(), query


def test_reindexing_after_an_edit(store: Store) -> None:
    store.conn.execute("BEGIN")
    party, case = store.add_party("李某"), store.add_case("占道经营")
    statement = store.add_statement(case, party, ["答：我在解放路摆摊卖水果。"])
    store.conn.execute("COMMIT")
    turn = next(iter(store.turns))
    store.conn.execute("BEGIN")
    store.save_turn(turn, "答：我在建设街摆摊卖烧烤。")
    store.conn.execute("COMMIT")
    assert found(store, "解放路") == set()
    assert found(store, "水果") == set()
    assert found(store, "建设街") == {statement}
    # A cause corrected later: the caller passes the text it indexed before.
    store.conn.execute("BEGIN")
    store.conn.execute("UPDATE cases SET cause = '擅自设置店招' WHERE id = ?", (case,))
    set_document(store.conn, "cause", case, "占道经营", "擅自设置店招")
    store.conn.execute("COMMIT")
    assert found(store, "占道") == set()
    assert found(store, "店招") == {statement}
    store.conn.execute("INSERT INTO search_fts (search_fts) VALUES ('integrity-check')")


def test_rolled_back_index_change_leaves_old_text_findable(store: Store) -> None:
    store.conn.execute("BEGIN")
    party, case = store.add_party("王某"), store.add_case("占道经营")
    statement = store.add_statement(case, party, ["答：没有异议。"])
    store.conn.execute("COMMIT")
    turn = next(iter(store.turns))
    store.conn.execute("BEGIN")
    set_document(store.conn, "turn", turn, "答：没有异议。", "答：有异议。")
    store.conn.execute("ROLLBACK")
    assert found(store, "没有异议") == {statement}


def test_party_and_cause_hits_cover_their_statements(store: Store) -> None:
    store.conn.execute("BEGIN")
    party, other = store.add_party("欧阳娜娜"), store.add_party("钱某")
    case, other_case = store.add_case("露天焚烧垃圾"), store.add_case("占道经营")
    first = store.add_statement(case, party, ["答：知道了。"])
    second = store.add_statement(other_case, party, ["答：明白。"])
    third = store.add_statement(case, other, ["答：好的。"])
    store.conn.execute("COMMIT")
    assert found(store, "欧阳") == {first, second}
    assert found(store, "焚烧") == {first, third}
    hits = {hit.statement_id: hit for hit in search(store.conn, "焚烧")}
    assert hits[third].source == "cause"
    assert hits[third].snippet == "露天焚烧垃圾"
    assert hits[third].spans == ((2, 4),)


def test_snippet_contains_the_query_and_spans_point_at_it(corpus_store: Store) -> None:
    for query in drawn_queries(corpus_store, 3, 30, seed=11):
        for hit in search(corpus_store.conn, query, limit=50):
            assert hit.spans, (query, hit)
            for start, end in hit.spans:
                # Surrounding whitespace of a query is ignored by design.
                assert hit.snippet[start:end].lower() == query.strip().lower()
            assert len(hit.snippet) <= max(42, len(query) + 12)


def test_long_text_snippet_is_cut_with_ellipses(store: Store) -> None:
    text = "开头" + "甲乙丙丁" * 20 + "人行道违停" + "戊己庚辛" * 20 + "人行道违停结尾"
    store.conn.execute("BEGIN")
    party, case = store.add_party("某乙"), store.add_case("占道经营")
    store.add_statement(case, party, [text])
    store.conn.execute("COMMIT")
    (hit,) = search(store.conn, "人行道违停")
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert len(hit.snippet) == 42
    assert [hit.snippet[a:b] for a, b in hit.spans] == ["人行道违停"]
    assert "【人行道违停】" in highlight(hit.snippet, hit.spans)
    (tail,) = search(store.conn, "违停结尾")
    assert tail.snippet.startswith("…") and tail.snippet.endswith("违停结尾")


def test_highlight() -> None:
    marked = highlight("在人行道上停车，人行道", ((1, 4), (8, 11)))
    assert marked == "在【人行道】上停车，【人行道】"
    assert highlight("abc", ()) == "abc"
    assert highlight("啊啊啊", ((0, 2), (1, 3)), "<b>", "</b>") == "<b>啊啊啊</b>"
    assert highlight("啊啊啊啊", ((0, 2), (2, 4))) == "【啊啊】【啊啊】"


def test_set_document_checks_its_arguments(store: Store) -> None:
    with pytest.raises(ValueError, match="unknown search source"):
        set_document(store.conn, "address", "x", None, "某地")
    store.conn.execute("BEGIN")
    set_document(store.conn, "party", "p1", None, "某丙")
    with pytest.raises(ValueError, match="old_text"):
        set_document(store.conn, "party", "p1", None, "某丁")
    with pytest.raises(ValueError, match="old_text"):
        set_document(store.conn, "party", "p2", "某戊", "某己")
    store.conn.execute("ROLLBACK")


def test_rebuild_index_gives_the_same_answers(store: Store) -> None:
    fill(store, random.Random(3), cases=10)
    queries = ["人行道", "垃圾", "答", "。", "店招", "某"]
    before = {query: found(store, query) for query in queries}
    store.conn.execute("BEGIN")
    count = search_module.rebuild_index(store.conn)
    store.conn.execute("COMMIT")
    assert count == len(store.turns) + len(store.parties) + len(store.causes)
    assert {query: found(store, query) for query in queries} == before
