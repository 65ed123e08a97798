"""What HQ learns about a statement and an evidence item beyond their bytes (issue 16).

The supervision room needs to know whose statement it shows, in which case, taken by whom,
and where and when a body-worn recorder's footage was made. None of that is in the
statement's content (which names the party and officers by id only) or in the medium, so two
more records travel, each written once, in the same transaction as the thing it describes,
and never changed after (HQ keeps one version per id: other content under the same id is a
conflict, as for every record):

- ``statement_context`` (`StatementContext`, entity id = the statement's id), written when
  the statement is sealed: the case as it stood then (number, cause, matter, place), the party
  (an immutable record on the desktop: a corrected identity is a new party), and each officer
  the statement names (interviewers and recorder) with name, certificate number and unit.
- ``evidence_record`` (`EvidenceItemRecord`, entity id = the item's id), written when the
  item is imported: its hashes, kind, source, capture and import times, who imported it, the
  recorder's serial and officer number, the docking it came in, its path on the recorder's
  volume, and its custody (clock offset, corrected start time, GPS track) as the desktop
  keeps it. The file's original name is not sent: the audit trail keeps only its hash.

Both are canonical JSON with ``"v": 1`` inside; an unknown version is refused. They hold
personal data: HQ keeps their bytes sealed like every record's (decision 25) and derives from
them only what its pages need (hq/catalog).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.wire import (
    check_version,
    fields,
    hex64,
    opt_str,
    req_bool,
    req_int,
    req_str,
)

__all__ = ["CONTEXT_VERSION", "CaseSnapshot", "EvidenceItemRecord", "OfficerSnapshot",
           "PartySnapshot", "StatementContext"]

CONTEXT_VERSION = 1
_CONTEXT = "statement context"
_EVIDENCE = "evidence record"


@dataclass(frozen=True)
class CaseSnapshot:
    """The case as it stood when the statement was sealed."""

    id: str
    number: str
    cause: str
    matter: str
    place: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "cause": self.cause,
                "matter": self.matter, "place": self.place}

    @classmethod
    def from_json(cls, value: object) -> CaseSnapshot:
        what = _CONTEXT + ".case"
        d = fields(what, value, frozenset({"id", "number", "cause", "matter", "place"}))
        return cls(*(req_str(what, d, k) for k in ("id", "number", "cause", "matter", "place")))


_PARTY_KEYS = ("id", "id_kind", "id_number", "name", "sex", "nation", "birth_date", "address",
               "authority", "valid_from", "valid_until", "phone", "workplace", "source")
_PARTY_OPTIONAL = frozenset({"birth_date", "valid_from", "valid_until"})


@dataclass(frozen=True)
class PartySnapshot:
    """The party interviewed, as the desktop's (immutable) party record holds them."""

    id: str
    id_kind: str
    id_number: str
    name: str
    sex: str  # male, female, unknown
    nation: str
    birth_date: str | None
    address: str
    authority: str
    valid_from: str | None
    valid_until: str | None
    phone: str
    workplace: str
    source: str  # manual, id_card, mrz

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in _PARTY_KEYS}

    @classmethod
    def from_json(cls, value: object) -> PartySnapshot:
        what = _CONTEXT + ".party"
        d = fields(what, value, frozenset(_PARTY_KEYS))
        s = {k: req_str(what, d, k) for k in _PARTY_KEYS if k not in _PARTY_OPTIONAL}
        return cls(id=s["id"], id_kind=s["id_kind"], id_number=s["id_number"], name=s["name"],
                   sex=s["sex"], nation=s["nation"], birth_date=opt_str(what, d, "birth_date"),
                   address=s["address"], authority=s["authority"],
                   valid_from=opt_str(what, d, "valid_from"),
                   valid_until=opt_str(what, d, "valid_until"), phone=s["phone"],
                   workplace=s["workplace"], source=s["source"])


@dataclass(frozen=True)
class OfficerSnapshot:
    """An officer the statement names, as the desktop's roster held them at sealing."""

    id: str
    name: str
    certificate_no: str
    unit: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "certificate_no": self.certificate_no,
                "unit": self.unit}

    @classmethod
    def from_json(cls, value: object) -> OfficerSnapshot:
        what = _CONTEXT + ".officers[]"
        d = fields(what, value, frozenset({"id", "name", "certificate_no", "unit"}))
        return cls(*(req_str(what, d, k) for k in ("id", "name", "certificate_no", "unit")))


def _object(what: str, d: Mapping[str, object], key: str) -> dict[str, Any]:
    value = d[key]
    if not isinstance(value, dict):
        raise ValueError(f"{what}.{key} must be an object")
    return value


def _list(what: str, d: Mapping[str, object], key: str) -> list[object]:
    value = d[key]
    if not isinstance(value, list):
        raise ValueError(f"{what}.{key} must be a list")
    return value


@dataclass(frozen=True)
class StatementContext:
    """Record ``statement_context``: who and which case a sealed statement is about."""

    statement: str
    case: CaseSnapshot
    party: PartySnapshot
    # each officer the statement names, once: the interviewers in their order (the first
    # leads, and the statement counts for that officer's unit), then the recorder
    officers: tuple[OfficerSnapshot, ...]
    version: int = field(default=CONTEXT_VERSION)

    def __post_init__(self) -> None:
        check_version(_CONTEXT, self.version, CONTEXT_VERSION)
        if len({o.id for o in self.officers}) != len(self.officers):
            raise ValueError(f"{_CONTEXT}.officers names an officer twice")

    def officer(self, officer_id: str) -> OfficerSnapshot | None:
        return next((o for o in self.officers if o.id == officer_id), None)

    def to_json(self) -> dict[str, Any]:
        return {"v": self.version, "statement": self.statement, "case": self.case.to_json(),
                "party": self.party.to_json(),
                "officers": [o.to_json() for o in self.officers]}

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, value: object) -> StatementContext:
        if isinstance(value, dict):
            check_version(_CONTEXT, value.get("v"), CONTEXT_VERSION)
        d = fields(_CONTEXT, value, frozenset({"v", "statement", "case", "party", "officers"}))
        return cls(statement=req_str(_CONTEXT, d, "statement"),
                   case=CaseSnapshot.from_json(d["case"]),
                   party=PartySnapshot.from_json(d["party"]),
                   officers=tuple(OfficerSnapshot.from_json(o)
                                  for o in _list(_CONTEXT, d, "officers")))

    @classmethod
    def from_bytes(cls, data: bytes) -> StatementContext:
        return cls.from_json(parse_canonical(data))


_EVIDENCE_KEYS = frozenset({"v", "id", "case", "statement", "sha256", "sm3", "size", "kind",
                            "source", "marked", "captured_at", "imported_at", "imported_by",
                            "device_serial", "officer_number", "docking", "device_path",
                            "custody"})


@dataclass(frozen=True)
class EvidenceItemRecord:
    """Record ``evidence_record``: an evidence item's facts and custody, without its bytes
    (those travel as the ``evidence_item`` medium, announced by the same ``sha256``)."""

    id: str
    case: str | None
    statement: str | None
    sha256: str
    sm3: str | None
    size: int
    kind: str  # photo, video, audio, document, other (desktop/store/evidence.py KINDS)
    source: str
    marked: bool  # the recorder's own "important" mark
    captured_at: str | None
    imported_at: str  # ISO 8601 with offset, as stored
    imported_by: str  # the officer's id
    device_serial: str | None
    officer_number: str | None
    docking: str | None
    device_path: str | None
    # as the desktop keeps it (desktop/services/dock.py): clock_offset_ms,
    # device_start_local, start_utc_corrected, gps (the sidecar's WGS-84 fixes)
    custody: dict[str, Any] = field(default_factory=dict)
    version: int = field(default=CONTEXT_VERSION)

    def __post_init__(self) -> None:
        check_version(_EVIDENCE, self.version, CONTEXT_VERSION)

    def to_json(self) -> dict[str, Any]:
        return {"v": self.version, "id": self.id, "case": self.case,
                "statement": self.statement, "sha256": self.sha256, "sm3": self.sm3,
                "size": self.size, "kind": self.kind, "source": self.source,
                "marked": self.marked, "captured_at": self.captured_at,
                "imported_at": self.imported_at, "imported_by": self.imported_by,
                "device_serial": self.device_serial, "officer_number": self.officer_number,
                "docking": self.docking, "device_path": self.device_path,
                "custody": self.custody}

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, value: object) -> EvidenceItemRecord:
        if isinstance(value, dict):
            check_version(_EVIDENCE, value.get("v"), CONTEXT_VERSION)
        d = fields(_EVIDENCE, value, _EVIDENCE_KEYS)
        w = _EVIDENCE
        return cls(id=req_str(w, d, "id"), case=opt_str(w, d, "case"),
                   statement=opt_str(w, d, "statement"), sha256=hex64(w, d, "sha256"),
                   sm3=None if d["sm3"] is None else hex64(w, d, "sm3"),
                   size=req_int(w, d, "size"), kind=req_str(w, d, "kind"),
                   source=req_str(w, d, "source"), marked=req_bool(w, d, "marked"),
                   captured_at=opt_str(w, d, "captured_at"),
                   imported_at=req_str(w, d, "imported_at"),
                   imported_by=req_str(w, d, "imported_by"),
                   device_serial=opt_str(w, d, "device_serial"),
                   officer_number=opt_str(w, d, "officer_number"),
                   docking=opt_str(w, d, "docking"), device_path=opt_str(w, d, "device_path"),
                   custody=_object(w, d, "custody"))

    @classmethod
    def from_bytes(cls, data: bytes) -> EvidenceItemRecord:
        return cls.from_json(parse_canonical(data))
