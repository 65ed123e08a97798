"""Verification of signed statement PDFs: every signature, its timestamp, and what changed.

`verify_pdf` runs pyHanko's validation (offline: the given trust roots and CRLs only, no
fetching) on each signature and document timestamp and reports, per signature, whether it is
intact, cryptographically valid, trusted, timestamped, how much of the file it covers and
how the document was modified after it (pyHanko's incremental-update diff analysis). The
overall `bottom_line` holds only when there is at least one signature and every signature
and timestamp holds; otherwise `reasons` says why in translated words (altered bytes, an
unexplained incremental update, an untrusted signer, no signatures). Input that is not a
readable PDF raises `UserError`.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from gettext import gettext as _
from typing import Any

from asn1crypto import crl as asn1_crl
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from desktop.documents.signer import to_asn1_certificate
from desktop.domain.errors import UserError

log = logging.getLogger(__name__)
GOOD_COVERAGE = (SignatureCoverageLevel.ENTIRE_REVISION, SignatureCoverageLevel.ENTIRE_FILE)


@dataclass(frozen=True)
class SignatureReport:
    """What pyHanko found for one signature field."""

    field_name: str
    signer: str
    signing_time: datetime | None
    timestamped: bool
    timestamp_time: datetime | None
    timestamp_valid: bool | None
    timestamp_trusted: bool | None
    intact: bool
    valid: bool
    trusted: bool
    coverage: str | None
    modification_level: str | None
    docmdp_ok: bool | None
    bottom_line: bool
    certifying: bool = False
    problem: str | None = None


@dataclass(frozen=True)
class TimestampReport:
    """A document timestamp (/DocTimeStamp), as added by HQ for long-term validation."""

    field_name: str
    time: datetime | None
    intact: bool
    valid: bool
    trusted: bool
    coverage: str | None
    modification_level: str | None
    bottom_line: bool


@dataclass(frozen=True)
class VerificationReport:
    signatures: tuple[SignatureReport, ...]
    timestamps: tuple[TimestampReport, ...]
    bottom_line: bool
    reasons: tuple[str, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        return {"bottom_line": self.bottom_line, "reasons": list(self.reasons),
                "signatures": [asdict(s) for s in self.signatures],
                "timestamps": [asdict(t) for t in self.timestamps]}


def _cn(cert: Any) -> str:
    try:
        return str(cert.subject.native.get("common_name") or cert.subject.human_friendly)
    except (ValueError, KeyError, AttributeError):
        return "?"


def _name(enum_value: Any) -> str | None:
    return None if enum_value is None else str(enum_value.name)


def _context(trust_roots: Sequence[x509.Certificate],
             crls: Sequence[x509.CertificateRevocationList]) -> Any:
    return ValidationContext(
        trust_roots=[to_asn1_certificate(c) for c in trust_roots],
        crls=[asn1_crl.CertificateList.load(c.public_bytes(serialization.Encoding.DER))
              for c in crls],
        allow_fetching=False)


def _problem(status: Any, name: str, signer: str) -> str | None:
    """The first reason this signature does not hold, in the user's words."""
    if not status.intact:
        return _("Signature {field}: the signed bytes were altered after signing.").format(
            field=name)
    if not status.valid:
        return _("Signature {field}: the cryptographic signature is invalid.").format(
            field=name)
    if not status.trusted:
        return _("Signature {field}: the signer {signer} is not trusted (the certificate "
                 "does not chain to a trusted root, or was revoked).").format(
            field=name, signer=signer)
    ts = status.timestamp_validity
    if ts is not None and not (ts.intact and ts.valid and ts.trusted):
        return _("Signature {field}: its timestamp is invalid or not trusted.").format(
            field=name)
    if status.coverage not in GOOD_COVERAGE or not status.docmdp_ok:
        return _("Signature {field}: the document was changed after this signature in a way "
                 "the signatures do not allow (unexplained incremental update).").format(
            field=name)
    if not status.bottom_line:
        return _("Signature {field} does not hold.").format(field=name)
    return None


def _certification_reference(reader: Any) -> Any:
    """The reference to the certification signature (catalog /Perms /DocMDP), if any."""
    try:
        return reader.root["/Perms"].raw_get("/DocMDP")
    except (KeyError, AttributeError):
        return None


def _signature(emb: Any, context: Any, certification: Any) -> SignatureReport:
    name = str(emb.field_name)
    try:
        signer = _cn(emb.signer_cert)
    except Exception:  # a CMS blob without a usable signer certificate
        signer = "?"
    try:
        status = validate_pdf_signature(emb, signer_validation_context=context,
                                        ts_validation_context=context)
    except Exception as exc:  # malformed signature structures: report, don't crash
        log.info("signature %s could not be validated: %s", name, type(exc).__name__)
        return SignatureReport(
            name, signer, None, False, None, None, None, False, False, False, None, None,
            None, False, problem=_("Signature {field} is damaged and cannot be checked.")
            .format(field=name))
    ts = status.timestamp_validity
    problem = _problem(status, name, signer)
    return SignatureReport(
        field_name=name, signer=signer, signing_time=status.signer_reported_dt,
        timestamped=ts is not None, timestamp_time=ts.timestamp if ts else None,
        timestamp_valid=(ts.intact and ts.valid) if ts else None,
        timestamp_trusted=ts.trusted if ts else None,
        intact=status.intact, valid=status.valid, trusted=status.trusted,
        coverage=_name(status.coverage), modification_level=_name(status.modification_level),
        docmdp_ok=status.docmdp_ok, bottom_line=bool(status.bottom_line) and problem is None,
        certifying=certification is not None and emb.sig_field.raw_get("/V") == certification,
        problem=problem)


def _timestamp(emb: Any, context: Any) -> tuple[TimestampReport, str | None]:
    name = str(emb.field_name)
    try:
        status = validate_pdf_timestamp(emb, validation_context=context)
    except Exception as exc:
        log.info("document timestamp %s could not be validated: %s", name, type(exc).__name__)
        report = TimestampReport(name, None, False, False, False, None, None, False)
        return report, _("Document timestamp {field} is damaged.").format(field=name)
    ok = bool(status.intact and status.valid and status.trusted
              and status.coverage in GOOD_COVERAGE and status.docmdp_ok is not False)
    report = TimestampReport(
        name, status.timestamp, status.intact, status.valid, status.trusted,
        _name(status.coverage), _name(status.modification_level), ok)
    reason = None if ok else _("Document timestamp {field} does not hold.").format(field=name)
    return report, reason


def verify_pdf(data: bytes, trust_roots: Sequence[x509.Certificate],
               crls: Sequence[x509.CertificateRevocationList] = ()) -> VerificationReport:
    """Check every signature in `data` against `trust_roots` (offline)."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
        certification = _certification_reference(reader)
    except Exception as exc:  # pyHanko raises many types for broken files
        log.info("unreadable PDF: %s", type(exc).__name__)
        raise UserError(_("The file is not a readable PDF document (damaged or truncated)."))\
            from exc
    context = _context(trust_roots, crls)
    signatures: list[SignatureReport] = []
    timestamps: list[TimestampReport] = []
    reasons: list[str] = []
    for emb in embedded:
        if emb.sig_object_type == "/DocTimeStamp":
            report, reason = _timestamp(emb, context)
            timestamps.append(report)
            if reason:
                reasons.append(reason)
        else:
            sig = _signature(emb, context, certification)
            signatures.append(sig)
            if sig.problem:
                reasons.append(sig.problem)
    if not signatures:
        reasons.insert(0, _("The document carries no signatures."))
    return VerificationReport(tuple(signatures), tuple(timestamps), not reasons, tuple(reasons))
