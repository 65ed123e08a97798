"""HQ restored from a backup older than what a device sent: the signed restore statement.

A device that synced after the backup holds receipts the restored HQ no longer has; its
receipt log is shorter than the head the device verified. Without a word from HQ the device
refuses that log (it is what a rollback looks like). With HQ's restore statement, signed by
the receipt key the device pinned, the device accepts the restored log, sends again exactly
what HQ lost, and ends with every record held once. A statement signed by another key, or
none at all, leaves the device refusing as before.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.protocol.canonical import canonical_json
from sync.protocol.restore import RestoreStatement
from sync.protocol.signing import sign
from tests.hq.test_backup_restore import hq_cli
from tests.support.hq_server import RunningHQ, start_hq
from tests.sync_client.e2e import (
    assert_delivered_once,
    device,
    engine,
    records_and_video,
    stop_clean,
)
from tests.sync_client.memory_source import MemorySource

pytestmark = pytest.mark.embedded_only  # the embedded backup; `restored` covers PostgreSQL


def synced_past_a_backup(hq: RunningHQ, tmp_path: Path) -> tuple[MemorySource, Path, int]:
    """A device that synced, then HQ backed up, then the device sent three more records
    (their receipts lie beyond the backup); the backup folder and its log size."""
    source = device(hq)
    records_and_video(source, video_chunks=1.5)
    assert engine(source).run_round().complete
    assert source.log_head is not None
    backed_up_size = source.log_head.body.size
    copy = tmp_path / "backup"
    assert hq.admin("backup", str(copy)).returncode == 0
    source.add_event()
    source.add_event()
    source.add_tree_head()
    assert engine(source).run_round().complete
    assert source.log_head.body.size == backed_up_size + 3
    return source, copy, backed_up_size


def restore_to(copy: Path, into: Path, source: MemorySource) -> RunningHQ:
    done = hq_cli("--data", str(into), "restore", str(copy))
    assert done.returncode == 0, done.stderr
    assert "Restore statement signed" in done.stdout
    restored = start_hq(into)
    assert source.enrolled is not None
    source.enrolled = dataclasses.replace(source.enrolled, hq_url=restored.url)
    return restored


def test_the_device_sends_again_what_the_restored_hq_lost_and_nothing_twice(
        hq_server: RunningHQ, tmp_path: Path) -> None:
    source, copy, backed_up_size = synced_past_a_backup(hq_server, tmp_path)
    lost = {op for op, r in source.receipts.items() if r.body.log_index >= backed_up_size}
    assert len(lost) == 3
    hq_server.stop()
    restored = restore_to(copy, tmp_path / "restored", source)
    try:
        result = engine(source).run_round()
        assert result.complete, result
        assert result.hq_restored_at == backed_up_size
        assert result.requeued_after_restore == 3
        assert result.sent == 3  # exactly what HQ lost, in the same round
        assert ("accept_restore", str(backed_up_size)) in source.calls
        assert_delivered_once(source, restored)
        again = engine(source).run_round()  # the next round is an ordinary one
        assert again.complete and again.sent == 0 and again.hq_restored_at is None
    finally:
        stop_clean(restored)


def _replace_statements(data_dir: Path, statements: list[str] | None) -> None:
    with sqlite3.connect(data_dir / "hq.db") as db:
        db.execute("DELETE FROM meta WHERE key = 'restore_statements'")
        if statements is not None:
            db.execute("INSERT INTO meta (key, value) VALUES ('restore_statements', ?)",
                       (json.dumps(statements),))


@pytest.mark.parametrize("statement", ["none", "forged"])
def test_without_hqs_own_restore_statement_the_device_refuses_the_shorter_log(
        hq_server: RunningHQ, tmp_path: Path, statement: str) -> None:
    source, copy, backed_up_size = synced_past_a_backup(hq_server, tmp_path)
    held_head = source.log_head
    hq_server.stop()
    into = tmp_path / "restored"
    assert hq_cli("--data", str(into), "restore", str(copy)).returncode == 0
    forged = sign(RestoreStatement(hq=source.enrolled.hq_id if source.enrolled else "",
                                   log_size=backed_up_size, root_hash=bytes(32),
                                   backup_ms=None, restored_ms=2**52),
                  Ed25519PrivateKey.generate())
    _replace_statements(into, None if statement == "none"
                        else [canonical_json(forged.to_json()).decode("utf-8")])
    restored = start_hq(into)
    assert source.enrolled is not None
    source.enrolled = dataclasses.replace(source.enrolled, hq_url=restored.url)
    try:
        result = engine(source).run_round()
        assert result.paused == "bad_log", result
        assert result.hq_restored_at is None and result.requeued_after_restore == 0
        assert source.log_head == held_head  # the device keeps the head it verified
        assert all(r.body.log_index < backed_up_size + 3 for r in source.receipts.values())
    finally:
        stop_clean(restored)


def test_a_device_that_last_synced_before_the_backup_just_syncs_on(
        hq_server: RunningHQ, tmp_path: Path) -> None:
    early = device(hq_server)
    records_and_video(early, video_chunks=1.5)
    assert engine(early).run_round().complete
    source, copy, _ = synced_past_a_backup(hq_server, tmp_path)
    hq_server.stop()
    restored = restore_to(copy, tmp_path / "restored", source)
    assert early.enrolled is not None
    early.enrolled = dataclasses.replace(early.enrolled, hq_url=restored.url)
    try:
        early.add_event()
        result = engine(early).run_round()
        assert result.complete and result.sent == 1
        assert result.hq_restored_at is None  # its head is a prefix of the restored log
    finally:
        stop_clean(restored)
