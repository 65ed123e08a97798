"""Reference data HQ sends down (docs/protocols/sync.md §7): publish a dataset, serve the
signed manifest and each dataset's bytes.

The administrator publishes a file under a dataset name (``roster``, ``templates``,
``revocations``; later ``laws``, ``discretion``); any other name is refused, each publication
takes the next version of that name, and the same bytes as the current version publish
nothing. The bytes are kept in the blob store, encrypted like everything else (a roster names
officers). The manifest is signed with HQ's receipt key (pinned by every device at
enrolment): ``issued_ms`` is the time of the last publication, so it never goes backwards
while nothing changes, and ``expires_ms`` is now plus the configured validity, so a device
that stops hearing from HQ warns of stale data in time.

Each version is published from the command line (``statement-room-hq publish``) or by an
administrator in the supervision room (`hq.web.refdata_pages`), both through `publish`; the
room's user is kept with the version. Each dataset fetch records the device and the version
(`record_fetch`), so the room shows which device runs which version.
"""

from __future__ import annotations

import hashlib
from gettext import gettext as _

from starlette.requests import Request
from starlette.responses import Response

from hq.auth import authenticate
from hq.db import Database
from hq.errors import HQError
from hq.records_api import json_response
from hq.state import HQState, now_ms
from sync.protocol.refdata import DatasetVersion, RefManifest
from sync.protocol.signing import Signed

__all__ = ["DATASETS", "current_versions", "get_dataset", "get_ref_manifest", "manifest",
           "publish", "record_fetch"]

DATASETS = ("roster", "templates", "revocations", "laws", "discretion")


def current_versions(db: Database) -> dict[str, tuple[DatasetVersion, int]]:
    """The latest version of each dataset, with the time it was published."""
    latest: dict[str, tuple[DatasetVersion, int]] = {}
    for row in db.all("SELECT * FROM ref_datasets ORDER BY name, version"):
        latest[str(row["name"])] = (DatasetVersion(int(row["version"]), str(row["sha256"]),
                                                   int(row["size"])), int(row["published_ms"]))
    return latest


def publish(state: HQState, name: str, data: bytes, *, by: str | None = None
            ) -> tuple[int, bool]:
    """Publish ``data`` as the next version of ``name``: (version, True if new). ``by`` is
    the supervision room's user who published it (None: HQ's command line, whose operator
    holds the server's shell)."""
    if name not in DATASETS:  # a typo must not become a dataset every device fetches
        raise ValueError(_("{name!r} is not a dataset name HQ publishes; the datasets are "
                           "{datasets}").format(name=name, datasets=", ".join(DATASETS)))
    sha256 = hashlib.sha256(data).hexdigest()
    held = current_versions(state.db).get(name)
    if held is not None and held[0].sha256 == sha256:
        return held[0].version, False
    state.blobs.put(sha256, data)
    with state.db.transaction() as conn:
        conn.lock("ref_datasets")  # two publishers (processes) never take the same version
        row = conn.execute("SELECT MAX(version) AS v FROM ref_datasets WHERE name = ?",
                           (name,)).fetchone()
        assert row is not None  # an aggregate always gives one row
        version = int(row["v"] or 0) + 1
        # Never earlier than a publication already made: the manifest's issued_ms only grows.
        last = conn.execute("SELECT MAX(published_ms) AS t FROM ref_datasets").fetchone()
        assert last is not None
        published = max(now_ms(), int(last["t"] or 0) + 1)
        conn.execute("INSERT INTO ref_datasets (name, version, sha256, size, published_ms, "
                     "published_by) VALUES (?, ?, ?, ?, ?, ?)",
                     (name, version, sha256, len(data), published, by))
    return version, True


def manifest(state: HQState) -> Signed[RefManifest]:
    latest = current_versions(state.db)
    created = state.db.meta("created_ms")
    issued = max([t for _, t in latest.values()], default=int(created or 0))
    now = now_ms()
    validity = int(state.config.ref_validity_s * 1000)
    return state.receiver.sign(RefManifest(
        hq=state.hq_id, issued_ms=issued, expires_ms=max(now, issued) + validity,
        datasets={name: d for name, (d, _) in latest.items()}))


async def get_ref_manifest(state: HQState, request: Request) -> Response:
    authenticate(state, request, b"")
    return json_response(manifest(state).to_json())


def record_fetch(db: Database, device: str, name: str, version: int, at_ms: int) -> None:
    """Remember that ``device`` fetched ``version`` of ``name``: the highest version a
    device fetched is the one it runs (it fetches only versions newer than those it holds,
    and accepts them, since HQ's bytes match HQ's manifest), for the room's device x dataset
    table. A device fetching an older version again does not move its row back."""
    with db.transaction() as conn:
        conn.execute("INSERT INTO ref_fetches (device, name, version, fetched_ms) "
                     "VALUES (?, ?, ?, ?) ON CONFLICT (device, name) DO UPDATE SET "
                     "version = excluded.version, fetched_ms = excluded.fetched_ms "
                     "WHERE excluded.version >= ref_fetches.version",
                     (device, name, version, at_ms))


async def get_dataset(state: HQState, request: Request) -> Response:
    caller = authenticate(state, request, b"")
    name, version = request.path_params["name"], request.path_params["version"]
    row = state.db.one("SELECT sha256, size FROM ref_datasets WHERE name = ? AND version = ?",
                       (name, version))
    if row is None:
        raise HQError(404, "unknown_dataset", f"no version {version} of dataset {name!r}")
    data = b"".join(state.blobs.read(str(row["sha256"])))
    record_fetch(state.db, caller.device, str(name), int(version), now_ms())
    return Response(data, media_type="application/octet-stream")
