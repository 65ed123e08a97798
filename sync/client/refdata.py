"""Reference data from HQ (protocol §7): the signed manifest, then the datasets that changed.

`fetch_reference` asks HQ for its manifest and takes it only if it verifies with the receipt
key pinned at enrolment, names this HQ, and lowers no dataset below the highest version the
device has seen (``held``: the device's trusted state, kept where ordinary data cannot
overwrite it). A refused manifest leaves everything as it was: the device keeps working on
its last good versions. Each dataset newer than the one held is fetched and kept only if its
bytes have the SHA-256 and size the manifest names. Whether the manifest has expired is
judged in HQ's time (the device clock corrected by the offset measured on the way), so a
device clock hours off neither hides nor invents stale data. Nothing here raises for the
network: the answer is a `RefUpdate`.
"""

from __future__ import annotations

import hashlib
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.client.source import Enrolment
from sync.client.transport import (
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    HqConnection,
    HqError,
    InsecureUrl,
    NetworkError,
)
from sync.protocol.refdata import DATASET_NAME, DatasetVersion, RefManifest
from sync.protocol.signing import Signed

__all__ = ["Dataset", "RefUpdate", "dataset_problem", "fetch_reference", "manifest_problem"]


@dataclass(frozen=True)
class Dataset:
    """A dataset's bytes as HQ published them, checked against the manifest."""

    name: str
    version: int
    data: bytes


@dataclass
class RefUpdate:
    """What one fetch brought. Keep ``manifest`` and ``datasets`` only when not ``refused``."""

    manifest: Signed[RefManifest] | None = None  # verified; the new trusted state
    datasets: list[Dataset] = field(default_factory=list)  # newer than held, verified
    failed: dict[str, str] = field(default_factory=dict)  # dataset name -> why not taken
    refused: str | None = None  # "bad_signature", "other_hq", "rollback", "bad_answer", ...
    message: str = ""
    offline: bool = False
    expired: bool = False  # the manifest HQ sent is already past its expiry (in HQ time)


def manifest_problem(manifest: Signed[RefManifest], enrolment: Enrolment,
                     held: Mapping[str, int]) -> tuple[str, str] | None:
    """(code, words) of why ``manifest`` must be refused; None when it may be trusted."""
    if not manifest.verify(enrolment.receipt_key):
        return "bad_signature", ("the reference manifest is not signed by the HQ key pinned "
                                 "at enrolment")
    if manifest.body.hq != enrolment.hq_id:
        return "other_hq", f"the reference manifest is of HQ {manifest.body.hq!r}"
    for name, version in held.items():
        offered = manifest.body.datasets.get(name)
        if offered is not None and offered.version < version:
            return "rollback", (f"HQ offers version {offered.version} of {name}, older than "
                                f"version {version} this device already has")
    return None


def dataset_problem(announced: DatasetVersion, data: bytes) -> str | None:
    """Why ``data`` is not the dataset the manifest announced; None when it is."""
    if len(data) != announced.size or hashlib.sha256(data).hexdigest() != announced.sha256:
        return "the bytes do not have the size and SHA-256 the manifest names"
    return None


def fetch_reference(enrolment: Enrolment, device_key: Ed25519PrivateKey,
                    held: Mapping[str, int], *,
                    connect_timeout: float = CONNECT_TIMEOUT,
                    read_timeout: float = READ_TIMEOUT,
                    ssl_context: ssl.SSLContext | None = None,
                    clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000
                    ) -> RefUpdate:
    """Fetch HQ's reference manifest and every dataset newer than ``held``.

    ``held`` maps each dataset the device has to the version it has: raise it only from
    `RefUpdate.datasets` (what arrived and verified), so a dataset that failed is fetched
    again next time and a manifest offering less than it is refused as a rollback."""
    update = RefUpdate()
    try:
        conn = HqConnection(enrolment.hq_url, hq_id=enrolment.hq_id, device_key=device_key,
                            connect_timeout=connect_timeout, read_timeout=read_timeout,
                            ssl_context=ssl_context, clock_ms=clock_ms)
    except InsecureUrl as err:
        update.refused, update.message = "insecure_url", str(err)
        return update
    try:
        with conn:
            _fetch(conn, enrolment, held, update, clock_ms)
    except NetworkError as err:
        update.offline, update.message = True, str(err)
    except HqError as err:
        update.refused, update.message = err.code, err.message or str(err)
    if update.refused or update.offline:
        update.manifest, update.datasets = None, []  # nothing half-taken
    return update


def _fetch(conn: HqConnection, enrolment: Enrolment, held: Mapping[str, int],
           update: RefUpdate, clock_ms: Callable[[], int]) -> None:
    answer = conn.request("GET", "/v1/ref/manifest").json()
    try:
        manifest = Signed.from_json(answer, RefManifest)
    except ValueError as exc:
        update.refused, update.message = "bad_answer", f"HQ's reference manifest: {exc}"
        return
    problem = manifest_problem(manifest, enrolment, held)
    if problem is not None:
        update.refused, update.message = problem
        return
    hq_now = clock_ms() + (conn.clock_offset_ms or 0)
    update.expired = manifest.body.expired(hq_now)
    update.manifest = manifest
    for name, announced in sorted(manifest.body.datasets.items()):
        if announced.version <= held.get(name, 0) or not DATASET_NAME.fullmatch(name):
            continue
        try:
            data = conn.request("GET", f"/v1/ref/{name}/{announced.version}").body
        except HqError as err:
            update.failed[name] = f"{err.code}: {err.message}"
            continue
        why = dataset_problem(announced, data)
        if why is not None:
            update.failed[name] = why
        else:
            update.datasets.append(Dataset(name, announced.version, data))
