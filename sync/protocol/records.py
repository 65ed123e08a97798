"""What the device announces to HQ: the kinds of record, and one outbox entry.

Every record HQ receives is announced by one outbox entry, written in the same transaction as
the record itself: its kind, the id of the thing (``entity_id``), the SHA-256 and size of the
bytes that will be sent for it, and the device's sequence number. ``device_seq`` counts from
1 without gaps on one device, so HQ can see when something is missing; ``op_id`` is the
entry's own id and, on the wire, the idempotency key.

The bytes sent per kind (``sha256`` is over exactly these):

- ``statement``: the canonical `StatementContent` (so ``sha256`` is the content digest);
- ``statement_pdf``: the signed PDF; ``signature_capture``: a pen capture's record;
- ``evidence_item``: the medium itself (uploaded resumably; the item's custody travels with it);
- ``docking``: the canonical JSON of the `Signed` ingest certificate;
- ``tree_head``: the canonical JSON of the signed tree head (the audit events since the last
  head go with it as their leaves, which HQ checks against the head's root);
- ``signature_event``, ``officer_event``, ``key_event``: the audit leaf of the event;
- ``statement_context``, ``evidence_record``: the canonical JSON of `StatementContext` and
  `EvidenceItemRecord` (sync/protocol/context.py): whose statement, which case, which
  officers; an evidence item's facts and custody.
- ``penalty_decision``, ``legal_review``, ``penalty_document``: the canonical JSON of
  `PenaltyDecisionRecord`, `LegalReviewRecord` and `PenaltyDocumentRecord`
  (sync/protocol/penalty.py, issue 17): a decision as made, a reviewer's signed verdict, a
  signed document's kind, number and service; ``penalty_document_pdf``: that document's
  signed PDF (a medium, as ``statement_pdf``), under the document's id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.wire import HEX64, check_version, fields, hex64, req_int, req_str

__all__ = [
    "LEGACY_KIND_NAMES",
    "OUTBOX_ENTRY_VERSION",
    "VIDEO_PRIORITY",
    "OutboxEntry",
    "RecordKind",
    "parse_kind",
    "priority_for",
]

OUTBOX_ENTRY_VERSION = 1
_WHAT = "outbox entry"
_KEYS = frozenset({"v", "op_id", "device", "device_seq", "kind", "entity_id", "sha256", "size"})
_DEVICE_RE = re.compile(r"[0-9a-f]{16}")


class RecordKind(StrEnum):
    """Every kind of record HQ receives from a desktop."""

    STATEMENT = "statement"
    STATEMENT_PDF = "statement_pdf"
    SIGNATURE_CAPTURE = "signature_capture"
    SIGNATURE_EVENT = "signature_event"
    EVIDENCE_ITEM = "evidence_item"
    DOCKING = "docking"
    TREE_HEAD = "tree_head"
    OFFICER_EVENT = "officer_event"
    KEY_EVENT = "key_event"
    STATEMENT_CONTEXT = "statement_context"
    EVIDENCE_RECORD = "evidence_record"
    PENALTY_DECISION = "penalty_decision"
    LEGAL_REVIEW = "legal_review"
    PENALTY_DOCUMENT = "penalty_document"
    PENALTY_DOCUMENT_PDF = "penalty_document_pdf"

    @property
    def priority(self) -> int:
        """Default send order, lowest first: events, then records, then documents, then media.

        Small records go before large media so one video never holds up a statement; an
        evidence item that is a video gets `VIDEO_PRIORITY` instead (see `priority_for`)."""
        return _PRIORITY[self]


VIDEO_PRIORITY = 3
_PRIORITY = {
    RecordKind.OFFICER_EVENT: 0, RecordKind.KEY_EVENT: 0, RecordKind.TREE_HEAD: 0,
    RecordKind.SIGNATURE_EVENT: 1, RecordKind.STATEMENT: 1, RecordKind.DOCKING: 1,
    RecordKind.STATEMENT_CONTEXT: 1, RecordKind.EVIDENCE_RECORD: 1,
    RecordKind.PENALTY_DECISION: 1, RecordKind.LEGAL_REVIEW: 1, RecordKind.PENALTY_DOCUMENT: 1,
    RecordKind.STATEMENT_PDF: 2, RecordKind.SIGNATURE_CAPTURE: 2, RecordKind.EVIDENCE_ITEM: 2,
    RecordKind.PENALTY_DOCUMENT_PDF: 2,
}

# Before issue 12 a sealed statement was queued under the transport name "record".
LEGACY_KIND_NAMES = {"record": RecordKind.STATEMENT}


def parse_kind(name: str) -> RecordKind:
    """The kind named ``name`` (including the legacy spelling); ValueError otherwise."""
    if name in LEGACY_KIND_NAMES:
        return LEGACY_KIND_NAMES[name]
    try:
        return RecordKind(name)
    except ValueError:
        raise ValueError(f"unknown record kind {name!r}") from None


def priority_for(kind: RecordKind, media_kind: str | None = None) -> int:
    """The send priority of a record; a video evidence item goes last."""
    if kind is RecordKind.EVIDENCE_ITEM and media_kind == "video":
        return VIDEO_PRIORITY
    return kind.priority


@dataclass(frozen=True)
class OutboxEntry:
    """One announced record, as the device states it to HQ (and signs)."""

    op_id: str
    device: str  # the key id of the device's Ed25519 key
    device_seq: int
    kind: RecordKind
    entity_id: str
    sha256: str
    size: int
    version: int = field(default=OUTBOX_ENTRY_VERSION)

    def __post_init__(self) -> None:
        check_version(_WHAT, self.version, OUTBOX_ENTRY_VERSION)
        if not isinstance(self.kind, RecordKind):
            raise TypeError("kind must be a RecordKind")
        if not _DEVICE_RE.fullmatch(self.device):
            raise ValueError(f"{_WHAT}.device must be a 16-hex-character key id")
        if self.device_seq < 1:
            raise ValueError(f"{_WHAT}.device_seq starts at 1")
        if not HEX64.fullmatch(self.sha256):
            raise ValueError(f"{_WHAT}.sha256 must be 64 lowercase hex characters")

    def to_json(self) -> dict[str, Any]:
        return {"v": self.version, "op_id": self.op_id, "device": self.device,
                "device_seq": self.device_seq, "kind": self.kind.value,
                "entity_id": self.entity_id, "sha256": self.sha256, "size": self.size}

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, value: object) -> OutboxEntry:
        if isinstance(value, dict):
            check_version(_WHAT, value.get("v"), OUTBOX_ENTRY_VERSION)
        d = fields(_WHAT, value, _KEYS)
        kind = req_str(_WHAT, d, "kind")
        if kind in LEGACY_KIND_NAMES:  # a store-side spelling only, never on the wire
            raise ValueError(f"unknown record kind {kind!r}")
        return cls(op_id=req_str(_WHAT, d, "op_id"), device=req_str(_WHAT, d, "device"),
                   device_seq=req_int(_WHAT, d, "device_seq", minimum=1),
                   kind=parse_kind(kind), entity_id=req_str(_WHAT, d, "entity_id"),
                   sha256=hex64(_WHAT, d, "sha256"), size=req_int(_WHAT, d, "size"))

    @classmethod
    def from_bytes(cls, data: bytes) -> OutboxEntry:
        return cls.from_json(parse_canonical(data))
