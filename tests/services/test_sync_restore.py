"""The store's side of HQ's restore statement (sync.protocol.restore): on the demo store,
every entry whose receipt the restore lost is queued again, nothing else; the smaller head is
kept; a purged medium that HQ lost waits for a person in words; the restore is audited; a
statement not signed by the pinned key changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.services.demo import run_demo
from desktop.store import audit, sync_state
from desktop.store.sync_state import ReceiptRefused
from sync.protocol.merkle import root_hash
from sync.protocol.records import RecordKind
from sync.protocol.restore import RestoreStatement
from sync.protocol.signing import sign
from tests.services.sync_support import HQ_ID, TestHq, copy_store, enrolled


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("restore") / "demo"
    run_demo(workdir, lambda _line: None)
    return workdir


@pytest.fixture
def workdir(pristine: Path, tmp_path: Path) -> Path:
    return copy_store(pristine, tmp_path)


def test_what_the_restore_lost_is_queued_again_and_the_restore_audited(workdir: Path) -> None:
    hq = TestHq()
    with enrolled(workdir, hq) as (store, source):
        items = source.pending()
        for item in items:
            source.save_receipt(item.entry.op_id, hq.receipt(item.entry))
        source.save_log_head(hq.log_head())
        assert source.pending() == []
        kept = len(items) // 2  # the backup held the first half of the receipts
        medium = next(i for i in items[kept:] if i.entry.kind is RecordKind.EVIDENCE_ITEM)
        with store.transaction() as tx:  # that medium's local copy had been purged
            sync_state.record_purge(tx.conn, medium.entry.sha256, medium.entry.op_id,
                                    "receipt-id", tx.at, store.officer.id)
        restored = sign(RestoreStatement(HQ_ID, kept, root_hash(hq.leaves[:kept]), None,
                                         hq.time_ms + 1), hq.key)
        hq.leaves = hq.leaves[:kept]  # the restored HQ's log
        with pytest.raises(ReceiptRefused):
            source.accept_restore(sign(restored.body, TestHq().key), hq.log_head())
        assert source.pending() == []  # a forged statement changed nothing

        requeued = source.accept_restore(restored, hq.log_head())
        lost = {i.entry.op_id for i in items[kept:]}
        assert requeued == len(lost) - 1  # all but the purged medium
        assert {i.entry.op_id for i in source.pending()} == lost - {medium.entry.op_id}
        assert source.last_log_head() == hq.log_head()  # smaller, and kept
        with store.reading() as conn:
            waiting = sync_state.entry(conn, medium.entry.op_id)
            assert waiting.last_error == "lost_at_hq_purged"
            assert waiting.receipt is not None  # what HQ once held stays on record
            events = [e for e in audit.events_about(conn, HQ_ID)
                      if e.action == "sync.hq_restored"]
            lost_rows = conn.execute("SELECT count(*) FROM outbox_lost_receipts").fetchone()[0]
        assert lost_rows == len(lost)  # every lost receipt stays on record
        assert len(events) == 1
        details = json.loads(events[0].details)
        assert (details["requeued"], details["purged_and_lost"]) == (requeued, 1)
