-- 0009: the audit log's proofs in O(log n), and a cheaper leaf (issue 13).
--
-- audit_tiles keeps the root of every complete aligned subtree of 2**8, 2**16, 2**24...
-- leaves (height, index among the subtrees of that height), written by the append that
-- completes it: one row per 256 appends. A proof folds each node it needs from at most 256
-- stored hashes instead of reading every leaf (docs/decisions/0021-merkle-tiles.md). A
-- store migrated from schema 8 has leaves and no tiles: desktop/store/audit.py writes them
-- all at the first append that completes a tile, and recomputes a missing one until then
-- (the runner applies SQL only, and SQL cannot compute SHA-256).
--
-- audit_log loses the UNIQUE on `id`, which cost a second B-tree (one more encrypted page
-- written per audit event). The id is a fresh UUIDv7 from desktop.domain.ids.new_id (a
-- millisecond time and 74 random bits), never supplied from outside, so two equal ids are
-- not a case to guard against with an index; nothing looks a leaf up by id, and the leaf's
-- identity in the tree is `idx`, which the leaf data itself includes. SQLite drops a
-- constraint only by rebuilding the table: copy, drop, rename, then the index and the
-- append-only triggers again (dropping the old table dropped them, and DROP TABLE fires no
-- DELETE trigger).

CREATE TABLE audit_tiles (
    height INTEGER NOT NULL CHECK (height > 0 AND height % 8 = 0),
    idx    INTEGER NOT NULL CHECK (idx >= 0),
    hash   BLOB NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (height, idx)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER audit_tiles_no_update BEFORE UPDATE ON audit_tiles
BEGIN SELECT RAISE(ABORT, 'immutable: the audit log is append-only'); END;
CREATE TRIGGER audit_tiles_no_delete BEFORE DELETE ON audit_tiles
BEGIN SELECT RAISE(ABORT, 'immutable: the audit log is append-only'); END;

CREATE TABLE audit_log_0009 (
    idx       INTEGER PRIMARY KEY CHECK (idx >= 0),
    id        TEXT NOT NULL,
    at        TEXT NOT NULL,
    actor     TEXT,
    action    TEXT NOT NULL,
    subject   TEXT,
    outcome   TEXT NOT NULL,
    details   TEXT NOT NULL,
    leaf_hash BLOB NOT NULL
) STRICT;

INSERT INTO audit_log_0009 (idx, id, at, actor, action, subject, outcome, details, leaf_hash)
SELECT idx, id, at, actor, action, subject, outcome, details, leaf_hash FROM audit_log
ORDER BY idx;

DROP TABLE audit_log;

ALTER TABLE audit_log_0009 RENAME TO audit_log;

CREATE INDEX audit_subject ON audit_log (subject, action);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'immutable: the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'immutable: the audit log is append-only'); END;
