"""A change of an evidence policy is an event of the audit trail, with who made it."""

from __future__ import annotations

import json

import pytest

from desktop.domain.model import Action
from desktop.services.policy import EVIDENCE_POLICIES, record_policy_change
from desktop.store import audit
from tests.conftest import World


def test_each_change_of_an_evidence_policy_is_audited(world: World) -> None:
    record_policy_change(world.store, "delete_originals", True)
    record_policy_change(world.store, "sm3", True)
    record_policy_change(world.store, "delete_originals", False)
    changes = [(e.subject, json.loads(e.details)["value"], e.actor)
               for e in audit.records(world.store.conn)
               if e.action == Action.SETTING_CHANGED.value]
    assert changes == [("delete_originals", True, world.admin.id),
                       ("sm3", True, world.admin.id),
                       ("delete_originals", False, world.admin.id)]
    assert {"delete_originals", "sm3"} == EVIDENCE_POLICIES


def test_only_an_evidence_policy_is_recorded_as_one(world: World) -> None:
    before = audit.size(world.store.conn)
    with pytest.raises(ValueError, match="not an evidence policy"):
        record_policy_change(world.store, "idle_lock_minutes", True)
    assert audit.size(world.store.conn) == before
