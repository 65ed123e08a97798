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
from desktop.domain.model import Action
from desktop.domain.penalty import DecisionState
from desktop.domain.penalty import PenaltyDocumentKind as Kind
from desktop.services import penalty, penalty_documents, refdata
from desktop.store.store import Store
from legal.discretion.evaluation import Deviation, DeviationKind, Facts
from legal.discretion.model import PartyType
from sync.protocol.refdata import DatasetVersion, RefManifest
from sync.protocol.signing import sign
from tests.cli.helpers import last_json, run_cli
from tests.conftest import SECOND_PASSWORD, FakeClock, World
from tests.documents.test_penalty_render import text_of
from tests.legal.discretion_support import SIDEWALK, starter_standard
from tests.legal.laws import shipped_library
from tests.services.penalty_decision_support import login
from tests.services.penalty_support import set_unit_profile

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
    set_unit_profile(world.store)  # by the administrator, before the case officer logs in
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


ROAD = "示例-DL-001"  # 擅自占用城市道路: 一般 2,000-10,000 yuan of 1-20,000


def road_occupation() -> Facts:
    return Facts(ROAD, PartyType.INDIVIDUAL, frozenset(), violation_date="2026-11-20",
                 discovered_date="2026-11-20")


def notice_text(store: Store, decision_id: str, tmp_path: Path) -> str:
    drafted = penalty_documents.draft_for(store, decision_id, Kind.PRIOR_NOTICE)
    return text_of(drafted.pdf, tmp_path)


def test_the_hearing_right_and_review_follow_the_amount_chosen(held: World,
                                                               tmp_path: Path) -> None:
    store = held.store
    decision = penalty.open_decision(store, held.case.id, held.statement.id)
    decision = penalty.propose(store, decision.id, road_occupation())
    evaluation = decision.evaluation
    assert evaluation is not None and evaluation.proposed_amount == 6000
    assert not evaluation.hearing_right and not decision.hearing_right
    # 从重 above the individual's 较大数额 (10,000 in the starter's example figures):
    heavier = penalty.choose(store, decision.id, waive=False, amount=15_000,
                             deviation=Deviation(DeviationKind.HEAVIER,
                                                 "占道三个月，经两次责令仍不改正"))
    assert heavier.hearing_right and heavier.review_required
    assert heavier.state is DecisionState.CHOSEN
    with pytest.raises(UserError, match="needs legal review"):
        penalty.require_signable(heavier)
    assert penalty_documents.kinds_for(heavier)[-2:] == [Kind.PRIOR_NOTICE, Kind.DECISION]
    text = notice_text(store, decision.id, tmp_path)
    assert "罚款人民币15000元" in text and "有要求举行听证的权利" in text
    assert ("决定罚款15000元，达到较大数额罚款标准（示例：10000元），应当告知当事人有要求听证的"
            "权利" in text)
    assert "《中华人民共和国行政处罚法》第六十四条" in text  # art. 64 quoted where told
    # The officer lowers it within the tier, below the review figure (5,000): no hearing,
    # no review, signable as chosen; the notice no longer offers a hearing.
    lower = penalty.choose(store, decision.id, waive=False, amount=3000, deviation=None)
    assert not lower.hearing_right and not lower.review_required
    assert lower.state is DecisionState.APPROVED
    penalty.require_signable(lower)
    text = notice_text(store, decision.id, tmp_path)
    assert "罚款人民币3000元" in text and "要求举行听证" not in text
    assert "决定罚款3000元，不属于行政处罚法第五十八条规定应当进行法制审核的情形" in text
    with store.reading() as conn:
        leaves = [json.loads(row[0]) for row in conn.execute(
            "SELECT details FROM audit_log WHERE action = ? ORDER BY idx",
            (Action.PENALTY_CHOSEN.value,))]
    assert [(leaf["hearing_right"], leaf["legal_review_required"]) for leaf in leaves] == [
        (True, True), (False, False)]


def test_sidewalk_parking_by_a_unit_is_refused_with_its_reason(held: World) -> None:
    store = held.store
    decision = penalty.open_decision(store, held.case.id, held.statement.id)
    unit = Facts(SIDEWALK, PartyType.UNIT, frozenset(), violation_date="2026-11-20",
                 discovered_date="2026-11-20")
    with pytest.raises(UserError) as refused:
        penalty.propose(store, decision.id, unit)
    assert getattr(refused.value, "code", None) == "party_not_provided"
    words = str(refused.value)
    assert "provides no penalty for a unit (法人或者其他组织)" in words
    assert "《中华人民共和国道路交通安全法》第九十三条第二款" in words
    kept = penalty.get(store, decision.id)
    assert kept.state is DecisionState.DRAFT and kept.evaluation is None  # nothing recorded
    # The same case with the driver as the party is evaluated as before.
    driver = penalty.propose(store, decision.id, sidewalk())
    assert driver.evaluation is not None and driver.evaluation.proposed_amount == 110
