"""Recordings of interviews in the store: their life, checkpoints, pauses, turn marks, waivers.

A recording is begun for a statement that is not yet signed, while its media grows in the vault
under a ``.rec-`` temporary name (`vault_temporaries.recording_temp_name`). About once a second of
media the recorder makes a prefix of that file durable and the service records the checkpoint
here (`add_checkpoint`): after a crash or a full disk, salvage (`vault_salvage.seal_prefix`)
keeps exactly a prefix recorded here, and `finish` accepts an interrupted recording only if its
hash and size are those of a recorded checkpoint (decision 44). `finish` records the media as
an evidence item of the statement's case (kind ``video``, source ``recorder``) in the same
transaction, so it reaches HQ through the media sync like any other evidence.

Migration 0022 makes every row immutable once it is final: a recording ends once, a pause is
resumed once, checkpoints and marks are written only while the recording is live, a waiver is
never changed and a signed statement takes none. Recordings, pauses and waivers are covered
rows: each write is an audit leaf with the row's digest (decision 19).
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Action, StatementState
from desktop.domain.recording import (
    Interruption,
    Recording,
    RecordingPause,
    RecordingState,
    RecordingWaiver,
    TurnMark,
)
from desktop.store import evidence
from desktop.store.connection import Connection
from desktop.store.coverage import leaf_fields
from desktop.store.tx import Tx
from desktop.store.vault_temporaries import RECORDING_PREFIX

__all__ = ["RECORDING_KIND", "RECORDING_SOURCE", "add_checkpoint", "begin", "checkpoints",
           "finish", "finish_empty", "for_statement", "get", "last_checkpoint", "live",
           "mark_turn", "marks", "pause", "pauses", "record_view", "resume", "unfinished",
           "waive", "waiver"]

RECORDING_KIND = "video"
RECORDING_SOURCE = "recorder"
# Ended by losing the writer: what is kept is the prefix of a recorded checkpoint.
_SALVAGED = (Interruption.CRASH, Interruption.DISK_FULL)
_HEX64 = re.compile(r"[0-9a-f]{64}")
_SIGNED = (StatementState.SIGNED.value, StatementState.SEALED.value)

_COLUMNS = ("id, statement_id, case_id, state, started_at, ended_at, temp_name, codec, width,"
            " height, fps, sha256, size, duration_ms, evidence_item_id, interruption,"
            " started_by")
_PAUSE_COLUMNS = "recording_id, seq, media_ms, started_at, ended_at, reason, officer_id"


def _recording(row: tuple[object, ...]) -> Recording:
    return Recording(
        id=str(row[0]), statement_id=str(row[1]), case_id=str(row[2]),
        state=RecordingState(str(row[3])), started_at=datetime.fromisoformat(str(row[4])),
        ended_at=_time(row[5]), temp_name=str(row[6]), codec=str(row[7]),
        width=int(str(row[8])), height=int(str(row[9])), fps=int(str(row[10])),
        sha256=_text(row[11]), size=_int(row[12]), duration_ms=_int(row[13]),
        evidence_item_id=_text(row[14]),
        interruption=None if row[15] is None else Interruption(str(row[15])),
        started_by=_text(row[16]))


def _pause(row: tuple[object, ...]) -> RecordingPause:
    return RecordingPause(
        recording_id=str(row[0]), seq=int(str(row[1])), media_ms=int(str(row[2])),
        started_at=datetime.fromisoformat(str(row[3])), ended_at=_time(row[4]),
        reason=str(row[5]), officer_id=str(row[6]))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _int(value: object) -> int | None:
    return None if value is None else int(str(value))


def _time(value: object) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


def _digest(text: str) -> str:
    """SHA-256 of a written reason, for the audit leaf (which never holds the words)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check_sha256(sha256: str) -> None:
    if not _HEX64.fullmatch(sha256):
        raise ValueError(f"not a lowercase hex SHA-256: {sha256!r}")


def _check_media_ms(media_ms: int) -> None:
    if media_ms < 0:
        raise ValueError("a media time is never negative")


def _need_officer(tx: Tx) -> str:
    if tx.actor is None:
        raise UserError(_("Log in to record the interview."))
    return tx.actor


def _statement(conn: Connection, statement_id: str) -> tuple[str, str]:
    """(case id, state) of a statement."""
    row = conn.execute("SELECT case_id, state FROM statements WHERE id = ?",
                       (statement_id,)).fetchone()
    if row is None:
        raise UserError(_("No statement {id}.").format(id=statement_id))
    return str(row[0]), str(row[1])


def _live(conn: Connection, recording_id: str) -> Recording:
    """The recording, refused with a clear message when it has ended."""
    recording = get(conn, recording_id)
    if recording.ended:
        raise UserError(_("Recording {id} has ended; it can no longer be changed.").format(
            id=recording_id))
    return recording


# ---------------------------------------------------------------------------------------------
# Writing


def begin(tx: Tx, *, recording_id: str, statement_id: str, temp_name: str, codec: str,
          width: int, height: int, fps: int) -> Recording:
    """Record that the recorder started for this statement (not yet signed, not recording)."""
    officer = _need_officer(tx)
    if not temp_name.startswith(RECORDING_PREFIX):
        raise ValueError(f"a recording's temporary name starts with {RECORDING_PREFIX!r}")
    if min(width, height, fps) <= 0:
        raise ValueError("width, height and frame rate must be positive")
    case_id, state = _statement(tx.conn, statement_id)
    if state in _SIGNED:
        raise UserError(_("Statement {id} is signed: it can no longer be recorded.").format(
            id=statement_id))
    if live(tx.conn, statement_id) is not None:
        raise UserError(_("This statement is already being recorded."))
    tx.conn.execute(
        f"INSERT INTO recordings ({_COLUMNS}) VALUES"
        " (?, ?, ?, 'recording', ?, NULL, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, NULL, ?)",
        (recording_id, statement_id, case_id, tx.at.isoformat(), temp_name, codec, width,
         height, fps, officer))
    tx.audit(Action.RECORDING_STARTED, recording_id, statement=statement_id, case=case_id,
             codec=codec, width=width, height=height, fps=fps,
             **leaf_fields(tx.conn, "recordings", recording_id))
    return get(tx.conn, recording_id)


def add_checkpoint(tx: Tx, recording_id: str, offset: int, sha256: str, media_ms: int) -> None:
    """Record a durable prefix of the recording's vault file: its first `offset` plaintext
    bytes (whole segments) hash to `sha256`, and hold the media up to `media_ms`.

    Not an audit leaf of its own (one a second would swamp the trail): the leaf that ends the
    recording names the checkpoint it was salvaged from (decision 44)."""
    _check_sha256(sha256)
    _check_media_ms(media_ms)
    if offset <= 0:
        raise ValueError("a checkpoint holds at least one segment")
    _live(tx.conn, recording_id)
    last = last_checkpoint(tx.conn, recording_id)
    if last is not None and offset <= last[0]:
        raise ValueError(f"checkpoint at {offset} is not past the last one at {last[0]}")
    tx.conn.execute(
        "INSERT INTO recording_checkpoints (recording_id, offset, sha256, media_ms, at)"
        " VALUES (?, ?, ?, ?, ?)", (recording_id, offset, sha256, media_ms, tx.at.isoformat()))


def pause(tx: Tx, recording_id: str, media_ms: int, reason: str) -> RecordingPause:
    """Pause the recording at `media_ms` for the officer's reason (never blank)."""
    officer = _need_officer(tx)
    _check_media_ms(media_ms)
    reason = reason.strip()
    if not reason:
        raise UserError(_("Give the reason for pausing the recording: it is recorded and "
                          "printed with the statement."))
    recording = _live(tx.conn, recording_id)
    if _open_pause(tx.conn, recording_id) is not None:
        raise UserError(_("The recording is already paused."))
    row = tx.conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM recording_pauses"
                          " WHERE recording_id = ?", (recording_id,)).fetchone()
    seq = int(row[0])
    tx.conn.execute(
        f"INSERT INTO recording_pauses ({_PAUSE_COLUMNS}) VALUES (?, ?, ?, ?, NULL, ?, ?)",
        (recording_id, seq, media_ms, tx.at.isoformat(), reason, officer))
    tx.audit(Action.RECORDING_PAUSED, recording_id, statement=recording.statement_id, seq=seq,
             media_ms=media_ms, reason_sha256=_digest(reason),
             **leaf_fields(tx.conn, "recording_pauses", recording_id, seq))
    return _get_pause(tx.conn, recording_id, seq)


def resume(tx: Tx, recording_id: str) -> RecordingPause:
    """End the recording's current pause; the recording goes on where it paused."""
    _need_officer(tx)
    recording = _live(tx.conn, recording_id)
    current = _open_pause(tx.conn, recording_id)
    if current is None:
        raise UserError(_("The recording is not paused."))
    tx.conn.execute("UPDATE recording_pauses SET ended_at = ? WHERE recording_id = ? AND seq = ?",
                    (tx.at.isoformat(), recording_id, current.seq))
    tx.audit(Action.RECORDING_RESUMED, recording_id, statement=recording.statement_id,
             seq=current.seq, media_ms=current.media_ms,
             **leaf_fields(tx.conn, "recording_pauses", recording_id, current.seq))
    return _get_pause(tx.conn, recording_id, current.seq)


def mark_turn(tx: Tx, recording_id: str, turn_id: str, media_ms: int) -> None:
    """Mark where in the recording a turn of its statement was begun (the first mark kept:
    a turn edited later, or while a later recording runs, keeps the moment it was asked)."""
    _check_media_ms(media_ms)
    recording = _live(tx.conn, recording_id)
    row = tx.conn.execute("SELECT statement_id FROM turns WHERE id = ?", (turn_id,)).fetchone()
    if row is None or str(row[0]) != recording.statement_id:
        raise UserError(_("That turn does not belong to the statement being recorded."))
    tx.conn.execute(
        "INSERT INTO recording_marks (turn_id, recording_id, media_ms) VALUES (?, ?, ?)"
        " ON CONFLICT (turn_id) DO NOTHING", (turn_id, recording_id, media_ms))


def finish(tx: Tx, recording_id: str, *, sha256: str, size: int, duration_ms: int,
           interruption: Interruption | None = None) -> Recording:
    """End the recording with its media sealed in the vault, and record that media as an
    evidence item of the statement (kind video, source recorder) in the same transaction.

    Without `interruption` it was stopped and finished by its writer. With CRASH or DISK_FULL
    its writer was lost and the media is a salvaged prefix: it must be one of the checkpoints
    recorded while recording (`seal_prefix` seals exactly that). With DEVICE a camera or
    microphone failed and the writer finished what it had."""
    _need_officer(tx)
    _check_sha256(sha256)
    if size < 0 or duration_ms < 0:
        raise ValueError("size and duration are never negative")
    recording = get(tx.conn, recording_id)
    if recording.ended:
        raise UserError(_("Recording {id} has already been finished.").format(id=recording_id))
    if interruption in _SALVAGED and not _salvageable(tx.conn, recording_id, size, sha256):
        raise UserError(_(
            "The salvaged recording {id} is not a prefix recorded while it was being made "
            "({size} bytes, SHA-256 {sha256}); it was not recorded as evidence.").format(
                id=recording_id, size=size, sha256=sha256))
    item = evidence.record_item(
        tx, item_id=new_id(), case_id=recording.case_id, statement_id=recording.statement_id,
        sha256=sha256, size=size, kind=RECORDING_KIND, source=RECORDING_SOURCE,
        original_name=f"recording-{recording_id}.mp4",
        original_path=f"{RECORDING_SOURCE}/{recording_id}",
        captured_at=recording.started_at.isoformat(),
        custody=_custody(recording, tx.at, duration_ms, interruption))
    _end(tx, recording, sha256=sha256, size=size, duration_ms=duration_ms, item_id=item.id,
         interruption=interruption)
    return get(tx.conn, recording_id)


def finish_empty(tx: Tx, recording_id: str, *, interruption: Interruption) -> Recording:
    """End a recording interrupted before its first checkpoint: nothing of it was durably
    written, so there is no media and no evidence item; the statement shows the interruption."""
    _need_officer(tx)
    recording = get(tx.conn, recording_id)
    if recording.ended:
        raise UserError(_("Recording {id} has already been finished.").format(id=recording_id))
    if last_checkpoint(tx.conn, recording_id) is not None:
        raise UserError(_("Recording {id} has durable media: salvage it instead.").format(
            id=recording_id))
    _end(tx, recording, sha256=None, size=None, duration_ms=0, item_id=None,
         interruption=interruption)
    return get(tx.conn, recording_id)


def _end(tx: Tx, recording: Recording, *, sha256: str | None, size: int | None,
         duration_ms: int, item_id: str | None, interruption: Interruption | None) -> None:
    state = RecordingState.FINISHED if interruption is None else RecordingState.INTERRUPTED
    tx.conn.execute(
        "UPDATE recordings SET state = ?, ended_at = ?, sha256 = ?, size = ?, duration_ms = ?,"
        " evidence_item_id = ?, interruption = ? WHERE id = ?",
        (state.value, tx.at.isoformat(), sha256, size, duration_ms, item_id,
         None if interruption is None else interruption.value, recording.id))
    # Salvaged: the writer was lost and what is kept is a checkpoint's prefix (or nothing).
    action = (Action.RECORDING_SALVAGED if interruption in _SALVAGED or sha256 is None
              else Action.RECORDING_FINISHED)
    tx.audit(action, recording.id, statement=recording.statement_id, sha256=sha256, size=size,
             duration_ms=duration_ms, evidence_item=item_id,
             interruption=None if interruption is None else interruption.value,
             paused_open=_open_pause(tx.conn, recording.id) is not None,
             **leaf_fields(tx.conn, "recordings", recording.id))


def _custody(recording: Recording, ended_at: datetime, duration_ms: int,
             interruption: Interruption | None) -> dict[str, object]:
    """What the evidence item keeps of how the recording was made (sent to HQ with it)."""
    return {"recording": recording.id, "started_at": recording.started_at.isoformat(),
            "ended_at": ended_at.isoformat(), "duration_ms": duration_ms,
            "codec": recording.codec, "width": recording.width, "height": recording.height,
            "fps": recording.fps,
            "interruption": None if interruption is None else interruption.value}


def _salvageable(conn: Connection, recording_id: str, size: int, sha256: str) -> bool:
    """Whether salvaged media is what `seal_prefix` keeps: the prefix of a recorded checkpoint,
    or (rarely) the whole file its writer had finished just before it was lost, which is
    longer than the last checkpoint and authenticated to its final segment by the vault."""
    row = conn.execute("SELECT 1 FROM recording_checkpoints WHERE recording_id = ?"
                       " AND offset = ? AND sha256 = ?", (recording_id, size, sha256)).fetchone()
    if row is not None:
        return True
    last = last_checkpoint(conn, recording_id)
    return last is not None and size > last[0]


def waive(tx: Tx, statement_id: str, reason: str) -> RecordingWaiver:
    """Record why this statement is signed without a recording (e.g. the camera failed)."""
    officer = _need_officer(tx)
    reason = reason.strip()
    if not reason:
        raise UserError(_("Give the reason the statement is signed without a recording: it is "
                          "printed on the statement."))
    _case_id, state = _statement(tx.conn, statement_id)
    if state in _SIGNED:
        raise UserError(_("Statement {id} is already signed: a recording waiver can no longer "
                          "be recorded.").format(id=statement_id))
    if live(tx.conn, statement_id) is not None:
        raise UserError(_("The statement is being recorded: stop the recording first."))
    if waiver(tx.conn, statement_id) is not None:
        raise UserError(_("A recording waiver is already recorded for this statement."))
    tx.conn.execute("INSERT INTO recording_waivers (statement_id, reason, officer_id, at)"
                    " VALUES (?, ?, ?, ?)", (statement_id, reason, officer, tx.at.isoformat()))
    tx.audit(Action.RECORDING_WAIVED, statement_id, reason_sha256=_digest(reason),
             **leaf_fields(tx.conn, "recording_waivers", statement_id))
    found = waiver(tx.conn, statement_id)
    assert found is not None
    return found


def record_view(tx: Tx, recording_id: str, *, purpose: str) -> None:
    """Audit that the recording was played back or exported (`purpose`: playback, export)."""
    recording = get(tx.conn, recording_id)
    tx.audit(Action.RECORDING_VIEWED, recording_id, statement=recording.statement_id,
             purpose=purpose, sha256=recording.sha256)


# ---------------------------------------------------------------------------------------------
# Reading


def get(conn: Connection, recording_id: str) -> Recording:
    row = conn.execute(f"SELECT {_COLUMNS} FROM recordings WHERE id = ?",
                       (recording_id,)).fetchone()
    if row is None:
        raise UserError(_("No recording {id}.").format(id=recording_id))
    return _recording(tuple(row))


def for_statement(conn: Connection, statement_id: str) -> list[Recording]:
    """The statement's recordings, oldest first."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM recordings WHERE statement_id = ?"
                        " ORDER BY started_at, id", (statement_id,)).fetchall()
    return [_recording(tuple(r)) for r in rows]


def live(conn: Connection, statement_id: str) -> Recording | None:
    """The statement's recording still being made, if any."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM recordings WHERE statement_id = ?"
                       " AND state = 'recording'", (statement_id,)).fetchone()
    return None if row is None else _recording(tuple(row))


def unfinished(conn: Connection) -> list[Recording]:
    """Every recording not yet ended (at login: the ones whose writer is gone, to salvage)."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM recordings WHERE state = 'recording'"
                        " ORDER BY started_at, id").fetchall()
    return [_recording(tuple(r)) for r in rows]


def last_checkpoint(conn: Connection, recording_id: str) -> tuple[int, str, int] | None:
    """(offset, sha256, media_ms) of the recording's furthest durable prefix, if any."""
    row = conn.execute("SELECT offset, sha256, media_ms FROM recording_checkpoints"
                       " WHERE recording_id = ? ORDER BY offset DESC LIMIT 1",
                       (recording_id,)).fetchone()
    return None if row is None else (int(row[0]), str(row[1]), int(row[2]))


def checkpoints(conn: Connection, recording_id: str) -> list[tuple[int, str, int]]:
    """Every checkpoint of the recording, (offset, sha256, media_ms), furthest first: what
    salvage falls back on when the furthest prefix does not verify."""
    rows = conn.execute("SELECT offset, sha256, media_ms FROM recording_checkpoints"
                        " WHERE recording_id = ? ORDER BY offset DESC",
                        (recording_id,)).fetchall()
    return [(int(r[0]), str(r[1]), int(r[2])) for r in rows]


def pauses(conn: Connection, recording_id: str) -> list[RecordingPause]:
    rows = conn.execute(f"SELECT {_PAUSE_COLUMNS} FROM recording_pauses WHERE recording_id = ?"
                        " ORDER BY seq", (recording_id,)).fetchall()
    return [_pause(tuple(r)) for r in rows]


def _get_pause(conn: Connection, recording_id: str, seq: int) -> RecordingPause:
    row = conn.execute(f"SELECT {_PAUSE_COLUMNS} FROM recording_pauses"
                       " WHERE recording_id = ? AND seq = ?", (recording_id, seq)).fetchone()
    assert row is not None
    return _pause(tuple(row))


def _open_pause(conn: Connection, recording_id: str) -> RecordingPause | None:
    row = conn.execute(f"SELECT {_PAUSE_COLUMNS} FROM recording_pauses"
                       " WHERE recording_id = ? AND ended_at IS NULL", (recording_id,)).fetchone()
    return None if row is None else _pause(tuple(row))


def marks(conn: Connection, recording_id: str) -> list[TurnMark]:
    """The turns marked in the recording, in media order."""
    rows = conn.execute("SELECT recording_id, turn_id, media_ms FROM recording_marks"
                        " WHERE recording_id = ? ORDER BY media_ms, turn_id",
                        (recording_id,)).fetchall()
    return [TurnMark(str(r[0]), str(r[1]), int(r[2])) for r in rows]


def waiver(conn: Connection, statement_id: str) -> RecordingWaiver | None:
    row = conn.execute("SELECT statement_id, reason, officer_id, at FROM recording_waivers"
                       " WHERE statement_id = ?", (statement_id,)).fetchone()
    if row is None:
        return None
    return RecordingWaiver(str(row[0]), str(row[1]), str(row[2]),
                           datetime.fromisoformat(str(row[3])))
