"""HQ's receipt log head: the size and root of the Merkle log of every receipt HQ gave.

Each receipt takes the next index of this log (its leaf is `merkle.leaf_hash` of the
receipt's canonical bytes). HQ signs the head with its receipt key; a device keeps the last
head it verified and checks every newer one with a consistency proof, so HQ cannot quietly
drop a receipt it gave. Wire form: `Signed[LogHead]` (`signing.Signed`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.merkle import HASH_SIZE
from sync.protocol.wire import check_version, fields, hex64, req_int, req_str

__all__ = ["LOG_HEAD_VERSION", "LogHead"]

LOG_HEAD_VERSION = 1
_WHAT = "receipt log head"
_KEYS = frozenset({"v", "hq", "size", "root_hash", "hq_time_ms"})


@dataclass(frozen=True)
class LogHead:
    """"HQ ``hq``'s receipt log had ``size`` receipts with this root at ``hq_time_ms``"."""

    hq: str
    size: int
    root_hash: bytes
    hq_time_ms: int
    version: int = field(default=LOG_HEAD_VERSION)

    def __post_init__(self) -> None:
        check_version(_WHAT, self.version, LOG_HEAD_VERSION)
        if len(self.root_hash) != HASH_SIZE:
            raise ValueError(f"{_WHAT}.root_hash must be {HASH_SIZE} bytes")

    def to_json(self) -> dict[str, Any]:
        return {"v": self.version, "hq": self.hq, "size": self.size,
                "root_hash": self.root_hash.hex(), "hq_time_ms": self.hq_time_ms}

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, value: object) -> LogHead:
        if isinstance(value, dict):
            check_version(_WHAT, value.get("v"), LOG_HEAD_VERSION)
        d = fields(_WHAT, value, _KEYS)
        return cls(hq=req_str(_WHAT, d, "hq"), size=req_int(_WHAT, d, "size"),
                   root_hash=bytes.fromhex(hex64(_WHAT, d, "root_hash")),
                   hq_time_ms=req_int(_WHAT, d, "hq_time_ms"))

    @classmethod
    def from_bytes(cls, data: bytes) -> LogHead:
        return cls.from_json(parse_canonical(data))
