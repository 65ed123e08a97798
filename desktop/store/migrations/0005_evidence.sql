-- 0005: evidence files collected for a case. The bytes live encrypted in the media vault
-- (`<workdir>/vault/<sha256>.sr1`, see desktop/store/vault_stream.py); this table records what
-- they are. The original file name and path are kept here, inside the encrypted database,
-- never in the vault's file names nor in the audit log. A record is never changed nor deleted.
CREATE TABLE evidence_items (
    id             TEXT PRIMARY KEY,
    case_id        TEXT NOT NULL REFERENCES cases (id),
    statement_id   TEXT REFERENCES statements (id),
    sha256         TEXT NOT NULL CHECK (length(sha256) = 64),
    sm3            TEXT,
    size           INTEGER NOT NULL CHECK (size >= 0),
    kind           TEXT NOT NULL CHECK (kind IN ('video', 'photo', 'audio', 'document', 'other')),
    source         TEXT NOT NULL CHECK (source IN ('folder', 'bodycam')),
    original_name  TEXT NOT NULL,
    original_path  TEXT NOT NULL,
    captured_at    TEXT,
    imported_at    TEXT NOT NULL,
    imported_by    TEXT NOT NULL REFERENCES officers (id),
    device_serial  TEXT,
    officer_number TEXT,
    marked         INTEGER NOT NULL DEFAULT 0 CHECK (marked IN (0, 1)),
    UNIQUE (case_id, sha256)
) STRICT;

CREATE INDEX evidence_items_case ON evidence_items (case_id);

CREATE TRIGGER evidence_items_no_update BEFORE UPDATE ON evidence_items
BEGIN SELECT RAISE(ABORT, 'immutable: an evidence record is never changed'); END;
CREATE TRIGGER evidence_items_no_delete BEFORE DELETE ON evidence_items
BEGIN SELECT RAISE(ABORT, 'immutable: an evidence record is never deleted'); END;
