"""Searching statements as an officer does it: the search is recorded (never its words)."""

from __future__ import annotations

from desktop.domain.model import Action
from desktop.services.maintenance import reconnect
from desktop.store import search
from desktop.store.search import SearchHit, SearchIndexDamaged
from desktop.store.store import Store


def search_statements(store: Store, query: str, limit: int = 20) -> list[SearchHit]:
    """Index what autosave left stale, search, and record the search, in one transaction.

    A damaged index page raises `SearchIndexDamaged` (its message says how to rebuild the
    index); the session's connection, which SQLCipher leaves unusable after that, is
    replaced first, so saving and logging out go on working.
    """
    try:
        with store.transaction() as tx:
            search.refresh(tx.conn)
            hits = search.search(tx.conn, query, limit)
            # The query may hold a name: the trail keeps only that a search happened.
            tx.audit(Action.SEARCH, None, characters=len(query), hits=len(hits))
    except SearchIndexDamaged:
        reconnect(store)
        raise
    return hits
