"""Is this certificate fit to sign as an officer, the unit seal or a device? (decision 0015)

`check_certificate` validates the path to one of the given trust roots with
pyhanko_certvalidator (offline, at `at` or now) and then the use: not a CA, keyUsage with
digitalSignature or nonRepudiation (either suffices, as in pyHanko's signature validation),
an extendedKeyUsage (if any) that allows document signing, the role, and, if a key is given,
that the key belongs to the certificate. Each refusal is its own `CertificateRefused`
subclass with a translated message naming the reason.

Roles: the rules are `verification.roles`' (shared with the PDF verifier on the desktop and at
HQ); the caller compares `verification.roles.certificate_number(cert)` with the officer's
enforcement certificate number.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from gettext import gettext as _
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)

from desktop.documents.unit_ca import key_matches
from desktop.domain.errors import UserError
from verification.certificates import common_name, to_asn1_certificate
from verification.roles import ROLES, Role, certificate_number, role_problem

DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
ADOBE_AUTHENTIC_DOCUMENTS = x509.ObjectIdentifier("1.2.840.113583.1.1.5")
SIGNING_EKUS = frozenset({DOCUMENT_SIGNING, ADOBE_AUTHENTIC_DOCUMENTS,
                          ExtendedKeyUsageOID.EMAIL_PROTECTION,
                          ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE})


class CertificateRefused(UserError):
    """The certificate cannot be used for the requested role."""


class CertificateExpired(CertificateRefused):
    pass


class CertificateNotYetValid(CertificateRefused):
    pass


class CertificateWrongUsage(CertificateRefused):
    """A CA certificate, a keyUsage or EKU that does not allow signing, or the wrong role."""


class CertificateUntrusted(CertificateRefused):
    """The chain is broken or does not lead to a trusted root (or a certificate is revoked)."""


class CertificateKeyMismatch(CertificateRefused):
    pass


@dataclass(frozen=True)
class CheckedCertificate:
    certificate: x509.Certificate
    path: tuple[x509.Certificate, ...]  # the certificate first, the trusted root last
    common_name: str
    serial_number: str | None  # the subject's serialNumber attribute
    fingerprint: str  # SHA-256 of the DER, hex
    not_before: dt.datetime
    not_after: dt.datetime
    role: Role


def fingerprint(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


async def _validate(certificate: x509.Certificate, chain: Sequence[x509.Certificate],
                    trust_roots: Sequence[x509.Certificate], at: dt.datetime | None) -> Any:
    context = ValidationContext(
        trust_roots=[to_asn1_certificate(c) for c in trust_roots],
        moment=at, allow_fetching=False, revocation_mode="soft-fail")
    validator: Any = CertificateValidator(
        to_asn1_certificate(certificate), [to_asn1_certificate(c) for c in chain],
        validation_context=context)
    return await validator.async_validate_usage(set())


def _path(certificate: x509.Certificate, chain: Sequence[x509.Certificate],
          trust_roots: Sequence[x509.Certificate], at: dt.datetime | None) -> Any:
    name = common_name(certificate)
    try:
        return asyncio.run(_validate(certificate, chain, trust_roots, at))
    except ExpiredError as exc:
        raise CertificateExpired(_("The certificate of {name} expired on {date} (or a "
                                   "certificate above it did).").format(
            name=name, date=certificate.not_valid_after_utc.date())) from exc
    except NotYetValidError as exc:
        raise CertificateNotYetValid(_("The certificate of {name} is not valid before "
                                       "{date}.").format(
            name=name, date=certificate.not_valid_before_utc.date())) from exc
    except RevokedError as exc:
        raise CertificateUntrusted(_("The certificate of {name} was revoked.").format(
            name=name)) from exc
    except InvalidCertificateError as exc:
        raise CertificateWrongUsage(_("The certificate of {name} may not be used for "
                                      "signing.").format(name=name)) from exc
    except (PathBuildingError, PathValidationError) as exc:
        raise CertificateUntrusted(_("The certificate of {name} was not issued by a trusted "
                                     "root (the chain is broken or the root is not "
                                     "trusted).").format(name=name)) from exc


def _usage(certificate: x509.Certificate, name: str) -> None:
    wrong = CertificateWrongUsage(_("The certificate of {name} may not be used for signing "
                                    "documents.").format(name=name))
    try:
        basic = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
        if basic.ca:
            raise CertificateWrongUsage(_("{name} is a CA certificate; it issues certificates "
                                          "and cannot sign documents.").format(name=name))
    except x509.ExtensionNotFound:
        pass
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise wrong from None
    if not (usage.digital_signature or usage.content_commitment):
        raise wrong
    try:
        ekus = set(certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return
    if not ekus & SIGNING_EKUS:
        raise wrong


def _role(certificate: x509.Certificate, role: Role) -> None:
    problem = role_problem(certificate, role)
    if problem is not None:
        raise CertificateWrongUsage(problem)


def check_certificate(certificate: x509.Certificate, chain: Sequence[x509.Certificate],
                      trust_roots: Sequence[x509.Certificate], *, role: Role,
                      at: dt.datetime | None = None,
                      key: PrivateKeyTypes | None = None) -> CheckedCertificate:
    """Validate `certificate` (with `chain`) for `role`, or raise a `CertificateRefused`."""
    if role not in ROLES:
        raise UserError(_("Unknown certificate kind {kind}: officer, seal or device.")
                        .format(kind=role))
    name = common_name(certificate)
    if key is not None and not key_matches(key, certificate):
        raise CertificateKeyMismatch(_("The private key does not belong to the certificate "
                                       "of {name}.").format(name=name))
    _usage(certificate, name)
    path = _path(certificate, chain, trust_roots, at)
    _role(certificate, role)
    certs = tuple(x509.load_der_x509_certificate(c.dump())
                  for c in path.iter_certs(include_root=True))
    ordered = tuple(reversed(certs)) if certs and certs[-1] == certificate else certs
    return CheckedCertificate(
        certificate=certificate, path=ordered, common_name=name,
        serial_number=certificate_number(certificate), fingerprint=fingerprint(certificate),
        not_before=certificate.not_valid_before_utc, not_after=certificate.not_valid_after_utc,
        role=role)
