"""Verification of signed statement PDFs: every signature, its timestamp, and what changed.

`verify_pdf` runs pyHanko's validation (offline: the given trust roots and CRLs only, no
fetching) on each signature and document timestamp and reports, per signature, whether it is
intact, cryptographically valid, trusted, timestamped, how much of the file it covers and
how the document was modified after it (pyHanko's incremental-update diff analysis). The
overall `bottom_line` holds only when there is at least one signature and every signature
and timestamp holds; otherwise `reasons` says why in translated words (altered bytes, an
unexplained incremental update, an untrusted signer, no signatures). Input that is not a
readable PDF raises `UnreadablePdf`. The desktop (`desktop.services.verify`) and HQ's verdicts
(`hq.verdicts`) run this same code, each with its own trust roots (decision 0035).

pyHanko judges each signature on its own; three things it leaves to us (issue 11):

- Completeness of a statement. A PDF carrying our certification field and our field names
  is a statement, and for it the verdict requires every pre-created field signed: the party
  on every page (unless the document prints the party's refusal to sign, in which case no
  party field is signed), the handwritten declaration when its field exists, both
  interviewers, the recorder, and the unit seal, last and locking. A copy cut back to an
  earlier revision (say, only the certification) names its empty fields and fails.
- Bytes after the last `%%EOF`: no signature covers them, so they fail.
- Incremental updates no signature explains: after the first signature, every revision must
  be a signature's (or a document timestamp's) own revision, or add validation data (a
  catalog with `/DSS`, as HQ's long-term validation does); and the document information
  dictionary (`/Info`) may change only in `/ModDate` and `/Producer`, which every signing
  run rewrites. pyHanko's diff analysis lets a replaced `/Info` through as an "LTA update".
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from gettext import gettext as _
from typing import Any

from asn1crypto import crl as asn1_crl
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from verification.certificates import to_asn1_certificate
from verification.errors import UnreadablePdf
from verification.roles import Role, fits_role, role_name

log = logging.getLogger(__name__)
GOOD_COVERAGE = (SignatureCoverageLevel.ENTIRE_REVISION, SignatureCoverageLevel.ENTIRE_FILE)
# Field names of a statement (desktop.documents.signing, desktop.services.signing); kept here
# as plain strings so that verification does not depend on how documents are signed.
CERTIFY_FIELD = "Certification"
SEAL_FIELD = "Seal"
DECLARATION_FIELD = "Declaration"
OFFICER_FIELDS = ("Interviewer1", "Interviewer2", "Recorder")
#: The role a field's signing certificate must be issued for (verification.roles).
FIELD_ROLES: dict[str, Role] = {**dict.fromkeys(OFFICER_FIELDS, "officer"), SEAL_FIELD: "seal"}
OPTIONAL_FIELDS = frozenset({"Witness"})  # the witness of a refusal signs on paper
PARTY_FIELD = re.compile(r"Party([1-9][0-9]*)")
# A penalty document (issue 17, desktop.services.penalty_documents): its enforcement officers
# sign Officer1, Officer2…, the party signs for receipt in Receipt (absent when the document
# prints their refusal), the seal locks it.
PENALTY_OFFICER_FIELD = re.compile(r"Officer([1-9][0-9]*)")
RECEIPT_FIELD = "Receipt"
# What `resources/templates/document.toml` prints for a refusal to sign.
REFUSAL_MARKER = "拒绝签名，理由："
INFO_KEYS_REWRITTEN = frozenset({"/ModDate", "/Producer"})


def field_label(name: str) -> str:
    """What a signature field of a statement is, in the reader's words ("Party2" is the
    party's signature on page 2); a field of another document keeps its own name."""
    party = PARTY_FIELD.fullmatch(name)
    if party:
        return _("Party, page {page}").format(page=party.group(1))
    officer = PENALTY_OFFICER_FIELD.fullmatch(name)
    if officer:
        return _("Enforcement officer {n}").format(n=officer.group(1))
    words = {CERTIFY_FIELD: _("Certification (statement room)"), SEAL_FIELD: _("Unit seal"),
             RECEIPT_FIELD: _("Party's receipt"),
             DECLARATION_FIELD: _("Party's declaration"), "Interviewer1": _("Interviewer 1"),
             "Interviewer2": _("Interviewer 2"), "Recorder": _("Recorder"),
             "Witness": _("Witness")}
    return words.get(name, name)


def coverage_label(name: str | None) -> str:
    """pyHanko's `SignatureCoverageLevel` (by name, as in the report) in words."""
    words = {"ENTIRE_FILE": _("entire file"), "ENTIRE_REVISION": _("entire revision"),
             "CONTIGUOUS_BLOCK_FROM_START": _("part of the file"), "UNCLEAR": _("unclear")}
    return "-" if name is None else words.get(name, name)


def modification_label(name: str | None) -> str:
    """pyHanko's `ModificationLevel` (changes after a signature, by name) in words."""
    words = {"NONE": _("none"), "LTA_UPDATES": _("validation data only"),
             "FORM_FILLING": _("form filling and signing"),
             "ANNOTATIONS": _("annotations"), "OTHER": _("other changes")}
    return "-" if name is None else words.get(name, name)


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
    signer_sha256: str | None = None  # SHA-256 of the signing certificate's DER, hex


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
    # None: not recognised as a statement (no completeness rule applies).
    complete: bool | None = None
    missing_fields: tuple[str, ...] = ()  # expected signature fields left empty
    refusal: bool = False  # the party's refusal to sign is printed instead of signatures
    trailing_bytes: int = 0  # bytes after the last %%EOF
    unexplained_revisions: tuple[int, ...] = ()  # revisions (from 0) no signature explains

    def as_json(self) -> dict[str, Any]:
        return {"bottom_line": self.bottom_line, "reasons": list(self.reasons),
                "signatures": [asdict(s) for s in self.signatures],
                "timestamps": [asdict(t) for t in self.timestamps],
                "complete": self.complete, "missing_fields": list(self.missing_fields),
                "refusal": self.refusal, "trailing_bytes": self.trailing_bytes,
                "unexplained_revisions": list(self.unexplained_revisions)}


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
    name = field_label(name)
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


def _role_problem(emb: Any, name: str, signer: str) -> str | None:
    """An officer's field or the seal signed with a certificate issued for something else
    (the device's key, which every login opens, or another role's), by the import's rules."""
    role = FIELD_ROLES.get(name) or ("officer" if PENALTY_OFFICER_FIELD.fullmatch(name)
                                     else None)
    if role is None:
        return None
    try:
        certificate = x509.load_der_x509_certificate(emb.signer_cert.dump())
    except Exception:  # no usable certificate: the signature itself did not validate
        return _("Signature {field} does not hold.").format(field=field_label(name))
    if fits_role(certificate, role):
        return None
    return _("Signature {field} is made with the certificate of {signer}, which is not one "
             "for {role}.").format(field=field_label(name), signer=signer,
                                   role=role_name(role))


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
        signer_sha256: str | None = hashlib.sha256(emb.signer_cert.dump()).hexdigest()
    except Exception:  # a CMS blob without a usable signer certificate
        signer, signer_sha256 = "?", None
    try:
        status = validate_pdf_signature(emb, signer_validation_context=context,
                                        ts_validation_context=context)
    except Exception as exc:  # malformed signature structures: report, don't crash
        log.info("signature %s could not be validated: %s", name, type(exc).__name__)
        return SignatureReport(
            name, signer, None, False, None, None, None, False, False, False, None, None,
            None, False, problem=_("Signature {field} is damaged and cannot be checked.")
            .format(field=field_label(name)), signer_sha256=signer_sha256)
    ts = status.timestamp_validity
    problem = _problem(status, name, signer) or _role_problem(emb, name, signer)
    return SignatureReport(
        field_name=name, signer=signer, signing_time=status.signer_reported_dt,
        timestamped=ts is not None, timestamp_time=ts.timestamp if ts else None,
        timestamp_valid=(ts.intact and ts.valid) if ts else None,
        timestamp_trusted=ts.trusted if ts else None,
        intact=status.intact, valid=status.valid, trusted=status.trusted,
        coverage=_name(status.coverage), modification_level=_name(status.modification_level),
        docmdp_ok=status.docmdp_ok, bottom_line=bool(status.bottom_line) and problem is None,
        certifying=certification is not None and emb.sig_field.raw_get("/V") == certification,
        problem=problem, signer_sha256=signer_sha256)


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


def trailing_bytes(data: bytes) -> int:
    """How many bytes other than line ends and blanks follow the last `%%EOF`."""
    end = data.rfind(b"%%EOF")
    if end < 0:
        return len(data)
    tail = data[end + len(b"%%EOF"):]
    return 0 if not tail.strip(b"\r\n\t \x00") else len(tail)


def _info(reader: Any, revision: int) -> dict[str, str]:
    try:
        resolver = reader.get_historical_resolver(revision)
        ref = resolver.trailer_view.raw_get("/Info")
        if ref is None:
            return {}
        info = resolver.get_object(ref.reference) if hasattr(ref, "reference") else ref
        return {str(k): str(v) for k, v in info.items()}
    except Exception as exc:  # a broken /Info is itself a change nobody explains
        log.info("unreadable /Info in revision %d: %s", revision, type(exc).__name__)
        return {"?": "unreadable"}


def _has_dss(reader: Any, revision: int) -> bool:
    try:
        return "/DSS" in reader.get_historical_root(revision)
    except Exception:
        return False


def unexplained_revisions(reader: Any, embedded: Sequence[Any]) -> tuple[list[int], list[int]]:
    """(revisions no signature explains, revisions that changed /Info), from the first
    signed revision on."""
    signed = {int(emb.signed_revision) for emb in embedded}
    if not signed:
        return [], []
    total = int(reader.xrefs.total_revisions)
    unexplained: list[int] = []
    info_changed: list[int] = []
    previous = _info(reader, min(signed) - 1) if min(signed) > 0 else {}
    for revision in range(min(signed), total):
        info = _info(reader, revision)
        kept = {k: v for k, v in info.items() if k not in INFO_KEYS_REWRITTEN}
        if kept != {k: v for k, v in previous.items() if k not in INFO_KEYS_REWRITTEN} and \
                (revision > min(signed) or min(signed) > 0):
            info_changed.append(revision)
        previous = info
        if revision not in signed and not _has_dss(reader, revision):
            unexplained.append(revision)
    return unexplained, info_changed


# An annex page appended after a statement's own pages (the recording's, decision 45): it
# carries no party signature field and is not one of the pages the party signed.
ANNEX_PAGE_KEY = "/SRAnnex"


def statement_pages(reader: Any) -> int:
    """The statement's own pages: every page of the document but its annex pages."""
    count = 0
    nodes = [reader.root["/Pages"]]
    while nodes:
        node = nodes.pop()
        if "/Kids" in node:
            nodes.extend(kid.get_object() for kid in node["/Kids"])
        elif ANNEX_PAGE_KEY not in node:
            count += 1
    return count


def _refusal_printed(data: bytes, last_page: int) -> bool:
    """Does the statement's last page print the party's refusal to sign (pypdfium2 text)?"""
    try:
        import pypdfium2 as pdfium  # type: ignore[import-untyped]

        document = pdfium.PdfDocument(data)
        try:
            page = document[last_page]
            text = page.get_textpage().get_text_range()
        finally:
            document.close()
    except Exception as exc:  # no text, no refusal
        log.info("no text on the last page: %s", type(exc).__name__)
        return False
    return REFUSAL_MARKER in "".join(text.split())


@dataclass(frozen=True)
class Completeness:
    is_statement: bool
    missing: tuple[str, ...] = ()
    refusal: bool = False
    reasons: tuple[str, ...] = ()


def _lock_of(emb: Any) -> bool:
    try:
        return "/Lock" in emb.sig_field
    except Exception:
        return False


def completeness(data: bytes, reader: Any, embedded: Sequence[Any]) -> Completeness:
    """For a statement: is every expected field signed, the seal last and locking?"""
    try:
        fields = {str(name): value is not None
                  for name, value, _ref in enumerate_sig_fields(reader, filled_status=None)}
        pages = statement_pages(reader)
    except Exception as exc:
        log.info("signature fields unreadable: %s", type(exc).__name__)
        return Completeness(False)
    party = {name for name in fields if PARTY_FIELD.fullmatch(name)}
    if CERTIFY_FIELD not in fields or not (party or SEAL_FIELD in fields):
        return Completeness(False)
    penalty_officers = sorted((n for n in fields if PENALTY_OFFICER_FIELD.fullmatch(n)),
                              key=lambda n: int(n[7:]))
    if penalty_officers and not party:  # a penalty document: no per-page party fields
        expected = [CERTIFY_FIELD, *([RECEIPT_FIELD] if RECEIPT_FIELD in fields else []),
                    *penalty_officers, SEAL_FIELD]
        extra = sorted(n for n in fields if n not in expected)
        return _sealed_last(embedded, tuple(n for n in [*expected, *extra]
                                            if not fields.get(n)), False)
    expected = [f"Party{page}" for page in range(1, pages + 1)]
    expected += sorted(party - set(expected), key=lambda n: int(n[5:]))
    refusal = not any(fields.get(name) for name in expected) and _refusal_printed(data,
                                                                                 pages - 1)
    if refusal:
        expected = []
    if DECLARATION_FIELD in fields and not refusal:
        expected.append(DECLARATION_FIELD)
    expected += [CERTIFY_FIELD, *OFFICER_FIELDS, SEAL_FIELD]
    extra = sorted(n for n in fields if n not in expected and n not in OPTIONAL_FIELDS
                   and not PARTY_FIELD.fullmatch(n) and n != DECLARATION_FIELD)
    missing = tuple(name for name in [*expected, *extra] if not fields.get(name))
    return _sealed_last(embedded, missing, refusal)


def _sealed_last(embedded: Sequence[Any], missing: tuple[str, ...], refusal: bool
                 ) -> Completeness:
    """The verdict on a document's fields: none left empty, the seal last and locking."""
    reasons: list[str] = []
    if missing:
        reasons.append(_("The statement is incomplete: these signature fields are not "
                         "signed: {fields}.").format(
                           fields=_(", ").join(field_label(name) for name in missing)))
    signatures = [e for e in embedded if e.sig_object_type != "/DocTimeStamp"]
    seal = [e for e in signatures if str(e.field_name) == SEAL_FIELD]
    if seal:
        after = [str(e.field_name) for e in signatures
                 if int(e.signed_revision) > int(seal[0].signed_revision)]
        if after:
            reasons.append(_("The unit seal is not the last signature: {fields} signed after "
                             "it.").format(
                           fields=_(", ").join(field_label(name) for name in after)))
        if not _lock_of(seal[0]):
            reasons.append(_("The unit seal does not lock the document."))
    return Completeness(True, missing, refusal, tuple(reasons))


def verify_pdf(data: bytes, trust_roots: Sequence[x509.Certificate],
               crls: Sequence[x509.CertificateRevocationList] = ()) -> VerificationReport:
    """Check every signature in `data` against `trust_roots` (offline)."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
        certification = _certification_reference(reader)
    except Exception as exc:  # pyHanko raises many types for broken files
        log.info("unreadable PDF: %s", type(exc).__name__)
        raise UnreadablePdf(_("The file is not a readable PDF document (damaged or "
                              "truncated).")) from exc
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
    complete = completeness(data, reader, embedded)
    reasons.extend(complete.reasons)
    trailing = trailing_bytes(data)
    if trailing:
        reasons.append(_("{count} bytes follow the end of the document (after the last "
                         "%%EOF); no signature covers them.").format(count=trailing))
    try:
        unexplained, info_changed = unexplained_revisions(reader, embedded)
    except Exception as exc:  # an unreadable revision history is not a pass
        log.info("revision history unreadable: %s", type(exc).__name__)
        unexplained, info_changed = [int(reader.xrefs.total_revisions) - 1], []
    for revision in unexplained:
        reasons.append(_("The incremental update {revision} is not explained by any "
                         "signature or validation data.").format(revision=revision + 1))
    for revision in info_changed:
        reasons.append(_("The incremental update {revision} changes the document "
                         "information (/Info); that is not explained by a signature.")
                       .format(revision=revision + 1))
    bad_revisions = tuple(sorted({*unexplained, *info_changed}))
    return VerificationReport(
        tuple(signatures), tuple(timestamps), not reasons, tuple(reasons),
        complete=(not complete.missing and not complete.reasons) if complete.is_statement
        else None,
        missing_fields=complete.missing, refusal=complete.refusal, trailing_bytes=trailing,
        unexplained_revisions=bad_revisions)
