"""Disabling an officer on a real store (decision 24): the record stays, the login and the
signing keys go, nothing new names them; enabling gives a new password; role changes and the
last administrator's protection; every change in the audit trail, which still verifies."""

from __future__ import annotations

import json

import pytest
import sqlcipher3
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from desktop.domain.errors import UserError
from desktop.domain.model import Role, StatementKind
from desktop.services import audit_trail, interview
from desktop.services.signing import SignerRefused, unlock_team
from desktop.store import audit, officers, signing_keys
from desktop.store.keyfile import load_key_file
from desktop.store.lockout import WrongCredentials
from desktop.store.officer_admin import change_role, disable_officer, enable_officer
from desktop.store.officers import OfficerDisabled
from desktop.store.store import recover, unlock
from tests.conftest import PASSWORD, SECOND_PASSWORD, FakeClock, World, provision_world_keys


def test_a_disabled_officer_cannot_log_in_sign_or_be_named(world: World,
                                                            clock: FakeClock) -> None:
    keys = provision_world_keys(world)
    admin, second = world.store, world.second
    assert signing_keys.wraps_of_officer(admin.conn, second.id)

    disabled = disable_officer(admin, second.id)
    assert not disabled.active and disabled.name == second.name
    # The login entry is gone from the key file; only the digest of the login is kept.
    key_file = load_key_file(world.paths.key_file)
    assert key_file.by_officer(second.id) is None and key_file.is_disabled("test0002")
    assert signing_keys.wraps_of_officer(admin.conn, second.id) == []

    # Their signature is refused, by name.
    with pytest.raises(SignerRefused, match="has been disabled by an administrator") as refused:
        unlock_team(admin, world.statement.id, keys.passwords, custodian_id=world.admin.id)
    assert refused.value.slot == second.id
    # Nobody names them on a new statement.
    with pytest.raises(OfficerDisabled, match=second.name):
        interview.open_statement(
            admin, case_id=world.case.id, interviewee_id=world.party.id,
            kind=StatementKind.INQUIRY, place="询问室",
            interviewers=(world.admin.id, second.id), recorder_id=second.id)
    # Their record stays, for the statement that already names them.
    assert officers.get_officer(admin.conn, second.id).name == second.name

    with pytest.raises(UserError, match="already disabled"):
        disable_officer(admin, second.id)
    admin.close()

    # The login is refused with a message saying why, the right password or not.
    for password in (SECOND_PASSWORD, "Guess2026password"):
        with pytest.raises(OfficerDisabled, match="disabled by an administrator"):
            unlock(world.paths, "TEST0002", password, clock=clock)

    # Enabled again with a new password; the old one no longer opens anything, and the
    # signing keys are not back until imported.
    admin = unlock(world.paths, "TEST0001", PASSWORD, clock=clock)
    with pytest.raises(UserError, match="at least 10"):
        enable_officer(admin, second.id, "short1")
    assert enable_officer(admin, second.id, "Again2026password").active
    assert signing_keys.wraps_of_officer(admin.conn, second.id) == []
    admin.close()
    with pytest.raises(WrongCredentials):
        unlock(world.paths, "TEST0002", SECOND_PASSWORD, clock=clock)
    store = unlock(world.paths, "TEST0002", "Again2026password", clock=clock)
    trail = [(r.action, r.actor, r.subject) for r in audit.records(store.conn)]
    assert ("officer.disabled", world.admin.id, second.id) in trail
    assert ("officer.enabled", world.admin.id, second.id) in trail
    assert audit_trail.verify(store).ok
    store.close()


def test_the_last_administrator_and_oneself_are_protected(world: World,
                                                           clock: FakeClock) -> None:
    admin, second = world.store, world.second
    with pytest.raises(UserError, match="cannot disable yourself"):
        disable_officer(admin, world.admin.id)
    with pytest.raises(UserError, match="last active administrator"):
        change_role(admin, world.admin.id, Role.OFFICER)

    # A second administrator: then the first may step down, and the new one is the last.
    assert change_role(admin, second.id, Role.ADMIN).role is Role.ADMIN
    assert change_role(admin, world.admin.id, Role.LEGAL_REVIEWER).role is Role.LEGAL_REVIEWER
    admin.close()
    store = unlock(world.paths, "TEST0001", PASSWORD, clock=clock)
    with pytest.raises(UserError, match="Only an administrator"):
        disable_officer(store, second.id)
    store.close()
    store = unlock(world.paths, "TEST0002", SECOND_PASSWORD, clock=clock)
    with pytest.raises(UserError, match="last active administrator"):
        change_role(store, second.id, Role.OFFICER)
    # Disabling the other administrator-to-be: a disabled administrator does not count.
    change_role(store, world.admin.id, Role.ADMIN)
    disable_officer(store, world.admin.id)
    with pytest.raises(UserError, match="last active administrator"):
        change_role(store, second.id, Role.OFFICER)
    events = [json.loads(r.details) for r in audit.records(store.conn)
              if r.action == "officer.role"]
    assert [(e["role"], e["previous"]) for e in events] == [
        ("admin", "officer"), ("legal_reviewer", "admin"), ("admin", "legal_reviewer")]
    assert [o.role for o in officers.active_administrators(store.conn)] == [Role.ADMIN]
    assert audit_trail.verify(store).ok
    store.close()


def test_the_database_refuses_a_disabled_officer_on_a_statement_or_a_key(
        world: World) -> None:
    """The last guard, for a caller that forgets the service's check (migration 0011)."""
    provision_world_keys(world)
    admin, second = world.store, world.second
    [(identity_id, wrap)] = signing_keys.wraps_of_officer(admin.conn, second.id)
    disable_officer(admin, second.id)
    no_key = "a disabled officer holds no signing key"
    with pytest.raises(sqlcipher3.IntegrityError, match=no_key), admin.transaction() as tx:
        signing_keys.put_wrap(tx, identity_id, second.id, wrap)
    with pytest.raises(sqlcipher3.IntegrityError, match="cannot be named on a statement"), \
            admin.transaction() as tx:
        tx.conn.execute("UPDATE statements SET interviewer1_id = ? WHERE id = ?",
                        (second.id, world.statement.id))
    # The statement that already named them is left as it was.
    with admin.transaction() as tx:
        tx.conn.execute("UPDATE statements SET place = ? WHERE id = ?",
                        ("第二询问室", world.statement.id))


def test_hq_escrow_recovery_does_not_enable_a_disabled_officer(world: World,
                                                               clock: FakeClock) -> None:
    escrow = X25519PrivateKey.generate()
    world.store.set_escrow(escrow.public_key())
    disable_officer(world.store, world.second.id)
    world.store.close()
    recover(world.paths, escrow, "TEST0002", "Escrow2026password", clock=clock)
    with pytest.raises(OfficerDisabled, match="测试队员 \\(TEST0002\\) has been disabled"):
        unlock(world.paths, "TEST0002", "Escrow2026password", clock=clock)
