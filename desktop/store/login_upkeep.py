"""What a login does to a store before the officer sees it: the upkeep an update or a crash
left for the next opening, each step done once and only when needed.

An import killed half-way leaves a temporary file or an unreferenced blob in the vault (and
old names migrate); records an older program sealed or imported lack the context HQ now
receives (migration 0017); a law library accepted before its index existed has none
(migration 0019); penalty decisions, reviews and documents an older program kept were never
announced to HQ (decision 53, `penalty_backfill`); a recording whose writer was killed is
left unfinished in a ``.rec-`` temporary (issue 18). Each later change of this kind adds its
step to `STEPS`: a check that costs one query when there is nothing to do, and the work in
its own transaction, audited there. The recordings' salvage is the exception: it needs the
vault's folder and key, as the tidy does, and runs before the tidy (`recording_salvage`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from desktop.store import (
    context_backfill,
    evidence,
    law_index,
    penalty_backfill,
    recording_salvage,
)
from desktop.store.connection import Connection
from desktop.store.tx import Clock, transaction
from desktop.store.vault_tidy import tidy_at_open

__all__ = ["STEPS", "upkeep_at_login"]

# (pending?, the work inside a transaction); looked up when called, so a step's module may
# be changed (or a test may stand in for it) after this one is imported.
STEPS: tuple[tuple[Callable[[Connection], bool], Callable[[Connection, datetime], object]],
             ...] = (
    (lambda conn: context_backfill.backfill_pending(conn),
     lambda conn, at: context_backfill.backfill(conn, at)),
    (lambda conn: law_index.pending(conn), lambda conn, at: law_index.rebuild_held(conn, at)),
    (lambda conn: penalty_backfill.pending(conn),
     lambda conn, at: penalty_backfill.backfill(conn, at)),
)


def upkeep_at_login(workdir: Path, conn: Connection, data_key: bytes, clock: Clock,
                    officer_id: str) -> None:
    """Run every pending step for the officer logging in (the caller closes `conn` if one
    fails: the login fails with it, and the step is tried again at the next)."""
    master_key = evidence.vault_master_key(data_key)
    # First: a blob sealed by a salvage killed before its commit is referenced only then.
    recording_salvage.salvage_at_login(workdir, conn, master_key, clock, officer_id)
    tidy_at_open(workdir, conn, master_key)
    for pending, work in STEPS:
        if pending(conn):
            with transaction(conn, clock, officer_id) as tx:
                work(tx.conn, tx.at)
