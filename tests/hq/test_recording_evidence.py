"""An interview's recording reaches a real HQ process like any evidence: after one real sync
round HQ holds its ``evidence_record`` (source ``recorder``, with the recording's custody) and
its medium (the recording's bytes, hash and size), and the room's catalog lists it."""

from __future__ import annotations

import os

from desktop.domain.ids import new_id
from desktop.services import sync_round
from desktop.store import evidence, recordings
from desktop.store.evidence import vault_directory
from desktop.store.vault_stream import VaultWriter
from sync.protocol.context import EvidenceItemRecord
from sync.protocol.records import RecordKind
from tests.conftest import World
from tests.hq.test_context_records import held
from tests.hq.test_web_accounts import Visitor
from tests.hq.web_support import add_user
from tests.store.recording_media import fragmented_mp4
from tests.support.hq_server import RunningHQ
from tests.sync_client.e2e import hq_db


def test_a_finished_recording_reaches_hq_as_evidence_of_its_statement(
        world: World, hq_server: RunningHQ) -> None:
    media = fragmented_mp4(2)
    rid = new_id()
    writer = VaultWriter(vault_directory(world.paths.workdir), world.store.vault_key(),
                         segment_size=16 * 1024)
    writer.write(media)
    blob = writer.finish()
    with world.store.transaction() as tx:
        recordings.begin(tx, recording_id=rid, statement_id=world.statement.id,
                         temp_name=f".rec-{os.getpid()}-{rid}.sr1", codec="libvpx-vp9",
                         width=64, height=48, fps=10)
    with world.store.transaction() as tx:
        finished = recordings.finish(tx, rid, sha256=blob.sha256, size=blob.size,
                                     duration_ms=2_000)
    assert finished.evidence_item_id is not None
    item = evidence.get_item(world.store.conn, finished.evidence_item_id)

    sync_round.enrol(world.store, hq_server.url, hq_server.enrol_code())
    done = sync_round.run_round(world.store)
    assert done.complete, done.problems

    records = held(hq_server, RecordKind.EVIDENCE_RECORD)
    assert held(hq_server, RecordKind.EVIDENCE_ITEM)[item.id] == blob.sha256
    state = hq_server.open_state()
    try:
        record = EvidenceItemRecord.from_bytes(b"".join(state.blobs.read(records[item.id])))
        assert b"".join(state.blobs.read(blob.sha256)) == media
    finally:
        state.close()
    assert (record.source, record.kind, record.case, record.statement, record.sha256,
            record.size) == ("recorder", "video", world.case.id, world.statement.id,
                             blob.sha256, len(media))
    assert record.custody["recording"] == rid and record.custody["duration_ms"] == 2_000
    with hq_db(hq_server) as db:
        row = db.one("SELECT source, kind, statement, medium_sha256 FROM room_evidence"
                     " WHERE item = ?", (item.id,))
    assert row is not None
    assert (row["source"], row["kind"], row["statement"], row["medium_sha256"]) == (
        "recorder", "video", world.statement.id, blob.sha256)
    # A supervisor's page names where it came from, in words.
    add_user(hq_server, "zhang", "supervisor", "Supervise-2026!")
    visitor = Visitor(hq_server)
    assert visitor.login("zhang", "Supervise-2026!")[0] == 303
    status, _headers, page = visitor.request("GET", f"/room/evidence/{item.id}")
    assert status == 200
    assert "<dt>来源</dt><dd>同步录音录像</dd>" in page
