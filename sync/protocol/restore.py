"""HQ's signed statement that it was restored from a backup (decision 31, "Backup and
restore").

A restored HQ has lost every receipt it gave after the backup was taken: its receipt log is
shorter than, or forked from, the head a device verified since. To the device that is what a
rollback attack looks like, and it refuses the log (sync/client/receipts.py). The operator who
restores says so instead: HQ signs, with the receipt key the devices pinned at enrolment,
"HQ ``hq`` was restored; its receipt log restarts from ``log_size`` receipts with this root;
receipts I gave before ``restored_ms`` with an index at or above ``log_size`` are gone". A
device that finds one fitting what it holds accepts the restored log, puts every record
whose receipt was lost back in its queue, and records the restore in its audit trail, so the
loss is explicit and repaired rather than silent.

The statement proves no more than HQ's key does: whoever holds that key could also sign
receipts at will. What it adds is that a restore is never quiet: the device acts on it only
when its own last head is beyond the restored size, re-sends what was lost, and tells the
officer and its audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.merkle import HASH_SIZE
from sync.protocol.wire import check_version, fields, hex64, opt_int, req_int, req_str

__all__ = ["RESTORE_STATEMENT_VERSION", "RestoreStatement"]

RESTORE_STATEMENT_VERSION = 1
_WHAT = "restore statement"
_KEYS = frozenset({"v", "hq", "log_size", "root_hash", "backup_ms", "restored_ms"})


@dataclass(frozen=True)
class RestoreStatement:
    """HQ ``hq`` restarted its receipt log at ``log_size`` receipts (root ``root_hash``) when
    it was restored at ``restored_ms`` (HQ's clock) from a backup taken at ``backup_ms``."""

    hq: str
    log_size: int
    root_hash: bytes
    backup_ms: int | None
    restored_ms: int
    version: int = field(default=RESTORE_STATEMENT_VERSION)

    def __post_init__(self) -> None:
        check_version(_WHAT, self.version, RESTORE_STATEMENT_VERSION)
        if len(self.root_hash) != HASH_SIZE:
            raise ValueError(f"{_WHAT}.root_hash must be {HASH_SIZE} bytes")

    def to_json(self) -> dict[str, Any]:
        return {"v": self.version, "hq": self.hq, "log_size": self.log_size,
                "root_hash": self.root_hash.hex(), "backup_ms": self.backup_ms,
                "restored_ms": self.restored_ms}

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, value: object) -> RestoreStatement:
        if isinstance(value, dict):
            check_version(_WHAT, value.get("v"), RESTORE_STATEMENT_VERSION)
        d = fields(_WHAT, value, _KEYS)
        return cls(hq=req_str(_WHAT, d, "hq"), log_size=req_int(_WHAT, d, "log_size"),
                   root_hash=bytes.fromhex(hex64(_WHAT, d, "root_hash")),
                   backup_ms=opt_int(_WHAT, d, "backup_ms"),
                   restored_ms=req_int(_WHAT, d, "restored_ms"))

    @classmethod
    def from_bytes(cls, data: bytes) -> RestoreStatement:
        return cls.from_json(parse_canonical(data))
