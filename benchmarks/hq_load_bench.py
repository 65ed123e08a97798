"""Benchmark HQ under many devices syncing at once (issue 16): the embedded HQ (SQLite and its
folder, one process) as the anchor, HQ on PostgreSQL + SeaweedFS with one process, and the
same with two processes behind Debian's nginx (round robin, or ``--balance least_conn``), in
the same run, interleaved.

Each lane gets ``--devices`` simulated devices, each the desktop's real sync engine
(`sync.client.engine.SyncEngine`, the wire protocol as the desktop speaks it, 8 MiB tus
chunks) over an in-memory store (`tests.sync_client.memory_source.MemorySource`, the store's
stand-in), each in its own thread: all of a lane's devices enrol at once, then run a sync
round at once, ``--rounds`` times. A device's round holds what an officer's day produces
in small: ``--statements`` statements (the canonical content, ~30 turns of Chinese text,
and its signed PDF of 96-192 KiB as a medium), two signature events per statement (audit
leaves), ``--photos`` evidence photos of 150-600 KiB and one short clip of ``--clip-kib``,
then a tree head over the audit log with the leaves HQ does not hold yet. Every lane gets
the same records (sizes from one seed; the bytes are fresh random, as HQ deduplicates media
by SHA-256). The lanes take turns, round by round, the order rotating.

Measured per lane over the timed rounds: records/s and MB/s (payload bytes over wall time),
p50/p99 receipt latency as the device sees it (`TimedSource`: one request for a record,
the whole tus upload, creation included, for a medium), CPU seconds of
the HQ processes and of PostgreSQL, SeaweedFS and nginx (each process tree from /proc, the
reaped children included) and of the devices (this process, `time.process_time`). On the
PostgreSQL lanes a sampler polls ``pg_locks`` every 20 ms for the receipt log's advisory lock
(decision 29): the share of samples in which some process held it (how busy the serialized
part of a commit is) and in which another waited for it.

Then each lane is checked from HQ's own database: every record sent is held exactly once
(rows counted per device, kind and entity id, against the devices' outboxes), the receipt
log's indexes are 0..n-1 with n the records sent, each device's audit leaves and last
countersigned head are all there, and every device holds a verified receipt for every record.
``lost`` and ``duplicated`` count the failures (both must be 0).

PostgreSQL runs durably (fsync on, as deployed), like HQ's SQLite (``synchronous=FULL``);
the 4 KiB write + fsync latency of the work folder is reported (the disk here has a slow
state). ``--logs DIR`` keeps HQ's request logs (each request's duration at HQ) and nginx's
access log (request and upstream times) for a person to read.

    python3 benchmarks/hq_load_bench.py [--devices N] [--rounds N] [--statements N]
                                        [--photos N] [--clip-kib N] [--balance M]
                                        [--logs DIR] [--smoke]

Prints one JSON object on its last line; `meets_target` is information (target: nothing lost
or doubled on any lane, and the two-process lane at least a third of the anchor's records/s).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere

from benchmarks.common import fsync_p50_ms  # noqa: E402
from hq.admin import new_enrol_code  # noqa: E402
from hq.db import _lock_key  # noqa: E402
from sync.client.engine import SyncEngine, SyncResult  # noqa: E402
from sync.client.enrol import enrol  # noqa: E402
from sync.client.receipts import receipt_problem  # noqa: E402
from sync.client.source import UploadProgress  # noqa: E402
from sync.protocol.receipt import Receipt  # noqa: E402
from sync.protocol.records import OutboxEntry, RecordKind  # noqa: E402
from sync.protocol.signing import Signed  # noqa: E402
from sync.protocol.statement import ContentTurn, StatementContent  # noqa: E402
from tests.support.hq_server import RunningHQ, start_hq  # noqa: E402
from tests.support.nginx import BALANCE_METHODS, RunningNginx  # noqa: E402
from tests.support.postgres import PostgresServer, _bin_dir, _Cluster  # noqa: E402
from tests.support.seaweedfs import RunningSeaweedFS  # noqa: E402
from tests.sync_client.memory_source import MemorySource  # noqa: E402

KIB, MIB = 1 << 10, 1 << 20
TARGET_RATIO_RECORDS = 1 / 3
LOCK_SAMPLE_S = 0.02
ANCHOR = "embedded"


# -- the devices ------------------------------------------------------------------------


@dataclass
class TimedSource(MemorySource):
    """A `MemorySource` that notes how long each record took to be receipted, as the device
    sees it (retries included): a record from the engine asking for its bytes to its receipt
    saved; a medium from the previous receipt of the round (the engine sends one item after
    the other, and a medium's first request, the tus creation, has no hook of its own) to
    its receipt."""

    started: dict[str, float] = field(default_factory=dict)
    latency_s: dict[str, float] = field(default_factory=dict)
    sends: Counter[str] = field(default_factory=Counter)  # attempts per record
    timed: bool = True  # off for the untimed catch-up rounds
    last_receipt: float | None = None  # in this round

    def begin_round(self) -> None:
        self.last_receipt = None

    def payload(self, entry: OutboxEntry) -> bytes:
        self.started.setdefault(entry.op_id, time.perf_counter())
        self.sends[entry.op_id] += 1  # once per attempt: more is a retry
        return super().payload(entry)

    def media_chunks(self, entry: OutboxEntry, start: int, chunk_size: int) -> Iterator[bytes]:
        self.started.setdefault(entry.op_id, self.last_receipt or time.perf_counter())
        self.sends[entry.op_id] += 1  # once per upload attempt (a resume included)
        return super().media_chunks(entry, start, chunk_size)

    def save_upload(self, op_id: str, upload: UploadProgress | None) -> None:
        # The creation's answer: the medium's clock started at the previous receipt.
        self.started.setdefault(op_id, self.last_receipt or time.perf_counter())
        super().save_upload(op_id, upload)

    def save_receipt(self, op_id: str, receipt: Signed[Receipt]) -> None:
        now = time.perf_counter()
        if self.timed and op_id in self.started and op_id not in self.latency_s:
            self.latency_s[op_id] = now - self.started[op_id]
        self.last_receipt = now
        super().save_receipt(op_id, receipt)


def _statement(rng: random.Random, statement_id: str) -> bytes:
    """The canonical content of a synthetic statement of ~30 turns."""
    turns = tuple(ContentTurn(f"t{n}", n, "question" if n % 2 else "answer", None, 1,
                              "合成笔录文本，" * rng.randint(5, 40) + str(n))
                  for n in range(1, rng.randint(20, 40)))
    return StatementContent(
        id=statement_id, case=f"case-{rng.randint(1, 10**6)}", kind="inquiry",
        place="询问室一", started_at="2026-12-07T09:00:00+08:00",
        ended_at="2026-12-07T10:00:00+08:00", interviewers=("officer-1", "officer-2"),
        recorder="officer-2", interviewee="party-1", addendum_of=None,
        turns=turns).canonical_bytes()


@dataclass(frozen=True)
class Workload:
    statements: int
    photos: int
    clip: int  # bytes

    def add_round(self, source: MemorySource, rng: random.Random) -> int:
        """Queue one round's records on ``source`` (sizes from ``rng``); its payload bytes."""
        first = len(source.entries)
        for _ in range(self.statements):
            statement_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            # `add_media` announces any kind; the engine sends a statement inline (it is not
            # one of the media kinds), its PDF by tus.
            source.add_media(_statement(rng, statement_id), RecordKind.STATEMENT, statement_id)
            source.add_media(os.urandom(rng.randint(96, 192) * KIB), RecordKind.STATEMENT_PDF,
                             statement_id)
            source.add_event()
            source.add_event()
        for _ in range(self.photos):
            source.add_media(os.urandom(rng.randint(150, 600) * KIB))
        source.add_media(os.urandom(self.clip))
        source.add_tree_head()
        return sum(entry.size for entry in source.entries[first:])


# -- process CPU --------------------------------------------------------------------------


def _tree_cpu_s(root: int) -> float:
    """CPU seconds of ``root`` and its live descendants, with the children each reaped."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        times[pid] = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(times.get(pid, 0) for pid in tree) / tick


# -- the receipt log's lock ---------------------------------------------------------------


class LockSampler:
    """Polls ``pg_locks`` for the receipt log's advisory lock (`hq.db._lock_key`)."""

    def __init__(self, db_url: str) -> None:
        key = _lock_key("receipt-log") & 0xFFFF_FFFF_FFFF_FFFF
        self._ids = (key >> 32, key & 0xFFFF_FFFF)
        self._url = db_url
        self._stop = threading.Event()
        self.samples = self.held = self.waited = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self._url, autocommit=True) as conn:
            while not self._stop.wait(LOCK_SAMPLE_S):
                rows = conn.execute(
                    "SELECT granted FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 "
                    "AND classid::bigint = %s AND objid::bigint = %s AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())",
                    self._ids).fetchall()
                self.samples += 1
                self.held += any(granted for (granted,) in rows)
                self.waited += any(not granted for (granted,) in rows)

    def __enter__(self) -> LockSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# -- the lanes ----------------------------------------------------------------------------


@dataclass
class Lane:
    """One HQ deployment under test, its devices and what its timed rounds measured."""

    name: str
    url: str  # where the devices send: HQ itself, or nginx in front of its processes
    hqs: list[RunningHQ]
    others: dict[str, int]  # the pids of PostgreSQL, SeaweedFS, nginx (process trees)
    db_url: str | None = None  # PostgreSQL: the receipt log's lock is sampled there
    devices: list[TimedSource] = field(default_factory=list)
    enrol_s: float = 0.0
    wall_s: float = 0.0
    records: int = 0
    payload_bytes: int = 0
    cpu_s: Counter[str] = field(default_factory=Counter)
    incomplete_rounds: int = 0
    catch_up_rounds: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    lock: Counter[str] = field(default_factory=Counter)

    def _cpu(self) -> dict[str, float]:
        taken = {"hq": sum(_tree_cpu_s(hq.pid) for hq in self.hqs)}
        taken.update({name: _tree_cpu_s(pid) for name, pid in self.others.items()})
        taken["devices"] = time.process_time()
        return taken

    def enrol_devices(self, count: int) -> None:
        db = self.hqs[0].database()
        try:  # codes issued in this process (the admin CLI would start Python 50 times)
            codes = [new_enrol_code(db) for _ in range(count)]
        finally:
            db.close()
        self.devices = [TimedSource() for _ in range(count)]

        def one(index: int) -> None:
            device = self.devices[index]
            device.enrolled = enrol(self.url, codes[index], device.key, f"load-{index}")

        start = time.perf_counter()
        with ThreadPoolExecutor(count) as pool:
            list(pool.map(one, range(count)))
        self.enrol_s = time.perf_counter() - start

    def timed_round(self, workload: Workload, round_no: int) -> None:
        """All devices queue a round's records, then sync at once; the round is timed."""
        for index, device in enumerate(self.devices):
            before = len(device.entries)
            self.payload_bytes += workload.add_round(
                device, random.Random(f"load/{index}/{round_no}"))
            self.records += len(device.entries) - before
        sampler = LockSampler(self.db_url) if self.db_url else None
        if sampler is not None:
            sampler.__enter__()
        for device in self.devices:
            device.begin_round()
        before_cpu = self._cpu()
        start = time.perf_counter()
        with ThreadPoolExecutor(len(self.devices)) as pool:
            results = list(pool.map(lambda d: SyncEngine(d).run_round(), self.devices))
        self.wall_s += time.perf_counter() - start
        after_cpu = self._cpu()
        if sampler is not None:
            sampler.__exit__()
            self.lock.update({"samples": sampler.samples, "held": sampler.held,
                              "waited": sampler.waited})
        self.cpu_s.update({k: after_cpu[k] - before_cpu[k] for k in after_cpu})
        self._note(results)
        self.incomplete_rounds += sum(not r.complete for r in results)

    def _note(self, results: list[SyncResult]) -> None:
        for result in results:
            self.failures.update(f.error for f in result.failed)
            if result.paused:
                self.failures[f"paused:{result.paused}"] += 1
            if result.offline:
                self.failures["offline"] += 1

    def catch_up(self, tries: int = 3) -> None:
        """Devices left with records unsent (a refused or failed item) sync again, untimed,
        as the desktop's next round would: nothing may stay lost."""
        for _ in range(tries):
            behind = [d for d in self.devices if d.pending()]
            if not behind:
                return
            for device in behind:
                device.timed = False
                device.failures.clear()  # a later round retries whatever waited
                self.catch_up_rounds += 1
                self._note([SyncEngine(device, backoff_base=0.2).run_round()])

    def verify(self) -> dict[str, Any]:
        """What HQ's database holds against what the devices sent (see the docstring)."""
        sent = Counter((d.device, e.kind.value, e.entity_id) for d in self.devices
                       for e in d.entries)
        db = self.hqs[0].database()
        try:
            held = {(r["device"], r["kind"], r["entity_id"]): int(r["n"]) for r in db.all(
                "SELECT device, kind, entity_id, count(*) AS n FROM records "
                "GROUP BY device, kind, entity_id")}
            log = [int(r["log_index"]) for r in db.all(
                "SELECT log_index FROM receipt_log ORDER BY log_index")]
            indexes = sorted(int(r["log_index"]) for r in db.all(
                "SELECT log_index FROM records"))
            leaves = {r["device"]: int(r["n"]) for r in db.all(
                "SELECT device, count(*) AS n FROM audit_leaves GROUP BY device")}
            heads = {r["device"]: int(r["tree_size"]) for r in db.all(
                "SELECT device, tree_size FROM audit_heads")}
        finally:
            db.close()
        receipts = [(d, e) for d in self.devices for e in d.entries]
        unreceipted = sum(1 for d, e in receipts if e.op_id not in d.receipts
                          or d.enrolled is None
                          or receipt_problem(d.receipts[e.op_id], e, d.enrolled) is not None)
        given = [r.body.log_index for d in self.devices for r in d.receipts.values()]
        return {
            "lost": sum(1 for key in sent if key not in held),
            "duplicated": sum(n - 1 for n in held.values()) + sum(n - 1 for n in sent.values())
            + len(log) - len(set(log)) + len(given) - len(set(given)),
            "unexpected": sum(1 for key in held if key not in sent),
            "log_contiguous": log == list(range(sum(sent.values()))) and indexes == log,
            "audit_trails_complete": all(
                leaves.get(d.device) == len(d.leaves) == heads.get(d.device)
                for d in self.devices),
            "unreceipted": unreceipted,
        }

    def figures(self) -> dict[str, Any]:
        latencies = [(d.latency_s[e.op_id], e.kind in _MEDIA) for d in self.devices
                     for e in d.entries if e.op_id in d.latency_s]
        every = [s for s, _ in latencies]
        by_kind: dict[str, list[float]] = {}
        for device in self.devices:
            for entry in device.entries:
                if entry.op_id in device.latency_s:
                    by_kind.setdefault(entry.kind.value, []).append(
                        device.latency_s[entry.op_id])
        media = [s for s, is_media in latencies if is_media]
        small = [s for s, is_media in latencies if not is_media]
        servers = sum(v for k, v in self.cpu_s.items() if k != "devices")
        samples = self.lock["samples"]
        held = self.lock["held"] / samples if samples else None
        return {
            "hq_processes": len(self.hqs),
            "devices": len(self.devices),
            "records": self.records,
            "payload_mib": round(self.payload_bytes / MIB, 1),
            "wall_s": round(self.wall_s, 2),
            "records_per_s": round(self.records / self.wall_s, 1),
            "mb_per_s": round(self.payload_bytes / 1e6 / self.wall_s, 2),
            "receipt_p50_ms": _ms(_pct(every, 50)),
            "receipt_p99_ms": _ms(_pct(every, 99)),
            "record_receipt_p50_ms": _ms(_pct(small, 50)),
            "record_receipt_p99_ms": _ms(_pct(small, 99)),
            "media_receipt_p50_ms": _ms(_pct(media, 50)),
            "media_receipt_p99_ms": _ms(_pct(media, 99)),
            "receipt_p99_ms_by_kind": {k: _ms(_pct(v, 99)) for k, v in sorted(by_kind.items())},
            "cpu_s": {k: round(v, 2) for k, v in sorted(self.cpu_s.items())},
            "hq_cpu_ms_per_record": round(1000 * self.cpu_s["hq"] / self.records, 2),
            "server_cpu_ms_per_record": round(1000 * servers / self.records, 2),
            "hq_cpu_s_per_gib": round(self.cpu_s["hq"] / (self.payload_bytes / (1 << 30)), 1),
            "enrol_s": round(self.enrol_s, 2),
            "retried_records": sum(1 for d in self.devices for n in d.sends.values() if n > 1),
            "incomplete_rounds": self.incomplete_rounds,
            "catch_up_rounds": self.catch_up_rounds,
            "failures": dict(self.failures),
            "receipt_log_lock_held_share": None if held is None else round(held, 3),
            # Held time per receipt, and the rate at which the lock alone would be always
            # held: the ceiling the serialized part of a commit puts on one receipt log.
            "receipt_log_lock_ms_per_record": None if held is None
            else round(1000 * held * self.wall_s / self.records, 2),
            "receipt_log_ceiling_records_per_s": None if not held
            else round(self.records / (held * self.wall_s), 1),
            "receipt_log_lock_waited_share": round(self.lock["waited"] / samples, 3)
            if samples else None,
        }


_MEDIA = frozenset({RecordKind.EVIDENCE_ITEM, RecordKind.STATEMENT_PDF})


def _pct(values: list[float], percent: int) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def _ratio(value: float | None, anchor: float | None) -> float | None:
    return None if value is None or not anchor else round(value / anchor, 3)


# -- the run ------------------------------------------------------------------------------


def _second_process(first: RunningHQ, data_dir: Path, env: dict[str, str], db_url: str
                    ) -> RunningHQ:
    """Another HQ process on the same database, bucket and keys, with a data directory of
    its own (as on a second machine)."""
    data_dir.mkdir(mode=0o700)
    (data_dir / "keys").symlink_to(first.data_dir / "keys")
    return start_hq(data_dir, env, db_url=db_url)


def _run(args: argparse.Namespace, folder: Path, workload: Workload) -> dict[str, Any]:
    bin_dir = _bin_dir()
    if bin_dir is None:
        raise SystemExit("PostgreSQL is not installed (Debian: postgresql)")
    stops: list[Callable[[], None]] = []
    try:
        weed = RunningSeaweedFS(folder / "seaweedfs")
        weed.start()
        stops.append(weed.stop)
        cluster = _Cluster(bin_dir, durable=True)  # fsync on, as deployed
        stops.append(cluster.stop)
        postgres = PostgresServer(cluster.start())
        assert cluster.pid is not None
        embedded = start_hq(folder / "hq-embedded")
        stops.append(embedded.stop)
        one_url = postgres.create_database()
        one = start_hq(folder / "hq-pg", weed.hq_env(weed.new_place()), db_url=one_url)
        stops.append(one.stop)
        two_url = postgres.create_database()
        two_env = weed.hq_env(weed.new_place())
        first = start_hq(folder / "hq-x2-a", two_env, db_url=two_url)
        stops.append(first.stop)
        second = _second_process(first, folder / "hq-x2-b", two_env, two_url)
        stops.append(second.stop)
        balancer = RunningNginx(folder / "nginx", [first.port, second.port],
                                workers=args.nginx_workers, balance=args.balance)
        balancer.start()
        stops.append(balancer.stop)
        lanes = [
            Lane(ANCHOR, embedded.url, [embedded], {}),
            Lane("pg_s3", one.url, [one], {"postgresql": cluster.pid, "seaweedfs": weed.pid},
                 one_url),
            Lane("pg_s3_x2_nginx", balancer.url, [first, second],
                 {"postgresql": cluster.pid, "seaweedfs": weed.pid, "nginx": balancer.pid},
                 two_url),
        ]
        fsync_start = fsync_p50_ms(folder)
        for lane in lanes:
            lane.enrol_devices(args.devices)
        for round_no in range(args.rounds):
            shift = round_no % len(lanes)
            for lane in lanes[shift:] + lanes[:shift]:  # rotated: drift hits every lane
                lane.timed_round(workload, round_no)
        for lane in lanes:
            lane.catch_up()
        checks = {lane.name: lane.verify() for lane in lanes}
        fsync_end = fsync_p50_ms(folder)
        upstreams = balancer.upstream_counts()
        statuses = balancer.status_counts()
        errors = [line[line.index("[error]"):][:240] for line in balancer.log().splitlines()
                  if "[error]" in line]
        if args.logs is not None:  # for a person to read: the servers' own request logs
            args.logs.mkdir(parents=True, exist_ok=True)
            for path in [*folder.glob("*-server.log"), balancer.access_log,
                         balancer.folder / "error.log"]:
                if path.exists():
                    shutil.copy(path, args.logs / f"{path.parent.name}-{path.name}")
        for hq in (embedded, one, first, second):
            if "Traceback" in hq.log():
                raise RuntimeError(f"HQ logged a traceback:\n{hq.log()[-4000:]}")
    finally:
        for stop in reversed(stops):
            stop()
    figures = {lane.name: {**lane.figures(), **checks[lane.name]} for lane in lanes}
    anchor = figures[ANCHOR]
    ratios = {name: {
        "records_per_s": _ratio(f["records_per_s"], anchor["records_per_s"]),
        "mb_per_s": _ratio(f["mb_per_s"], anchor["mb_per_s"]),
        "receipt_p50": _ratio(f["receipt_p50_ms"], anchor["receipt_p50_ms"]),
        "receipt_p99": _ratio(f["receipt_p99_ms"], anchor["receipt_p99_ms"]),
        "hq_cpu_per_record": _ratio(f["hq_cpu_ms_per_record"], anchor["hq_cpu_ms_per_record"]),
        "server_cpu_per_record": _ratio(f["server_cpu_ms_per_record"],
                                        anchor["server_cpu_ms_per_record"]),
    } for name, f in figures.items() if name != ANCHOR}
    clean = all(f["lost"] == 0 and f["duplicated"] == 0 and f["unexpected"] == 0
                and f["unreceipted"] == 0 and f["log_contiguous"] and f["audit_trails_complete"]
                for f in figures.values())
    scaled = ratios["pg_s3_x2_nginx"]["records_per_s"] or 0.0
    return {
        "benchmark": "hq_load", "smoke": args.smoke, "devices": args.devices,
        "rounds": args.rounds,
        "per_device_round": {"statements": workload.statements, "photos": workload.photos,
                             "clip_kib": workload.clip // KIB},
        "client": "sync.client.engine.SyncEngine (the desktop's sync engine, 8 MiB chunks) "
                  "over tests.sync_client.memory_source.MemorySource, one thread per device",
        "lanes": figures,
        "ratios_vs_embedded": ratios,
        "lost": {n: f["lost"] for n, f in figures.items()},
        "duplicated": {n: f["duplicated"] for n, f in figures.items()},
        "nginx_balance": args.balance,
        "nginx_upstream_requests": dict(upstreams),
        "nginx_statuses": dict(statuses),
        "nginx_errors": len(errors),
        "nginx_first_errors": errors[:3],
        "postgresql": "Debian's, durable (fsync on), one database per lane",
        "fsync_4k_p50_ms_start": fsync_start, "fsync_4k_p50_ms_end": fsync_end,
        "cpus": os.cpu_count(),
        "target": "lost = duplicated = 0 on every lane, log contiguous; "
                  f"two processes behind nginx >= {TARGET_RATIO_RECORDS:.2f}x the anchor's "
                  "records/s",
        "meets_target": clean and scaled >= TARGET_RATIO_RECORDS,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--statements", type=int, default=4, help="per device and round")
    parser.add_argument("--photos", type=int, default=2, help="per device and round")
    parser.add_argument("--clip-kib", type=int, default=1536, help="one clip per round")
    parser.add_argument("--nginx-workers", type=int, default=1)
    parser.add_argument("--balance", choices=BALANCE_METHODS, default="round_robin",
                        help="nginx's choice of HQ process per request")
    parser.add_argument("--logs", type=Path, default=None,
                        help="copy HQ's and nginx's logs into this folder before cleaning up")
    parser.add_argument("--smoke", action="store_true",
                        help="5 devices, one round of 2 statements, 1 photo, a 256 KiB clip")
    args = parser.parse_args()
    if args.smoke:
        args.devices, args.rounds, args.statements, args.photos, args.clip_kib = 5, 1, 2, 1, 256
    workload = Workload(args.statements, args.photos, args.clip_kib * KIB)
    with tempfile.TemporaryDirectory(prefix="hq-load-bench-") as scratch:
        report = _run(args, Path(scratch), workload)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
