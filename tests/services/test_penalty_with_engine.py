"""Penalty decisions with the real discretion engine and datasets (needs helpers DISC's and
LAW's work merged): the starter standard and the shipped law library accepted through the
signed reference-data path, the sidewalk-parking facts evaluated by the engine, the choice
accepted or refused by it, the versions used recorded. The command line does the same."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.domain.errors import UserError
from desktop.domain.penalty import DecisionState
from desktop.services import penalty, refdata
from legal.discretion.evaluation import Deviation, DeviationKind, Facts
from legal.discretion.model import PartyType
from sync.protocol.refdata import DatasetVersion, RefManifest
from sync.protocol.signing import sign
from tests.cli.helpers import last_json, run_cli
from tests.conftest import SECOND_PASSWORD, FakeClock, World
from tests.legal.discretion_support import SIDEWALK, starter_standard
from tests.legal.laws import shipped_library
from tests.services.penalty_decision_support import login

HQ_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
STANDARD_BYTES = starter_standard().to_bytes()
LIBRARY_BYTES = shipped_library().to_bytes()
OFFICER = {"STATEMENT_ROOM_OFFICER": "TEST0002", "STATEMENT_ROOM_PASSWORD": SECOND_PASSWORD}


@pytest.fixture
def held(world: World, clock: FakeClock) -> World:
    """The standard and the library accepted from HQ; the case officer logged in."""
    data = {"discretion": STANDARD_BYTES, "laws": LIBRARY_BYTES}
    signed = sign(RefManifest(hq="hq-test", issued_ms=1000, expires_ms=10**12, datasets={
        name: DatasetVersion(1, hashlib.sha256(d).hexdigest(), len(d))
        for name, d in data.items()}), HQ_KEY)
    refdata.accept(world.store, signed.to_json(), pinned_key=HQ_KEY.public_key(),
                   hq_id="hq-test", fetch=lambda name, _version: data[name])
    login(world, "TEST0002", SECOND_PASSWORD, clock)
    return world


def sidewalk(*conditions: str) -> Facts:
    return Facts(SIDEWALK, PartyType.INDIVIDUAL, frozenset(conditions),
                 violation_date="2026-11-20", discovered_date="2026-11-20")


def test_the_engine_proposes_and_the_decision_records_the_versions(held: World) -> None:
    store = held.store
    decision = penalty.open_decision(store, held.case.id, held.statement.id)
    decision = penalty.propose(store, decision.id, sidewalk("eliminated_harm"))
    assert decision.state is DecisionState.DRAFT and decision.evaluation is not None
    assert decision.evaluation.matter_code == SIDEWALK
    assert decision.standard is not None and decision.library is not None
    assert decision.standard.sha256 == hashlib.sha256(STANDARD_BYTES).hexdigest()
    assert decision.library.sha256 == hashlib.sha256(LIBRARY_BYTES).hexdigest()
    assert decision.standard.label.endswith("（示例基准，非正式）")  # the starter is an example
    proposed = decision.evaluation.proposed_range
    assert proposed is not None
    with pytest.raises(UserError, match="needs a written reason for the deviation"):
        penalty.choose(store, decision.id, waive=False, amount=proposed.low - 1,
                       deviation=Deviation(DeviationKind.LIGHTER, ""))
    with pytest.raises(UserError):
        penalty.choose(store, decision.id, waive=False, amount=100_000, deviation=None)
    chosen = penalty.choose(store, decision.id, waive=False, amount=proposed.low,
                            deviation=None)
    assert chosen.choice is not None and chosen.choice.amount == proposed.low
    expected = (DecisionState.CHOSEN if chosen.review_required else DecisionState.APPROVED)
    assert chosen.state is expected


def test_propose_and_choose_on_the_command_line(held: World, tmp_path: Path) -> None:
    workdir = held.paths.workdir
    held.store.close()
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(sidewalk("eliminated_harm").to_json()), encoding="utf-8")
    result = run_cli("penalty", "propose", "测试〔2026〕1号", "--facts", str(facts), "--json",
                     "--workdir", str(workdir), env=OFFICER)
    assert result.returncode == 0, result.stderr
    proposed = last_json(result.stdout)
    assert proposed["standard"]["sha256"] == hashlib.sha256(STANDARD_BYTES).hexdigest()
    low = proposed["evaluation"]["proposed_range"][0]
    result = run_cli("penalty", "choose", proposed["id"], "--amount", str(low), "--json",
                     "--workdir", str(workdir), env=OFFICER)
    assert result.returncode == 0, result.stderr
    assert last_json(result.stdout)["choice"]["amount"] == low
