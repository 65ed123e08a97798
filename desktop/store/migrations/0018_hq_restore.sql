-- 0018: receipts HQ lost when it was restored from a backup (sync.protocol.restore).
--
-- A receipted outbox entry keeps its receipt (0013's outbox_receipt_kept). When HQ signs that
-- it was restored and no longer holds a receipt it gave, the entry must go again: the lost
-- receipt is first kept here, with the restore statement that lost it, and only then may the
-- entry leave the receipted state. Rows here are never changed or deleted.

CREATE TABLE outbox_lost_receipts (
    op_id     TEXT NOT NULL REFERENCES outbox (op_id),
    receipt   BLOB NOT NULL,
    restore   BLOB NOT NULL,
    lost_at   TEXT NOT NULL,
    PRIMARY KEY (op_id, receipt)
) STRICT;
CREATE TRIGGER outbox_lost_receipts_no_update BEFORE UPDATE ON outbox_lost_receipts
BEGIN SELECT RAISE(ABORT, 'immutable: a lost receipt stays on record'); END;
CREATE TRIGGER outbox_lost_receipts_no_delete BEFORE DELETE ON outbox_lost_receipts
BEGIN SELECT RAISE(ABORT, 'immutable: a lost receipt stays on record'); END;

DROP TRIGGER outbox_receipt_kept;
CREATE TRIGGER outbox_receipt_kept BEFORE UPDATE ON outbox
WHEN OLD.receipt IS NOT NULL AND (NEW.receipt IS NULL OR NEW.state IS NOT 'receipted')
    AND NOT EXISTS (SELECT 1 FROM outbox_lost_receipts
                    WHERE op_id = OLD.op_id AND receipt = OLD.receipt)
BEGIN SELECT RAISE(ABORT, 'immutable: a receipted entry keeps its receipt'); END;
