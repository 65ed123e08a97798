"""Benchmark the law library's search and citation lookup against a plain scan (issue 17).

Builds a library of N articles (30,000 by default): the real article texts of resources/laws
(read by `legal.library.markdown`, as HQ imports them) recombined, in a fixed shuffle, under
synthetic statutes named 合成法规N（synthetic）, every one marked synthetic, their levels
cycling through the six ranks. Only the labels change (each article is renumbered within its
synthetic statute); no word of text is made up. The library is held in a real SQLCipher store
(migrations applied by `open_database`) and indexed by `law_index.rebuild`, exactly what
accepting the ``laws`` dataset runs.

Timed, per query kind: `law_index.search(conn, q, 50)`, the 50 best articles with their
snippets, what the officer sees. Kinds: one character, two, four (substrings drawn from the
texts), a rare phrase (8 characters found in at most 1% of the articles) and a common phrase
(4 characters found in at least 10%). The anchor runs right after, on the same query: a
Python substring scan over every article text held in memory, in the same ranking order
(statutes named by the query first, then the texts), stopping at 50 hits and cutting the
same snippets. Every answer is checked against the anchor's (same articles, same order).

Citation lookup: `legal.library.citations.resolve(library, text)` on the decoded library
(what `desktop.services.law_library.cite` runs once the library is cached), against a linear
search of every article for the statute and number after the same parse.

The anchor holds the decoded library in memory (its decode time is reported, as is the RSS it
costs): that is the alternative the index in the store replaced (decision 0037).

Prints one JSON object on its last line: p50/p95 wall per kind for both, the anchor/search
p95 ratios, build and decode times, store size. Exits 1 (after printing) when any answer
differs from the anchor's (`"correct": false`), as discretion_bench does.

    python3 benchmarks/law_search_bench.py [--articles N] [--smoke]
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlcipher3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

from desktop.store import law_index
from desktop.store.connection import open_database
from desktop.store.search import fold, make_snippet
from legal.library.citations import Citation, format, parse, resolve
from legal.library.markdown import read_library
from legal.library.model import Article, Level, Library, Statute
from legal.library.numerals import to_chinese

SEED = 20261207
KEY = bytes(range(32))  # synthetic data only; the key protects nothing here
LAWS = Path(__file__).resolve().parent.parent / "resources" / "laws"
LIMIT = 50
ARTICLES_PER_STATUTE = 120
KINDS = ("one", "two", "four", "rare", "common")


def shipped() -> Library:
    files = {p.name: p.read_bytes() for p in sorted(LAWS.glob("*.md")) if p.name != "SOURCE.md"}
    return read_library(files, edition="shipped", compiled="2026-12-07",
                        collection="LawRefBook/Laws", snapshot="2f4c5c2 (2025-04-19)")


def synthetic_library(articles: int, rng: random.Random) -> Library:
    """``articles`` real texts under synthetic statutes (marked synthetic everywhere)."""
    source = shipped()
    pool = [(s, a) for s, a in source.articles()]
    template = source.statutes[0]
    levels = list(Level)
    statutes: list[Statute] = []
    made = 0
    while made < articles:
        index = len(statutes) + 1
        count = min(ARTICLES_PER_STATUTE, articles - made)
        picked = [rng.choice(pool)[1] for _ in range(count)]
        renumbered = []
        for number, article in enumerate(picked, 1):
            label = f"第{to_chinese(number)}条"
            first = label + article.paragraphs[0].removeprefix(article.label)
            renumbered.append(Article(number=number, label=label,
                                      paragraphs=(first, *article.paragraphs[1:]),
                                      chapter=article.chapter))
        title = f"合成法规{index}（synthetic）"
        statutes.append(replace(
            template, id=f"合成法规{index}@2026-01-01", title=title,
            short_title=f"合成法规{index}", level=levels[index % len(levels)],
            version_date="2026-01-01", effective_date=None, history=("synthetic",),
            articles=tuple(renumbered), synthetic=True))
        made += count
    return Library(edition="benchmark (synthetic)", compiled="2026-12-07",
                   statutes=tuple(statutes))


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return (time.perf_counter() - start) * 1000, result


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return max(values)
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def ranked(library: Library) -> list[tuple[Statute, Article]]:
    """Every article in the index's ranking order: level, library order, article order."""
    order = sorted(range(len(library.statutes)),
                   key=lambda i: (law_index.LEVEL_RANK[library.statutes[i].level], i))
    return [(library.statutes[i], a) for i in order for a in library.statutes[i].articles]


def scan(articles: list[tuple[Statute, Article]], texts: list[str], query: str
         ) -> list[tuple[str, str, str]]:
    """The anchor: statutes named by the query first, then a substring scan of the texts in
    ranking order, stopping at LIMIT; snippets cut for the hits."""
    needle = fold(query)
    named = {s.id for s, _a in articles if needle in fold(s.title) or needle in fold(s.short_title)}
    hits: list[tuple[str, str, str]] = []
    for statute, article in articles:
        if statute.id in named:
            hits.append((statute.id, article.label, make_snippet(article.text, query)[0]))
            if len(hits) == LIMIT:
                return hits
    for (statute, article), text in zip(articles, texts, strict=True):
        if statute.id not in named and needle in text:
            hits.append((statute.id, article.label, make_snippet(article.text, query)[0]))
            if len(hits) == LIMIT:
                break
    return hits


def pick_queries(texts: list[str], rng: random.Random, per_kind: int) -> dict[str, list[str]]:
    def substring(length: int) -> str:
        while True:
            text = rng.choice(texts)
            if len(text) > length + 8:
                start = rng.randrange(6, len(text) - length)  # past the label
                candidate = text[start:start + length]
                if candidate.strip() == candidate and "\n" not in candidate:
                    return candidate

    def frequency(query: str) -> int:
        return sum(1 for text in texts if query in text)

    queries: dict[str, list[str]] = {"one": [substring(1) for _ in range(per_kind)],
                                     "two": [substring(2) for _ in range(per_kind)],
                                     "four": [substring(4) for _ in range(per_kind)],
                                     "rare": [], "common": []}
    while len(queries["rare"]) < per_kind:
        candidate = substring(8)
        if frequency(candidate) <= max(1, len(texts) // 100):
            queries["rare"].append(candidate)
    tries = 0
    while len(queries["common"]) < per_kind:
        candidate = substring(4)
        tries += 1
        if frequency(candidate) >= len(texts) // 10 or tries > 2000:
            queries["common"].append(candidate)
    return queries


def measure_search(conn: Any, library: Library, queries: dict[str, list[str]]
                   ) -> tuple[dict[str, Any], int]:
    articles = ranked(library)
    texts = [fold(a.text) for _s, a in articles]
    results: dict[str, Any] = {}
    mismatches = 0
    for kind in KINDS:
        searched, scanned = [], []
        for query in queries[kind]:
            wall, hits = timed(functools.partial(law_index.search, conn, query, LIMIT))
            searched.append(wall)
            wall, anchor = timed(functools.partial(scan, articles, texts, query))
            scanned.append(wall)
            mismatches += [(h.statute_id, h.label, h.snippet) for h in hits] != anchor
        results[kind] = {
            "queries": len(queries[kind]),
            "search_p50_ms": round(statistics.median(searched), 3),
            "search_p95_ms": round(p95(searched), 3),
            "scan_p50_ms": round(statistics.median(scanned), 3),
            "scan_p95_ms": round(p95(scanned), 3),
            "ratio_p95": round(p95(scanned) / max(p95(searched), 1e-6), 2)}
    return results, mismatches


def measure_citations(library: Library, rng: random.Random, count: int) -> dict[str, Any]:
    citations = []
    for _ in range(count):
        statute = rng.choice(library.statutes)
        article = rng.choice(statute.articles)
        citations.append(format(Citation(statute.short_title, article.number)))

    def linear(text: str) -> Article | None:
        [cited] = parse(text)
        for statute, article in library.articles():
            if statute.short_title == cited.statute and article.number == cited.article:
                return article
        return None

    resolved, scanned = [], []
    wrong = 0
    for text in citations:
        wall, found = timed(functools.partial(resolve, library, text))
        resolved.append(wall)
        wall, anchor = timed(functools.partial(linear, text))
        scanned.append(wall)
        wrong += found.article is not anchor
    return {"lookups": count, "resolve_p50_ms": round(statistics.median(resolved), 4),
            "resolve_p95_ms": round(p95(resolved), 4),
            "scan_p50_ms": round(statistics.median(scanned), 3),
            "scan_p95_ms": round(p95(scanned), 3),
            "ratio_p95": round(p95(scanned) / max(p95(resolved), 1e-6), 1),
            "mismatches": wrong}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=30_000)
    parser.add_argument("--smoke", action="store_true", help="3,000 articles, quick check")
    parser.add_argument("--queries", type=int, default=40, help="queries per kind")
    args = parser.parse_args()
    articles = 3_000 if args.smoke else args.articles
    per_kind = 5 if args.smoke else args.queries
    rng = random.Random(SEED)
    report: dict[str, Any] = {"benchmark": "law_search", "sqlite": sqlcipher3.sqlite_version}
    library = synthetic_library(articles, rng)
    data = library.to_bytes()
    report.update(articles=sum(len(s.articles) for s in library.statutes),
                  statutes=len(library.statutes), dataset_mib=round(len(data) / 2**20, 1))
    decode_ms, library = timed(lambda: Library.from_bytes(data))
    report["decode_ms"] = round(decode_ms, 1)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "bench.db"
        conn = open_database(path, KEY, create=True)
        conn.execute("BEGIN IMMEDIATE")
        wall, state = timed(lambda: law_index.rebuild(conn, 1, "bench", data,
                                                      datetime.now(UTC)))
        conn.execute("COMMIT")
        if state.problem is not None or state.articles != report["articles"]:
            raise SystemExit(f"the index did not take the library: {state}")
        report["index_seconds"] = round(wall / 1000, 2)
        report["db_mib"] = round(path.stat().st_size / 2**20, 1)
        queries = pick_queries([fold(a.text) for _s, a in library.articles()], rng, per_kind)
        law_index.search(conn, queries["two"][0], LIMIT)  # first use: schema, statements
        report["search"], report["result_mismatches"] = measure_search(conn, library, queries)
        conn.close()
    report["citations"] = measure_citations(library, rng, per_kind * 10)
    report.update(
        limit=LIMIT,
        timed="law_index.search(q, 50) with snippets; citations.resolve on the decoded library",
        anchor="Python substring scan over the decoded texts in ranking order, stopping at 50, "
               "same snippets; a linear search for the cited article",
        correct=report["result_mismatches"] == 0 and report["citations"]["mismatches"] == 0)
    if articles < 30_000:
        report["note"] = "smoke size: the comparison is meant for 30,000 articles"
    if not report["correct"]:
        report["error"] = "the index and the anchor disagree"
    print(json.dumps(report, ensure_ascii=False))
    if not report["correct"]:
        # A wrong answer is a failure, not a figure: CI's smoke run must go red on it.
        sys.exit(1)


if __name__ == "__main__":
    main()
