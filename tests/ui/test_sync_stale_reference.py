"""Stale reference data is a warning the officer sees in the sync panel's problems, and the
data stays in use until a newer manifest arrives (issue 15: "warns when one is stale")."""

from __future__ import annotations

from desktop.services import sync
from desktop.store import refdata as refdata_repo
from desktop.ui.sync_panel import problems_of
from desktop.ui.sync_worker import SyncState, SyncView
from sync.protocol.signing import sign
from tests.conftest import World
from tests.services.test_refdata import DAY_MS, HQ_KEY, Hq, accept, manifest, roster


def _warnings(world: World) -> list[str]:
    view = SyncView(state=SyncState.UP_TO_DATE, status=sync.status(world.store))
    return [p for p in problems_of(view) if "out of date" in p]


def test_expired_reference_data_is_a_warning_until_a_newer_one_arrives(world: World) -> None:
    hq = Hq()
    expired = manifest(sync.now_ms() - 30 * DAY_MS, roster=hq.publish("roster", 1, roster(1)))
    accept(world, hq, sign(expired, HQ_KEY).to_json())
    assert sync.status(world.store).reference_expired is not None
    [warning] = _warnings(world)
    assert "the last good version stays in use" in warning
    held = refdata_repo.dataset(world.store.conn, "roster")
    assert held is not None and held.version == 1  # still in use

    fresh = manifest(sync.now_ms(), roster=hq.publish("roster", 2, roster(2)))
    accept(world, hq, sign(fresh, HQ_KEY).to_json())
    assert sync.status(world.store).reference_expired is None
    assert _warnings(world) == []
