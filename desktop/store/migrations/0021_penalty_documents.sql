-- 0021 (issue 17, penalty documents): the signed documents of a penalty decision and how each
-- was served (送达), and the per-kind, per-unit, per-year counters of their numbers (文号).
--
-- penalty_documents: one signed PDF per decision and kind (责令改正通知书, 行政处罚事先告知书,
--   行政处罚决定书, 当场处罚决定书, 不予行政处罚决定书), kept as evidence like a statement's PDF
--   (0004): never changed, never deleted. `decision_id` names the penalty decision (its table
--   comes with another migration; no foreign key here on purpose). The service record says
--   how the party received it: their signature from the pad in the receipt box (`receipt`
--   'signed': the strokes' canonical JSON, the picture printed and the capture digest that
--   binds them to the page), or their refusal to sign for it, with the reason and a witness
--   ('refused', printed on the document as art. 52 asks).
-- penalty_document_numbers: the last number given per kind, series and year (`unit`: the
--   agency's abbreviation the number prints, 示综执); it only ever moves on by one, so a
--   number is never given twice nor skipped back.

CREATE TABLE penalty_documents (
    id                TEXT PRIMARY KEY,
    decision_id       TEXT NOT NULL,
    case_id           TEXT NOT NULL REFERENCES cases (id),
    kind              TEXT NOT NULL CHECK (kind IN ('order_to_correct', 'prior_notice',
                                                    'decision', 'on_the_spot', 'no_penalty')),
    number            TEXT NOT NULL UNIQUE,
    pdf               BLOB NOT NULL,
    sha256            TEXT NOT NULL CHECK (length(sha256) = 64),
    pages             INTEGER NOT NULL CHECK (pages > 0),
    content_digest    TEXT NOT NULL CHECK (length(content_digest) = 64),
    served_at         TEXT NOT NULL,
    receipt           TEXT NOT NULL CHECK (receipt IN ('signed', 'refused')),
    receipt_record    BLOB,
    receipt_png       BLOB,
    receipt_digest    TEXT,
    refusal_reason    TEXT,
    witness_name      TEXT,
    witness_id_number TEXT,
    -- the party signed a waiver of the notice's periods above their receipt (prior notice)
    rights_waived     INTEGER NOT NULL DEFAULT 0 CHECK (rights_waived IN (0, 1)),
    created_at        TEXT NOT NULL,
    UNIQUE (decision_id, kind),
    CHECK (rights_waived = 0 OR (kind = 'prior_notice' AND receipt = 'signed')),
    CHECK ((receipt = 'signed' AND receipt_record IS NOT NULL AND receipt_png IS NOT NULL
            AND length(receipt_digest) = 64 AND refusal_reason IS NULL AND witness_name IS NULL)
        OR (receipt = 'refused' AND receipt_record IS NULL AND receipt_png IS NULL
            AND receipt_digest IS NULL AND length(trim(refusal_reason)) > 0
            AND length(trim(witness_name)) > 0))
) STRICT;
CREATE INDEX penalty_documents_by_decision ON penalty_documents (decision_id);

CREATE TRIGGER penalty_documents_no_update BEFORE UPDATE ON penalty_documents
BEGIN SELECT RAISE(ABORT, 'immutable: a signed penalty document is never changed'); END;
CREATE TRIGGER penalty_documents_no_delete BEFORE DELETE ON penalty_documents
BEGIN SELECT RAISE(ABORT, 'immutable: a signed penalty document is never deleted'); END;

CREATE TABLE penalty_document_numbers (
    kind  TEXT NOT NULL,
    unit  TEXT NOT NULL,
    year  INTEGER NOT NULL,
    last  INTEGER NOT NULL CHECK (last >= 1),
    PRIMARY KEY (kind, unit, year)
) STRICT;
CREATE TRIGGER penalty_document_numbers_forward BEFORE UPDATE ON penalty_document_numbers
WHEN NEW.last <> OLD.last + 1 OR NEW.kind <> OLD.kind OR NEW.unit <> OLD.unit
     OR NEW.year <> OLD.year
BEGIN SELECT RAISE(ABORT, 'a document number only moves on by one'); END;
CREATE TRIGGER penalty_document_numbers_no_delete BEFORE DELETE ON penalty_document_numbers
BEGIN SELECT RAISE(ABORT, 'a document number is never given back'); END;
