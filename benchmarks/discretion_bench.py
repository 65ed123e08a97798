"""Benchmark what an officer waits for in the discretion panel: a matter search, and a full
evaluation, against a plain scan of the same data in the same run.

Data (fixed seed, all synthetic and marked so): a standard of 2,000 matters (names, codes,
keywords and fields from enforcement vocabulary; three tiers each, with conditions and ranges
inside the statutory range), and a law library of 30,000 articles: the real statute texts of
resources/laws (read by `legal.library.markdown`, so the engine's citations of the
Administrative Penalty Law resolve) plus synthetic statutes ("合成法规（基准测试用）…", marked
``synthetic``) up to 30,000 articles. Each matter cites two synthetic articles.

- Search: queries of 1, 2 and 3 characters cut from matter names and keywords, and codes.
  Timed: `MatterIndex.search(q, 20)`. Anchor: a linear scan of every matter's code, name,
  keywords and field for the query, ranked the same way, first 20. Every answer is checked:
  the same number of hits (min(20, all matches)), each one a match.
- Full evaluation: timed: `evaluate(standard, facts)` + `resolve(library, c)` for every
  citation the evaluation prints (its steps and bases) + `choose` of the proposed amount.
  Anchor: a linear search of the matter in the standard's list and of each cited article in
  the library (statute by title, then article by label), with the same evaluation and choice.
  Both must find the same matter and every article.

Prints one JSON object on its last line: p50/p95 (ms) of each, and the anchor/timed ratios of
the p95s.

    python3 benchmarks/discretion_bench.py [--smoke] [--matters N] [--articles N] [--rounds N]
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

from legal.discretion.engine import MatterIndex, choose, evaluate
from legal.discretion.evaluation import Evaluation, Facts, MatterHit, Outcome
from legal.discretion.model import (
    STATUTORY_CONDITIONS,
    FineRange,
    Matter,
    PartyType,
    Standard,
    Tier,
    TierLevel,
)
from legal.library.model import Article, Level, Library, Source, Status, Statute

SEED = 20261207
LAWS = Path(__file__).resolve().parent.parent / "resources" / "laws"
PLACES = ["人行道", "广场", "河道", "绿地", "公园", "小区", "街道两侧", "桥梁", "地下通道",
          "公共场地", "城市道路", "居民住宅楼", "商业街区", "菜市场", "学校周边"]
ACTS = ["擅自", "违规", "未经批准", "逾期不", "拒不", "违反规定", "未按规定", "随意"]
OBJECTS = ["停放机动车", "设置招牌", "堆放物料", "占道经营", "排放油烟", "露天烧烤", "饲养犬只",
           "搭建建筑物", "张贴广告", "倾倒垃圾", "晾晒衣物", "设摊兜售", "挖掘道路", "焚烧落叶",
           "遗撒渣土", "设置灯箱", "运输砂石", "清洗车辆"]
FIELDS = ["市容环境", "道路交通", "生活垃圾", "城乡规划", "大气污染防治", "养犬管理", "市政道路",
          "户外广告", "园林绿化", "建筑垃圾"]
KEYWORDS = ["违停", "乱停", "店招", "油烟", "烧烤", "遛狗", "违建", "占道", "渣土", "垃圾",
            "噪声", "广告", "摊贩", "堆物", "污水", "灯箱", "牵绳", "噪音"]
DIGITS = "零一二三四五六七八九"
CONDITIONS = {f"c-bench-{i}": w for i, w in enumerate(
    ["经指出后立即改正", "逾期不改正", "拒不改正", "一年内两次以上被查处", "造成投诉",
     "面积较大", "妨碍通行", "影响市容", "造成安全隐患"])}


def chinese(n: int) -> str:
    """1..9999 as statutes number articles: 十二, 二十, 一百零五."""
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return "十" + (DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return DIGITS[n // 10] + "十" + (DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        return DIGITS[n // 100] + "百" + ("" if rest == 0 else ("零" + DIGITS[rest]) if rest < 10
                                          else "一" + chinese(rest) if rest < 20 else chinese(rest))
    rest = n % 1000
    return DIGITS[n // 1000] + "千" + ("" if rest == 0 else ("零" + chinese(rest)) if rest < 100
                                       else chinese(rest))


def build_library(articles: int, rng: random.Random) -> Library:
    from legal.library.markdown import read_library

    files = {p.name: p.read_bytes() for p in sorted(LAWS.glob("*.md")) if p.name != "SOURCE.md"}
    real = read_library(files, edition="基准测试", compiled="2026-12-07",
                        collection="LawRefBook/Laws", snapshot="2f4c5c2 (2025-04-19)",
                        origin="flk.npc.gov.cn")
    statutes = list(real.statutes)
    count = sum(len(s.articles) for s in statutes)
    number = 0
    while count < articles:
        number += 1
        size = min(rng.randint(60, 140), articles - count)
        title = f"合成法规（基准测试用）第{number}号"
        statutes.append(Statute(
            id=f"{title}@2020-01-01", title=title, short_title=title, level=Level.LOCAL_RULE,
            version_date="2020-01-01", effective_date=None, status=Status.IN_FORCE,
            history=("合成（基准测试用，非真实法规）",), synthetic=True,
            source=Source(collection="synthetic", snapshot="bench", file=f"{title}.md",
                          sha256="0" * 64),
            articles=tuple(Article(number=n, label=f"第{chinese(n)}条", paragraphs=(
                f"第{chinese(n)}条 合成条文（基准测试用），违反本条规定的，责令改正。",
                "违反前款规定的，处合成幅度罚款。")) for n in range(1, size + 1))))
        count += size
    return Library(edition="基准测试（含合成法规）", compiled="2026-12-07",
                   statutes=tuple(statutes))


def build_standard(matters: int, library: Library, rng: random.Random) -> Standard:
    synthetic = [s for s in library.statutes if s.synthetic and len(s.articles) >= 2]
    built = []
    for i in range(matters):
        statute = rng.choice(synthetic)
        first, second = rng.sample(statute.articles, 2)
        low = rng.choice([20, 50, 100, 200, 500, 1000, 5000])
        high = low * rng.choice([5, 10, 20])
        third = (high - low) // 3
        ranges = [FineRange(low, low + third), FineRange(low + third, low + 2 * third),
                  FineRange(low + 2 * third, high)]
        own = rng.sample(sorted(CONDITIONS), 3)
        tiers = tuple(Tier(level=level, conditions=(code, rng.choice(sorted(
            STATUTORY_CONDITIONS))) if level is TierLevel.SERIOUS else (code,),
            condition_text=CONDITIONS[code], penalties=("警告", "罚款"),
            fines={PartyType.INDIVIDUAL: r, PartyType.UNIT: r}, source="合成（基准测试用）")
            for level, code, r in zip((TierLevel.MINOR, TierLevel.GENERAL, TierLevel.SERIOUS),
                                      own, ranges, strict=True))
        built.append(Matter(
            code=f"B{i:05d}", name=rng.choice(["在", ""]) + rng.choice(PLACES)
            + rng.choice(ACTS) + rng.choice(OBJECTS), field=rng.choice(FIELDS),
            violation_basis=(f"《{statute.title}》{first.label}",),
            penalty_basis=(f"《{statute.title}》{second.label}第二款",),
            statutory={PartyType.INDIVIDUAL: FineRange(low, high),
                       PartyType.UNIT: FineRange(low, high)},
            statutory_penalties=("警告", "罚款"), tiers=tiers,
            first_violation_exempt=rng.random() < 0.3, on_the_spot=rng.random() < 0.5,
            keywords=tuple(rng.sample(KEYWORDS, 2)), remarks="合成（基准测试用）"))
    return Standard(id="bench", title="合成裁量基准（基准测试用，非真实）",
                    version_date="2026-12-01", effective_date="2026-12-01", issuer="合成",
                    example=True,
                    conditions=CONDITIONS, matters=tuple(built),
                    hearing_thresholds={PartyType.INDIVIDUAL: 10_000, PartyType.UNIT: 100_000},
                    review_thresholds={PartyType.INDIVIDUAL: 5000, PartyType.UNIT: 50_000})


# -- the anchors: plain scans of the same data ----------------------------------------------

def scan_search(standard: Standard, query: str, limit: int) -> list[MatterHit]:
    """Every matter checked in turn, ranked as the index ranks (its scoring reused)."""
    index = _SCORER
    folded = query.casefold().strip()
    scored = []
    for position, matter in enumerate(standard.matters):
        if any(folded in t.casefold() for t in (matter.code, matter.name, matter.field,
                                                 *matter.keywords)):
            found = index._score(position, folded)
            if found is not None:
                score = found[0] + 1.0 / (1 + len(matter.name))
                scored.append((-score, len(matter.name), matter.code, position, found[1]))
    scored.sort()
    return [index._hit(p, -s, m) for s, _, _, p, m in scored[:limit]]


_SCORER: Any = None
_CITATION = re.compile(r"《(?P<title>[^》]+)》(?P<label>第[零一二三四五六七八九十百千]+条)")


def scan_article(library: Library, citation: str) -> Article:
    match = _CITATION.match(citation)
    assert match is not None, citation
    title, label = match.group("title"), match.group("label")
    for statute in library.statutes:
        names = (statute.title, statute.short_title, statute.title.removeprefix("中华人民共和国"))
        if title in names:
            for article in statute.articles:
                if article.label == label:
                    return article
    raise AssertionError(f"not found: {citation}")


def citations_of(evaluation: Evaluation) -> list[str]:
    return list(dict.fromkeys((*evaluation.violation_basis, *evaluation.penalty_basis,
                               *(c for s in evaluation.steps for c in s.citations))))


def decide(evaluation: Evaluation) -> None:
    if evaluation.outcome in (Outcome.NO_PENALTY, Outcome.TIME_BARRED):
        choose(evaluation, waive=True, amount=None, deviation=None)
    elif evaluation.proposed_amount is not None and not (
            evaluation.facts.on_the_spot and not evaluation.on_the_spot_allowed):
        choose(evaluation, waive=False, amount=evaluation.proposed_amount, deviation=None)


# -- measuring -------------------------------------------------------------------------------

def percentiles(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(ordered[len(ordered) // 2] * 1000, 4),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 4)}


CPU: dict[str, list[float]] = {}


def timed(fn: Callable[[], Any], cpu: str | None = None) -> tuple[float, Any]:
    """Wall time of ``fn()`` (and, under the key ``cpu``, this thread's CPU time: on a shared
    machine the wall clock also counts other processes' turns)."""
    start, start_cpu = time.perf_counter(), time.thread_time()
    result = fn()
    wall = time.perf_counter() - start
    if cpu is not None:
        CPU.setdefault(cpu, []).append(time.thread_time() - start_cpu)
    return wall, result


def pick_queries(standard: Standard, rng: random.Random, rounds: int) -> list[str]:
    queries = []
    for _ in range(rounds):
        matter = rng.choice(standard.matters)
        source = rng.choice([matter.name, matter.name, *matter.keywords])
        length = rng.choice([1, 2, 3])
        start = rng.randrange(max(1, len(source) - length + 1))
        queries.append(source[start:start + length])
        queries.append(matter.code if rng.random() < 0.2 else source[start:start + length])
    return queries


def main() -> None:
    global _SCORER
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="few rounds, a quick check")
    parser.add_argument("--matters", type=int, default=2000)
    parser.add_argument("--articles", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    from legal.library.citations import resolve

    rounds = 100 if args.smoke else args.rounds
    rng = random.Random(SEED)
    report: dict[str, Any] = {"benchmark": "discretion", "synthetic": True}
    build, library = timed(lambda: build_library(args.articles, rng))
    assert isinstance(library, Library)
    report["library_articles"] = sum(len(s.articles) for s in library.statutes)
    standard = build_standard(args.matters, library, rng)
    index_build, index = timed(lambda: MatterIndex(standard))
    _SCORER = index
    # The standard and the library live as long as the program: the collector's full passes
    # over them would land in whichever timing they happen to interrupt.
    gc.collect()
    gc.freeze()
    report.update(matters=len(standard.matters), build_library_s=round(build, 3),
                  build_index_ms=round(index_build * 1000, 2))

    search_t, scan_t, mismatches = [], [], 0
    index.search("停", 20), scan_search(standard, "停", 20)  # first use
    for query in pick_queries(standard, rng, rounds):
        t_index, hits = timed(functools.partial(index.search, query, 20), "search_index")
        t_scan, plain = timed(functools.partial(scan_search, standard, query, 20), "search_scan")
        search_t.append(t_index)
        scan_t.append(t_scan)
        if [h.code for h in hits] != [h.code for h in plain]:
            mismatches += 1
    report["search"] = {"index": percentiles(search_t), "scan": percentiles(scan_t)}

    eval_t: list[float] = []
    eval_scan_t: list[float] = []
    cited = eval_mismatches = 0
    statutory = sorted(STATUTORY_CONDITIONS)
    for _ in range(rounds):
        matter = rng.choice(standard.matters)
        ticked = {rng.choice(matter.tiers).conditions[0]} | set(
            rng.sample(statutory, rng.choice([0, 0, 1, 2])))
        facts = Facts(matter.code, rng.choice(list(PartyType)), frozenset(ticked),
                      violation_date="2025-01-10", discovered_date="2025-06-01",
                      on_the_spot=rng.random() < 0.3)

        def with_index(f: Facts = facts) -> Evaluation:
            evaluation = evaluate(standard, f)
            for citation in citations_of(evaluation):
                resolve(library, citation)
            decide(evaluation)
            return evaluation

        def with_scan(f: Facts = facts) -> Evaluation:
            found = next(m for m in standard.matters if m.code == f.matter_code)
            evaluation = evaluate(standard, f)
            assert evaluation.matter_row_hash == found.row_hash
            for citation in citations_of(evaluation):
                scan_article(library, citation)
            decide(evaluation)
            return evaluation

        if not eval_t:  # first use (imports, caches) is not what an officer waits for
            with_index()
            with_scan()
        t_index, first = timed(with_index, "evaluation_index")
        t_scan, second = timed(with_scan, "evaluation_scan")
        eval_t.append(t_index)
        eval_scan_t.append(t_scan)
        cited += len(citations_of(first))
        eval_mismatches += first != second
    report["evaluation"] = {"index": percentiles(eval_t), "scan": percentiles(eval_scan_t),
                            "citations_per_evaluation": round(cited / rounds, 1)}
    cpu = {name: percentiles(samples) for name, samples in CPU.items()}
    report["cpu"] = cpu
    report["ratios"] = {
        "search_cpu_p95_scan_over_index": round(cpu["search_scan"]["p95_ms"]
                                                / cpu["search_index"]["p95_ms"], 1),
        "evaluation_cpu_p95_scan_over_index": round(cpu["evaluation_scan"]["p95_ms"]
                                                    / cpu["evaluation_index"]["p95_ms"], 1),
        "search_p95_scan_over_index": round(report["search"]["scan"]["p95_ms"]
                                            / report["search"]["index"]["p95_ms"], 1),
        "evaluation_p95_scan_over_index": round(report["evaluation"]["scan"]["p95_ms"]
                                                / report["evaluation"]["index"]["p95_ms"], 1)}
    report.update(
        search_mismatches=mismatches, evaluation_mismatches=eval_mismatches, rounds=rounds,
        timed="search: MatterIndex.search(q, 20); evaluation: evaluate + resolve every "
              "citation of the evaluation + choose",
        anchor="search: linear scan of code, name, keywords, field, same ranking; evaluation: "
               "linear search of the matter and of each cited article, same evaluate + choose",
        note="synthetic standard and synthetic statutes (marked so) beside the real texts")
    if mismatches or eval_mismatches:
        report["error"] = "the timed path and the anchor disagree"
    print(json.dumps(report, ensure_ascii=False))
    if mismatches or eval_mismatches:
        sys.exit(1)


if __name__ == "__main__":
    main()
