"""Cases and parties as officers create them (one durable transaction each)."""

from __future__ import annotations

from desktop.domain.model import Case, Party
from desktop.store import cases
from desktop.store.store import Store


def create_case(store: Store, case: Case) -> Case:
    with store.transaction() as tx:
        cases.create_case(tx, case)
        return cases.get_case(tx.conn, case.id)


def record_party(store: Store, party: Party, source: str = "manual") -> Party:
    with store.transaction() as tx:
        cases.record_party(tx, party, source)
        return cases.get_party(tx.conn, party.id)
