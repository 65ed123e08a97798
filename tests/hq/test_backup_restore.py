"""Backup and restore of the embedded HQ, against real HQ processes and the real sync client.

A serving HQ is backed up after a real sync round; the backup restores into a new data
directory, where a new HQ process starts: every receipt the device holds still verifies, the
device syncs on without sending anything again, and HQ's receipt log continues from where
the backup left it (the client checks the consistency proof). A damaged backup and a
non-empty data directory are refused.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sync.client.receipts import receipt_problem
from tests.support.hq_server import RunningHQ, start_hq
from tests.sync_client.e2e import (
    assert_delivered_once,
    device,
    engine,
    records_and_video,
    stop_clean,
)

_ROOT = Path(__file__).resolve().parents[2]


def hq_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hq", "--lang", "en", *args], cwd=_ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


# The embedded lane's backup (SQLite's backup API and the folders); on PostgreSQL the procedure
# is pg_dump and the bucket (docs/operations/hq-backup.md), and the command refuses in words.
pytestmark = pytest.mark.embedded_only


def test_a_restored_hq_verifies_every_receipt_and_the_device_syncs_on(
        hq_server: RunningHQ, tmp_path: Path) -> None:
    source = device(hq_server)
    records_and_video(source, video_chunks=2.5)
    assert engine(source).run_round().complete
    head_before = source.log_head
    assert head_before is not None

    copy = tmp_path / "backup"
    made = hq_server.admin("--lang", "en", "backup", str(copy))  # while HQ serves
    assert made.returncode == 0, made.stderr
    assert "backed up" in made.stdout and "master.key" in made.stdout
    manifest = json.loads((copy / "manifest.json").read_text())
    paths = {f["path"] for f in manifest["files"]}
    assert {"hq.db", "keys/master.key", "keys/receipt-ed25519.pem"} <= paths
    assert any(p.startswith("blobs/") for p in paths)

    restored_dir = tmp_path / "restored"
    done = hq_cli("--data", str(restored_dir), "restore", str(copy))
    assert done.returncode == 0, done.stderr
    assert "restored" in done.stdout
    hq_server.stop()  # the old HQ is gone; only the restored one answers now
    restored = start_hq(restored_dir)
    try:
        assert source.enrolled is not None
        assert restored.info()["hq"] == manifest["hq_id"] == source.enrolled.hq_id
        source.enrolled = dataclasses.replace(source.enrolled, hq_url=restored.url)
        for entry in source.entries:
            assert receipt_problem(source.receipts[entry.op_id], entry, source.enrolled) is None
        nothing = engine(source).run_round()
        assert nothing.complete and nothing.sent == 0  # HQ has everything: nothing re-sent
        source.add_event()
        source.add_event()
        source.add_tree_head()
        more = engine(source).run_round()
        assert more.complete and more.sent == 3, more
        # The engine accepted the new log head only with a consistency proof from the old.
        assert source.log_head is not None
        assert source.log_head.body.size == head_before.body.size + 3
        assert_delivered_once(source, restored)
    finally:
        stop_clean(restored)


def test_a_damaged_backup_and_a_used_data_directory_are_refused(
        hq_server: RunningHQ, tmp_path: Path) -> None:
    source = device(hq_server)
    records_and_video(source, video_chunks=1.5)
    assert engine(source).run_round().complete
    copy = tmp_path / "backup"
    assert hq_server.admin("backup", str(copy)).returncode == 0
    assert hq_server.admin("--lang", "en", "backup", str(copy)).returncode == 2  # not empty

    used = tmp_path / "used"
    used.mkdir()
    (used / "something").write_text("kept")
    refused = hq_cli("--data", str(used), "restore", str(copy))
    assert refused.returncode == 2 and "not empty" in refused.stderr
    assert (used / "something").read_text() == "kept"

    manifest = json.loads((copy / "manifest.json").read_text())
    blob = copy / next(f["path"] for f in manifest["files"] if f["path"].startswith("blobs/"))
    data = bytearray(blob.read_bytes())
    data[-1] ^= 1
    blob.write_bytes(bytes(data))
    damaged = hq_cli("--data", str(tmp_path / "fresh"), "restore", str(copy))
    assert damaged.returncode == 2 and "damaged" in damaged.stderr, damaged.stderr
    assert not (tmp_path / "fresh").exists()

    (copy / "manifest.json").unlink()
    incomplete = hq_cli("--data", str(tmp_path / "fresh"), "restore", str(copy))
    assert incomplete.returncode == 2 and "not a complete backup" in incomplete.stderr
