-- 0003: autosave no longer re-indexes a turn inside its own transaction. It marks the turn
-- stale (one row, same transaction, so a crash cannot lose the mark); the index catches up
-- before every search and at session end. indexed_revision records which revision's text
-- the contentless index holds, which is exactly the old text FTS5 needs to remove it.
ALTER TABLE search_docs ADD COLUMN indexed_revision INTEGER;

CREATE TABLE search_queue (
    turn_id TEXT PRIMARY KEY REFERENCES turns (id)
) STRICT, WITHOUT ROWID;
