"""Login against wrapped keys: lockout, password change and escrow recovery, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from desktop.domain.errors import UserError
from desktop.store import audit
from desktop.store.keyfile import load_key_file
from desktop.store.keys import (
    generate_escrow_keypair,
    load_escrow_private_key,
    load_escrow_public_key,
    unwrap_with_password,
)
from desktop.store.store import (
    AccountLocked,
    StorePaths,
    WrongCredentials,
    create_store,
    recover,
    unlock,
)
from tests.conftest import PASSWORD, SECOND_PASSWORD, FakeClock, World, make_officer


def test_each_officer_logs_in_with_their_own_password(world: World, clock: FakeClock) -> None:
    world.store.close()
    store = unlock(world.paths, "test0002", SECOND_PASSWORD, clock=clock)  # case-insensitive
    assert store.officer.id == world.second.id
    store.close()
    with pytest.raises(WrongCredentials, match="Wrong certificate number or password"):
        unlock(world.paths, "TEST0002", PASSWORD, clock=clock)


def test_unknown_login_gets_the_same_answer(world: World, clock: FakeClock) -> None:
    world.store.close()
    with pytest.raises(WrongCredentials) as unknown:
        unlock(world.paths, "NOBODY", PASSWORD, clock=clock)
    with pytest.raises(WrongCredentials) as known:
        unlock(world.paths, "TEST0001", "Wrong2026password", clock=clock)
    assert unknown.value.message == known.value.message


def test_five_failures_lock_for_ten_minutes_across_restarts(
    world: World, clock: FakeClock
) -> None:
    world.store.close()
    for remaining in (4, 3, 2):
        with pytest.raises(WrongCredentials, match=f"{remaining} more failed attempts lock"):
            unlock(world.paths, "TEST0002", "Wrong2026password", clock=clock)
    with pytest.raises(WrongCredentials, match="1 more failed attempt locks"):
        unlock(world.paths, "TEST0002", "Wrong2026password", clock=clock)
    with pytest.raises(AccountLocked, match="locked until"):
        unlock(world.paths, "TEST0002", "Wrong2026password", clock=clock)
    # The right password does not help while locked; the state lives in the key file, so a
    # restart (a fresh unlock reading it again) changes nothing.
    clock.advance(minutes=9)
    with pytest.raises(AccountLocked, match="about 1 min"):
        unlock(world.paths, "TEST0002", SECOND_PASSWORD, clock=clock)
    # Other officers are not affected.
    unlock(world.paths, "TEST0001", PASSWORD, clock=clock).close()
    clock.advance(minutes=1, seconds=1)
    store = unlock(world.paths, "TEST0002", SECOND_PASSWORD, clock=clock)
    try:
        # Five wrong passwords and one attempt refused while locked, all told to the officer.
        assert store.failed_attempts_since_login == 6
        records = audit.records(store.conn)
        mine = [r for r in records if r.subject == world.second.id]
        failed = [r for r in mine if r.action == "login.failed"]
        locked = [r for r in mine if r.action == "login.locked_out"]
        refused = [r for r in mine if r.action == "login.while_locked"]
        assert (len(failed), len(locked), len(refused)) == (5, 1, 1)
        assert all(r.outcome == "denied" for r in failed + locked + refused)
    finally:
        store.close()
    # A success resets the count: four new failures do not lock.
    for _ in range(4):
        with pytest.raises(WrongCredentials):
            unlock(world.paths, "TEST0002", "Wrong2026password", clock=clock)
    store = unlock(world.paths, "TEST0002", SECOND_PASSWORD, clock=clock)
    assert store.failed_attempts_since_login == 4
    store.close()


def test_failed_logins_are_moved_into_the_audit_log_once(world: World, clock: FakeClock) -> None:
    world.store.close()
    with pytest.raises(WrongCredentials):
        unlock(world.paths, "TEST0001", "Wrong2026password", clock=clock)
    for _ in range(2):
        store = unlock(world.paths, "TEST0001", PASSWORD, clock=clock)
        failed = [r for r in audit.records(store.conn) if r.action == "login.failed"]
        store.close()
        assert len(failed) == 1
    key_file = json.loads(world.paths.key_file.read_text())
    assert key_file["pending"] == []


def test_password_change_rewraps_only(world: World, clock: FakeClock) -> None:
    def data_key(password: str) -> bytes:
        entry = load_key_file(world.paths.key_file).by_officer(world.admin.id)
        assert entry is not None
        return unwrap_with_password(entry.wrap, password, world.admin.id.encode())

    key_before = data_key(PASSWORD)
    salt_before = world.paths.database.read_bytes()[:16]
    with pytest.raises(WrongCredentials, match="current password is wrong"):
        world.store.change_password("Nope2026password", "Fresh2026password")
    with pytest.raises(UserError, match="at least 10"):
        world.store.change_password(PASSWORD, "short1")
    world.store.change_password(PASSWORD, "Fresh2026password")
    world.store.close()
    # Nothing was re-encrypted: the same data key, now under the new password, and the
    # database file keeps its SQLCipher salt.
    assert data_key("Fresh2026password") == key_before
    assert world.paths.database.read_bytes()[:16] == salt_before
    with pytest.raises(WrongCredentials):
        unlock(world.paths, "TEST0001", PASSWORD, clock=clock)
    store = unlock(world.paths, "TEST0001", "Fresh2026password", clock=clock)
    outcomes = [r.outcome for r in audit.records(store.conn) if r.action == "password.changed"]
    store.close()
    assert outcomes == ["denied", "ok"]


def test_only_admins_add_officers(world: World, clock: FakeClock) -> None:
    world.store.close()
    store = unlock(world.paths, "TEST0002", SECOND_PASSWORD, clock=clock)
    with pytest.raises(UserError, match="Only an administrator"):
        store.add_officer(make_officer("新队员", "TEST0003"), "Third2026password")
    store.close()


def test_escrow_recovery_sets_a_new_password(tmp_path: Path, clock: FakeClock) -> None:
    private_pem, public_pem = generate_escrow_keypair()
    paths = StorePaths(tmp_path / "s")
    admin = make_officer("管理员", "ADM001")
    store = create_store(paths, admin, PASSWORD, clock=clock,
                         escrow=load_escrow_public_key(public_pem))
    store.close()
    # Every password forgotten: HQ's escrow key opens the store and sets a new one.
    with pytest.raises(UserError, match="does not belong"):
        recover(paths, X25519PrivateKey.generate(), "ADM001", "Recovered2026pw", clock=clock)
    with pytest.raises(UserError, match="No officer"):
        recover(paths, load_escrow_private_key(private_pem), "XX", "Recovered2026pw",
                clock=clock)
    officer = recover(paths, load_escrow_private_key(private_pem), "adm001", "Recovered2026pw",
                      clock=clock)
    assert officer.id == admin.id
    with pytest.raises(WrongCredentials):
        unlock(paths, "ADM001", PASSWORD, clock=clock)
    store = unlock(paths, "ADM001", "Recovered2026pw", clock=clock)
    assert "store.recovered" in [r.action for r in audit.records(store.conn)]
    store.close()


def test_store_without_escrow_cannot_be_recovered(world: World, clock: FakeClock) -> None:
    world.store.close()
    with pytest.raises(UserError, match="no escrow key"):
        recover(world.paths, X25519PrivateKey.generate(), "TEST0001", "Recovered2026pw")


def test_escrow_can_be_added_later(world: World, clock: FakeClock) -> None:
    private_pem, public_pem = generate_escrow_keypair()
    world.store.set_escrow(load_escrow_public_key(public_pem))
    world.store.close()
    recover(world.paths, load_escrow_private_key(private_pem), "TEST0002", "Recovered2026pw")
    unlock(world.paths, "TEST0002", "Recovered2026pw", clock=clock).close()


def test_damaged_key_file_is_reported(world: World, clock: FakeClock) -> None:
    world.store.close()
    world.paths.key_file.write_text("{not json")
    with pytest.raises(UserError, match="damaged or not a Statement Room key file"):
        unlock(world.paths, "TEST0001", PASSWORD, clock=clock)


def test_missing_store_is_reported(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="No store was found"):
        unlock(StorePaths(tmp_path), "TEST0001", PASSWORD)


def test_creating_over_an_existing_store_is_refused(world: World) -> None:
    with pytest.raises(UserError, match="already exists"):
        create_store(world.paths, make_officer("x", "Y1"), PASSWORD)
