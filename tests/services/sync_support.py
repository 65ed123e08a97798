"""A demo store to sync, and HQ's side of receipts for tests that do not need a server.

The receipts are the real format signed with a real Ed25519 key standing in for HQ's receipt
key; the end-to-end tests (tests/cli/test_sync_cli.py) use the real HQ instead.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.services import sync
from desktop.services.demo import DEMO_OFFICERS
from desktop.services.demo_login import DEMO_PASSWORD
from desktop.store.store import Store, StorePaths, unlock
from sync.client.source import Enrolment
from sync.protocol.loghead import LogHead
from sync.protocol.merkle import leaf_hash, root_hash
from sync.protocol.receipt import Durability, Receipt
from sync.protocol.records import OutboxEntry
from sync.protocol.signing import Signed, key_id_for, sign

HQ_ID = "hq-test-01"
HQ_URL = "http://127.0.0.1:9"


class TestHq:
    """HQ's receipt key and receipt log, in memory."""

    __test__ = False

    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.leaves: list[bytes] = []
        self.time_ms = int(time.time() * 1000)

    def enrolment(self, device_id: str) -> Enrolment:
        return Enrolment(HQ_URL, HQ_ID, device_id, self.key.public_key())

    def receipt(self, entry: OutboxEntry, durability: Durability = Durability.STORED,
                *, sha256: str | None = None) -> Signed[Receipt]:
        body = Receipt(receipt_id=str(uuid.uuid4()), hq=HQ_ID, device=entry.device,
                       device_seq=entry.device_seq, op_id=entry.op_id, kind=entry.kind,
                       record_id=entry.entity_id, sha256=sha256 or entry.sha256,
                       size=entry.size, hq_time_ms=self.time_ms, durability=durability,
                       log_index=len(self.leaves))
        self.leaves.append(leaf_hash(body.canonical_bytes()))
        return sign(body, self.key)

    def log_head(self) -> Signed[LogHead]:
        return sign(LogHead(HQ_ID, len(self.leaves), root_hash(self.leaves), self.time_ms),
                    self.key)


def login(workdir: Path) -> Store:
    return unlock(StorePaths(workdir), DEMO_OFFICERS[0].certificate_no, DEMO_PASSWORD)


@contextmanager
def enrolled(workdir: Path, hq: TestHq) -> Iterator[tuple[Store, sync.StoreSyncSource]]:
    """The demo store logged in and enrolled with `hq`."""
    store = login(workdir)
    try:
        source = sync.StoreSyncSource(store)
        sync.save_enrolment(store, hq.enrolment(key_id_for(source.device_key().public_key())))
        yield store, source
    finally:
        store.close()


def copy_store(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo"
    shutil.copytree(pristine, copy)
    return copy


def receipt_everything(source: sync.StoreSyncSource, hq: TestHq) -> int:
    """Acknowledge every pending entry as HQ would; the number acknowledged."""
    items = source.pending()
    for item in items:
        source.save_receipt(item.entry.op_id, hq.receipt(item.entry))
    source.save_log_head(hq.log_head())
    return len(items)
