"""HQ's receipt for one record: proof of delivery that the device verifies and keeps.

A receipt names the record (kind, id, the device and its sequence number), the SHA-256 and
size of what HQ received, HQ's own time (never the device's), the durability HQ vouches for,
and the record's index in HQ's append-only receipt log, so HQ cannot later deny or quietly
drop a receipt it gave. HQ signs the canonical bytes with its key, which the device pinned at
enrolment; a device may only purge local media after verifying a receipt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.records import RecordKind
from sync.protocol.wire import HEX64, check_version, fields, hex64, req_int, req_str

__all__ = ["RECEIPT_VERSION", "Durability", "Receipt"]

RECEIPT_VERSION = 1
_WHAT = "receipt"
_KEYS = frozenset({"v", "receipt_id", "hq", "device", "device_seq", "op_id", "kind",
                   "record_id", "sha256", "size", "hq_time_ms", "durability", "log_index"})


class Durability(StrEnum):
    """How safely HQ holds the record, weakest first."""

    STAGED = "staged"  # fsynced on one node
    STORED = "stored"  # in the blob store with its database row committed
    REPLICATED = "replicated"
    ARCHIVED = "archived"


@dataclass(frozen=True)
class Receipt:
    receipt_id: str
    hq: str
    device: str
    device_seq: int
    op_id: str
    kind: RecordKind
    record_id: str
    sha256: str
    size: int
    hq_time_ms: int
    durability: Durability
    log_index: int
    version: int = field(default=RECEIPT_VERSION)

    def __post_init__(self) -> None:
        check_version(_WHAT, self.version, RECEIPT_VERSION)
        if not HEX64.fullmatch(self.sha256):
            raise ValueError(f"{_WHAT}.sha256 must be 64 lowercase hex characters")

    def to_json(self) -> dict[str, Any]:
        return {"v": self.version, "receipt_id": self.receipt_id, "hq": self.hq,
                "device": self.device, "device_seq": self.device_seq, "op_id": self.op_id,
                "kind": self.kind.value, "record_id": self.record_id, "sha256": self.sha256,
                "size": self.size, "hq_time_ms": self.hq_time_ms,
                "durability": self.durability.value, "log_index": self.log_index}

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, value: object) -> Receipt:
        if isinstance(value, dict):
            check_version(_WHAT, value.get("v"), RECEIPT_VERSION)
        d = fields(_WHAT, value, _KEYS)
        kind, durability = req_str(_WHAT, d, "kind"), req_str(_WHAT, d, "durability")
        try:
            parsed_kind, parsed_durability = RecordKind(kind), Durability(durability)
        except ValueError as exc:
            raise ValueError(f"{_WHAT}: {exc}") from None
        return cls(receipt_id=req_str(_WHAT, d, "receipt_id"), hq=req_str(_WHAT, d, "hq"),
                   device=req_str(_WHAT, d, "device"),
                   device_seq=req_int(_WHAT, d, "device_seq", minimum=1),
                   op_id=req_str(_WHAT, d, "op_id"), kind=parsed_kind,
                   record_id=req_str(_WHAT, d, "record_id"), sha256=hex64(_WHAT, d, "sha256"),
                   size=req_int(_WHAT, d, "size"), hq_time_ms=req_int(_WHAT, d, "hq_time_ms"),
                   durability=parsed_durability, log_index=req_int(_WHAT, d, "log_index"))

    @classmethod
    def from_bytes(cls, data: bytes) -> Receipt:
        return cls.from_json(parse_canonical(data))
