-- 0023 (issue 17, the unit's legal particulars): what an administrator sets once per store for
-- the penalty documents to print (decision 51): the abbreviation of the unit in document
-- numbers (文号: 南综执), the body that hears an application for administrative
-- reconsideration (复议机关), the court where the party may sue, and how a fine is paid (the
-- channels art. 59 (五) and the decision's payment terms name: payee, bank, account, method).
--
-- unit_profiles: one row per setting, never changed nor deleted; the one in force is the
--   highest `version`. An earlier setting stays readable, so a document signed under it can
--   still be explained, and the audit leaf of each setting (`setting.changed`, subject
--   `unit_profile`) carries the version and the SHA-256 of what was set.

CREATE TABLE unit_profiles (
    version              INTEGER PRIMARY KEY CHECK (version > 0),
    abbreviation         TEXT NOT NULL CHECK (length(trim(abbreviation)) > 0),
    reconsideration_body TEXT NOT NULL CHECK (length(trim(reconsideration_body)) > 0),
    court                TEXT NOT NULL CHECK (length(trim(court)) > 0),
    payee                TEXT NOT NULL CHECK (length(trim(payee)) > 0),
    bank                 TEXT NOT NULL CHECK (length(trim(bank)) > 0),
    account              TEXT NOT NULL CHECK (length(trim(account)) > 0),
    payment_method       TEXT NOT NULL CHECK (length(trim(payment_method)) > 0),
    set_at               TEXT NOT NULL,
    set_by               TEXT NOT NULL REFERENCES officers (id)
) STRICT;

CREATE TRIGGER unit_profiles_no_update BEFORE UPDATE ON unit_profiles
BEGIN SELECT RAISE(ABORT, 'immutable: a unit profile once set is never changed'); END;
CREATE TRIGGER unit_profiles_no_delete BEFORE DELETE ON unit_profiles
BEGIN SELECT RAISE(ABORT, 'immutable: a unit profile once set is never deleted'); END;
