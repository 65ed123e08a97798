-- 0020 (issue 17, penalty decisions and legal review; decision 39).
--
-- penalty_decisions: one row per decision (行政处罚决定) of a case: who drafts it, its state,
--   the facts, the engine's evaluation and the officer's choice as they now stand (JSON of
--   legal.discretion.evaluation), which versions of the ``discretion`` standard and the
--   ``laws`` library the evaluation used (name, HQ version, SHA-256 of the dataset's bytes,
--   a label people read) and the hash of the standard's matter row. The row changes as the
--   officer works (a covered row, decision 19: each write is a leaf with its digest); once
--   DECIDED (the decision document signed) it never changes again.
-- penalty_decision_history: every proposal (facts + evaluation, with the datasets used) and
--   every choice (with its deviation and written reason), in order, never changed or deleted:
--   a choice replaced, or a proposal made again on other facts, stays here as it was.
-- penalty_reviews: each legal review (法制审核, art. 58 of the Administrative Penalty Law):
--   the verdict, the written comments, the SHA-256 of the evaluation and choice it judged,
--   and the reviewer's signature over the review's canonical record with the reviewer's own
--   key (identity and SHA-256 of the public key), so it can be verified later. Append-only.

CREATE TABLE penalty_decisions (
    id               TEXT PRIMARY KEY,
    case_id          TEXT NOT NULL REFERENCES cases (id),
    statement_id     TEXT REFERENCES statements (id),
    officer_id       TEXT NOT NULL REFERENCES officers (id),
    state            TEXT NOT NULL
        CHECK (state IN ('draft', 'chosen', 'in_review', 'returned', 'approved', 'decided')),
    facts_json       TEXT,
    evaluation_json  TEXT,
    choice_json      TEXT,
    standard_name    TEXT,
    standard_version INTEGER,
    standard_sha256  TEXT,
    standard_label   TEXT,
    library_name     TEXT,
    library_version  INTEGER,
    library_sha256   TEXT,
    library_label    TEXT,
    matter_row_hash  TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    -- a state past DRAFT has an evaluation; CHOSEN and later have a choice as well
    CHECK (state = 'draft' OR evaluation_json IS NOT NULL),
    CHECK (state IN ('draft') OR choice_json IS NOT NULL),
    CHECK (evaluation_json IS NULL OR (standard_sha256 IS NOT NULL AND matter_row_hash IS NOT NULL))
) STRICT;
CREATE INDEX penalty_decisions_case ON penalty_decisions (case_id, created_at);
CREATE INDEX penalty_decisions_state ON penalty_decisions (state);

CREATE TRIGGER penalty_decisions_fixed BEFORE UPDATE OF
    id, case_id, statement_id, officer_id, created_at ON penalty_decisions
BEGIN SELECT RAISE(ABORT, 'immutable: a decision keeps its case, statement and officer'); END;
CREATE TRIGGER penalty_decisions_decided_frozen BEFORE UPDATE ON penalty_decisions
WHEN OLD.state = 'decided'
BEGIN SELECT RAISE(ABORT, 'immutable: a decided penalty decision is never changed'); END;
CREATE TRIGGER penalty_decisions_no_delete BEFORE DELETE ON penalty_decisions
BEGIN SELECT RAISE(ABORT, 'immutable: a penalty decision is never deleted'); END;

CREATE TABLE penalty_decision_history (
    decision_id      TEXT NOT NULL REFERENCES penalty_decisions (id),
    seq              INTEGER NOT NULL CHECK (seq >= 1),
    kind             TEXT NOT NULL CHECK (kind IN ('proposal', 'choice')),
    body_json        TEXT NOT NULL,
    standard_version INTEGER,
    standard_sha256  TEXT,
    library_version  INTEGER,
    library_sha256   TEXT,
    matter_row_hash  TEXT NOT NULL,
    officer_id       TEXT NOT NULL REFERENCES officers (id),
    at               TEXT NOT NULL,
    PRIMARY KEY (decision_id, seq)
) STRICT;
CREATE TRIGGER penalty_decision_history_no_update BEFORE UPDATE ON penalty_decision_history
BEGIN SELECT RAISE(ABORT, 'immutable: a proposal or choice once made is kept as it was'); END;
CREATE TRIGGER penalty_decision_history_no_delete BEFORE DELETE ON penalty_decision_history
BEGIN SELECT RAISE(ABORT, 'immutable: a proposal or choice once made is kept as it was'); END;

CREATE TABLE penalty_reviews (
    id               TEXT PRIMARY KEY,
    decision_id      TEXT NOT NULL REFERENCES penalty_decisions (id),
    reviewer_id      TEXT NOT NULL REFERENCES officers (id),
    verdict          TEXT NOT NULL CHECK (verdict IN ('approved', 'returned')),
    comments         TEXT NOT NULL,
    reviewed_sha256  TEXT NOT NULL,
    at               TEXT NOT NULL,
    identity_id      TEXT NOT NULL REFERENCES signing_identities (id),
    key_fingerprint  TEXT NOT NULL,
    signature        TEXT NOT NULL,
    CHECK (verdict = 'approved' OR length(trim(comments)) > 0)
) STRICT;
CREATE INDEX penalty_reviews_decision ON penalty_reviews (decision_id, at);
CREATE TRIGGER penalty_reviews_no_update BEFORE UPDATE ON penalty_reviews
BEGIN SELECT RAISE(ABORT, 'immutable: a signed legal review is never changed'); END;
CREATE TRIGGER penalty_reviews_no_delete BEFORE DELETE ON penalty_reviews
BEGIN SELECT RAISE(ABORT, 'immutable: a signed legal review is never deleted'); END;
