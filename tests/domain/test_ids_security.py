"""UUIDv7 identifiers and the lockout / idle-lock policies."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.security import IdleLockPolicy, LockoutPolicy, check_password_strength

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def test_ids_are_uuid7_unique_and_increasing() -> None:
    ids = [new_id() for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    parsed = uuid.UUID(ids[0])
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    ms = parsed.int >> 80
    assert abs(ms / 1000 - datetime.now().timestamp()) < 60


def test_lockout_after_five_failures_for_ten_minutes() -> None:
    policy = LockoutPolicy()
    assert policy.locked_until(4, T0) is None
    assert policy.locked_until(5, T0) == T0 + timedelta(minutes=10)


def test_idle_lock_default_and_bounds() -> None:
    policy = IdleLockPolicy()
    assert policy.timeout == timedelta(minutes=10)
    assert not policy.should_lock(T0, T0 + timedelta(minutes=9, seconds=59))
    assert policy.should_lock(T0, T0 + timedelta(minutes=10))
    assert policy.remaining(T0, T0 + timedelta(minutes=4)) == timedelta(minutes=6)
    assert IdleLockPolicy(timedelta(minutes=30)).timeout == timedelta(minutes=30)
    with pytest.raises(UserError, match="30 minutes"):
        IdleLockPolicy(timedelta(minutes=31))
    with pytest.raises(UserError):
        IdleLockPolicy(timedelta(0))


def test_password_strength() -> None:
    check_password_strength("abcdefgh12")
    with pytest.raises(UserError, match="at least 10"):
        check_password_strength("abc123")
    with pytest.raises(UserError, match="letters and digits"):
        check_password_strength("abcdefghijkl")
