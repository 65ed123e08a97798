"""What HQ learns of a penalty case (issue 17, decision 53): the decision, its legal reviews,
its signed documents.

Three records travel, each announced once, in the same transaction as the thing it
describes, and never changed after (HQ keeps one version per id; other content under the same
id is a conflict, as for every record). Each holds only what never changes on the desktop
(the decision once DECIDED, a review, a document, the audit leaves that name who and when), so
the desktop rebuilds the same bytes whenever it sends them: cases and officers are named by
id (HQ names them from the statements' contexts and the officers it registered):

- ``penalty_decision`` (`PenaltyDecisionRecord`, entity id = the decision's id), written when
  the decision is made (its final document signed: the decision is then DECIDED and never
  changes again): its case, the statement its facts came from, the standard's and
  the library's versions, the engine's evaluation and the officer's choice as kept (the
  amount, the deviation and its written reason are the choice's), the SHA-256 a legal review
  judged (``reviewed_sha256``, over exactly that evaluation and choice, as kept), the party
  the decision names (``party``: ``{"kind": "person"}``, the person interviewed, whom HQ
  knows from the statements' contexts, or ``{"kind": "unit", "version", "name",
  "credit_code", "representative", "representative_title", "address", "phone"}``, the
  naming of the case's unit party in force when it was decided; `UnitParticulars`), who
  drafted it, who decided and when. HQ recomputes ``reviewed_sha256`` and refuses a record
  whose evaluation or choice is not the one it states, whose deviation has no written
  reason, or whose party is of an unknown kind or has a 统一社会信用代码 that does not pass
  its check character (`legal.credit_code`, the check the desktop applies when the unit is
  named: one implementation).
- ``legal_review`` (`LegalReviewRecord`, entity id = the review's id), written when a legal
  reviewer approves or returns a decision: the verdict, the comments, the reviewer, and the
  reviewer's signature over `review_signed_bytes` with the certificate that holds the key;
  HQ verifies the signature and refuses one that does not hold.
- ``penalty_document`` (`PenaltyDocumentRecord`, entity id = the document's id), written when
  a penalty document is signed and served: its kind, number, the SHA-256 of the signed PDF,
  how it was served. The PDF itself travels as the medium ``penalty_document_pdf`` under the
  same id, like a statement's ``statement_pdf``; HQ verifies its signatures when it shows it.

All are canonical JSON with ``"v": 1`` inside; an unknown version is refused. They may hold
personal data (a deviation's reason, a reviewer's comments): HQ keeps their bytes sealed like
every record's (decision 25) and derives from them only what its pages list (hq/catalog).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from legal.credit_code import CreditCodeFault, credit_code_fault
from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.wire import check_version, fields, hex64, opt_str, req_bool, req_int, req_str

__all__ = ["DOCUMENT_KINDS", "PARTY_KINDS", "PENALTY_VERSION", "REPRESENTATIVE_TITLES",
           "REVIEW_RECORD_KIND", "DatasetSnapshot", "LegalReviewRecord",
           "PenaltyDecisionRecord", "PenaltyDocumentRecord", "UnitParticulars", "key_sha256",
           "party_json", "review_signed_bytes", "reviewed_sha256"]

PENALTY_VERSION = 1
REVIEW_RECORD_KIND = "statement-room/penalty-review/1"
_DECISION = "penalty decision"
_REVIEW = "legal review"
_DOCUMENT = "penalty document"
# desktop/domain/penalty.py PenaltyDocumentKind
DOCUMENT_KINDS = frozenset({"order_to_correct", "prior_notice", "decision", "on_the_spot",
                            "no_penalty"})
# desktop/domain/model.py PartyKind and RepresentativeTitle
PARTY_KINDS = ("person", "unit")
REPRESENTATIVE_TITLES = frozenset({"legal_representative", "principal"})
_CREDIT_CODE_FAULTS = {
    CreditCodeFault.EMPTY: "is empty",
    CreditCodeFault.LENGTH: "does not have 18 characters",
    CreditCodeFault.CHARACTER: "has a character other than a digit or a capital letter "
                               "without I, O, S, V and Z",
    CreditCodeFault.DIVISION: "does not have the administrative division's six digits as "
                              "characters 3 to 8",
    CreditCodeFault.CHECK: "does not match its check character (GB 32100-2015)",
}
VERDICTS = frozenset({"approved", "returned"})
RECEIPTS = frozenset({"signed", "refused"})


def reviewed_sha256(evaluation: Mapping[str, Any], choice: Mapping[str, Any]) -> str:
    """The SHA-256 of what a legal review judges: the evaluation and the choice as the engine
    keeps them (their JSON), canonical (as desktop/store/penalty.py computes it)."""
    return hashlib.sha256(canonical_json({"evaluation": dict(evaluation),
                                          "choice": dict(choice)})).hexdigest()


def _object(what: str, d: Mapping[str, object], key: str) -> dict[str, Any]:
    value = d[key]
    if not isinstance(value, dict):
        raise ValueError(f"{what}.{key} must be an object")
    return value


@dataclass(frozen=True)
class DatasetSnapshot:
    """A reference dataset a decision used: the standard (``discretion``) or the library."""

    name: str
    version: int
    sha256: str
    label: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "sha256": self.sha256,
                "label": self.label}

    @classmethod
    def from_json(cls, what: str, value: object) -> DatasetSnapshot:
        d = fields(what, value, frozenset({"name", "version", "sha256", "label"}))
        return cls(req_str(what, d, "name"), req_int(what, d, "version"),
                   hex64(what, d, "sha256"), req_str(what, d, "label"))


_UNIT_KEYS = frozenset({"kind", "version", "name", "credit_code", "representative",
                        "representative_title", "address", "phone"})


@dataclass(frozen=True)
class UnitParticulars:
    """A unit named as a decision's party (当事人), as the case's naming in force when the
    decision was decided (desktop/store/case_parties.py, that naming's ``version``): what art.
    59 of the Administrative Penalty Law has the decision print. A decision whose party is
    the person interviewed has none (``{"kind": "person"}`` on the wire)."""

    version: int
    name: str
    credit_code: str  # 统一社会信用代码, as kept: 18 characters, upper case
    representative: str
    representative_title: str  # REPRESENTATIVE_TITLES
    address: str  # 住所
    phone: str

    def __post_init__(self) -> None:
        what = _DECISION + ".party"
        if type(self.version) is not int or self.version < 1:
            raise ValueError(f"{what}.version must be a whole number from 1")
        for key in ("name", "representative", "address"):
            if not str(getattr(self, key)).strip():
                raise ValueError(f"{what}.{key} is empty: a unit party names it")
        if self.representative_title not in REPRESENTATIVE_TITLES:
            raise ValueError(f"{what}.representative_title must be one of "
                             f"{sorted(REPRESENTATIVE_TITLES)}")
        fault = credit_code_fault(self.credit_code)
        if fault is not None:
            raise ValueError(f"{what}.credit_code {self.credit_code!r} is not a unified social "
                             f"credit code: it {_CREDIT_CODE_FAULTS[fault]}")

    def to_json(self) -> dict[str, Any]:
        return {"kind": "unit", "version": self.version, "name": self.name,
                "credit_code": self.credit_code, "representative": self.representative,
                "representative_title": self.representative_title, "address": self.address,
                "phone": self.phone}

    @classmethod
    def from_json(cls, value: object) -> UnitParticulars | None:
        """The unit of a decision's ``party``, or None when the party is the person."""
        what = _DECISION + ".party"
        if not isinstance(value, dict):
            raise ValueError(f"{what} must be a JSON object")
        kind = value.get("kind")
        if kind not in PARTY_KINDS:
            raise ValueError(f"{what}.kind {kind!r} is not a party kind (one of "
                             f"{list(PARTY_KINDS)})")
        if kind == "person":
            fields(what, value, frozenset({"kind"}))
            return None
        d = fields(what, value, _UNIT_KEYS)
        return cls(version=req_int(what, d, "version", minimum=1),
                   name=req_str(what, d, "name"), credit_code=req_str(what, d, "credit_code"),
                   representative=req_str(what, d, "representative"),
                   representative_title=req_str(what, d, "representative_title"),
                   address=req_str(what, d, "address"), phone=req_str(what, d, "phone"))


def party_json(unit: UnitParticulars | None) -> dict[str, Any]:
    """A decision's ``party`` on the wire."""
    return {"kind": "person"} if unit is None else unit.to_json()


_DECISION_KEYS = frozenset({"v", "id", "case", "statement", "standard", "library",
                            "evaluation", "choice", "reviewed_sha256", "party", "drafted_by",
                            "decided_by", "decided_at"})


@dataclass(frozen=True)
class PenaltyDecisionRecord:
    """Record ``penalty_decision``: a decision as it was made."""

    id: str
    case: str  # the case's id
    statement: str | None
    standard: DatasetSnapshot
    library: DatasetSnapshot | None
    evaluation: dict[str, Any]  # legal.discretion.evaluation.Evaluation.to_json()
    choice: dict[str, Any]  # legal.discretion.evaluation.Choice.to_json()
    reviewed_sha256: str
    party: UnitParticulars | None  # None: the person interviewed
    drafted_by: str  # the id of the case officer who drafted it
    decided_by: str  # the id of the officer logged in when its final document was signed
    decided_at: str  # ISO 8601 with offset
    version: int = field(default=PENALTY_VERSION)

    def __post_init__(self) -> None:
        check_version(_DECISION, self.version, PENALTY_VERSION)
        what = _DECISION
        for key in ("matter_code", "matter_name"):
            if not isinstance(self.evaluation.get(key), str):
                raise ValueError(f"{what}.evaluation.{key} must be a string")
        if not isinstance(self.choice.get("waived"), bool):
            raise ValueError(f"{what}.choice.waived must be true or false")
        amount = self.choice.get("amount")
        if amount is not None and (type(amount) is not int or amount < 0):
            raise ValueError(f"{what}.choice.amount must be a whole number of yuan or null")
        deviation = self.choice.get("deviation")
        if deviation is not None:
            d = fields(what + ".choice.deviation", deviation, frozenset({"kind", "reason"}))
            if not req_str(what, d, "kind") or not req_str(what, d, "reason").strip():
                raise ValueError(f"{what}: the deviation from the proposed range has no "
                                 "written reason")
        if reviewed_sha256(self.evaluation, self.choice) != self.reviewed_sha256:
            raise ValueError(f"{what}: the evaluation and choice do not match the digest the "
                             "record states (reviewed_sha256)")

    @property
    def matter_code(self) -> str:
        return str(self.evaluation["matter_code"])

    @property
    def matter_name(self) -> str:
        return str(self.evaluation["matter_name"])

    @property
    def amount(self) -> int | None:
        amount = self.choice.get("amount")
        return None if amount is None else int(amount)

    @property
    def waived(self) -> bool:
        return bool(self.choice["waived"])

    @property
    def deviation_kind(self) -> str | None:
        deviation = self.choice.get("deviation")
        return None if deviation is None else str(deviation["kind"])

    @property
    def deviation_reason(self) -> str | None:
        deviation = self.choice.get("deviation")
        return None if deviation is None else str(deviation["reason"])

    @property
    def penalties(self) -> tuple[str, ...]:
        penalties = self.choice.get("penalties")
        return tuple(str(p) for p in penalties) if isinstance(penalties, list) else ()

    def to_json(self) -> dict[str, Any]:
        return {"v": self.version, "id": self.id, "case": self.case,
                "statement": self.statement, "standard": self.standard.to_json(),
                "library": None if self.library is None else self.library.to_json(),
                "evaluation": self.evaluation, "choice": self.choice,
                "reviewed_sha256": self.reviewed_sha256, "party": party_json(self.party),
                "drafted_by": self.drafted_by, "decided_by": self.decided_by,
                "decided_at": self.decided_at}

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, value: object) -> PenaltyDecisionRecord:
        if isinstance(value, dict):
            check_version(_DECISION, value.get("v"), PENALTY_VERSION)
        w = _DECISION
        d = fields(w, value, _DECISION_KEYS)
        return cls(id=req_str(w, d, "id"), case=req_str(w, d, "case"),
                   statement=opt_str(w, d, "statement"),
                   standard=DatasetSnapshot.from_json(w + ".standard", d["standard"]),
                   library=None if d["library"] is None
                   else DatasetSnapshot.from_json(w + ".library", d["library"]),
                   evaluation=_object(w, d, "evaluation"), choice=_object(w, d, "choice"),
                   reviewed_sha256=hex64(w, d, "reviewed_sha256"),
                   party=UnitParticulars.from_json(d["party"]),
                   drafted_by=req_str(w, d, "drafted_by"),
                   decided_by=req_str(w, d, "decided_by"),
                   decided_at=req_str(w, d, "decided_at"))

    @classmethod
    def from_bytes(cls, data: bytes) -> PenaltyDecisionRecord:
        return cls.from_json(parse_canonical(data))


def review_signed_bytes(review_id: str, decision_id: str, reviewed: str, verdict: str,
                        comments: str, at: str, reviewer_id: str, key_fingerprint: str
                        ) -> bytes:
    """The canonical bytes a legal reviewer signs (the desktop's
    `desktop.services.penalty.review_record`, the same bytes): which review of which
    decision, the hash judged, the verdict, the comments, when, by whom, with which key."""
    return canonical_json({
        "kind": REVIEW_RECORD_KIND, "review": review_id, "decision": decision_id,
        "reviewed_sha256": reviewed, "verdict": verdict, "comments": comments,
        "at": at, "reviewer": reviewer_id, "key_sha256": key_fingerprint})


def key_sha256(certificate: x509.Certificate) -> str:
    """SHA-256 (hex) of a certificate's public key (SubjectPublicKeyInfo, DER)."""
    return hashlib.sha256(certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )).hexdigest()


_REVIEW_KEYS = frozenset({"v", "id", "decision", "case", "reviewer", "verdict", "comments",
                          "at", "reviewed_sha256", "key_sha256", "signature", "certificate"})


@dataclass(frozen=True)
class LegalReviewRecord:
    """Record ``legal_review``: one reviewer's signed verdict on a decision."""

    id: str
    decision: str
    case: str
    reviewer: str  # the reviewer's officer id (their name is in `certificate`)
    verdict: str  # approved, returned
    comments: str
    at: str  # ISO 8601 with offset, as signed
    reviewed_sha256: str
    key_sha256: str
    signature: str  # hex
    certificate: str  # PEM of the reviewer's certificate whose key signed
    version: int = field(default=PENALTY_VERSION)

    def __post_init__(self) -> None:
        check_version(_REVIEW, self.version, PENALTY_VERSION)
        if self.verdict not in VERDICTS:
            raise ValueError(f"{_REVIEW}.verdict must be one of {sorted(VERDICTS)}")

    def signed_bytes(self) -> bytes:
        return review_signed_bytes(self.id, self.decision, self.reviewed_sha256, self.verdict,
                                   self.comments, self.at, self.reviewer, self.key_sha256)

    def signature_problem(self) -> str | None:
        """Why the reviewer's signature does not hold (in words for the operator), or None:
        the certificate's key is the one the review names, and it signed these bytes."""
        try:
            certificate = x509.load_pem_x509_certificate(self.certificate.encode("ascii"))
            signature = bytes.fromhex(self.signature)
        except ValueError:
            return "the reviewer's certificate or signature cannot be read"
        if key_sha256(certificate) != self.key_sha256:
            return "the review names another key than the reviewer's certificate holds"
        public = certificate.public_key()
        data = self.signed_bytes()
        try:
            if isinstance(public, ec.EllipticCurvePublicKey):
                public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
            elif isinstance(public, rsa.RSAPublicKey):
                public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
            elif isinstance(public, ed25519.Ed25519PublicKey):
                public.verify(signature, data)
            else:
                return "the reviewer's key is of a kind HQ cannot verify"
        except InvalidSignature:
            return "the reviewer's signature does not match the review: it was altered"
        return None

    def to_json(self) -> dict[str, Any]:
        return {"v": self.version, "id": self.id, "decision": self.decision, "case": self.case,
                "reviewer": self.reviewer, "verdict": self.verdict,
                "comments": self.comments, "at": self.at,
                "reviewed_sha256": self.reviewed_sha256, "key_sha256": self.key_sha256,
                "signature": self.signature, "certificate": self.certificate}

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, value: object) -> LegalReviewRecord:
        if isinstance(value, dict):
            check_version(_REVIEW, value.get("v"), PENALTY_VERSION)
        w = _REVIEW
        d = fields(w, value, _REVIEW_KEYS)
        return cls(id=req_str(w, d, "id"), decision=req_str(w, d, "decision"),
                   case=req_str(w, d, "case"),
                   reviewer=req_str(w, d, "reviewer"),
                   verdict=req_str(w, d, "verdict"), comments=req_str(w, d, "comments"),
                   at=req_str(w, d, "at"), reviewed_sha256=hex64(w, d, "reviewed_sha256"),
                   key_sha256=hex64(w, d, "key_sha256"), signature=req_str(w, d, "signature"),
                   certificate=req_str(w, d, "certificate"))

    @classmethod
    def from_bytes(cls, data: bytes) -> LegalReviewRecord:
        return cls.from_json(parse_canonical(data))


_DOCUMENT_KEYS = frozenset({"v", "id", "decision", "case", "kind", "number", "sha256", "size",
                            "pages", "content_digest", "served_at", "receipt",
                            "rights_waived", "signed_by"})


@dataclass(frozen=True)
class PenaltyDocumentRecord:
    """Record ``penalty_document``: a signed, served penalty document, without its bytes
    (the signed PDF travels as ``penalty_document_pdf`` under the same id and ``sha256``)."""

    id: str
    decision: str
    case: str
    kind: str  # DOCUMENT_KINDS
    number: str  # 文号
    sha256: str  # of the signed PDF
    size: int
    pages: int
    content_digest: str
    served_at: str  # ISO 8601 with offset
    receipt: str  # signed (the party signed for it) or refused (with a witness)
    rights_waived: bool
    signed_by: str  # the id of the officer logged in when it was signed
    version: int = field(default=PENALTY_VERSION)

    def __post_init__(self) -> None:
        check_version(_DOCUMENT, self.version, PENALTY_VERSION)
        if self.kind not in DOCUMENT_KINDS:
            raise ValueError(f"{_DOCUMENT}.kind {self.kind!r} is not a penalty document kind")
        if self.receipt not in RECEIPTS:
            raise ValueError(f"{_DOCUMENT}.receipt must be one of {sorted(RECEIPTS)}")

    def to_json(self) -> dict[str, Any]:
        return {"v": self.version, "id": self.id, "decision": self.decision, "case": self.case,
                "kind": self.kind, "number": self.number, "sha256": self.sha256,
                "size": self.size, "pages": self.pages,
                "content_digest": self.content_digest, "served_at": self.served_at,
                "receipt": self.receipt, "rights_waived": self.rights_waived,
                "signed_by": self.signed_by}

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, value: object) -> PenaltyDocumentRecord:
        if isinstance(value, dict):
            check_version(_DOCUMENT, value.get("v"), PENALTY_VERSION)
        w = _DOCUMENT
        d = fields(w, value, _DOCUMENT_KEYS)
        return cls(id=req_str(w, d, "id"), decision=req_str(w, d, "decision"),
                   case=req_str(w, d, "case"), kind=req_str(w, d, "kind"),
                   number=req_str(w, d, "number"), sha256=hex64(w, d, "sha256"),
                   size=req_int(w, d, "size"), pages=req_int(w, d, "pages"),
                   content_digest=req_str(w, d, "content_digest"),
                   served_at=req_str(w, d, "served_at"), receipt=req_str(w, d, "receipt"),
                   rights_waived=req_bool(w, d, "rights_waived"),
                   signed_by=req_str(w, d, "signed_by"))

    @classmethod
    def from_bytes(cls, data: bytes) -> PenaltyDocumentRecord:
        return cls.from_json(parse_canonical(data))
