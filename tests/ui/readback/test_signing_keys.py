"""The signing service says who lacks a signing key before anything is signed."""

from __future__ import annotations

from desktop.domain.model import StatementKind
from desktop.services import interview, signing
from tests.conftest import World, make_officer, provision_world_keys


def test_signing_team_names_each_officer_once(world: World) -> None:
    team = signing.signing_team(world.store, world.statement.id)
    assert [o.id for o in team] == [world.admin.id, world.second.id]


def test_a_separate_recorder_is_part_of_the_team(world: World) -> None:
    recorder = make_officer("测试记录员", "TEST0003")
    world.store.add_officer(recorder, "Third2026password")
    statement = interview.open_statement(
        world.store, case_id=world.case.id, interviewee_id=world.party.id,
        kind=StatementKind.INQUIRY, place="询问室", interviewers=(world.admin.id,
                                                                 world.second.id),
        recorder_id=recorder.id)
    team = signing.signing_team(world.store, statement.id)
    assert [o.certificate_no for o in team] == ["TEST0001", "TEST0002", "TEST0003"]


def test_missing_signing_keys_in_words_then_none(world: World) -> None:
    assert signing.missing_signing_keys(world.store, world.statement.id) == [
        "the statement room's device key", "officer 测试管理员 (TEST0001)",
        "officer 测试队员 (TEST0002)", "the unit seal"]
    provision_world_keys(world)
    assert signing.missing_signing_keys(world.store, world.statement.id) == []
