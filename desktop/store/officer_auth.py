"""Authenticating an officer again inside a session: for a signature, or to wrap a key.

A signature is an act of its signer, so the officer who signs types their own password (or
token PIN) at that moment, whoever is logged in. Those checks are counted exactly like
logins, through the same attempt counter (`lockout`): the attempt is written down before it
is checked, a locked-out officer cannot sign, a wrong secret says how many tries remain, and
a right one takes the count back. The open session records each failure in the audit log
itself (the caller's event), so nothing is queued for the next login.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from desktop.domain.security import LockoutPolicy
from desktop.store.lockout import (
    AccountLocked,
    Attempt,
    begin_attempt,
    check_attempt,
    refusal,
    settle_attempt,
)

if TYPE_CHECKING:
    from desktop.store.store import Store

T = TypeVar("T")


class CredentialRejected(Exception):
    """Raised by a check given to `counted` when the secret does not open the key.

    `message` (optional) replaces the lockout's "wrong password" wording, e.g. a token's
    "wrong PIN"; a lockout that starts with this attempt is always said as such.
    """

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message)
        self.message = message


def counted(store: Store, officer_id: str, check: Callable[[Attempt], T],
            policy: LockoutPolicy | None = None) -> T:
    """Run `check` (which opens something with `officer_id`'s secret) as a counted attempt.

    A locked-out officer is refused before `check` runs. `check` raises `CredentialRejected`
    for a wrong secret. Any other error (a token that is not inserted) takes the attempt
    back: no secret was tried.
    """
    policy = policy or LockoutPolicy()
    now = store.clock()
    attempt = begin_attempt(store.paths.key_file, now, policy, officer_id=officer_id,
                            queue_events=False)
    try:
        result = check(attempt)
    except CredentialRejected as exc:
        error = refusal(attempt, policy, now, screen=True)
        if exc.message is not None and not isinstance(error, AccountLocked):
            error = type(error)(exc.message)
        raise error from exc
    except BaseException:
        settle_attempt(store.paths.key_file, attempt)
        raise
    settle_attempt(store.paths.key_file, attempt)
    return result


def authenticate(store: Store, officer_id: str, password: str) -> None:
    """Check `officer_id`'s login password (counted like a login attempt)."""

    def check(attempt: Attempt) -> None:
        if check_attempt(attempt, password) is None:
            raise CredentialRejected()

    counted(store, officer_id, check)
