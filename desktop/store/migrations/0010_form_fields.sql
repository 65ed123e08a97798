-- 0010: what a Chinese statement form has beyond the first schema (issue 14 §1).
--
-- sequence: 第N次询问, the how-manieth interview of this person in this case (computed when
--   the statement is opened, or entered by the officer); NULL for an addendum.
-- interpreter / interpreter_language: 翻译人员 and the language interpreted (NULL = none).
-- guardian / guardian_relation: 监护人 or 法定代理人 and how they are related to the party
--   (NULL = none); required before read-back when the party is a minor on the day of the
--   interview (desktop/domain/rules.py).
--
-- All five are NULL when not given (the statements code writes NULL for an empty name), so
-- the audit digest of a row is the same as before this migration unless one was filled in
-- (desktop/store/coverage.py leaves NULLs out of the digest).
ALTER TABLE statements ADD COLUMN sequence INTEGER CHECK (sequence IS NULL OR sequence >= 1);
ALTER TABLE statements ADD COLUMN interpreter TEXT;
ALTER TABLE statements ADD COLUMN interpreter_language TEXT;
ALTER TABLE statements ADD COLUMN guardian TEXT;
ALTER TABLE statements ADD COLUMN guardian_relation TEXT;

-- A signed statement may only move on to sealed, with nothing else changed: the new columns
-- are frozen with the others.
DROP TRIGGER statements_signed_frozen;
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
    AND NEW.created_at IS OLD.created_at AND NEW.sequence IS OLD.sequence
    AND NEW.interpreter IS OLD.interpreter
    AND NEW.interpreter_language IS OLD.interpreter_language
    AND NEW.guardian IS OLD.guardian AND NEW.guardian_relation IS OLD.guardian_relation)
BEGIN SELECT RAISE(ABORT, 'immutable: the statement is signed'); END;
