-- 0022 (issue 18): the synchronized audio and video recording of an interview (同步录音录像);
-- decisions 44 (durability, salvage) and 45 (bound to the statement).
--
-- recordings: one row per recording of a statement. It is inserted when the recorder starts
--   (state 'recording', growing in the vault under its `.rec-` temporary name) and changed
--   exactly once: when it ends, 'finished' or 'interrupted' with the SHA-256, size and
--   duration of the media and the evidence item it became (an interrupted one that ended
--   before its first checkpoint kept nothing: no media). Never deleted. At most one
--   recording of a statement is live at a time. A covered row (decision 19).
-- recording_checkpoints: about once a second of media, the prefix of the vault file made
--   durable so far (offset: whole segments of plaintext) and the SHA-256 of that prefix. What
--   salvage trusts after a crash or a full disk: append-only while the recording is live.
-- recording_pauses: each pause with the officer's reason (never blank), where in the media it
--   paused, and when it resumed (set once). A covered row.
-- recording_marks: where in the media each turn was begun (one mark per turn: the first kept),
--   written only while the recording is live; never changed.
-- recording_waivers: a statement signed without a recording carries the officer's reason,
--   once, before it is signed; never changed. A covered row.
--
-- Evidence items gain the source 'recorder' (a finished recording is an evidence item of its
-- case and statement, so it reaches HQ through the media sync). SQLite cannot alter a CHECK,
-- so evidence_items is rebuilt exactly as 0006 left it, with 'recorder' added to the sources:
-- same columns in the same order, same indexes and triggers (nothing else refers to the table,
-- no FTS index reads it; DROP TABLE fires no triggers). The undo is in
-- tests/store/test_audit_tiles.py (`undo_migrations_after`).

CREATE TABLE evidence_items_v22 (
    id             TEXT PRIMARY KEY,
    case_id        TEXT REFERENCES cases (id),
    statement_id   TEXT REFERENCES statements (id),
    sha256         TEXT NOT NULL CHECK (length(sha256) = 64),
    sm3            TEXT,
    size           INTEGER NOT NULL CHECK (size >= 0),
    kind           TEXT NOT NULL CHECK (kind IN ('video', 'photo', 'audio', 'document', 'other')),
    source         TEXT NOT NULL CHECK (source IN ('folder', 'bodycam', 'recorder')),
    original_name  TEXT NOT NULL,
    original_path  TEXT NOT NULL,
    captured_at    TEXT,
    imported_at    TEXT NOT NULL,
    imported_by    TEXT NOT NULL REFERENCES officers (id),
    device_serial  TEXT,
    officer_number TEXT,
    marked         INTEGER NOT NULL DEFAULT 0 CHECK (marked IN (0, 1)),
    docking_id     TEXT REFERENCES dockings (id),
    device_path    TEXT,
    device_mtime   TEXT,
    custody        TEXT NOT NULL DEFAULT '{}',
    CHECK (statement_id IS NULL OR case_id IS NOT NULL),
    CHECK ((device_path IS NULL) = (docking_id IS NULL))
) STRICT;

INSERT INTO evidence_items_v22 (id, case_id, statement_id, sha256, sm3, size, kind, source,
    original_name, original_path, captured_at, imported_at, imported_by, device_serial,
    officer_number, marked, docking_id, device_path, device_mtime, custody)
SELECT id, case_id, statement_id, sha256, sm3, size, kind, source, original_name,
    original_path, captured_at, imported_at, imported_by, device_serial, officer_number,
    marked, docking_id, device_path, device_mtime, custody
FROM evidence_items;

DROP TABLE evidence_items;
ALTER TABLE evidence_items_v22 RENAME TO evidence_items;

-- The indexes and triggers of 0006, word for word.
CREATE INDEX evidence_items_case ON evidence_items (case_id);
CREATE INDEX evidence_items_docking ON evidence_items (docking_id);
CREATE UNIQUE INDEX evidence_items_folder_case ON evidence_items (case_id, sha256)
    WHERE device_path IS NULL;
CREATE UNIQUE INDEX evidence_items_folder_unfiled ON evidence_items (sha256)
    WHERE device_path IS NULL AND case_id IS NULL;
CREATE UNIQUE INDEX evidence_items_device_file
    ON evidence_items (device_serial, device_path, size, device_mtime)
    WHERE device_path IS NOT NULL;

CREATE TRIGGER evidence_items_no_delete BEFORE DELETE ON evidence_items
BEGIN SELECT RAISE(ABORT, 'immutable: an evidence record is never deleted'); END;

CREATE TRIGGER evidence_items_file_once BEFORE UPDATE ON evidence_items
WHEN OLD.case_id IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.sha256 IS NOT OLD.sha256 OR NEW.sm3 IS NOT OLD.sm3
  OR NEW.size IS NOT OLD.size OR NEW.kind IS NOT OLD.kind OR NEW.source IS NOT OLD.source
  OR NEW.original_name IS NOT OLD.original_name OR NEW.original_path IS NOT OLD.original_path
  OR NEW.captured_at IS NOT OLD.captured_at OR NEW.imported_at IS NOT OLD.imported_at
  OR NEW.imported_by IS NOT OLD.imported_by OR NEW.device_serial IS NOT OLD.device_serial
  OR NEW.officer_number IS NOT OLD.officer_number OR NEW.marked IS NOT OLD.marked
  OR NEW.docking_id IS NOT OLD.docking_id OR NEW.device_path IS NOT OLD.device_path
  OR NEW.device_mtime IS NOT OLD.device_mtime OR NEW.custody IS NOT OLD.custody
BEGIN SELECT RAISE(ABORT, 'immutable: an evidence record is never changed'); END;

CREATE TABLE recordings (
    id               TEXT PRIMARY KEY,
    statement_id     TEXT NOT NULL REFERENCES statements (id),
    case_id          TEXT NOT NULL REFERENCES cases (id),
    state            TEXT NOT NULL CHECK (state IN ('recording', 'finished', 'interrupted')),
    started_at       TEXT NOT NULL,
    started_by       TEXT NOT NULL REFERENCES officers (id),
    ended_at         TEXT,
    temp_name        TEXT NOT NULL UNIQUE CHECK (temp_name LIKE '.rec-%'),
    codec            TEXT NOT NULL,
    width            INTEGER NOT NULL CHECK (width > 0),
    height           INTEGER NOT NULL CHECK (height > 0),
    fps              INTEGER NOT NULL CHECK (fps > 0),
    sha256           TEXT CHECK (sha256 IS NULL OR length(sha256) = 64),
    size             INTEGER CHECK (size IS NULL OR size >= 0),
    duration_ms      INTEGER CHECK (duration_ms IS NULL OR duration_ms >= 0),
    evidence_item_id TEXT UNIQUE REFERENCES evidence_items (id),
    interruption     TEXT CHECK (interruption IN ('crash', 'disk_full', 'device')),
    -- an ended recording has its end and duration; its media (hash, size, evidence item)
    -- all at once, always when finished, and when interrupted unless nothing was kept (it
    -- ended before its first checkpoint); a live recording has none of it
    CHECK ((state = 'recording') = (ended_at IS NULL)),
    CHECK ((state = 'recording') = (duration_ms IS NULL)),
    CHECK ((sha256 IS NULL) = (size IS NULL) AND (sha256 IS NULL) = (evidence_item_id IS NULL)),
    CHECK (state = 'interrupted' OR (state = 'finished') = (sha256 IS NOT NULL)),
    CHECK ((state = 'interrupted') = (interruption IS NOT NULL))
) STRICT;
CREATE INDEX recordings_statement ON recordings (statement_id, started_at);
-- one live recording per statement; also what finds the unfinished ones at login
CREATE UNIQUE INDEX recordings_live ON recordings (statement_id) WHERE state = 'recording';

CREATE TRIGGER recordings_no_delete BEFORE DELETE ON recordings
BEGIN SELECT RAISE(ABORT, 'immutable: a recording is never deleted'); END;
-- The only change a recording ever sees is its end, once; what it was never changes.
CREATE TRIGGER recordings_end_once BEFORE UPDATE ON recordings
WHEN OLD.state <> 'recording' OR NEW.state = 'recording'
  OR NEW.id IS NOT OLD.id OR NEW.statement_id IS NOT OLD.statement_id
  OR NEW.case_id IS NOT OLD.case_id OR NEW.started_at IS NOT OLD.started_at
  OR NEW.started_by IS NOT OLD.started_by OR NEW.temp_name IS NOT OLD.temp_name
  OR NEW.codec IS NOT OLD.codec OR NEW.width IS NOT OLD.width OR NEW.height IS NOT OLD.height
  OR NEW.fps IS NOT OLD.fps
BEGIN SELECT RAISE(ABORT, 'immutable: a recording ends once and is never changed'); END;

CREATE TABLE recording_checkpoints (
    recording_id TEXT NOT NULL REFERENCES recordings (id),
    offset       INTEGER NOT NULL CHECK (offset > 0),
    sha256       TEXT NOT NULL CHECK (length(sha256) = 64),
    media_ms     INTEGER NOT NULL CHECK (media_ms >= 0),
    at           TEXT NOT NULL,
    PRIMARY KEY (recording_id, offset)
) STRICT;
CREATE TRIGGER recording_checkpoints_live BEFORE INSERT ON recording_checkpoints
WHEN (SELECT state FROM recordings WHERE id = NEW.recording_id) IS NOT 'recording'
BEGIN SELECT RAISE(ABORT, 'immutable: checkpoints are recorded only while recording'); END;
CREATE TRIGGER recording_checkpoints_forward BEFORE INSERT ON recording_checkpoints
WHEN NEW.offset <= (SELECT max(offset) FROM recording_checkpoints
                    WHERE recording_id = NEW.recording_id)
BEGIN SELECT RAISE(ABORT, 'immutable: a checkpoint only ever moves forward'); END;
CREATE TRIGGER recording_checkpoints_no_update BEFORE UPDATE ON recording_checkpoints
BEGIN SELECT RAISE(ABORT, 'immutable: a checkpoint is never changed'); END;
CREATE TRIGGER recording_checkpoints_no_delete BEFORE DELETE ON recording_checkpoints
BEGIN SELECT RAISE(ABORT, 'immutable: a checkpoint is never deleted'); END;

CREATE TABLE recording_pauses (
    recording_id TEXT NOT NULL REFERENCES recordings (id),
    seq          INTEGER NOT NULL CHECK (seq >= 1),
    media_ms     INTEGER NOT NULL CHECK (media_ms >= 0),
    started_at   TEXT NOT NULL,
    ended_at     TEXT,
    reason       TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    officer_id   TEXT NOT NULL REFERENCES officers (id),
    PRIMARY KEY (recording_id, seq)
) STRICT;
CREATE UNIQUE INDEX recording_pauses_open ON recording_pauses (recording_id)
    WHERE ended_at IS NULL;
CREATE TRIGGER recording_pauses_live BEFORE INSERT ON recording_pauses
WHEN (SELECT state FROM recordings WHERE id = NEW.recording_id) IS NOT 'recording'
BEGIN SELECT RAISE(ABORT, 'immutable: a recording that ended is never paused'); END;
-- The only change a pause ever sees is its end, once, while the recording is live.
CREATE TRIGGER recording_pauses_resume_once BEFORE UPDATE ON recording_pauses
WHEN OLD.ended_at IS NOT NULL OR NEW.ended_at IS NULL
  OR (SELECT state FROM recordings WHERE id = OLD.recording_id) IS NOT 'recording'
  OR NEW.recording_id IS NOT OLD.recording_id OR NEW.seq IS NOT OLD.seq
  OR NEW.media_ms IS NOT OLD.media_ms OR NEW.started_at IS NOT OLD.started_at
  OR NEW.reason IS NOT OLD.reason OR NEW.officer_id IS NOT OLD.officer_id
BEGIN SELECT RAISE(ABORT, 'immutable: a pause is resumed once and never changed'); END;
CREATE TRIGGER recording_pauses_no_delete BEFORE DELETE ON recording_pauses
BEGIN SELECT RAISE(ABORT, 'immutable: a pause is never deleted'); END;

CREATE TABLE recording_marks (
    turn_id      TEXT PRIMARY KEY REFERENCES turns (id),
    recording_id TEXT NOT NULL REFERENCES recordings (id),
    media_ms     INTEGER NOT NULL CHECK (media_ms >= 0)
) STRICT;
CREATE INDEX recording_marks_recording ON recording_marks (recording_id, media_ms);
CREATE TRIGGER recording_marks_live BEFORE INSERT ON recording_marks
WHEN (SELECT state FROM recordings WHERE id = NEW.recording_id) IS NOT 'recording'
BEGIN SELECT RAISE(ABORT, 'immutable: turns are marked only while recording'); END;
CREATE TRIGGER recording_marks_no_update BEFORE UPDATE ON recording_marks
BEGIN SELECT RAISE(ABORT, 'immutable: a turn mark is never changed'); END;
CREATE TRIGGER recording_marks_no_delete BEFORE DELETE ON recording_marks
BEGIN SELECT RAISE(ABORT, 'immutable: a turn mark is never deleted'); END;

CREATE TABLE recording_waivers (
    statement_id TEXT PRIMARY KEY REFERENCES statements (id),
    reason       TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    officer_id   TEXT NOT NULL REFERENCES officers (id),
    at           TEXT NOT NULL
) STRICT;
CREATE TRIGGER recording_waivers_unsigned BEFORE INSERT ON recording_waivers
WHEN (SELECT state FROM statements WHERE id = NEW.statement_id) IN ('signed', 'sealed')
BEGIN SELECT RAISE(ABORT, 'immutable: a signed statement takes no waiver'); END;
CREATE TRIGGER recording_waivers_no_update BEFORE UPDATE ON recording_waivers
BEGIN SELECT RAISE(ABORT, 'immutable: a recording waiver is never changed'); END;
CREATE TRIGGER recording_waivers_no_delete BEFORE DELETE ON recording_waivers
BEGIN SELECT RAISE(ABORT, 'immutable: a recording waiver is never deleted'); END;
