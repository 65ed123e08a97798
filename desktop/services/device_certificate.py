"""The statement room's device signing certificate, received from HQ at enrolment (decision 26).

The DEVICE signing identity is the X.509 key that certifies statements as the statement room
(distinct from the store's Ed25519 device key, which signs tree heads and HQ requests). When
an administrator enrols the device, `request_for` makes its new EC P-256 key and a CSR; an HQ
that acts as the unit CA answers with the certificate and its chain, under the one-time code's
MAC. `install` then, on the store's write lane:

1. checks that the certificate fits the key, is a device's (certcheck's device role) and
   chains to the root the answer returned (`certcheck.check_certificate`, that root alone);
2. trusts that root if the store does not yet: the enrolment is an administrator's act and
   the answer is authenticated by the code's MAC, which the audit event says;
3. imports key and certificate as the active DEVICE identity through `keys.import_identity`
   (the previous one retired, both audited), unless that very certificate is already active.

The key is derived, not drawn: HKDF-SHA256 of the store's Ed25519 device key and the code's
id. A lost answer is answered again byte for byte, with the certificate HQ issued the first
time, so a retry must present the same key; deriving it means nothing is kept between tries,
and another code gives another key. The key lives in memory until imported, then only inside
the encrypted store, like every DEVICE key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from gettext import gettext as _

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID

from desktop.documents import certcheck
from desktop.domain.errors import UserError
from desktop.services import keys
from desktop.store import signing_keys as repo
from desktop.store.store import Store
from sync.client.enrol import IssuedCertificate
from sync.protocol.pki import DEVICE_PREFIX
from verification.certificates import common_name

__all__ = ["DeviceCertificate", "checked", "install", "received_words", "request_for",
           "signing_key"]

_KEY_INFO = b"statement-room device signing key v1|"
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@dataclass(frozen=True)
class DeviceCertificate:
    """HQ's certificate for the device's signing key, checked against the key and the root."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # above the certificate, the root last

    @property
    def root(self) -> x509.Certificate:
        return self.chain[-1]

    @property
    def fingerprint(self) -> str:
        return certcheck.fingerprint(self.certificate)

    def __repr__(self) -> str:  # never show key material
        return f"DeviceCertificate({common_name(self.certificate)!r})"


def signing_key(device_key: Ed25519PrivateKey, code_id: str) -> ec.EllipticCurvePrivateKey:
    """The DEVICE signing key for an enrolment with code `code_id` (see the module docstring)."""
    okm = HKDF(hashes.SHA256(), 48, salt=None, info=_KEY_INFO + code_id.encode("utf-8")
               ).derive(device_key.private_bytes_raw())
    # 384 bits reduced modulo the order: the bias is below 2**-128.
    return ec.derive_private_key(int.from_bytes(okm, "big") % (_P256_ORDER - 1) + 1,
                                 ec.SECP256R1())


def request_for(key: ec.EllipticCurvePrivateKey, device_id: str) -> bytes:
    """A PEM PKCS#10 request for `key`, self-signed (HQ decides the subject anyway)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DEVICE_PREFIX + device_id)])
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM)


def checked(key: ec.EllipticCurvePrivateKey, issued: IssuedCertificate) -> DeviceCertificate:
    """HQ's certificate, if it fits `key`, is a device's and chains to the returned root."""
    try:
        certificate = x509.load_pem_x509_certificate(issued.certificate)
        chain = tuple(x509.load_pem_x509_certificate(pem) for pem in issued.chain)
    except ValueError as exc:
        raise UserError(_("HQ's answer carries a certificate that cannot be read; nothing was "
                          "changed.")) from exc
    if not chain:
        raise UserError(_("HQ's answer carries a certificate without its root; nothing was "
                          "changed."))
    try:
        certcheck.check_certificate(certificate, chain[:-1], chain[-1:], role="device",
                                    at=datetime.now(UTC), key=key)
    except certcheck.CertificateRefused as exc:
        raise UserError(_("HQ's device certificate was refused: {reason} Nothing was "
                          "changed.").format(reason=exc)) from exc
    return DeviceCertificate(key, certificate, chain)


def install(store: Store, received: DeviceCertificate, hq_id: str) -> None:
    """Trust the root if needed and make the certificate the active DEVICE identity (on the
    write lane; each step audited). Doing it again changes nothing."""
    root_pem = received.root.public_bytes(serialization.Encoding.PEM)
    if certcheck.fingerprint(received.root) not in {
            r.fingerprint for r in repo.trust_roots(store.conn)}:
        keys.add_trust_root(store, root_pem, source="hq_enrolment", hq=hq_id,
                            authenticated_by="enrolment_code_mac")
    active = repo.active_identity(store.conn, repo.DEVICE)
    if active is not None and active.cert_pem == received.certificate.public_bytes(
            serialization.Encoding.PEM):
        return
    keys.import_identity(store, received.key, received.certificate, received.chain,
                         role=repo.DEVICE)


def received_words(issued: IssuedCertificate | None) -> str | None:
    """What to tell the administrator about the certificate an enrolment brought, if any."""
    if issued is None:
        return None
    certificate = x509.load_pem_x509_certificate(issued.certificate)
    root = x509.load_pem_x509_certificate(issued.chain[-1])
    return _("Received the device signing certificate {subject} (serial {serial}) from HQ's "
             "unit CA; it now signs this statement room's documents, and its root {root} is "
             "trusted.").format(subject=common_name(certificate),
                                serial=format(certificate.serial_number, "X"),
                                root=common_name(root))
