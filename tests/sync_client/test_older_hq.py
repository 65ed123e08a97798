"""A desktop newer than its HQ: HQ refuses the kinds of record it does not know yet (400,
"unknown record kind"), in the manifest and on the record. The rest of the queue still goes
through, the refused records are kept (queued, not waiting for a person) and the officer is
told why in words; once HQ is updated they are sent at their next try, and HQ derives the
supervision room's rows from them. HQ is a real process: the current HQ with its kind parser
narrowed to what HQ knew before issue 16 (tests/sync_client/older_hq.py), then, on the same
data, the current HQ itself."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktop.domain.model import StatementState
from desktop.services import evidence, sync, sync_round
from desktop.services.sync import error_words
from desktop.store import outbox, statements, sync_state
from sync.client.engine import UNKNOWN_KIND, UNKNOWN_KIND_RETRY_S
from sync.protocol.records import RecordKind
from tests.conftest import World
from tests.store.test_statements import signed_statement
from tests.support.hq_server import RunningHQ, start_hq
from tests.sync_client.e2e import hq_db, stop_clean
from tests.sync_client.older_hq import NEWER_KINDS

NEWER = {kind.value for kind in NEWER_KINDS}


class OlderHQ(RunningHQ):
    """The real HQ process, knowing only the kinds of record HQ knew before issue 16."""

    def _command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "tests.sync_client.older_hq", "--data",
                str(self.data_dir), *args]


def sealed_with_a_photo(world: World, tmp_path: Path) -> None:
    sid = signed_statement(world).id
    with world.store.transaction() as tx:
        statements.change_state(tx, sid, StatementState.SEALED)
    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(bytes(range(256)) * 64)
    evidence.import_path(world.store, world.case.id, photo)


# "manifest": the HQ refuses the manifest naming them (a round was paused by it before);
# "records": the manifest passes, the record itself is refused (HQ processes mid-update).
@pytest.mark.parametrize("refusing", ["manifest", "records"])
def test_an_older_hq_refuses_the_new_kinds_the_rest_goes_and_they_follow_after_its_update(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refusing: str) -> None:
    sealed_with_a_photo(world, tmp_path)
    older = OlderHQ(tmp_path / "hq", env={"OLDER_HQ_REFUSES": refusing})
    older.start()
    try:
        sync_round.enrol(world.store, older.url, older.enrol_code())
        report = sync_round.run_round(world.store)
        # The round was not paused by the manifest HQ refused: everything HQ knows went.
        assert report.result.paused is None and not report.result.offline
        assert {(f.kind.value, f.error, f.retry) for f in report.result.failed} == {
            (kind, UNKNOWN_KIND, True) for kind in NEWER}
        # HQ's own words kept for the log: from the manifest, or from the record's entry
        assert all(("malformed outbox entry" in f.message) == (refusing == "records")
                   for f in report.result.failed)
        assert error_words(UNKNOWN_KIND) in report.problems
        with world.store.reading() as conn:
            rows = sync_state.entries(conn)
        waiting = {p.queued.kind.value for p in rows if p.queued.state != sync_state.RECEIPTED}
        assert waiting == NEWER  # the statement, its photo, events and head are receipted
        shown = sync.status(world.store)
        assert shown.pending_records == 2 and shown.waiting_for_a_person == 0
        assert error_words(UNKNOWN_KIND) in shown.errors
        assert "queued" in {p.queued.state for p in rows if p.queued.kind in NEWER_KINDS}

        # The next round does not send them again before their time, and completes.
        assert sync_round.run_round(world.store).complete
        with hq_db(older) as db:
            held = {r["kind"] for r in db.all("SELECT kind FROM records")}
        assert not held & NEWER and RecordKind.STATEMENT.value in held
    finally:
        stop_clean(older)

    # HQ is updated (the current HQ on the same data) and their time comes.
    updated = start_hq(tmp_path / "hq")
    try:
        later = sync.now_ms() + int(UNKNOWN_KIND_RETRY_S * 1000) + 60_000
        monkeypatch.setattr(sync, "now_ms", lambda: later)
        report = sync_round.run_round(world.store, hq_url=updated.url)
        assert report.complete, report.problems
        with world.store.reading() as conn:
            assert all(p.queued.state == sync_state.RECEIPTED for p in sync_state.entries(conn))
            kept = {(r.kind, r.entity_id) for r in outbox.all_entries(conn)
                    if r.kind in NEWER_KINDS}
        with hq_db(updated) as db:
            held_now = {(RecordKind(r["kind"]), r["entity_id"])
                        for r in db.all("SELECT kind, entity_id FROM records")}
            [row] = db.all("SELECT case_number, unit FROM room_statements")
        assert kept <= held_now
        assert (row["case_number"], row["unit"]) == (world.case.number, world.admin.unit)
    finally:
        stop_clean(updated)
