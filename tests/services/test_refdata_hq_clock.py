"""The reference data's expiry is HQ's time, judged by HQ's clock: a device whose clock is off
by days (as in tests/sync_client/test_e2e_faults.py, the engine's clock shifted) measures
HQ's offset in each round against a real HQ, keeps it, and judges the manifest by its own
clock corrected by it; the status says which clock judged when the offset is large."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from desktop.services import refdata, sync_round
from desktop.store import sync_state
from tests.conftest import World
from tests.support.hq_server import RunningHQ, hq_server

__all__ = ["hq_server"]

DAY_MS = 86_400_000


def shifted(days: float) -> Callable[[], int]:
    """A device clock `days` off the true time (negative: behind)."""
    return lambda: time.time_ns() // 1_000_000 + int(days * DAY_MS)


def test_a_device_clock_days_off_judges_the_expiry_by_hqs_clock(
        world: World, hq_server: RunningHQ, tmp_path: Path) -> None:
    hq_server.restart({"HQ_REF_VALIDITY_S": str(DAY_MS // 1000)})  # a manifest lasts a day
    roster = tmp_path / "roster.json"
    roster.write_bytes(b'{"officers": []}')
    assert hq_server.admin("publish", "roster", str(roster)).returncode == 0
    store = world.store
    sync_round.enrol(store, hq_server.url, hq_server.enrol_code())
    before = refdata.status(store, time.time_ns() // 1_000_000)
    assert before.clock_offset_ms is None and before.clock_note is None  # never measured

    # Three days ahead: by its own clock the day-long manifest expired at once.
    ahead = shifted(3)
    report = sync_round.run_round(store, clock_ms=ahead)
    assert report.refdata is not None and report.refdata.updated == {"roster": 1}
    with store.reading() as conn:
        offset = sync_state.hq_offset(conn)
    assert offset is not None and abs(offset + 3 * DAY_MS) < 60_000
    shown = refdata.status(store, ahead())
    assert shown.expires_ms is not None and ahead() > shown.expires_ms  # its own clock: expired
    assert not shown.stale  # HQ's clock: valid for a day yet
    assert shown.clock_note == ("This computer's clock is 3 days ahead of HQ's: the expiry is "
                                "judged by HQ's clock.")

    # Ten days behind, and two days pass: its own clock would keep the manifest fresh.
    behind = shifted(-10)
    report = sync_round.run_round(store, clock_ms=behind)
    assert report.complete
    with store.reading() as conn:
        offset = sync_state.hq_offset(conn)
    assert offset is not None and abs(offset - 10 * DAY_MS) < 60_000
    two_days_later = behind() + 2 * DAY_MS
    shown = refdata.status(store, two_days_later)
    assert shown.expires_ms is not None and two_days_later < shown.expires_ms
    assert shown.stale
    assert shown.clock_note == ("This computer's clock is 10 days behind HQ's: the expiry is "
                                "judged by HQ's clock.")

    # A round that does not reach HQ keeps the offset measured before.
    hq_server.kill()
    assert sync_round.run_round(store).result.offline
    assert refdata.status(store, two_days_later).clock_offset_ms == offset


def test_a_clock_close_to_hqs_says_nothing_of_clocks(world: World,
                                                       hq_server: RunningHQ) -> None:
    store = world.store
    sync_round.enrol(store, hq_server.url, hq_server.enrol_code())
    assert sync_round.run_round(store).complete
    shown = refdata.status(store, time.time_ns() // 1_000_000)
    assert shown.clock_offset_ms is not None and abs(shown.clock_offset_ms) < 60_000
    assert shown.clock_note is None and not shown.stale
