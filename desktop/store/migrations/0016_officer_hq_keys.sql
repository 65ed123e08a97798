-- 0016: each officer's own HQ key, and which key each HQ has (decision 27).
--
-- officer_hq_keys: an Ed25519 key per officer that signs the officer's side of every request
--   made to HQ in their session, wrapped under the officer's password exactly like a signing
--   key (Argon2id, AES-256-GCM; wrap context "hq|<key_id>|<officer_id>"). Made at the
--   officer's first login once the device is enrolled; unwrapped at each login and held only
--   in the session's memory. A password change re-wraps it; an administrator's reset (or
--   disabling the officer) cannot, so the key is marked replaced and its wrap erased: its
--   public key stays, for HQ to be told which key the next one replaces.
-- officer_hq_registrations: the key HQ bound to the officer on this device (per HQ id).

CREATE TABLE officer_hq_keys (
    key_id     TEXT PRIMARY KEY,
    officer_id TEXT NOT NULL REFERENCES officers (id),
    public_key BLOB NOT NULL CHECK (length(public_key) = 32),
    salt       BLOB,
    nonce      BLOB,
    ciphertext BLOB,
    kdf        TEXT,
    status     TEXT NOT NULL CHECK (status IN ('active', 'replaced')),
    created_at TEXT NOT NULL,
    created_by TEXT,
    replaced_at TEXT,
    CHECK ((status = 'active') = (ciphertext IS NOT NULL AND replaced_at IS NULL))
) STRICT;
CREATE UNIQUE INDEX officer_hq_keys_one_active ON officer_hq_keys (officer_id)
    WHERE status = 'active';
CREATE TRIGGER officer_hq_keys_fixed BEFORE UPDATE OF
    key_id, officer_id, public_key, created_at, created_by ON officer_hq_keys
BEGIN SELECT RAISE(ABORT, 'immutable: an officer''s HQ key is never changed'); END;
CREATE TRIGGER officer_hq_keys_stays_replaced BEFORE UPDATE ON officer_hq_keys
WHEN OLD.status = 'replaced'
BEGIN SELECT RAISE(ABORT, 'immutable: a replaced HQ key stays replaced'); END;
CREATE TRIGGER officer_hq_keys_no_delete BEFORE DELETE ON officer_hq_keys
BEGIN SELECT RAISE(ABORT, 'immutable: an officer''s HQ key is never deleted'); END;
CREATE TRIGGER officer_hq_keys_no_disabled_officer BEFORE INSERT ON officer_hq_keys
WHEN EXISTS (SELECT 1 FROM officers WHERE id = NEW.officer_id AND disabled_at IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'refused: a disabled officer holds no HQ key'); END;

CREATE TABLE officer_hq_registrations (
    hq_id         TEXT NOT NULL,
    officer_id    TEXT NOT NULL REFERENCES officers (id),
    public_key    BLOB NOT NULL CHECK (length(public_key) = 32),
    registered_at TEXT NOT NULL,
    PRIMARY KEY (hq_id, officer_id)
) STRICT;
