"""Reference data from HQ: accept a signed manifest and the datasets it names, or refuse.

HQ publishes versioned datasets (roster, templates, revocations; later laws and discretion
standards) under a manifest signed with its receipt key (`sync.protocol.refdata`). Before
anything is kept: the manifest verifies with the key pinned at enrolment and names the HQ the
device enrolled with; it is not older than the one held (a replayed manifest would freeze the
device on old data); no dataset goes back to a version below the one held (a rollback); and
each dataset's bytes have the SHA-256 and size the manifest states. A refused manifest keeps
nothing and leaves the device on its last good data. An expired manifest is "stale": the
officer is warned and keeps working (an interview is never blocked for want of a network).

The fetching is the caller's (`fetch(name, version) -> bytes`), so this works the same over
the sync client, from a file carried by hand, or in a test.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from gettext import gettext as _

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from desktop.domain.errors import UserError
from desktop.store import refdata
from desktop.store.store import Store
from sync.protocol.canonical import canonical_json
from sync.protocol.refdata import RefManifest
from sync.protocol.signing import Signed

__all__ = [
    "RefdataRefused",
    "RefdataStatus",
    "RefdataUpdate",
    "accept",
    "revoked_fingerprints",
    "status",
]

REVOCATIONS = "revocations"


class RefdataRefused(UserError):
    """HQ's reference data was not accepted; the message says why, and nothing was kept."""


@dataclass(frozen=True)
class RefdataUpdate:
    """What one manifest changed: the datasets now at a newer version, and the rest."""

    updated: dict[str, int]
    unchanged: dict[str, int]


@dataclass(frozen=True)
class RefdataStatus:
    """What the device holds, and whether it is stale."""

    versions: dict[str, int]
    issued_ms: int | None
    expires_ms: int | None
    stale: bool


def _parse(signed_json: object) -> Signed[RefManifest]:
    try:
        return Signed.from_json(signed_json, RefManifest)
    except ValueError as exc:
        raise RefdataRefused(_("HQ's reference data could not be read ({problem}); the "
                               "last good version stays in use.").format(problem=exc)) from exc


def accept(store: Store, signed_json: object, *, pinned_key: Ed25519PublicKey, hq_id: str,
           fetch: Callable[[str, int], bytes]) -> RefdataUpdate:
    """Check a signed manifest and keep every newer dataset it names, all or nothing."""
    signed = _parse(signed_json)
    manifest = signed.body
    if not signed.verify(pinned_key):
        raise RefdataRefused(_("HQ's reference data is not signed with the key pinned at "
                               "enrolment; nothing was kept, the last good version stays in "
                               "use."))
    if manifest.hq != hq_id:
        raise RefdataRefused(_("The reference data is from HQ 「{other}」, not from 「{hq}」 "
                               "this device is enrolled with; nothing was kept.").format(
            other=manifest.hq, hq=hq_id))
    with store.reading() as conn:
        held_manifest = refdata.manifest(conn)
        held = refdata.held_versions(conn)
    if held_manifest is not None and manifest.issued_ms < held_manifest.issued_ms:
        raise RefdataRefused(_("HQ sent reference data older than the data this device "
                               "already holds (a replay?); nothing was kept."))
    newer: dict[str, bytes] = {}
    for name, offered in sorted(manifest.datasets.items()):
        current = held.get(name, 0)
        if offered.version < current:
            raise RefdataRefused(_("HQ offered version {offered} of 「{name}」, older than "
                                   "version {current} held here (a rollback); nothing was "
                                   "kept.").format(offered=offered.version, name=name,
                                                   current=current))
        if offered.version == current:
            continue
        data = fetch(name, offered.version)
        if len(data) != offered.size or hashlib.sha256(data).hexdigest() != offered.sha256:
            raise RefdataRefused(_("Version {version} of 「{name}」 does not have the SHA-256 "
                                   "and size HQ's signed manifest states; nothing was "
                                   "kept.").format(version=offered.version, name=name))
        newer[name] = data
    wire = canonical_json(signed.to_json()).decode("utf-8")

    def keep() -> None:
        with store.transaction() as tx:
            refdata.save_manifest(tx, wire, manifest.issued_ms, manifest.expires_ms)
            for name, data in newer.items():
                offered = manifest.datasets[name]
                refdata.accept_dataset(tx, name, offered.version, offered.sha256, data)

    store.write(keep)
    return RefdataUpdate(
        updated={name: manifest.datasets[name].version for name in newer},
        unchanged={name: d.version for name, d in manifest.datasets.items()
                   if name not in newer})


def status(store: Store, now_ms: int) -> RefdataStatus:
    """The versions held and whether the manifest behind them has expired."""
    with store.reading() as conn:
        held_manifest = refdata.manifest(conn)
        versions = refdata.held_versions(conn)
    if held_manifest is None:
        return RefdataStatus(versions, None, None, stale=False)
    return RefdataStatus(versions, held_manifest.issued_ms, held_manifest.expires_ms,
                         stale=now_ms >= held_manifest.expires_ms)


def revoked_fingerprints(store: Store) -> frozenset[str]:
    """SHA-256 fingerprints (hex) of the certificates HQ's revocation list names.

    The dataset is JSON: ``{"certificates": [{"sha256": hex, "revoked_at": …, "reason": …}]}``."""
    with store.reading() as conn:
        held = refdata.dataset(conn, REVOCATIONS)
    if held is None:
        return frozenset()
    try:
        listed = json.loads(held.data.decode("utf-8"))["certificates"]
        return frozenset(str(item["sha256"]).lower() for item in listed)
    except (ValueError, KeyError, TypeError) as exc:
        raise UserError(_("HQ's list of revoked certificates cannot be read ({problem}).")
                        .format(problem=exc)) from exc
