"""Benchmark audit-log appends, proofs and full verification on the SQLCipher store.

Measured, each against an anchor in the same run:

1. Durable append rate of the real `desktop.store.audit.append` (leaf row with its indexes,
   frontier read from and written back to `meta`), N events in batches of B per transaction
   (`desktop.store.tx.transaction`) on a SQLCipher store from `open_database`. Anchor: the
   simplest tamper-evident log, a bare hash chain h_i = SHA-256(h_{i-1} || record) whose
   record is the same canonical JSON of the same event (same fields, new UUIDv7 id,
   timestamp), appended through a stateless function (reads the last hash, inserts one row)
   to a minimal table on an identical SQLCipher connection, with the same batching, in
   interleaved blocks (ABBA) so drift lands on both. The ratio is what the Merkle log
   (proofs, O(1) root) costs over the cheapest chain per durable append.
2. Pure in-memory rates over the same canonical records: `leaf_hash` + `CompactRange.append`
   against the bare chain `sha256(h + record)`, and both again over precomputed 32-byte leaf
   hashes (structure only), best of R interleaved rounds.
3. Per-append CPU breakdown of `append`'s in-memory parts (id, canonical details, leaf data,
   leaf hash, frontier decode/encode) to show where a durable append's time goes.
4. At the final size: `prove_inclusion` and `prove_consistency` (with the time spent only
   reading the leaf hashes they load), checked with `verify_inclusion` / `verify_consistency`,
   and the full `desktop.store.audit_verify.verify_trail` with a signed tree head and its
   anchor at that size (must report no problem).

Events are `statement.updated` with the details shape of `turn.saved` (statement, revision,
sha256): the same bytes per leaf as an autosave, but without turn revisions that
`verify_trail` would (rightly) report as missing from the store.

    python3 benchmarks/audit_bench.py [--events N] [--batch B] [--smoke] [--dir DIR]

Prints one JSON object on its last line; the exit code only says the benchmark ran correctly.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

import sqlcipher3

from benchmarks.common import fsync_p50_ms
from desktop.domain.ids import new_id
from desktop.domain.model import Action, AuditEvent, Outcome
from desktop.store import audit
from desktop.store.anchor import Anchor
from desktop.store.audit_verify import verify_trail
from desktop.store.connection import open_database
from desktop.store.tx import system_clock, transaction
from sync.protocol.canonical import canonical_json
from sync.protocol.merkle import (
    CompactRange,
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from sync.protocol.merkle import consistency_proof as merkle_consistency
from sync.protocol.merkle import inclusion_proof as merkle_inclusion

SEED = 20240613
DB_NAME = "store.db"
LOG_ID = "audit-bench"
GENESIS = bytes(32)
CHAIN_SCHEMA = (
    "CREATE TABLE chain (idx INTEGER PRIMARY KEY, record BLOB NOT NULL, hash BLOB NOT NULL) STRICT"
)


def make_events(count: int, rng: random.Random) -> tuple[str, list[AuditEvent]]:
    """An officer's id and `count` autosave-shaped events (ids and hashes only)."""
    actor = new_id()
    statements = [new_id() for _ in range(max(1, count // 500))]
    revisions: dict[str, int] = {}
    events = []
    for _ in range(count):
        statement = rng.choice(statements)
        revisions[statement] = revisions.get(statement, 1) + 1
        digest = hashlib.sha256(rng.randbytes(64)).hexdigest()
        details: dict[str, str | int | bool | None] = {
            "statement": statement,
            "revision": revisions[statement],
            "sha256": digest,
        }
        events.append(
            AuditEvent(Action.STATEMENT_UPDATED.value, actor, statement, Outcome.OK, details)
        )
    return actor, events


def chain_append(conn: Any, event: AuditEvent, at: datetime) -> int:
    """The anchor: append one record to a bare hash chain; stateless like `audit.append`."""
    row = conn.execute("SELECT idx, hash FROM chain ORDER BY idx DESC LIMIT 1").fetchone()
    idx, previous = (0, GENESIS) if row is None else (int(row[0]) + 1, bytes(row[1]))
    record = canonical_json(
        {
            "v": 1,
            "idx": idx,
            "id": new_id(),
            "at": at.isoformat(timespec="milliseconds"),
            "actor": event.actor,
            "action": event.action,
            "subject": event.subject,
            "outcome": event.outcome.value,
            "details": event.details,
        }
    )
    digest = hashlib.sha256(previous + record).digest()
    conn.execute("INSERT INTO chain (idx, record, hash) VALUES (?, ?, ?)", (idx, record, digest))
    return idx


Appender = Callable[[Any, AuditEvent, datetime], int]


def append_batches(
    conn: Any, append: Appender, events: Sequence[AuditEvent], batch: int, actor: str
) -> float:
    """Append `events` in transactions of `batch`; return the seconds taken."""
    start = time.perf_counter()
    for offset in range(0, len(events), batch):
        with transaction(conn, system_clock, actor) as tx:
            for event in events[offset : offset + batch]:
                append(tx.conn, event, tx.at)
    return time.perf_counter() - start


def durable_rates(
    root: Path, events: list[AuditEvent], actor: str, batch: int, block: int
) -> tuple[dict[str, Any], Any]:
    """Real append vs hash chain on two SQLCipher stores; returns the report and the store."""
    stores = {}
    for name in ("merkle", "chain"):
        (root / name).mkdir()
        stores[name] = open_database(root / name / DB_NAME, secrets.token_bytes(32), create=True)
    stores["chain"].execute(CHAIN_SCHEMA)
    with transaction(stores["merkle"], system_clock, actor) as tx:
        audit.create_device_key(tx.conn, tx.at)
    appenders: dict[str, Appender] = {"merkle": audit.append, "chain": chain_append}
    seconds = {"merkle": 0.0, "chain": 0.0}
    cpu = {"merkle": 0.0, "chain": 0.0}
    order = ["merkle", "chain"]
    for number, offset in enumerate(range(0, len(events), block)):
        chunk = events[offset : offset + block]
        for name in order if number % 2 == 0 else reversed(order):
            started = time.process_time()
            seconds[name] += append_batches(stores[name], appenders[name], chunk, batch, actor)
            cpu[name] += time.process_time() - started
    held = {
        "merkle": audit.size(stores["merkle"]),
        "chain": stores["chain"].execute("SELECT count(*) FROM chain").fetchone()[0],
    }
    if held != {"merkle": len(events), "chain": len(events)}:
        raise RuntimeError(f"wrong number of appended events: {held}")
    stores["chain"].close()
    rates = {name: len(events) / seconds[name] for name in order}
    report = {
        "merkle_appends_per_s": round(rates["merkle"]),
        "chain_appends_per_s": round(rates["chain"]),
        "merkle_us_per_append": round(1e6 / rates["merkle"], 1),
        "chain_us_per_append": round(1e6 / rates["chain"], 1),
        "ratio_chain_over_merkle": round(rates["chain"] / rates["merkle"], 3),
        "merkle_cpu_us_per_append": round(cpu["merkle"] / len(events) * 1e6, 1),
        "chain_cpu_us_per_append": round(cpu["chain"] / len(events) * 1e6, 1),
        # The measure: what a durable Merkle append costs over the bare chain.
        "wall_ratio_merkle_over_chain": round(seconds["merkle"] / seconds["chain"], 3),
        "cpu_ratio_merkle_over_chain": round(cpu["merkle"] / max(cpu["chain"], 1e-9), 3),
    }
    return report, stores["merkle"]


def best_rate(count: int, run: Callable[[], object], rounds: int) -> float:
    return count / min(_timed(run) for _ in range(rounds))


def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def memory_rates(events: list[AuditEvent], rounds: int) -> dict[str, Any]:
    """CompactRange vs a bare chain in memory, over records and over precomputed leaf hashes."""
    at = system_clock().isoformat(timespec="milliseconds")
    records = [
        audit.leaf_data(
            i,
            new_id(),
            at,
            e.actor,
            e.action,
            e.subject,
            e.outcome.value,
            canonical_json(e.details).decode("utf-8"),
        )
        for i, e in enumerate(events)
    ]
    leaves = [leaf_hash(record) for record in records]

    def compact_records() -> bytes:
        frontier = CompactRange()
        for record in records:
            frontier.append(leaf_hash(record))
        return frontier.root()

    def chain_records() -> bytes:
        h, sha256 = GENESIS, hashlib.sha256
        for record in records:
            h = sha256(h + record).digest()
        return h

    def compact_leaves() -> bytes:
        frontier = CompactRange()
        for leaf in leaves:
            frontier.append(leaf)
        return frontier.root()

    def chain_leaves() -> bytes:
        h, sha256 = GENESIS, hashlib.sha256
        for leaf in leaves:
            h = sha256(h + leaf).digest()
        return h

    if compact_records() != root_hash(leaves):
        raise RuntimeError("CompactRange root differs from root_hash")
    n = len(events)
    samples: dict[str, list[float]] = {k: [] for k in ("cr", "ch", "crl", "chl")}
    for _ in range(rounds):  # interleaved rounds; the best of each is its rate
        samples["cr"].append(best_rate(n, compact_records, 1))
        samples["ch"].append(best_rate(n, chain_records, 1))
        samples["crl"].append(best_rate(n, compact_leaves, 1))
        samples["chl"].append(best_rate(n, chain_leaves, 1))
    best = {k: max(v) for k, v in samples.items()}
    return {
        "record_bytes_mean": round(sum(map(len, records)) / n),
        "compact_range_appends_per_s": round(best["cr"]),
        "chain_appends_per_s": round(best["ch"]),
        "ratio_chain_over_compact_range": round(best["ch"] / best["cr"], 3),
        "precomputed_leaf_hashes": {
            "compact_range_appends_per_s": round(best["crl"]),
            "chain_appends_per_s": round(best["chl"]),
            "ratio_chain_over_compact_range": round(best["chl"] / best["crl"], 3),
        },
    }


def append_breakdown(events: list[AuditEvent], size: int) -> dict[str, float]:
    """Microseconds per event of the in-memory steps of `audit.append` at log size `size`."""
    frontier = CompactRange()
    frontier.extend(hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(size))
    stored = frontier.to_bytes()
    at = system_clock()
    sample = events[: min(len(events), 5000)]
    n = len(sample)
    ids = [new_id() for _ in sample]
    at_text = at.isoformat(timespec="milliseconds")
    details = [canonical_json(e.details).decode("utf-8") for e in sample]
    data = [
        audit.leaf_data(
            size + i, ids[i], at_text, e.actor, e.action, e.subject, e.outcome.value, details[i]
        )
        for i, e in enumerate(sample)
    ]
    def leaf_object(i: int, e: AuditEvent) -> dict[str, object]:
        return {"v": 1, "idx": size + i, "id": ids[i], "at": at_text, "actor": e.actor,
                "action": e.action, "subject": e.subject, "outcome": e.outcome.value,
                "details": e.details}

    direct = [canonical_json(leaf_object(i, e)) for i, e in enumerate(sample)]
    if data != direct:
        raise RuntimeError("leaf_data differs from canonical JSON of the event")
    hashes = [leaf_hash(d) for d in data]

    def frontier_round_trip() -> None:
        for digest in hashes:
            current = CompactRange.from_bytes(stored)
            current.append(digest)
            current.to_bytes()

    steps: dict[str, Callable[[], object]] = {
        "new_id": lambda: [new_id() for _ in sample],
        "canonical_details": lambda: [canonical_json(e.details) for e in sample],
        "leaf_data": lambda: [
            audit.leaf_data(
                size + i, ids[i], at_text, e.actor, e.action, e.subject, e.outcome.value, details[i]
            )
            for i, e in enumerate(sample)
        ],
        "canonical_json_of_the_whole_leaf": lambda: [
            canonical_json(leaf_object(i, e)) for i, e in enumerate(sample)
        ],
        "leaf_hash": lambda: [leaf_hash(d) for d in data],
        "frontier_decode_append_encode": frontier_round_trip,
    }
    return {
        name: round(min(_timed(run) for _ in range(3)) / n * 1e6, 2) for name, run in steps.items()
    }


def proofs_and_verify(conn: Any, actor: str, rng: random.Random, reps: int) -> dict[str, Any]:
    """Inclusion and consistency proofs at the final size, and the full trail verification."""
    size = audit.size(conn)
    root = audit.root(conn)
    index = rng.randrange(size)
    old_size = rng.randrange(size // 2, size)  # an earlier signed head, typically

    def median_ms(run: Callable[[], object]) -> float:
        return round(statistics.median(_timed(run) for _ in range(reps)) * 1000, 2)

    def read_leaf_hashes() -> list[bytes]:
        rows = conn.execute("SELECT leaf_hash FROM audit_log WHERE idx < ? ORDER BY idx",
                            (size,)).fetchall()
        return [bytes(r[0]) for r in rows]

    leaves = read_leaf_hashes()
    inclusion = audit.prove_inclusion(conn, index, size)
    if not verify_inclusion(leaves[index], index, size, inclusion, root):
        raise RuntimeError("the inclusion proof does not verify")
    consistency = audit.prove_consistency(conn, old_size, size)
    if (inclusion != merkle_inclusion(leaves, index)
            or consistency != merkle_consistency(leaves, old_size)):
        raise RuntimeError("a proof from the tiles differs from the all-leaves proof")
    old_frontier = CompactRange()
    old_frontier.extend(leaves[:old_size])
    if not verify_consistency(old_size, size, old_frontier.root(), root, consistency):
        raise RuntimeError("the consistency proof does not verify")
    result: dict[str, Any] = {
        "tree_size": size,
        "inclusion_index": index,
        "consistency_old_size": old_size,
        "inclusion_proof_ms": median_ms(lambda: audit.prove_inclusion(conn, index, size)),
        "consistency_proof_ms": median_ms(lambda: audit.prove_consistency(conn, old_size, size)),
        # The reference the tiles replaced (decision 21): read every leaf hash, rehash.
        "all_leaves_inclusion_proof_ms": median_ms(
            lambda: merkle_inclusion(read_leaf_hashes(), index)),
        "read_leaf_hashes_ms": median_ms(read_leaf_hashes),
        "proof_hashes": {"inclusion": len(inclusion), "consistency": len(consistency)},
    }
    with transaction(conn, system_clock, actor) as tx:
        head = audit.sign_head(tx.conn, LOG_ID, tx.at)
        public = audit.device_public_keys(tx.conn)[head.key_id].public_bytes_raw()
    anchor = Anchor(LOG_ID, head, public)
    start = time.perf_counter()
    report = verify_trail(conn, LOG_ID, anchor)
    result["verify_trail_ms"] = round((time.perf_counter() - start) * 1000, 1)
    if not report.ok or report.size != size or report.heads_checked != 1:
        raise RuntimeError(f"verify_trail failed: {report.first_problem()} ({report})")
    result["verify_trail_us_per_leaf"] = round(result["verify_trail_ms"] * 1000 / size, 2)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=100, help="events per transaction")
    parser.add_argument("--block", type=int, default=2000, help="events per interleaved block")
    parser.add_argument("--smoke", action="store_true", help="2,000 events, a few seconds")
    parser.add_argument("--dir", type=Path, default=None, help="parent of the temp stores")
    args = parser.parse_args()
    count, block, rounds, reps = args.events, args.block, 3, 5
    if args.smoke:
        count, block, rounds, reps = 2000, 500, 1, 3
    batch = max(1, min(args.batch, block))
    block -= block % batch  # whole transactions per block

    rng = random.Random(SEED)
    actor, events = make_events(count, rng)
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="audit-bench-") as scratch:
        floor = fsync_p50_ms(Path(scratch))
        durable, conn = durable_rates(Path(scratch), events, actor, batch, block)
        try:
            proofs = proofs_and_verify(conn, actor, rng, reps)
            cipher_version = conn.execute("PRAGMA cipher_version").fetchone()[0]
        finally:
            conn.close()
    memory = memory_rates(events, rounds)
    breakdown = append_breakdown(events, count)
    report = {
        "benchmark": "audit",
        "events": count,
        "batch": batch,
        "durable": durable,
        "in_memory": memory,
        "append_breakdown_us": breakdown,
        "at_final_size": proofs,
        "disk_fsync_4k_p50_ms": floor,
        "target": "durable wall and CPU ratio over the bare chain <= 2; proofs < 5 ms",
        "meets_target": (durable["wall_ratio_merkle_over_chain"] <= 2.0
                         and durable["cpu_ratio_merkle_over_chain"] <= 2.0
                         and proofs["inclusion_proof_ms"] < 5.0
                         and proofs["consistency_proof_ms"] < 5.0),
        "versions": {"sqlcipher": cipher_version, "sqlite": sqlcipher3.sqlite_version},
    }
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
