"""The store as the sync engine sees it (`SyncSource`), and what people see of sync.

`StoreSyncSource` gives the engine (`sync.client.engine`, on a thread of its own) the
outbox, the bytes each entry announced, the media streamed from the encrypted vault, the
audit log's leaves and consistency proofs, and the device key; it keeps what the engine
reports (upload URLs and offsets, verified receipts, failures, receipt-log heads), each
write durable before it returns. Reads use the store's read-only connection, writes go
through the session's write lane (`Store.write`), so the engine never waits behind the GUI
nor the GUI behind it.

The bytes of each kind are those `sync.protocol.records` names; `payload` refuses to hand
over bytes whose SHA-256 or size is not what the entry announced (HQ would refuse them). A
receipt for a tree head is HQ's countersignature; it is copied beside the key file
(`desktop.store.countersign`) so an older copy of the store is caught at login.

`status()` is the snapshot the status bar and `sync status` show.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from gettext import gettext as _

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.domain.errors import UserError
from desktop.domain.model import Action, Outcome
from desktop.services import refdata
from desktop.store import (
    audit,
    countersign,
    dockings,
    documents,
    officer_hq_keys,
    outbox,
    penalty_records,
    statements,
    sync_state,
)
from desktop.store.connection import Connection
from desktop.store.evidence import blob_path
from desktop.store.store import Store
from desktop.store.vault_read import plaintext_chunks
from sync.client.source import ActingOfficer, Enrolment, PendingItem, UploadProgress
from sync.protocol.canonical import canonical_json
from sync.protocol.loghead import LogHead
from sync.protocol.receipt import Receipt
from sync.protocol.records import OutboxEntry, RecordKind
from sync.protocol.restore import RestoreStatement
from sync.protocol.signing import Ed25519Signer, Signed, key_id_for

MEDIA_KINDS = frozenset({RecordKind.EVIDENCE_ITEM, RecordKind.STATEMENT_PDF,
                         RecordKind.PENALTY_DOCUMENT_PDF})
# Media read whole from the store (a signed PDF), not streamed from the vault.
_STORED_MEDIA = frozenset({RecordKind.STATEMENT_PDF, RecordKind.PENALTY_DOCUMENT_PDF})


class PayloadMismatch(ValueError):
    """The store's bytes for an entry are not what the entry announced."""


def now_ms() -> int:
    return int(time.time() * 1000)


def error_words(code: str) -> str:
    """The officer's words for a wire error code (docs/protocols/sync.md §2)."""
    words = {
        "not_enrolled": _("HQ does not know this device: enrol it again with a new code."),
        "bad_signature": _("HQ did not accept this device's signature."),
        "bad_code": _("The enrolment code is wrong, already used or expired."),
        "bad_code_format": _("An enrolment code looks like <code id>-<secret>."),
        "unauthenticated_answer": _("The answer did not come from HQ (it is not authenticated "
                                    "by the enrolment code); nothing was pinned."),
        "device_revoked": _("HQ has revoked this device; contact HQ."),
        "conflict": _("HQ holds a different record under the same id; it was set aside at "
                      "HQ for review."),
        "audit_inconsistent": _("HQ refused the audit trail: it does not extend the one HQ "
                                "saw before. Was the store replaced by an older copy? "
                                "Contact HQ."),
        "refused": _("HQ refused the record: its content is not what its kind says."),
        "hash_mismatch": _("HQ refused the file: its content did not match its fingerprint."),
        "too_large": _("The file is larger than HQ accepts."),
        "insufficient_storage": _("HQ's disk is full; it will be sent later."),
        "local_data": _("The stored record differs from what was announced for it, or "
                        "cannot be read; contact support."),
        "network": _("HQ could not be reached; it will be sent later."),
        "bad_receipt": _("The answer is not signed with HQ's key pinned at enrolment (someone "
                         "in between?); nothing was marked as delivered."),
        "bad_log": _("HQ's list of receipts no longer contains receipts it gave before; "
                     "nothing was marked as delivered. Contact HQ."),
        "bad_answer": _("HQ's answer could not be read; it will be sent later."),
        "insecure_url": _("The HQ address is not secure: HQ is reached over https:// (plain "
                          "http:// only on this computer)."),
        "receipt_mismatch": _("HQ's receipt names other content than the record sent; it "
                              "waits for review."),
        "checksum_mismatch": _("Part of the file was damaged on the way; it will be sent "
                               "again."),
        "body_mismatch": _("The request was damaged on the way; it will be sent again."),
        "bad_request": _("HQ did not understand the request; contact support."),
        "unknown_upload": _("HQ no longer knows the upload; it starts again."),
        "upload_expired": _("The upload expired at HQ; it starts again."),
        "officer_unknown": _("HQ does not know your officer key on this device; it will be "
                             "registered again at the next sync."),
        "bad_officer_signature": _("HQ did not accept your officer signature; log in again "
                                   "and sync, or contact HQ."),
        "officer_revoked": _("HQ has revoked your permission to sync from this device; "
                             "contact HQ. Other officers can still sync."),
        "unavailable": _("HQ cannot serve this now (its operator is alerted); try again "
                         "later."),
        "officer_key_conflict": _("HQ holds another officer key for you on this device; "
                                  "nothing was sent for you. Contact HQ."),
        "lost_at_hq_purged": _("HQ was restored from a backup and no longer holds this file, "
                               "and its copy here was removed after HQ's receipt: HQ must "
                               "recover it from an earlier backup. Its fingerprint and "
                               "receipt stay on record."),
        "unknown_kind": _("HQ does not know this kind of record yet (HQ is older than this "
                          "program); it is kept and sent once HQ is updated."),
    }
    if code in words:
        return words[code]
    if code.startswith("http_"):
        return _("HQ (or a proxy on the way) answered with HTTP status {status}; it will be "
                 "sent later.").format(status=code.removeprefix("http_"))
    return _("HQ answered with the error “{code}”.").format(code=code)


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows: enrolment, what is waiting, the last round, the errors."""

    hq_url: str | None
    pending_records: int
    pending_bytes: int
    receipted: int
    waiting_for_a_person: int
    last_sync: datetime | None
    last_round: str | None
    errors: tuple[str, ...]  # in words, one per distinct problem
    countersigned_size: int | None
    # When HQ's reference data expired, if it has (stale: it stays in use, with a warning).
    reference_expired: datetime | None = None


class StoreSyncSource:
    """`sync.client.source.SyncSource` over an unlocked store."""

    def __init__(self, store: Store, *, hq_url: str | None = None) -> None:
        self._store = store
        self._hq_url = hq_url  # HQ reached at another address this time (same HQ id and key)
        with store.reading() as conn:
            self._device_key = audit.device_private_key(conn)
        self._device_id = key_id_for(self._device_key.public_key())

    # What the engine reads ------------------------------------------------------------------

    def enrolment(self) -> Enrolment | None:
        with self._store.reading() as conn:
            enrolled = sync_state.enrolment(conn)
        if enrolled is None or self._hq_url is None:
            return enrolled
        return replace(enrolled, hq_url=self._hq_url)

    def device_key(self) -> Ed25519PrivateKey:
        return self._device_key

    def acting_officer(self) -> ActingOfficer | None:
        """The session's officer, signing with their HQ key (decision 27); None when the
        session holds none (the device enrolled during this session: from the next login)."""
        key = self._store.officer_hq_key
        if key is None:
            return None
        officer = self._store.officer
        with self._store.reading() as conn:
            enrolled = sync_state.enrolment(conn)
            registered = None if enrolled is None else officer_hq_keys.registered_key(
                conn, enrolled.hq_id, officer.id)
        return ActingOfficer(
            officer_id=officer.id, name=officer.name,
            enforcement_no=officer.certificate_no or None, signer=Ed25519Signer(key),
            public_key_hex=key.public_key().public_bytes_raw().hex(),
            registered_key=None if registered is None else registered.hex())

    def save_officer_registration(self, officer_id: str, public_key_hex: str) -> None:
        def run() -> None:
            with self._store.transaction() as tx:
                enrolled = sync_state.enrolment(tx.conn)
                if enrolled is not None:
                    officer_hq_keys.save_registration(tx, enrolled.hq_id, officer_id,
                                                      bytes.fromhex(public_key_hex))

        self._store.write(run)

    def pending(self) -> list[PendingItem]:
        with self._store.reading() as conn:
            rows = sync_state.sendable(conn, now_ms())
        return [PendingItem(entry=p.queued.entry(self._device_id),
                            is_media=p.queued.kind in MEDIA_KINDS, upload=p.upload,
                            attempts=p.attempts) for p in rows]

    def payload(self, entry: OutboxEntry) -> bytes:
        try:
            with self._store.reading() as conn:
                data = payload_bytes(conn, self._store.store_id, entry.kind, entry.entity_id)
        except (LookupError, UserError) as exc:  # the engine stops the item on a ValueError
            raise PayloadMismatch(f"{entry.kind.value} {entry.entity_id}: {exc}") from exc
        _check_announced(entry, hashlib.sha256(data).hexdigest(), len(data))
        return data

    def media_chunks(self, entry: OutboxEntry, start: int, chunk_size: int) -> Iterator[bytes]:
        if entry.kind in _STORED_MEDIA:
            data = self.payload(entry)
            for offset in range(start, len(data), chunk_size):
                yield data[offset:offset + chunk_size]
            return
        if entry.kind is not RecordKind.EVIDENCE_ITEM:
            raise PayloadMismatch(f"{entry.kind.value} is not sent as a medium")
        blob = blob_path(self._store.paths.workdir, entry.sha256, self._store.vault_key())
        try:
            yield from plaintext_chunks(blob, self._store.vault_key(), start, chunk_size)
        except (OSError, UserError) as exc:  # missing, purged or damaged: stop this item
            raise PayloadMismatch(f"evidence {entry.entity_id}: {exc}") from exc

    def audit_consistency(self, from_size: int, to_size: int) -> list[bytes]:
        with self._store.reading() as conn:
            return audit.prove_consistency(conn, from_size, to_size)

    def audit_leaves(self, start: int, stop: int) -> list[bytes]:
        with self._store.reading() as conn:
            return [record.leaf_data() for record in audit.records(conn, start, stop)]

    def last_log_head(self) -> Signed[LogHead] | None:
        with self._store.reading() as conn:
            return sync_state.log_head(conn)

    # What the engine reports (durable before returning) -------------------------------------

    def _write(self, change: Callable[[Connection, datetime], None]) -> None:
        def run() -> None:
            with self._store.transaction() as tx:
                change(tx.conn, tx.at)

        self._store.write(run)

    def save_upload(self, op_id: str, upload: UploadProgress | None) -> None:
        self._write(lambda conn, _at: sync_state.save_upload(conn, op_id, upload))

    def save_receipt(self, op_id: str, receipt: Signed[Receipt]) -> None:
        self._write(lambda conn, at: sync_state.save_receipt(conn, op_id, receipt, at))
        if receipt.body.kind is RecordKind.TREE_HEAD:
            keep_countersign_file(self._store)

    def save_failure(self, op_id: str, error: str, message: str, retry_at_ms: int | None
                     ) -> None:
        self._write(lambda conn, _at: sync_state.save_failure(conn, op_id, error, message,
                                                              retry_at_ms))

    def save_log_head(self, head: Signed[LogHead]) -> None:
        self._write(lambda conn, _at: sync_state.save_log_head(conn, head))

    def accept_restore(self, restore: Signed[RestoreStatement], head: Signed[LogHead]) -> int:
        outcome: list[sync_state.RestoreOutcome] = []

        def run() -> None:
            with self._store.transaction() as tx:
                done = sync_state.accept_restore(tx.conn, restore, head, tx.at)
                tx.audit(Action.SYNC_HQ_RESTORED, restore.body.hq,
                         log_size=restore.body.log_size, backup_ms=restore.body.backup_ms,
                         restored_ms=restore.body.restored_ms, requeued=done.requeued,
                         purged_and_lost=len(done.purged_and_lost))
                outcome.append(done)

        self._store.write(run)
        return outcome[0].requeued


def _check_announced(entry: OutboxEntry, sha256: str, size: int) -> None:
    if sha256 != entry.sha256 or size != entry.size:
        raise PayloadMismatch(
            f"the bytes of {entry.kind.value} {entry.entity_id} are not those announced "
            f"(sha256 {sha256[:16]} of {size} bytes, announced {entry.sha256[:16]} of "
            f"{entry.size})")


def payload_bytes(conn: Connection, store_id: str, kind: RecordKind, entity_id: str) -> bytes:
    """The bytes HQ receives for one record (`sync.protocol.records`); media included (the
    signed PDF), except evidence, which is streamed from the vault. Each is rebuilt from its
    rows, which never change once announced; a statement's context and an evidence item's
    record describe rows that may (a case, an officer, a filing), so their bytes were kept
    as announced (`outbox.enqueue_kept`). A penalty decision, review or document and its PDF
    are rebuilt from rows that never change (`penalty_records`)."""
    if kind in outbox.KEPT_KINDS:
        return outbox.kept_payload(conn, kind, entity_id)
    if kind is RecordKind.STATEMENT:
        return statements.statement_content(
            statements.get_statement(conn, entity_id)).canonical_bytes()
    if kind is RecordKind.STATEMENT_PDF:
        return documents.signed_document(conn, entity_id)
    if kind in penalty_records.KINDS:
        return penalty_records.payload(conn, kind, entity_id)
    if kind is RecordKind.SIGNATURE_CAPTURE:
        statement_id, purpose, page = entity_id.rsplit("/", 2)
        row = conn.execute("SELECT record FROM signature_captures WHERE statement_id = ?"
                           " AND purpose = ? AND page_index = ?",
                           (statement_id, purpose, int(page))).fetchone()
        if row is None:
            raise LookupError(f"no pen capture {entity_id}")
        return bytes(row[0])
    if kind is RecordKind.DOCKING:
        signed = dockings.signed_certificate(dockings.get_docking(conn, entity_id))
        return canonical_json(signed.to_json())
    if kind is RecordKind.TREE_HEAD:
        size = int(entity_id)
        for head in audit.heads(conn, store_id):
            if head.head.tree_size == size:
                return head.canonical_bytes()
        raise LookupError(f"no tree head of size {size}")
    if kind in (RecordKind.SIGNATURE_EVENT, RecordKind.OFFICER_EVENT, RecordKind.KEY_EVENT):
        row = conn.execute("SELECT idx FROM audit_log WHERE id = ?", (entity_id,)).fetchone()
        if row is None:
            raise LookupError(f"no audit event {entity_id}")
        [record] = audit.records(conn, int(row[0]), int(row[0]) + 1)
        return record.leaf_data()
    raise ValueError(f"{kind.value} is streamed from the vault")


def keep_countersign_file(store: Store) -> None:
    """Write HQ's newest countersignature beside the key file when the store holds a newer one
    than the file (or the file is missing)."""
    with store.reading() as conn:
        held = sync_state.countersigned(conn)
        pinned = sync_state.enrolment(conn)
        if held is None or pinned is None:
            return
        [head] = [h for h in audit.heads(conn, store.store_id)
                  if h.head.tree_size == held.tree_size]
    path = store.paths.countersign
    current = countersign.read(path) if path.exists() else None
    if current is not None and current.head.head.tree_size >= held.tree_size:
        return
    countersign.write(path, countersign.CountersignedHead(
        store.store_id, head, held.receipt, pinned.receipt_key.public_bytes_raw()))


# What people see --------------------------------------------------------------------------


def status(store: Store) -> SyncStatus:
    """The snapshot the status bar and `sync status` show."""
    with store.reading() as conn:
        pinned = sync_state.enrolment(conn)
        rows = sync_state.entries(conn)
        last = sync_state.last_round(conn)
        held = sync_state.countersigned(conn)
    reference = refdata.status(store, now_ms())
    waiting = [p for p in rows if p.queued.state != sync_state.RECEIPTED]
    codes = [p.last_error for p in waiting if p.last_error]
    stopped = None if last is None else json.loads(last[1]).get("stopped")
    if isinstance(stopped, str):  # the whole last round stopped (offline, not enrolled...)
        codes.insert(0, stopped)
    errors = tuple(dict.fromkeys(error_words(code) for code in codes))
    return SyncStatus(
        hq_url=None if pinned is None else pinned.hq_url,
        pending_records=len(waiting), pending_bytes=sum(p.queued.size for p in waiting),
        receipted=len(rows) - len(waiting),
        waiting_for_a_person=sum(p.queued.state == sync_state.FAILED for p in waiting),
        last_sync=None if last is None else last[0], last_round=None if last is None else last[1],
        errors=errors, countersigned_size=None if held is None else held.tree_size,
        reference_expired=(datetime.fromtimestamp(reference.expires_ms / 1000).astimezone()
                           if reference.stale and reference.expires_ms is not None else None))


def save_enrolment(store: Store, enrolled: Enrolment, *,
                   device_certificate: str | None = None) -> None:
    """Pin HQ's key after a successful enrolment (audited, with the SHA-256 of the device
    signing certificate HQ issued with it, if it did)."""
    with store.transaction() as tx:
        previous = sync_state.enrolment(tx.conn)
        sync_state.save_enrolment(tx.conn, enrolled, tx.at)
        tx.audit(Action.SYNC_ENROLLED, enrolled.hq_id, hq_url=enrolled.hq_url,
                 device=enrolled.device_id,
                 receipt_key=key_id_for(enrolled.receipt_key),
                 replaced=None if previous is None else previous.hq_id,
                 device_certificate=device_certificate)


def record_round(store: Store, summary: dict[str, int], stopped: str | None = None, *,
                 clock_offset_ms: int | None = None) -> None:
    """Audit one round's summary (counts, and the error code that stopped the whole round,
    if one did) and keep it for `sync status`, with HQ's clock offset when the round
    measured it (a round that never reached HQ keeps the one measured before)."""
    details: dict[str, str | int | bool | None] = {k: int(v) for k, v in summary.items()}
    details["stopped"] = stopped
    with store.transaction() as tx:
        sync_state.save_round(tx.conn, tx.at, canonical_json(details))
        if clock_offset_ms is not None:
            sync_state.save_hq_offset(tx.conn, clock_offset_ms, tx.at)
        tx.audit(Action.SYNC_ROUND, None, Outcome.OK if stopped is None else Outcome.FAILED,
                 **details)
