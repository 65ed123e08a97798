-- 0017 (issue 16, context): the bytes of records announced once and never rebuilt.
--
-- outbox_payloads: the exact bytes of a `statement_context` or `evidence_record`
--   (sync/protocol/context.py), written in the transaction that announces them. Unlike a
--   statement's content or a docking's certificate, these records describe rows that may
--   still change after they were written (a case's cause, an officer's unit, an evidence item
--   filed under a case later): the record is what stood when it was written, so its bytes are
--   kept, not rebuilt, and the sync sends exactly what the outbox announced. One per kind and
--   entity, never changed, never deleted.
-- meta 'context_records_backfill': statements sealed and evidence imported before this
--   migration have no such records yet; the first login after it writes them
--   (desktop/store/context_backfill.py) and removes the mark in the same
--   transaction.

CREATE TABLE outbox_payloads (
    kind      TEXT NOT NULL CHECK (kind IN ('statement_context', 'evidence_record')),
    entity_id TEXT NOT NULL,
    payload   BLOB NOT NULL,
    PRIMARY KEY (kind, entity_id)
) STRICT;
CREATE TRIGGER outbox_payloads_no_update BEFORE UPDATE ON outbox_payloads
BEGIN SELECT RAISE(ABORT, 'immutable: an announced record keeps its bytes'); END;
CREATE TRIGGER outbox_payloads_no_delete BEFORE DELETE ON outbox_payloads
BEGIN SELECT RAISE(ABORT, 'immutable: an announced record keeps its bytes'); END;

INSERT INTO meta (key, value) VALUES ('context_records_backfill', 'pending')
    ON CONFLICT (key) DO NOTHING;
