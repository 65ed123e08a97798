"""A statement's context and an evidence item's record, from a store made as `statement-room
init` makes it to a real HQ process, on both lanes: after one real sync round HQ holds the
`statement_context` of the sealed statement and the `evidence_record` of every item docked
from an emulated body-worn recorder; the room's catalog has the statement's case number,
matter, unit and party, and the officers it names; the GPS track of the docked video
arrives intact; and `statement-room-hq reindex` gives back the catalog's rows of records HQ
held before the catalog."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.domain.model import StatementState
from desktop.services import dock, sync_round
from desktop.store import evidence, statements
from hardware.bodycam.emulator import BodycamEmulator
from hardware.bodycam.emulator_driver import EmulatorDriver
from hq.catalog import indexers
from sync.protocol.context import EvidenceItemRecord
from sync.protocol.records import RecordKind
from tests.conftest import World
from tests.store.test_statements import signed_statement
from tests.support.hq_server import RunningHQ
from tests.sync_client.e2e import hq_db


@dataclass(frozen=True)
class Synced:
    world: World
    hq: RunningHQ
    video: evidence.EvidenceRecord  # the docked file with a GPS sidecar
    items: frozenset[str]  # every item the docking took


@pytest.fixture
def synced(world: World, tmp_path: Path, hq_server: RunningHQ) -> Synced:
    """The world's statement sealed, a recorder docked into its case, one round with HQ."""
    sid = signed_statement(world).id
    with world.store.transaction() as tx:
        statements.change_state(tx, sid, StatementState.SEALED)
    recorder = BodycamEmulator(volume_root=tmp_path / "device")
    report = dock.dock(world.store, EmulatorDriver(recorder), case_id=world.case.id)
    gps_name = recorder.media_name(recorder.media[2])  # the one with a GPS sidecar
    [imported] = [i for i in report.items if i.original_name == gps_name]
    video = evidence.get_item(world.store.conn, imported.id)
    sync_round.enrol(world.store, hq_server.url, hq_server.enrol_code())
    done = sync_round.run_round(world.store)
    assert done.complete, done.problems
    return Synced(world, hq_server, video, frozenset(i.id for i in report.items))


def held(hq: RunningHQ, kind: RecordKind) -> dict[str, str]:
    """The entity ids HQ holds records of, of one kind, with their SHA-256."""
    with hq_db(hq) as db:
        return {str(r["entity_id"]): str(r["sha256"]) for r in db.all(
            "SELECT entity_id, sha256 FROM records WHERE kind = ?", (kind.value,))}


def catalog(hq: RunningHQ) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    with hq_db(hq) as db:
        return (db.all("SELECT * FROM room_statements ORDER BY statement"),
                db.all("SELECT officer, name, certificate_no, unit FROM room_officers "
                       "ORDER BY officer"))


def test_hq_holds_the_context_and_the_room_knows_case_unit_party_and_officers(
        synced: Synced) -> None:
    world = synced.world
    assert set(held(synced.hq, RecordKind.STATEMENT_CONTEXT)) == {world.statement.id}
    assert set(held(synced.hq, RecordKind.EVIDENCE_RECORD)) == synced.items
    [row], officers = catalog(synced.hq)
    assert (row["statement"], row["case_id"], row["case_number"], row["matter"], row["unit"],
            row["party"], row["kind"]) == (
        world.statement.id, world.case.id, world.case.number, world.case.matter,
        world.admin.unit, world.party.id, "inquiry")
    assert row["content_sha256"] and row["context_sha256"]
    # The party is an id in the room's rows; the name and id number stay in sealed records.
    assert world.party.name not in repr(row) and world.party.id_number not in repr(row)
    assert officers == sorted(
        ({"officer": o.id, "name": o.name, "certificate_no": o.certificate_no, "unit": o.unit}
         for o in (world.admin, world.second)), key=lambda o: o["officer"])


def test_the_custody_and_gps_track_of_a_docked_video_arrive_intact(synced: Synced) -> None:
    sha256 = held(synced.hq, RecordKind.EVIDENCE_RECORD)[synced.video.id]
    hq = synced.hq
    state = hq.open_state()
    try:
        record = EvidenceItemRecord.from_bytes(b"".join(state.blobs.read(sha256)))
    finally:
        state.close()
    video = synced.video
    assert (record.id, record.case, record.sha256, record.kind, record.source,
            record.device_serial, record.officer_number, record.docking, record.device_path) == (
        video.id, video.case_id, video.sha256, "video", "bodycam", video.device_serial,
        video.officer_number, video.docking_id, video.device_path)
    assert record.custody == video.custody_details
    gps = record.custody["gps"]
    assert gps["points"] == 5 and gps["track"][0][1:] == ["39.9042000", "116.4074000"]
    assert "clock_offset_ms" in record.custody and "start_utc_corrected" in record.custody


def test_reindex_gives_back_the_rows_of_records_held_before_the_catalog(
        synced: Synced) -> None:
    before = catalog(synced.hq)
    with hq_db(synced.hq) as db, db.transaction() as conn:
        conn.execute("DELETE FROM room_statements")
        conn.execute("DELETE FROM room_officers")
    assert catalog(synced.hq) == ([], [])
    done = synced.hq.admin("reindex")
    assert done.returncode == 0, done.stderr
    kinds = [kind.value for kind in indexers()]  # the records the room derives rows from
    with hq_db(synced.hq) as db:
        count = len(db.all(f"SELECT 1 FROM records WHERE kind IN ({', '.join('?' * len(kinds))})",
                           tuple(kinds)))
    assert count >= 2
    assert done.stdout.strip() == f"reindex: {count} records indexed again"
    assert catalog(synced.hq) == before
    again = synced.hq.admin("reindex")  # idempotent: the same rows
    assert again.returncode == 0 and catalog(synced.hq) == before
