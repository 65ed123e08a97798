"""A store with a case officer, a legal reviewer and their keys, and the discretion engine's
records for the sidewalk-parking case, built by hand from `legal.discretion.evaluation`.

The records are what the engine (helper DISC's `legal.discretion.engine`) answers for a car
parked on the sidewalk: 《中华人民共和国道路交通安全法》第九十三条, a fine of 20 to 200 yuan.
They are synthetic test data (the standard's label says so); the decision service takes them
as records, so these tests exercise the store, the audit trail, the signatures and the review
rules, not the engine.
"""

from __future__ import annotations

import hashlib
from typing import Any

from desktop.domain.ids import new_id
from desktop.domain.model import Officer, Role
from desktop.domain.penalty import DatasetUsed
from desktop.store.store import Store, unlock
from legal.discretion.evaluation import (
    Choice,
    Deviation,
    DeviationKind,
    Evaluation,
    Facts,
    Outcome,
    Step,
)
from legal.discretion.model import FineRange, PartyType, TierLevel
from tests.conftest import PASSWORD, SECOND_PASSWORD, FakeClock, World

REVIEWER_PASSWORD = "Reviewer2026password"
REVIEWER_CERT = "TEST0003"
MATTER = "330217130000"  # synthetic code of the matter
PENALTY_BASIS = "《中华人民共和国道路交通安全法》第九十三条第二款"
VIOLATION_BASIS = "《中华人民共和国道路交通安全法》第九十三条第一款"
STANDARD = DatasetUsed("discretion", 3, hashlib.sha256(b"synthetic standard v3").hexdigest(),
                       "综合行政执法裁量基准（合成测试数据）（2026-01-01）")
LIBRARY = DatasetUsed("laws", 7, hashlib.sha256(b"synthetic library v7").hexdigest(),
                      "法律法规库 2026 年第 1 版（合成测试数据）")


def add_reviewer(world: World) -> Officer:
    """A legal reviewer (法制审核员) with their own login, added by the administrator."""
    reviewer = Officer(id=new_id(), name="测试审核员", certificate_no=REVIEWER_CERT,
                       unit=world.admin.unit, role=Role.LEGAL_REVIEWER)
    world.store.add_officer(reviewer, REVIEWER_PASSWORD)
    return reviewer


def provision_keys(world: World, reviewer: Officer) -> dict[str, str]:
    """Every officer's signing key from a unit root, wrapped under their own password."""
    from desktop.documents import unit_ca
    from desktop.services import keys

    root = unit_ca.create_unit_root(world.admin.unit)
    passwords = {world.admin.id: PASSWORD, world.second.id: SECOND_PASSWORD,
                 reviewer.id: REVIEWER_PASSWORD}
    keys.provision_from_unit_root(world.store, root, [world.admin, world.second, reviewer],
                                  passwords, custodian_id=world.admin.id,
                                  device_serial="SR-TEST-01", p12_rounds=2048)
    return passwords


def login(world: World, certificate: str, password: str, clock: FakeClock) -> Store:
    """End the current session and log `certificate` in (the store of `world` follows)."""
    world.store.close()
    world.store = unlock(world.paths, certificate, password, clock=clock)
    return world.store


def facts(*conditions: str) -> Facts:
    return Facts(matter_code=MATTER, party_type=PartyType.INDIVIDUAL,
                 conditions=frozenset(conditions), violation_date="2026-11-20",
                 discovered_date="2026-11-20")


def evaluation(stated: Facts | None = None, *, review: bool = True,
               row_hash: str = "a" * 64) -> Evaluation:
    """The engine's evaluation: general tier, 50 to 100 yuan of 20 to 200, 80 proposed."""
    stated = stated or facts("obstructs_traffic")
    return Evaluation(
        standard_id="synthetic-standard", standard_version_date="2026-01-01",
        matter_code=MATTER, matter_name="机动车在人行道违法停放（合成测试数据）",
        matter_row_hash=row_hash, facts=stated, outcome=Outcome.PENALTY,
        tier=TierLevel.GENERAL, statutory_range=FineRange(20, 200),
        proposed_range=FineRange(50, 100), proposed_amount=80, penalties=("罚款",),
        mandatory_mitigation=False, on_the_spot_allowed=True, hearing_right=False,
        legal_review_required=review,
        steps=(Step("matter", "违法行为：机动车在人行道违法停放，驾驶人不在现场，妨碍行人通行。",
                    (VIOLATION_BASIS,)),
               Step("tier", "违法情节一般，适用一般阶次，罚款五十元以上一百元以下。",
                    (PENALTY_BASIS,))),
        penalty_basis=(PENALTY_BASIS,), violation_basis=(VIOLATION_BASIS,))


def choice(amount: int = 80, deviation: Deviation | None = None) -> Choice:
    steps = () if deviation is None else (Step("deviation", deviation.reason),)
    return Choice(waived=False, amount=amount, penalties=("罚款",), deviation=deviation,
                  steps=steps)


def lighter(amount: int, reason: str = "当事人系初次违法，且经指出后立即驶离。") -> Choice:
    return choice(amount, Deviation(DeviationKind.LIGHTER, reason))



TOKEN_REVIEWER_CERT = "11010120230001"  # interviewer 1 of the test PKI, whose key SoftHSM holds
TOKEN_REVIEWER_PASSWORD = "TokenReviewer2026password"


def add_token_reviewer(world: World, pki: Any, softhsm: Any) -> Officer:
    """A second legal reviewer whose signing key is on a hardware token (the SoftHSM2 token
    of tests/documents/softhsm.py, `softhsm.user_pin`): the administrator (logged in) adds the
    test PKI's root as a trust root and registers the token's key for them, as
    `statement-room keys import-token` does. Their login password opens the store; only the
    token's PIN opens their key."""
    from cryptography.hazmat.primitives import serialization

    from desktop.documents.token_signer import TokenRef
    from desktop.services import keys

    holder = pki.officers[0]
    reviewer = Officer(id=new_id(), name=holder.name, certificate_no=TOKEN_REVIEWER_CERT,
                       unit=world.admin.unit, role=Role.LEGAL_REVIEWER)
    world.store.add_officer(reviewer, TOKEN_REVIEWER_PASSWORD)
    keys.add_trust_root(world.store,
                        pki.root.certificate.public_bytes(serialization.Encoding.PEM))
    ref = TokenRef(module_path=softhsm.module_path, token_label=softhsm.officer_token,
                   key_id=softhsm.key_id.hex())
    keys.import_token_key(world.store, reviewer.id, ref.to_json(), holder.certificate)
    return reviewer
