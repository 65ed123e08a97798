"""HQ restored from a backup, seen from a store made with `statement-room init`: the officer's
next `sync` takes HQ's signed restore statement, sends again what HQ lost, says so in words,
and HQ ends with every record once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli.helpers import last_json, run_cli
from tests.cli.test_cli_end_to_end import ADMIN, CASE_NUMBER, FIRST, login, ok, set_up_unit
from tests.cli.test_sync_cli import signed_statement
from tests.hq.test_backup_restore import hq_cli
from tests.hq.web_support import hq_rows
from tests.support.hq_server import RunningHQ, hq_server, start_hq

__all__ = ["hq_server"]

pytestmark = pytest.mark.embedded_only  # the embedded lane's backup and restore


def test_the_next_sync_sends_again_what_the_restored_hq_lost(
        tmp_path: Path, hq_server: RunningHQ) -> None:
    store, _ca = set_up_unit(tmp_path)
    signed_statement(store)
    workdir = ("--workdir", str(store))
    admin = login(ADMIN)
    ok(run_cli("sync", "enrol", *workdir, "--hq", hq_server.url, "--code",
               hq_server.enrol_code(), env=admin))
    assert last_json(ok(run_cli("sync", *workdir, "--json", env=admin)).stdout)["complete"]
    copy = tmp_path / "backup"
    assert hq_server.admin("backup", str(copy)).returncode == 0

    photo = tmp_path / "现场照片.jpg"  # sent after the backup: the restore loses it
    photo.write_bytes(os.urandom(200_000))
    ok(run_cli("evidence", "import", *workdir, "--case", CASE_NUMBER, "--path", str(photo),
               env=login(FIRST)))
    after = last_json(ok(run_cli("sync", *workdir, "--json", env=admin)).stdout)
    assert after["complete"] and after["sent"] >= 2

    hq_server.stop()
    restored_dir = tmp_path / "restored"
    done = hq_cli("--data", str(restored_dir), "restore", str(copy))
    assert done.returncode == 0 and "Restore statement signed" in done.stdout, done.stderr
    restored = start_hq(restored_dir)
    try:
        plain = ok(run_cli("sync", *workdir, "--hq", restored.url, env=admin))
        assert "HQ was restored from a backup and had lost" in plain.stderr
        assert "Not sent" not in plain.stderr
        again = last_json(ok(run_cli("sync", *workdir, "--hq", restored.url, "--json",
                                     env=admin)).stdout)
        assert again["complete"] and again["requeued_after_restore"] == 0
        rows = hq_rows(restored, "SELECT kind, entity_id FROM records")
        keys = [(r["kind"], r["entity_id"]) for r in rows]
        assert len(keys) == len(set(keys))  # nothing twice
        assert ("evidence_item" in {k for k, _ in keys})  # the lost medium is back
        shown = run_cli("sync", "status", *workdir, "--json", env=admin)
        assert shown.returncode == 0, shown.stderr
        assert last_json(shown.stdout)["errors"] == []
    finally:
        restored.stop()
