"""`statement-room backup create|verify|restore` end to end in real processes, on stores made
by `statement-room init`: incremental, verified, restored into a new folder where both
officers log in and the trail verifies; a full backup drive keeps the previous backup."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.helpers import ROOT, last_json, run_cli

ADMIN = {"STATEMENT_ROOM_OFFICER": "ADM-001", "STATEMENT_ROOM_PASSWORD": "Admin2026password"}
OFFICER = {"STATEMENT_ROOM_OFFICER": "OFF-002", "STATEMENT_ROOM_PASSWORD": "Officer2026password"}


def _init(store: Path) -> None:
    init = run_cli("init", "--workdir", str(store), "--name", "管理员甲", "--certificate",
                   "ADM-001", "--unit", "测试中队", env=ADMIN)
    assert init.returncode == 0, init.stderr
    add = run_cli("officer", "add", "--workdir", str(store), "--name", "队员乙",
                  "--certificate", "OFF-002", "--unit", "测试中队",
                  env={**ADMIN, "STATEMENT_ROOM_NEW_PASSWORD": OFFICER["STATEMENT_ROOM_PASSWORD"]})
    assert add.returncode == 0, add.stderr


def _import(store: Path, file: Path, content: bytes) -> None:
    file.parent.mkdir(exist_ok=True)
    file.write_bytes(content)
    imported = run_cli("evidence", "import", "--workdir", str(store), "--path", str(file),
                       env=ADMIN)
    assert imported.returncode == 0, imported.stderr


def test_backup_incremental_verify_and_restore_into_a_new_folder(tmp_path: Path) -> None:
    store, drive, restored = tmp_path / "store", tmp_path / "drive", tmp_path / "restored"
    _init(store)
    _import(store, tmp_path / "in" / "a.jpg", os.urandom(200_000))

    first = run_cli("backup", "create", "--workdir", str(store), "--to", str(drive), "--json",
                    env=OFFICER)
    assert first.returncode == 0, first.stderr
    assert last_json(first.stdout)["new_blobs"] == 1
    again = run_cli("backup", "create", "--workdir", str(store), "--to", str(drive), "--json",
                    env=OFFICER)
    assert (last_json(again.stdout)["new_blobs"], last_json(again.stdout)["kept_blobs"]) == (0, 1)
    _import(store, tmp_path / "in2" / "b.jpg", os.urandom(100_000))
    third = run_cli("backup", "create", "--workdir", str(store), "--to", str(drive), "--json",
                    env=ADMIN)
    assert (last_json(third.stdout)["new_blobs"], last_json(third.stdout)["kept_blobs"]) == (1, 1)

    verify = run_cli("backup", "verify", str(drive), "--json", env=OFFICER)
    assert verify.returncode == 0, verify.stderr
    assert "is intact" in verify.stdout and last_json(verify.stdout)["problems"] == []
    wrong = run_cli("backup", "verify", str(drive),
                    env={**OFFICER, "STATEMENT_ROOM_PASSWORD": "Wrong2026password"})
    assert wrong.returncode == 1 and "password is wrong" in wrong.stderr
    assert "Traceback" not in wrong.stderr

    restore = run_cli("backup", "restore", str(drive), "--workdir", str(restored), "--json",
                      env=OFFICER)
    assert restore.returncode == 0, restore.stderr
    assert last_json(restore.stdout)["officers"] == 2
    for who in (ADMIN, OFFICER):
        audit = run_cli("audit", "verify", "--workdir", str(restored), "--json", env=who)
        assert audit.returncode == 0, audit.stdout + audit.stderr
        assert last_json(audit.stdout)["ok"] is True
    evidence = run_cli("evidence", "verify", "--workdir", str(restored), env=ADMIN)
    assert evidence.returncode == 0, evidence.stdout + evidence.stderr

    # The original store went on after the backup: restoring over it is refused.
    over = run_cli("backup", "restore", str(drive), "--workdir", str(store), env=ADMIN)
    assert over.returncode == 1 and "older than the store" in over.stderr
    assert "--force" in over.stderr
    forced = run_cli("backup", "restore", str(drive), "--workdir", str(store), "--force",
                     "--json", env=ADMIN)
    assert forced.returncode == 0, forced.stderr
    assert last_json(forced.stdout)["forced"] is True and "recorded as forced" in forced.stderr
    kept = Path(last_json(forced.stdout)["kept_aside"])
    assert (kept / "store.db").exists() and (kept / "keys.json").exists()
    audit = run_cli("audit", "verify", "--workdir", str(store), "--json", env=OFFICER)
    assert audit.returncode == 0 and last_json(audit.stdout)["ok"] is True, audit.stdout

    # A damaged file on the drive is named by `verify`, in Chinese too.
    blob = sorted((drive / "vault").iterdir())[0]
    blob.write_bytes(blob.read_bytes()[:1000])
    damaged = run_cli("backup", "verify", str(drive), env={**OFFICER, "STATEMENT_ROOM_LANG": "zh"})
    assert damaged.returncode == 1 and blob.name in damaged.stderr
    assert "Traceback" not in damaged.stderr


def _unshare_available() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not sys.platform.startswith("linux") or not _unshare_available(),
                    reason="needs Linux user and mount namespaces to make a small drive")
def test_a_full_backup_drive_keeps_the_previous_backup(tmp_path: Path) -> None:
    """A real full disk: a 1 MiB tmpfs mounted in a private namespace for the commands."""
    store, drive = tmp_path / "store", tmp_path / "drive"
    _init(store)
    drive.mkdir()
    big = tmp_path / "in" / "big.mp4"
    big.parent.mkdir()
    big.write_bytes(os.urandom(2 << 20))
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEMENT_ROOM_")}
    env.update(ADMIN, STATEMENT_ROOM_LANG="en")
    py = f"{sys.executable} -m desktop"
    script = f"""
mount -t tmpfs -o size=1m tmpfs {drive} || exit 99
{py} backup create --workdir {store} --to {drive}/b --json > {tmp_path}/1.out 2> {tmp_path}/1.err
echo $? > {tmp_path}/1.rc
{py} evidence import --workdir {store} --path {big} > /dev/null 2>&1
{py} backup create --workdir {store} --to {drive}/b > {tmp_path}/2.out 2> {tmp_path}/2.err
echo $? > {tmp_path}/2.rc
{py} backup verify {drive}/b --json > {tmp_path}/3.out 2> {tmp_path}/3.err
echo $? > {tmp_path}/3.rc
ls -a {drive}/b {drive}/b/vault > {tmp_path}/ls.out 2>&1
"""
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr

    def read(name: str) -> str:
        return (tmp_path / name).read_text()

    assert read("1.rc").strip() == "0", read("1.err")
    assert read("2.rc").strip() == "1", read("2.out") + read("2.err")
    assert "The backup drive is full" in read("2.err")
    assert "Traceback" not in read("2.err")
    # The previous backup is whole, and nothing of the failed one is left on the drive.
    assert read("3.rc").strip() == "0", read("3.err")
    assert last_json(read("3.out"))["problems"] == []
    assert ".tmp-" not in read("ls.out")
    # The store itself is untouched by the failed backup and verifies.
    audit = run_cli("audit", "verify", "--workdir", str(store), "--json", env=ADMIN)
    assert audit.returncode == 0, audit.stderr
