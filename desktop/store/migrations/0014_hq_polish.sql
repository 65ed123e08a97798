-- 0014: HQ's clock as this device last measured it, and why HQ's last
-- reference data was refused (issue 15).
--
-- hq_offset_ms: HQ's time minus this device's clock, in ms, measured from `SR-HQ-Time` in the
--   last round that reached HQ (docs/protocols/sync.md §1); hq_offset_at: when (this device's
--   clock). The reference manifest's expiry is HQ's time, so it is judged by this device's
--   clock corrected by that offset: a clock wrong by days judges it right.
-- refdata_refusal: why the last reference manifest was refused, as JSON {"code", "params"};
--   the officer's words are chosen by the code when shown, in the language of the moment.
--   refdata_refused_at: when. Both NULL again once a manifest is accepted.
ALTER TABLE sync_state ADD COLUMN hq_offset_ms INTEGER;
ALTER TABLE sync_state ADD COLUMN hq_offset_at TEXT;
ALTER TABLE sync_state ADD COLUMN refdata_refusal TEXT;
ALTER TABLE sync_state ADD COLUMN refdata_refused_at TEXT;
