"""A throw-away test PKI for tests and the demo, made by the unit CA code (`unit_ca`).

It is a caller of `desktop.documents.unit_ca`, as `statement-room ca` is: a P-384 unit root
(O = the unit given; the demo passes its configured unit); P-256 officer certificates (CN =
the officer's name, the enforcement certificate number in `serialNumber`); the statement-room
device certificate, which signs on behalf of the party (parties have no certificate); the
unit seal certificate; and, made here because it is special, an RSA-2048 TSA certificate with
the critical EKU timeStamping (pyHanko's DummyTimeStamper is RSA-only); and an empty CRL.
`write_test_pki(dir)` writes PEM and PKCS#12 files and returns them, loaded, in a `TestPki`.
Every name in it is synthetic. Never use it in production: the PKCS#12 password is a
constant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from desktop.documents import unit_ca
from verification.certificates import common_name

PKCS12_PASSWORD = b"statement-room-test"
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

# Synthetic officers: (name, enforcement certificate number, file stem).
TEST_OFFICERS = (
    ("张建国", "11010120230001", "interviewer1"),
    ("李晓梅", "11010120230002", "interviewer2"),
    ("王志强", "11010120230003", "recorder"),
)
TEST_UNIT = "北京市东城区综合行政执法局"


@dataclass(frozen=True)
class PkiIdentity:
    """One key pair with its certificate and the files it was written to."""

    name: str
    key: PrivateKey
    certificate: x509.Certificate
    key_path: Path
    cert_path: Path
    p12_path: Path

    def __repr__(self) -> str:  # never show key material
        return f"PkiIdentity({self.name!r}, {self.cert_path})"


@dataclass(frozen=True)
class TestPki:
    """The generated PKI: the root, the identities and the CRL, all also on disk."""

    __test__ = False  # not a pytest test class

    directory: Path
    root: PkiIdentity
    officers: tuple[PkiIdentity, ...]
    device: PkiIdentity
    seal: PkiIdentity
    tsa: PkiIdentity
    crl: x509.CertificateRevocationList
    crl_path: Path
    p12_password: bytes = PKCS12_PASSWORD

    @property
    def tsa_key(self) -> rsa.RSAPrivateKey:
        """The TSA's key, typed as RSA (what a dummy TSA needs)."""
        assert isinstance(self.tsa.key, rsa.RSAPrivateKey)
        return self.tsa.key


def _tsa(root: unit_ca.CaIdentity, unit: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """The TSA stays special: RSA (pyHanko's dummy timestamper) with EKU timeStamping."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    root_ski = root.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, unit),
            x509.NameAttribute(NameOID.COMMON_NAME, "Statement Room Test TSA")]))
        .issuer_name(root.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * 5))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
            root_ski.value), critical=False)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                     False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                       critical=True)
        .sign(root.key, hashes.SHA384())
    )
    return key, certificate


def _write(directory: Path, stem: str, name: str, key: PrivateKey, cert: x509.Certificate,
           chain: list[x509.Certificate], password: bytes) -> PkiIdentity:
    key_path = directory / f"{stem}.key.pem"
    cert_path = directory / f"{stem}.cert.pem"
    p12_path = directory / f"{stem}.p12"
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    p12_path.write_bytes(pkcs12.serialize_key_and_certificates(
        stem.encode(), key, cert, chain or None,
        serialization.BestAvailableEncryption(password)))
    p12_path.chmod(0o600)
    return PkiIdentity(name, key, cert, key_path, cert_path, p12_path)


def write_test_pki(directory: Path, *, root_name: str = "Statement Room Test Root CA",
                   password: bytes = PKCS12_PASSWORD,
                   officers: Sequence[tuple[str, str, str]] = TEST_OFFICERS,
                   unit: str = TEST_UNIT) -> TestPki:
    """Generate a complete test PKI into `directory` (created if missing).

    `officers` are (name, enforcement certificate number, file stem): the demo issues
    certificates for its own officers so each signs under their own name.
    """
    directory.mkdir(parents=True, exist_ok=True)
    root_ca = unit_ca.create_unit_root(unit, years=10, common_name=root_name)
    root_cert = root_ca.certificate
    root = _write(directory, "root", root_name, root_ca.key, root_cert, [], password)

    def write(stem: str, issued: unit_ca.Issued) -> PkiIdentity:
        return _write(directory, stem, common_name(issued.certificate), issued.key,
                      issued.certificate, [root_cert], password)

    identities = tuple(
        write(stem, unit_ca.issue(root_ca, "officer", name=name, unit=unit,
                                  certificate_no=number))
        for name, number, stem in officers)
    device = write("device", unit_ca.issue(root_ca, "device", name="110101-01", unit=unit,
                                           certificate_no="SR-110101-01"))
    seal = write("seal", unit_ca.issue(root_ca, "seal", unit=unit))
    tsa_key, tsa_cert = _tsa(root_ca, unit)
    tsa = _write(directory, "tsa", common_name(tsa_cert), tsa_key, tsa_cert, [root_cert],
                 password)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(root_cert.subject)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + dt.timedelta(days=30))
        .add_extension(x509.CRLNumber(1), critical=False)
        .sign(root_ca.key, hashes.SHA384())
    )
    crl_path = directory / "root.crl.pem"
    crl_path.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    return TestPki(directory, root, identities, device, seal, tsa, crl, crl_path, password)
