"""Counting login attempts before checking them, across processes, and failing closed.

An attempt is recorded in keys.json (under its file lock) *before* Argon2id runs: the
consecutive-failure counter rises, the count since the officer's last login rises, and the
audit events it will need are queued. A right password then takes its own events back and
clears the counter; a wrong one has nothing left to write. So parallel guesses are counted one
by one, a guess killed half-way still counts, and when the attempt cannot be recorded (disk
full, read-only) the password is not checked at all: right and wrong look the same.

Unknown certificate numbers go through the same steps with a counter of their own and an
Argon2id evaluation against nothing, so the answer, its delay and the lockout do not tell
which numbers are registered.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from gettext import gettext as _
from gettext import ngettext
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.domain.model import Action
from desktop.domain.security import LockoutPolicy
from desktop.store.keyfile import (
    KeyFile,
    KeyFileUnwritable,
    OfficerKey,
    PendingEvent,
    UnknownLogin,
    update_key_file,
)
from desktop.store.keys import KdfParams, UnwrapError, spend_unwrap_cost, unwrap_with_password


class WrongCredentials(UserError):
    """Unknown login or wrong password (one message for both)."""


class AccountLocked(UserError):
    """Too many consecutive failures: this officer must wait."""


class AttemptNotRecorded(UserError):
    """The attempt could not be written down, so the password was not checked."""


@dataclass(frozen=True)
class Attempt:
    """One counted attempt, waiting for its password check."""

    id: str
    officer: OfficerKey | None  # None: no officer has this login
    params: KdfParams  # what an unknown login's pretend check costs
    failures: int  # consecutive failures, this attempt included


@dataclass(frozen=True)
class _Refused:
    until: datetime


def lock_message(until: datetime, now: datetime) -> str:
    minutes = max(1, int((until - now).total_seconds() + 59) // 60)
    return _(
        "Too many failed logins: this officer is locked until {time} "
        "(about {minutes} min). Ask an administrator if you forgot the password."
    ).format(time=until.strftime("%H:%M"), minutes=minutes)


def _locked_until(policy: LockoutPolicy, failures: int, last: datetime | None,
                  now: datetime) -> datetime | None:
    until = policy.locked_until(failures, last) if last is not None else None
    return until if until is not None and now < until else None


def begin_attempt(key_path: Path, now: datetime, policy: LockoutPolicy, *,
                  login: str | None = None, officer_id: str | None = None,
                  queue_events: bool = True) -> Attempt:
    """Record an attempt by `login` (a login) or `officer_id` (a screen unlock) before it is
    checked. Raises AccountLocked (the refusal itself recorded) or AttemptNotRecorded."""
    attempt_id = os.urandom(8).hex()

    def change(key_file: KeyFile) -> tuple[KeyFile, Attempt | _Refused]:
        if officer_id is not None:
            entry = key_file.by_officer(officer_id)
            if entry is None:
                raise UserError(_("This officer has no key entry."))
            digest = entry.login_digest
        else:
            digest = key_file.login_digest(login or "")
            entry = key_file.find(login or "")
        unknown = key_file.find_unknown(digest)
        failures, last = ((entry.failures, entry.last_failure) if entry
                          else (unknown.failures, unknown.last_failure))
        who = entry.officer_id if entry else None
        since = entry.since_login + 1 if entry else 0
        until = _locked_until(policy, failures, last, now)
        if until is not None:
            # Refused without a check, but still written down: every guess is seen.
            if queue_events:
                key_file = key_file.with_pending(
                    PendingEvent(now, Action.LOGIN_WHILE_LOCKED.value, who, attempt_id))
            if entry is not None and queue_events:
                key_file = key_file.with_officer(replace(entry, since_login=since))
            return key_file, _Refused(until)
        failures += 1
        if queue_events:
            events = [PendingEvent(now, Action.LOGIN_FAILED.value, who, attempt_id)]
            if policy.locked_until(failures, now) is not None:
                events.append(PendingEvent(now, Action.LOGIN_LOCKED_OUT.value, who, attempt_id))
            key_file = key_file.with_pending(*events)
        if entry is not None:
            entry = replace(entry, failures=failures, last_failure=now,
                            since_login=since if queue_events else entry.since_login)
            key_file = key_file.with_officer(entry)
        else:
            key_file = key_file.with_unknown(UnknownLogin(digest, failures, now))
        params = (entry.wrap.params if entry else
                  key_file.officers[0].wrap.params if key_file.officers else KdfParams())
        return key_file, Attempt(attempt_id, entry, params, failures)

    try:
        result = update_key_file(key_path, change)
    except KeyFileUnwritable as exc:
        raise AttemptNotRecorded(
            _("The login attempt cannot be recorded, so the password was not checked: the "
              "disk may be full or read-only ({path}). Free some space or ask an "
              "administrator.").format(path=key_path.parent)
        ) from exc
    if isinstance(result, _Refused):
        raise AccountLocked(lock_message(result.until, now))
    return result


def check_attempt(attempt: Attempt, password: str) -> bytes | None:
    """The data key if the password opens this officer's wrap, else None (same cost)."""
    if attempt.officer is None:
        spend_unwrap_cost(password, attempt.params)
        return None
    try:
        return unwrap_with_password(attempt.officer.wrap, password,
                                    attempt.officer.officer_id.encode())
    except UnwrapError:
        return None


def refusal(attempt: Attempt, policy: LockoutPolicy, now: datetime,
            screen: bool = False) -> UserError:
    """What to say after a wrong password: locked now, or how many tries remain."""
    until = policy.locked_until(attempt.failures, now)
    if until is not None:
        return AccountLocked(lock_message(until, now))
    remaining = policy.max_failures - attempt.failures
    minutes = int(policy.lock_duration.total_seconds() // 60)
    if screen:
        text = ngettext(
            "Wrong password. {count} more failed attempt locks this officer for {minutes} "
            "minutes.",
            "Wrong password. {count} more failed attempts lock this officer for {minutes} "
            "minutes.", remaining)
    else:
        # One message whether or not the login exists, so nobody can probe which
        # certificate numbers are registered.
        text = ngettext(
            "Wrong certificate number or password. {count} more failed attempt locks the "
            "account for {minutes} minutes.",
            "Wrong certificate number or password. {count} more failed attempts lock the "
            "account for {minutes} minutes.", remaining)
    return WrongCredentials(text.format(count=remaining, minutes=minutes))


def settle_attempt(key_path: Path, attempt: Attempt,
                   flush: Callable[[KeyFile, int], None] | None = None) -> int:
    """The password was right: take back this attempt's count and events.

    With `flush` (a login), the queued events are handed to it with the number of failed
    attempts since this officer's last login, for the audit log, and cleared once it returns;
    if it raises, nothing changes. Returns that number.
    """
    assert attempt.officer is not None
    officer_id = attempt.officer.officer_id

    def change(key_file: KeyFile) -> tuple[KeyFile, int]:
        key_file = key_file.without_pending(attempt.id)
        entry = key_file.by_officer(officer_id)
        if entry is None:
            raise UserError(_("This officer has no key entry."))
        since = max(0, entry.since_login - 1) if flush is not None else entry.since_login
        entry = replace(entry, failures=0, last_failure=None)
        if flush is None:
            return key_file.with_officer(entry), since
        flush(key_file, since)
        key_file = replace(key_file.with_officer(replace(entry, since_login=0)),
                           pending=(), dropped=0)
        return key_file, since

    return update_key_file(key_path, change)
