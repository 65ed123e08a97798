"""Fixtures for the penalty screens: a bureau on a real store with a case officer, a legal
reviewer and the administrator (who keeps the seal), each with their own signing key under
their own password; the shipped law library and the example starter standard delivered as
HQ delivers them (one signed manifest, accepted by `refdata.accept`); a photo filed under
the case; and the sidewalk-parking decision drafted through the real services (the engine
evaluates the facts under the held standard; the officer chooses).

Logging in as another officer ends the session and unlocks the store with that officer's own
password, as the login window does; the windows' context follows.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.domain.model import Officer, TurnKind
from desktop.domain.penalty import PenaltyDecision
from desktop.services import discretion, evidence, interview, penalty, refdata
from desktop.store.store import Store, unlock
from desktop.ui.context import AppContext
from legal.discretion.evaluation import Deviation, Facts
from legal.discretion.model import PartyType
from sync.protocol.refdata import DatasetVersion, RefManifest
from sync.protocol.signing import sign
from tests.conftest import PASSWORD, SECOND_PASSWORD, FakeClock, World
from tests.legal.discretion_support import SIDEWALK, starter_standard
from tests.legal.laws import shipped_library
from tests.services.penalty_decision_support import (
    REVIEWER_CERT,
    REVIEWER_PASSWORD,
    add_reviewer,
)
from tests.services.penalty_support import set_unit_profile

HQ_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(40, 72)))
HQ_ID = "hq-penalty-ui-test"
OFFICER_CERT = "TEST0002"  # the world's second officer drafts the decision
ADMIN_CERT = "TEST0001"
COMPLEX = "complex_case"  # art. 58 (三): the decision needs legal review
GENERAL_TIER_WORDS = "驾驶人不在现场或者拒绝立即驶离"
ANSWER = "是我停的，我去银行办事，停在人行道上大约十分钟。"


def deliver_reference_data(store: Store) -> None:
    """HQ's signed manifest naming the shipped library and the starter standard."""
    datasets = {"laws": shipped_library().to_bytes(),
                "discretion": starter_standard().to_bytes()}
    offered = {name: DatasetVersion(1, hashlib.sha256(data).hexdigest(), len(data))
               for name, data in datasets.items()}
    signed = sign(RefManifest(hq=HQ_ID, issued_ms=1_000, expires_ms=10**13,
                              datasets=offered), HQ_KEY)
    refdata.accept(store, signed.to_json(), pinned_key=HQ_KEY.public_key(), hq_id=HQ_ID,
                   fetch=lambda name, _version: datasets[name])


def provision_keys(world: World, reviewer: Officer) -> tuple[dict[str, str], bytes]:
    """Every officer's signing key from a new unit root, wrapped under their own password
    (the administrator keeps the seal); the passwords and the unit root's certificate."""
    from cryptography.hazmat.primitives import serialization

    from desktop.documents import unit_ca
    from desktop.services import keys

    root = unit_ca.create_unit_root(world.admin.unit)
    passwords = {world.admin.id: PASSWORD, world.second.id: SECOND_PASSWORD,
                 reviewer.id: REVIEWER_PASSWORD}
    keys.provision_from_unit_root(world.store, root, [world.admin, world.second, reviewer],
                                  passwords, custodian_id=world.admin.id,
                                  device_serial="SR-TEST-01", p12_rounds=2048)
    return passwords, root.certificate.public_bytes(serialization.Encoding.PEM)


@dataclass
class Bureau:
    world: World
    ctx: AppContext
    clock: FakeClock
    reviewer: Officer
    passwords: dict[str, str]
    root_pem: bytes

    @property
    def store(self) -> Store:
        return self.world.store

    def login(self, certificate: str, password: str) -> Store:
        """End the session and log `certificate` in; the windows' context follows."""
        self.ctx.bg.drain()
        self.world.store.close()
        self.world.store = unlock(self.world.paths, certificate, password, clock=self.clock)
        self.ctx.store = self.world.store
        return self.world.store

    def as_officer(self) -> Store:
        return self.login(OFFICER_CERT, SECOND_PASSWORD)

    def as_reviewer(self) -> Store:
        return self.login(REVIEWER_CERT, REVIEWER_PASSWORD)

    def as_admin(self) -> Store:
        return self.login(ADMIN_CERT, PASSWORD)

    def decide(self, *, review: bool, amount: int | None = None,
               deviation: Deviation | None = None) -> PenaltyDecision:
        """As the case officer: the sidewalk-parking decision, evaluated by the engine under
        the held standard (general tier; art. 58 (三) ticked when `review`), the proposed
        amount chosen (or `amount` with its `deviation`), and submitted for review when
        required."""
        store = self.as_officer()
        general = next(c.code for c in discretion.conditions(store, SIDEWALK)
                       if GENERAL_TIER_WORDS in c.words)
        ticked = {general, COMPLEX} if review else {general}
        decision = penalty.open_decision(store, self.world.case.id, self.world.statement.id)
        facts = Facts(SIDEWALK, PartyType.INDIVIDUAL, frozenset(ticked),
                      violation_date="2026-11-20", discovered_date="2026-11-20")
        proposed = penalty.propose(store, decision.id, facts)
        assert proposed.evaluation is not None
        assert proposed.evaluation.legal_review_required is review
        chosen = penalty.choose(store, decision.id, waive=False,
                                amount=amount or proposed.evaluation.proposed_amount,
                                deviation=deviation)
        if review:
            chosen = penalty.submit_for_review(store, decision.id)
        return chosen


@pytest.fixture
def bureau(world: World, ui_ctx: AppContext, clock: FakeClock,
           tmp_path: Path) -> Bureau:
    reviewer = add_reviewer(world)
    passwords, root_pem = provision_keys(world, reviewer)
    deliver_reference_data(world.store)
    set_unit_profile(world.store)  # the administrator's, before any document
    photo = tmp_path / "现场照片-人行道.jpg"
    photo.write_bytes(os.urandom(4_000))  # synthetic bytes: the list shows name and hash
    evidence.import_path(world.store, world.case.id, photo)
    interview.add_turn(world.store, world.statement.id, TurnKind.QUESTION, "车是你停的吗？")
    interview.add_turn(world.store, world.statement.id, TurnKind.ANSWER, ANSWER)
    return Bureau(world, ui_ctx, clock, reviewer, passwords, root_pem)

