"""The one exception type users see.

A `UserError` carries a message already translated through gettext; raising it refuses the
operation and guarantees nothing already saved was lost. Anything else that escapes is a bug:
the CLI and GUI log it with its traceback and show a crash report instead.
"""

from __future__ import annotations


class UserError(Exception):
    """An operation was refused for a reason the user can understand and act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class RuleViolation(UserError):
    """A domain rule (law or practice of a statement) forbids the requested change."""
