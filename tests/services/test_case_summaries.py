"""The case list's summaries come from one query; they say what the records say."""

from __future__ import annotations

from desktop.domain.model import StatementState
from desktop.services import interview, records
from tests.conftest import World


def test_summaries_match_the_statements(world: World) -> None:
    [summary] = records.case_summaries(world.store)
    assert summary.case == world.case and summary.evidence == 0
    [line] = summary.statements
    statement = interview.get(world.store, world.statement.id)
    assert (line.id, line.kind, line.state, line.party_name, line.started_at, line.turns) == (
        statement.id, statement.kind, StatementState.DRAFT, world.party.name,
        statement.started_at, len(statement.turns))
