-- 0012 (slice "refdata"): reference datasets HQ sends down (issue 15, docs/protocols/sync.md §7).
--
-- ref_manifest: the newest signed manifest accepted (one row): its canonical signed JSON, when
--   HQ issued it and when it expires. issued_ms only grows, so an older manifest (a replay
--   by a man in the middle, a freeze attack) cannot replace a newer one.
-- ref_datasets: the bytes of the current version of each dataset, checked against the
--   manifest's SHA-256 and size before they are kept. A version only grows (a rollback to an
--   older dataset is refused here as the last guard; the service says so first), and each
--   acceptance is an audited write of a covered row (decision 19), so someone holding the key
--   who rewrites a dataset or its version is caught by `audit verify`.
-- statement_ref_versions: which dataset versions a statement was sealed under.
CREATE TABLE ref_manifest (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    signed_json TEXT NOT NULL,
    issued_ms   INTEGER NOT NULL,
    expires_ms  INTEGER NOT NULL,
    received_at TEXT NOT NULL
) STRICT;

CREATE TRIGGER ref_manifest_no_rollback BEFORE UPDATE ON ref_manifest
WHEN NEW.issued_ms < OLD.issued_ms
BEGIN SELECT RAISE(ABORT, 'refused: an older reference manifest cannot replace a newer one'); END;

CREATE TABLE ref_datasets (
    name        TEXT PRIMARY KEY,
    version     INTEGER NOT NULL CHECK (version >= 1),
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    data        BLOB NOT NULL,
    accepted_at TEXT NOT NULL
) STRICT;

CREATE TRIGGER ref_datasets_no_rollback BEFORE UPDATE ON ref_datasets
WHEN NEW.version <= OLD.version
BEGIN SELECT RAISE(ABORT, 'refused: a reference dataset version only grows'); END;

CREATE TRIGGER ref_datasets_no_delete BEFORE DELETE ON ref_datasets
BEGIN SELECT RAISE(ABORT, 'refused: reference datasets are replaced, never deleted'); END;

CREATE TABLE statement_ref_versions (
    statement_id TEXT NOT NULL REFERENCES statements (id),
    name         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    PRIMARY KEY (statement_id, name)
) STRICT;

CREATE TRIGGER statement_ref_versions_no_update BEFORE UPDATE ON statement_ref_versions
BEGIN SELECT RAISE(ABORT, 'refused: the versions a statement was sealed under never change'); END;
