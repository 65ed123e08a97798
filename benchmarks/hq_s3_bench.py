"""Benchmark HQ receiving a medium into SeaweedFS (``HQ_BLOBS=s3://…``, decision 30) against
the same HQ on its data directory's folder, in the same run.

Two real HQ processes run on loopback, one per store, and one SeaweedFS (`weed server -s3
-filer`, the binary checked by tests/support/seaweedfs.py). Each round uploads a fresh
``--size`` MiB medium (fresh: HQ deduplicates by SHA-256) with one `SyncEngine` round (8 MiB
PATCHes, per-chunk SHA-256, receipt verified) to each HQ, the order alternating. Timed: the
round's wall time; the CPU of the HQ process (and of SeaweedFS on the S3 side) from
/proc/<pid>/stat. ``ratio_wall`` is S3's time over the folder's (information: the S3 path
writes every byte twice, staging then the blob, and re-reads it at finalize);
``ratio_cpu`` likewise for HQ's own CPU. The data directory's 4 KiB write + fsync latency is
reported (the disk here has a slow state).

    python3 benchmarks/hq_s3_bench.py [--size MiB] [--rounds N] [--smoke]

Prints one JSON object on its last line; `meets_target` is information (target: the object
store path at least a third of the folder's throughput).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere

from benchmarks.common import fsync_p50_ms  # noqa: E402
from sync.client.engine import SyncEngine  # noqa: E402
from sync.client.enrol import enrol  # noqa: E402
from tests.support.hq_server import RunningHQ, start_hq  # noqa: E402
from tests.support.seaweedfs import RunningSeaweedFS  # noqa: E402
from tests.sync_client.memory_source import MemorySource  # noqa: E402

MIB = 1 << 20
TARGET_RATIO_WALL = 3.0


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a running process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _round(hq: RunningHQ, source: MemorySource, size: int, others: list[int]
           ) -> tuple[float, float, float]:
    """(wall s, HQ CPU s, other processes' CPU s) of one round sending a fresh medium."""
    source.add_media(os.urandom(size))
    hq_cpu, other_cpu = _cpu_s(hq.pid), sum(_cpu_s(p) for p in others)
    wall = time.perf_counter()
    result = SyncEngine(source).run_round()
    wall = time.perf_counter() - wall
    if not result.complete:
        raise RuntimeError(f"the upload failed: {result}")
    return (wall, _cpu_s(hq.pid) - hq_cpu, sum(_cpu_s(p) for p in others) - other_cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256, help="MiB per medium")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="16 MiB, one round")
    args = parser.parse_args()
    if args.smoke:
        args.size, args.rounds = 16, 1
    size = args.size * MIB
    with tempfile.TemporaryDirectory(prefix="hq-s3-bench-") as scratch:
        folder = Path(scratch)
        weed = RunningSeaweedFS(folder / "seaweedfs")
        weed.start()
        on_folder = start_hq(folder / "hq-folder")
        on_s3 = start_hq(folder / "hq-s3", weed.hq_env(weed.new_place()))
        try:
            fsync_ms = fsync_p50_ms(on_folder.data_dir)
            lanes = {"folder": (on_folder, []), "s3": (on_s3, [weed.pid])}
            sources = {}
            for name, (hq, _) in lanes.items():
                sources[name] = MemorySource()
                sources[name].enrolled = enrol(hq.url, hq.enrol_code(), sources[name].key,
                                               f"bench-{name}")
            times: dict[str, list[tuple[float, float, float]]] = {n: [] for n in lanes}
            for round_no in range(args.rounds):
                order = list(lanes) if round_no % 2 == 0 else list(reversed(lanes))
                for name in order:
                    hq, others = lanes[name]
                    times[name].append(_round(hq, sources[name], size, others))
            fsync_end_ms = fsync_p50_ms(on_folder.data_dir)
        finally:
            on_folder.stop()
            on_s3.stop()
            weed.stop()
    wall = {n: statistics.median(t[0] for t in times[n]) for n in times}
    cpu = {n: statistics.median(t[1] for t in times[n]) for n in times}
    store_cpu = statistics.median(t[2] for t in times["s3"])
    gib = size / (1 << 30)
    ratio_wall = wall["s3"] / wall["folder"]
    print(json.dumps({
        "benchmark": "hq_s3", "size_mib": args.size, "rounds": args.rounds,
        "smoke": args.smoke,
        "folder_mb_s": round(size / MIB / wall["folder"], 1),
        "s3_mb_s": round(size / MIB / wall["s3"], 1),
        "ratio_wall": round(ratio_wall, 3),
        "hq_cpu_s_per_gib_folder": round(cpu["folder"] / gib, 2),
        "hq_cpu_s_per_gib_s3": round(cpu["s3"] / gib, 2),
        "ratio_cpu": round(cpu["s3"] / cpu["folder"], 3),
        "seaweedfs_cpu_s_per_gib": round(store_cpu / gib, 2),
        "fsync_4k_p50_ms_start": round(fsync_ms, 3),
        "fsync_4k_p50_ms_end": round(fsync_end_ms, 3),
        "target": f"ratio_wall <= {TARGET_RATIO_WALL}",
        "meets_target": ratio_wall <= TARGET_RATIO_WALL}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
