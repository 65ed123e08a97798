-- 0013 (sync-desktop): what the desktop keeps of its sync with HQ (issue 15).
--
-- outbox: the progress of each entry. upload_url is saved before the first byte of a
--   resumable upload is sent and server_offset after each acknowledged chunk
--   (sync-hq.md §3.2 rule 2); attempts, next_attempt_ms (HQ-independent epoch ms; NULL =
--   now, or never for a failed entry that waits for a person), last_error (the wire error
--   code) and last_message (HQ's English words, for the log; the officer sees words chosen by
--   the code). state: queued -> receipted (receipt holds the canonical Signed[Receipt],
--   kept only after it verified against the pinned key), or failed (waits for a person).
--   What an entry announced (kind, id, SHA-256, size, sequence) never changes: HQ holds the
--   device to it.
-- sync_enrolment: the HQ this device enrolled with and HQ's receipt key pinned then.
-- sync_state: the newest receipt-log head verified (canonical Signed[LogHead]), the newest
--   audit tree head HQ countersigned (size, root and the receipt that says so) and the last
--   round's time and summary, and the purge policy an administrator set (in the store, not in
--   settings.json: deleting evidence must not hang on a file anyone can edit).
-- evidence_purges: a medium whose local vault copy was deleted after HQ's receipt met the
--   purge policy (sync-hq.md §3.5); the item then reads as held at HQ.

ALTER TABLE outbox ADD COLUMN upload_url TEXT;
ALTER TABLE outbox ADD COLUMN server_offset INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_ms INTEGER;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
ALTER TABLE outbox ADD COLUMN last_message TEXT;
ALTER TABLE outbox ADD COLUMN receipted_at TEXT;

CREATE TRIGGER outbox_announced_frozen BEFORE UPDATE ON outbox
WHEN NEW.op_id IS NOT OLD.op_id OR NEW.device_seq IS NOT OLD.device_seq
    OR NEW.kind IS NOT OLD.kind OR NEW.entity_id IS NOT OLD.entity_id
    OR NEW.sha256 IS NOT OLD.sha256 OR NEW.size IS NOT OLD.size
    OR NEW.priority IS NOT OLD.priority OR NEW.created_at IS NOT OLD.created_at
BEGIN SELECT RAISE(ABORT, 'immutable: an outbox entry keeps what it announced'); END;
CREATE TRIGGER outbox_no_delete BEFORE DELETE ON outbox
BEGIN SELECT RAISE(ABORT, 'immutable: an outbox entry is never deleted'); END;
-- A receipt may be replaced by a newer one (a durability upgrade), never dropped.
CREATE TRIGGER outbox_receipt_kept BEFORE UPDATE ON outbox
WHEN OLD.receipt IS NOT NULL AND (NEW.receipt IS NULL OR NEW.state IS NOT 'receipted')
BEGIN SELECT RAISE(ABORT, 'immutable: a receipted entry keeps its receipt'); END;

CREATE TABLE sync_enrolment (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    hq_url      TEXT NOT NULL,
    hq_id       TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    receipt_key BLOB NOT NULL CHECK (length(receipt_key) = 32),
    enrolled_at TEXT NOT NULL
) STRICT;

CREATE TABLE sync_state (
    id                    INTEGER PRIMARY KEY CHECK (id = 1),
    log_head              BLOB,
    countersigned_size    INTEGER,
    countersigned_root    BLOB,
    countersigned_receipt BLOB,
    last_round_at         TEXT,
    last_round            TEXT,
    purge_durability      TEXT NOT NULL DEFAULT 'stored'
        CHECK (purge_durability IN ('staged', 'stored', 'replicated', 'archived')),
    purge_retention_days  INTEGER NOT NULL DEFAULT 30 CHECK (purge_retention_days >= 0)
) STRICT;
INSERT INTO sync_state (id) VALUES (1);

CREATE TABLE evidence_purges (
    sha256     TEXT PRIMARY KEY,
    op_id      TEXT NOT NULL REFERENCES outbox (op_id),
    receipt_id TEXT NOT NULL,
    purged_at  TEXT NOT NULL,
    purged_by  TEXT NOT NULL
) STRICT;
CREATE TRIGGER evidence_purges_no_update BEFORE UPDATE ON evidence_purges
BEGIN SELECT RAISE(ABORT, 'immutable: a purge is final'); END;
CREATE TRIGGER evidence_purges_no_delete BEFORE DELETE ON evidence_purges
BEGIN SELECT RAISE(ABORT, 'immutable: a purge is final'); END;
