"""A law library delivered to a real store the way HQ delivers it: a signed manifest naming a
``laws`` dataset, accepted by `desktop.services.refdata` (tests of issue 17)."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.services import refdata
from desktop.store.store import Store
from legal.library.model import Library
from sync.protocol.refdata import DatasetVersion, RefManifest
from sync.protocol.signing import sign

HQ_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(7, 39)))
HQ_ID = "hq-laws-test"


def send_laws(store: Store, library: Library | bytes, *, version: int = 1,
              issued_ms: int | None = None,
              fetched: list[tuple[str, int]] | None = None) -> refdata.RefdataUpdate:
    """Accept ``library`` as version ``version`` of ``laws`` under a manifest signed by
    HQ_KEY (the manifest's issue time grows with the version unless given); each dataset
    the pull fetched is appended to ``fetched``."""
    data = library if isinstance(library, bytes) else library.to_bytes()
    issued = issued_ms if issued_ms is not None else 1_000 * version
    offered = DatasetVersion(version, hashlib.sha256(data).hexdigest(), len(data))
    signed = sign(RefManifest(hq=HQ_ID, issued_ms=issued, expires_ms=issued + 86_400_000,
                              datasets={"laws": offered}), HQ_KEY)
    return refdata.accept(store, signed.to_json(), pinned_key=HQ_KEY.public_key(),
                          hq_id=HQ_ID, fetch=lambda name, v: _fetched(fetched, name, v, data))


def _fetched(log: list[tuple[str, int]] | None, name: str, version: int, data: bytes) -> bytes:
    if log is not None:
        log.append((name, version))
    return data
