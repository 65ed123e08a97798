"""Checking the audit trail as an officer or an inspector asks for it."""

from __future__ import annotations

from desktop.domain.model import Action, Outcome
from desktop.store.anchor import read_anchor
from desktop.store.audit_verify import Problem, TrailReport, verify_trail
from desktop.store.connection import integrity_problems
from desktop.store.store import Store


def verify(store: Store) -> TrailReport:
    """Check the file's page MACs, then recompute the whole trail against its anchor.

    The check itself is recorded in the trail after it ran, so the report describes the log
    exactly as it was found.
    """
    page_problems = [Problem(-1, text) for text in integrity_problems(store.conn)]
    report = verify_trail(store.conn, store.store_id, read_anchor(store.paths.anchor))
    report.problems[:0] = page_problems
    with store.transaction() as tx:
        tx.audit(Action.AUDIT_VERIFIED, store.store_id,
                 Outcome.OK if report.ok else Outcome.FAILED, size=report.size)
    return report
