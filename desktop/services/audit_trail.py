"""Checking the audit trail as an officer or an inspector asks for it."""

from __future__ import annotations

from enum import Enum
from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.model import Action, Outcome
from desktop.store.audit_verify import Problem, TrailReport, verify_trail
from desktop.store.connection import integrity_problems
from desktop.store.continuity import Kind
from desktop.store.store import Store
from sync.protocol.treehead import SignedTreeHead


class Status(Enum):
    """What `audit verify` concluded; the command's exit status follows it."""

    INTACT = "intact"
    TAMPERED = "tampered"  # records altered, or the store replaced by an older copy
    SAVES_LOST = "saves_lost"  # behind its high-water mark: a damaged or deleted WAL
    ANCHOR_MISSING = "anchor_missing"  # the anchor or the mark kept outside it is gone


def check(store: Store) -> tuple[TrailReport, Status]:
    """Check the file's page MACs, the records kept outside the store (every anchor copy,
    the high-water mark: desktop/store/continuity.py, as found when this session opened),
    then recompute the whole trail against the newest anchor the log extends.

    The check itself is recorded in the trail after it ran, so the report describes the log
    exactly as it was found.
    """
    continuity = store.check_continuity()
    page_problems = [Problem(-1, text) for text in integrity_problems(store.conn)]
    # The finding that decides the exit status comes first (an older copy also falls behind
    # the high-water mark); anchor copies that say the same thing are named once.
    order = list(Kind)
    ranked = sorted(continuity.findings, key=lambda finding: order.index(finding.kind))
    outside = [Problem(-1, text) for text in dict.fromkeys(f.message for f in ranked)]
    report = verify_trail(store.conn, store.store_id, continuity.newest)
    trail_failed = not report.ok or bool(page_problems)
    report.problems[:0] = page_problems + outside
    kinds = {finding.kind for finding in continuity.findings}
    if Kind.ROLLED_BACK in kinds:
        status = Status.TAMPERED
    elif Kind.SAVES_LOST in kinds:
        status = Status.SAVES_LOST
    elif trail_failed:
        status = Status.TAMPERED
    elif Kind.ANCHOR_MISSING in kinds:
        status = Status.ANCHOR_MISSING
    else:
        status = Status.INTACT
    with store.transaction() as tx:
        tx.audit(Action.AUDIT_VERIFIED, store.store_id,
                 Outcome.OK if report.ok else Outcome.FAILED, size=report.size,
                 status=status.value)
    return report, status


def verify(store: Store) -> TrailReport:
    """`check`, for callers that only need the report."""
    return check(store)[0]


def recreate_anchor(store: Store) -> SignedTreeHead:
    """Re-create a deleted anchor (and high-water mark): administrators only, audited.

    Only when nothing but their absence is wrong: an older copy or lost saves stay refused,
    and the whole trail must verify first.
    """
    store.require_admin_for_anchor()
    continuity = store.check_continuity()
    blocking = [f for f in continuity.findings if f.kind is not Kind.ANCHOR_MISSING]
    if blocking:
        raise continuity.worst().error()
    report = verify_trail(store.conn, store.store_id, continuity.newest)
    problems = integrity_problems(store.conn) + [p.message for p in report.problems]
    if problems:
        raise UserError(_("The audit trail fails its check, so the anchor is not re-created: "
                          "{problem}").format(problem=problems[0]))
    return store.recreate_anchor()
