"""A statement's recording in the real SQLCipher store: its life, its refusals, its audit
leaves, the evidence item it becomes (and announces to HQ), and the triggers that keep every
final row as it was (migration 0022, decisions 44 and 45)."""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from desktop.domain.errors import RuleViolation, UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Action, StatementState, TurnKind
from desktop.domain.recording import Interruption, Recording, RecordingState
from desktop.services import audit_trail, interview
from desktop.store import audit, evidence, outbox, recordings
from desktop.store.connection import guarded
from desktop.store.evidence import vault_directory
from desktop.store.tx import Tx
from desktop.store.vault_read import verify_blob
from desktop.store.vault_salvage import seal_prefix
from desktop.store.vault_stream import StoredBlob, VaultWriter
from sync.protocol.context import EvidenceItemRecord
from sync.protocol.records import RecordKind
from tests.conftest import World
from tests.store.recording_media import crashed, fragmented_mp4, laid_out
from tests.store.test_statements import answer_opening

SEGMENT = 1024


T = TypeVar("T")


def write(world: World, fn: Callable[[Tx], T]) -> T:
    with world.store.transaction() as tx:
        return fn(tx)


def start(world: World, statement_id: str | None = None) -> Recording:
    rid = new_id()
    return write(world, lambda tx: recordings.begin(
        tx, recording_id=rid, statement_id=statement_id or world.statement.id,
        temp_name=f".rec-{os.getpid()}-{rid}.sr1", codec="libvpx-vp9", width=1280, height=720,
        fps=25))


def checkpoint(world: World, recording_id: str, offset: int, sha256: str, frames: int) -> None:
    """One checkpoint after `frames` frames of 10 a second."""
    write(world, lambda tx: recordings.add_checkpoint(tx, recording_id, offset, sha256,
                                                      frames * 100))


def stored(world: World, data: bytes) -> StoredBlob:
    """The media as the recorder's writer leaves it: a real blob in the store's vault."""
    writer = VaultWriter(vault_directory(world.paths.workdir), world.store.vault_key(),
                         segment_size=SEGMENT)
    writer.write(data)
    return writer.finish()


def actions(world: World, subject: str) -> list[str]:
    return [r.action for r in audit.events_about(world.store.conn, subject)]


def details(world: World, subject: str, action: Action) -> dict[str, Any]:
    [record] = [r for r in audit.events_about(world.store.conn, subject)
                if r.action == action.value]
    parsed: dict[str, Any] = json.loads(record.details)
    return parsed


def raw(world: World, sql: str, *args: object) -> None:
    with guarded():
        world.store.conn.execute(sql, args)


def test_a_recording_is_begun_paused_resumed_marked_and_finished_as_evidence(
        world: World) -> None:
    recording = start(world)
    assert (recording.state, recording.statement_id, recording.case_id, recording.started_by,
            recording.codec, recording.width, recording.height, recording.fps) == (
        RecordingState.RECORDING, world.statement.id, world.case.id, world.admin.id,
        "libvpx-vp9", 1280, 720, 25)
    assert recording.ended_at is None and recording.sha256 is None
    assert recordings.live(world.store.conn, world.statement.id) == recording
    assert recordings.unfinished(world.store.conn) == [recording]

    turn = interview.add_turn(world.store, world.statement.id, TurnKind.QUESTION, "你叫什么名字？")
    write(world, lambda tx: recordings.mark_turn(tx, recording.id, turn.id, 1_200))
    write(world, lambda tx: recordings.mark_turn(tx, recording.id, turn.id, 9_999))  # kept: 1.2 s
    first = write(world, lambda tx: recordings.pause(tx, recording.id, 4_000, "  当事人要求如厕  "))
    assert (first.seq, first.media_ms, first.reason, first.officer_id, first.ended_at) == (
        1, 4_000, "当事人要求如厕", world.admin.id, None)
    resumed = write(world, lambda tx: recordings.resume(tx, recording.id))
    assert resumed.ended_at is not None and resumed.ended_at > resumed.started_at
    second = write(world, lambda tx: recordings.pause(tx, recording.id, 6_500, "更换电池"))
    answer = interview.add_turn(world.store, world.statement.id, TurnKind.ANSWER, "张三")
    write(world, lambda tx: recordings.mark_turn(tx, recording.id, answer.id, 6_500))

    mp4 = fragmented_mp4(2)
    laid = laid_out(mp4, SEGMENT)
    for offset, sha256, frames in laid.checkpoints:
        checkpoint(world, recording.id, offset, sha256, frames)
    assert recordings.last_checkpoint(world.store.conn, recording.id) == (
        laid.checkpoints[-1][0], laid.checkpoints[-1][1], 2_000)
    blob = stored(world, laid.data)
    finished = write(world, lambda tx: recordings.finish(
        tx, recording.id, sha256=blob.sha256, size=blob.size, duration_ms=8_000))

    assert finished.state is RecordingState.FINISHED and finished.interruption is None
    assert (finished.sha256, finished.size, finished.duration_ms) == (blob.sha256, blob.size,
                                                                     8_000)
    assert finished.ended_at is not None and finished.evidence_item_id is not None
    assert recordings.live(world.store.conn, world.statement.id) is None
    assert recordings.unfinished(world.store.conn) == []
    assert recordings.for_statement(world.store.conn, world.statement.id) == [finished]
    assert [(m.turn_id, m.media_ms) for m in recordings.marks(world.store.conn, recording.id)] \
        == [(turn.id, 1_200), (answer.id, 6_500)]
    # Stopped while paused: the pause stays open, ended with the recording.
    assert recordings.pauses(world.store.conn, recording.id) == [resumed, second]

    # The media is an evidence item of the statement, as the vault holds it.
    item = evidence.get_item(world.store.conn, finished.evidence_item_id)
    assert (item.kind, item.source, item.case_id, item.statement_id, item.sha256, item.size) \
        == ("video", "recorder", world.case.id, world.statement.id, blob.sha256, blob.size)
    assert item.custody_details["recording"] == recording.id
    assert item.custody_details["duration_ms"] == 8_000
    verify_blob(evidence.blob_path(world.paths.workdir, item.sha256, world.store.vault_key()),
                world.store.vault_key(), item.sha256)
    # ... announced to HQ in the same commit: its medium and its record.
    queued = {(q.kind, q.entity_id): q for q in outbox.pending(world.store.conn)}
    medium = queued[(RecordKind.EVIDENCE_ITEM, item.id)]
    assert (medium.sha256, medium.size) == (blob.sha256, blob.size)
    record = EvidenceItemRecord.from_bytes(outbox.kept_payload(
        world.store.conn, RecordKind.EVIDENCE_RECORD, item.id))
    assert (record.source, record.kind, record.statement) == ("recorder", "video",
                                                              world.statement.id)

    # Every step is audited, with the covered rows' digests; the reasons only as hashes.
    assert actions(world, recording.id) == [
        "recording.started", "recording.paused", "recording.resumed", "recording.paused",
        "recording.finished"]
    assert actions(world, item.id) == ["evidence.imported"]
    started = details(world, recording.id, Action.RECORDING_STARTED)
    assert started["record"] == "recordings" and started["statement"] == world.statement.id
    ended = details(world, recording.id, Action.RECORDING_FINISHED)
    assert (ended["sha256"], ended["evidence_item"], ended["paused_open"]) == (
        blob.sha256, item.id, True)
    trail = [r.details for r in audit.events_about(world.store.conn, recording.id)]
    assert all("如厕" not in d and "电池" not in d for d in trail)
    assert any(hashlib.sha256("当事人要求如厕".encode()).hexdigest() in d for d in trail)
    report = audit_trail.verify(world.store)
    assert report.ok, report.problems
    assert {"recordings", "recording_pauses"} <= set(report.records_by_table)


def test_the_refusals_say_what_is_wrong(world: World) -> None:
    recording = start(world)
    with pytest.raises(UserError, match="already being recorded"):
        start(world)
    for blank in ("", "   \n"):
        with pytest.raises(UserError, match="Give the reason for pausing the recording"):
            write(world, functools.partial(recordings.pause, recording_id=recording.id,
                                           media_ms=10, reason=blank))
    with pytest.raises(UserError, match="The recording is not paused"):
        write(world, lambda tx: recordings.resume(tx, recording.id))
    write(world, lambda tx: recordings.pause(tx, recording.id, 10, "休息"))
    with pytest.raises(UserError, match="already paused"):
        write(world, lambda tx: recordings.pause(tx, recording.id, 20, "再次暂停"))
    with pytest.raises(UserError, match="is being recorded: stop the recording first"):
        write(world, lambda tx: recordings.waive(tx, world.statement.id, "设备故障"))
    other = interview.open_statement(
        world.store, case_id=world.case.id, interviewee_id=world.party.id,
        kind=world.statement.kind, place="询问室",
        interviewers=(world.admin.id, world.second.id), recorder_id=world.second.id)
    with pytest.raises(UserError, match="does not belong to the statement being recorded"):
        write(world, lambda tx: recordings.mark_turn(tx, recording.id, other.turns[0].id, 5))
    with pytest.raises(UserError, match="No recording nope"):
        write(world, lambda tx: recordings.pause(tx, "nope", 1, "x"))

    blob = stored(world, b"media")
    write(world, lambda tx: recordings.finish(tx, recording.id, sha256=blob.sha256,
                                              size=blob.size, duration_ms=1_000))
    with pytest.raises(UserError, match=f"Recording {recording.id} has already been finished"):
        write(world, lambda tx: recordings.finish(tx, recording.id, sha256=blob.sha256,
                                                  size=blob.size, duration_ms=1_000))
    for late in (lambda tx: recordings.pause(tx, recording.id, 30, "结束后"),
                 lambda tx: recordings.resume(tx, recording.id),
                 lambda tx: recordings.mark_turn(tx, recording.id, world.statement.turns[0].id,
                                                 40),
                 lambda tx: recordings.add_checkpoint(tx, recording.id, SEGMENT, "a" * 64, 50)):
        with pytest.raises(UserError, match="has ended; it can no longer be changed"):
            write(world, late)
    # Nothing refused left a trace: the trail holds what was done, once each.
    assert actions(world, recording.id) == ["recording.started", "recording.paused",
                                            "recording.finished"]


def test_a_signed_statement_is_neither_recorded_nor_waived(world: World) -> None:
    answer_opening(world)
    interview.start_read_back(world.store, world.statement.id)
    interview.sign(world.store, world.statement.id)
    with pytest.raises(UserError, match="is signed: it can no longer be recorded"):
        start(world)
    with pytest.raises(UserError, match="already signed: a recording waiver can no longer"):
        write(world, lambda tx: recordings.waive(tx, world.statement.id, "设备故障"))
    # Behind the program's back, the trigger refuses it too.
    with pytest.raises(RuleViolation, match="a signed statement takes no waiver"):
        raw(world, "INSERT INTO recording_waivers VALUES (?, '设备故障', ?, '2026-01-01')",
            world.statement.id, world.admin.id)


def test_a_waiver_is_recorded_once_with_its_reason(world: World) -> None:
    with pytest.raises(UserError, match="Give the reason the statement is signed without"):
        write(world, lambda tx: recordings.waive(tx, world.statement.id, " "))
    waiver = write(world, lambda tx: recordings.waive(
        tx, world.statement.id, "摄像机故障，无法录像"))
    assert (waiver.statement_id, waiver.reason, waiver.officer_id) == (
        world.statement.id, "摄像机故障，无法录像", world.admin.id)
    assert recordings.waiver(world.store.conn, world.statement.id) == waiver
    with pytest.raises(UserError, match="already recorded for this statement"):
        write(world, lambda tx: recordings.waive(tx, world.statement.id, "另一个理由"))
    assert actions(world, world.statement.id)[-1] == "recording.waived"
    assert details(world, world.statement.id, Action.RECORDING_WAIVED)["record"] \
        == "recording_waivers"
    for sql in ("UPDATE recording_waivers SET reason = '无' WHERE statement_id = ?",
                "DELETE FROM recording_waivers WHERE statement_id = ?"):
        with pytest.raises(RuleViolation, match="recording waiver is never"):
            raw(world, sql, world.statement.id)
    report = audit_trail.verify(world.store)
    assert report.ok and "recording_waivers" in report.records_by_table


def test_a_finished_recording_and_its_rows_never_change(world: World) -> None:
    recording = start(world)
    turn = world.statement.turns[0]
    write(world, lambda tx: recordings.mark_turn(tx, recording.id, turn.id, 0))
    write(world, lambda tx: recordings.add_checkpoint(tx, recording.id, SEGMENT, "b" * 64, 900))
    write(world, lambda tx: recordings.pause(tx, recording.id, 900, "休息"))
    write(world, lambda tx: recordings.resume(tx, recording.id))
    # While live, a pause is resumed once and checkpoints only move forward.
    with pytest.raises(RuleViolation, match="resumed once"):
        raw(world, "UPDATE recording_pauses SET ended_at = '2030-01-01' WHERE recording_id = ?",
            recording.id)
    with pytest.raises(RuleViolation, match="only ever moves forward"):
        raw(world, "INSERT INTO recording_checkpoints VALUES (?, ?, ?, 1, '2026-01-01')",
            recording.id, SEGMENT, "c" * 64)
    with pytest.raises(ValueError, match="not past the last one"):
        write(world, lambda tx: recordings.add_checkpoint(tx, recording.id, SEGMENT, "c" * 64,
                                                          950))
    blob = stored(world, b"media of the interview")
    write(world, lambda tx: recordings.finish(tx, recording.id, sha256=blob.sha256,
                                              size=blob.size, duration_ms=2_000))
    edits = [
        ("UPDATE recordings SET duration_ms = 1 WHERE id = ?", "ends once"),
        ("UPDATE recordings SET state = 'recording', ended_at = NULL, duration_ms = NULL,"
         " sha256 = NULL, size = NULL, evidence_item_id = NULL WHERE id = ?", "ends once"),
        ("DELETE FROM recordings WHERE id = ?", "recording is never deleted"),
        ("UPDATE recording_checkpoints SET sha256 = 'd' WHERE recording_id = ?",
         "checkpoint is never changed"),
        ("DELETE FROM recording_checkpoints WHERE recording_id = ?",
         "checkpoint is never deleted"),
        ("INSERT INTO recording_checkpoints VALUES (?, 99999, 'e', 1, '2026-01-01')",
         "only while recording"),
        ("UPDATE recording_pauses SET reason = '无' WHERE recording_id = ?", "resumed once"),
        ("DELETE FROM recording_pauses WHERE recording_id = ?", "pause is never deleted"),
        ("INSERT INTO recording_pauses VALUES (?, 2, 1, '2026-01-01', NULL, '再停', 'x')",
         "never paused"),
        ("UPDATE recording_marks SET media_ms = 7 WHERE recording_id = ?",
         "turn mark is never changed"),
        ("DELETE FROM recording_marks WHERE recording_id = ?", "turn mark is never deleted"),
    ]
    for sql, refusal in edits:
        with pytest.raises(RuleViolation, match=refusal):
            raw(world, sql, recording.id)
    assert recordings.get(world.store.conn, recording.id).duration_ms == 2_000

    # An insider who drops the trigger and edits the row is caught by the audit trail.
    raw(world, "DROP TRIGGER recordings_end_once")
    raw(world, "UPDATE recordings SET duration_ms = 1 WHERE id = ?", recording.id)
    report = audit_trail.verify(world.store)
    assert not report.ok
    assert any(f"recordings {recording.id}" in p.message for p in report.problems)


def test_a_killed_recording_is_salvaged_from_its_checkpoint(world: World) -> None:
    recording = start(world)
    laid = laid_out(fragmented_mp4(3), SEGMENT)
    for offset, sha256, frames in laid.checkpoints[:2]:
        checkpoint(world, recording.id, offset, sha256, frames)
    vault = vault_directory(world.paths.workdir)
    temp = crashed(vault, world.store.vault_key(), laid.data, SEGMENT)
    offset, sha256, media_ms = recordings.last_checkpoint(world.store.conn, recording.id) or (
        0, "", 0)
    assert recordings.checkpoints(world.store.conn, recording.id)[0] == (offset, sha256,
                                                                          media_ms)

    # The media must be a recorded checkpoint: a salvage of anything else is refused.
    other = hashlib.sha256(b"other").hexdigest()
    with pytest.raises(UserError, match="is not a prefix recorded while it was being made"):
        write(world, lambda tx: recordings.finish(tx, recording.id, sha256=other, size=offset,
                                                  duration_ms=media_ms,
                                                  interruption=Interruption.CRASH))
    blob = seal_prefix(temp, vault, world.store.vault_key(), offset, sha256)
    salvaged = write(world, lambda tx: recordings.finish(
        tx, recording.id, sha256=blob.sha256, size=blob.size, duration_ms=media_ms,
        interruption=Interruption.CRASH))
    assert (salvaged.state, salvaged.interruption, salvaged.sha256, salvaged.size,
            salvaged.duration_ms) == (RecordingState.INTERRUPTED, Interruption.CRASH, sha256,
                                      offset, 2_000)
    assert actions(world, recording.id) == ["recording.started", "recording.salvaged"]
    assert details(world, recording.id, Action.RECORDING_SALVAGED)["interruption"] == "crash"
    assert salvaged.evidence_item_id is not None
    item = evidence.get_item(world.store.conn, salvaged.evidence_item_id)
    assert item.custody_details["interruption"] == "crash" and item.source == "recorder"
    verify_blob(blob.path, world.store.vault_key(), sha256)


def test_a_recording_killed_before_its_first_checkpoint_ends_with_nothing_kept(
        world: World) -> None:
    recording = start(world)
    ended = write(world, lambda tx: recordings.finish_empty(
        tx, recording.id, interruption=Interruption.CRASH))
    assert (ended.state, ended.interruption, ended.sha256, ended.evidence_item_id,
            ended.duration_ms) == (RecordingState.INTERRUPTED, Interruption.CRASH, None, None, 0)
    assert actions(world, recording.id) == ["recording.started", "recording.salvaged"]
    # The statement may be recorded again.
    again = start(world)
    write(world, lambda tx: recordings.add_checkpoint(tx, again.id, SEGMENT, "f" * 64, 500))
    with pytest.raises(UserError, match="has durable media: salvage it instead"):
        write(world, lambda tx: recordings.finish_empty(tx, again.id,
                                                        interruption=Interruption.CRASH))


def test_a_device_failure_finishes_what_the_writer_had(world: World) -> None:
    recording = start(world)
    blob = stored(world, b"until the camera failed")
    ended = write(world, lambda tx: recordings.finish(
        tx, recording.id, sha256=blob.sha256, size=blob.size, duration_ms=3_000,
        interruption=Interruption.DEVICE))
    assert (ended.state, ended.interruption) == (RecordingState.INTERRUPTED, Interruption.DEVICE)
    assert actions(world, recording.id) == ["recording.started", "recording.finished"]


def test_viewing_is_audited(world: World) -> None:
    recording = start(world)
    write(world, lambda tx: recordings.record_view(tx, recording.id, purpose="playback"))
    assert details(world, recording.id, Action.RECORDING_VIEWED)["purpose"] == "playback"


def test_only_a_statement_s_own_states_are_recorded(world: World) -> None:
    # Read-back still records (the recording ends after the handwritten signatures).
    answer_opening(world)
    interview.start_read_back(world.store, world.statement.id)
    assert interview.get(world.store, world.statement.id).state is StatementState.READ_BACK
    recording = start(world)
    assert recording.state is RecordingState.RECORDING
    with pytest.raises(ValueError, match="temporary name starts with"):
        write(world, lambda tx: recordings.begin(
            tx, recording_id=new_id(), statement_id=world.statement.id, temp_name=".tmp-1",
            codec="libvpx-vp9", width=1, height=1, fps=1))


def test_the_evidence_panel_says_where_a_recording_came_from(world: World) -> None:
    from desktop.ui.evidence.describe import item_details, source_text  # pure, no Qt

    recording = start(world)
    blob = stored(world, b"the interview")
    finished = write(world, lambda tx: recordings.finish(tx, recording.id, sha256=blob.sha256,
                                                         size=blob.size, duration_ms=1_000))
    assert finished.evidence_item_id is not None
    item = evidence.get_item(world.store.conn, finished.evidence_item_id)
    assert source_text(item) == "interview recording"
    text = item_details(item, None)
    assert f"Recorded in the statement room: recording {recording.id}" in text
    assert "Imported from a file" not in text
