-- 0011 (slice "officers"): an officer can be disabled (decision 24).
--
-- disabled_at: when an administrator disabled the officer; NULL while the officer is active.
--   The row stays: past statements, signatures and audit events name the officer by id.
--   NULL is left out of the audit digest of a row (desktop/store/coverage.py), so the digest
--   of every officer who was never disabled is the same as before this migration.
ALTER TABLE officers ADD COLUMN disabled_at TEXT;

-- A disabled officer is never named on a new statement, nor put there by an edit of a draft.
-- The services check first and say so in the officer's language; these are the last guard.
CREATE TRIGGER statements_no_disabled_officer BEFORE INSERT ON statements
WHEN EXISTS (SELECT 1 FROM officers WHERE disabled_at IS NOT NULL
             AND id IN (NEW.interviewer1_id, NEW.interviewer2_id, NEW.recorder_id))
BEGIN SELECT RAISE(ABORT, 'refused: a disabled officer cannot be named on a statement'); END;

CREATE TRIGGER statements_no_disabled_officer_edit
BEFORE UPDATE OF interviewer1_id, interviewer2_id, recorder_id ON statements
WHEN EXISTS (SELECT 1 FROM officers WHERE disabled_at IS NOT NULL
             AND ((id = NEW.interviewer1_id AND id IS NOT OLD.interviewer1_id)
               OR (id = NEW.interviewer2_id AND id IS NOT OLD.interviewer2_id)
               OR (id = NEW.recorder_id AND id IS NOT OLD.recorder_id)))
BEGIN SELECT RAISE(ABORT, 'refused: a disabled officer cannot be named on a statement'); END;

-- A disabled officer holds no signing key: disabling deletes their wraps, and none is added.
CREATE TRIGGER signing_key_wraps_no_disabled_officer BEFORE INSERT ON signing_key_wraps
WHEN EXISTS (SELECT 1 FROM officers WHERE id = NEW.officer_id AND disabled_at IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'refused: a disabled officer holds no signing key'); END;
