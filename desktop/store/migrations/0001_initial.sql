-- 0001: officers, parties, cases, statements with revisioned turns, the Merkle audit log,
-- signed tree heads, device keys, and the sync outbox (filled by the sync issue).
-- Immutability is enforced here, by triggers, so no code path above can bypass it.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value ANY NOT NULL
) STRICT;

CREATE TABLE officers (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    certificate_no TEXT NOT NULL UNIQUE,
    unit           TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('officer', 'legal_reviewer', 'admin')),
    created_at     TEXT NOT NULL
) STRICT;

-- A party record is immutable: a corrected identity is a new record, so a signed
-- statement always shows the identity it was signed with.
CREATE TABLE parties (
    id          TEXT PRIMARY KEY,
    id_kind     TEXT NOT NULL,
    id_number   TEXT NOT NULL,
    name        TEXT NOT NULL,
    sex         TEXT NOT NULL CHECK (sex IN ('male', 'female', 'unknown')),
    nation      TEXT NOT NULL,
    birth_date  TEXT,
    address     TEXT NOT NULL,
    authority   TEXT NOT NULL,
    valid_from  TEXT,
    valid_until TEXT,
    phone       TEXT NOT NULL,
    workplace   TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('manual', 'id_card', 'mrz')),
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE cases (
    id         TEXT PRIMARY KEY,
    number     TEXT NOT NULL UNIQUE,
    cause      TEXT NOT NULL,
    matter     TEXT NOT NULL,
    place      TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES officers (id)
) STRICT;

CREATE TABLE statements (
    id                TEXT PRIMARY KEY,
    case_id           TEXT NOT NULL REFERENCES cases (id),
    kind              TEXT NOT NULL
        CHECK (kind IN ('inquiry', 'inspection', 'defence', 'hearing', 'addendum')),
    place             TEXT NOT NULL,
    started_at        TEXT NOT NULL,
    ended_at          TEXT,
    interviewer1_id   TEXT NOT NULL REFERENCES officers (id),
    interviewer2_id   TEXT NOT NULL REFERENCES officers (id),
    recorder_id       TEXT NOT NULL REFERENCES officers (id),
    interviewee_id    TEXT NOT NULL REFERENCES parties (id),
    state             TEXT NOT NULL CHECK (state IN ('draft', 'read_back', 'signed', 'sealed')),
    addendum_of       TEXT REFERENCES statements (id),
    refusal_reason    TEXT,
    refusal_witness   TEXT,
    refusal_witness_id TEXT,
    refusal_at        TEXT,
    created_at        TEXT NOT NULL,
    CHECK (interviewer1_id <> interviewer2_id),
    CHECK ((kind = 'addendum') = (addendum_of IS NOT NULL))
) STRICT;
CREATE INDEX statements_case ON statements (case_id);
CREATE INDEX statements_interviewee ON statements (interviewee_id);

CREATE TABLE turns (
    id           TEXT PRIMARY KEY,
    statement_id TEXT NOT NULL REFERENCES statements (id),
    seq          INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('question', 'answer', 'note')),
    tag          TEXT,
    recorded_at  TEXT NOT NULL,
    UNIQUE (statement_id, seq)
) STRICT;

-- Every saved version of a turn's text. The newest revision is the turn's text.
CREATE TABLE turn_revisions (
    turn_id  TEXT NOT NULL REFERENCES turns (id),
    revision INTEGER NOT NULL CHECK (revision >= 1),
    text     TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    saved_by TEXT NOT NULL REFERENCES officers (id),
    PRIMARY KEY (turn_id, revision)
) STRICT;

CREATE VIEW current_turns AS
SELECT t.id, t.statement_id, t.seq, t.kind, t.tag, t.recorded_at, r.revision, r.text
FROM turns AS t
JOIN turn_revisions AS r
  ON r.turn_id = t.id
 AND r.revision = (SELECT max(revision) FROM turn_revisions WHERE turn_id = t.id);

-- The RFC 9162 Merkle log: one row per leaf; idx is the leaf index.
CREATE TABLE audit_log (
    idx       INTEGER PRIMARY KEY CHECK (idx >= 0),
    id        TEXT NOT NULL UNIQUE,
    at        TEXT NOT NULL,
    actor     TEXT,
    action    TEXT NOT NULL,
    subject   TEXT,
    outcome   TEXT NOT NULL,
    details   TEXT NOT NULL,
    leaf_hash BLOB NOT NULL
) STRICT;
CREATE INDEX audit_subject ON audit_log (subject, action);

CREATE TABLE tree_heads (
    tree_size    INTEGER PRIMARY KEY,
    root_hash    BLOB NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    key_id       TEXT NOT NULL,
    signature    BLOB NOT NULL
) STRICT;

-- Device keys live inside the encrypted store; only their public halves ever leave it.
CREATE TABLE device_keys (
    key_id      TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL,
    private_key BLOB NOT NULL,
    public_key  BLOB NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;

-- Transactional outbox (sync issue): written in the same transaction as the record it
-- announces; device_seq lets HQ see gaps.
CREATE TABLE outbox (
    op_id       TEXT PRIMARY KEY,
    device_seq  INTEGER NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    priority    INTEGER NOT NULL,
    state       TEXT NOT NULL DEFAULT 'queued',
    created_at  TEXT NOT NULL,
    receipt     BLOB
) STRICT;
CREATE INDEX outbox_ready ON outbox (state, priority);

-- Immutability ------------------------------------------------------------------------

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'immutable: the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'immutable: the audit log is append-only'); END;

CREATE TRIGGER tree_heads_no_update BEFORE UPDATE ON tree_heads
BEGIN SELECT RAISE(ABORT, 'immutable: tree heads are append-only'); END;
CREATE TRIGGER tree_heads_no_delete BEFORE DELETE ON tree_heads
BEGIN SELECT RAISE(ABORT, 'immutable: tree heads are append-only'); END;

CREATE TRIGGER parties_no_update BEFORE UPDATE ON parties
BEGIN SELECT RAISE(ABORT, 'immutable: a party record is never changed'); END;

CREATE TRIGGER turn_revisions_no_update BEFORE UPDATE ON turn_revisions
BEGIN SELECT RAISE(ABORT, 'immutable: revisions are append-only'); END;
CREATE TRIGGER turn_revisions_no_delete BEFORE DELETE ON turn_revisions
BEGIN SELECT RAISE(ABORT, 'immutable: revisions are append-only'); END;
CREATE TRIGGER turn_revisions_draft_only BEFORE INSERT ON turn_revisions
WHEN (SELECT s.state FROM statements AS s JOIN turns AS t ON t.statement_id = s.id
      WHERE t.id = NEW.turn_id) IS NOT 'draft'
BEGIN SELECT RAISE(ABORT, 'immutable: the statement is not a draft'); END;

CREATE TRIGGER turns_draft_only BEFORE INSERT ON turns
WHEN (SELECT state FROM statements WHERE id = NEW.statement_id) IS NOT 'draft'
BEGIN SELECT RAISE(ABORT, 'immutable: the statement is not a draft'); END;
CREATE TRIGGER turns_no_update BEFORE UPDATE ON turns
BEGIN SELECT RAISE(ABORT, 'immutable: a turn is changed by a new revision'); END;
CREATE TRIGGER turns_no_delete BEFORE DELETE ON turns
BEGIN SELECT RAISE(ABORT, 'immutable: a turn is never deleted'); END;

CREATE TRIGGER statements_no_delete BEFORE DELETE ON statements
BEGIN SELECT RAISE(ABORT, 'immutable: a statement is never deleted'); END;

-- A signed statement may only move on to sealed, with nothing else changed.
CREATE TRIGGER statements_signed_frozen BEFORE UPDATE ON statements
WHEN OLD.state IN ('signed', 'sealed') AND NOT (
    OLD.state = 'signed' AND NEW.state = 'sealed'
    AND NEW.id IS OLD.id AND NEW.case_id IS OLD.case_id AND NEW.kind IS OLD.kind
    AND NEW.place IS OLD.place AND NEW.started_at IS OLD.started_at
    AND NEW.ended_at IS OLD.ended_at AND NEW.interviewer1_id IS OLD.interviewer1_id
    AND NEW.interviewer2_id IS OLD.interviewer2_id AND NEW.recorder_id IS OLD.recorder_id
    AND NEW.interviewee_id IS OLD.interviewee_id AND NEW.addendum_of IS OLD.addendum_of
    AND NEW.refusal_reason IS OLD.refusal_reason AND NEW.refusal_witness IS OLD.refusal_witness
    AND NEW.refusal_witness_id IS OLD.refusal_witness_id AND NEW.refusal_at IS OLD.refusal_at
    AND NEW.created_at IS OLD.created_at)
BEGIN SELECT RAISE(ABORT, 'immutable: the statement is signed'); END;
