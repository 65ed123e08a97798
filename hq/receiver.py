"""Receiving announced records at HQ: verify each one, issue a signed receipt, once.

A device sends an outbox entry (signed with its device key) and the bytes it announces. HQ
checks, in this order: the device is enrolled; the entry's signature verifies with that
device's key; the bytes have the announced SHA-256 and size; and the bytes are what the kind
says (a statement's content parses and is the statement named, an ingest certificate and a
tree head verify with the same device key, an audit leaf is the event named). Then it
answers idempotently: the same record again gets the same receipt; the same record with other
content is refused as a conflict and quarantined, never merged. Each new receipt takes the
next index in HQ's receipt log (a Merkle log), so HQ cannot later drop one it gave. Gaps in a
device's sequence numbers are visible (`missing`).

This is the checking core only, in memory; storage, the network and media uploads are
issue 15's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from sync.protocol.auditleaf import AuditLeaf
from sync.protocol.canonical import parse_canonical
from sync.protocol.ingest import IngestCertificate
from sync.protocol.merkle import CompactRange, leaf_hash
from sync.protocol.receipt import Durability, Receipt
from sync.protocol.records import OutboxEntry, RecordKind
from sync.protocol.signing import Signed, key_id_for, sign
from sync.protocol.statement import StatementContent
from sync.protocol.treehead import SignedTreeHead

__all__ = ["Conflict", "Receiver", "Refused"]

_EVENT_KINDS = frozenset(
    {RecordKind.SIGNATURE_EVENT, RecordKind.OFFICER_EVENT, RecordKind.KEY_EVENT})


class Refused(Exception):
    """The submission is not accepted; ``reason`` says why (in words for the operator)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Conflict(Refused):
    """Same record (or sequence number) as one already received, different content (409)."""


@dataclass
class _Device:
    key: Ed25519PublicKey
    seqs: set[int] = field(default_factory=set)
    last_tree_size: int = -1


@dataclass(frozen=True)
class _Held:
    sha256: str
    receipt: Signed[Receipt]


class Receiver:
    """HQ's checks and receipts for records from enrolled devices."""

    def __init__(self, hq_id: str, key: Ed25519PrivateKey, *, clock_ms: Callable[[], int],
                 new_id: Callable[[], str]) -> None:
        self.hq_id = hq_id
        self._key = key
        self._clock_ms = clock_ms
        self._new_id = new_id
        self._devices: dict[str, _Device] = {}
        self._held: dict[tuple[str, RecordKind, str], _Held] = {}
        self._by_seq: dict[tuple[str, int], tuple[RecordKind, str]] = {}
        self._log = CompactRange()
        self.quarantine: list[tuple[Signed[OutboxEntry], bytes, str]] = []

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The key devices pin at enrolment to verify receipts."""
        return self._key.public_key()

    def enrol(self, device_key: Ed25519PublicKey) -> str:
        """Accept records signed by ``device_key`` from now on; return the device id."""
        device = key_id_for(device_key)
        self._devices.setdefault(device, _Device(device_key))
        return device

    def log_root(self) -> tuple[int, bytes]:
        """Size and root of the receipt log."""
        return self._log.size, self._log.root()

    def missing(self, device: str) -> list[int]:
        """Sequence numbers of ``device`` below the highest received that never arrived."""
        seqs = self._devices[device].seqs
        return [n for n in range(1, max(seqs, default=0) + 1) if n not in seqs]

    def accept(self, submitted: Signed[OutboxEntry], payload: bytes) -> Signed[Receipt]:
        """Check one record and return its receipt; Refused or Conflict when not accepted."""
        entry = submitted.body
        device = self._devices.get(entry.device)
        if device is None:
            raise Refused(f"device {entry.device} is not enrolled")
        if not submitted.verify(device.key):
            raise Refused(f"the outbox entry {entry.op_id} is not signed by device {entry.device}")
        if hashlib.sha256(payload).hexdigest() != entry.sha256 or len(payload) != entry.size:
            raise Refused(f"the bytes of {entry.kind.value} {entry.entity_id} do not match "
                          "the announced SHA-256 and size")
        key = (entry.device, entry.kind, entry.entity_id)
        held = self._held.get(key)
        if held is not None:
            if held.sha256 == entry.sha256:
                return held.receipt  # a retry after a lost answer: the same receipt again
            self.quarantine.append((submitted, payload, "same record, different content"))
            raise Conflict(f"{entry.kind.value} {entry.entity_id} was already received with "
                           "other content; both copies are kept for review")
        taken = self._by_seq.get((entry.device, entry.device_seq))
        if taken is not None:
            self.quarantine.append((submitted, payload, "sequence number reused"))
            raise Conflict(f"sequence number {entry.device_seq} of device {entry.device} "
                           f"already names {taken[0].value} {taken[1]}")
        self._check_payload(entry, payload, device)
        receipt = Receipt(
            receipt_id=self._new_id(), hq=self.hq_id, device=entry.device,
            device_seq=entry.device_seq, op_id=entry.op_id, kind=entry.kind,
            record_id=entry.entity_id, sha256=entry.sha256, size=entry.size,
            hq_time_ms=self._clock_ms(), durability=Durability.STORED,
            log_index=self._log.size)
        signed = sign(receipt, self._key)
        self._log.append(leaf_hash(receipt.canonical_bytes()))
        self._held[key] = _Held(entry.sha256, signed)
        self._by_seq[(entry.device, entry.device_seq)] = (entry.kind, entry.entity_id)
        device.seqs.add(entry.device_seq)
        return signed

    def _check_payload(self, entry: OutboxEntry, payload: bytes, device: _Device) -> None:
        """The bytes are what the kind says they are, signed where the kind is signed."""
        what = f"{entry.kind.value} {entry.entity_id}"
        try:
            if entry.kind is RecordKind.STATEMENT:
                if StatementContent.from_bytes(payload).id != entry.entity_id:
                    raise Refused(f"{what}: the content is of another statement")
            elif entry.kind is RecordKind.DOCKING:
                cert = Signed.from_json(parse_canonical(payload), IngestCertificate)
                if not cert.verify(device.key):
                    raise Refused(f"{what}: the ingest certificate does not verify")
                if cert.body.docking != entry.entity_id:
                    raise Refused(f"{what}: the certificate is of another docking")
            elif entry.kind is RecordKind.TREE_HEAD:
                head = SignedTreeHead.from_json(parse_canonical(payload))
                if not head.verify(device.key):
                    raise Refused(f"{what}: the tree head does not verify")
                if str(head.head.tree_size) != entry.entity_id:
                    raise Refused(f"{what}: the head is of another size")
                if head.head.tree_size < device.last_tree_size:
                    raise Refused(f"{what}: older than a head already received "
                                  f"({device.last_tree_size} entries): a rolled-back store?")
                device.last_tree_size = head.head.tree_size
            elif (entry.kind in _EVENT_KINDS
                  and AuditLeaf.from_bytes(payload).id != entry.entity_id):
                raise Refused(f"{what}: the audit leaf is of another event")
        except ValueError as exc:  # includes UnsupportedVersion, with its own words
            raise Refused(f"{what}: {exc}") from exc
