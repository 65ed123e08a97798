"""What verification refuses, as its own errors (it may not import the desktop's).

The desktop turns a `VerificationError` into its `UserError` with the same message where a
person sees it (`desktop.services.verify.verify_document`); HQ turns it into a verdict that
says what HQ could not read. Messages are translated with gettext `_()` at the raise, from the
project's one catalog, which the desktop and HQ both install.
"""

from __future__ import annotations

__all__ = ["UnreadablePdf", "VerificationError"]


class VerificationError(Exception):
    """The input cannot be verified at all, for a reason a person can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UnreadablePdf(VerificationError):
    """The bytes are not a readable PDF document (damaged, truncated, or something else)."""
