"""How the officer's waits grow with the store: 10k, 100k and 1M audit events (issue 13).

For each scale, one real store (`create_store`, SQLCipher, the product's keys and a unit PKI)
holds N audit events and N/10 statements, and a 130-event statement signed by the team and
sealed, built the fast way but with the product's own code where it matters:

- the bulk statements (parties, cases, statements, turns, revisions: `search_bench.build`'s
  synthetic enforcement Q&A) are inserted with plain SQL in big transactions; then every row
  gets the leaf the product would have written for it (`party.recorded`, `case.created`,
  `statement.created`, `turn.saved` with the revision's SHA-256 and the record digest of
  decision 19), appended with `audit.append_many` (the real leaf, hash, frontier and tiles);
  the rest up to N are `login` events; the search index is built with `rebuild_index`;
- the statements and up to half of the events go in before the sealed statement is written,
  `login` events after, so its events sit in the middle of the log; the store is closed
  (signed head, anchor, high-water mark).

Then, on that store, each measured through the product's functions (wall and CPU):
login (`unlock`: Argon2id at the floor, which is constant, plus the continuity checks
against the anchor and the mark), autosave (`interview.save_turn` of a draft statement),
search (`search_statements`, index catch-up included), durable audit append (one event per
transaction), inclusion proof and consistency proof (checked with the RFC 9162 verifiers),
court package export (`export_package`, its proofs checked against its head), and, once, the
full `audit verify` (which reads every record, so linear by design; it must pass).

Growth is reported per 10x of the store: the ratio of medians between neighbouring scales
(wall and CPU) and the exponent b of t ~ N^b (0 flat, 1 linear); the label, from b over the
whole range: "flat" (b < 0.1), "log" (b < 0.3: log N grows 1.25x from 10k to 100k and 1.2x
from 100k to 1M), "sublinear" (b < 0.7) or "linear". The anchor of every ratio is the same
measure at the smaller scale, in the same run.

    python3 benchmarks/scale_bench.py [--smoke] [--scales 10000,100000,1000000] [--dir DIR]

`--smoke` runs 1k and 10k (CI, well under a minute). Prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import random
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

from benchmarks.common import fsync_p50_ms
from benchmarks.search_bench import build as build_statements
from desktop.domain.ids import new_id
from desktop.domain.model import Action, AuditEvent, Case, Role, StatementKind, TurnKind
from desktop.services import audit_trail, export, interview, records
from desktop.services.search import search_statements
from desktop.store import audit, coverage
from desktop.store import search as search_index
from desktop.store.paths import StorePaths
from desktop.store.store import Store, create_store, unlock
from desktop.store.tx import system_clock
from sync.protocol.merkle import leaf_hash, verify_consistency, verify_inclusion
from tests.conftest import (
    PASSWORD,
    SECOND_PASSWORD,
    World,
    make_officer,
    make_party,
    sign_as_team,
    without_recording_rule,
)
from tests.services.test_signing import all_pages_signed, ready_for_signing

SEED = 20261206
STATEMENT_EVENTS = 130
BATCH = 20_000
QUERIES = ("停车", "我", "人行道上", "解放路", "垃圾")
# What each covered table's bulk rows were recorded by, and the leaf's subject column.
CREATED = {"officers": "officer.added", "parties": "party.recorded", "cases": "case.created",
           "statements": "statement.created"}


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def timed(function: Callable[[], Any], repeat: int) -> tuple[dict[str, float], list[Any]]:
    """Median and p95 wall, median CPU (ms) of `repeat` calls; and their results."""
    walls, cpus, results = [], [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        results.append(function())
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    walls.sort()
    return {"p50_ms": ms(statistics.median(walls)),
            "p95_ms": ms(walls[min(len(walls) - 1, math.ceil(0.95 * len(walls)) - 1)]),
            "cpu_p50_ms": ms(statistics.median(cpus))}, results


# Fixture --------------------------------------------------------------------------------


def _keys(conn: Any, table: str) -> set[str]:
    return {key for key, _content in coverage.rows(conn, coverage.BY_TABLE[table])}


def _leaves_for_new_rows(store: Store, before: dict[str, set[str]]) -> list[AuditEvent]:
    """The leaves the product writes for rows it creates, for the rows bulk-inserted."""
    conn, actor = store.conn, store.officer.id
    secret = coverage.store_key(conn, create=True)
    assert secret is not None
    events: list[AuditEvent] = []
    for table, action in CREATED.items():
        for key, content in coverage.rows(conn, coverage.BY_TABLE[table]):
            if key not in before[table]:
                events.append(AuditEvent(action, actor, key, details={
                    "record": table,
                    "record_digest": coverage.digest(secret, table, key, content)}))
    turn_rows = {key: content for key, content in coverage.rows(conn, coverage.BY_TABLE["turns"])
                 if key not in before["turns"]}
    revisions = conn.execute(
        "SELECT r.turn_id, r.revision, r.text, t.statement_id FROM turn_revisions AS r"
        " JOIN turns AS t ON t.id = r.turn_id ORDER BY r.turn_id, r.revision").fetchall()
    for turn_id, revision, text, statement_id in revisions:
        if turn_id not in turn_rows:
            continue
        details: dict[str, str | int | bool | None] = {
            "statement": statement_id, "revision": revision, "sha256": audit.text_digest(text)}
        if revision == 1:
            details.update(record="turns", record_digest=coverage.digest(
                secret, "turns", turn_id, turn_rows[turn_id]))
        events.append(AuditEvent(Action.TURN_SAVED.value, actor, turn_id, details=details))
    return events


def _append(store: Store, events: list[AuditEvent]) -> None:
    for start in range(0, len(events), BATCH):
        with store.transaction() as tx:
            audit.append_many(tx.conn, events[start:start + BATCH], tx.at)


def fill(store: Store, events: int, statements: int, rng: random.Random) -> None:
    """`statements` bulk statements with their leaves, then `login` leaves up to `events`
    new leaves in all (fewer if the statements alone need more)."""
    start = audit.size(store.conn)
    if statements:  # (build_statements also adds the same 12 officers each time)
        before = {table: _keys(store.conn, table) for table in (*CREATED, "turns")}
        build_statements(store.conn, statements, rng)
        _append(store, _leaves_for_new_rows(store, before))
    rest = events - (audit.size(store.conn) - start)
    login = AuditEvent(Action.LOGIN.value, store.officer.id, store.officer.id,
                       details={"failed_attempts": 0})
    _append(store, [login] * max(0, rest))


def sealed_statement(world: World, workdir: Path) -> None:
    """The statement the package is made of: answers edited until it has about 130 events,
    read back, signed by every officer with their own key and sealed."""
    store, statement = world.store, world.statement
    answer = interview.add_turn(store, statement.id, TurnKind.ANSWER, "我把车停在路口。")
    while len(export.statement_events(store, statement.id)) < STATEMENT_EVENTS - 12:
        count = len(export.statement_events(store, statement.id))
        if count % 3:
            interview.save_turn(store, answer.id, f"我把车停在路口，停了{count}分钟。")
        else:
            interview.add_turn(store, statement.id, TurnKind.QUESTION, f"第{count}个问题？")
    ready_for_signing(world, workdir / "pki")
    sign_as_team(world, all_pages_signed(world))


def build(workdir: Path, events: int, rng: random.Random) -> tuple[StorePaths, str, dict[str, Any]]:
    """A closed store of about `events` leaves; its paths, the sealed statement, figures."""
    started = time.perf_counter()
    paths = StorePaths(workdir / "store")
    admin = make_officer("测试管理员", "TEST0001", Role.ADMIN)
    second = make_officer("测试队员", "TEST0002")
    store = create_store(paths, admin, PASSWORD)
    store.add_officer(second, SECOND_PASSWORD)
    without_recording_rule(paths.workdir)  # the audit trail's scale, not the recording's
    statements = events // 10
    fill(store, events // 2, statements, rng)
    case = records.create_case(store, Case(id=new_id(), number="测试〔2026〕1号",
                                           cause="人行道违法停放机动车", matter="违停",
                                           place="测试路口"))
    party = records.record_party(store, make_party())
    statement = interview.open_statement(
        store, case_id=case.id, interviewee_id=party.id, kind=StatementKind.INQUIRY,
        place="询问室", interviewers=(admin.id, second.id), recorder_id=second.id)
    world = World(paths, store, admin, second, case, party, statement)
    sealed_statement(world, workdir)
    fill(store, events - audit.size(store.conn), 0, rng)
    with store.transaction() as tx:
        search_index.rebuild_index(tx.conn)
    size = audit.size(store.conn)
    store.close()
    return paths, statement.id, {"audit_events": size, "statements": statements + 1,
                                 "build_s": round(time.perf_counter() - started, 1),
                                 "db_mib": round((paths.database.stat().st_size) / 2**20, 1)}


# Measures -------------------------------------------------------------------------------


def measure(paths: StorePaths, statement_id: str, workdir: Path, rng: random.Random,
            smoke: bool) -> dict[str, Any]:
    repeat = 5 if smoke else 9
    out: dict[str, Any] = {}
    opened: list[Store] = []

    def login() -> Store:
        store = unlock(paths, "TEST0001", PASSWORD, clock=system_clock)
        opened.append(store)
        return store

    out["login"], _stores = timed(login, 3)
    for store in opened[:-1]:
        store.close()
    store = opened[-1]
    try:
        case_id, party_id, first, second, recorder = store.conn.execute(
            "SELECT case_id, interviewee_id, interviewer1_id, interviewer2_id, recorder_id"
            " FROM statements WHERE id = ?", (statement_id,)).fetchone()
        draft = interview.open_statement(
            store, case_id=case_id, interviewee_id=party_id, kind=StatementKind.DEFENCE,
            place="询问室", interviewers=(first, second), recorder_id=recorder)
        turn = interview.add_turn(store, draft.id, TurnKind.ANSWER, "")
        typed = iter(range(10**6))

        def autosave() -> int:
            return interview.save_turn(store, turn.id, "我是摆摊卖水果的。" * (next(typed) % 7 + 1))

        out["autosave"], _ = timed(autosave, repeat * 3)
        samples, cpu_samples = [], []
        for query in QUERIES:
            figures, hits = timed(functools.partial(search_statements, store, query, 20), 3)
            samples.append(figures["p50_ms"])
            cpu_samples.append(figures["cpu_p50_ms"])
            if not hits[0]:
                raise RuntimeError(f"search for {query!r} found nothing")
        out["search"] = {"p50_ms": round(statistics.median(samples), 3),
                         "max_ms": max(samples), "queries": len(QUERIES),
                         "cpu_p50_ms": round(statistics.median(cpu_samples), 3)}

        def one_event() -> int:
            with store.transaction() as tx:
                return tx.audit(Action.AUDIT_VERIFIED, store.store_id, size=0, status="bench")

        out["audit_append"], _ = timed(one_event, repeat * 3)
        head = store.sign_tree_head()
        size, root = head.head.tree_size, head.head.root_hash
        conn = store.conn
        picks = [rng.randrange(size) for _ in range(repeat * 3)]
        leaves = {i: bytes(conn.execute("SELECT leaf_hash FROM audit_log WHERE idx = ?",
                                        (i,)).fetchone()[0]) for i in picks}
        it = iter(picks)
        out["inclusion_proof"], proofs = timed(
            lambda: audit.prove_inclusion(conn, next(it), size), len(picks))
        if not all(verify_inclusion(leaves[i], i, size, p, root)
                   for i, p in zip(picks, proofs, strict=True)):
            raise RuntimeError("an inclusion proof does not verify")
        olds = [rng.randrange(1, size) for _ in range(repeat * 3)]
        old_roots = {m: audit.root_at(conn, m) for m in olds}
        it = iter(olds)
        out["consistency_proof"], proofs = timed(
            lambda: audit.prove_consistency(conn, next(it), size), len(olds))
        if not all(verify_consistency(m, size, old_roots[m], root, p)
                   for m, p in zip(olds, proofs, strict=True)):
            raise RuntimeError("a consistency proof does not verify")
        target = workdir / "package.zip"
        out["package_export"], packages = timed(
            lambda: export.export_package(store, statement_id, target, force=True), 3)
        out["package_export"]["events"] = packages[-1].events
        _check_package(target)
        started, cpu = time.perf_counter(), time.process_time()
        report, status = audit_trail.check(store)
        out["audit_verify_full"] = {"p50_ms": ms(time.perf_counter() - started),
                                    "cpu_p50_ms": ms(time.process_time() - cpu),
                                    "status": status.value}
        if status is not audit_trail.Status.INTACT:
            raise RuntimeError(f"the store does not verify: {report.first_problem()}")
    finally:
        store.close()
    return out


def _check_package(path: Path) -> None:
    """Every event of the package is proven in the head it carries."""
    with zipfile.ZipFile(path) as package:
        proofs = json.loads(package.read("data/audit/proofs.json"))
        head = json.loads(package.read("data/audit/tree_head.json"))["signed_tree_head"]
        events = [json.loads(line) for line in
                  package.read("data/audit/events.jsonl").decode().splitlines()]
    root = bytes.fromhex(head["root_hash"])
    for event, proof in zip(events, proofs["proofs"], strict=True):
        digest = leaf_hash(event["leaf"].encode())
        if not verify_inclusion(digest, event["index"], proofs["tree_size"],
                                [bytes.fromhex(p) for p in proof["path"]], root):
            raise RuntimeError(f"package event {event['index']} does not verify")


# Growth ---------------------------------------------------------------------------------


def growth(scales: list[int], runs: list[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name in runs[0]["measures"]:
        if "p50_ms" not in runs[0]["measures"][name]:
            continue
        walls: list[float] = [run["measures"][name]["p50_ms"] for run in runs]
        cpus: list[float] = [run["measures"][name]["cpu_p50_ms"] for run in runs]
        steps: list[dict[str, float]] = []
        for i in range(1, len(scales)):
            factor = math.log10(scales[i] / scales[i - 1])
            ratio = walls[i] / walls[i - 1] if walls[i - 1] > 0 else math.inf
            cpu_ratio = cpus[i] / cpus[i - 1] if cpus[i - 1] > 0 else math.inf
            steps.append({"from": scales[i - 1], "to": scales[i],
                          "wall_ratio": round(ratio, 3), "cpu_ratio": round(cpu_ratio, 3),
                          "exponent": round(math.log10(max(ratio, 1e-9)) / factor, 3),
                          "cpu_exponent": round(math.log10(max(cpu_ratio, 1e-9)) / factor, 3)})
        # Labelled by the exponent over the whole range, which one noisy scale (the disk's
        # fsync latency swings; the machine is shared) moves less than a single step.
        span = math.log10(scales[-1] / scales[0])
        result[name] = {
            "p50_ms": walls, "cpu_p50_ms": cpus, "steps": steps,
            "growth": _label(math.log10(max(walls[-1] / walls[0], 1e-9)) / span),
            # CPU shows the work itself.
            "growth_cpu": _label(math.log10(max(cpus[-1] / cpus[0], 1e-9)) / span)}
    return result


def _label(exponent: float) -> str:
    return ("flat" if exponent < 0.1 else "log" if exponent < 0.3
            else "sublinear" if exponent < 0.7 else "linear")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--scales", default=None, help="comma-separated audit event counts")
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    scales = ([int(s) for s in args.scales.split(",")] if args.scales
              else [1_000, 10_000] if args.smoke else [10_000, 100_000, 1_000_000])
    rng = random.Random(SEED)
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        floor = fsync_p50_ms(Path(tmp))
        for scale in scales:
            workdir = Path(tmp) / str(scale)
            workdir.mkdir()
            paths, statement_id, fixture = build(workdir, scale, rng)
            # The disk here swings between a fast and a slow fsync state: say which one
            # each scale's durable measures saw.
            disk = fsync_p50_ms(workdir)
            measures = measure(paths, statement_id, workdir, rng, args.smoke)
            runs.append({"scale": scale, "fixture": fixture, "disk_fsync_4k_p50_ms": disk,
                         "measures": measures})
            print(json.dumps(runs[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    last: dict[str, Any] = runs[-1]["measures"]
    targets = {
        "inclusion_proof_p50_ms_max": 5.0,
        "package_export_p50_ms_max": 2000.0,
    }
    print(json.dumps({
        "benchmark": "scale",
        "smoke": args.smoke,
        "scales": scales,
        "disk_fsync_4k_p50_ms": floor,
        "anchor": "the same measure at the smaller scale, same run",
        "runs": runs,
        "growth": growth(scales, runs),
        "targets_at_largest_scale": targets,
        "meets_target": (last["inclusion_proof"]["p50_ms"] < targets["inclusion_proof_p50_ms_max"]
                         and last["package_export"]["p50_ms"]
                         < targets["package_export_p50_ms_max"]),
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
