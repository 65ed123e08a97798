"""Cases and parties as officers create them (one durable transaction each), and the
overview of cases the main window lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from desktop.domain.model import Case, Party, StatementKind, StatementState
from desktop.store import cases, statements
from desktop.store.connection import Connection
from desktop.store.store import Store


def create_case(store: Store, case: Case) -> Case:
    with store.transaction() as tx:
        cases.create_case(tx, case)
        return cases.get_case(tx.conn, case.id)


def record_party(store: Store, party: Party, source: str = "manual") -> Party:
    with store.transaction() as tx:
        cases.record_party(tx, party, source)
        return cases.get_party(tx.conn, party.id)


@dataclass(frozen=True)
class StatementSummary:
    """One line of a case's statement list."""

    id: str
    kind: StatementKind
    state: StatementState
    party_name: str
    started_at: datetime
    turns: int


@dataclass(frozen=True)
class CaseSummary:
    case: Case
    statements: tuple[StatementSummary, ...]
    evidence: int


def case_summaries(store: Store) -> list[CaseSummary]:
    """Every case, newest first, with its statements and how much evidence it holds."""
    with store.reading() as conn:
        return _case_summaries(conn)


def _case_summaries(conn: Connection) -> list[CaseSummary]:
    evidence_counts = {str(r[0]): int(r[1]) for r in conn.execute(
        "SELECT case_id, count(*) FROM evidence_items WHERE case_id IS NOT NULL"
        " GROUP BY case_id")}
    by_case: dict[str, list[StatementSummary]] = {}
    for case_id, statement_id, kind, state, party, started, turns in \
            statements.summary_rows(conn):
        by_case.setdefault(case_id, []).append(StatementSummary(
            statement_id, StatementKind(kind), StatementState(state), party, started, turns))
    return [CaseSummary(case, tuple(by_case.get(case.id, ())), evidence_counts.get(case.id, 0))
            for case in cases.list_cases(conn)]
