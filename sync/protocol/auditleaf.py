"""One leaf of the audit trail's Merkle log: the event as canonical JSON.

The leaf bytes are what the log hashes (`merkle.leaf_hash`), what a tree head's root commits
to, and what HQ receives for an event it must act on at once (a signature applied, an officer
or key change). The leaf holds its own index, so leaves cannot be reordered, and identifiers
and content hashes only, never personal data. Version ``v`` is inside the hashed bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.wire import check_version, fields, opt_str, req_int, req_str

__all__ = ["AUDIT_LEAF_VERSION", "AuditLeaf"]

AUDIT_LEAF_VERSION = 1
_WHAT = "audit leaf"
_KEYS = frozenset({"v", "idx", "id", "at", "actor", "action", "subject", "outcome", "details"})


@dataclass(frozen=True)
class AuditLeaf:
    idx: int
    id: str
    at: str
    actor: str | None
    action: str
    subject: str | None
    outcome: str
    details: dict[str, Any]
    version: int = field(default=AUDIT_LEAF_VERSION)

    def __post_init__(self) -> None:
        check_version(_WHAT, self.version, AUDIT_LEAF_VERSION)

    def to_json(self) -> dict[str, Any]:
        return {"v": self.version, "idx": self.idx, "id": self.id, "at": self.at,
                "actor": self.actor, "action": self.action, "subject": self.subject,
                "outcome": self.outcome, "details": self.details}

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, value: object) -> AuditLeaf:
        if isinstance(value, dict):
            check_version(_WHAT, value.get("v"), AUDIT_LEAF_VERSION)
        d = fields(_WHAT, value, _KEYS)
        details = d["details"]
        if not isinstance(details, dict):
            raise ValueError(f"{_WHAT}.details must be a JSON object")
        return cls(idx=req_int(_WHAT, d, "idx"), id=req_str(_WHAT, d, "id"),
                   at=req_str(_WHAT, d, "at"), actor=opt_str(_WHAT, d, "actor"),
                   action=req_str(_WHAT, d, "action"), subject=opt_str(_WHAT, d, "subject"),
                   outcome=req_str(_WHAT, d, "outcome"), details=details)

    @classmethod
    def from_bytes(cls, data: bytes) -> AuditLeaf:
        return cls.from_json(parse_canonical(data))
