"""The discretion service on a real store, with the standard accepted from HQ through the real
reference-data path (a signed manifest, the bytes checked): which version is held, matters
found by search and by the statement's words, the conditions to tick, the evaluation, and
refusals in the officer's words with the engine's code kept; a newer version replaces the
decoded one, and one this program cannot read is set aside while the held one stays."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.domain.errors import UserError
from desktop.domain.model import Action, TurnKind
from desktop.services import discretion, interview, refdata
from desktop.store import audit
from desktop.store import refdata as refdata_repo
from legal.discretion.evaluation import Deviation, DeviationKind, Facts, Outcome
from legal.discretion.model import PartyType
from sync.protocol.refdata import DatasetVersion, RefManifest
from sync.protocol.signing import sign
from tests.conftest import World
from tests.legal.discretion_support import SIDEWALK, starter_standard

HQ_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
HQ = "hq-city-01"


def publish(world: World, issued_ms: int, version: int, data: bytes) -> None:
    """HQ publishes ``data`` as ``version`` of ``discretion``; the device accepts it."""
    offered = DatasetVersion(version, hashlib.sha256(data).hexdigest(), len(data))
    signed = sign(RefManifest(hq=HQ, issued_ms=issued_ms, expires_ms=issued_ms + 10**9,
                              datasets={"discretion": offered}), HQ_KEY)
    refdata.accept(world.store, signed.to_json(), pinned_key=HQ_KEY.public_key(), hq_id=HQ,
                   fetch=lambda name, v: data)


@pytest.fixture
def held(world: World) -> World:
    publish(world, 1000, 1, starter_standard().to_bytes())
    return world


def test_nothing_held_is_said_plainly(world: World) -> None:
    assert discretion.held(world.store) is None and discretion.standard(world.store) is None
    with pytest.raises(UserError, match="No discretion standard is held yet"):
        discretion.search_matters(world.store, "停车")
    with pytest.raises(UserError, match="No discretion standard is held yet"):
        discretion.evaluate(world.store, Facts(SIDEWALK, PartyType.INDIVIDUAL, frozenset()))


def test_the_held_standard_its_search_and_evaluation(held: World) -> None:
    store = held.store
    info = discretion.held(store)
    assert info is not None and info.version == 1 and info.example and info.matters == 12
    assert info.sha256 == hashlib.sha256(starter_standard().to_bytes()).hexdigest()
    assert discretion.standard(store) is discretion.standard(store)  # decoded once
    hits = discretion.search_matters(store, "人行道")
    assert hits[0].code == SIDEWALK and hits[0].matched == "在人行道上违法停放机动车"
    assert discretion.search_matters(store, "犬")[0].field == "养犬管理"
    assert discretion.search_matters(store, "示例-LJ-001")[0].score >= 100
    facts = Facts(SIDEWALK, PartyType.INDIVIDUAL, frozenset({"eliminated_harm"}),
                  on_the_spot=True)
    evaluation = discretion.evaluate(store, facts)
    assert evaluation.outcome is Outcome.PENALTY and evaluation.proposed_amount == 80
    assert evaluation.on_the_spot_allowed and evaluation.standard_id == "starter-example"
    choice = discretion.choose(evaluation, waive=False, amount=60, deviation=Deviation(
        DeviationKind.LIGHTER, "当事人主动驶离并认错"))
    assert choice.amount == 60


def test_the_statement_suggests_its_matter(held: World) -> None:
    store, statement = held.store, held.statement
    interview.add_turn(store, statement.id, TurnKind.QUESTION, "你的车为什么停在这里？")
    interview.add_turn(store, statement.id, TurnKind.ANSWER,
                       "我把车停在人行道上去买早饭，没想到被贴了违停单。")
    hits = discretion.suggest_for_statement(store, statement.id)
    assert hits[0].code == SIDEWALK and "人行道" in hits[0].matched
    assert discretion.suggest_for_text(store, "店门口的油烟太大，净化设施没开")[0].code == (
        "示例-YY-001")
    assert discretion.suggest_for_text(store, "今天天气很好") == []


def test_conditions_of_a_matter_then_the_laws(held: World) -> None:
    choices = discretion.conditions(held.store, SIDEWALK)
    own = [c for c in choices if not c.statutory]
    assert [c.words for c in own] == ["驾驶人虽不在现场但经通知后及时驶离",
                                      "驾驶人不在现场或者拒绝立即驶离，妨碍其他车辆、行人通行",
                                      "妨碍通行时间较长或者造成交通堵塞",
                                      "一年内因同一违法行为被查处两次以上"]
    statutory = {c.code: c.words for c in choices if c.statutory}
    assert statutory["eliminated_harm"] == "主动消除或者减轻违法行为危害后果"
    with pytest.raises(discretion.DiscretionRefused) as refused:
        discretion.conditions(held.store, "不存在")
    assert refused.value.code == "unknown_matter" and "不存在" in refused.value.message


def test_refusals_are_sentences_with_the_engines_code(held: World) -> None:
    store = held.store
    with pytest.raises(discretion.DiscretionRefused) as unknown:
        discretion.evaluate(store, Facts("示例-XX-999", PartyType.INDIVIDUAL, frozenset()))
    assert unknown.value.code == "unknown_matter"
    assert str(unknown.value) == "The discretion standard held has no matter 示例-XX-999."
    with pytest.raises(discretion.DiscretionRefused) as condition:
        discretion.evaluate(store, Facts(SIDEWALK, PartyType.INDIVIDUAL, frozenset({"x"})))
    assert condition.value.code == "unknown_condition"
    with pytest.raises(discretion.DiscretionRefused) as date:
        discretion.evaluate(store, Facts(SIDEWALK, PartyType.INDIVIDUAL, frozenset(),
                                         violation_date="昨天", discovered_date="2026-01-01"))
    assert date.value.code == "bad_date" and "昨天" in date.value.message
    evaluation = discretion.evaluate(store, Facts(SIDEWALK, PartyType.INDIVIDUAL, frozenset()))
    for amount, deviation, code, words in [
        (50, None, "deviation_required", "write the reason"),
        (50, Deviation(DeviationKind.LIGHTER, " "), "reason_required", "Write the reason"),
        (50, Deviation(DeviationKind.HEAVIER, "理由"), "wrong_deviation_kind", "lighter (从轻)"),
        (500, Deviation(DeviationKind.HEAVIER, "理由"), "above_statutory_maximum",
         "500 yuan is above the statutory maximum of 200 yuan"),
    ]:
        with pytest.raises(discretion.DiscretionRefused) as refused:
            discretion.choose(evaluation, waive=False, amount=amount, deviation=deviation)
        assert refused.value.code == code and words in refused.value.message


def test_a_newer_version_replaces_the_one_held(held: World) -> None:
    store = held.store
    first = discretion.standard(store)
    newer = replace(starter_standard(), version_date="2027-01-01", title="第二版（示例）")
    publish(held, 2000, 2, newer.to_bytes())
    info = discretion.held(store)
    assert info is not None and info.version == 2 and info.title == "第二版（示例）"
    assert discretion.standard(store) == newer and discretion.standard(store) is not first
    evaluation = discretion.evaluate(store, Facts(SIDEWALK, PartyType.INDIVIDUAL, frozenset()))
    assert evaluation.standard_version_date == "2027-01-01"


def test_an_unreadable_newer_version_is_set_aside_and_the_held_one_stays(held: World) -> None:
    store = held.store
    first = discretion.standard(store)
    newer_format = b'{"format": "sr-discretion-99", "matters": []}'
    publish(held, 2000, 2, newer_format)  # signed and hashed right: only the format is new
    info = discretion.held(store)
    assert info is not None and info.version == 1 and info.matters == 12
    assert discretion.standard(store) is first
    evaluation = discretion.evaluate(store, Facts(SIDEWALK, PartyType.INDIVIDUAL, frozenset()))
    assert evaluation.standard_version_date == starter_standard().version_date
    assert discretion.search_matters(store, "人行道")[0].code == SIDEWALK
    shown = refdata.status(store, now_ms=2500)
    assert shown.versions == {"discretion": 1} and shown.refusal is not None
    assert ("Version 2 of 「discretion」 from HQ cannot be read by this program (not a "
            "discretion standard of format") in shown.refusal
    assert "version 1 stays in use" in shown.refusal
    [leaf] = [r for r in audit.records(store.conn) if r.action == Action.REFDATA_REFUSED]
    assert (leaf.subject, leaf.outcome, json.loads(leaf.details)["version"]) == (
        "discretion", "denied", 2)
    # A readable version 3 replaces version 1 as usual.
    publish(held, 3000, 3, replace(starter_standard(), title="第三版（示例）").to_bytes())
    info = discretion.held(store)
    assert info is not None and (info.version, info.title) == (3, "第三版（示例）")
    assert refdata.status(store, now_ms=3500).refusal is None


def test_an_unreadable_first_standard_is_set_aside_and_none_is_held(world: World) -> None:
    publish(world, 1000, 1, b'{"format": "something else"}')
    assert discretion.held(world.store) is None
    with pytest.raises(UserError, match="No discretion standard is held yet"):
        discretion.search_matters(world.store, "停车")
    shown = refdata.status(world.store, now_ms=1500)
    assert shown.refusal is not None and "none is held yet" in shown.refusal


def test_an_unreadable_standard_an_older_program_kept_is_a_sentence_not_a_traceback(
        world: World) -> None:
    data = b'{"format": "something else"}'

    def kept_unchecked() -> None:  # as an older program did, without decoding first
        with world.store.transaction() as tx:
            refdata_repo.accept_dataset(tx, "discretion", 1, hashlib.sha256(data).hexdigest(),
                                        data)

    world.store.write(kept_unchecked)
    with pytest.raises(UserError, match="cannot be read"):
        discretion.held(world.store)
