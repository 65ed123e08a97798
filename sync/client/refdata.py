"""Reference data from HQ over the signed transport (docs/protocols/sync.md §7).

Only the fetching lives here: ``GET /v1/ref/manifest`` for the signed manifest, as the JSON
HQ sent, and ``GET /v1/ref/<name>/<version>`` for a dataset's bytes. Nothing is verified
here on purpose: the desktop's `desktop.services.refdata.accept` is the one place that checks
the manifest's signature against the pinned key, its HQ, its age, every version and every
dataset's SHA-256 and size, and keeps all or nothing. A second, partial check here would be
a second answer to the same question.

Errors are the transport's: `HqError` for HQ's refusals, `NetworkError` for the network.
"""

from __future__ import annotations

from sync.client.transport import HqConnection
from sync.protocol.refdata import DATASET_NAME

__all__ = ["MANIFEST_PATH", "RefdataFetcher", "dataset_path"]

MANIFEST_PATH = "/v1/ref/manifest"


def dataset_path(name: str, version: int) -> str:
    """The path of one dataset version; a name outside the protocol's is refused (it would
    otherwise become part of a URL)."""
    if not DATASET_NAME.fullmatch(name) or version < 1:
        raise ValueError(f"{name!r} version {version} is not a reference dataset version")
    return f"/v1/ref/{name}/{version}"


class RefdataFetcher:
    """Fetches HQ's reference manifest and datasets as one enrolled device."""

    def __init__(self, conn: HqConnection) -> None:
        self.conn = conn

    def manifest(self) -> object:
        """The manifest HQ sent, as parsed JSON (``Signed[RefManifest]`` if HQ is honest)."""
        return self.conn.request("GET", MANIFEST_PATH).json()

    def dataset(self, name: str, version: int) -> bytes:
        """The bytes HQ serves for ``name`` at ``version``."""
        return self.conn.request("GET", dataset_path(name, version)).body
