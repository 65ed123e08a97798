"""Small conversions of X.509 certificates that signing and verification both need.

pyHanko works with asn1crypto objects while the rest of the project holds `cryptography`
certificates; the common name is what stamps, reports and messages show of a certificate.
"""

from __future__ import annotations

from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

__all__ = ["common_name", "to_asn1_certificate"]


def common_name(certificate: x509.Certificate) -> str:
    """The subject's commonName, or the whole subject when it has none."""
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def to_asn1_certificate(certificate: x509.Certificate) -> Any:
    """The same certificate as asn1crypto (what pyHanko works with)."""
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
