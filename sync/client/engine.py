"""One sync round with HQ (protocol §4): manifest, records, media, receipt log.

`SyncEngine.run_round` is what the desktop's sync worker (its own thread) and the CLI call:

0. the acting officer's HQ key is registered if HQ does not have it yet (decision 27); every
   request of the round is then signed by the device and by that officer;
1. the manifest tells HQ what the device holds; HQ answers with receipts for what it already
   has (kept only if they verify with the key pinned at enrolment: a lost answer costs
   nothing, and a server with another key gets nothing marked sent), the conflicts, the last
   audit head it countersigned and its receipt-log head;
2. records that are not media go inline (``POST /v1/records``); a tree head goes with the
   consistency proof from the last size HQ countersigned and the audit leaves HQ does not
   hold yet up to its size (`sync.client.leaves`: in batches ahead of it when there are more
   than one call carries, the last batch with the head);
3. media go by tus (`sync.client.tus`), resuming what a previous run left;
4. the receipt-log head at the end must extend the last one kept (consistency proof) and
   cover every receipt of the round.

Failures are classified per item (protocol §2): 401/403 pause the whole round, a conflict or a
refusal stops that item until a person looks, anything transient is retried a few times in
the round with full-jitter backoff and then left for a later round (`retry_at_ms`). An HQ
older than this client refuses a kind of record it does not know (400, "unknown record
kind"), in the manifest or on the record: the entries of that kind are left for a later round
(`UNKNOWN_KIND_RETRY_S`, until HQ is updated) and the round goes on with the rest. Nothing
here raises for the network: the round ends with a `SyncResult`.
"""

from __future__ import annotations

import base64
import functools
import re
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sync.client.backoff import backoff_delay
from sync.client.leaves import LeafSender, encode
from sync.client.officers import register_officer
from sync.client.receipts import (
    fitting_restore,
    log_head_problem,
    parse_log_head,
    parse_manifest_answer,
    parse_proof,
    parse_restores,
    receipt_problem,
)
from sync.client.source import ActingOfficer, Enrolment, PendingItem, SyncSource
from sync.client.throttle import TokenBucket
from sync.client.transport import (
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    HqConnection,
    HqError,
    InsecureUrl,
    NetworkError,
    OfficerSigner,
    SendCancelled,
)
from sync.client.tus import CHUNK_SIZE, Cancelled, TusUploader
from sync.protocol.canonical import canonical_json
from sync.protocol.loghead import LogHead
from sync.protocol.merkle import verify_consistency
from sync.protocol.receipt import Receipt
from sync.protocol.records import OutboxEntry, RecordKind
from sync.protocol.signing import Signed, sign

T = TypeVar("T")

__all__ = ["FATAL_STATUSES", "UNKNOWN_KIND", "UNKNOWN_KIND_RETRY_S", "ItemFailure",
           "Progress", "SyncEngine", "SyncResult"]

FATAL_STATUSES = frozenset({401, 403})
# The client's code for a record its HQ does not know the kind of (an HQ older than this
# client): kept, and tried again after UNKNOWN_KIND_RETRY_S, since HQ is updated by a person
# on its own schedule (each try costs HQ one refused request, not the round).
UNKNOWN_KIND = "unknown_kind"
UNKNOWN_KIND_RETRY_S = 3600.0
# HQ's words for it (sync.protocol.records.parse_kind), in a 400 "bad_request".
_UNKNOWN_KIND_RE = re.compile(r"unknown record kind '([a-z_]+)'")
MANIFEST_BATCH = 1000
_TRANSIENT_STATUSES = frozenset({408, 423, 429, 507})
_STOP_ITEM_CODES = frozenset({"conflict", "audit_inconsistent"})


@dataclass(frozen=True)
class ItemFailure:
    """Why one entry did not reach HQ this round; ``retry`` False means it waits for a person."""

    op_id: str
    kind: RecordKind
    entity_id: str
    error: str  # HQ's error code, "network", or the client's own ("bad_receipt", ...)
    message: str
    retry: bool


@dataclass(frozen=True)
class Progress:
    """Where the round stands, for a progress bar or a status line."""

    records_done: int
    records_total: int
    bytes_done: int
    bytes_total: int


@dataclass
class SyncResult:
    """What one round did. ``paused`` names a fatal error (the whole queue waits)."""

    sent: int = 0  # accepted by HQ this round, receipt verified
    already_held: int = 0  # HQ had them already (manifest), receipt verified
    receipts_verified: int = 0
    failed: list[ItemFailure] = field(default_factory=list)
    # HQ's fatal codes ("not_enrolled", "bad_signature", "device_revoked") or the client's:
    # "bad_receipt" (not HQ's key), "bad_log" (HQ's receipt log rewritten), "bad_answer",
    # "insecure_url"; a round-level request HQ refused for good carries HQ's code.
    paused: str | None = None
    pause_message: str = ""
    offline: bool = False  # HQ could not be reached at all
    cancelled: bool = False
    clock_offset_ms: int | None = None  # HQ time minus device time
    log_size: int | None = None  # receipts in HQ's log, consistency-checked
    bytes_sent: int = 0  # request body bytes put on the wire (re-sends included)
    # HQ was restored from a backup (its signed restore statement, sync.protocol.restore):
    # the receipt-log size it restarted at, and how many records go to HQ again for it.
    hq_restored_at: int | None = None
    requeued_after_restore: int = 0

    @property
    def complete(self) -> bool:
        """Everything pending reached HQ with a verified receipt."""
        return not (self.failed or self.paused or self.offline or self.cancelled)


class _Pause(Exception):  # ends the round; turned into SyncResult.paused
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code, self.message = code, message


class SyncEngine:
    """Runs sync rounds for one device store (`SyncSource`); one round at a time."""

    def __init__(self, source: SyncSource, *, bandwidth: float | None = None,
                 progress: Callable[[Progress], None] | None = None,
                 cancel: threading.Event | None = None, chunk_size: int = CHUNK_SIZE,
                 retries: int = 4, backoff_base: float = 1.0, backoff_cap: float = 30.0,
                 connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT,
                 clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
                 sleep: Callable[[float], None] | None = None,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.source = source
        self.ssl_context = ssl_context  # None: the system's trust store (an HQ's own CA: here)
        self.bandwidth = bandwidth  # bytes per second; None: no cap
        self.progress = progress or (lambda p: None)
        self.cancel = cancel or threading.Event()
        self.chunk_size = chunk_size
        self.retries = retries  # in-round retries of one item after a transient failure
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self.clock_ms = clock_ms
        # Waiting between retries wakes at once when the round is cancelled.
        self.sleep = sleep or (lambda s: bool(self.cancel.wait(s)))

    def run_round(self) -> SyncResult:
        """Send everything pending, keep every receipt that verifies; never raises for HQ."""
        result = SyncResult()
        enrolment = self.source.enrolment()
        if enrolment is None:
            result.paused, result.pause_message = "not_enrolled", "this device is not enrolled"
            return result
        throttle = TokenBucket(self.bandwidth) if self.bandwidth else None
        officer = self.source.acting_officer()
        try:
            conn = HqConnection(enrolment.hq_url, hq_id=enrolment.hq_id,
                                device_key=self.source.device_key(),
                                connect_timeout=self.connect_timeout,
                                read_timeout=self.read_timeout, throttle=throttle,
                                clock_ms=self.clock_ms, ssl_context=self.ssl_context,
                                cancel=self.cancel,
                                officer=None if officer is None else OfficerSigner(
                                    officer.officer_id, officer.signer))
        except InsecureUrl as err:
            result.paused, result.pause_message = "insecure_url", str(err)
            return result
        try:
            _Round(self, enrolment, conn, result, officer).run()
        except _Pause as pause:
            result.paused, result.pause_message = pause.code, pause.message
        except (Cancelled, SendCancelled):
            result.cancelled = True
        except NetworkError as err:
            result.offline, result.pause_message = True, str(err)
        finally:
            result.clock_offset_ms = conn.clock_offset_ms
            result.bytes_sent = conn.bytes_sent
            conn.close()
        return result


class _Round:
    """The state of one round: what is pending, what was receipted, where progress stands."""

    def __init__(self, engine: SyncEngine, enrolment: Enrolment, conn: HqConnection,
                 result: SyncResult, officer: ActingOfficer | None = None) -> None:
        self.engine, self.enrolment, self.conn, self.result = engine, enrolment, conn, result
        self.officer = officer
        if officer is not None:  # HQ lost the officer's key: register again, then retry
            conn.reregister = self._register_officer
        self.source = engine.source
        self.key = self.source.device_key()
        self.receipted_indexes: list[int] = []
        self.audit_size = 0  # the last audit tree size HQ countersigned for this device
        self.audit_leaves = 0  # how many of the device's audit leaves HQ holds verified
        self.leaves = LeafSender(conn, self.source)
        self.records_done = self.bytes_done = 0
        self.records_total = self.bytes_total = 0
        self.media_offsets: dict[str, int] = {}
        self.settled: set[str] = set()  # op ids receipted or failed this round

    def run(self) -> None:
        if self.officer is not None and not self.officer.registered:
            self._retrying(self._register_officer)
        self._send(self.source.pending())
        if self.result.hq_restored_at is not None:
            # HQ was restored and lost receipts (_restored): what it lost goes again now.
            self._send(self.source.pending())

    def _send(self, pending: list[PendingItem]) -> None:
        self.records_total += len(pending)
        self.bytes_total += sum(i.entry.size for i in pending if i.is_media)
        self._report()
        log_head = self._manifest(pending)
        uploader = TusUploader(self.conn, self.source, chunk_size=self.engine.chunk_size,
                               cancelled=self.engine.cancel.is_set,
                               progress=self._media_progress)
        for item in pending:
            if item.entry.op_id in self.settled:
                continue
            if self.engine.cancel.is_set():
                raise Cancelled()
            self._deliver(item, uploader)
        self._check_log(log_head)

    # -- 0. the acting officer -------------------------------------------------------------

    def _register_officer(self) -> None:
        assert self.officer is not None
        register_officer(self.conn, self.enrolment, self.officer)
        self.source.save_officer_registration(self.officer.officer_id,
                                              self.officer.public_key_hex)

    # -- 1. manifest ---------------------------------------------------------------------

    def _manifest(self, pending: list[PendingItem]) -> Signed[LogHead] | None:
        by_op = {i.entry.op_id: i for i in pending}
        log_head: Signed[LogHead] | None = None
        batches = [pending[i:i + MANIFEST_BATCH] for i in range(0, len(pending), MANIFEST_BATCH)]
        for batch in batches or [[]]:
            answer = self._manifest_call(batch)
            receipts, audit, log_head = _answer(parse_manifest_answer, answer)
            for receipt in receipts:
                item = by_op.get(receipt.body.op_id)
                if (item is not None and item.entry.op_id not in self.settled
                        and self._keep(item, receipt)):
                    self.result.already_held += 1
            # Conflicts HQ names here are still sent: HQ quarantines the other copy and
            # alerts its operator on the 409, which then stops the item for a person.
            self.audit_size, self.audit_leaves = audit.tree_size, audit.leaves
        return log_head

    def _manifest_call(self, batch: list[PendingItem]) -> object:
        """HQ's answer to the manifest of ``batch``; the entries of a kind HQ does not know
        are left for a later round, and the manifest is asked again without them."""
        while True:
            body = canonical_json({"v": 1, "entries": [
                {"op_id": i.entry.op_id, "device_seq": i.entry.device_seq,
                 "kind": i.entry.kind.value, "entity_id": i.entry.entity_id,
                 "sha256": i.entry.sha256, "size": i.entry.size} for i in batch]})
            call = self._json_call("POST", "/v1/sync/manifest", body)
            try:
                return self._retrying(functools.partial(_with_unknown_kind, call))
            except _UnknownKind as unknown:
                refused = [i for i in batch if i.entry.kind.value == unknown.kind]
                if not refused:  # not one of ours: HQ refused the manifest itself
                    raise _Pause(unknown.error.code, unknown.error.message) from None
                for item in refused:
                    self._postpone(item, unknown.error)
                batch = [i for i in batch if i.entry.kind.value != unknown.kind]

    # -- 2 and 3. records and media --------------------------------------------------------

    def _deliver(self, item: PendingItem, uploader: TusUploader) -> None:
        signed = sign(item.entry, self.key)
        for attempt in range(self.engine.retries + 1):
            try:
                if item.is_media:
                    receipt = uploader.upload(item, signed)
                else:
                    receipt = self._post_record(item, signed)
            except Cancelled:
                raise
            except HqError as err:
                if err.status in FATAL_STATUSES:
                    raise _Pause(err.code, err.message) from None
                if _unknown_kind(err) == item.entry.kind.value:
                    self._postpone(item, err)
                    return
                if not _transient(err):
                    self._fail(item, err.code, err.message or str(err), retry=False)
                    return
                # HQ asked for a longer wait than a round waits (a full disk: 5 minutes):
                # leave the item for a later round rather than hold the worker.
                if attempt == self.engine.retries or (
                        err.retry_after is not None
                        and err.retry_after > self.engine.backoff_cap):
                    self._fail(item, err.code, err.message or str(err), retry=True,
                               retry_after=err.retry_after)
                    return
                self.engine.sleep(self._delay(attempt, err.retry_after))
            except NetworkError as err:
                if attempt == self.engine.retries:
                    # HQ is out of reach, not this item: the round ends here rather than
                    # wait out the same retries for every item still pending.
                    self._fail(item, "network", str(err), retry=True)
                    raise
                self.engine.sleep(self._delay(attempt, None))
            except ValueError as err:  # the local copy is not what the entry announced
                self._fail(item, "local_data", str(err), retry=False)
                return
            else:
                if self._keep(item, receipt):
                    self.result.sent += 1
                return
            if self.engine.cancel.is_set():
                raise Cancelled()

    def _post_record(self, item: PendingItem, signed: Signed[OutboxEntry]) -> Signed[Receipt]:
        entry = item.entry
        payload = self.source.payload(entry)
        body: dict[str, object] = {"v": 1, "entry": signed.to_json(),
                                   "payload_b64": base64.b64encode(payload).decode("ascii")}
        if entry.kind is RecordKind.TREE_HEAD:
            to_size = int(entry.entity_id)
            # A head below what HQ countersigned goes with the proof that it is a prefix of
            # that one (its first sending failed while a later head went through). A store
            # put back to an older copy has no such proof to give: HQ refuses its head and
            # raises its alert, as it should.
            proof = (self.source.audit_consistency(self.audit_size, to_size)
                     if to_size >= self.audit_size else self._prefix_proof(to_size))
            body["consistency"] = {"from_size": self.audit_size,
                                   "proof": [p.hex() for p in proof]}
            body["leaves_from"], last = self.leaves.ahead_of_head(self.audit_leaves, to_size)
            body["leaves"] = encode(last)
        answer = self.conn.request("POST", "/v1/records", canonical_json(body),
                                   headers={"Content-Type": "application/json"}).json()
        if not isinstance(answer, dict) or "receipt" not in answer:
            raise NetworkError("HQ's answer to a record holds no receipt")
        try:
            receipt = Signed.from_json(answer["receipt"], Receipt)
        except ValueError as exc:
            raise NetworkError(f"HQ's receipt is malformed: {exc}") from None
        if entry.kind is RecordKind.TREE_HEAD:
            self.audit_size = max(self.audit_size, int(entry.entity_id))
            self.audit_leaves = max(self.audit_leaves, int(entry.entity_id))
        return receipt

    def _prefix_proof(self, size: int) -> list[bytes]:
        """The proof that this store's head of ``size`` is a prefix of the one HQ
        countersigned, or nothing if the store cannot give one (it holds another history)."""
        try:
            return self.source.audit_consistency(size, self.audit_size)
        except ValueError:
            return []

    # -- 4. the receipt log --------------------------------------------------------------

    def _check_log(self, manifest_head: Signed[LogHead] | None) -> None:
        head = manifest_head
        if self.receipted_indexes or head is None:
            answer = self._retrying(self._json_call("GET", "/v1/log/head"))
            head = _answer(parse_log_head, answer)
        previous = self.source.last_log_head()
        proof: list[bytes] = []
        if previous is not None and previous.body.size < head.body.size:
            answer = self._retrying(self._json_call(
                "GET", f"/v1/log/consistency?from={previous.body.size}&to={head.body.size}"))
            proof = _answer(parse_proof, answer)
        problem = log_head_problem(head, previous, proof, self.enrolment)
        if problem is None and any(i >= head.body.size for i in self.receipted_indexes):
            problem = "a receipt of this round lies beyond HQ's receipt log head"
        if problem is not None and previous is not None and self._restored(head, previous):
            problem = None  # HQ said, signed, that it lost receipts; they go again
        elif problem is not None:
            raise _Pause("bad_log", problem)
        elif previous is None or head.body.size >= previous.body.size:
            self.source.save_log_head(head)
        self.result.log_size = head.body.size

    def _restored(self, head: Signed[LogHead], previous: Signed[LogHead]) -> bool:
        """Whether HQ signed a restore statement explaining why ``head`` does not extend
        ``previous`` (`fitting_restore`), with ``head`` proven to extend the restored log;
        if so the source re-queues every record whose receipt the restore lost."""
        try:
            answer = self._retrying(self._json_call("GET", "/v1/log/restores"))
        except _Pause as pause:
            if pause.code == "not_found":  # an HQ from before restore statements
                return False
            raise
        restore = fitting_restore(_answer(parse_restores, answer), head, previous,
                                  self.enrolment)
        if restore is None:
            return False
        restored = restore.body
        proof: list[bytes] = []
        if restored.log_size < head.body.size:
            answer = self._retrying(self._json_call(
                "GET", f"/v1/log/consistency?from={restored.log_size}&to={head.body.size}"))
            proof = _answer(parse_proof, answer)
        if not verify_consistency(restored.log_size, head.body.size, restored.root_hash,
                                  head.body.root_hash, proof):
            return False
        self.result.requeued_after_restore = self.source.accept_restore(restore, head)
        self.result.hq_restored_at = restored.log_size
        return True

    # -- helpers ---------------------------------------------------------------------------

    def _keep(self, item: PendingItem, receipt: Signed[Receipt]) -> bool:
        """Keep ``receipt`` for ``item`` if it is HQ's receipt for it (True)."""
        if not receipt.verify(self.enrolment.receipt_key):
            # Not signed by the HQ this device enrolled with: another server is answering.
            # Nothing is marked sent, and the round stops before sending anything more.
            raise _Pause("bad_receipt", "a receipt is not signed by the HQ key pinned at "
                         "enrolment: another server may be answering in HQ's place")
        problem = receipt_problem(receipt, item.entry, self.enrolment)
        if problem is not None:  # HQ's own key, but not a receipt for what was sent
            self._fail(item, "receipt_mismatch", problem, retry=False)
            return False
        self.source.save_receipt(item.entry.op_id, receipt)
        self.settled.add(item.entry.op_id)
        self.receipted_indexes.append(receipt.body.log_index)
        self.result.receipts_verified += 1
        self.records_done += 1
        if item.is_media:
            self.media_offsets[item.entry.op_id] = item.entry.size
        self._report()
        return True

    def _fail(self, item: PendingItem, error: str, message: str, *, retry: bool,
              retry_after: float | None = None) -> None:
        retry_at = None
        if retry:
            delay = backoff_delay(item.attempts, retry_after=retry_after)
            retry_at = self.engine.clock_ms() + int(delay * 1000)
        self.source.save_failure(item.entry.op_id, error, message, retry_at)
        self.settled.add(item.entry.op_id)
        self.result.failed.append(ItemFailure(item.entry.op_id, item.entry.kind,
                                              item.entry.entity_id, error, message, retry))

    def _postpone(self, item: PendingItem, err: HqError) -> None:
        """An entry whose kind HQ does not know: kept for a later round, HQ's words kept."""
        self._fail(item, UNKNOWN_KIND, err.message or str(err), retry=True,
                   retry_after=UNKNOWN_KIND_RETRY_S)

    def _media_progress(self, op_id: str, offset: int) -> None:
        self.media_offsets[op_id] = offset
        self._report()

    def _report(self) -> None:
        self.engine.progress(Progress(self.records_done, self.records_total,
                                      sum(self.media_offsets.values()), self.bytes_total))

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        return backoff_delay(attempt, retry_after=retry_after, base=self.engine.backoff_base,
                             cap=self.engine.backoff_cap)

    def _json_call(self, method: str, path: str, body: bytes = b"") -> Callable[[], object]:
        headers = {"Content-Type": "application/json"} if body else {}
        return lambda: self.conn.request(method, path, body, headers=headers).json()

    def _retrying(self, call: Callable[[], object]) -> object:
        """A round-level request (manifest, log): transient failures retried, then offline."""
        for attempt in range(self.engine.retries + 1):
            try:
                return call()
            except HqError as err:
                if err.status in FATAL_STATUSES:
                    raise _Pause(err.code, err.message) from None
                if not _transient(err) or attempt == self.engine.retries:
                    raise _Pause(err.code, err.message or str(err)) from None
                self.engine.sleep(self._delay(attempt, err.retry_after))
            except NetworkError:
                if attempt == self.engine.retries:
                    raise
                self.engine.sleep(self._delay(attempt, None))
            if self.engine.cancel.is_set():
                raise Cancelled()
        raise AssertionError("unreachable")


class _UnknownKind(Exception):
    """HQ refused a request for naming a kind of record it does not know."""

    def __init__(self, kind: str, error: HqError) -> None:
        super().__init__(kind)
        self.kind, self.error = kind, error


def _unknown_kind(err: HqError) -> str | None:
    """The kind HQ said it does not know, if that is what HQ refused."""
    if err.status != 400 or err.code != "bad_request":
        return None
    found = _UNKNOWN_KIND_RE.search(err.message or "")
    return None if found is None else found.group(1)


def _with_unknown_kind(call: Callable[[], object]) -> object:
    """``call()``; a refusal for an unknown kind raised as `_UnknownKind`."""
    try:
        return call()
    except HqError as err:
        kind = _unknown_kind(err)
        if kind is None:
            raise
        raise _UnknownKind(kind, err) from None


def _answer(parse: Callable[[object], T], value: object) -> T:
    """``parse(value)``; an answer that is not what the protocol says pauses the round."""
    try:
        return parse(value)
    except ValueError as exc:
        raise _Pause("bad_answer", f"HQ's answer is malformed: {exc}") from None


def _transient(err: HqError) -> bool:
    return err.status >= 500 or err.status in _TRANSIENT_STATUSES or err.code == "replayed"
