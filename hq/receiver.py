"""Receiving announced records at HQ: verify each one, keep it, issue a signed receipt, once.

A device sends an outbox entry (signed with its device key) and the bytes it announces. HQ
checks, in this order: the device is enrolled; the entry's signature verifies with that
device's key; the bytes have the announced SHA-256 and size; and the bytes are what the kind
says (a statement's content parses and is the statement named, an ingest certificate and a
tree head verify with the same device key, an audit leaf is the event named, a penalty
decision's evaluation and choice match the digest it states and a legal review's signature
holds with the reviewer's certificate (sync/protocol/penalty.py), and a tree head
extends the last head HQ countersigned for that device by a consistency proof and signs the
root HQ computes over the device's audit leaves, `hq.audittrail`). Then it
answers idempotently: the same record again gets the same receipt; the same record with other
content is refused as a conflict, quarantined with an alert, never merged. Each new receipt
takes the next index of HQ's receipt log in the same transaction as the record's row, and the
bytes are in the blob store (encrypted) before that transaction commits. Gaps in a device's
sequence numbers are visible (`missing`).

Several HQ processes may share one PostgreSQL (decision 29). The checks run without locks;
the commit takes the receipt log's lock (`Connection.lock`, held to its end) and looks
again whether another process committed the same record or sequence number meanwhile (then
this one gives that receipt, or quarantines as a conflict). A tree head is checked and
committed holding its device's audit lock (`Database.hold`), which staging leaves takes
too, so the leaves and the head it was checked against are still those at its commit.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from hq import catalog
from hq.audittrail import AuditTrails, LeafBatch
from hq.blobs import BlobStore
from hq.db import Connection, Database
from hq.receiptlog import ReceiptLog
from sync.protocol.auditleaf import AuditLeaf
from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.context import EvidenceItemRecord, StatementContext
from sync.protocol.ingest import IngestCertificate
from sync.protocol.merkle import CompactRange, verify_consistency
from sync.protocol.penalty import LegalReviewRecord, PenaltyDecisionRecord, PenaltyDocumentRecord
from sync.protocol.receipt import Durability, Receipt
from sync.protocol.records import OutboxEntry, RecordKind
from sync.protocol.signing import Ed25519Signer, Signed, WireFormat, key_id_for, sign
from sync.protocol.statement import StatementContent
from sync.protocol.treehead import SignedTreeHead, TreeHead

__all__ = ["AuditInconsistent", "Conflict", "Consistency", "Raced", "Receiver", "Refused"]

_Body = TypeVar("_Body", bound=WireFormat)
_EVENT_KINDS = frozenset(
    {RecordKind.SIGNATURE_EVENT, RecordKind.OFFICER_EVENT, RecordKind.KEY_EVENT})
_PENALTY_KINDS = frozenset(
    {RecordKind.PENALTY_DECISION, RecordKind.LEGAL_REVIEW, RecordKind.PENALTY_DOCUMENT})


def _check_penalty(entry: OutboxEntry, payload: bytes, what: str) -> None:
    """A penalty decision, review or document is the one its entry names; a decision's
    evaluation and choice are those its digest states, with a reason for any deviation
    (checked as it parses); a review's signature holds with the reviewer's certificate."""
    if entry.kind is RecordKind.PENALTY_DECISION:
        if PenaltyDecisionRecord.from_bytes(payload).id != entry.entity_id:
            raise Refused(f"{what}: the record is of another decision")
    elif entry.kind is RecordKind.LEGAL_REVIEW:
        review = LegalReviewRecord.from_bytes(payload)
        if review.id != entry.entity_id:
            raise Refused(f"{what}: the record is of another review")
        problem = review.signature_problem()
        if problem is not None:
            raise Refused(f"{what}: {problem}")
    elif PenaltyDocumentRecord.from_bytes(payload).id != entry.entity_id:
        raise Refused(f"{what}: the record is of another document")


class Refused(Exception):
    """The submission is not accepted; ``reason`` says why (in words for the operator)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Conflict(Refused):
    """Same record (or sequence number) as one already received, different content (409)."""


class Raced(Exception):
    """Another HQ process committed this record (or its sequence number) between this
    one's checks and its commit; nothing was written. `admit` now says what to answer."""


class AuditInconsistent(Refused):
    """A tree head that does not extend the last one HQ countersigned (409, alert)."""


@dataclass(frozen=True)
class Consistency:
    """The proof that a tree head extends the device's last countersigned one."""

    from_size: int
    proof: tuple[bytes, ...]


class Receiver:
    """HQ's checks, records and receipts for records from enrolled devices."""

    def __init__(self, db: Database, hq_id: str, key: Ed25519PrivateKey | Ed25519Signer,
                 blobs: BlobStore, *,
                 clock_ms: Callable[[], int],
                 new_id: Callable[[], str] = lambda: str(uuid.uuid4())) -> None:
        self.db = db
        self.hq_id = hq_id
        self.blobs = blobs
        # Receipts, log heads and manifests are signed through the `Signer` interface, so an
        # SM2 key on a token or behind a signing service can take Ed25519's place.
        self._key = key if isinstance(key, Ed25519Signer) else Ed25519Signer(key)
        self._clock_ms = clock_ms
        self._new_id = new_id
        self.log = ReceiptLog(db, hq_id, self._key, clock_ms)
        self.trails = AuditTrails(db, blobs, clock_ms)

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The key devices pin at enrolment to verify receipts."""
        return self._key.public_key()

    def now_ms(self) -> int:
        return self._clock_ms()

    def sign(self, body: _Body) -> Signed[_Body]:
        """Sign ``body`` with HQ's receipt key (reference-data manifests, log heads)."""
        return sign(body, self._key)

    def enrol(self, device_key: Ed25519PublicKey, name: str = "",
              code_id: str | None = None) -> str:
        """Accept records signed by ``device_key`` from now on; return the device id."""
        with self.db.transaction() as conn:
            return self.enrol_in(conn, device_key, name, code_id)

    def enrol_in(self, conn: Connection, device_key: Ed25519PublicKey, name: str,
                 code_id: str | None) -> str:
        """`enrol` inside the caller's transaction (the one that spends the code)."""
        device = key_id_for(device_key)
        conn.execute(
            "INSERT INTO devices (device, public_key, name, enrolled_ms, code_id) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (device) DO UPDATE SET "
            "name = excluded.name, code_id = excluded.code_id",
            (device, device_key.public_bytes_raw().hex(), name, self._clock_ms(), code_id))
        return device

    def device_key(self, device: str) -> Ed25519PublicKey | None:
        row = self.db.one("SELECT public_key FROM devices WHERE device = ?", (device,))
        return None if row is None else Ed25519PublicKey.from_public_bytes(
            bytes.fromhex(row["public_key"]))

    def log_root(self) -> tuple[int, bytes]:
        """Size and root of the receipt log."""
        return self.log.root()

    def missing(self, device: str) -> list[int]:
        """Sequence numbers of ``device`` below the highest received that never arrived."""
        seqs = {int(r["device_seq"]) for r in self.db.all(
            "SELECT device_seq FROM records WHERE device = ?", (device,))}
        return [n for n in range(1, max(seqs, default=0) + 1) if n not in seqs]

    def audit_head(self, device: str) -> tuple[int, bytes] | None:
        """The size and root of the last tree head HQ countersigned for ``device``."""
        row = self.db.one("SELECT tree_size, root_hash FROM audit_heads WHERE device = ?",
                          (device,))
        return None if row is None else (int(row["tree_size"]), bytes.fromhex(row["root_hash"]))

    def held(self, device: str, kind: RecordKind, entity_id: str
             ) -> tuple[str, Signed[Receipt]] | None:
        """The SHA-256 and receipt of a record HQ holds, if it does."""
        row = self.db.one("SELECT sha256, receipt FROM records WHERE device = ? AND kind = ? "
                          "AND entity_id = ?", (device, kind.value, entity_id))
        if row is None:
            return None
        return str(row["sha256"]), Signed.from_json(parse_canonical(
            row["receipt"].encode("utf-8")), Receipt)

    def verify(self, submitted: Signed[OutboxEntry]) -> Ed25519PublicKey:
        """The key of the enrolled device that signed ``submitted``; Refused otherwise."""
        entry = submitted.body
        key = self.device_key(entry.device)
        if key is None:
            raise Refused(f"device {entry.device} is not enrolled")
        if not submitted.verify(key):
            raise Refused(f"the outbox entry {entry.op_id} is not signed by device {entry.device}")
        return key

    def admit(self, submitted: Signed[OutboxEntry], payload: bytes | None = None
              ) -> Signed[Receipt] | None:
        """The receipt already given for this record, None if it is new, Conflict (after
        quarantining it) if HQ holds other content under its id or sequence number."""
        entry = submitted.body
        # One read for both questions: another HQ process may commit this very record
        # between two reads, and its sequence number must then not look reused.
        rows = self.db.all("SELECT kind, entity_id, sha256, receipt FROM records WHERE "
                           "device = ? AND ((kind = ? AND entity_id = ?) OR device_seq = ?)",
                           (entry.device, entry.kind.value, entry.entity_id, entry.device_seq))
        same = [r for r in rows if (r["kind"], r["entity_id"]) == (entry.kind.value,
                                                                   entry.entity_id)]
        if same:
            if same[0]["sha256"] == entry.sha256:  # a retry after a lost answer: the same
                return Signed.from_json(parse_canonical(  # receipt again
                    same[0]["receipt"].encode("utf-8")), Receipt)
            self._quarantine(submitted, payload, "same record, different content")
            raise Conflict(f"{entry.kind.value} {entry.entity_id} was already received with "
                           "other content; both copies are kept for review")
        if rows:
            self._quarantine(submitted, payload, "sequence number reused")
            raise Conflict(f"sequence number {entry.device_seq} of device {entry.device} "
                           f"already names {rows[0]['kind']} {rows[0]['entity_id']}")
        return None

    def stage_leaves(self, device: str, batch: LeafBatch) -> int:
        """Keep audit leaves ahead of the tree head they belong to; how many HQ now holds."""
        try:
            with self.audit_lock(device):
                return self.trails.stage(device, batch)
        except ValueError as exc:
            raise Refused(str(exc)) from exc

    def accept(self, submitted: Signed[OutboxEntry], payload: bytes,
               consistency: Consistency | None = None,
               leaves: LeafBatch | None = None, *, officer: str | None = None
               ) -> Signed[Receipt]:
        """Check one record, keep it and return its receipt; Refused or Conflict otherwise.
        A tree head's ``leaves`` are the last of the audit leaves up to its size (the earlier
        ones staged before, `stage_leaves`). ``officer`` is who the device acted for (an
        authenticated ``SR-Officer``), if anyone."""
        entry = submitted.body
        key = self.verify(submitted)
        if hashlib.sha256(payload).hexdigest() != entry.sha256 or len(payload) != entry.size:
            raise Refused(f"the bytes of {entry.kind.value} {entry.entity_id} do not match "
                          "the announced SHA-256 and size")
        with self._audit_lock(entry):
            try:
                again = self.admit(submitted, payload)
                if again is not None:
                    return again
                return self._check_and_commit(submitted, payload, key, consistency, leaves,
                                              officer)
            except Raced:
                pass
            again = self.admit(submitted, payload)  # the other process's receipt, or Conflict
            if again is None:
                raise Refused(f"{entry.kind.value} {entry.entity_id} was taken and lost "
                              "by another HQ process; send it again")
            return again

    def audit_lock(self, device: str) -> AbstractContextManager[None]:
        """Held while a device's audit leaves or tree head are checked and kept: another HQ
        process waits (`Database.hold`)."""
        return self.db.hold(f"audit:{device}")

    def _audit_lock(self, entry: OutboxEntry) -> AbstractContextManager[None]:
        if entry.kind is RecordKind.TREE_HEAD:
            return self.audit_lock(entry.device)
        return nullcontext()

    def _check_and_commit(self, submitted: Signed[OutboxEntry], payload: bytes,
                          key: Ed25519PublicKey, consistency: Consistency | None,
                          leaves: LeafBatch | None, officer: str | None) -> Signed[Receipt]:
        entry = submitted.body
        head = self._check_payload(entry, payload, key, consistency)
        if head is not None and self._is_older(entry.device, head):
            # A head below the countersigned one, proven to be its prefix (a head whose first
            # sending failed while a later one went through): countersigned, and the
            # device's last head stays where it is.
            head = None
        # The device's audit lock is held (accept), so the staged leaves checked here are
        # still those when the head's row commits below, whichever HQ process stages next.
        trail = None if head is None else self._check_leaves(entry.device, head, leaves)
        self.blobs.put(entry.sha256, payload)
        with self.db.transaction() as conn:
            return self.commit(conn, submitted, head, trail, officer=officer, payload=payload)

    def commit(self, conn: Connection, submitted: Signed[OutboxEntry],
               head: TreeHead | None = None, trail: CompactRange | None = None, *,
               officer: str | None = None, payload: bytes | None = None
               ) -> Signed[Receipt]:
        """Record a checked entry whose bytes the blob store holds, inside the caller's
        transaction: the blob row, the record row, its receipt and its receipt-log leaf; for a
        tree head, the head and the right edge of the leaves it covers (``trail``); and what
        the supervision room derives from it (`hq.catalog`, from ``payload`` for a small
        record, None for a medium)."""
        entry = submitted.body
        # One receipt at a time across HQ processes: the next index is read and taken under
        # this lock, so indexes never repeat and never skip.
        conn.lock("receipt-log")
        if conn.execute("SELECT 1 FROM records WHERE device = ? AND ((kind = ? AND "
                        "entity_id = ?) OR device_seq = ?)",
                        (entry.device, entry.kind.value, entry.entity_id, entry.device_seq)
                        ).fetchone() is not None:
            raise Raced(f"{entry.kind.value} {entry.entity_id} was committed meanwhile")
        now = self._clock_ms()
        receipt = Receipt(
            receipt_id=self._new_id(), hq=self.hq_id, device=entry.device,
            device_seq=entry.device_seq, op_id=entry.op_id, kind=entry.kind,
            record_id=entry.entity_id, sha256=entry.sha256, size=entry.size,
            hq_time_ms=now, durability=Durability.STORED,
            log_index=self.log.next_index(conn))
        signed = sign(receipt, self._key)
        self.log.append(conn, receipt.canonical_bytes(), receipt.receipt_id)
        conn.execute("INSERT INTO blobs (sha256, size, stored_ms) VALUES (?, ?, ?) "
                     "ON CONFLICT (sha256) DO NOTHING", (entry.sha256, entry.size, now))
        conn.execute(
            "INSERT INTO records (device, kind, entity_id, op_id, device_seq, sha256, size, "
            "entry, receipt, log_index, received_ms, officer) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entry.device, entry.kind.value, entry.entity_id, entry.op_id, entry.device_seq,
             entry.sha256, entry.size, canonical_json(submitted.to_json()).decode("utf-8"),
             canonical_json(signed.to_json()).decode("utf-8"), receipt.log_index, now,
             officer))
        if head is not None:  # this receipt is HQ's countersignature of the head
            conn.execute(
                "INSERT INTO audit_heads (device, tree_size, root_hash, receipt_id, "
                "countersigned_ms, frontier) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device) "
                "DO UPDATE SET tree_size = excluded.tree_size, root_hash = excluded.root_hash, "
                "receipt_id = excluded.receipt_id, countersigned_ms = excluded.countersigned_ms, "
                "frontier = excluded.frontier",
                (entry.device, head.tree_size, head.root_hash.hex(), receipt.receipt_id, now,
                 None if trail is None else trail.to_bytes().hex()))
        catalog.index(conn, entry, payload, now)
        return signed

    def alert(self, kind: str, device: str | None, message: str, key: str | None = None) -> None:
        """Raise an alert for the operator; ``key`` makes a repeated one a single alert."""
        alert_id = str(uuid.uuid5(uuid.NAMESPACE_URL, key)) if key else self._new_id()
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO alerts (id, kind, device, message, raised_ms) "
                         "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                         (alert_id, kind, device, message, self._clock_ms()))

    def _quarantine(self, submitted: Signed[OutboxEntry], payload: bytes | None,
                    reason: str) -> None:
        entry = submitted.body
        if payload is not None:  # kept encrypted like any payload, but not as a held blob
            self.blobs.put(entry.sha256, payload)
        key = f"{entry.device}/{entry.kind.value}/{entry.entity_id}/{entry.sha256}/{reason}"
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO quarantine (id, device, kind, entity_id, op_id, device_seq, sha256, "
                "size, entry, payload_held, reason, received_ms) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                (hashlib.sha256(key.encode()).hexdigest()[:32], entry.device, entry.kind.value,
                 entry.entity_id, entry.op_id, entry.device_seq, entry.sha256, entry.size,
                 canonical_json(submitted.to_json()).decode("utf-8"),
                 int(payload is not None), reason, self._clock_ms()))
        self.alert("conflict", entry.device, f"{entry.kind.value} {entry.entity_id} from "
                   f"device {entry.device}: {reason}; quarantined", key)

    def _check_payload(self, entry: OutboxEntry, payload: bytes, key: Ed25519PublicKey,
                       consistency: Consistency | None) -> TreeHead | None:
        """The bytes are what the kind says they are, signed where the kind is signed; for a
        tree head, the head it countersigns."""
        what = f"{entry.kind.value} {entry.entity_id}"
        try:
            if entry.kind is RecordKind.STATEMENT:
                if StatementContent.from_bytes(payload).id != entry.entity_id:
                    raise Refused(f"{what}: the content is of another statement")
            elif entry.kind is RecordKind.DOCKING:
                cert = Signed.from_json(parse_canonical(payload), IngestCertificate)
                if not cert.verify(key):
                    raise Refused(f"{what}: the ingest certificate does not verify")
                if cert.body.docking != entry.entity_id:
                    raise Refused(f"{what}: the certificate is of another docking")
            elif entry.kind is RecordKind.TREE_HEAD:
                head = SignedTreeHead.from_json(parse_canonical(payload))
                if not head.verify(key):
                    raise Refused(f"{what}: the tree head does not verify")
                if str(head.head.tree_size) != entry.entity_id:
                    raise Refused(f"{what}: the head is of another size")
                self._check_extends(entry.device, head.head, consistency)
                return head.head
            elif (entry.kind is RecordKind.STATEMENT_CONTEXT
                  and StatementContext.from_bytes(payload).statement != entry.entity_id):
                raise Refused(f"{what}: the context is of another statement")
            elif (entry.kind is RecordKind.EVIDENCE_RECORD
                  and EvidenceItemRecord.from_bytes(payload).id != entry.entity_id):
                raise Refused(f"{what}: the record is of another evidence item")
            elif (entry.kind in _EVENT_KINDS
                  and AuditLeaf.from_bytes(payload).id != entry.entity_id):
                raise Refused(f"{what}: the audit leaf is of another event")
            elif entry.kind in _PENALTY_KINDS:
                _check_penalty(entry, payload, what)
        except ValueError as exc:  # includes UnsupportedVersion, with its own words
            raise Refused(f"{what}: {exc}") from exc
        return None

    def _is_older(self, device: str, head: TreeHead) -> bool:
        last = self.audit_head(device)
        return last is not None and head.tree_size < last[0]

    def _check_extends(self, device: str, head: TreeHead,
                       consistency: Consistency | None) -> None:
        """The head extends the last countersigned one, or (a head below it) is its prefix:
        in both cases ``consistency`` proves it from the smaller of the two to the larger."""
        last = self.audit_head(device)
        if last is None:
            return  # the first head HQ sees from this device needs no proof
        size, root = last
        if head.tree_size < size:
            older, newer = (head.tree_size, head.root_hash), (size, root)
        else:
            older, newer = (size, root), (head.tree_size, head.root_hash)
        ok = (consistency is not None and consistency.from_size == size
              and verify_consistency(older[0], newer[0], older[1], newer[1],
                                     list(consistency.proof)))
        if not ok:
            message = (f"tree head of {head.tree_size} entries from device {device} does not "
                       f"extend the last countersigned head ({size} entries): a rolled-back "
                       "or altered store?")
            self.alert("audit_inconsistent", device, message,
                       f"{device}/audit/{head.tree_size}/{head.root_hash.hex()}")
            raise AuditInconsistent(message)

    def _check_leaves(self, device: str, head: TreeHead, leaves: LeafBatch | None
                      ) -> CompactRange:
        """The right edge of the device's leaves up to the head's size, once their root is
        the head's root; Refused if leaves are missing or malformed, AuditInconsistent (with
        an alert) if the head signs another root than the one over the leaves HQ holds."""
        try:
            if leaves is not None:
                self.trails.stage(device, leaves)
            trail = self.trails.extended_to(device, head.tree_size)
        except ValueError as exc:
            raise Refused(f"tree_head {head.tree_size}: {exc}") from exc
        if trail.root() != head.root_hash:
            message = (f"tree head of {head.tree_size} entries from device {device} does not "
                       f"sign the root of the {head.tree_size} audit leaves HQ received: "
                       "altered leaves or a rewritten trail?")
            self.alert("audit_inconsistent", device, message,
                       f"{device}/audit-leaves/{head.tree_size}/{head.root_hash.hex()}")
            raise AuditInconsistent(message)
        return trail
