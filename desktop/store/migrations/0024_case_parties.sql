-- 0024 (issue 17, a unit party; decision 54): who the party (当事人) of a case is.
--
-- A case with no row here has the person interviewed as its party, as before. A row names
-- the party: 'unit' with the particulars art. 59 of the Administrative Penalty Law has a
-- decision print for a unit (名称, 统一社会信用代码, 法定代表人（负责人）, 住所, a phone), or
-- 'person' (back to the interviewee, e.g. after a unit was named by mistake). The one in
-- force is the highest `version` of the case. Rows are never changed nor deleted: a later
-- version is a correction, which says why (`reason`, required from version 2 on), so that
-- what a document signed earlier printed can always be explained, and by whom and when it
-- changed. Each row's audit leaf (`case.party_set` / `case.party_changed`, subject the case)
-- carries its record digest (audit verify covers the table).

CREATE TABLE case_parties (
    case_id              TEXT NOT NULL REFERENCES cases (id),
    version              INTEGER NOT NULL CHECK (version > 0),
    kind                 TEXT NOT NULL CHECK (kind IN ('person', 'unit')),
    name                 TEXT,
    credit_code          TEXT,
    representative       TEXT,
    representative_title TEXT CHECK (representative_title IN ('legal_representative',
                                                               'principal')),
    address              TEXT,
    phone                TEXT,
    reason               TEXT NOT NULL DEFAULT '',
    set_at               TEXT NOT NULL,
    set_by               TEXT NOT NULL REFERENCES officers (id),
    PRIMARY KEY (case_id, version),
    CHECK (version = 1 OR length(trim(reason)) > 0),
    CHECK (
        (kind = 'unit'
         AND length(trim(name)) > 0 AND length(credit_code) = 18
         AND length(trim(representative)) > 0 AND representative_title IS NOT NULL
         AND length(trim(address)) > 0 AND phone IS NOT NULL)
        OR
        (kind = 'person'
         AND name IS NULL AND credit_code IS NULL AND representative IS NULL
         AND representative_title IS NULL AND address IS NULL AND phone IS NULL)
    )
) STRICT;

CREATE TRIGGER case_parties_no_update BEFORE UPDATE ON case_parties
BEGIN SELECT RAISE(ABORT, 'immutable: a case''s party once named is never changed'); END;
CREATE TRIGGER case_parties_no_delete BEFORE DELETE ON case_parties
BEGIN SELECT RAISE(ABORT, 'immutable: a case''s party once named is never deleted'); END;
