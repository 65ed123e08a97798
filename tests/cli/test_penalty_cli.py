"""`statement-room penalty`: the real command in a child process on a real store.

The store is made in the test (officers, a legal reviewer, their keys, a case) and the case
officer's decision is evaluated from the engine's records
(tests/services/penalty_decision_support.py); then the command line does what the officer
and the reviewer do, each logged in as themselves, the reviewer typing their own secret (its
variable) to sign.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.services import penalty
from tests.cli.helpers import last_json, run_cli
from tests.conftest import PASSWORD, SECOND_PASSWORD, FakeClock, World
from tests.services.penalty_decision_support import (
    LIBRARY,
    REVIEWER_CERT,
    REVIEWER_PASSWORD,
    STANDARD,
    add_reviewer,
    choice,
    evaluation,
    facts,
    login,
    provision_keys,
)

OFFICER = {"STATEMENT_ROOM_OFFICER": "TEST0002", "STATEMENT_ROOM_PASSWORD": SECOND_PASSWORD}
REVIEWER = {"STATEMENT_ROOM_OFFICER": REVIEWER_CERT,
            "STATEMENT_ROOM_PASSWORD": REVIEWER_PASSWORD,
            f"STATEMENT_ROOM_SECRET_{REVIEWER_CERT}": REVIEWER_PASSWORD}
ADMIN = {"STATEMENT_ROOM_OFFICER": "TEST0001", "STATEMENT_ROOM_PASSWORD": PASSWORD,
         "STATEMENT_ROOM_SECRET_TEST0001": PASSWORD}


@pytest.fixture
def decided(world: World, clock: FakeClock) -> tuple[Path, str]:
    """(the store's folder, the id of a decision the case officer evaluated and chose at 80
    yuan, which needs legal review); the store closed, as the command line finds it."""
    reviewer = add_reviewer(world)
    provision_keys(world, reviewer)
    store = login(world, "TEST0002", SECOND_PASSWORD, clock)
    decision = penalty.open_decision(store, world.case.id, world.statement.id)
    stated = facts("obstructs_traffic")
    penalty.record_proposal(store, decision.id, stated, evaluation(stated), STANDARD, LIBRARY)
    penalty.record_choice(store, decision.id, choice(80))
    store.close()
    return world.paths.workdir, decision.id


def cli(workdir: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = run_cli(*args, "--workdir", str(workdir), env=env)
    return result.returncode, result.stdout, result.stderr


def test_officer_submits_and_reviewer_approves_on_the_command_line(
        decided: tuple[Path, str]) -> None:
    workdir, decision_id = decided
    code, out, err = cli(workdir, OFFICER, "penalty", "show", "测试〔2026〕1号")
    assert code == 0, err
    assert "chosen: to be submitted for legal review" in out
    assert "罚款, 80 yuan" in out and "Proposed: 50 to 100 yuan" in out
    assert "《中华人民共和国道路交通安全法》第九十三条第二款" in out
    assert f"version 3 (SHA-256 {STANDARD.sha256})" in out
    assert "Legal review is required" in out

    code, out, err = cli(workdir, OFFICER, "penalty", "submit", decision_id, "--json")
    assert code == 0, err
    assert last_json(out)["state"] == "in_review"

    code, out, err = cli(workdir, REVIEWER, "penalty", "queue", "--json")
    assert code == 0, err
    assert [row["id"] for row in last_json(out)["queue"]] == [decision_id]
    assert last_json(out)["queue"][0]["amount"] == 80

    code, out, err = cli(workdir, REVIEWER, "penalty", "approve", decision_id,
                         "--comments", "同意。", "--json")
    assert code == 0, err
    result = last_json(out)
    assert result["state"] == "approved"
    [review] = result["reviews"]
    assert review["verdict"] == "approved" and review["reviewer"] == "测试审核员"
    assert review["signature_valid"] and review["current"]

    code, out, err = cli(workdir, REVIEWER, "penalty", "queue")
    assert code == 0, err
    assert "No decision is waiting for legal review." in out


def test_a_returned_decision_shows_the_comments_to_the_officer(
        decided: tuple[Path, str]) -> None:
    workdir, decision_id = decided
    assert cli(workdir, OFFICER, "penalty", "submit", decision_id)[0] == 0
    code, _out, err = cli(workdir, REVIEWER, "penalty", "return", decision_id,
                          "--comments", "   ")
    assert code == 1
    assert "needs written comments" in err
    code, out, err = cli(workdir, REVIEWER, "penalty", "return", decision_id, "--comments",
                         "请补充当事人妨碍行人通行的照片。")
    assert code == 0, err
    assert "Returned to the case officer, signed." in out
    code, out, err = cli(workdir, OFFICER, "penalty", "show", "测试〔2026〕1号")
    assert code == 0, err
    assert "returned by the legal reviewer" in out
    assert "Comments: 请补充当事人妨碍行人通行的照片。" in out


def test_review_refusals_on_the_command_line(decided: tuple[Path, str]) -> None:
    workdir, decision_id = decided
    code, _out, err = cli(workdir, REVIEWER, "penalty", "approve", decision_id)
    assert code == 1 and "not waiting for legal review" in err  # not yet submitted
    assert cli(workdir, OFFICER, "penalty", "submit", decision_id)[0] == 0

    code, _out, err = cli(workdir, ADMIN, "penalty", "approve", decision_id)
    assert code == 1 and "Only a legal reviewer may review" in err

    wrong = {**REVIEWER, f"STATEMENT_ROOM_SECRET_{REVIEWER_CERT}": "Not2026theSecret"}
    code, _out, err = cli(workdir, wrong, "penalty", "approve", decision_id)
    assert code == 1 and "Wrong password" in err

    no_secret = {k: v for k, v in REVIEWER.items() if "SECRET" not in k}
    code, _out, err = cli(workdir, no_secret, "penalty", "approve", decision_id)
    assert code == 1 and f"STATEMENT_ROOM_SECRET_{REVIEWER_CERT}" in err

    code, out, err = cli(workdir, OFFICER, "penalty", "show", "测试〔2026〕1号", "--json")
    assert code == 0, err
    [decision] = last_json(out)["decisions"]
    assert decision["state"] == "in_review" and decision["reviews"] == []


def test_choices_the_law_does_not_allow_are_refused_and_nothing_changes(
        decided: tuple[Path, str]) -> None:
    workdir, decision_id = decided
    code, _out, err = cli(workdir, OFFICER, "penalty", "choose", decision_id, "--amount", "30",
                          "--deviation", "lighter")
    assert code == 1
    assert "needs a written reason for the deviation" in err
    code, _out, err = cli(workdir, OFFICER, "penalty", "choose", decision_id, "--amount", "500",
                          "--deviation", "heavier", "--reason", "多次违停。")
    assert code == 1
    assert "above the statutory maximum of 200 yuan" in err
    code, _out, err = cli(workdir, OFFICER, "penalty", "choose", decision_id)
    assert code == 1 and "Give the amount" in err
    code, out, err = cli(workdir, OFFICER, "penalty", "show", "测试〔2026〕1号", "--json")
    assert code == 0, err
    [decision] = last_json(out)["decisions"]
    assert decision["choice"]["amount"] == 80 and decision["state"] == "chosen"


@pytest.mark.parametrize("content", ["{not json", json.dumps({"party_type": "individual"}),
                                     json.dumps({"matter_code": "X", "party_type": "robot"})])
def test_a_bad_facts_file_is_refused_before_anything_is_opened(
        decided: tuple[Path, str], tmp_path: Path, content: str) -> None:
    workdir, _decision_id = decided
    path = tmp_path / "facts.json"
    path.write_text(content, encoding="utf-8")
    code, _out, err = cli(workdir, OFFICER, "penalty", "propose", "测试〔2026〕1号",
                          "--facts", str(path))
    assert code == 1
    assert "is not valid: it needs JSON with matter_code" in err
    code, out, _err = cli(workdir, OFFICER, "penalty", "show", "测试〔2026〕1号", "--json")
    assert len(last_json(out)["decisions"]) == 1
