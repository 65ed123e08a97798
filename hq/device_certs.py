"""Device certificates HQ issues at enrolment, when it holds the unit CA (decision 26).

The device sends a PKCS#10 request for its new signing key with its enrolment (covered by the
enrolment MAC). The request is self-signed, as CSRs are: that signature is the proof that the
device holds the key. A request that is not a CSR, or whose key is not EC P-256 (the profile),
is ``400 bad_request``; one whose signature does not hold is ``401 bad_signature``, the same
answer as an enrolment proof that does not verify: both say "you do not hold this key".

HQ decides the subject itself (whatever the request says): O=<the CA's unit>, CN="电子笔录室终端
<device id>", serialNumber=<device id>, the device profile of `sync.protocol.pki` (no role
extension), valid 3 years from two days back, never beyond the root. Each certificate issued
is a row of ``device_certificates`` (serial, device, validity); revoking the device marks its
certificates revoked there, for the ``revocations`` dataset HQ publishes.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hq.db import Connection
from hq.errors import HQError
from hq.unit_ca import UnitCa
from sync.protocol import pki

__all__ = ["DEVICE_YEARS", "check_csr", "issue", "pem", "record", "revoke"]

DEVICE_YEARS = 3


def check_csr(pem: str) -> x509.CertificateSigningRequest:
    """The device's certificate request, checked (see the module docstring for refusals)."""
    try:
        csr = x509.load_pem_x509_csr(pem.encode("ascii"))
        key = csr.public_key()
    except (ValueError, UnicodeEncodeError) as exc:
        raise HQError(400, "bad_request", f"the csr is not a PEM PKCS#10 request: {exc}"
                      ) from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve,
                                                                        ec.SECP256R1):
        raise HQError(400, "bad_request", "the csr's key must be EC P-256")
    if not csr.is_signature_valid:
        raise HQError(401, "bad_signature", "the csr's signature does not verify: the device "
                      "has not shown it holds the key")
    return csr


def issue(ca: UnitCa, csr: x509.CertificateSigningRequest, device: str,
          now: dt.datetime) -> x509.Certificate:
    """The device certificate for `device` (its id) over the request's key."""
    key = csr.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)  # check_csr made sure
    return pki.end_entity_certificate(
        ca.key, ca.certificate, key, pki.device_subject(pki.unit_of(ca.certificate), device),
        role=None, now=now.replace(microsecond=0), years=DEVICE_YEARS)


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def record(conn: Connection, certificate: x509.Certificate, device: str,
           code_id: str, now_ms: int) -> None:
    """Keep what HQ issued, inside the transaction that spends the enrolment code."""
    conn.execute(
        "INSERT INTO device_certificates (serial, device, code_id, certificate, not_before_ms, "
        "not_after_ms, issued_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (format(certificate.serial_number, "x"), device, code_id, pem(certificate),
         int(certificate.not_valid_before_utc.timestamp() * 1000),
         int(certificate.not_valid_after_utc.timestamp() * 1000), now_ms))


def revoke(conn: Connection, device: str, now_ms: int) -> int:
    """Mark every certificate of `device` revoked (the first time counts); how many."""
    return conn.execute("UPDATE device_certificates SET revoked_ms = ? "
                        "WHERE device = ? AND revoked_ms IS NULL", (now_ms, device)).rowcount
