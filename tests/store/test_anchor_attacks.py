"""Issue 11 §3: the rollback anchor cannot be erased, replaced or deleted unnoticed.

An attacker holds the store's files: they restore an older `store.db`, keep or swap the
anchor copies, or delete `anchor.json`. Login refuses, `audit verify` names what is wrong
with its own exit status, and nothing the check runs writes an anchor the log does not
extend.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop.domain.errors import UserError
from desktop.domain.model import TurnKind
from desktop.services import interview
from desktop.store.highwater import META_FLAG
from desktop.store.paths import ANCHOR_ENV
from desktop.store.store import StorePaths, StoreRolledBack, unlock
from tests.cli.helpers import run_cli
from tests.conftest import PASSWORD, SECOND_PASSWORD, World
from tests.store.test_record_coverage_init import officer_key_connection

ADMIN = {"STATEMENT_ROOM_OFFICER": "TEST0001", "STATEMENT_ROOM_PASSWORD": PASSWORD}
OFFICER = {"STATEMENT_ROOM_OFFICER": "TEST0002", "STATEMENT_ROOM_PASSWORD": SECOND_PASSWORD}
EXIT_TAMPERED = 1
EXIT_ANCHOR_MISSING = 4


def session(paths: StorePaths, saves: int = 3) -> None:
    """One ordinary session: log in, type a few answers, log out (signs a tree head)."""
    store = unlock(paths, "TEST0001", PASSWORD)
    with store:
        statement_id = store.conn.execute("SELECT id FROM statements").fetchone()[0]
        for number in range(saves):
            interview.add_turn(store, statement_id, TurnKind.ANSWER, f"第{number}次回答。")


def snapshot(directory: Path, into: Path) -> None:
    into.mkdir(parents=True)
    for name in ("store.db", "store.db-wal", "store.db-shm"):
        if (directory / name).exists():
            shutil.copy2(directory / name, into / name)


def restore(snap: Path, directory: Path) -> None:
    for name in ("store.db", "store.db-wal", "store.db-shm"):
        (directory / name).unlink(missing_ok=True)
        if (snap / name).exists():
            shutil.copy2(snap / name, directory / name)


def verify(workdir: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    run = run_cli("audit", "verify", "--workdir", str(workdir), env={**ADMIN, **(env or {})})
    assert "Traceback" not in run.stderr, run.stderr
    return run.returncode, run.stdout + run.stderr


@pytest.fixture
def older(world: World, tmp_path: Path) -> tuple[World, Path]:
    """The world after two sessions, with its store.db as it was after the first."""
    world.store.close()
    session(world.paths)
    snapshot(world.paths.workdir, tmp_path / "old")
    session(world.paths)
    return world, tmp_path / "old"


def test_verify_of_an_older_store_does_not_overwrite_the_anchor(
        older: tuple[World, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world, old = older
    restore(old, world.paths.workdir)
    anchored = world.paths.anchor.read_bytes()
    with pytest.raises(StoreRolledBack, match="older copy"):
        unlock(world.paths, "TEST0001", PASSWORD)
    code, message = verify(world.paths.workdir)
    assert code == EXIT_TAMPERED and "older copy" in message
    assert world.paths.anchor.read_bytes() == anchored  # the newer head is kept
    code, message = verify(world.paths.workdir)  # and the second check says the same
    assert code == EXIT_TAMPERED and "older copy" in message
    with pytest.raises(StoreRolledBack):
        unlock(world.paths, "TEST0001", PASSWORD)


def test_a_store_older_than_the_mirror_is_refused(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = tmp_path / "usb" / "anchor.json"
    mirror.parent.mkdir()
    monkeypatch.setenv(ANCHOR_ENV, str(mirror))
    world.store.close()
    session(world.paths)
    snapshot(world.paths.workdir, tmp_path / "old")
    old_anchor = world.paths.anchor.read_bytes()
    session(world.paths)
    assert mirror.read_bytes() == world.paths.anchor.read_bytes()
    # The attacker restores the store *and* anchor.json, but cannot reach the mirror.
    restore(tmp_path / "old", world.paths.workdir)
    world.paths.anchor.write_bytes(old_anchor)
    with pytest.raises(StoreRolledBack, match="older copy"):
        unlock(world.paths, "TEST0001", PASSWORD)
    mirrored = mirror.read_bytes()
    code, message = verify(world.paths.workdir, {ANCHOR_ENV: str(mirror)})
    assert code == EXIT_TAMPERED and "older copy" in message
    assert mirror.read_bytes() == mirrored


def test_a_newer_mirror_wins_over_an_older_anchor(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Copies that disagree: the newest valid head is the one the store must extend."""
    mirror = tmp_path / "usb" / "anchor.json"
    mirror.parent.mkdir()
    monkeypatch.setenv(ANCHOR_ENV, str(mirror))
    world.store.close()
    old_anchor = world.paths.anchor.read_bytes()
    session(world.paths)
    world.paths.anchor.write_bytes(old_anchor)  # only the primary copy set back
    session(world.paths)  # the log extends both: fine, and both are brought up to date
    assert mirror.read_bytes() == world.paths.anchor.read_bytes()
    code, message = verify(world.paths.workdir, {ANCHOR_ENV: str(mirror)})
    assert code == 0, message


def test_an_anchor_from_another_log_is_refused(
        older: tuple[World, Path], tmp_path: Path) -> None:
    """An anchor of equal size but another history (a forked copy) is not extended."""
    world, old = older
    forked = tmp_path / "fork"
    shutil.copytree(world.paths.workdir, forked)
    restore(old, forked)
    paths = StorePaths(forked)
    paths.anchor.unlink()
    store = unlock(paths, "TEST0001", PASSWORD, check_anchor=False)
    statement_id = store.conn.execute("SELECT id FROM statements").fetchone()[0]
    for number in range(12):  # a different history, longer than the real one
        interview.add_turn(store, statement_id, TurnKind.ANSWER, f"伪造第{number}次。")
    store.close(sign=False)
    shutil.copy2(world.paths.anchor, paths.anchor)
    with pytest.raises(StoreRolledBack):
        unlock(paths, "TEST0001", PASSWORD)
    code, message = verify(forked)
    assert code == EXIT_TAMPERED and "does not extend" in message


def test_deleted_anchor_is_an_error_until_an_admin_recreates_it(world: World) -> None:
    world.store.close()
    session(world.paths)
    world.paths.anchor.unlink()
    with pytest.raises(UserError, match=r"anchor .* is missing"):
        unlock(world.paths, "TEST0001", PASSWORD)
    code, message = verify(world.paths.workdir)
    assert code == EXIT_ANCHOR_MISSING and "missing" in message
    assert not world.paths.anchor.exists()  # verify never writes one quietly
    code, _message = verify(world.paths.workdir)
    assert code == EXIT_ANCHOR_MISSING

    refused = run_cli("audit", "anchor", "--recreate", "--workdir", str(world.paths.workdir),
                      env=OFFICER)
    assert refused.returncode == 1 and "administrator" in refused.stderr
    assert not world.paths.anchor.exists()
    made = run_cli("audit", "anchor", "--recreate", "--workdir", str(world.paths.workdir),
                   env=ADMIN)
    assert made.returncode == 0, made.stderr
    assert world.paths.anchor.exists()
    code, message = verify(world.paths.workdir)
    assert code == 0, message
    store = unlock(world.paths, "TEST0001", PASSWORD)
    with store:
        actions = [r[0] for r in store.conn.execute(
            "SELECT action FROM audit_log ORDER BY idx").fetchall()]
    assert "audit.anchor_recreated" in actions


def test_recreate_refuses_a_rolled_back_store(older: tuple[World, Path]) -> None:
    world, old = older
    restore(old, world.paths.workdir)
    anchored = world.paths.anchor.read_bytes()
    run = run_cli("audit", "anchor", "--recreate", "--workdir", str(world.paths.workdir),
                  env=ADMIN)
    assert run.returncode == EXIT_TAMPERED and "older copy" in run.stderr
    assert world.paths.anchor.read_bytes() == anchored


def test_an_older_store_is_named_first_and_once(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An older store.db behind a newer anchor.json and mirror: the headline says "older
    copy" (what the exit status says), not the lost saves that follow from it, and the two
    anchor copies' identical finding is printed once."""
    mirror = tmp_path / "usb" / "anchor.json"
    mirror.parent.mkdir()
    monkeypatch.setenv(ANCHOR_ENV, str(mirror))
    world.store.close()
    session(world.paths)
    snapshot(world.paths.workdir, tmp_path / "old")
    session(world.paths)
    restore(tmp_path / "old", world.paths.workdir)
    run = run_cli("audit", "verify", "--workdir", str(world.paths.workdir),
                  env={**ADMIN, ANCHOR_ENV: str(mirror)})
    assert run.returncode == EXIT_TAMPERED, run.stderr
    headline, *rest = run.stderr.splitlines()
    assert "older copy" in headline, run.stderr
    assert "acknowledged saves" in run.stderr  # the high-water mark's finding is still there
    assert len(set(rest)) == len(rest), run.stderr


@pytest.mark.parametrize("also", ["nothing else", "the anchor, the mark and its flag"])
def test_signed_heads_deleted_behind_the_program_are_named(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, also: str) -> None:
    """An insider with the data key (an ordinary officer's password) drops the trigger and
    deletes every signed tree head, so the store looks as if it never signed one. The head
    an anchor copy holds was signed by this store and must still be in it: login refuses,
    `audit verify` names it (exit 1), and neither writes a new anchor over the evidence."""
    mirror = tmp_path / "usb" / "anchor.json"
    mirror.parent.mkdir()
    monkeypatch.setenv(ANCHOR_ENV, str(mirror))
    world.store.close()
    session(world.paths)
    with officer_key_connection(world.paths.workdir) as conn:
        conn.execute("DROP TRIGGER tree_heads_no_delete")
        conn.execute("DELETE FROM tree_heads")
        if also != "nothing else":
            conn.execute("DELETE FROM meta WHERE key = ?", (META_FLAG,))
    if also != "nothing else":  # the mirror on the USB stick is out of the insider's reach
        world.paths.anchor.unlink()
        world.paths.highwater.unlink()
    mirrored = mirror.read_bytes()
    with pytest.raises(StoreRolledBack, match="deleted"):
        unlock(world.paths, "TEST0001", PASSWORD)
    for _twice in range(2):
        code, message = verify(world.paths.workdir, {ANCHOR_ENV: str(mirror)})
        assert code == EXIT_TAMPERED and "signed tree heads were deleted" in message, message
    assert mirror.read_bytes() == mirrored
