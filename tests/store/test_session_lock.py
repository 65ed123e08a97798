"""The idle lock asks the same officer's password again; failures count toward the lockout."""

from __future__ import annotations

import pytest

from desktop.store.store import AccountLocked, WrongCredentials
from tests.conftest import PASSWORD, World


def _actions(world: World) -> list[tuple[str, str]]:
    return [(str(a), str(o)) for a, o in world.store.conn.execute(
        "SELECT action, outcome FROM audit_log WHERE action LIKE 'session.%'")]


def test_resume_needs_the_officers_password(world: World) -> None:
    world.store.lock_session()
    with pytest.raises(WrongCredentials, match="Wrong password"):
        world.store.resume_session("not the password")
    world.store.resume_session(PASSWORD)
    assert _actions(world) == [("session.locked", "ok"), ("session.resumed", "denied"),
                               ("session.resumed", "ok")]


def test_too_many_failures_lock_the_officer_out(world: World) -> None:
    world.store.lock_session()
    for _ in range(4):
        with pytest.raises(WrongCredentials):
            world.store.resume_session("wrong again")
    with pytest.raises(AccountLocked):
        world.store.resume_session("wrong again")  # the fifth failure locks
    with pytest.raises(AccountLocked, match="locked until"):
        world.store.resume_session(PASSWORD)  # even the right one, until the lock expires
