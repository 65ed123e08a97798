"""The store as the sync engine sees it: every record a real flow produces can be sent with
exactly the bytes its outbox entry announced, media stream from the vault from any offset,
receipts are kept only when they verify and name their entry, and what was announced never
changes."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from desktop.domain.errors import UserError
from desktop.services import sync, sync_round
from desktop.services.demo import run_demo
from desktop.store import audit, penalty_records, sync_state
from desktop.store.evidence import blob_path
from desktop.store.sync_state import ReceiptRefused
from sync.client.source import UploadProgress
from sync.protocol.merkle import verify_consistency
from sync.protocol.records import RecordKind
from tests.services.sync_support import TestHq, copy_store, enrolled, login


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store: sealed statement, signed PDF, pen captures, docked evidence, keys."""
    workdir = tmp_path_factory.mktemp("sync") / "demo"
    run_demo(workdir, lambda _line: None)
    return workdir


@pytest.fixture
def workdir(pristine: Path, tmp_path: Path) -> Path:
    return copy_store(pristine, tmp_path)


def test_every_kind_a_real_flow_produces_is_sent_as_announced(workdir: Path) -> None:
    store = login(workdir)
    try:
        source = sync.StoreSyncSource(store)
        items = source.pending()
        # The demo store decides no penalty without HQ's datasets: every kind but those of
        # a penalty case (tests/hq/test_penalty_records.py sends those from a decided case).
        assert set(Counter(i.entry.kind for i in items)) == (
            set(RecordKind) - penalty_records.KINDS)
        for item in items:
            entry = item.entry
            if item.is_media:
                data = b"".join(source.media_chunks(entry, 0, 65536))
            else:
                data = source.payload(entry)
            assert (hashlib.sha256(data).hexdigest(), len(data)) == (entry.sha256, entry.size), (
                entry.kind, entry.entity_id)
        assert {i.entry.kind for i in items if i.is_media} == {RecordKind.EVIDENCE_ITEM,
                                                               RecordKind.STATEMENT_PDF}
        # Send order: events and tree heads first, media last; device order within.
        priorities = [(i.entry.kind.priority if i.entry.kind is not RecordKind.EVIDENCE_ITEM
                       else 2) for i in items]
        assert priorities[0] == 0 and priorities[-1] >= 2
    finally:
        store.close()


def test_a_medium_resumes_from_any_offset(workdir: Path) -> None:
    store = login(workdir)
    try:
        source = sync.StoreSyncSource(store)
        media = [i.entry for i in source.pending() if i.entry.kind is RecordKind.EVIDENCE_ITEM]
        entry = max(media, key=lambda e: e.size)
        whole = b"".join(source.media_chunks(entry, 0, 4096))
        for start in (1, entry.size // 3, entry.size - 1, entry.size):
            assert b"".join(source.media_chunks(entry, start, 1000)) == whole[start:]
    finally:
        store.close()


def test_the_audit_consistency_proof_verifies(workdir: Path) -> None:
    store = login(workdir)
    try:
        source = sync.StoreSyncSource(store)
        with store.reading() as conn:
            heads = audit.heads(conn, store.store_id)
        old, new = heads[0].head, heads[-1].head
        proof = source.audit_consistency(old.tree_size, new.tree_size)
        assert verify_consistency(old.tree_size, new.tree_size, old.root_hash, new.root_hash,
                                  proof)
    finally:
        store.close()


def test_receipts_are_kept_only_when_they_verify_and_name_their_entry(workdir: Path) -> None:
    hq, impostor = TestHq(), TestHq()
    with enrolled(workdir, hq) as (store, source):
        first, second = source.pending()[:2]
        with pytest.raises(ReceiptRefused):
            source.save_receipt(first.entry.op_id, impostor.receipt(first.entry))
        with pytest.raises(ReceiptRefused):
            source.save_receipt(first.entry.op_id, hq.receipt(first.entry, sha256="0" * 64))
        with pytest.raises(ReceiptRefused):  # a receipt for another entry
            source.save_receipt(first.entry.op_id, hq.receipt(second.entry))
        source.save_receipt(first.entry.op_id, hq.receipt(first.entry))
        left = [i.entry.op_id for i in source.pending()]
        assert first.entry.op_id not in left and second.entry.op_id in left
        with store.reading() as conn:
            kept = sync_state.entry(conn, first.entry.op_id)
        assert kept.receipt is not None and kept.receipt.verify(hq.key.public_key())
        # The log head: verified against the pinned key, never replaced by an older one.
        source.save_log_head(hq.log_head())
        with pytest.raises(ReceiptRefused):
            source.save_log_head(impostor.log_head())
        assert source.last_log_head() == hq.log_head()


def test_progress_and_failures_are_kept_and_shown_in_words(workdir: Path) -> None:
    hq = TestHq()
    with enrolled(workdir, hq) as (store, source):
        media = next(i for i in source.pending() if i.is_media)
        source.save_upload(media.entry.op_id, UploadProgress("/v1/uploads/7", 8 << 20))
        conflict = source.pending()[0]
        source.save_failure(conflict.entry.op_id, "conflict", "same id, other content", None)
        later = source.pending()[0]
        source.save_failure(later.entry.op_id, "insufficient_storage", "disk full",
                            sync.now_ms() + 60_000)
        pending = {i.entry.op_id: i for i in source.pending()}
        assert pending[media.entry.op_id].upload == UploadProgress("/v1/uploads/7",
                                                                          8 << 20)
        assert conflict.entry.op_id not in pending and later.entry.op_id not in pending
        shown = sync.status(store)
        assert shown.hq_url == "http://127.0.0.1:9" and shown.waiting_for_a_person == 1
        assert any("set aside at HQ" in e for e in shown.errors)
        assert any("disk is full" in e for e in shown.errors)
        assert shown.pending_records == len(pending) + 2 and shown.pending_bytes > 0


def test_what_an_entry_announced_never_changes(workdir: Path) -> None:
    store = login(workdir)
    try:
        for change in ("UPDATE outbox SET sha256 = 'x'", "UPDATE outbox SET size = size + 1",
                       "DELETE FROM outbox"):
            with pytest.raises(UserError, match="cannot be changed"), store.transaction() as tx:
                tx.conn.execute(change)
    finally:
        store.close()


def test_enrolment_and_rounds_are_audited(workdir: Path) -> None:
    hq = TestHq()
    with enrolled(workdir, hq) as (store, _source):
        sync.record_round(store, {"sent": 3, "receipts": 3, "failed": 0})
        with store.reading() as conn:
            actions = [r.action for r in audit.records(conn)]
        assert actions[-2:] == ["sync.enrolled", "sync.round"]
        assert sync.status(store).last_round == (
            '{"failed":0,"receipts":3,"sent":3,"stopped":null}')


def test_a_round_without_hq_is_kept_as_a_problem_in_words(workdir: Path) -> None:
    hq = TestHq()
    with enrolled(workdir, hq) as (store, _source):  # enrolled at a port nobody listens on
        report = sync_round.run_round(store)
        assert report.result.offline and not report.complete
        assert report.problems == ("HQ could not be reached; it will be sent later.",)
        shown = sync.status(store)
        assert shown.errors == ("HQ could not be reached; it will be sent later.",)
        assert shown.pending_records > 0 and shown.receipted == 0
        with pytest.raises(UserError, match="not a secure address"):
            sync_round.run_round(store, hq_url="http://192.0.2.1:8470")


def test_a_missing_or_damaged_local_copy_stops_only_its_item(workdir: Path) -> None:
    store = login(workdir)
    try:
        source = sync.StoreSyncSource(store)
        media = next(i.entry for i in source.pending()
                     if i.entry.kind is RecordKind.EVIDENCE_ITEM)
        blob_path(workdir, media.sha256, store.vault_key()).unlink()
        with pytest.raises(ValueError, match=media.entity_id):  # what the engine catches
            list(source.media_chunks(media, 0, 4096))
        record = next(i.entry for i in source.pending() if i.entry.kind is RecordKind.STATEMENT)
        ghost = replace(record, entity_id="no-such-statement")
        with pytest.raises(ValueError, match="no-such-statement"):
            source.payload(ghost)
        assert sync.error_words("local_data").startswith("The stored record differs")
    finally:
        store.close()
