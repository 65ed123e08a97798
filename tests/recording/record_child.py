"""A child process that records synthetic media into a vault until it is killed or the disk
refuses a write (tests/recording/test_crash.py).

    record_child.py VAULT SIDE kill        record in real time until SIGKILL
    record_child.py VAULT SIDE full LIMIT  record as fast as possible with files limited to
                                           LIMIT bytes (RLIMIT_FSIZE: the kernel refuses the
                                           write past it, as a full disk does), then stop

The checkpoints go to SIDE/checkpoints.json (what the store records in production) and the
media time to SIDE/progress.json, each replaced atomically; `full` writes SIDE/result.json.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time
from pathlib import Path

from desktop.store.vault_stream import Checkpoint
from tests.recording.support import SMALL, start


def _put(path: Path, value: object) -> None:
    temp = path.with_suffix(".part")
    with temp.open("w") as handle:
        json.dump(value, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def main() -> None:
    vault, side, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    recorded: list[dict[str, object]] = []

    def on_checkpoint(point: Checkpoint, media_ms: int) -> None:
        # What the store records in production (helper STORE's recordings.add_checkpoint).
        recorded.append({"offset": point.offset, "sha256": point.sha256, "media_ms": media_ms})
        _put(side / "checkpoints.json", recorded)

    session = start(vault, SMALL, name=f".rec-{os.getpid()}-child.sr1",
                    on_checkpoint=on_checkpoint)
    if mode == "kill":
        session.drive.start_realtime()
        while True:
            _put(side / "progress.json", {"media_ms": session.recorder.media_ms()})
            time.sleep(0.02)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limit = int(sys.argv[4])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    while not session.failures:
        session.drive.advance(0.2)
        if session.drive.seconds > 120:
            raise SystemExit("the file size limit was never reached")
    stopped = session.recorder.stop()
    _put(side / "result.json", {
        "failure": stopped.failure, "failures": session.failures, "blob": stopped.blob is not None,
        "duration_ms": stopped.duration_ms,
        "last_checkpoint": None if stopped.last_checkpoint is None else
        [stopped.last_checkpoint.offset, stopped.last_checkpoint.sha256],
        "temp": str(session.writer.temp_path)})


if __name__ == "__main__":
    main()
