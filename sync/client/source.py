"""What the sync engine needs from the device's store: the `SyncSource` interface.

The engine (`sync.client.engine`) knows HTTP, tus and receipts; the store knows records, the
vault and the audit trail. The desktop implements this protocol (`desktop.services.sync`) on
its own store thread; tests implement it in memory. Every method that records progress
(`save_upload`, `save_receipt`, `save_failure`, `save_log_head`) must be
durable when it returns: the engine resumes from what they saved after a crash.

`acting_officer` names the officer whose session runs the round (None: the device acts
alone, as before decision 27): the engine registers their HQ key once per HQ and signs every
request as the device and as that officer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from sync.protocol.loghead import LogHead
from sync.protocol.receipt import Receipt
from sync.protocol.records import OutboxEntry
from sync.protocol.restore import RestoreStatement
from sync.protocol.signing import Signed, Signer

__all__ = ["ActingOfficer", "Enrolment", "PendingItem", "SyncSource", "UploadProgress"]


@dataclass(frozen=True)
class Enrolment:
    """What the device pinned when it enrolled with one HQ."""

    hq_url: str
    hq_id: str
    device_id: str
    receipt_key: Ed25519PublicKey  # pinned: every receipt and log head must verify with it


@dataclass(frozen=True)
class ActingOfficer:
    """The officer a round acts for: who they are, their HQ key, and what HQ has of it."""

    officer_id: str
    name: str
    enforcement_no: str | None
    signer: Signer  # the officer's own HQ key (decision 27), held only in the session
    public_key_hex: str  # its raw Ed25519 public key
    # The key this device last registered for the officer at this HQ (hex); None: never.
    # Another key than `public_key_hex` is registered again, naming this one as replaced.
    registered_key: str | None

    def __repr__(self) -> str:  # never show key material
        return f"ActingOfficer({self.officer_id})"

    @property
    def registered(self) -> bool:
        return self.registered_key == self.public_key_hex


@dataclass(frozen=True)
class UploadProgress:
    """A resumable upload under way: where HQ put it, and what HQ has acknowledged."""

    url: str
    offset: int


@dataclass(frozen=True)
class PendingItem:
    """One outbox entry not yet receipted, as the engine sends it."""

    entry: OutboxEntry
    is_media: bool  # sent by tus (evidence items, signed PDFs) instead of inline
    upload: UploadProgress | None
    attempts: int


class SyncSource(Protocol):
    """The store, as the sync engine sees it."""

    def enrolment(self) -> Enrolment | None:
        """The HQ this device is enrolled with; None before enrolment."""
        ...

    def device_key(self) -> Ed25519PrivateKey:
        """The device key that signs requests and outbox entries."""
        ...

    def acting_officer(self) -> ActingOfficer | None:
        """The officer this round acts for (the session's), None for the device alone."""
        ...

    def save_officer_registration(self, officer_id: str, public_key_hex: str) -> None:
        """HQ bound ``public_key_hex`` to the officer on this device (`ActingOfficer`)."""
        ...

    def pending(self) -> list[PendingItem]:
        """Entries without a verified receipt, in send order (priority, then device_seq).

        Left out: entries waiting for a person (`save_failure` with ``retry_at_ms`` None,
        until a person releases them) and, unless the officer asked to sync now, entries
        whose ``retry_at_ms`` has not come yet."""
        ...

    def payload(self, entry: OutboxEntry) -> bytes:
        """The bytes a non-media entry announces (their SHA-256 is ``entry.sha256``)."""
        ...

    def media_chunks(self, entry: OutboxEntry, start: int, chunk_size: int) -> Iterator[bytes]:
        """The medium's bytes from ``start``, in chunks of ``chunk_size`` (the last shorter).

        Streamed from the encrypted vault: never a plaintext copy on disk. The engine reads
        one chunk ahead (while HQ stores the previous one) and may abandon the iterator
        before its end (a cut, a cancel): release what it holds in a ``finally``."""
        ...

    def audit_consistency(self, from_size: int, to_size: int) -> list[bytes]:
        """Consistency proof of the device's audit log between two sizes."""
        ...

    def audit_leaves(self, start: int, stop: int) -> list[bytes]:
        """The canonical bytes of audit leaves ``start`` to ``stop - 1`` (fewer if the log is
        shorter): what the log hashed, sent to HQ with the tree head that covers them."""
        ...

    def save_upload(self, op_id: str, upload: UploadProgress | None) -> None:
        """Remember the upload of an entry: before its first byte is sent, then after each
        chunk HQ acknowledged (the offset); None forgets it (HQ expired or lost it)."""
        ...

    def save_receipt(self, op_id: str, receipt: Signed[Receipt]) -> None:
        """Keep a receipt the engine has verified against the pinned key; the entry is sent
        (and its saved upload, if any, can be forgotten)."""
        ...

    def save_failure(self, op_id: str, error: str, message: str, retry_at_ms: int | None
                     ) -> None:
        """Record why an entry failed and count the attempt (`PendingItem.attempts`).

        ``retry_at_ms`` (device clock) is when to try again; None means it waits for a
        person (a conflict, a refusal: the error code says which, for the officer's words).
        A later `save_receipt` for the entry clears the failure."""
        ...

    def last_log_head(self) -> Signed[LogHead] | None:
        """The newest receipt-log head this device verified."""
        ...

    def save_log_head(self, head: Signed[LogHead]) -> None:
        """Keep a newer receipt-log head after its consistency proof verified."""
        ...

    def accept_restore(self, restore: Signed[RestoreStatement], head: Signed[LogHead]) -> int:
        """HQ was restored (``restore`` verified with the pinned key, ``head`` proven to extend
        the restored log): in one durable step, queue again every entry whose receipt HQ gave
        before ``restore.body.restored_ms`` at an index at or above ``restore.body.log_size``
        (HQ no longer holds it), keep ``head`` as the newest head even though it is smaller,
        and record the restore; how many entries were queued again."""
        ...
