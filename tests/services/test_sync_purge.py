"""The purge rule (sync-hq.md §3.5): a medium's vault copy goes only after a verified receipt
that meets the policy, once the retention time has passed and HQ's log head covers it; the
purge is audited, and the item then reads as held at HQ instead of failing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.domain.errors import UserError
from desktop.services import evidence, sync_purge
from desktop.services.demo import run_demo
from desktop.services.demo_login import DEMO_PASSWORD, DEMO_SECOND_CERTIFICATE
from desktop.store import audit
from desktop.store.evidence import blob_path
from desktop.store.store import StorePaths, unlock
from sync.protocol.receipt import Durability
from sync.protocol.records import RecordKind
from tests.services.sync_support import TestHq, copy_store, enrolled, receipt_everything

LATER = datetime.now(UTC) + timedelta(days=31)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("purge") / "demo"
    run_demo(workdir, lambda _line: None)
    return workdir


@pytest.fixture
def workdir(pristine: Path, tmp_path: Path) -> Path:
    return copy_store(pristine, tmp_path)


def test_media_go_only_after_the_retention_time_and_then_read_as_held_at_hq(
        workdir: Path) -> None:
    hq = TestHq()
    with enrolled(workdir, hq) as (store, source):
        media = [i.entry for i in source.pending() if i.entry.kind is RecordKind.EVIDENCE_ITEM]
        receipt_everything(source, hq)
        today = sync_purge.purge_checks(store)
        assert today and not any(c.eligible for c in today)
        assert all("retention of 30 days" in (c.reason or "") for c in today)

        dry = sync_purge.purge(store, dry_run=True, now=LATER)
        assert len(dry.purged) == len({e.sha256 for e in media}) and dry.freed_bytes > 0
        key = store.vault_key()
        assert all(blob_path(workdir, e.sha256, key).exists() for e in media)

        done = sync_purge.purge(store, now=LATER)
        assert {c.sha256 for c in done.purged} == {e.sha256 for e in media}
        assert not any(blob_path(workdir, e.sha256, key).exists() for e in media)
        with store.reading() as conn:
            purged = [r for r in audit.records(conn) if r.action == "evidence.purged"]
        assert {r.subject for r in purged} == {e.entity_id for e in media}

        item = media[0].entity_id
        with pytest.raises(UserError, match=r"held at HQ \(receipt "):
            evidence.read_item(store, item)
        report = evidence.verify_all(store)
        assert report.ok and report.held_at_hq == len(media)
        assert sync_purge.purge(store, now=LATER).purged == ()  # nothing twice


def test_the_policy_durability_and_the_log_head_hold_media_back(workdir: Path) -> None:
    hq = TestHq()
    with enrolled(workdir, hq) as (store, source):
        for item in source.pending():
            source.save_receipt(item.entry.op_id, hq.receipt(item.entry, Durability.STORED))
        [reason] = {c.reason for c in sync_purge.purge_checks(store, LATER)}
        assert reason is not None and "does not cover it yet" in reason  # no log head kept
        source.save_log_head(hq.log_head())
        assert all(c.eligible for c in sync_purge.purge_checks(store, LATER))

        sync_purge.set_policy(store, Durability.REPLICATED, 7)
        [reason] = {c.reason for c in sync_purge.purge_checks(store, LATER)}
        assert reason == "HQ holds it as “stored”; the policy asks for “replicated”."
        with store.reading() as conn:
            changed = [(r.subject, r.details) for r in audit.records(conn)
                       if r.action == "setting.changed"]
        assert changed[-2:] == [("purge_durability", '{"value":"replicated"}'),
                                ("purge_retention_days", '{"value":7}')]


def test_only_an_administrator_purges_and_nothing_unacknowledged_goes(workdir: Path) -> None:
    hq = TestHq()
    with enrolled(workdir, hq) as (store, _source):
        checks = sync_purge.purge_checks(store, LATER)
        assert checks and all(c.reason == "HQ has not acknowledged it yet." for c in checks)
        assert sync_purge.purge(store, now=LATER).purged == ()
    officer = unlock(StorePaths(workdir), DEMO_SECOND_CERTIFICATE, DEMO_PASSWORD)
    try:
        with pytest.raises(UserError, match="Only an administrator"):
            sync_purge.purge(officer, now=LATER)
        with pytest.raises(UserError, match="Only an administrator"):
            sync_purge.set_policy(officer, retention_days=0)
    finally:
        officer.close()
