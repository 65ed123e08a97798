"""Benchmark one autosave on the SQLCipher store against the same work on stdlib sqlite3.

Measured: the latency of one autosave exactly as the app performs it,
`desktop.store.statements.save_turn` inside `desktop.store.tx.transaction` (BEGIN IMMEDIATE,
new turn revision, search-index update, audit leaf and frontier, COMMIT with WAL and
synchronous=FULL), reported as p50 and p99 over N saves.

Anchor, in the same run: the same schema (the same migrations, applied by
`desktop.store.connection.migrate`) on the stdlib `sqlite3` module with the same pragmas
(journal_mode=WAL, synchronous=FULL, foreign_keys=ON, busy_timeout, cache_size and the
secure_delete value the SQLCipher connection ends up with), the same officers, party, case,
statement and turns created through the same store functions, and the same sequence of
texts saved through the same code path. Both databases live in temporary directories under
one parent, so on one disk. The anchor is what the data would cost unencrypted, so the
ratio is the price of encryption (page encryption + HMAC, cipher_memory_security) per save.

A third system is the SQLCipher store with the high-water mark (desktop/store/highwater.py)
written after every commit, exactly as `Store.transaction` does: one 128-byte write + fsync
of a file beside the store. `ratio_*` compare SQLCipher without the mark with sqlite3,
`ratio_mark_*` SQLCipher with the mark with sqlite3, and `mark_cost_*` with and without the
mark (decision 18).

A bulk phase then adds `--bulk` turns in one transaction on each system (what an import or a
big fixture costs), wall and CPU.

`--memory-security on` switches SQLCipher's `cipher_memory_security` on after opening (it is
process-wide and cannot be switched off again, so ON and OFF are separate runs); the store
ships with it off (decision 7). `--legacy-hmac` makes the SQLCipher stores as they were
before issue 13 (SQLCipher 4's default page HMAC, HMAC_SHA512) and opens them through
`open_database`, which keeps reading them with it.

The disk here switches between a fast state and a slow one in which every fsync takes about
4 ms (and hides the CPU cost of a save): a 4 KiB write + fsync is probed before and after the
run, and `disk_state` says what was seen. CPU time per save (`time.thread_time`, SQLite runs in
the calling thread) is reported beside wall time; the target is p50 and p99 wall <= 1.3x and
CPU <= 2x.

The systems run in interleaved blocks (rotating order) so that drift in the machine (page
cache, disk write-back, CPU frequency) lands on both. The texts imitate typing: each save
appends a few characters to one answer (sometimes corrects one character in the middle)
until it reaches 150-400 characters, then typing moves on to the next answer.

    python3 benchmarks/autosave_bench.py [--saves N] [--block B] [--bulk N] [--smoke]
        [--dir DIR] [--memory-security on|off] [--legacy-hmac]

Prints one JSON object on its last line. No wall-clock assertion: `meets_target` is
information for people, the exit code only says the benchmark itself ran correctly.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import secrets
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

import sqlcipher3

from benchmarks.common import fsync_p50_ms
from desktop.domain.ids import new_id
from desktop.domain.model import (
    Case,
    IdKind,
    Officer,
    Party,
    Role,
    Sex,
    Statement,
    StatementKind,
    TurnKind,
)
from desktop.store import audit, cases, officers, statements
from desktop.store.audit_verify import verify_trail
from desktop.store.connection import (
    LEGACY_HMAC,
    _migrations,
    _split_sql,
    migrate,
    open_database,
)
from desktop.store.highwater import Mark, MarkWriter, mark_key
from desktop.store.tx import system_clock, transaction

SEED = 20240612
TARGET_RATIO = 1.3  # SQLCipher may cost at most 30% more than unencrypted, at p50 and p99
TARGET_CPU_RATIO = 2.0  # and at most twice the CPU time
FAST_DISK_MS = 1.0  # a 4 KiB fsync below this: the fast disk state; about 4 ms: the slow one
DB_NAME = "store.db"

# Pieces of answers an officer types; joined at random they make realistic hanzi text.
PHRASES = [
    "我驾驶车牌号为浙A3K9Q2的小型轿车，",
    "停在解放路小区东门的人行道上，",
    "停了大约二十分钟，",
    "我知道人行道不能停车，",
    "当时着急去医院取药。",
    "我在中山北路地铁站出口摆摊卖水果，",
    "已经摆了十来天，",
    "每天大概从下午四点到晚上十点。",
    "我们饭店的垃圾没有分类，",
    "厨余垃圾和其他垃圾混在一起投放了，",
    "店门口的店招是二〇二一年装的，",
    "长八米、高两米，",
    "没有去城管部门办理审批手续。",
    "油烟净化器坏了五天，还没来得及修，",
    "堆在建设街边上的是装修用的沙子和水泥，",
    "大概六吨，准备这几天用完。",
    "以上情况属实，",
    "我愿意接受处理。",
    "（当事人沉默片刻）",
    "对，就是这样。",
]


@dataclass(frozen=True)
class Save:
    turn: int  # index into the statement's answer turns
    text: str
    revision: int  # the revision save_turn must return


def make_plan(count: int, rng: random.Random) -> tuple[list[str], list[Save]]:
    """First texts of the answer turns, and `count` autosaves of typing into them."""
    initial: list[str] = []
    plan: list[Save] = []
    turn, text, revision, target = -1, "", 0, 0
    while len(plan) < count:
        if len(text) >= target:  # this answer is finished: move on to the next one
            turn += 1
            text = "答：" + rng.choice(PHRASES)[: rng.randint(2, 6)]
            initial.append(text)
            revision, target = 1, rng.randint(150, 400)
        if rng.random() < 0.1 and len(text) > 10:
            at = rng.randrange(3, len(text))  # a correction in the middle of the text
            choices = [c for c in "的了是在我有他这个们中来上大为和" if c != text[at]]
            text = text[:at] + rng.choice(choices) + text[at + 1 :]
        else:
            phrase = rng.choice(PHRASES)
            start = rng.randrange(len(phrase))
            text += phrase[start : start + rng.randint(3, 12)]  # a few characters typed
        revision += 1
        plan.append(Save(turn, text, revision))
    return initial, plan


def schema_compat() -> list[dict[str, str]]:
    """Statements of the migrations that stdlib sqlite3 cannot execute (empty: none)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    failures = []
    for _number, name, sql in _migrations():
        for statement in _split_sql(sql):
            try:
                conn.execute(statement)
            except sqlite3.Error as exc:
                first = next(line for line in statement.splitlines() if line.strip())
                failures.append({"migration": name, "statement": first.strip(), "error": str(exc)})
    conn.close()
    return failures


def pragmas(conn: Any) -> dict[str, Any]:
    names = (
        "journal_mode",
        "synchronous",
        "foreign_keys",
        "cache_size",
        "secure_delete",
        "page_size",
        "busy_timeout",
        "temp_store",
        "wal_autocheckpoint",
    )
    return {name: conn.execute(f"PRAGMA {name}").fetchone()[0] for name in names}


def open_anchor(path: Path, like: dict[str, Any]) -> sqlite3.Connection:
    """Stdlib sqlite3 with the pragmas `open_database` sets, and its schema via `migrate`."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise RuntimeError("the anchor could not switch to WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute(f"PRAGMA cache_size = {int(like['cache_size'])}")
    conn.execute(f"PRAGMA secure_delete = {int(like['secure_delete'])}")
    conn.execute(f"PRAGMA temp_store = {int(like['temp_store'])}")
    migrate(conn)
    return conn


def populate(conn: Any, initial: list[str]) -> tuple[str, list[str]]:
    """Officers, party, case, statement and its answer turns, via the real store functions.

    Returns the acting officer's id and the ids of the answer turns, in order.
    """
    admin = Officer(new_id(), "管理员", "ZF000001", "综合行政执法大队", Role.ADMIN)
    first = Officer(new_id(), "王伟", "ZF000002", "综合行政执法大队")
    second = Officer(new_id(), "李娜", "ZF000003", "综合行政执法大队")
    party = Party(
        new_id(),
        IdKind.RESIDENT_ID,
        "330106199001011234",
        "张三",
        Sex.MALE,
        "汉族",
        date(1990, 1, 1),
        "杭州市西湖区解放路1号",
        "杭州市公安局西湖分局",
        phone="13800000000",
        workplace="个体",
    )
    case = Case(
        new_id(), "综执罚〔2024〕1号", "机动车在人行道违法停放", "城市管理", "解放路小区东门"
    )
    statement = Statement(
        new_id(),
        case.id,
        StatementKind.INQUIRY,
        "询问室",
        system_clock(),
        (first.id, second.id),
        admin.id,
        party.id,
    )
    turn_ids: list[str] = []
    with transaction(conn, system_clock, admin.id) as tx:
        for officer in (admin, first, second):
            officers.add_officer(tx, officer)
        cases.record_party(tx, party, "id_card")
        cases.create_case(tx, case)
        statements.create_statement(tx, statement)
        statements.add_turn(tx, statement.id, TurnKind.QUESTION, "问：请讲一下具体情况。")
        for text in initial:
            turn_ids.append(statements.add_turn(tx, statement.id, TurnKind.ANSWER, text).id)
    return admin.id, turn_ids


@dataclass
class System:
    name: str
    conn: Any
    actor: str
    turns: list[str]
    samples_ns: list[int]  # wall clock per save
    cpu_ns: list[int]  # CPU time of this thread per save (SQLite runs in it)
    mark: MarkWriter | None = None  # the high-water mark, written after each commit

    def run(self, saves: list[Save], record: bool) -> None:
        conn, actor, turns, mark = self.conn, self.actor, self.turns, self.mark
        for save in saves:
            start, cpu = time.perf_counter_ns(), time.thread_time_ns()
            with transaction(conn, system_clock, actor) as tx:
                revision = statements.save_turn(tx, turns[save.turn], save.text)
            if mark is not None:  # what Store.transaction does after the commit
                mark.write(Mark(audit.size(conn), audit.root(conn)))
            took, cpu = time.perf_counter_ns() - start, time.thread_time_ns() - cpu
            if revision != save.revision:
                raise RuntimeError(
                    f"{self.name}: save_turn returned {revision}, not {save.revision}"
                )
            if record:
                self.samples_ns.append(took)
                self.cpu_ns.append(cpu)


def percentile(samples: list[int], q: float) -> float:
    """Nearest-rank percentile in milliseconds."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] / 1e6


def summary(samples: list[int], cpu: list[int]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(samples, 0.50), 3),
        "p90_ms": round(percentile(samples, 0.90), 3),
        "p99_ms": round(percentile(samples, 0.99), 3),
        "max_ms": round(max(samples) / 1e6, 3),
        "mean_ms": round(sum(samples) / len(samples) / 1e6, 3),
        "cpu_p50_ms": round(percentile(cpu, 0.50), 3),
        "cpu_mean_ms": round(sum(cpu) / len(cpu) / 1e6, 3),
    }


def bulk_insert(conn: Any, actor: str, texts: list[str]) -> tuple[int, int]:
    """Wall and CPU nanoseconds to add `texts` as answer turns of one new statement in one
    transaction (an import's or a fixture's write pattern), via the real store functions."""
    statement_id = conn.execute("SELECT id FROM statements LIMIT 1").fetchone()[0]
    start, cpu = time.perf_counter_ns(), time.thread_time_ns()
    with transaction(conn, system_clock, actor) as tx:
        for text in texts:
            statements.add_turn(tx, statement_id, TurnKind.ANSWER, text)
    return time.perf_counter_ns() - start, time.thread_time_ns() - cpu


def create_legacy(path: Path, key: bytes) -> None:
    """A store file as `open_database` made it before issue 13: SQLCipher 4's default page
    HMAC (HMAC_SHA512), raw pragmas, the schema applied."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute(f"PRAGMA cipher_hmac_algorithm = {LEGACY_HMAC}")
        conn.execute("PRAGMA journal_mode = WAL")
        migrate(conn)
    finally:
        conn.close()


def open_cipher(path: Path, key: bytes, legacy: bool, memory_security: bool,
                create: bool) -> Any:
    if create and legacy:
        create_legacy(path, key)
    conn = open_database(path, key, create=create and not legacy)
    if memory_security:  # process-wide from here on: every SQLCipher connection pays it
        conn.execute("PRAGMA cipher_memory_security = ON")
    return conn


def disk_state(before_ms: float, after_ms: float) -> str:
    """"fast" or "slow" as the fsync probes before and after the run saw it, or the change."""
    states = ["fast" if ms < FAST_DISK_MS else "slow" for ms in (before_ms, after_ms)]
    return states[0] if states[0] == states[1] else f"{states[0]}->{states[1]}"


def check_same_data(systems: list[System]) -> dict[str, Any]:
    """Both stores hold the same revisions and audit trail shape, and each trail verifies."""
    facts = {}
    for system in systems:
        conn = system.conn
        revisions = conn.execute("SELECT count(*) FROM turn_revisions").fetchone()[0]
        leaves = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        texts = conn.execute("SELECT text FROM current_turns ORDER BY seq").fetchall()
        report = verify_trail(conn, "bench", None)
        if not report.ok:
            raise RuntimeError(f"{system.name}: audit trail fails: {report.first_problem()}")
        facts[system.name] = (revisions, leaves, [t[0] for t in texts])
    values = list(facts.values())
    if any(value != values[0] for value in values[1:]):
        raise RuntimeError("the two stores do not hold the same data after the run")
    return {"turn_revisions": values[0][0], "audit_leaves": values[0][1]}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--saves", type=int, default=2000, help="timed saves per system")
    parser.add_argument("--warmup", type=int, default=100, help="untimed saves per system")
    parser.add_argument("--block", type=int, default=50, help="saves per interleaved block")
    parser.add_argument("--bulk", type=int, default=2000, help="turns in the bulk insert")
    parser.add_argument("--smoke", action="store_true", help="100 saves, a few seconds")
    parser.add_argument("--dir", type=Path, default=None, help="parent of the temp stores")
    parser.add_argument("--memory-security", choices=("on", "off"), default="off",
                        help="SQLCipher's cipher_memory_security (shipped: off)")
    parser.add_argument("--legacy-hmac", action="store_true",
                        help="SQLCipher stores made as before issue 13 (HMAC_SHA512)")
    args = parser.parse_args()
    saves, warmup, block, bulk = args.saves, args.warmup, args.block, args.bulk
    if args.smoke:
        saves, warmup, block, bulk = 100, 20, 10, 200
    memory_security = args.memory_security == "on"

    failures = schema_compat()
    if failures:
        print(
            json.dumps(
                {
                    "benchmark": "autosave",
                    "error": "stdlib sqlite3 cannot run the schema",
                    "sqlite3_version": sqlite3.sqlite_version,
                    "failures": failures,
                },
                ensure_ascii=False,
            )
        )
        return 1

    initial, plan = make_plan(warmup + saves, random.Random(SEED))
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="autosave-bench-") as scratch:
        root = Path(scratch)
        (root / "sqlcipher").mkdir()
        (root / "sqlcipher-mark").mkdir()
        (root / "sqlite3").mkdir()
        cipher_key, marked_key = secrets.token_bytes(32), secrets.token_bytes(32)
        cipher_path = root / "sqlcipher" / DB_NAME
        marked_path = root / "sqlcipher-mark" / DB_NAME
        plain_path = root / "sqlite3" / DB_NAME
        writer = MarkWriter(root / "sqlcipher-mark" / "highwater.mark",
                            mark_key(marked_key, "bench"))

        def open_plain_cipher(create: bool) -> Any:
            return open_cipher(cipher_path, cipher_key, args.legacy_hmac, memory_security, create)

        def open_marked(create: bool) -> Any:
            return open_cipher(marked_path, marked_key, args.legacy_hmac, memory_security, create)

        cipher_pragmas: dict[str, Any] = {}  # what the SQLCipher connection ends up with

        def open_plain(_create: bool) -> Any:
            return open_anchor(plain_path, cipher_pragmas)

        systems = []
        for name, opener in (("sqlcipher", open_plain_cipher), ("sqlcipher+mark", open_marked),
                             ("sqlite3", open_plain)):
            # Populated in one session, typed into in the next: a login opens an existing
            # store (the connection that created the schema behaves differently).
            conn = opener(True)
            actor, turns = populate(conn, initial)
            conn.close()
            systems.append(System(name, opener(False), actor, turns, [], [],
                                  writer if name == "sqlcipher+mark" else None))
            if not cipher_pragmas:
                cipher_pragmas.update(pragmas(systems[0].conn))
        cipher_conn, marked_conn, plain_conn = (system.conn for system in systems)
        floor = fsync_p50_ms(root, 20 if args.smoke else 200)
        bulk_texts = [plan[i % len(plan)].text for i in range(bulk)]
        bulk_ns: dict[str, tuple[int, int]] = {}
        try:
            for system in systems:
                system.run(plan[:warmup], record=False)
            timed = plan[warmup:]
            for number, offset in enumerate(range(0, len(timed), block)):
                chunk = timed[offset : offset + block]
                shift = number % len(systems)
                order = systems[shift:] + systems[:shift]
                for system in order if number % 2 == 0 else reversed(order):
                    system.run(chunk, record=True)
            data = check_same_data(systems)
            floor_after = fsync_p50_ms(root, 20 if args.smoke else 200)
            for system in (systems[0], systems[2], systems[2], systems[0]):  # ABBA, the best
                took = bulk_insert(system.conn, system.actor, bulk_texts)
                bulk_ns[system.name] = min(bulk_ns.get(system.name, took), took)
            plain_pragmas = pragmas(plain_conn)
            cipher_version = cipher_conn.execute("PRAGMA cipher_version").fetchone()[0]
            cipher_settings = {
                "memory_security": cipher_conn.execute(
                    "PRAGMA cipher_memory_security").fetchone()[0],
                "hmac_algorithm": cipher_conn.execute(
                    "PRAGMA cipher_hmac_algorithm").fetchone()[0],
                "page_size": cipher_conn.execute("PRAGMA cipher_page_size").fetchone()[0],
            }
        finally:
            cipher_conn.close()
            marked_conn.close()
            plain_conn.close()
            writer.close()

    cipher = summary(systems[0].samples_ns, systems[0].cpu_ns)
    marked = summary(systems[1].samples_ns, systems[1].cpu_ns)
    plain = summary(systems[2].samples_ns, systems[2].cpu_ns)
    ratio_p50 = cipher["p50_ms"] / plain["p50_ms"]
    ratio_p99 = cipher["p99_ms"] / plain["p99_ms"]
    ratio_cpu_p50 = cipher["cpu_p50_ms"] / plain["cpu_p50_ms"]
    ratio_cpu_mean = cipher["cpu_mean_ms"] / plain["cpu_mean_ms"]
    bulk_cipher, bulk_plain = bulk_ns["sqlcipher"], bulk_ns["sqlite3"]
    report = {
        "benchmark": "autosave",
        "saves": saves,
        "warmup": warmup,
        "block": block,
        "sqlcipher": cipher,
        "sqlite3": plain,
        "ratio_p50": round(ratio_p50, 3),
        "ratio_p99": round(ratio_p99, 3),
        "ratio_cpu_p50": round(ratio_cpu_p50, 3),
        "ratio_cpu_mean": round(ratio_cpu_mean, 3),
        "bulk": {
            "turns": bulk,
            "sqlcipher_ms": round(bulk_cipher[0] / 1e6, 1),
            "sqlcipher_cpu_ms": round(bulk_cipher[1] / 1e6, 1),
            "sqlite3_ms": round(bulk_plain[0] / 1e6, 1),
            "sqlite3_cpu_ms": round(bulk_plain[1] / 1e6, 1),
            "ratio": round(bulk_cipher[0] / bulk_plain[0], 3),
            "ratio_cpu": round(bulk_cipher[1] / bulk_plain[1], 3),
        },
        "sqlcipher_with_mark": marked,
        "ratio_mark_p50": round(marked["p50_ms"] / plain["p50_ms"], 3),
        "ratio_mark_p99": round(marked["p99_ms"] / plain["p99_ms"], 3),
        "mark_cost_p50": round(marked["p50_ms"] / cipher["p50_ms"], 3),
        "mark_cost_p99": round(marked["p99_ms"] / cipher["p99_ms"], 3),
        "target_ratio": TARGET_RATIO,
        "target_cpu_ratio": TARGET_CPU_RATIO,
        "meets_target": (ratio_p50 <= TARGET_RATIO and ratio_p99 <= TARGET_RATIO
                         and ratio_cpu_p50 <= TARGET_CPU_RATIO),
        "disk_fsync_4k_p50_ms": floor,
        "disk_fsync_4k_p50_ms_after": floor_after,
        "disk_state": disk_state(floor, floor_after),
        "cipher": cipher_settings,
        "data": data,
        "versions": {
            "sqlcipher": cipher_version,
            "sqlcipher_sqlite": sqlcipher3.sqlite_version,
            "stdlib_sqlite": sqlite3.sqlite_version,
        },
        "pragmas": {"sqlcipher": cipher_pragmas, "sqlite3": plain_pragmas},
        "schema_features_missing_in_stdlib": [],
    }
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
