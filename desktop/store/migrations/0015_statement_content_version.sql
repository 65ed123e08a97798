-- 0015: the version of a statement's content, fixed when it is signed
-- (decision 28, sync/protocol/statement.py).
--
-- content_version: the `StatementContent` version whose digest the statement's PDF prints
--   and the outbox announces. Written in the transaction that signs the statement, never
--   changed after. NULL on a signed or sealed statement means version 1 (every statement
--   signed before this migration; that program printed version-1 digests), so the audit digest
--   of those rows is the same as before (desktop/store/coverage.py leaves NULLs out); NULL on a
--   draft or a statement in read-back means "not fixed yet: the current version".
ALTER TABLE statements ADD COLUMN content_version INTEGER
    CHECK (content_version IS NULL OR content_version >= 2);

-- A signed statement may only move on to sealed, with nothing else changed: its content
-- version is frozen with the rest (as in 0010, plus content_version).
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
    AND NEW.guardian IS OLD.guardian AND NEW.guardian_relation IS OLD.guardian_relation
    AND NEW.content_version IS OLD.content_version)
BEGIN SELECT RAISE(ABORT, 'immutable: the statement is signed'); END;
