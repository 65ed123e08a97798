-- 0004: signing keys and signed statement documents, both inside the encrypted store.
-- A software signing key (officer, statement-room device, unit seal) is kept as PEM here:
-- SQLCipher encrypts it at rest, like the audit device key. A UKey or signing service later
-- keeps only a reference in `kind`/`locator` and no key bytes.
CREATE TABLE signing_keys (
    role        TEXT PRIMARY KEY,          -- 'device', 'seal', 'officer:<officer id>'
    kind        TEXT NOT NULL CHECK (kind = 'software'),
    key_pem     BLOB NOT NULL,
    cert_pem    BLOB NOT NULL,
    chain_pem   BLOB NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;

-- The signed PDF of a statement, kept as evidence: never changed, never deleted.
CREATE TABLE statement_documents (
    statement_id TEXT PRIMARY KEY REFERENCES statements (id),
    pdf          BLOB NOT NULL,
    sha256       TEXT NOT NULL,
    pages        INTEGER NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;

CREATE TRIGGER statement_documents_no_update BEFORE UPDATE ON statement_documents
BEGIN SELECT RAISE(ABORT, 'immutable: a signed document is never changed'); END;
CREATE TRIGGER statement_documents_no_delete BEFORE DELETE ON statement_documents
BEGIN SELECT RAISE(ABORT, 'immutable: a signed document is never deleted'); END;
