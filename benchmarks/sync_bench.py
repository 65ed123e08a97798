"""Benchmark media upload to the real HQ: our sync client against `curl`, and a resume's cost.

A real HQ process (``python3 -m hq serve``, uvicorn) runs on loopback with its own data
directory. Each round uploads a fresh file of ``--size`` MiB (fresh: HQ deduplicates by
SHA-256) three times, order rotated each round:

- ours: a child process running one `SyncEngine` round for one medium (manifest, tus create,
  8 MiB PATCHes with per-chunk SHA-256 and a signed request each, the receipt verified against
  the pinned key, the receipt-log head checked), the file read in chunks as the vault would be;
  timed inside the child around the round (a sync worker does not start per upload), its CPU
  from ``time.process_time`` there, its peak RSS from its ``wait4`` rusage;
- anchor: curl PATCHes the same bytes to an upload this process created (the creation's
  request timed and added; the PATCHes' signed headers precomputed, not timed), in the same
  8 MiB requests on one connection (``--next``): the same work at HQ but for our manifest and
  log-head requests, so the ratio measures the client; timed from spawn to exit, CPU and peak
  RSS from its ``wait4`` rusage;
- second anchor: ``curl -T FILE -X PATCH`` of the whole file in one request
  (``ratio_wall_vs_single_patch``): what chunking with a durable offset per chunk costs at HQ.

``ratio_wall`` is our throughput over chunked curl's (target >= 0.8); ``ratio_cpu`` our CPU over
curl's (information: we hash every chunk, curl hashes nothing). Then one upload of ours goes
through the fault proxy (tests/support/fault_proxy.py), cut with RST in the middle of a chunk:
``resume_resent_bytes`` is what crossed the proxy beyond the file (request headers included),
to compare with one chunk (8 MiB). Last, one round of ``--records`` audit events and a tree
head (one ``POST /v1/records`` each): its wall and CPU time. The HQ data directory's 4 KiB
write + fsync latency is reported at start and end (the disk here has a slow state).

    python3 benchmarks/sync_bench.py [--size MiB] [--rounds N] [--records N] [--smoke]
                                     [--dir DIR]

Prints one JSON object on its last line; `meets_target` is information.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere

from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: E402
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from benchmarks.common import fsync_p50_ms  # noqa: E402
from sync.client.engine import SyncEngine  # noqa: E402
from sync.client.enrol import enrol  # noqa: E402
from sync.client.source import Enrolment, PendingItem, UploadProgress  # noqa: E402
from sync.client.transport import HqConnection  # noqa: E402
from sync.client.tus import CHUNK_SIZE  # noqa: E402
from sync.protocol.canonical import canonical_json  # noqa: E402
from sync.protocol.loghead import LogHead  # noqa: E402
from sync.protocol.receipt import Receipt  # noqa: E402
from sync.protocol.records import OutboxEntry, RecordKind  # noqa: E402
from sync.protocol.restore import RestoreStatement  # noqa: E402
from sync.protocol.signing import Signed, key_id_for, sign  # noqa: E402
from tests.support.fault_proxy import Fault, FaultProxy  # noqa: E402
from tests.support.hq_server import RunningHQ, start_hq  # noqa: E402
from tests.sync_client.memory_source import MemorySource  # noqa: E402

MIB = 1 << 20
TARGET_RATIO = 0.8


class FileSource:
    """A `SyncSource` of one medium read from a file in chunks (the vault's stand-in)."""

    def __init__(self, enrolment: Enrolment, key: Ed25519PrivateKey, entry: OutboxEntry,
                 path: Path) -> None:
        self._enrolment, self._key, self.entry, self._path = enrolment, key, entry, path
        self.receipt: Signed[Receipt] | None = None
        self.upload: UploadProgress | None = None
        self.head: Signed[LogHead] | None = None

    def enrolment(self) -> Enrolment | None:
        return self._enrolment

    def device_key(self) -> Ed25519PrivateKey:
        return self._key

    def acting_officer(self) -> None:  # the device alone: throughput, not who acted
        return None

    def save_officer_registration(self, officer_id: str, public_key_hex: str) -> None:
        raise AssertionError("the benchmark's device acts for no officer")

    def pending(self) -> list[PendingItem]:
        if self.receipt is not None:
            return []
        return [PendingItem(self.entry, True, self.upload, 0)]

    def payload(self, entry: OutboxEntry) -> bytes:
        raise AssertionError("only a medium here")

    def media_chunks(self, entry: OutboxEntry, start: int, chunk_size: int) -> Iterator[bytes]:
        with self._path.open("rb") as f:
            f.seek(start)
            while chunk := f.read(chunk_size):
                yield chunk

    def audit_consistency(self, from_size: int, to_size: int) -> list[bytes]:
        return []

    def audit_leaves(self, start: int, stop: int) -> list[bytes]:
        return []

    def save_upload(self, op_id: str, upload: UploadProgress | None) -> None:
        self.upload = upload

    def save_receipt(self, op_id: str, receipt: Signed[Receipt]) -> None:
        self.receipt = receipt

    def save_failure(self, op_id: str, error: str, message: str, retry_at_ms: int | None
                     ) -> None:
        raise RuntimeError(f"upload failed: {error}: {message}")

    def last_log_head(self) -> Signed[LogHead] | None:
        return self.head

    def save_log_head(self, head: Signed[LogHead]) -> None:
        self.head = head

    def accept_restore(self, restore: Signed[RestoreStatement], head: Signed[LogHead]) -> int:
        raise RuntimeError("the benchmark's HQ is never restored")


@dataclass
class Device:
    enrolment: Enrolment
    key: Ed25519PrivateKey
    seq: int = 0

    def entry(self, path: Path) -> OutboxEntry:
        self.seq += 1
        digest = hashlib.sha256()
        with path.open("rb") as f:
            while block := f.read(MIB):
                digest.update(block)
        return OutboxEntry(op_id=str(uuid.uuid4()), device=key_id_for(self.key.public_key()),
                           device_seq=self.seq, kind=RecordKind.EVIDENCE_ITEM,
                           entity_id=str(uuid.uuid4()), sha256=digest.hexdigest(),
                           size=path.stat().st_size)


def _child() -> int:
    """Run one sync round for the medium described on stdin; print its timings."""
    job = json.load(sys.stdin)
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(job["key"]))
    enrolment = Enrolment(job["url"], job["hq_id"], key_id_for(key.public_key()),
                          Ed25519PublicKey.from_public_bytes(bytes.fromhex(job["receipt_key"])))
    source = FileSource(enrolment, key, OutboxEntry.from_json(job["entry"]), Path(job["path"]))
    wall, cpu = time.perf_counter(), time.process_time()
    result = SyncEngine(source).run_round()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(json.dumps({"wall": wall, "cpu": cpu, "complete": result.complete,
                      "bytes_sent": result.bytes_sent}))
    return 0 if result.complete and source.receipt is not None else 1


@dataclass
class Run:
    wall: float
    cpu: float
    peak_rss_mib: float


def _wait(process: subprocess.Popen[bytes]) -> tuple[int, resource.struct_rusage]:
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage


def _ours(device: Device, path: Path) -> Run:
    job = {"key": device.key.private_bytes_raw().hex(), "url": device.enrolment.hq_url,
           "hq_id": device.enrolment.hq_id,
           "receipt_key": device.enrolment.receipt_key.public_bytes_raw().hex(),
           "entry": device.entry(path).to_json(), "path": str(path)}
    process = subprocess.Popen([sys.executable, __file__, "--child"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, cwd=ROOT)
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(json.dumps(job).encode())
    process.stdin.close()
    out = process.stdout.read()
    code, usage = _wait(process)
    if code != 0:
        raise RuntimeError(f"our upload failed: {out!r}")
    timing = json.loads(out.decode().strip().splitlines()[-1])
    return Run(timing["wall"], timing["cpu"], usage.ru_maxrss / 1024)


def _curl(device: Device, path: Path, chunked: bool) -> Run:
    """curl PATCHes the file to an upload created here: in one request, or (``chunked``) in
    8 MiB requests on one connection (``--next``), the same requests our client makes."""
    entry = device.entry(path)
    signed = sign(entry, device.key)
    conn = HqConnection(device.enrolment.hq_url, hq_id=device.enrolment.hq_id,
                        device_key=device.key)
    metadata = base64.b64encode(canonical_json(signed.to_json())).decode()
    create_wall = time.perf_counter()
    created = conn.request("POST", "/v1/uploads", headers={
        "Tus-Resumable": "1.0.0", "Upload-Length": str(entry.size),
        "Idempotency-Key": entry.op_id, "Upload-Metadata": f"entry {metadata}"})
    create_wall = time.perf_counter() - create_wall  # HQ's work for the anchor too
    target = conn.target(created.header("Location") or "")
    conn.close()
    pieces: list[tuple[Path, int, str]] = []  # (file, offset, sha256 hex)
    if chunked:
        with path.open("rb") as f:
            offset = 0
            while chunk := f.read(CHUNK_SIZE):
                piece = path.with_suffix(f".{offset}")
                piece.write_bytes(chunk)
                pieces.append((piece, offset, hashlib.sha256(chunk).hexdigest()))
                offset += len(chunk)
    else:
        pieces.append((path, 0, entry.sha256))
    command = ["curl", "-sS"]
    for index, (piece, offset, sha_hex) in enumerate(pieces):
        headers = {"Tus-Resumable": "1.0.0", "Upload-Offset": str(offset),
                   "Content-Type": "application/offset+octet-stream",
                   "Upload-Checksum": "sha256 " + base64.b64encode(bytes.fromhex(sha_hex)
                                                                  ).decode(),
                   **conn.signature_headers("PATCH", target, b"", sha_hex)}
        if index:
            command.append("--next")
        command += ["-o", "/dev/null", "-w", "%{http_code}\\n", "-X", "PATCH",
                    "-T", str(piece), "-H", "Expect:"]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        command.append(device.enrolment.hq_url + target)
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE)
    assert process.stdout is not None
    statuses = process.stdout.read().decode().split()
    _, usage = _wait(process)
    wall = time.perf_counter() - start + create_wall
    for piece, _, _ in pieces:
        if piece != path:
            piece.unlink()
    if statuses != ["204"] * len(pieces):
        raise RuntimeError(f"curl's upload was answered {statuses}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def _resume_resent(device: Device, hq: RunningHQ, path: Path) -> dict[str, Any]:
    """One upload of ours through the fault proxy, cut (RST) in the middle of a chunk."""
    entry = device.entry(path)
    cut_at = min(entry.size // 2, 2 * CHUNK_SIZE) + CHUNK_SIZE // 2
    with FaultProxy(("127.0.0.1", hq.port), [Fault("rst", cut_at)]) as proxy:
        enrolment = Enrolment(proxy.url, device.enrolment.hq_id, device.enrolment.device_id,
                              device.enrolment.receipt_key)
        source = FileSource(enrolment, device.key, entry, path)
        result = SyncEngine(source, backoff_base=0.05, backoff_cap=0.5).run_round()
        resent = proxy.upstream_bytes - entry.size
        fired = bool(proxy.fired)
    if not (result.complete and fired):
        raise RuntimeError(f"the resume run failed: {result}")
    return {"resume_cut_at_byte": cut_at, "resume_resent_bytes": resent,
            "resume_resent_chunks": round(resent / CHUNK_SIZE, 3)}


def _records_round(hq: RunningHQ, count: int) -> dict[str, Any]:
    """One round of ``count`` audit events and a tree head from a new device (in process)."""
    source = MemorySource()
    source.enrolled = enrol(hq.url, hq.enrol_code(), source.key, "bench-records")
    for _ in range(count):
        source.add_event()
    source.add_tree_head()
    wall, cpu = time.perf_counter(), time.process_time()
    result = SyncEngine(source).run_round()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if not result.complete or result.sent != count + 1:
        raise RuntimeError(f"the records round failed: {result}")
    return {"records": count + 1, "records_wall_s": round(wall, 3),
            "records_cpu_s": round(cpu, 3), "records_per_s": round((count + 1) / wall, 1)}


def _fresh_file(path: Path, size: int, block: bytes) -> None:
    with path.open("wb") as f:
        f.write(uuid.uuid4().bytes)  # a new SHA-256 each time: HQ deduplicates by content
        written = 16
        while written < size:
            piece = block[: size - written]
            f.write(piece)
            written += len(piece)


def main() -> int:
    if "--child" in sys.argv:
        return _child()
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=256, help="MiB per upload")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--records", type=int, default=1000, help="records in one round")
    parser.add_argument("--smoke", action="store_true",
                        help="32 MiB, one round, 100 records (CI)")
    parser.add_argument("--dir", type=Path, default=None, help="work directory")
    args = parser.parse_args()
    size_mib, rounds = (32, 1) if args.smoke else (args.size, args.rounds)
    record_count = 100 if args.smoke else args.records
    if shutil.which("curl") is None:
        raise SystemExit("curl is needed as the anchor")
    work = Path(tempfile.mkdtemp(prefix="sync-bench-", dir=args.dir))
    hq = start_hq(work / "hq")
    try:
        probes = {"start": fsync_p50_ms(work / "hq")}
        key = Ed25519PrivateKey.generate()
        device = Device(enrol(hq.url, hq.enrol_code(), key, "bench"), key)
        block = os.urandom(MIB)
        path = work / "medium.bin"
        runs: dict[str, list[Run]] = {"ours": [], "curl": [], "curl_single": []}
        steps = {"ours": lambda: _ours(device, path),
                 "curl": lambda: _curl(device, path, chunked=True),
                 "curl_single": lambda: _curl(device, path, chunked=False)}
        names = list(steps)
        for index in range(rounds):
            for name in names[index % 3:] + names[:index % 3]:  # rotated: drift hits all
                _fresh_file(path, size_mib * MIB, block)
                runs[name].append(steps[name]())
        _fresh_file(path, size_mib * MIB, block)
        resume = _resume_resent(device, hq, path)
        records = _records_round(hq, record_count)
        probes["end"] = fsync_p50_ms(work / "hq")
        ours, curl, single = runs["ours"], runs["curl"], runs["curl_single"]
        ratio_wall = statistics.median(c.wall / o.wall for o, c in zip(ours, curl, strict=True))
        ratio_cpu = statistics.median(o.cpu / c.cpu for o, c in zip(ours, curl, strict=True))
        ratio_single = statistics.median(c.wall / o.wall
                                         for o, c in zip(ours, single, strict=True))
        peak_rss = max(r.peak_rss_mib for r in ours)
        report: dict[str, Any] = {
            "benchmark": "sync",
            "size_mib": size_mib,
            "rounds": rounds,
            "chunk_mib": CHUNK_SIZE // MIB,
            "fsync_4k_p50_ms": probes,
            "ours_wall_s": [round(r.wall, 3) for r in ours],
            "curl_wall_s": [round(r.wall, 3) for r in curl],
            "ours_cpu_s": [round(r.cpu, 3) for r in ours],
            "curl_cpu_s": [round(r.cpu, 3) for r in curl],
            "curl_single_wall_s": [round(r.wall, 3) for r in single],
            "ours_mib_s": round(size_mib / statistics.median(r.wall for r in ours), 1),
            "curl_mib_s": round(size_mib / statistics.median(r.wall for r in curl), 1),
            "curl_single_mib_s": round(size_mib / statistics.median(r.wall for r in single), 1),
            "ratio_wall": round(ratio_wall, 3),
            "ratio_wall_vs_single_patch": round(ratio_single, 3),
            "ratio_cpu": round(ratio_cpu, 3),
            "target_ratio_wall_min": TARGET_RATIO,
            **resume,
            "resume_target_bytes": CHUNK_SIZE,
            **records,
            "client_peak_rss_mib": round(peak_rss, 1),
            "curl_peak_rss_mib": round(max(r.peak_rss_mib for r in curl), 1),
            "meets_target": ratio_wall >= TARGET_RATIO
            and resume["resume_resent_bytes"] <= CHUNK_SIZE + 64 * 1024,
            "cpus": os.cpu_count(),
        }
        print(json.dumps(report))
    finally:
        hq.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
