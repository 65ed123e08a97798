"""Login lockout and idle-lock policies, as pure functions of time.

Five consecutive failed logins lock that officer for ten minutes (CJIS 5.5.3, 等保 2.0
login-failure handling); the GUI locks after a configurable idle time of at most thirty
minutes (CJIS 5.5.5 session lock). The clock is always passed in, so tests need no sleeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from gettext import gettext as _

from desktop.domain.errors import UserError


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    lock_duration: timedelta = timedelta(minutes=10)

    def locked_until(self, consecutive_failures: int, last_failure: datetime) -> datetime | None:
        """When the officer may try again, or None if not locked."""
        if consecutive_failures >= self.max_failures:
            return last_failure + self.lock_duration
        return None


MAX_IDLE = timedelta(minutes=30)


@dataclass(frozen=True)
class IdleLockPolicy:
    """When the GUI must ask for the password again; work in progress is kept."""

    timeout: timedelta = timedelta(minutes=10)

    def __post_init__(self) -> None:
        if self.timeout <= timedelta(0) or self.timeout > MAX_IDLE:
            raise UserError(_("The idle lock must be between 1 second and 30 minutes."))

    def should_lock(self, last_activity: datetime, now: datetime) -> bool:
        return now - last_activity >= self.timeout

    def remaining(self, last_activity: datetime, now: datetime) -> timedelta:
        return max(timedelta(0), self.timeout - (now - last_activity))


MIN_PASSWORD_LENGTH = 10


def check_password_strength(password: str) -> None:
    """At least ten characters mixing letters and digits (CJIS 5.6.2.1 is the benchmark)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            _("The password must have at least {count} characters.").format(
                count=MIN_PASSWORD_LENGTH
            )
        )
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        raise UserError(_("The password must contain both letters and digits."))
