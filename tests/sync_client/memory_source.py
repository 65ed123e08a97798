"""An in-memory `SyncSource` for the sync client's tests: records, media and an audit log.

It holds what a device store would: outbox entries (audit events, tree heads over its own
audit log built with `sync.protocol.merkle`, media), their bytes, the saved uploads, receipts,
failures and the last receipt-log head. Everything it "saves" survives a new `SyncEngine`
over the same object, which is how the tests play a client killed mid-sync. ``calls`` records
the order of the engine's calls (to check, e.g., that an upload is saved before any PATCH).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.client.source import ActingOfficer, Enrolment, PendingItem, UploadProgress
from sync.protocol.auditleaf import AuditLeaf
from sync.protocol.loghead import LogHead
from sync.protocol.merkle import consistency_proof, leaf_hash, root_hash
from sync.protocol.receipt import Receipt
from sync.protocol.records import OutboxEntry, RecordKind
from sync.protocol.restore import RestoreStatement
from sync.protocol.signing import Signed, key_id_for
from sync.protocol.treehead import TreeHead, sign_tree_head

MEDIA_KINDS = frozenset({RecordKind.EVIDENCE_ITEM, RecordKind.STATEMENT_PDF})


@dataclass
class MemorySource:
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    enrolled: Enrolment | None = None
    entries: list[OutboxEntry] = field(default_factory=list)
    payloads: dict[str, bytes] = field(default_factory=dict)
    uploads: dict[str, UploadProgress] = field(default_factory=dict)
    receipts: dict[str, Signed[Receipt]] = field(default_factory=dict)
    failures: dict[str, tuple[str, str, int | None]] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    log_head: Signed[LogHead] | None = None
    leaves: list[bytes] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    officer: ActingOfficer | None = None  # None: the device acts alone (an old client)

    @property
    def device(self) -> str:
        return key_id_for(self.key.public_key())

    # -- building the device's records -----------------------------------------------------

    def _announce(self, kind: RecordKind, entity_id: str, data: bytes) -> OutboxEntry:
        entry = OutboxEntry(op_id=str(uuid.uuid4()), device=self.device,
                            device_seq=len(self.entries) + 1, kind=kind, entity_id=entity_id,
                            sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        self.entries.append(entry)
        self.payloads[entry.op_id] = data
        return entry

    def add_event(self, action: str = "statement.signed") -> OutboxEntry:
        """An audit event: a leaf of the device's audit log, sent as a signature event."""
        leaf = AuditLeaf(idx=len(self.leaves), id=str(uuid.uuid4()),
                         at="2026-12-07T00:00:00+08:00", actor="officer-1", action=action,
                         subject=None, outcome="ok", details={})
        data = leaf.canonical_bytes()
        self.leaves.append(data)
        return self._announce(RecordKind.SIGNATURE_EVENT, leaf.id, data)

    def add_tree_head(self) -> OutboxEntry:
        """A signed head of the audit log as it stands."""
        size = len(self.leaves)
        root = root_hash([leaf_hash(x) for x in self.leaves])
        head = sign_tree_head(TreeHead(size, root, 1_765_000_000_000 + size, "device-audit"),
                              self.key)
        return self._announce(RecordKind.TREE_HEAD, str(size), head.canonical_bytes())

    def add_media(self, data: bytes, kind: RecordKind = RecordKind.EVIDENCE_ITEM,
                  entity_id: str | None = None) -> OutboxEntry:
        return self._announce(kind, entity_id or str(uuid.uuid4()), data)

    def receipted(self) -> set[str]:
        return set(self.receipts)

    # -- SyncSource ------------------------------------------------------------------------

    def enrolment(self) -> Enrolment | None:
        return self.enrolled

    def device_key(self) -> Ed25519PrivateKey:
        return self.key

    def acting_officer(self) -> ActingOfficer | None:
        return self.officer

    def save_officer_registration(self, officer_id: str, public_key_hex: str) -> None:
        self.calls.append(("save_officer_registration", officer_id))
        if self.officer is not None and self.officer.officer_id == officer_id:
            self.officer = replace(self.officer, registered_key=public_key_hex)

    def pending(self) -> list[PendingItem]:
        waiting = {op for op, (_, _, retry_at) in self.failures.items() if retry_at is None}
        items = [PendingItem(entry=e, is_media=e.kind in MEDIA_KINDS,
                             upload=self.uploads.get(e.op_id),
                             attempts=self.attempts.get(e.op_id, 0))
                 for e in self.entries if e.op_id not in self.receipts and e.op_id not in waiting]
        return sorted(items, key=lambda i: (i.entry.kind.priority, i.entry.device_seq))

    def payload(self, entry: OutboxEntry) -> bytes:
        self.calls.append(("payload", entry.op_id))
        return self.payloads[entry.op_id]

    def media_chunks(self, entry: OutboxEntry, start: int, chunk_size: int) -> Iterator[bytes]:
        self.calls.append(("media_chunks", f"{entry.op_id}@{start}"))
        data = self.payloads[entry.op_id]
        for offset in range(start, len(data), chunk_size):
            yield data[offset:offset + chunk_size]

    def audit_consistency(self, from_size: int, to_size: int) -> list[bytes]:
        leaves = [leaf_hash(x) for x in self.leaves[:to_size]]
        return consistency_proof(leaves, from_size)

    def audit_leaves(self, start: int, stop: int) -> list[bytes]:
        return self.leaves[start:stop]

    def save_upload(self, op_id: str, upload: UploadProgress | None) -> None:
        self.calls.append(("save_upload", f"{op_id}@{upload.offset if upload else None}"))
        if upload is None:
            self.uploads.pop(op_id, None)
        else:
            self.uploads[op_id] = upload

    def save_receipt(self, op_id: str, receipt: Signed[Receipt]) -> None:
        self.calls.append(("save_receipt", op_id))
        self.receipts[op_id] = receipt
        self.failures.pop(op_id, None)
        self.uploads.pop(op_id, None)

    def save_failure(self, op_id: str, error: str, message: str, retry_at_ms: int | None
                     ) -> None:
        self.calls.append(("save_failure", f"{op_id}:{error}"))
        self.failures[op_id] = (error, message, retry_at_ms)
        self.attempts[op_id] = self.attempts.get(op_id, 0) + 1

    def last_log_head(self) -> Signed[LogHead] | None:
        return self.log_head

    def save_log_head(self, head: Signed[LogHead]) -> None:
        self.log_head = head

    def accept_restore(self, restore: Signed[RestoreStatement], head: Signed[LogHead]) -> int:
        self.calls.append(("accept_restore", str(restore.body.log_size)))
        lost = [op for op, r in self.receipts.items()
                if r.body.log_index >= restore.body.log_size
                and r.body.hq_time_ms < restore.body.restored_ms]
        for op_id in lost:
            del self.receipts[op_id]
        self.log_head = head
        return len(lost)
