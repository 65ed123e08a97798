-- 0006: docking sessions of body-worn recorders, chain-of-custody details on evidence items,
-- and evidence that is not yet filed under a case.
--
-- A docking is one connection of a recorder: who it belongs to (the identity record the device
-- reported), its clock against ours before and after synchronisation, and, once every file is
-- stored and verified, the signed ingest certificate. It is written once when the recorder is
-- identified and completed once; it is never deleted. An interrupted docking stays open and
-- the next docking of the same recorder resumes it.
CREATE TABLE dockings (
    id                  TEXT PRIMARY KEY,
    device_serial       TEXT NOT NULL,
    device_model        TEXT NOT NULL,
    officer_number      TEXT NOT NULL,
    officer_name        TEXT NOT NULL,
    unit_number         TEXT NOT NULL,
    unit_name           TEXT NOT NULL,
    case_id             TEXT REFERENCES cases (id),
    statement_id        TEXT REFERENCES statements (id),
    host_time           TEXT NOT NULL,
    device_time         TEXT,
    clock_offset_s      REAL,
    offset_after_sync_s REAL,
    battery             INTEGER,
    resolution          TEXT,
    started_at          TEXT NOT NULL,
    started_by          TEXT NOT NULL REFERENCES officers (id),
    finished_at         TEXT,
    certificate         BLOB,
    signature           BLOB,
    signing_key_id      TEXT,
    CHECK ((finished_at IS NULL) = (certificate IS NULL)),
    CHECK ((certificate IS NULL) = (signature IS NULL))
) STRICT;

CREATE INDEX dockings_open ON dockings (device_serial) WHERE finished_at IS NULL;

CREATE TRIGGER dockings_no_delete BEFORE DELETE ON dockings
BEGIN SELECT RAISE(ABORT, 'immutable: a docking is never deleted'); END;

-- The only change a docking ever sees is its completion, once.
CREATE TRIGGER dockings_complete_once BEFORE UPDATE ON dockings
WHEN OLD.finished_at IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.device_serial IS NOT OLD.device_serial
  OR NEW.device_model IS NOT OLD.device_model OR NEW.officer_number IS NOT OLD.officer_number
  OR NEW.officer_name IS NOT OLD.officer_name OR NEW.unit_number IS NOT OLD.unit_number
  OR NEW.unit_name IS NOT OLD.unit_name OR NEW.case_id IS NOT OLD.case_id
  OR NEW.statement_id IS NOT OLD.statement_id OR NEW.host_time IS NOT OLD.host_time
  OR NEW.device_time IS NOT OLD.device_time OR NEW.clock_offset_s IS NOT OLD.clock_offset_s
  OR NEW.offset_after_sync_s IS NOT OLD.offset_after_sync_s OR NEW.battery IS NOT OLD.battery
  OR NEW.resolution IS NOT OLD.resolution OR NEW.started_at IS NOT OLD.started_at
  OR NEW.started_by IS NOT OLD.started_by
BEGIN SELECT RAISE(ABORT, 'immutable: a docking is completed once and never changed'); END;

-- Evidence items gain the docking they came from, their path and time on the device, and a
-- canonical-JSON custody record (clock offset, corrected start time, GPS track). The case
-- becomes optional: footage docked at the end of a shift is filed under a case later, once.
-- SQLite cannot relax NOT NULL in place, so the table is rebuilt (DROP TABLE fires no
-- triggers, and nothing references evidence_items yet).
CREATE TABLE evidence_items_v6 (
    id             TEXT PRIMARY KEY,
    case_id        TEXT REFERENCES cases (id),
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
    docking_id     TEXT REFERENCES dockings (id),
    device_path    TEXT,
    device_mtime   TEXT,
    custody        TEXT NOT NULL DEFAULT '{}',
    CHECK (statement_id IS NULL OR case_id IS NOT NULL),
    CHECK ((device_path IS NULL) = (docking_id IS NULL))
) STRICT;

INSERT INTO evidence_items_v6 (id, case_id, statement_id, sha256, sm3, size, kind, source,
    original_name, original_path, captured_at, imported_at, imported_by, device_serial,
    officer_number, marked)
SELECT id, case_id, statement_id, sha256, sm3, size, kind, source, original_name,
    original_path, captured_at, imported_at, imported_by, device_serial, officer_number, marked
FROM evidence_items;

DROP TABLE evidence_items;
ALTER TABLE evidence_items_v6 RENAME TO evidence_items;

CREATE INDEX evidence_items_case ON evidence_items (case_id);
CREATE INDEX evidence_items_docking ON evidence_items (docking_id);
-- A file imported from a folder is held once per case (and once among unfiled evidence:
-- NULLs never collide in UNIQUE, hence the second index). A file taken from a recorder is its
-- own item wherever its bytes also came from, since its custody differs; it is taken once,
-- and recognised on a later docking without being read again.
CREATE UNIQUE INDEX evidence_items_folder_case ON evidence_items (case_id, sha256)
    WHERE device_path IS NULL;
CREATE UNIQUE INDEX evidence_items_folder_unfiled ON evidence_items (sha256)
    WHERE device_path IS NULL AND case_id IS NULL;
CREATE UNIQUE INDEX evidence_items_device_file
    ON evidence_items (device_serial, device_path, size, device_mtime)
    WHERE device_path IS NOT NULL;

CREATE TRIGGER evidence_items_no_delete BEFORE DELETE ON evidence_items
BEGIN SELECT RAISE(ABORT, 'immutable: an evidence record is never deleted'); END;

-- The only change an evidence record ever sees: unfiled evidence is filed under a case once.
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
