"""The content of a sealed statement as HQ receives it, and its content digest.

The digest (SHA-256 of the canonical JSON of this content) is what the signed PDF carries in
its QR codes and subject line, and what the outbox announces for a sealed statement; HQ
recomputes it from the record it receives. A statement's content version is fixed when the
statement is signed and kept with it, so the digest printed on its PDF verifies forever:

- Version 1 is the form those digests were first printed with, so its canonical bytes carry
  no version field: a version-1 object on the wire has no ``"v"``. It holds the statement's
  metadata and turns only.
- Version 2 carries ``"v": 2`` inside the hashed bytes, and everything else the PDF prints
  about the interview (decision 28): 第N次 (``sequence``), the interpreter and the language
  interpreted, the guardian (监护人 / 法定代理人) and their relation to the party, and a
  refusal to sign with its reason, witness and time. An absent name or a statement that is
  not numbered is ``null``, never an empty string, so one statement has one spelling.

A ``"v"`` that this program does not know is refused.
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

__all__ = ["STATEMENT_CONTENT_VERSION", "SUPPORTED_CONTENT_VERSIONS", "ContentRefusal",
           "ContentTurn", "StatementContent"]

STATEMENT_CONTENT_VERSION = 2  # what a statement signed now is fixed at
SUPPORTED_CONTENT_VERSIONS = (1, 2)
_WHAT = "statement content"
_KEYS_V1 = frozenset({"id", "case", "kind", "place", "started_at", "ended_at", "interviewers",
                      "recorder", "interviewee", "addendum_of", "turns"})
_FORM_KEYS = ("sequence", "interpreter", "interpreter_language", "guardian",
              "guardian_relation")
_KEYS_V2 = _KEYS_V1 | {"v", "refusal", *_FORM_KEYS}
_TURN_KEYS = frozenset({"id", "seq", "kind", "tag", "revision", "text"})
_REFUSAL_KEYS = frozenset({"reason", "witness", "at"})


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
class ContentRefusal:
    """The party refused to sign (version 2): the reason, the witness's name and when, as the
    last page prints them."""

    reason: str
    witness: str
    at: str  # ISO 8601 with offset, as stored

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "witness": self.witness, "at": self.at}

    @classmethod
    def from_json(cls, value: object) -> ContentRefusal:
        what = _WHAT + " refusal"
        d = fields(what, value, _REFUSAL_KEYS)
        return cls(reason=req_str(what, d, "reason"), witness=req_str(what, d, "witness"),
                   at=req_str(what, d, "at"))


@dataclass(frozen=True)
class StatementContent:
    """What was signed, as data: the statement's metadata and its turns, and from version 2
    the form fields and refusal the PDF prints."""

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
    # Version 2 on: null when absent (see the module docstring).
    sequence: int | None = None
    interpreter: str | None = None
    interpreter_language: str | None = None
    guardian: str | None = None
    guardian_relation: str | None = None
    refusal: ContentRefusal | None = None
    version: int = field(default=STATEMENT_CONTENT_VERSION)

    def __post_init__(self) -> None:
        if type(self.version) is not int or self.version not in SUPPORTED_CONTENT_VERSIONS:
            raise UnsupportedVersion(_WHAT, self.version, SUPPORTED_CONTENT_VERSIONS)
        if self.version == 1 and (self.refusal is not None or any(
                getattr(self, name) is not None for name in _FORM_KEYS)):
            raise ValueError(f"{_WHAT}: version 1 has no form fields or refusal")
        for name in _FORM_KEYS[1:]:
            if getattr(self, name) == "":
                raise ValueError(f"{_WHAT}.{name}: an absent value is null, not empty")

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id, "case": self.case, "kind": self.kind, "place": self.place,
            "started_at": self.started_at, "ended_at": self.ended_at,
            "interviewers": list(self.interviewers), "recorder": self.recorder,
            "interviewee": self.interviewee, "addendum_of": self.addendum_of,
            "turns": [t.to_json() for t in self.turns],
        }
        if self.version == 1:  # no "v" member: see the module docstring
            return body
        return body | {
            "v": self.version, "sequence": self.sequence, "interpreter": self.interpreter,
            "interpreter_language": self.interpreter_language, "guardian": self.guardian,
            "guardian_relation": self.guardian_relation,
            "refusal": None if self.refusal is None else self.refusal.to_json(),
        }

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_json())

    def digest(self) -> str:
        """The content digest: SHA-256 of the canonical bytes, lowercase hex."""
        return hashlib.sha256(self.canonical_bytes()).hexdigest()

    @classmethod
    def from_json(cls, value: object) -> StatementContent:
        version = 1  # the version-1 spelling has no "v" (an explicit "v": 1 is not it)
        if isinstance(value, dict) and "v" in value:
            version = value["v"]
            if type(version) is not int or version not in SUPPORTED_CONTENT_VERSIONS[1:]:
                raise UnsupportedVersion(_WHAT, version, SUPPORTED_CONTENT_VERSIONS)
        d = fields(_WHAT, value, _KEYS_V1 if version == 1 else _KEYS_V2)
        interviewers = d["interviewers"]
        if (not isinstance(interviewers, list) or len(interviewers) != 2
                or not all(isinstance(i, str) for i in interviewers)):
            raise ValueError(f"{_WHAT}.interviewers must be two strings")
        turns = d["turns"]
        if not isinstance(turns, list):
            raise ValueError(f"{_WHAT}.turns must be a list")
        extra: dict[str, Any] = {}
        if version == 2:
            sequence = d["sequence"]
            extra = {name: opt_str(_WHAT, d, name) for name in _FORM_KEYS[1:]}
            extra["sequence"] = None if sequence is None else req_int(
                _WHAT, d, "sequence", minimum=1)
            extra["refusal"] = (None if d["refusal"] is None
                                else ContentRefusal.from_json(d["refusal"]))
        return cls(
            id=req_str(_WHAT, d, "id"), case=req_str(_WHAT, d, "case"),
            kind=req_str(_WHAT, d, "kind"), place=req_str(_WHAT, d, "place"),
            started_at=req_str(_WHAT, d, "started_at"), ended_at=opt_str(_WHAT, d, "ended_at"),
            interviewers=(interviewers[0], interviewers[1]),
            recorder=req_str(_WHAT, d, "recorder"), interviewee=req_str(_WHAT, d, "interviewee"),
            addendum_of=opt_str(_WHAT, d, "addendum_of"),
            turns=tuple(ContentTurn.from_json(t) for t in turns), version=version, **extra,
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> StatementContent:
        """Parse received bytes; only the canonical encoding is accepted."""
        return cls.from_json(parse_canonical(data))
