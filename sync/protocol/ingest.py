"""The ingest certificate of a docking: what a recorder handed over, signed by the device.

When a docking completes, the store signs this manifest with its Ed25519 device key (the key
that signs the audit trail's tree heads, so HQ already knows it): the recorder and its
officer, the recorder's clock before and after synchronisation, every file the docking
accounts for (stored now, or already stored by an earlier docking) and every entry it
skipped. The version is the ``format`` member, inside the signed bytes; a certificate of a
format this program does not know is refused, never half-read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.wire import (
    UnsupportedVersion,
    check_version,
    fields,
    hex64,
    opt_int,
    opt_str,
    req_bool,
    req_int,
    req_str,
)

__all__ = [
    "FILE_STATUSES",
    "INGEST_CERTIFICATE_FORMAT",
    "DockingClock",
    "IngestCertificate",
    "IngestPolicy",
    "IngestedFile",
    "RecorderIdentity",
    "SkippedEntry",
]

INGEST_CERTIFICATE_FORMAT = "statement-room/ingest-certificate/v1"
# "stored": copied and verified by this docking; "already_stored": an earlier docking took it.
FILE_STATUSES = ("stored", "already_stored")
_WHAT = "ingest certificate"


@dataclass(frozen=True)
class RecorderIdentity:
    """The identity record the recorder reported."""

    serial: str
    model: str
    officer_number: str
    officer_name: str
    unit_number: str
    unit_name: str

    def to_json(self) -> dict[str, Any]:
        return {"serial": self.serial, "model": self.model,
                "officer_number": self.officer_number, "officer_name": self.officer_name,
                "unit_number": self.unit_number, "unit_name": self.unit_name}

    @classmethod
    def from_json(cls, value: object) -> RecorderIdentity:
        what = _WHAT + ".device"
        d = fields(what, value, frozenset(
            {"serial", "model", "officer_number", "officer_name", "unit_number", "unit_name"}))
        return cls(*(req_str(what, d, k) for k in (
            "serial", "model", "officer_number", "officer_name", "unit_number", "unit_name")))


@dataclass(frozen=True)
class DockingClock:
    """The recorder's clock: what it showed, its offset, and the offset after the sync."""

    host_time: str
    device_time: str | None
    offset_ms: int | None
    offset_after_sync_ms: int | None

    def to_json(self) -> dict[str, Any]:
        return {"host_time": self.host_time, "device_time": self.device_time,
                "offset_ms": self.offset_ms, "offset_after_sync_ms": self.offset_after_sync_ms}

    @classmethod
    def from_json(cls, value: object) -> DockingClock:
        what = _WHAT + ".clock"
        d = fields(what, value, frozenset(
            {"host_time", "device_time", "offset_ms", "offset_after_sync_ms"}))
        return cls(host_time=req_str(what, d, "host_time"),
                   device_time=opt_str(what, d, "device_time"),
                   offset_ms=opt_int(what, d, "offset_ms"),
                   offset_after_sync_ms=opt_int(what, d, "offset_after_sync_ms"))


@dataclass(frozen=True)
class IngestPolicy:
    delete_originals: bool
    sm3: bool

    def to_json(self) -> dict[str, Any]:
        return {"delete_originals": self.delete_originals, "sm3": self.sm3}

    @classmethod
    def from_json(cls, value: object) -> IngestPolicy:
        what = _WHAT + ".policy"
        d = fields(what, value, frozenset({"delete_originals", "sm3"}))
        return cls(req_bool(what, d, "delete_originals"), req_bool(what, d, "sm3"))


@dataclass(frozen=True)
class IngestedFile:
    """One file the docking accounts for, by its evidence item and content hashes."""

    id: str
    status: str
    original_name: str
    device_path: str
    sha256: str
    sm3: str | None
    size: int
    kind: str
    marked: bool
    captured_at: str | None

    def __post_init__(self) -> None:
        if self.status not in FILE_STATUSES:
            raise ValueError(f"{_WHAT} file status must be one of {FILE_STATUSES}")

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "original_name": self.original_name,
                "device_path": self.device_path, "sha256": self.sha256, "sm3": self.sm3,
                "size": self.size, "kind": self.kind, "marked": self.marked,
                "captured_at": self.captured_at}

    @classmethod
    def from_json(cls, value: object) -> IngestedFile:
        what = _WHAT + ".files[]"
        d = fields(what, value, frozenset(
            {"id", "status", "original_name", "device_path", "sha256", "sm3", "size", "kind",
             "marked", "captured_at"}))
        sm3 = None if d["sm3"] is None else hex64(what, d, "sm3")
        return cls(id=req_str(what, d, "id"), status=req_str(what, d, "status"),
                   original_name=req_str(what, d, "original_name"),
                   device_path=req_str(what, d, "device_path"), sha256=hex64(what, d, "sha256"),
                   sm3=sm3, size=req_int(what, d, "size"), kind=req_str(what, d, "kind"),
                   marked=req_bool(what, d, "marked"),
                   captured_at=opt_str(what, d, "captured_at"))


@dataclass(frozen=True)
class SkippedEntry:
    """A volume entry that was not taken (a link, a device node…), with the reason."""

    name: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "reason": self.reason}

    @classmethod
    def from_json(cls, value: object) -> SkippedEntry:
        what = _WHAT + ".skipped[]"
        d = fields(what, value, frozenset({"name", "reason"}))
        return cls(req_str(what, d, "name"), req_str(what, d, "reason"))


_KEYS = frozenset({"format", "docking", "store", "device", "clock", "case", "statement",
                   "started_at", "officer", "policy", "files", "skipped"})


def _list(value: object, name: str) -> list[object]:
    if not isinstance(value, list):
        raise ValueError(f"{_WHAT}.{name} must be a list")
    return value


@dataclass(frozen=True)
class IngestCertificate:
    """The manifest of one docking; ``canonical_bytes`` are what the device key signs."""

    docking: str
    store: str
    device: RecorderIdentity
    clock: DockingClock
    case: str | None
    statement: str | None
    started_at: str
    officer: str
    policy: IngestPolicy
    files: tuple[IngestedFile, ...]
    skipped: tuple[SkippedEntry, ...]
    format: str = field(default=INGEST_CERTIFICATE_FORMAT)

    def __post_init__(self) -> None:
        if self.format != INGEST_CERTIFICATE_FORMAT:
            raise UnsupportedVersion(_WHAT, self.format, INGEST_CERTIFICATE_FORMAT)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format, "docking": self.docking, "store": self.store,
            "device": self.device.to_json(), "clock": self.clock.to_json(), "case": self.case,
            "statement": self.statement, "started_at": self.started_at, "officer": self.officer,
            "policy": self.policy.to_json(), "files": [f.to_json() for f in self.files],
            "skipped": [s.to_json() for s in self.skipped],
        }

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, value: object) -> IngestCertificate:
        # The version is checked before the field set, so a newer format with other fields
        # is reported as a version the reader does not know rather than as a malformed one.
        if isinstance(value, dict) and "format" in value:
            check_version(_WHAT, value["format"], INGEST_CERTIFICATE_FORMAT)
        d = fields(_WHAT, value, _KEYS)
        return cls(
            docking=req_str(_WHAT, d, "docking"), store=req_str(_WHAT, d, "store"),
            device=RecorderIdentity.from_json(d["device"]),
            clock=DockingClock.from_json(d["clock"]),
            case=opt_str(_WHAT, d, "case"), statement=opt_str(_WHAT, d, "statement"),
            started_at=req_str(_WHAT, d, "started_at"), officer=req_str(_WHAT, d, "officer"),
            policy=IngestPolicy.from_json(d["policy"]),
            files=tuple(IngestedFile.from_json(f) for f in _list(d["files"], "files")),
            skipped=tuple(SkippedEntry.from_json(s) for s in _list(d["skipped"], "skipped")),
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> IngestCertificate:
        """Parse stored or received bytes; only the canonical encoding is accepted."""
        return cls.from_json(parse_canonical(data))
