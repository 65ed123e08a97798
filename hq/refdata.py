"""Reference data HQ sends down (docs/protocols/sync.md §7): publish, list, serve.

The administrator publishes a dataset by name (`DATASETS`: the roster of officers and their
certificates, statement templates and phrases, revoked certificates, later the law library
and the discretion standards); each publication is the next version of that name, its bytes
kept in the blob store (sealed under HQ's master key, like every record: the roster names
officers) and its SHA-256, size and time in ``ref_datasets``. HQ does not read the bytes: what
a dataset says is the device's business.

- ``GET /v1/ref/manifest``: the latest version of every dataset as a `RefManifest`, issued
  now, expiring after ``HQConfig.ref_expiry_days``, signed with HQ's receipt key (the key
  devices pin at enrolment, so a device verifies it with nothing new);
- ``GET /v1/ref/{name}/{version}``: that version's bytes (older versions stay served: a
  device that read an older manifest can still fetch what it names).

Both are signed requests of an enrolled, non-revoked device (`auth.authenticate`).
"""

from __future__ import annotations

import hashlib
import sqlite3

from starlette.requests import Request
from starlette.responses import Response

from hq.auth import authenticate
from hq.blobs import BlobStore
from hq.db import Database
from hq.errors import HQError
from hq.keys import load_receipt_key
from hq.records_api import json_response
from hq.state import HQState, now_ms
from sync.protocol.refdata import DatasetVersion, RefManifest
from sync.protocol.signing import sign

__all__ = ["DATASETS", "MAX_DATASET_SIZE", "UnknownDataset", "current", "get_dataset",
           "get_manifest", "history", "manifest", "publish"]

DATASETS = ("roster", "templates", "revocations", "laws", "discretion")
MAX_DATASET_SIZE = 64 * 1024 * 1024  # a dataset is fetched whole, into the device's memory
DAY_MS = 86_400_000


class UnknownDataset(ValueError):
    """A name HQ does not publish under (a typo must not become a dataset devices fetch)."""


def publish(db: Database, blobs: BlobStore, name: str, data: bytes) -> DatasetVersion:
    """Keep ``data`` as the next version of dataset ``name``; that version."""
    if name not in DATASETS:
        raise UnknownDataset(f"{name!r} is not a reference dataset; the datasets are "
                             f"{', '.join(DATASETS)}")
    if len(data) > MAX_DATASET_SIZE:
        raise ValueError(f"a dataset is at most {MAX_DATASET_SIZE} bytes")
    digest = hashlib.sha256(data).hexdigest()
    blobs.put(digest, data)  # first, durably: a row never names bytes HQ does not hold
    with db.transaction() as conn:
        row = conn.execute("SELECT MAX(version) AS v FROM ref_datasets WHERE name = ?",
                           (name,)).fetchone()
        version = int(row["v"] or 0) + 1
        conn.execute("INSERT INTO ref_datasets (name, version, sha256, size, published_ms) "
                     "VALUES (?, ?, ?, ?, ?)", (name, version, digest, len(data), now_ms()))
    return DatasetVersion(version, digest, len(data))


def current(db: Database) -> dict[str, DatasetVersion]:
    """The latest version of each dataset published."""
    rows = db.all("SELECT name, version, sha256, size FROM ref_datasets AS d WHERE version = "
                  "(SELECT MAX(version) FROM ref_datasets WHERE name = d.name) ORDER BY name")
    return {str(r["name"]): DatasetVersion(int(r["version"]), str(r["sha256"]), int(r["size"]))
            for r in rows}


def history(db: Database) -> list[sqlite3.Row]:
    """Every version published, by name then version."""
    return db.all("SELECT name, version, sha256, size, published_ms FROM ref_datasets "
                  "ORDER BY name, version")


def manifest(state: HQState) -> RefManifest:
    issued = now_ms()
    expires = issued + max(1, round(state.config.ref_expiry_days * DAY_MS))
    return RefManifest(hq=state.hq_id, issued_ms=issued, expires_ms=expires,
                       datasets=current(state.db))


async def get_manifest(state: HQState, request: Request) -> Response:
    authenticate(state, request, b"")
    # The receipt key is read from its file at each call: HQState keeps it only inside the
    # Receiver, and a manifest is asked for once per sync round.
    signed = sign(manifest(state), load_receipt_key(state.config.data_dir))
    return json_response(signed.to_json())


async def get_dataset(state: HQState, request: Request) -> Response:
    authenticate(state, request, b"")
    name, raw_version = request.path_params["name"], request.path_params["version"]
    row = None
    if raw_version.isdigit():
        row = state.db.one("SELECT sha256, size FROM ref_datasets WHERE name = ? AND "
                           "version = ?", (name, int(raw_version)))
    if row is None:
        raise HQError(404, "unknown_dataset", f"HQ has not published version {raw_version} of "
                      f"{name!r}")
    data = b"".join(state.blobs.read(str(row["sha256"])))
    if len(data) != int(row["size"]) or hashlib.sha256(data).hexdigest() != row["sha256"]:
        raise HQError(500, "internal", f"the stored bytes of {name} {raw_version} are damaged")
    return Response(data, media_type="application/octet-stream")
