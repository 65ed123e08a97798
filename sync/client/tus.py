"""Media to HQ by the tus subset of protocol §5: resumable, checked per chunk, never twice.

One `TusUploader.upload` call moves one medium as far as it can:

- an upload already under way (its URL saved by `SyncSource.save_upload`) is asked where it
  stands (``HEAD``) before any byte is sent; an expired or unknown one (404/410) is created
  again;
- a new one is created with the entry's ``op_id`` as ``Idempotency-Key`` (a lost 201 costs
  nothing: the same key gets the same ``Location``), and its URL is saved *before* the first
  ``PATCH``, so a crash can never leave an upload HQ knows and the device forgot;
- chunks of 8 MiB stream from `SyncSource.media_chunks` (from the vault, never a plaintext
  copy on disk), each with its SHA-256 in ``Upload-Checksum``; a ``460`` (damaged in transit)
  re-sends the chunk up to three times, a ``409`` (offset differs) asks HQ where it stands and
  continues from there;
- the PATCH that completes the upload answers with the receipt (``SR-Receipt``); if that
  answer was lost, the next call finds the upload complete by ``HEAD`` and takes it from there.

Network failures and HQ's other refusals propagate (`NetworkError`, `HqError`): the engine
decides whether and when to call again, and the next call resumes where HQ stands, so a cut
connection costs at most the chunk that was in flight.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable

from sync.client.source import PendingItem, SyncSource, UploadProgress
from sync.client.transport import HqConnection, HqError, NetworkError, Response
from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.receipt import Receipt
from sync.protocol.records import OutboxEntry
from sync.protocol.signing import Signed

__all__ = ["CHUNK_RESENDS", "CHUNK_SIZE", "Cancelled", "TusUploader", "parse_receipt_header"]

CHUNK_SIZE = 8 * 1024 * 1024
CHUNK_RESENDS = 3  # a 460 more often than this is the local copy, not the network
MAX_RESTARTS = 5  # 409s or re-creations in a row that bring the upload no further
TUS_VERSION = "1.0.0"
UPLOADS_PATH = "/v1/uploads"
RECEIPT_HEADER = "SR-Receipt"


class Cancelled(Exception):
    """The officer (or the program closing) asked sync to stop between two chunks."""


def parse_receipt_header(value: str) -> Signed[Receipt]:
    """The receipt in an ``SR-Receipt`` header (base64 of canonical JSON); ValueError if not."""
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise ValueError(f"SR-Receipt is not base64: {exc}") from None
    return Signed.from_json(parse_canonical(raw), Receipt)


class TusUploader:
    """Uploads media of one device to one HQ, resuming from what `SyncSource` saved."""

    def __init__(self, conn: HqConnection, source: SyncSource, *,
                 chunk_size: int = CHUNK_SIZE,
                 cancelled: Callable[[], bool] = lambda: False,
                 progress: Callable[[str, int], None] = lambda op_id, offset: None) -> None:
        self.conn = conn
        self.source = source
        self.chunk_size = chunk_size
        self.cancelled = cancelled
        self.progress = progress  # (op_id, bytes HQ has acknowledged for it)
        self._urls: dict[str, str] = {}  # uploads this uploader created or resumed

    def upload(self, item: PendingItem, signed: Signed[OutboxEntry]) -> Signed[Receipt]:
        """Bring ``item``'s medium to HQ and return HQ's receipt (not yet verified)."""
        entry = item.entry
        url = self._urls.get(entry.op_id) or (item.upload.url if item.upload else None)
        if url is not None:
            try:
                offset, receipt = self._where(url)
            except HqError as err:
                if err.status not in (404, 410):
                    raise
                self._forget(entry.op_id)  # expired or unknown at HQ: start again
            else:
                self.progress(entry.op_id, offset)
                if receipt is not None:
                    return receipt
                return self._send(entry, signed, url, offset)
        url, offset, receipt = self._create(entry, signed)
        self.progress(entry.op_id, offset)
        if receipt is not None:
            return receipt
        return self._send(entry, signed, url, offset)

    def _create(self, entry: OutboxEntry, signed: Signed[OutboxEntry]
                ) -> tuple[str, int, Signed[Receipt] | None]:
        metadata = base64.b64encode(canonical_json(signed.to_json())).decode("ascii")
        answer = self.conn.request("POST", UPLOADS_PATH, headers={
            "Tus-Resumable": TUS_VERSION, "Upload-Length": str(entry.size),
            "Idempotency-Key": entry.op_id, "Upload-Metadata": f"entry {metadata}"})
        location = answer.header("Location")
        if not location:
            raise NetworkError("HQ created an upload without saying where (no Location)")
        url = self.conn.target(location)
        offset = _offset(answer, default=0)
        # Saved before the first PATCH: after a crash the device resumes this upload instead
        # of starting one HQ would keep as an orphan (tus-js-client#730).
        self._remember(entry.op_id, url, offset)
        return url, offset, _receipt(answer)

    def _where(self, url: str) -> tuple[int, Signed[Receipt] | None]:
        answer = self.conn.request("HEAD", url, headers={"Tus-Resumable": TUS_VERSION})
        return _offset(answer), _receipt(answer)

    def _send(self, entry: OutboxEntry, signed: Signed[OutboxEntry], url: str, offset: int
              ) -> Signed[Receipt]:
        restarts = 0  # in a row without HQ's offset moving forward
        while True:
            if offset >= entry.size:
                # Everything is at HQ but its answer with the receipt was lost: ask again.
                offset, receipt = self._where(url)
                if receipt is not None:
                    return receipt
                if offset >= entry.size:
                    raise NetworkError("HQ holds the whole upload but gave no receipt")
            try:
                return self._patch_from(entry, url, offset)
            except _Restart as restart:
                restarts = restarts + 1 if restart.offset <= offset else 0
                if restarts > MAX_RESTARTS:  # HQ's answers go round in circles: later
                    raise NetworkError("HQ keeps sending the upload back to the same "
                                       f"offset ({restart.offset})") from None
                if restart.url is None:  # expired mid-way: a new upload from byte 0
                    self._forget(entry.op_id)
                    url, offset, receipt = self._create(entry, signed)
                    if receipt is not None:
                        return receipt
                else:
                    url, offset = restart.url, restart.offset
                self.progress(entry.op_id, offset)

    def _patch_from(self, entry: OutboxEntry, url: str, offset: int) -> Signed[Receipt]:
        reader = _ChunkReader(self.source.media_chunks(entry, offset, self.chunk_size))
        while (current := reader.take()) is not None:
            chunk, sha = current
            # The next chunk is read and hashed while HQ stores this one: its fsync and our
            # vault read and SHA-256 overlap instead of taking turns.
            answer = self._patch_chunk(url, offset, chunk, sha, reader.prefetch)
            new_offset = _offset(answer)
            if new_offset != offset + len(chunk):
                raise _Restart(url, new_offset)
            offset = new_offset
            self._remember(entry.op_id, url, offset)
            self.progress(entry.op_id, offset)
            receipt = _receipt(answer)
            if receipt is not None:
                return receipt
        if offset < entry.size:
            raise ValueError(f"the medium of {entry.entity_id} has {offset} bytes, "
                             f"not the {entry.size} announced")
        raise _Restart(url, offset)  # complete without a receipt: HEAD for it

    def _patch_chunk(self, url: str, offset: int, chunk: bytes, sha: bytes,
                     prefetch: Callable[[], None]) -> Response:
        digest = base64.b64encode(sha).decode("ascii")
        headers = {"Tus-Resumable": TUS_VERSION, "Upload-Offset": str(offset),
                   "Content-Type": "application/offset+octet-stream",
                   "Upload-Checksum": f"sha256 {digest}"}
        resends = 0
        while True:
            if self.cancelled():
                raise Cancelled()
            try:
                return self.conn.request("PATCH", url, chunk, headers=headers,
                                         body_sha256=sha.hex(), while_waiting=prefetch)
            except HqError as err:
                if err.status == 460 and resends < CHUNK_RESENDS:
                    resends += 1
                    continue
                if err.status == 409 and err.code == "offset_mismatch":
                    where = err.headers.get("upload-offset")
                    raise _Restart(url, int(where) if where and where.isdigit()
                                   else self._where(url)[0]) from None
                if err.status in (404, 410):
                    raise _Restart(None, 0) from None
                raise

    def _remember(self, op_id: str, url: str, offset: int) -> None:
        self._urls[op_id] = url
        self.source.save_upload(op_id, UploadProgress(url, offset))

    def _forget(self, op_id: str) -> None:
        self._urls.pop(op_id, None)
        self.source.save_upload(op_id, None)


class _Restart(Exception):  # control flow inside this module, never escapes
    """Continue the upload at ``url`` from ``offset`` (``url`` None: create it again)."""

    def __init__(self, url: str | None, offset: int) -> None:
        super().__init__(url, offset)
        self.url = url
        self.offset = offset


class _ChunkReader:
    """A medium's chunks with their SHA-256, one read ahead on request (`prefetch`)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._next: tuple[bytes, bytes] | None = None
        self._fetched = False

    def prefetch(self) -> None:
        if not self._fetched:
            self._next = next(((c, hashlib.sha256(c).digest()) for c in self._chunks if c),
                              None)
            self._fetched = True

    def take(self) -> tuple[bytes, bytes] | None:
        """The next non-empty chunk and its SHA-256, or None at the end."""
        self.prefetch()
        value, self._next, self._fetched = self._next, None, False
        return value


def _offset(answer: Response, default: int | None = None) -> int:
    value = answer.header("Upload-Offset")
    if value is None and default is not None:
        return default
    if value is None or not value.isdigit():
        raise NetworkError(f"HQ answered without a valid Upload-Offset ({value!r})")
    return int(value)


def _receipt(answer: Response) -> Signed[Receipt] | None:
    value = answer.header(RECEIPT_HEADER)
    if value is None:
        return None
    try:
        return parse_receipt_header(value)
    except ValueError as exc:
        raise NetworkError(f"HQ's SR-Receipt is malformed: {exc}") from None
