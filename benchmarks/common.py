"""What the benchmarks share: the disk-state probe every durable measurement reports.

The disk of this machine switches between a fast state and a slow one in which every fsync
takes about 4 ms and hides CPU cost (issue 13), so each benchmark that writes durably says
which state it saw by timing small appends with fsync beside its files.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path


def fsync_p50_ms(directory: Path, rounds: int = 20) -> float:
    """Median ms of a 4 KiB append + fsync in `directory`: which disk state the run saw."""
    path = directory / "fsync.probe"
    samples = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for _ in range(rounds):
            start = time.perf_counter()
            os.write(fd, b"\0" * 4096)
            os.fsync(fd)
            samples.append(time.perf_counter() - start)
    finally:
        os.close(fd)
        path.unlink()
    return round(statistics.median(samples) * 1000, 3)
