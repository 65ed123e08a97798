"""A throw-away test PKI for tests and the demo, made with `cryptography` only.

It issues a P-384 root CA; P-256 officer certificates (CN = the officer's name, the
enforcement certificate number in `serialNumber`); the statement-room device certificate,
which signs on behalf of the party (parties have no certificate); the unit seal certificate;
an RSA-2048 TSA certificate with the critical EKU timeStamping (pyHanko's DummyTimeStamper
is RSA-only); and an empty CRL. `write_test_pki(dir)` writes PEM and PKCS#12 files and
returns them, loaded, in a `TestPki`. Every name in it is synthetic. Never use it in
production: the PKCS#12 password is a constant.
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


def _name(common_name: str, serial_number: str | None = None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, TEST_UNIT),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if serial_number is not None:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number))
    return x509.Name(attributes)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _build(subject: x509.Name, key: PrivateKey, issuer: x509.Name, issuer_key: PrivateKey,
           *, ca: bool, eku: list[x509.ObjectIdentifier] | None = None,
           years: int = 5) -> x509.Certificate:
    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None),
                       critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False)
    )
    if ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    else:
        usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
    builder = builder.add_extension(usage, critical=True)
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    algorithm = hashes.SHA384() if isinstance(issuer_key, ec.EllipticCurvePrivateKey) else (
        hashes.SHA256())
    return builder.sign(issuer_key, algorithm)


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
    root_key = ec.generate_private_key(ec.SECP384R1())
    root_subject = _name(root_name)
    root_cert = _build(root_subject, root_key, root_subject, root_key, ca=True, years=10)
    root = _write(directory, "root", root_name, root_key, root_cert, [], password)

    def issue(stem: str, common_name: str, serial: str | None = None, *,
              key: PrivateKey | None = None,
              eku: list[x509.ObjectIdentifier] | None = None) -> PkiIdentity:
        own = key if key is not None else ec.generate_private_key(ec.SECP256R1())
        cert = _build(_name(common_name, serial), own, root_subject, root_key, ca=False, eku=eku)
        return _write(directory, stem, common_name, own, cert, [root_cert], password)

    issued = tuple(issue(stem, name, number) for name, number, stem in officers)
    device = issue("device", "电子笔录室终端 110101-01", "SR-110101-01")
    seal = issue("seal", unit + "执法专用章")
    tsa = issue("tsa", "Statement Room Test TSA",
                key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
                eku=[ExtendedKeyUsageOID.TIME_STAMPING])
    now = _now()
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(root_subject)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + dt.timedelta(days=30))
        .add_extension(x509.CRLNumber(1), critical=False)
        .sign(root_key, hashes.SHA384())
    )
    crl_path = directory / "root.crl.pem"
    crl_path.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    return TestPki(directory, root, issued, device, seal, tsa, crl, crl_path, password)
