"""Who signs: the `Signer` interface and its software-key implementation.

Callers of `signing.py` hold a `Signer` and never learn whether the key lives in a PKCS#12
file, a UKey (GM/T 0016 SKF) or a remote SM2 signing service: all they see is the name to
show, the certificate, and a pyHanko signer to hand to the PDF machinery. `SoftwareSigner`
loads a key from PKCS#12 bytes or PEM key + certificate (+ chain). Key bytes and passphrases
are never logged, printed or kept beyond construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from gettext import gettext as _
from typing import Any, Protocol, runtime_checkable

from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from desktop.domain.errors import UserError
from verification.certificates import common_name, to_asn1_certificate


@runtime_checkable
class Signer(Protocol):
    """A signing identity, whatever holds its key."""

    @property
    def signing_name(self) -> str:
        """The name shown in stamps and reports (the certificate's CN)."""
        ...

    @property
    def certificate(self) -> x509.Certificate:
        """The signing certificate."""
        ...

    def pyhanko_signer(self) -> Any:
        """A `pyhanko.sign.signers.Signer` that produces the CMS signature."""
        ...


def to_asn1_key(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> Any:
    return asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))


def certificate_store(certs: Sequence[x509.Certificate]) -> Any:
    """A pyHanko certificate registry holding `certs`."""
    store: Any = SimpleCertificateStore
    return store.from_certs([to_asn1_certificate(c) for c in certs])


def _spki(public_key: Any) -> bytes:
    return bytes(public_key.public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo))


SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def load_pkcs12(data: bytes, passphrase: bytes | None) -> tuple[
        SigningKey, x509.Certificate, list[x509.Certificate]]:
    """(key, certificate, the other certificates) of a PKCS#12 file, or a clear refusal."""
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, passphrase)
    except (ValueError, TypeError) as exc:
        raise UserError(_("The key file could not be opened: wrong password or not a "
                          "PKCS#12 file.")) from exc
    if cert is None or not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise UserError(_("The key file holds no usable EC or RSA key with a certificate."))
    return key, cert, list(extra)


class CertifiedSigner:
    """What every `Signer` shows of itself, whatever holds its key: name, certificate, chain."""

    _certificate: x509.Certificate
    _chain: tuple[x509.Certificate, ...]

    @property
    def signing_name(self) -> str:
        return common_name(self._certificate)

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return self._chain


class SoftwareSigner(CertifiedSigner):
    """A key held in memory, loaded from PKCS#12 or PEM."""

    def __init__(self, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
                 certificate: x509.Certificate,
                 chain: Sequence[x509.Certificate] = ()) -> None:
        if _spki(key.public_key()) != _spki(certificate.public_key()):
            raise UserError(_("The signing key does not belong to its certificate."))
        registry = certificate_store(chain)
        self._key = key
        self._certificate = certificate
        self._chain = tuple(chain)
        self._signer = signers.SimpleSigner(
            signing_cert=to_asn1_certificate(certificate), signing_key=to_asn1_key(key),
            cert_registry=registry)

    def __repr__(self) -> str:
        return f"SoftwareSigner({self.signing_name!r})"

    @classmethod
    def from_pkcs12(cls, data: bytes, passphrase: bytes | None = None,
                    chain: Sequence[x509.Certificate] = ()) -> SoftwareSigner:
        key, cert, extra = load_pkcs12(data, passphrase)
        return cls(key, cert, [*extra, *chain])

    @classmethod
    def from_pem(cls, key_pem: bytes, cert_pem: bytes, chain_pem: bytes = b"",
                 passphrase: bytes | None = None) -> SoftwareSigner:
        try:
            key = serialization.load_pem_private_key(key_pem, passphrase)
            cert = x509.load_pem_x509_certificate(cert_pem)
            chain = x509.load_pem_x509_certificates(chain_pem) if chain_pem.strip() else []
        except (ValueError, TypeError) as exc:
            raise UserError(_("The key or certificate could not be read (PEM expected).")) \
                from exc
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise UserError(_("Only EC and RSA signing keys are supported."))
        return cls(key, cert, chain)

    def pyhanko_signer(self) -> Any:
        return self._signer

    def sign_bytes(self, data: bytes) -> bytes:
        """A plain signature of `data` (DER ECDSA with SHA-256, deterministic as in RFC 6979,
        or RSA PKCS#1 v1.5): what the court package's binding record carries (decision
        0017). Deterministic, so the same package data gives the same bytes."""
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
        return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())
