"""HQ's countersignature catches a store put back to an older copy at login, even when the
older copy comes with its own older anchor and high-water mark (everything the desktop can
write itself); the store that HQ countersigned logs in as before."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop.services import sync
from desktop.services.backup import create_backup
from desktop.services.backup_restore import OlderBackup, restore_backup
from desktop.services.demo import DEMO_OFFICERS, run_demo
from desktop.services.demo_login import DEMO_PASSWORD
from desktop.store import countersign
from desktop.store.store import StorePaths, StoreRolledBack
from sync.protocol.records import RecordKind
from tests.services.sync_support import TestHq, copy_store, enrolled, login, receipt_everything

DEVICE_FILES = ("store.db", "anchor.json", "highwater.mark")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("countersign") / "demo"
    run_demo(workdir, lambda _line: None)
    return workdir


def test_an_older_copy_of_the_store_is_refused_after_hq_countersigned(
        pristine: Path, tmp_path: Path) -> None:
    workdir = copy_store(pristine, tmp_path)
    older = tmp_path / "older"
    older.mkdir()
    for name in DEVICE_FILES:
        shutil.copy2(workdir / name, older / name)

    hq = TestHq()
    with enrolled(workdir, hq) as (store, source):
        store.sign_tree_head()  # the enrolment's events under a head
        assert receipt_everything(source, hq) > 0
        sync.record_round(store, {"sent": 1})
        countersigned = store.sign_tree_head().head.tree_size
        [head_entry] = [i.entry for i in source.pending()
                        if i.entry.kind is RecordKind.TREE_HEAD]
        source.save_receipt(head_entry.op_id, hq.receipt(head_entry))
    kept = countersign.read(StorePaths(workdir).countersign)
    assert kept is not None and kept.head.head.tree_size == countersigned

    login(workdir).close()  # the store HQ countersigned opens as before

    for name in DEVICE_FILES:  # everything the desktop writes itself, put back
        shutil.copy2(older / name, workdir / name)
    for stale in workdir.glob("store.db-*"):
        stale.unlink()
    with pytest.raises(StoreRolledBack, match=f"HQ countersigned {countersigned}"):
        login(workdir)


def test_a_forged_countersignature_is_refused(pristine: Path, tmp_path: Path) -> None:
    workdir = copy_store(pristine, tmp_path)
    hq = TestHq()
    with enrolled(workdir, hq) as (store, source):
        store.sign_tree_head()
        receipt_everything(source, hq)
    path = StorePaths(workdir).countersign
    kept = countersign.read(path)
    assert kept is not None
    impostor = TestHq()
    countersign.write(path, countersign.CountersignedHead(
        kept.store_id, kept.head, kept.receipt, impostor.key.public_key().public_bytes_raw()))
    with pytest.raises(StoreRolledBack, match="not valid for this store"):
        login(workdir)


def test_a_forced_restore_of_an_older_backup_sets_hq_s_countersignature_aside(
        pristine: Path, tmp_path: Path) -> None:
    workdir = copy_store(pristine, tmp_path)
    drive = tmp_path / "drive"
    store = login(workdir)
    try:
        create_backup(store, drive)
    finally:
        store.close()
    hq = TestHq()
    with enrolled(workdir, hq) as (store, source):
        store.sign_tree_head()
        receipt_everything(source, hq)
    paths = StorePaths(workdir)
    assert paths.countersign.exists()
    with pytest.raises(OlderBackup):
        restore_backup(drive, workdir, DEMO_OFFICERS[0].certificate_no, DEMO_PASSWORD)
    result = restore_backup(drive, workdir, DEMO_OFFICERS[0].certificate_no, DEMO_PASSWORD,
                            force=True)
    assert result.forced and result.kept_aside is not None
    assert (result.kept_aside / paths.countersign.name).exists()
    assert not paths.countersign.exists()
    login(workdir).close()  # the restored store opens; HQ refuses its trail at the next sync
