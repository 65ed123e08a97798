-- 0007: the party's pen captures behind a signed statement, kept with it. The PDF holds only
-- the pictures; these rows hold the strokes (time, position, pressure), the picture printed,
-- any fingerprint, and the capture digest that binds them to the page they were drawn on.
-- Written in the transaction that seals the statement; never changed nor deleted.
CREATE TABLE signature_captures (
    statement_id TEXT NOT NULL REFERENCES statements (id),
    purpose      TEXT NOT NULL CHECK (purpose IN ('signature', 'declaration')),
    page_index   INTEGER NOT NULL CHECK (page_index >= 0),
    record       BLOB NOT NULL,
    png          BLOB NOT NULL,
    fingerprint  BLOB,
    digest       TEXT NOT NULL CHECK (length(digest) = 64),
    PRIMARY KEY (statement_id, purpose, page_index)
) STRICT;

CREATE TRIGGER signature_captures_no_update BEFORE UPDATE ON signature_captures
BEGIN SELECT RAISE(ABORT, 'immutable: a signature capture is never changed'); END;
CREATE TRIGGER signature_captures_no_delete BEFORE DELETE ON signature_captures
BEGIN SELECT RAISE(ABORT, 'immutable: a signature capture is never deleted'); END;
