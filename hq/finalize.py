"""Finishing an upload: the whole file re-hashed, moved into the blob store, receipted.

When the last byte of an upload is fsynced, HQ decrypts and re-hashes the whole staged file
(a running hash cannot survive a restart) and compares it with the SHA-256 the signed entry
announced. A mismatch discards the upload (422 ``hash_mismatch``). Otherwise the staged file
is renamed into the blob store (no re-encryption), and one transaction writes the blob row,
the record row, the receipt and its receipt-log leaf, and marks the upload done. HQ killed
between the rename and that commit finds the blob in place at the next start (`recover`)
and commits then: nothing it acknowledged is lost, nothing is acknowledged twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
from collections.abc import Iterator

from starlette.concurrency import run_in_threadpool

from hq.blobs import BlobStoreUnavailable, off_loop
from hq.db import Row
from hq.errors import HQError
from hq.receiver import Raced, Refused
from hq.records_api import refusal
from hq.state import HQState
from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.receipt import Receipt
from sync.protocol.records import OutboxEntry
from sync.protocol.signing import Signed

__all__ = ["CRASH_ENV", "crash_point", "finalize", "recover", "stored_entry", "upload_lock"]

# Fault tests (issue 15) kill HQ at exact points of an upload: HQ_CRASH_AT names one, and HQ
# SIGKILLs itself there, as a power cut would stop it. Unset in any real deployment.
CRASH_ENV = "HQ_CRASH_AT"


def crash_point(name: str) -> None:
    """SIGKILL this process if the fault tests asked for a crash at ``name``."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def upload_lock(upload_id: str) -> str:
    """The lock one HQ process holds while it writes or finishes an upload (decision 29)."""
    return f"upload:{upload_id}"


def stored_entry(row: Row) -> Signed[OutboxEntry]:
    return Signed.from_json(parse_canonical(row["entry"].encode("utf-8")), OutboxEntry)


def _digest(chunks: Iterator[bytes]) -> tuple[str, int]:
    hasher, size = hashlib.sha256(), 0
    try:
        for chunk in chunks:
            hasher.update(chunk)
            size += len(chunk)
    except BlobStoreUnavailable:
        raise  # the store is down, not the file lost: 503, and finalize runs again later
    except (OSError, ValueError):
        return "", -1  # a lost or damaged staged file is not the announced content
    return hasher.hexdigest(), size


def _discard(state: HQState, upload_id: str, message: str) -> HQError:
    state.blobs.discard(upload_id)
    with state.db.transaction() as conn:
        conn.execute("UPDATE uploads SET state = 'discarded' WHERE id = ?", (upload_id,))
    return HQError(422, "hash_mismatch", message)


async def finalize(state: HQState, row: Row) -> Signed[Receipt]:
    """Finish the upload of ``row`` (all bytes staged); HQError when it cannot be."""
    upload_id = str(row["id"])
    submitted = stored_entry(row)
    entry = submitted.body
    if await off_loop(state.blobs.is_staged, upload_id):
        digest, size = await run_in_threadpool(
            _digest, state.blobs.staged_plaintext(upload_id))
        if (digest, size) != (entry.sha256, entry.size):
            raise _discard(state, upload_id, f"the uploaded file of {entry.kind.value} "
                           f"{entry.entity_id} is not the announced SHA-256; discarded")
        await off_loop(state.blobs.adopt, upload_id, entry.sha256)
        crash_point("blob-adopted")  # in the store, its row not yet committed
    else:  # renamed into place before a crash: check what is there
        digest, size = await run_in_threadpool(_digest, state.blobs.read(entry.sha256))
        if (digest, size) != (entry.sha256, entry.size):
            raise _discard(state, upload_id, f"the staged file of {entry.kind.value} "
                           f"{entry.entity_id} was lost; send it again")
    return commit(state, upload_id, submitted, row["officer"])


def commit(state: HQState, upload_id: str, submitted: Signed[OutboxEntry],
           officer: str | None) -> Signed[Receipt]:
    """Receipt a held blob for this upload's entry, marking the upload done, in one go;
    ``officer`` is who the device acted for when it created the upload."""
    try:
        again = state.receiver.admit(submitted)
    except Refused as exc:
        state.blobs.discard(upload_id)
        with state.db.transaction() as conn:
            conn.execute("UPDATE uploads SET state = 'discarded' WHERE id = ?", (upload_id,))
        raise refusal(exc) from None
    try:
        with state.db.transaction() as conn:
            receipt = again or state.receiver.commit(conn, submitted, officer=officer)
            conn.execute("UPDATE uploads SET state = 'done', upload_offset = length, "
                         "receipt = ? WHERE id = ?",
                         (canonical_json(receipt.to_json()).decode("utf-8"), upload_id))
    except Raced:  # another HQ process receipted the same medium: `admit` now gives it
        return commit(state, upload_id, submitted, officer)
    return receipt


async def recover(state: HQState) -> None:
    """At start (after a janitor pass, `hq.janitor`): finish the uploads whose last byte was
    committed before HQ stopped."""
    for row in state.db.all("SELECT * FROM uploads WHERE state = 'open' AND "
                            "upload_offset = length"):
        lock = upload_lock(str(row["id"]))
        if not state.db.try_hold(lock):
            continue  # another HQ process is finishing it right now
        try:
            # Discarded on HQError: the device's next HEAD finds no upload and starts again.
            # Left open while the object store is down: the device's next HEAD finishes it.
            with contextlib.suppress(HQError, BlobStoreUnavailable):
                await finalize(state, row)
        finally:
            state.db.release(lock)
