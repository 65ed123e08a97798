"""Reference data HQ sends down: the signed manifest of versioned datasets.

HQ publishes datasets (the roster of officers and their certificates, statement templates and
phrases, revoked certificates; later the law library and the discretion standards), each with
a version that only grows, the SHA-256 and the size of its bytes. The manifest names the
current version of each and when it expires; HQ signs it with its receipt key, which the
device pinned at enrolment. The device refuses a bad signature and any version below the
highest it has seen (a rollback, the attack TUF's trusted state exists for), keeps working on
the last good version, and warns when the manifest it holds has expired (stale data never
blocks an interview). Wire form: `Signed[RefManifest]`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.wire import check_version, fields, hex64, req_int, req_str

__all__ = ["DATASET_NAME", "REF_MANIFEST_VERSION", "DatasetVersion", "RefManifest"]

REF_MANIFEST_VERSION = 1
DATASET_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
_WHAT = "reference manifest"
_KEYS = frozenset({"v", "hq", "issued_ms", "expires_ms", "datasets"})
_DATASET_KEYS = frozenset({"version", "sha256", "size"})


@dataclass(frozen=True)
class DatasetVersion:
    """One dataset as the manifest names it."""

    version: int
    sha256: str
    size: int


@dataclass(frozen=True)
class RefManifest:
    """The current version of every dataset HQ publishes, valid until ``expires_ms``."""

    hq: str
    issued_ms: int
    expires_ms: int
    datasets: dict[str, DatasetVersion]
    version: int = field(default=REF_MANIFEST_VERSION)

    def __post_init__(self) -> None:
        check_version(_WHAT, self.version, REF_MANIFEST_VERSION)
        for name in self.datasets:
            if not DATASET_NAME.fullmatch(name):
                raise ValueError(f"{_WHAT}: {name!r} is not a dataset name")
        if self.expires_ms <= self.issued_ms:
            raise ValueError(f"{_WHAT}: expires before it was issued")

    def expired(self, now_ms: int) -> bool:
        return now_ms >= self.expires_ms

    def to_json(self) -> dict[str, Any]:
        return {"v": self.version, "hq": self.hq, "issued_ms": self.issued_ms,
                "expires_ms": self.expires_ms,
                "datasets": {name: {"version": d.version, "sha256": d.sha256, "size": d.size}
                             for name, d in self.datasets.items()}}

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, value: object) -> RefManifest:
        if isinstance(value, dict):
            check_version(_WHAT, value.get("v"), REF_MANIFEST_VERSION)
        d = fields(_WHAT, value, _KEYS)
        raw = d["datasets"]
        if not isinstance(raw, dict):
            raise ValueError(f"{_WHAT}.datasets must be a JSON object")
        datasets = {}
        for name, item in raw.items():
            what = f"{_WHAT} dataset {name!r}"
            entry = fields(what, item, _DATASET_KEYS)
            datasets[name] = DatasetVersion(version=req_int(what, entry, "version", minimum=1),
                                            sha256=hex64(what, entry, "sha256"),
                                            size=req_int(what, entry, "size"))
        return cls(hq=req_str(_WHAT, d, "hq"), issued_ms=req_int(_WHAT, d, "issued_ms"),
                   expires_ms=req_int(_WHAT, d, "expires_ms"), datasets=datasets)

    @classmethod
    def from_bytes(cls, data: bytes) -> RefManifest:
        return cls.from_json(parse_canonical(data))
