"""The verification verdict of a statement, recomputed at HQ from what HQ holds.

A verdict copied from the client would prove nothing: HQ checks the signed PDF it received
against the unit roots it trusts and the certificates and revocations it issued, and the
content digest the PDF prints against the statement content it received (issue 16).

`statement_verdict` is what the supervision room's statement page shows, through the
template partial ``_verdict.html``. None means HQ cannot judge yet (no signed PDF received).
"""

from __future__ import annotations

from dataclasses import dataclass

from hq.state import HQState

__all__ = ["Verdict", "VerdictCheck", "statement_verdict"]


@dataclass(frozen=True)
class VerdictCheck:
    """One check and its outcome, in the room's words (Chinese)."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Verdict:
    ok: bool  # every check passed
    summary: str
    checks: tuple[VerdictCheck, ...]
    computed_ms: int


def statement_verdict(state: HQState, statement_id: str) -> Verdict | None:
    """The verdict on ``statement_id``'s signed PDF, or None while HQ cannot judge it."""
    return None  # recomputed from the PDF in the verdict part of issue 16 (being written)
