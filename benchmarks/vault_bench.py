"""Benchmark media-vault ingest (`encrypt_file`) and verification against the disk floor.

In one run, on one random source file (page cache warmed by a first read):

1. Anchor: `openssl dgst -sha256 FILE` (hashing alone) and `dd if=FILE of=OUT bs=8M
   conv=fsync` (a durable copy alone), each timed as a subprocess. The floor is the slower of
   the two: an ingest must both hash every byte and durably write every byte.
2. Ingest: `desktop.store.vault_stream.encrypt_file` in a child process (so its peak RSS is
   the child's `ru_maxrss`, read via `resource.getrusage(RUSAGE_CHILDREN)`), timed inside the
   child around the call only (interpreter start-up excluded).
   Anchor and ingest alternate for --rounds rounds (default 3; 1 with --smoke), with a
   `sync` before each timed step; medians are compared.
3. Verify: `verify_blob` on the stored blob, in this process.

Targets: ingest / floor <= 1.25, peak RSS of the ingest child < 150 MiB.

    python3 benchmarks/vault_bench.py [--size MiB] [--smoke] [--dir DIR]

Prints one JSON object on its last line; the exit code only says the benchmark ran correctly.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere

from desktop.store.vault_read import verify_blob  # noqa: E402
from desktop.store.vault_stream import blob_name  # noqa: E402

MIB = 1 << 20

_CHILD = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from desktop.store.vault_stream import encrypt_file
key = bytes.fromhex(sys.argv[4])
start = time.perf_counter()
blob = encrypt_file(Path(sys.argv[2]), Path(sys.argv[3]), key)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "sha256": blob.sha256, "path": str(blob.path)}))
"""


def _make_source(path: Path, size_mib: int) -> None:
    with path.open("wb") as handle:
        for _ in range(size_mib):
            handle.write(os.urandom(MIB))
        handle.flush()
        os.fsync(handle.fileno())


def _warm(path: Path) -> None:
    with path.open("rb", buffering=0) as handle:
        buf = bytearray(8 * MIB)
        while handle.readinto(buf):
            pass


def _timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _ingest_child(source: Path, vault: Path, key: bytes) -> tuple[dict[str, Any], float]:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(ROOT), str(source), str(vault), key.hex()],
        check=True, capture_output=True, text=True,
    )
    # ru_maxrss of RUSAGE_CHILDREN: the largest waited-for child so far, in KiB on Linux.
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return json.loads(result.stdout.strip().splitlines()[-1]), peak_kib / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2048, help="source size in MiB")
    parser.add_argument("--smoke", action="store_true", help="32 MiB quick run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--dir", type=Path, default=None, help="work directory (default /tmp)")
    args = parser.parse_args()
    size_mib = 32 if args.smoke else args.size
    rounds = 1 if args.smoke else args.rounds

    work = Path(tempfile.mkdtemp(prefix="vault-bench-", dir=args.dir))
    try:
        source = work / "source.bin"
        _make_source(source, size_mib)
        _warm(source)
        key = os.urandom(32)

        # Rounds interleave anchor and ingest so disk drift lands on both; medians reported.
        # The ingest child is the first child this process spawns, so RUSAGE_CHILDREN's
        # ru_maxrss right after it is the ingest's own peak RSS.
        vault = work / "vault"
        copy = work / "copy.bin"
        sha_times: list[float] = []
        dd_times: list[float] = []
        ingest_times: list[float] = []
        peak_rss_mib = 0.0
        sha256 = ""
        for round_no in range(rounds):
            shutil.rmtree(vault, ignore_errors=True)
            os.sync()
            ingest, peak = _ingest_child(source, vault, key)
            if round_no == 0:
                peak_rss_mib = peak
            ingest_times.append(ingest["seconds"])
            sha256 = ingest["sha256"]
            os.sync()
            sha_times.append(_timed(["openssl", "dgst", "-sha256", str(source)]))
            os.sync()
            dd_times.append(_timed(
                ["dd", f"if={source}", f"of={copy}", "bs=8M", "conv=fsync", "status=none"]
            ))
            copy.unlink()
        floors = [max(a, b) for a, b in zip(sha_times, dd_times, strict=True)]
        floor = statistics.median(floors)
        ingest_time = statistics.median(ingest_times)

        blob_path = vault / blob_name(key, sha256)
        start = time.perf_counter()
        verify_blob(blob_path, key, sha256)
        verify_time = time.perf_counter() - start

        report = {
            "benchmark": "vault",
            "size_mib": size_mib,
            "rounds": rounds,
            "anchor_openssl_sha256_s": [round(t, 3) for t in sha_times],
            "anchor_dd_fsync_s": [round(t, 3) for t in dd_times],
            "floor_median_s": round(floor, 3),
            "ingest_s": [round(t, 3) for t in ingest_times],
            "ingest_median_s": round(ingest_time, 3),
            "ingest_mib_s": round(size_mib / ingest_time, 1),
            "ratio_ingest_over_floor": round(ingest_time / floor, 3),
            "target_ratio": 1.25,
            "verify_s": round(verify_time, 3),
            "verify_mib_s": round(size_mib / verify_time, 1),
            "peak_rss_ingest_mib": round(peak_rss_mib, 1),
            "target_peak_rss_mib": 150,
        }
        print(json.dumps(report))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
