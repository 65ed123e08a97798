"""Backup and restore on real SQLCipher stores: encrypted, incremental, verified, restorable,
and a restore never makes a newer store older unless told."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.domain.model import TurnKind
from desktop.services import evidence, interview
from desktop.services.audit_trail import Status, check
from desktop.services.backup import create_backup, verify_backup
from desktop.services.backup_restore import OlderBackup, restore_backup
from desktop.store import audit, statements
from desktop.store.backup import MANIFEST_NAME, BackupError, BackupTampered
from desktop.store.lockout import WrongCredentials
from desktop.store.store import StorePaths, StoreRolledBack, unlock
from tests.conftest import PASSWORD, SECOND_PASSWORD, World

SECRET_TEXT = "被询问人承认在测试路口违法停车"


def _with_evidence(world: World, tmp_path: Path, name: str, content: bytes) -> None:
    folder = tmp_path / f"evidence-{name}"
    folder.mkdir()
    (folder / name).write_bytes(content)
    report = evidence.import_path(world.store, world.case.id, folder)
    assert report.items and not report.skipped


def _answer(world: World, text: str) -> None:
    interview.add_turn(world.store, world.statement.id, TurnKind.ANSWER, text)


def test_backup_is_encrypted_incremental_and_restores_into_a_new_folder(
        world: World, tmp_path: Path) -> None:
    _answer(world, SECRET_TEXT)
    _with_evidence(world, tmp_path, "photo.jpg", b"\xff\xd8 first photo " * 1000)
    drive = tmp_path / "drive"
    first = create_backup(world.store, drive)
    assert first.new_blobs == 1 and first.kept_blobs == 0
    # Nothing personal in plaintext on the drive: not the answer, not the party's name or ID.
    everything = b"".join(p.read_bytes() for p in drive.rglob("*") if p.is_file())
    for plain in (SECRET_TEXT, world.party.name, world.party.id_number, "first photo"):
        assert plain.encode() not in everything
    # A second backup copies only what is new in the vault; the old snapshot is replaced.
    _with_evidence(world, tmp_path, "second.jpg", b"second photo " * 1000)
    second = create_backup(world.store, drive)
    assert (second.new_blobs, second.kept_blobs) == (1, 1)
    assert sorted(p.name for p in drive.glob("store-*.db")) == [f"store-{second.backup_id}.db"]
    assert "backup.created" in [r.action for r in audit.records(world.store.conn)]
    size_before = audit.size(world.store.conn)
    world.store.close()

    manifest, problems = verify_backup(drive, "TEST0002", SECOND_PASSWORD)
    assert problems == [] and manifest.backup_id == second.backup_id

    target = tmp_path / "restored"
    result = restore_backup(drive, target, "TEST0002", SECOND_PASSWORD)
    assert result.officers == 2 and not result.forced and result.kept_aside is None
    # Both officers log in to the restored store, and its whole trail verifies.
    for login, password in (("TEST0001", PASSWORD), ("TEST0002", SECOND_PASSWORD)):
        with unlock(StorePaths(target), login, password) as store:
            report, status = check(store)
            assert status is Status.INTACT, report.problems
            assert report.size >= second.audit_size
            actions = [r.action for r in audit.records(store.conn)]
            assert actions.count("backup.restored") == 1
            shown = store.conn.execute("SELECT count(*) FROM turns").fetchone()[0]
            assert shown >= 1
            assert len(evidence.verify_all(store).problems) == 0
    assert size_before > second.audit_size  # the live store went on (backup event, logout)


def test_restore_refuses_an_older_backup_over_a_newer_store_unless_forced(
        world: World, tmp_path: Path) -> None:
    drive = tmp_path / "drive"
    create_backup(world.store, drive)
    _answer(world, "备份之后才记录的回答")
    world.store.close()
    with pytest.raises(OlderBackup, match="older than the store"):
        restore_backup(drive, world.paths.workdir, "TEST0001", PASSWORD)
    # Refused: the store is untouched and still opens with what was recorded after.
    with unlock(world.paths, "TEST0001", PASSWORD) as store:
        texts = [t.text for t in statements.get_statement(store.conn, world.statement.id).turns]
        assert "备份之后才记录的回答" in texts
        newer = audit.size(store.conn)
    # Only an administrator may replace a store.
    with pytest.raises(BackupError, match="administrator"):
        restore_backup(drive, world.paths.workdir, "TEST0002", SECOND_PASSWORD, force=True)
    result = restore_backup(drive, world.paths.workdir, "TEST0001", PASSWORD, force=True)
    assert result.forced and result.replaced_size >= newer
    assert result.kept_aside is not None and (result.kept_aside / "store.db").exists()
    with unlock(world.paths, "TEST0001", PASSWORD) as store:
        rows = [r for r in audit.records(store.conn) if r.action == "backup.restored"]
        assert len(rows) == 1 and json.loads(rows[0].details)["forced"] is True
        assert check(store)[1] is Status.INTACT


def test_restore_over_a_damaged_store_with_an_up_to_date_backup(
        world: World, tmp_path: Path) -> None:
    world.store.close()
    with unlock(world.paths, "TEST0001", PASSWORD) as store:
        create_backup(store, tmp_path / "drive")
    # The backup's own event and the logout came after the snapshot: forced, but recorded.
    world.paths.database.write_bytes(b"\0" * 8192)  # the store is destroyed
    with pytest.raises(OlderBackup):
        restore_backup(tmp_path / "drive", world.paths.workdir, "TEST0001", PASSWORD)
    restore_backup(tmp_path / "drive", world.paths.workdir, "TEST0001", PASSWORD, force=True)
    with unlock(world.paths, "TEST0002", SECOND_PASSWORD) as store:
        assert check(store)[1] is Status.INTACT


def test_a_rollback_by_copying_a_snapshot_by_hand_is_still_caught(
        world: World, tmp_path: Path) -> None:
    drive = tmp_path / "drive"
    result = create_backup(world.store, drive)
    _answer(world, "之后的回答")
    world.store.close()
    snapshot = drive / f"store-{result.backup_id}.db"
    for extra in ("store.db-wal", "store.db-shm"):
        (world.paths.workdir / extra).unlink(missing_ok=True)
    world.paths.database.write_bytes(snapshot.read_bytes())
    with pytest.raises(StoreRolledBack):
        unlock(world.paths, "TEST0001", PASSWORD)


def test_wrong_password_tampered_manifest_and_damaged_files_are_named(
        world: World, tmp_path: Path) -> None:
    _with_evidence(world, tmp_path, "photo.jpg", b"photo bytes " * 5000)
    drive = tmp_path / "drive"
    create_backup(world.store, drive)
    world.store.close()
    with pytest.raises(WrongCredentials):
        verify_backup(drive, "TEST0001", "Wrong2026password")
    with pytest.raises(WrongCredentials):
        verify_backup(drive, "NOBODY", PASSWORD)

    blob = next((drive / "vault").iterdir())
    data = blob.read_bytes()
    blob.write_bytes(data[: len(data) // 2])  # truncated
    _manifest, problems = verify_backup(drive, "TEST0001", PASSWORD)
    assert len(problems) == 1 and "truncated" in problems[0] and blob.name in problems[0]
    target = tmp_path / "restored"
    with pytest.raises(BackupError, match="incomplete or damaged"):
        restore_backup(drive, target, "TEST0001", PASSWORD)
    assert not (target / "store.db").exists()

    manifest_path = drive / MANIFEST_NAME
    raw = json.loads(manifest_path.read_text())
    raw["manifest"]["audit"]["size"] += 5  # claims a newer backup
    manifest_path.write_text(json.dumps(raw))
    with pytest.raises(BackupTampered):
        verify_backup(drive, "TEST0001", PASSWORD)
    # A new backup into a folder whose manifest was forged is refused too.
    with unlock(world.paths, "TEST0001", PASSWORD) as store, pytest.raises(BackupTampered):
        create_backup(store, drive)


def test_a_backup_into_the_store_itself_is_refused(world: World) -> None:
    with pytest.raises(BackupError, match="own folder"):
        create_backup(world.store, world.paths.workdir / "backup")


def test_a_backup_of_a_different_history_is_refused_over_the_store(
        world: World, tmp_path: Path) -> None:
    """Two copies of one store that went separate ways: neither replaces the other unasked."""
    import shutil

    world.store.close()
    clone = tmp_path / "clone"
    shutil.copytree(world.paths.workdir, clone)
    with unlock(StorePaths(clone), "TEST0001", PASSWORD) as store:
        interview.add_turn(store, world.statement.id, TurnKind.ANSWER, "副本里的回答")
    with unlock(world.paths, "TEST0001", PASSWORD) as store:
        interview.add_turn(store, world.statement.id, TurnKind.ANSWER, "原件里的回答")
        interview.add_turn(store, world.statement.id, TurnKind.ANSWER, "原件里的第二个回答")
        create_backup(store, tmp_path / "drive")
    with pytest.raises(OlderBackup, match="different history"):
        restore_backup(tmp_path / "drive", clone, "TEST0001", PASSWORD)
    with unlock(StorePaths(clone), "TEST0001", PASSWORD) as store:  # untouched
        texts = [t.text for t in statements.get_statement(store.conn, world.statement.id).turns]
        assert "副本里的回答" in texts and "原件里的回答" not in texts


def test_the_anchor_mirror_catches_an_older_backup_restored_into_an_empty_folder(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deleting the store's folder and restoring an old backup in its place is refused while
    the anchor's mirror (another volume) names a newer head."""
    import shutil

    monkeypatch.setenv("STATEMENT_ROOM_ANCHOR", str(tmp_path / "mirror" / "anchor.json"))
    (tmp_path / "mirror").mkdir()
    create_backup(world.store, tmp_path / "drive")
    _answer(world, "备份之后的回答")
    world.store.close()  # signs the newer head into anchor.json and the mirror
    shutil.rmtree(world.paths.workdir)
    with pytest.raises(OlderBackup, match="older than the store"):
        restore_backup(tmp_path / "drive", world.paths.workdir, "TEST0002", SECOND_PASSWORD)
    assert not world.paths.workdir.exists()  # refused: not even an empty folder is left
