-- 0008: a real unit's signing identities (issue 10).
--
-- Until now every private key sat in `signing_keys` under the store's data key, which every
-- officer's password unlocks: any logged-in officer could sign as any other, or seal. Now:
--   * trust_roots        the unit's (or bureau's) root certificates, added by an administrator;
--   * signing_identities one certificate per role and holder, with its chain; a retired one
--                        keeps its certificate (old documents still verify) and loses its key;
--   * signing_key_wraps  an officer's or the seal's private key, wrapped (Argon2id, AES-256-GCM)
--                        under the password of the officer who may use it: the officer
--                        themselves, or each seal custodian. The data key alone opens nothing.
-- The statement room's device key (it certifies documents and signs the party's handwriting)
-- is used by whoever is logged in, so it stays under the data key in `device_key_pem`. A key
-- on a hardware token keeps only a reference (`token_ref`, JSON): no key bytes, no PIN.

CREATE TABLE trust_roots (
    fingerprint TEXT PRIMARY KEY,              -- SHA-256 of the DER certificate, hex
    cert_pem    BLOB NOT NULL,
    subject     TEXT NOT NULL,
    added_at    TEXT NOT NULL,
    added_by    TEXT REFERENCES officers (id)
) STRICT;

CREATE TABLE signing_identities (
    id             TEXT PRIMARY KEY,
    role           TEXT NOT NULL CHECK (role IN ('device', 'seal', 'officer')),
    officer_id     TEXT REFERENCES officers (id),
    kind           TEXT NOT NULL CHECK (kind IN ('software', 'pkcs11')),
    cert_pem       BLOB NOT NULL,
    chain_pem      BLOB NOT NULL,
    token_ref      TEXT,
    device_key_pem BLOB,
    status         TEXT NOT NULL CHECK (status IN ('active', 'retired')),
    created_at     TEXT NOT NULL,
    created_by     TEXT REFERENCES officers (id),
    retired_at     TEXT,
    retired_by     TEXT REFERENCES officers (id),
    CHECK ((role = 'officer') = (officer_id IS NOT NULL)),
    CHECK ((kind = 'pkcs11') = (token_ref IS NOT NULL)),
    CHECK (device_key_pem IS NULL OR (role = 'device' AND kind = 'software')),
    CHECK ((status = 'retired') = (retired_at IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX signing_identities_one_active
    ON signing_identities (role, coalesce(officer_id, '')) WHERE status = 'active';

CREATE TABLE signing_key_wraps (
    identity_id TEXT NOT NULL REFERENCES signing_identities (id),
    officer_id  TEXT NOT NULL REFERENCES officers (id),
    salt        BLOB NOT NULL,
    nonce       BLOB NOT NULL,
    ciphertext  BLOB NOT NULL,
    kdf         TEXT NOT NULL,                 -- JSON: {"t":…, "m":…, "p":…}
    created_at  TEXT NOT NULL,
    PRIMARY KEY (identity_id, officer_id)
) STRICT;

-- A certificate, once imported, is what old signatures are checked against: never changed.
CREATE TRIGGER signing_identities_certificate_fixed BEFORE UPDATE OF
    id, role, officer_id, kind, cert_pem, chain_pem, token_ref, created_at, created_by
    ON signing_identities
BEGIN SELECT RAISE(ABORT, 'immutable: a signing certificate is never changed'); END;
CREATE TRIGGER signing_identities_retire_once BEFORE UPDATE OF status ON signing_identities
WHEN OLD.status = 'retired'
BEGIN SELECT RAISE(ABORT, 'immutable: a retired signing identity stays retired'); END;
CREATE TRIGGER signing_identities_no_delete BEFORE DELETE ON signing_identities
BEGIN SELECT RAISE(ABORT, 'immutable: a signing certificate is never deleted'); END;
CREATE TRIGGER trust_roots_no_delete BEFORE DELETE ON trust_roots
BEGIN SELECT RAISE(ABORT, 'immutable: a trust root is never deleted'); END;

-- Keys of earlier stores: the device key stays in use; officers' and the seal's keys were
-- readable by every officer, so they are retired (their certificates kept) and their key
-- bytes dropped with the old table. Such a unit imports its officers' keys again.
INSERT INTO signing_identities (id, role, officer_id, kind, cert_pem, chain_pem,
                                device_key_pem, status, created_at, retired_at)
SELECT lower(hex(randomblob(16))),
       CASE WHEN role = 'device' THEN 'device' WHEN role = 'seal' THEN 'seal' ELSE 'officer' END,
       CASE WHEN role LIKE 'officer:%' THEN substr(role, 9) END,
       'software', cert_pem, chain_pem,
       CASE WHEN role = 'device' THEN key_pem END,
       CASE WHEN role = 'device' THEN 'active' ELSE 'retired' END,
       created_at,
       CASE WHEN role = 'device' THEN NULL ELSE created_at END
FROM signing_keys;

DROP TABLE signing_keys;
