"""The law library on a real store: delivered as HQ's signed ``laws`` dataset, indexed in
the transaction that accepts it, searched for exact substrings of any length (checked
against a plain scan of the same articles), citations resolved and quoted from the held
version; nothing held, a library that cannot be read and a citation that does not resolve
are said in words; a version this program cannot read is set aside (audited, said) and the
officer keeps searching the last good one; a store that accepted a library before the index
existed gets it indexed at the next login."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace

import pytest

from desktop.domain.model import Action
from desktop.services import audit_trail, refdata
from desktop.services import law_library as laws
from desktop.store import audit, law_index
from desktop.store import refdata as refdata_repo
from desktop.store.store import unlock
from legal.library.model import Level, Library
from tests.conftest import PASSWORD, FakeClock, World
from tests.legal.laws import shipped_library
from tests.store.test_audit_tiles import undo_migrations_after
from tests.support.laws import send_laws

LIBRARY = shipped_library()
LEVEL_ORDER = list(law_index.LEVEL_RANK)


def plain_scan(library: Library, query: str) -> set[tuple[str, str]]:
    """Every (statute id, article label) whose text, or whose statute's title, contains
    ``query``: what search must find."""
    return {(s.id, a.label) for s, a in library.articles()
            if query in a.text or query in s.title or query in s.short_title}


def test_nothing_held_is_said_in_words(world: World) -> None:
    assert laws.held(world.store) is None and laws.library(world.store) is None
    for attempt in (lambda: laws.search(world.store, "罚款"),
                    lambda: laws.cite(world.store, "《行政处罚法》第三十三条"),
                    lambda: laws.quote(world.store, "《行政处罚法》第三十三条")):
        with pytest.raises(laws.LawLibraryError, match="No law library is held") as raised:
            attempt()
        assert raised.value.code == "no_library"


def test_an_accepted_library_is_searchable_at_once_and_finds_exactly_what_a_scan_finds(
        world: World) -> None:
    send_laws(world.store, LIBRARY)
    held = laws.held(world.store)
    assert held is not None
    assert (held.version, held.statutes, held.articles, held.synthetic, held.problem) == (
        1, 19, sum(len(s.articles) for s in LIBRARY.statutes), False, None)
    assert held.edition == LIBRARY.edition
    for query in ("罚", "停放", "不予行政处罚", "人行道", "违法建筑", "《", "处二百元以上"):
        hits = laws.search(world.store, query, limit=5000)
        assert {(h.statute_id, h.label) for h in hits} == plain_scan(LIBRARY, query), query
        titled = [h for h in hits if h.title_hit]
        assert hits[:len(titled)] == titled  # a statute named by the query comes first
        assert all(query in h.title for h in titled)
        for hit in hits[len(titled):]:
            start, end = hit.spans[0]
            assert hit.snippet[start:end] == query
        # Then ranked by the statute's level, then the library's order, then article order.
        ranks = [LEVEL_ORDER.index(Level(h.level)) for h in hits[len(titled):]]
        assert ranks == sorted(ranks)
    first = laws.search(world.store, "不予行政处罚", limit=3)
    assert [(h.short_title, h.label) for h in first] == [
        ("行政处罚法", "第三十条"), ("行政处罚法", "第三十一条"), ("行政处罚法", "第三十三条")]
    assert (first[0].version_date, first[0].status, first[0].level) == (
        "2021-01-22", "in_force", "law")
    assert first[0].library_version == 1
    assert len(laws.search(world.store, "条", limit=7)) == 7
    assert laws.search(world.store, "   ") == [] and laws.search(world.store, "无此词语组合") == []


def test_a_statutes_name_lists_that_statute_first_in_article_order(world: World) -> None:
    send_laws(world.store, LIBRARY)
    hits = laws.search(world.store, "行政处罚法", limit=200)
    penalty = [h for h in hits if h.title_hit]
    assert [h.number for h in penalty] == list(range(1, 87))
    assert hits[:86] == penalty and all(h.short_title == "行政处罚法" for h in penalty)
    # Then the articles of other statutes quoting it, found by their text.
    rest = hits[86:]
    assert rest and all("行政处罚法" in h.snippet and not h.title_hit for h in rest)
    local = laws.search(world.store, "嘉兴", limit=100)
    assert {h.short_title for h in local if h.title_hit} == {"嘉兴市养犬管理条例",
                                                             "嘉兴市餐饮业油烟管理办法"}


def test_citations_resolve_and_quote_the_held_version(world: World) -> None:
    send_laws(world.store, LIBRARY)
    cited = laws.cite(world.store, "依照《中华人民共和国行政处罚法》第三十三条第二款、"
                                   "第三十二条第（一）项的规定")
    assert [c.canonical for c in cited] == ["《行政处罚法》第三十三条第二款",
                                            "《行政处罚法》第三十二条第（一）项"]
    assert cited[0].text == ("当事人有证据足以证明没有主观过错的，不予行政处罚。"
                             "法律、行政法规另有规定的，从其规定。")
    assert cited[1].text == "（一）主动消除或者减轻违法行为危害后果的；"
    assert cited[0].statute.version_date == "2021-01-22" and cited[0].library_version == 1
    whole = laws.quote(world.store, "《行政处罚法》第三十三条")
    assert whole.startswith("第三十三条 违法行为轻微并及时改正") and whole.count("\n") == 2
    assert laws.library(world.store) is laws.library(world.store)  # decoded once


@pytest.mark.parametrize(("text", "code", "words"), [
    ("《治安管理处罚法》第二十三条", "unknown_statute",
     "The law library (laws version 1) holds no statute named 《治安管理处罚法》."),
    ("第三十三条", "unknown_statute", "The citation names no statute"),
    ("《行政处罚法》第八十七条", "no_article",
     "《行政处罚法》 has no 第八十七条 in the law library (laws version 1)."),
    ("《行政处罚法》第三十三条第四款", "no_paragraph",
     "第三十三条 of 《行政处罚法》 has 3 paragraphs; there is no paragraph 4."),
    ("《行政处罚法》第三十二条第（六）项", "no_item",
     "第三十二条 of 《行政处罚法》 has 5 items there; there is no item 6."),
    ("行政处罚法三十三", "unreadable", "「行政处罚法三十三」 is not a citation of one article"),
])
def test_a_citation_that_does_not_resolve_says_why(world: World, text: str, code: str,
                                                    words: str) -> None:
    send_laws(world.store, LIBRARY)
    with pytest.raises(laws.LawLibraryError) as raised:
        laws.cite(world.store, text)
    assert raised.value.code == code and words in raised.value.message


def refused_leaves(world: World) -> list[tuple[str, str, dict[str, object]]]:
    """The audit leaves of datasets set aside: (subject, outcome, details)."""
    return [(str(r.subject), r.outcome, json.loads(r.details))
            for r in audit.records(world.store.conn) if r.action == Action.REFDATA_REFUSED]


def test_a_newer_version_replaces_the_index_and_an_unreadable_one_is_set_aside(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    send_laws(world.store, LIBRARY)
    penalty = LIBRARY.statute("行政处罚法")
    assert penalty is not None
    synthetic = Library(edition="合成测试库（synthetic）", compiled="2026-12-07", statutes=(
        replace(penalty, id="合成测试法@2026-01-01", title="合成测试法（synthetic）",
                short_title="合成测试法", version_date="2026-01-01", synthetic=True),))
    send_laws(world.store, synthetic, version=2)
    held = laws.held(world.store)
    assert held is not None and (held.version, held.statutes, held.synthetic) == (2, 1, True)
    hits = laws.search(world.store, "不予行政处罚", limit=100)
    assert {h.short_title for h in hits} == {"合成测试法"} and all(h.synthetic for h in hits)
    assert laws.quote(world.store, "《合成测试法》第三十三条").startswith("第三十三条 违法行为轻微")
    with pytest.raises(laws.LawLibraryError, match="no statute named 《行政处罚法》"):
        laws.cite(world.store, "《行政处罚法》第三十三条")
    with world.store.reading() as conn:
        indexed_before = law_index.state(conn)

    # HQ, upgraded, publishes version 3 in a format this program cannot read: correctly
    # signed, the right hash, and set aside; the officer keeps searching version 2.
    newer_format = b'{"format": "sr-laws-99", "statutes": []}'
    update = send_laws(world.store, newer_format, version=3)
    said = ("Version 3 of 「laws」 from HQ cannot be read by this program (not a law library "
            "of format")
    assert update.updated == {} and update.unchanged == {"laws": 2}
    assert said in update.refused["laws"] and "version 2 stays in use" in update.refused["laws"]
    assert update.problem == update.refused["laws"]
    held = laws.held(world.store)
    assert held is not None and (held.version, held.statutes, held.problem) == (2, 1, None)
    hits = laws.search(world.store, "不予行政处罚", limit=100)
    assert {h.short_title for h in hits} == {"合成测试法"} and all(
        h.library_version == 2 for h in hits)
    assert laws.quote(world.store, "《合成测试法》第三十三条").startswith("第三十三条 违法行为轻微")
    with world.store.reading() as conn:
        assert law_index.state(conn) == indexed_before  # the index was not rebuilt
        assert refdata_repo.held_versions(conn) == {"laws": 2}
    shown = refdata.status(world.store, now_ms=3_500)
    assert shown.versions == {"laws": 2} and shown.refusal is not None and said in shown.refusal
    [(subject, outcome, details)] = refused_leaves(world)
    assert (subject, outcome, details["version"]) == ("laws", "denied", 3)
    assert details["sha256"] == hashlib.sha256(newer_format).hexdigest()
    assert str(details["problem"]).startswith("not a law library of format")

    # The next pull offers it again: the same program does not download it again (it could
    # only set it aside again), still says it, and audits it once.
    fetched: list[tuple[str, int]] = []
    again = send_laws(world.store, newer_format, version=3, fetched=fetched)
    assert fetched == []
    assert again.refused == update.refused and len(refused_leaves(world)) == 1
    assert laws.held(world.store) == held
    # An upgraded program fetches and tries it again (this one still cannot read it).
    monkeypatch.setattr(refdata, "program_version", lambda: "99.0")
    again = send_laws(world.store, newer_format, version=3, fetched=fetched)
    assert fetched == [("laws", 3)]
    assert again.refused == update.refused and len(refused_leaves(world)) == 1
    monkeypatch.undo()

    # A readable version 4 replaces version 2 as usual; the refusal no longer stands.
    update = send_laws(world.store, LIBRARY, version=4)
    assert update.updated == {"laws": 4} and update.refused == {} and update.problem is None
    held = laws.held(world.store)
    assert held is not None and (held.version, held.statutes, held.synthetic) == (4, 19, False)
    assert [h.label for h in laws.search(world.store, "不予行政处罚", limit=1)] == ["第三十条"]
    assert refdata.status(world.store, now_ms=4_500).refusal is None
    assert audit_trail.verify(world.store).ok


def test_an_unreadable_first_library_is_set_aside_and_none_is_held(world: World) -> None:
    update = send_laws(world.store, b"\xff not even text")
    assert update.updated == {} and update.unchanged == {}
    assert "Version 1 of 「laws」 from HQ cannot be read by this program" in update.refused["laws"]
    assert "none is held yet" in update.refused["laws"]
    assert laws.held(world.store) is None
    with pytest.raises(laws.LawLibraryError, match="No law library is held") as raised:
        laws.search(world.store, "罚")
    assert raised.value.code == "no_library"
    assert [(s, o) for s, o, _d in refused_leaves(world)] == [("laws", "denied")]


def test_an_unreadable_library_an_older_program_kept_is_said_in_words(world: World) -> None:
    # An older program wrote an unreadable version over the held one (the store write, as it
    # did, without the service's check): search says so instead of failing with a traceback.
    data = b'{"format": "something else"}'

    def kept_unchecked() -> None:
        with world.store.transaction() as tx:
            refdata_repo.accept_dataset(tx, "laws", 3, hashlib.sha256(data).hexdigest(), data)

    world.store.write(kept_unchecked)
    held = laws.held(world.store)
    assert held is not None and held.version == 3 and held.articles == 0
    assert held.problem is not None
    with pytest.raises(laws.LawLibraryError, match=re.escape(
            "The law library from HQ (laws version 3) cannot be read (not a law library")):
        laws.search(world.store, "罚")


def test_a_library_accepted_before_the_index_existed_is_indexed_at_the_next_login(
        world: World, clock: FakeClock) -> None:
    send_laws(world.store, LIBRARY)
    conn = world.store.conn
    conn.execute("BEGIN IMMEDIATE")
    undo_migrations_after(conn, 18)
    conn.execute("COMMIT")
    world.store.close()
    store = unlock(world.paths, "TEST0001", PASSWORD, clock=clock)
    try:
        held = laws.held(store)
        assert held is not None and held.version == 1 and held.articles > 1000
        assert [h.label for h in laws.search(store, "不予行政处罚", limit=1)] == ["第三十条"]
        with store.reading() as reading:
            assert not law_index.pending(reading)
    finally:
        store.close(sign=False)


def test_the_library_index_tokenizes_exactly_as_the_statements_index(world: World) -> None:
    schema = dict(world.store.conn.execute(
        "SELECT name, sql FROM sqlite_schema WHERE name IN ('search_fts', 'law_fts')"))

    def tokenizer(sql: str) -> str:
        return sql[sql.index("tokenize"):]

    assert tokenizer(schema["law_fts"]) == tokenizer(schema["search_fts"])
