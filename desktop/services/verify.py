"""Verifying a signed statement PDF for people: trust roots, the verdict, the stored copy.

`check_document` runs `verify_document` (the shared `verification.pdf.verify_pdf`, its refusal
as the desktop's `UserError`) against the given trust roots and,
when a store is open, compares the file with the signed copies the store keeps (the exact
copy, or that copy with incremental updates appended, such as HQ's validation data). The
store's own trust root is the root of the chain of its device signing key, the certificate
that `demo_pki.export_trust_root` writes for `statement-room verify --trust`. Certificates
the user adds are read as PEM (one or more) or DER, and refused with a clear message
otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from gettext import gettext as _
from pathlib import Path

from cryptography import x509

from desktop.domain.errors import UserError
from desktop.i18n import os_error_text
from desktop.store import documents, penalty_documents, signing_keys
from desktop.store.store import Store
from verification.errors import VerificationError
from verification.pdf import VerificationReport, verify_pdf


@dataclass(frozen=True)
class StoredCopy:
    """How the file compares with the signed PDFs the store keeps."""

    statement_id: str | None  # None: not a statement kept in this store
    exact: bool = False  # byte-identical to the kept copy (else: kept copy + updates)
    penalty_document_id: str | None = None  # a penalty document kept in this store (issue 17)


@dataclass(frozen=True)
class DocumentCheck:
    report: VerificationReport
    stored: StoredCopy | None  # None: no store was consulted
    trust_roots: tuple[str, ...]  # subjects of the roots the signatures were checked against

    @property
    def bottom_line(self) -> bool:
        return self.report.bottom_line


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UserError(_("Cannot read {path}: {reason}").format(
            path=path, reason=os_error_text(exc))) from exc


def load_certificates(paths: Iterable[Path]) -> list[x509.Certificate]:
    """Certificates from PEM (one or more per file) or DER files."""
    certs: list[x509.Certificate] = []
    for path in paths:
        data = read_file(path)
        try:
            certs.extend(x509.load_pem_x509_certificates(data) if b"-----BEGIN" in data
                         else [x509.load_der_x509_certificate(data)])
        except ValueError as exc:
            raise UserError(_("{path} is not a certificate (PEM or DER).").format(
                path=path)) from exc
    return certs


def load_crls(paths: Iterable[Path]) -> list[x509.CertificateRevocationList]:
    """Certificate revocation lists from PEM or DER files."""
    crls: list[x509.CertificateRevocationList] = []
    for path in paths:
        data = read_file(path)
        try:
            crls.append(x509.load_pem_x509_crl(data) if b"-----BEGIN" in data
                        else x509.load_der_x509_crl(data))
        except ValueError as exc:
            raise UserError(_("{path} is not a CRL (PEM or DER).").format(path=path)) from exc
    return crls


def store_trust_roots(store: Store) -> list[x509.Certificate]:
    """The roots the unit trusts (added by an administrator), plus, for keys from before
    trust roots were kept (migration 0008), the self-signed root of their chains: a retired
    key's documents still verify."""
    roots = [x509.load_pem_x509_certificate(r.cert_pem)
             for r in signing_keys.trust_roots(store.conn)]
    for identity in signing_keys.list_identities(store.conn):
        try:
            chain = x509.load_pem_x509_certificates(identity.chain_pem)
        except ValueError:
            chain = []
        roots.extend(c for c in chain if c.issuer == c.subject and c not in roots)
    return roots


def subject_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def stored_copy(store: Store, data: bytes) -> StoredCopy:
    found = documents.find_record(store.conn, data)
    if found is not None:
        return StoredCopy(found[0], found[1])
    penalty = penalty_documents.find_record(store.conn, data)
    if penalty is not None:
        return StoredCopy(None, penalty[1], penalty_document_id=penalty[0])
    return StoredCopy(None)


def verify_document(data: bytes, trust_roots: Sequence[x509.Certificate],
                    crls: Sequence[x509.CertificateRevocationList] = ()) -> VerificationReport:
    """`verify_pdf`, with a file it cannot read refused as a `UserError` (its message, already
    translated, is what the person sees)."""
    try:
        return verify_pdf(data, trust_roots, crls)
    except VerificationError as exc:
        raise UserError(exc.message) from exc


def check_document(
    data: bytes,
    extra_roots: Sequence[x509.Certificate] = (),
    store: Store | None = None,
) -> DocumentCheck:
    """Verify `data` against the store's root (if a store is open) and `extra_roots`."""
    roots = [*(store_trust_roots(store) if store is not None else []), *extra_roots]
    report = verify_document(data, roots)
    stored = stored_copy(store, data) if store is not None else None
    return DocumentCheck(report, stored, tuple(subject_name(c) for c in roots))


def check_file(
    path: Path,
    extra_roots: Sequence[x509.Certificate] = (),
    store: Store | None = None,
) -> DocumentCheck:
    return check_document(read_file(path), extra_roots, store)
