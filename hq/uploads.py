"""Media by the tus 1.0 subset (docs/protocols/sync.md §5): creation, checksum, termination,
expiration, at ``/v1/uploads``.

A PATCH streams its chunk into the upload's staging file, sealed (`blobs`), hashing as it
goes; only when the whole chunk arrived, its ``Upload-Checksum`` (sha256, or sha1) and signed
body hash hold and the file is fsynced does the offset move, in the database. Anything else
(a cut connection, a bad checksum, a full disk, a newer PATCH taking over) cuts the file
back to the committed length: the offset never covers bytes HQ does not hold. One PATCH at a
time per upload (an in-process lock); a PATCH that waited `lock_wait_s` for a holder that
stopped sending cancels it and takes over. Across HQ processes sharing one PostgreSQL the
upload's advisory lock (`finalize.upload_lock`) keeps it to one process at a time: a PATCH
that cannot take it within `lock_wait_s` is answered 503 with ``Retry-After`` (a holder in
another process cannot be cancelled from here; its stalled connection ends on its own). The
PATCH that completes the upload finalizes it (`finalize`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.utils import formatdate

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from hq.auth import authenticate
from hq.blobs import SEAL_SIZE, Staged, off_loop
from hq.db import Row
from hq.errors import HQError, read_body
from hq.finalize import commit, crash_point, finalize, upload_lock
from hq.receiver import Refused
from hq.records_api import disk_full, is_disk_full, refusal, signed_entry
from hq.state import HQState, now_ms
from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.receipt import Receipt
from sync.protocol.records import RecordKind
from sync.protocol.signing import Signed

__all__ = ["MEDIA_KINDS", "delete_upload", "head_upload", "options_uploads", "patch_upload",
           "post_upload"]

MEDIA_KINDS = frozenset({RecordKind.EVIDENCE_ITEM, RecordKind.STATEMENT_PDF,
                         RecordKind.PENALTY_DOCUMENT_PDF})
TUS = {"Tus-Resumable": "1.0.0"}
_ALGORITHMS = ("sha256", "sha1")


def _tus(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**TUS, "Cache-Control": "no-store", **(extra or {})}


def _receipt_header(receipt: Signed[Receipt] | str) -> str:
    text = receipt if isinstance(receipt, str) else canonical_json(receipt.to_json()).decode()
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _expires(row: Row) -> str:
    return formatdate(row["expires_ms"] / 1000, usegmt=True)


async def options_uploads(state: HQState, request: Request) -> Response:
    return Response(status_code=204, headers=_tus({
        "Tus-Version": "1.0.0", "Tus-Extension": "creation,checksum,termination,expiration",
        "Tus-Checksum-Algorithm": ",".join(_ALGORITHMS),
        "Tus-Max-Size": str(state.config.max_upload)}))


def _upload(state: HQState, upload_id: str, device: str) -> Row:
    """The upload, if it is the device's and alive; 404 or 410 otherwise."""
    row = state.db.one("SELECT * FROM uploads WHERE id = ?", (upload_id,))
    if row is None or row["device"] != device or row["state"] in ("discarded", "terminated"):
        raise HQError(404, "unknown_upload", f"no upload {upload_id}")
    if row["state"] == "open" and row["expires_ms"] < now_ms():
        state.blobs.discard(upload_id)
        with state.db.transaction() as conn:
            conn.execute("UPDATE uploads SET state = 'expired' WHERE id = ?", (upload_id,))
        raise HQError(410, "upload_expired", f"upload {upload_id} expired; create it again")
    if row["state"] == "expired":
        raise HQError(410, "upload_expired", f"upload {upload_id} expired; create it again")
    return row


def _created(row: Row) -> Response:
    headers = _tus({"Location": f"/v1/uploads/{row['id']}", "Upload-Expires": _expires(row)})
    if row["state"] == "done":
        headers |= {"Upload-Offset": str(row["length"]),
                    "SR-Receipt": _receipt_header(str(row["receipt"]))}
    return Response(status_code=201, headers=headers)


def _int_header(request: Request, name: str) -> int:
    try:
        value = int(request.headers[name])
    except (KeyError, ValueError):
        raise HQError(400, "bad_request", f"{name} must be a non-negative integer") from None
    if value < 0:
        raise HQError(400, "bad_request", f"{name} must be a non-negative integer")
    return value


def _metadata_entry(request: Request) -> object:
    for pair in request.headers.get("Upload-Metadata", "").split(","):
        key, _, value = pair.strip().partition(" ")
        if key == "entry":
            try:
                return parse_canonical(base64.b64decode(value, validate=True))
            except (binascii.Error, ValueError) as exc:
                raise HQError(400, "bad_request", f"Upload-Metadata entry: {exc}") from None
    raise HQError(400, "bad_request", "Upload-Metadata must carry the signed entry")


async def post_upload(state: HQState, request: Request) -> Response:
    caller = authenticate(state, request, await read_body(request, 0))
    if request.headers.get("Tus-Resumable") != "1.0.0":
        raise HQError(412, "bad_request", "Tus-Resumable must be 1.0.0", TUS)
    length = _int_header(request, "Upload-Length")
    if length > state.config.max_upload:
        raise HQError(413, "too_large", f"the upload is over {state.config.max_upload} bytes")
    submitted = signed_entry(_metadata_entry(request), caller.device)
    entry = submitted.body
    if entry.kind not in MEDIA_KINDS or entry.size != length or \
            request.headers.get("Idempotency-Key") != entry.op_id:
        raise HQError(400, "bad_request", "an upload is a medium whose entry gives its "
                      "Upload-Length and whose op_id is the Idempotency-Key")
    try:
        state.receiver.verify(submitted)
        again = state.receiver.admit(submitted)
    except Refused as exc:
        raise refusal(exc) from None
    upload_id = secrets.token_hex(16)
    now = now_ms()
    with state.db.transaction() as conn:
        # The same Idempotency-Key at two HQ processes at once still makes one upload.
        conn.lock(f"upload-key:{caller.device}:{entry.op_id}")
        for row in conn.execute("SELECT * FROM uploads WHERE device = ? AND op_id = ? AND "
                                "state IN ('open', 'done')", (caller.device, entry.op_id)
                                ).fetchall():
            if row["state"] == "done" or row["expires_ms"] >= now:
                return _created(row)  # the same Idempotency-Key again: the same Location
        conn.execute(
            "INSERT INTO uploads (id, device, op_id, entry, length, upload_offset, staged_bytes,"
            " chunks, created_ms, expires_ms, state, officer)"
            " VALUES (?, ?, ?, ?, ?, 0, 0, 0, ?, ?, ?, ?)",
            (upload_id, caller.device, entry.op_id,
             canonical_json(submitted.to_json()).decode("utf-8"), length, now,
             now + int(state.config.upload_expiry_s * 1000), "open", caller.officer))
    held = state.db.one("SELECT sha256 FROM blobs WHERE sha256 = ?", (entry.sha256,))
    if again is not None or (held is not None and state.blobs.exists(entry.sha256)):
        # HQ holds these bytes: receipt at once
        commit(state, upload_id, submitted, caller.officer)
    created = state.db.one("SELECT * FROM uploads WHERE id = ?", (upload_id,))
    assert created is not None
    return _created(created)


async def head_upload(state: HQState, request: Request) -> Response:
    caller = authenticate(state, request, b"")
    row = _upload(state, request.path_params["upload_id"], caller.device)
    if row["state"] == "open" and row["upload_offset"] == row["length"]:
        # Every byte is held but finalize did not run through (the object store was down):
        # the device asks where it stands, and gets its receipt.
        async with _hold(state, str(row["id"])):
            row = _upload(state, str(row["id"]), caller.device)
            if row["state"] == "open":
                await _finalize(state, row)
                row = _upload(state, str(row["id"]), caller.device)
    headers = _tus({"Upload-Offset": str(row["upload_offset"]),
                    "Upload-Length": str(row["length"]), "Upload-Expires": _expires(row)})
    if row["state"] == "done":
        headers["SR-Receipt"] = _receipt_header(str(row["receipt"]))
    return Response(status_code=200, headers=headers)


async def delete_upload(state: HQState, request: Request) -> Response:
    caller = authenticate(state, request, b"")
    row = _upload(state, request.path_params["upload_id"], caller.device)
    if row["state"] == "open":
        state.blobs.discard(str(row["id"]))
        with state.db.transaction() as conn:
            conn.execute("UPDATE uploads SET state = 'terminated' WHERE id = ?", (row["id"],))
    return Response(status_code=204, headers=_tus())


@asynccontextmanager
async def _hold(state: HQState, upload_id: str) -> AsyncIterator[None]:
    """One PATCH at a time per upload; a stalled holder is cancelled after `lock_wait_s`."""
    me = asyncio.current_task()
    assert me is not None
    holders = state.upload_holders
    waited = 0.0
    while (holder := holders.get(upload_id)) is not None and not holder.done():
        if (waited >= state.config.lock_wait_s and holder not in state.superseded
                and upload_id not in state.finalizing):
            state.superseded.add(holder)
            holder.cancel()
        await asyncio.sleep(0.02)
        waited += 0.02
    holders[upload_id] = me
    try:
        yield
    finally:
        if holders.get(upload_id) is me:
            del holders[upload_id]
        state.superseded.discard(me)


@asynccontextmanager
async def _hold_across_processes(state: HQState, upload_id: str) -> AsyncIterator[None]:
    """The upload's lock among HQ processes (PostgreSQL; nothing to wait for on SQLite)."""
    lock = upload_lock(upload_id)
    waited = 0.0
    while not state.db.try_hold(lock):
        if waited >= state.config.lock_wait_s:
            raise HQError(503, "unavailable", f"upload {upload_id} is being written by "
                          "another HQ process", _tus({"Retry-After": "5"}))
        await asyncio.sleep(0.05)
        waited += 0.05
    try:
        yield
    finally:
        state.db.release(lock)


def _checksum(request: Request) -> tuple[str, bytes]:
    algorithm, _, value = request.headers.get("Upload-Checksum", "").partition(" ")
    if algorithm not in _ALGORITHMS:
        raise HQError(400, "bad_request", "Upload-Checksum must be sha256 (or sha1) and base64")
    try:
        return algorithm, base64.b64decode(value, validate=True)
    except binascii.Error:
        raise HQError(400, "bad_request", "Upload-Checksum is not base64") from None


async def patch_upload(state: HQState, request: Request) -> Response:
    caller = authenticate(state, request, None)
    upload_id = request.path_params["upload_id"]
    async with _hold(state, upload_id), _hold_across_processes(state, upload_id):
        row = _upload(state, upload_id, caller.device)
        offset = _int_header(request, "Upload-Offset")
        if offset != row["upload_offset"]:
            raise HQError(409, "offset_mismatch", f"upload {upload_id} is at "
                          f"{row['upload_offset']}, not {offset}",
                          _tus({"Upload-Offset": str(row["upload_offset"])}))
        if row["state"] == "done":  # the completing PATCH's answer was lost
            return Response(status_code=204, headers=_tus({
                "Upload-Offset": str(row["length"]),
                "SR-Receipt": _receipt_header(str(row["receipt"]))}))
        if request.headers.get("Content-Type") != "application/offset+octet-stream":
            raise HQError(415, "bad_request", "a PATCH is application/offset+octet-stream")
        algorithm, expected = _checksum(request)
        size = _int_header(request, "Content-Length")
        if offset + size > row["length"]:
            raise HQError(400, "bad_request", "the chunk goes past Upload-Length")
        free = state.blobs.free_bytes()  # None: an object store refuses when full
        if free is not None and free - size - size // 64 < state.config.min_free:
            raise disk_full()
        staged = await off_loop(state.blobs.stage, upload_id)
        try:
            chunks = await _receive(state, request, staged, row, size, algorithm, expected,
                                    caller.body_sha256)
            with state.db.transaction() as conn:
                conn.execute("UPDATE uploads SET upload_offset = ?, staged_bytes = ?, "
                             "chunks = ? WHERE id = ? AND state = 'open'",
                             (offset + size, chunks[0], chunks[1], upload_id))
        except ClientDisconnect:
            return Response(status_code=400)  # nobody is left to read it
        finally:
            staged.close()
        if offset + size < row["length"]:
            return Response(status_code=204, headers=_tus({"Upload-Offset": str(offset + size)}))
        done = state.db.one("SELECT * FROM uploads WHERE id = ?", (upload_id,))
        assert done is not None
        receipt = await _finalize(state, done)
        return Response(status_code=204, headers=_tus({
            "Upload-Offset": str(row["length"]), "SR-Receipt": _receipt_header(receipt)}))


async def _finalize(state: HQState, row: Row) -> Signed[Receipt]:
    upload_id = str(row["id"])
    state.finalizing.add(upload_id)  # re-hashing a large file is not a stalled PATCH
    try:
        return await finalize(state, row)
    finally:
        state.finalizing.discard(upload_id)


async def _receive(state: HQState, request: Request, staged: Staged, row: Row,
                   size: int, algorithm: str, expected: bytes, body_sha256: str
                   ) -> tuple[int, int]:
    """Stream the chunk into ``staged`` and fsync it; return the new (staged bytes, chunk
    count). On any failure the file is cut back to what the database says, and HQError (or
    the client's disconnect) is raised."""
    committed, index = int(row["staged_bytes"]), int(row["chunks"])
    await off_loop(staged.resume_at, committed)
    written, received = committed, 0
    check = hashlib.new(algorithm)
    body = check if algorithm == "sha256" else hashlib.sha256()  # hash the bytes once
    pending = bytearray()
    try:
        try:
            async for piece in request.stream():
                received += len(piece)
                if received > size:
                    raise HQError(400, "bad_request", "the body is longer than Content-Length")
                check.update(piece)
                if body is not check:
                    body.update(piece)
                pending += piece
                while len(pending) >= SEAL_SIZE:
                    written += await off_loop(staged.append, bytes(pending[:SEAL_SIZE]),
                                              index)
                    index += 1
                    del pending[:SEAL_SIZE]
        except asyncio.CancelledError:
            me = asyncio.current_task()
            if me is None or me not in state.superseded:
                raise
            me.uncancel()  # our own signal: a newer PATCH took this upload over
            raise HQError(409, "offset_mismatch", "a newer PATCH took this upload over",
                          _tus({"Upload-Offset": str(row["upload_offset"])})) from None
        if received != size:
            raise HQError(400, "bad_request", "the body is shorter than Content-Length")
        if check.digest() != expected:
            raise HQError(460, "checksum_mismatch", "the chunk's checksum does not match",
                          _tus({"Upload-Offset": str(row["upload_offset"])}))
        if body.hexdigest() != body_sha256:
            raise HQError(400, "body_mismatch", "the body is not the one the request signed")
        if pending:
            written += await off_loop(staged.append, bytes(pending), index)
            index += 1
        await off_loop(staged.sync)
        crash_point("chunk-fsynced")  # before the offset moves
    except BaseException as exc:  # a cut, a refusal, a full disk: back to what is committed
        await off_loop(staged.truncate, committed)
        if isinstance(exc, OSError) and is_disk_full(exc):
            raise disk_full() from None
        raise
    return written, index
