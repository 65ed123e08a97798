"""Maintenance an officer can run on a store: rebuilding the search index from the records.

The full-text index holds nothing that is not in the records (turn texts, party names, case
causes), so rebuilding it loses nothing. A healthy index is rebuilt in one transaction; one
whose pages fail SQLCipher's check is rebuilt into a fresh copy of the store that leaves the
damaged pages behind (`search_repair.repair_index`). Either way the rebuild is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.domain.model import Action
from desktop.store import search
from desktop.store.connection import StoreDamaged
from desktop.store.store import Store


@dataclass(frozen=True)
class RebuildResult:
    documents: int
    repaired: bool  # damaged pages were left behind in a rewritten store file


def reconnect(store: Store) -> None:
    """Give the session a fresh connection (after a damaged page spoiled this one)."""
    store.reconnect()


def rebuild_search(store: Store) -> RebuildResult:
    """Rebuild the search index from the records and record that it was done."""
    repaired = False
    try:
        with store.transaction() as tx:
            count = search.rebuild_index(tx.conn)
            tx.audit(Action.SEARCH_REBUILT, None, documents=count, repaired=False)
        return RebuildResult(count, repaired)
    except StoreDamaged:
        pass  # a damaged page of the index: this connection is spent, rebuild outside it
    count = store.repair_search_index()
    repaired = True
    with store.transaction() as tx:
        tx.audit(Action.SEARCH_REBUILT, None, documents=count, repaired=repaired)
    return RebuildResult(count, repaired)
