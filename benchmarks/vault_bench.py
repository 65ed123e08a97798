"""Benchmark body-cam ingest into the media vault as a whole process, against `openssl` and `dd`.

Every timed step is a separate process, started and waited for by this one, timed from spawn
to exit (interpreter start-up and imports included for ours), its CPU (user + system) and peak
RSS read from its own `wait4` rusage:

- anchor 1, hashing alone: `openssl dgst -sha256 FILE`;
- anchor 2, a durable copy alone: `dd if=FILE of=OUT bs=4M conv=fsync`;
- ingest: a child Python process doing what docking does for one file, `encrypt_file` of the
  source into a vault folder (SHA-256 of the plaintext, AES-GCM STREAM, fsync, rename, fsync
  of the folder), nothing else.

An ingest must both hash every byte and durably write every byte, so the wall floor is the
slower of the two anchors (`ratio_wall`, target <= 1.25) and the CPU anchor is their sum
(`ratio_cpu`: the extra CPU is encryption, the pipeline and Python). The three steps run
interleaved for --rounds rounds, their order rotated each round so drift lands on all; each
starts with the source in the page cache (all read it warm) and after `sync`, the previous
step's output deleted so no step pays for another's dirty pages. Ratios are medians of the
per-round ratios.

The disk here switches between a fast state and one where every fsync takes milliseconds; the
JSON says which was seen: a 4 KiB write + fsync latency probe, and a 64 MiB write + fsync
throughput probe, at the start and at the end.

    python3 benchmarks/vault_bench.py [--size MiB] [--rounds N] [--smoke] [--dir DIR]

The work directory (default: the system temporary directory) must be on the disk the vault
would use; the JSON names its file system and free space. Prints one JSON object on its last
line; `meets_target` is information, the exit code only says the benchmark ran correctly.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere

from desktop.store.vault_read import verify_blob  # noqa: E402

MIB = 1 << 20
TARGET_RATIO = 1.25
TARGET_PEAK_RSS_MIB = 150

# What docking does for one file, and nothing more (dock._take_one: open, encrypt_file).
_INGEST = """
import sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from desktop.store.vault_stream import encrypt_file
with open(sys.argv[2], "rb", buffering=0) as handle:
    blob = encrypt_file(handle, Path(sys.argv[3]), bytes.fromhex(sys.argv[4]))
print(blob.sha256)
"""


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    peak_rss_mib: float


def _spawn(argv: list[str], stdout: Path) -> Run:
    """Run `argv` to its end; wall from spawn to exit, CPU and peak RSS from its own rusage."""
    actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
               (os.POSIX_SPAWN_OPEN, 1, str(stdout), os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                0o600)]
    start = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
    _pid, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{argv[0]} failed ({os.waitstatus_to_exitcode(status)})")
    # ru_maxrss is in KiB on Linux.
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


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


def _probe(work: Path) -> dict[str, float]:
    """4 KiB write + fsync latency (median of 16) and 64 MiB write + fsync throughput."""
    path = work / "probe.bin"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        block = os.urandom(4096)
        latencies = []
        for i in range(16):
            os.pwrite(fd, block, i * 4096)
            start = time.perf_counter()
            os.fsync(fd)
            latencies.append((time.perf_counter() - start) * 1000)
        chunk = os.urandom(4 * MIB)
        start = time.perf_counter()
        for _ in range(16):
            os.write(fd, chunk)
        os.fsync(fd)
        mib_s = 64 / (time.perf_counter() - start)
    finally:
        os.close(fd)
        path.unlink()
    return {"fsync_4k_p50_ms": round(statistics.median(latencies), 3),
            "write_fsync_64mib_mib_s": round(mib_s, 1)}


def _disk_state(probes: list[dict[str, float]]) -> str:
    # In the slow state every fsync takes about 4 ms; in the fast one well under 1 ms.
    slow = [p for p in probes if p["fsync_4k_p50_ms"] >= 1.0]
    if not slow:
        return "fast"
    return "slow" if len(slow) == len(probes) else "mixed"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=2048, help="source size in MiB")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--smoke", action="store_true", help="32 MiB, one round (CI)")
    parser.add_argument("--dir", type=Path, default=None, help="work directory (default TMPDIR)")
    args = parser.parse_args()
    size_mib = 32 if args.smoke else args.size
    rounds = 1 if args.smoke else args.rounds

    work = Path(tempfile.mkdtemp(prefix="vault-bench-", dir=args.dir))
    try:
        free_mib = shutil.disk_usage(work).free // MIB
        if free_mib < 3 * size_mib + 256:  # source, the blob and dd's copy never coexist
            raise SystemExit(f"{work}: {free_mib} MiB free, need {3 * size_mib + 256}")
        probes = [_probe(work)]
        source = work / "source.bin"
        _make_source(source, size_mib)
        key = os.urandom(32)
        vault, copy, out = work / "vault", work / "copy.bin", work / "stdout.txt"
        steps = {
            "ingest": [sys.executable, "-c", _INGEST, str(ROOT), str(source), str(vault),
                       key.hex()],
            "openssl": ["openssl", "dgst", "-sha256", str(source)],
            "dd": ["dd", f"if={source}", f"of={copy}", "bs=4M", "conv=fsync", "status=none"],
        }
        order = list(steps)
        runs: dict[str, list[Run]] = {name: [] for name in steps}
        verify_s = 0.0
        for round_no in range(rounds):
            for name in order[round_no % 3:] + order[: round_no % 3]:
                shutil.rmtree(vault, ignore_errors=True)
                copy.unlink(missing_ok=True)
                _warm(source)  # every step reads the source from the page cache
                os.sync()
                runs[name].append(_spawn(steps[name], out))
                if name == "ingest":  # the blob must read back (untimed for the ratio)
                    start = time.perf_counter()
                    verify_blob(next(vault.iterdir()), key, out.read_text().strip())
                    verify_s = time.perf_counter() - start
        probes.append(_probe(work))

        ingest, sha, dd = runs["ingest"], runs["openssl"], runs["dd"]
        wall_ratios = [i.wall / max(s.wall, d.wall) for i, s, d in zip(ingest, sha, dd,
                                                                       strict=True)]
        cpu_ratios = [i.cpu / (s.cpu + d.cpu) for i, s, d in zip(ingest, sha, dd, strict=True)]
        ratio_wall = statistics.median(wall_ratios)
        peak_rss = max(r.peak_rss_mib for r in ingest)

        def walls(name: str) -> list[float]:
            return [round(r.wall, 3) for r in runs[name]]

        def cpus(name: str) -> list[float]:
            return [round(r.cpu, 3) for r in runs[name]]

        device = os.stat(work).st_dev
        report: dict[str, Any] = {
            "benchmark": "vault",
            "size_mib": size_mib,
            "rounds": rounds,
            "work_dir": str(work.parent),
            "work_dev": f"{os.major(device)}:{os.minor(device)}",
            "free_mib": free_mib,
            "disk_state": _disk_state(probes),
            "disk_probes": probes,
            "ingest_wall_s": walls("ingest"),
            "openssl_sha256_wall_s": walls("openssl"),
            "dd_fsync_wall_s": walls("dd"),
            "ingest_cpu_s": cpus("ingest"),
            "openssl_sha256_cpu_s": cpus("openssl"),
            "dd_fsync_cpu_s": cpus("dd"),
            "ingest_mib_s": round(size_mib / statistics.median(r.wall for r in ingest), 1),
            "ratio_wall": round(ratio_wall, 3),
            "ratio_wall_rounds": [round(r, 3) for r in wall_ratios],
            "ratio_cpu": round(statistics.median(cpu_ratios), 3),
            "target_ratio_wall": TARGET_RATIO,
            "peak_rss_ingest_mib": round(peak_rss, 1),
            "target_peak_rss_mib": TARGET_PEAK_RSS_MIB,
            "verify_s": round(verify_s, 3),
            "verify_mib_s": round(size_mib / verify_s, 1),
            "meets_target": ratio_wall <= TARGET_RATIO and peak_rss < TARGET_PEAK_RSS_MIB,
            "cpus": os.cpu_count(),
        }
        print(json.dumps(report))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
