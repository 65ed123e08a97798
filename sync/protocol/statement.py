"""The content of a sealed statement as HQ receives it, and its content digest.

The digest (SHA-256 of the canonical JSON of this content) is what the signed PDF carries in
its QR codes and subject line, and what the outbox announces for a sealed statement; HQ
recomputes it from the record it receives. Version 1 is the form those digests were first
printed with, so its canonical bytes carry no version field: a version-1 object on the wire
has no ``"v"``, and any later version will carry ``"v"`` inside the hashed bytes. A ``"v"``
that this program does not know is refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.wire import (
    UnsupportedVersion,
    fields,
    opt_str,
    req_int,
    req_str,
)

__all__ = ["STATEMENT_CONTENT_VERSION", "ContentTurn", "StatementContent"]

STATEMENT_CONTENT_VERSION = 1
_WHAT = "statement content"
_KEYS = frozenset({"id", "case", "kind", "place", "started_at", "ended_at", "interviewers",
                   "recorder", "interviewee", "addendum_of", "turns"})
_TURN_KEYS = frozenset({"id", "seq", "kind", "tag", "revision", "text"})


@dataclass(frozen=True)
class ContentTurn:
    """One question, answer or note at the revision that was sealed."""

    id: str
    seq: int
    kind: str
    tag: str | None
    revision: int
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "seq": self.seq, "kind": self.kind, "tag": self.tag,
                "revision": self.revision, "text": self.text}

    @classmethod
    def from_json(cls, value: object) -> ContentTurn:
        what = _WHAT + " turn"
        d = fields(what, value, _TURN_KEYS)
        return cls(id=req_str(what, d, "id"), seq=req_int(what, d, "seq"),
                   kind=req_str(what, d, "kind"), tag=opt_str(what, d, "tag"),
                   revision=req_int(what, d, "revision"), text=req_str(what, d, "text"))


@dataclass(frozen=True)
class StatementContent:
    """What was signed, as data: the statement's metadata and its turns."""

    id: str
    case: str
    kind: str
    place: str
    started_at: str  # ISO 8601 with offset, as stored
    ended_at: str | None
    interviewers: tuple[str, str]
    recorder: str
    interviewee: str
    addendum_of: str | None
    turns: tuple[ContentTurn, ...]
    version: int = field(default=STATEMENT_CONTENT_VERSION)

    def __post_init__(self) -> None:
        if self.version != STATEMENT_CONTENT_VERSION:
            raise UnsupportedVersion(_WHAT, self.version, STATEMENT_CONTENT_VERSION)

    def to_json(self) -> dict[str, Any]:
        # Version 1 has no "v" member: see the module docstring.
        return {
            "id": self.id, "case": self.case, "kind": self.kind, "place": self.place,
            "started_at": self.started_at, "ended_at": self.ended_at,
            "interviewers": list(self.interviewers), "recorder": self.recorder,
            "interviewee": self.interviewee, "addendum_of": self.addendum_of,
            "turns": [t.to_json() for t in self.turns],
        }

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_json())

    def digest(self) -> str:
        """The content digest: SHA-256 of the canonical bytes, lowercase hex."""
        return hashlib.sha256(self.canonical_bytes()).hexdigest()

    @classmethod
    def from_json(cls, value: object) -> StatementContent:
        if isinstance(value, dict) and "v" in value:
            raise UnsupportedVersion(_WHAT, value["v"], STATEMENT_CONTENT_VERSION)
        d = fields(_WHAT, value, _KEYS)
        interviewers = d["interviewers"]
        if (not isinstance(interviewers, list) or len(interviewers) != 2
                or not all(isinstance(i, str) for i in interviewers)):
            raise ValueError(f"{_WHAT}.interviewers must be two strings")
        turns = d["turns"]
        if not isinstance(turns, list):
            raise ValueError(f"{_WHAT}.turns must be a list")
        return cls(
            id=req_str(_WHAT, d, "id"), case=req_str(_WHAT, d, "case"),
            kind=req_str(_WHAT, d, "kind"), place=req_str(_WHAT, d, "place"),
            started_at=req_str(_WHAT, d, "started_at"), ended_at=opt_str(_WHAT, d, "ended_at"),
            interviewers=(interviewers[0], interviewers[1]),
            recorder=req_str(_WHAT, d, "recorder"), interviewee=req_str(_WHAT, d, "interviewee"),
            addendum_of=opt_str(_WHAT, d, "addendum_of"),
            turns=tuple(ContentTurn.from_json(t) for t in turns),
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> StatementContent:
        """Parse received bytes; only the canonical encoding is accepted."""
        return cls.from_json(parse_canonical(data))
