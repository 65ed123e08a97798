"""Searching statements as an officer does it: the search is recorded (never its words).

The index catches up with what autosave left stale inside every search, so a search never
misses the latest answer. `catch_up` does the same work ahead of time, for the editor to
call on the store lane when typing pauses: the officer's next search then has nothing to
index and waits for the search alone.
"""

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


def catch_up(store: Store) -> int:
    """Index what autosave left stale, in a transaction of its own; return how many turns.

    Nothing stale (the usual case) costs one read and writes nothing. A damaged index page
    raises `SearchIndexDamaged` after the connection is replaced, as a search does.
    """
    try:
        if not search.has_stale(store.conn):
            return 0
        with store.transaction() as tx:
            return search.refresh(tx.conn)
    except SearchIndexDamaged:
        reconnect(store)
        raise
