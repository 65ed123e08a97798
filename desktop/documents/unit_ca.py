"""A unit's own certificate authority, for a unit that has no bureau CA (decision 0015).

`create_unit_root` makes a P-384 root (subject C=CN, O=<unit>, CN="<unit> 电子笔录签名根证书";
CA with pathlen 0, keyCertSign + cRLSign). `issue` gives an officer, the unit seal or a
statement-room device a P-256 key and a certificate under that root. Every subject names the
unit actually configured (O=<unit>); officers carry their enforcement certificate number in
`serialNumber`, devices their serial. Each end-entity certificate has keyUsage
digitalSignature + nonRepudiation (critical), SKI/AKI, and a private non-critical
extension that names its role, so an importer can tell an officer's certificate from the
seal's or a device's:

    ROLE_EXTENSION = 2.25.28683661531268330255528533512285135431.1   (under a UUID OID, X.667)
    value: DER UTF8String "officer" | "seal" | "device"

Officer and seal certificates carry it; a device certificate is told by its absence, its CN
prefix "电子笔录室终端 " and serialNumber: with any extra extension (this one or a
certificatePolicies OID) in the device certificate, poppler 22.12's pdfsig (NSS) reported
"Unknown issue with Certificate" for the timestamped certification signature (decision 0015).
Not an extendedKeyUsage: a private EKU makes NSS and Adobe refuse a certificate for signing.

The root key is kept offline as a sealed file (`desktop.services.ca_root`: Argon2id, not the
PBKDF2 of PKCS#8 or PKCS#12, which GPUs guess cheaply). `pkcs12_for` writes the
per-person .p12 (AES-256-CBC, PBKDF2-SHA256 with many rounds): that format is what other
tools and tokens import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from gettext import gettext as _
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from desktop.domain.errors import UserError

Kind = Literal["officer", "seal", "device"]
KINDS: tuple[Kind, ...] = ("officer", "seal", "device")
OID_ARC = "2.25.28683661531268330255528533512285135431"
ROLE_EXTENSION = x509.ObjectIdentifier(OID_ARC + ".1")
SEAL_SUFFIX = "执法专用章"
DEVICE_PREFIX = "电子笔录室终端 "
ROOT_SUFFIX = " 电子笔录签名根证书"
P12_KDF_ROUNDS = 600_000


@dataclass(frozen=True)
class CaIdentity:
    """A unit root: its key and self-signed certificate."""

    unit: str
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    def __repr__(self) -> str:  # never show key material
        return f"CaIdentity({self.unit!r})"


@dataclass(frozen=True)
class Issued:
    """An end-entity key with its certificate and the chain above it (root last)."""

    kind: Kind
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]

    def __repr__(self) -> str:
        return f"Issued({self.kind!r}, {self.certificate.subject.rfc4514_string()!r})"


def _now(now: dt.datetime | None) -> dt.datetime:
    moment = now if now is not None else dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.replace(microsecond=0)


CN_MAX_BYTES = 64  # what `cryptography` enforces for commonName (UTF-8 bytes, not characters)


def _common_name(unit: str, name: str) -> str:
    """`name`, or, when "<unit>…" is too long for a commonName, the part after the unit
    (the unit is in O= anyway): 14 hanzi of unit plus a suffix already exceed 64 bytes."""
    if len(name.encode("utf-8")) <= CN_MAX_BYTES:
        return name
    short = name[len(unit):].strip() if name.startswith(unit) else name
    if not short or len(short.encode("utf-8")) > CN_MAX_BYTES:
        raise UserError(_("{what} is longer than a certificate allows (64 characters).")
                        .format(what=name))
    return short


def _subject(unit: str, common_name: str, serial_number: str | None = None) -> x509.Name:
    common_name = _common_name(unit, common_name)
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, unit),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if serial_number is not None:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number))
    return x509.Name(attributes)


def _text(value: str | None, what: str) -> str:
    if value is None or not value.strip():
        raise UserError(_("A certificate needs {what}.").format(what=what))
    if len(value) > 64:
        raise UserError(_("{what} is longer than a certificate allows (64 characters).")
                        .format(what=what))
    return value.strip()


def create_unit_root(unit: str, *, years: int = 20, now: dt.datetime | None = None,
                     common_name: str | None = None) -> CaIdentity:
    """A new P-384 root for `unit`, valid `years` from `now` (two days back, for skew)."""
    unit = _text(unit, _("the unit's name"))
    moment = _now(now)
    key = ec.generate_private_key(ec.SECP384R1())
    name = _subject(unit, _text(common_name or unit + ROOT_SUFFIX, _("a common name")))
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(moment - dt.timedelta(days=2))
        .not_valid_after(moment + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                     False), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                       critical=False)
        .sign(key, hashes.SHA384())
    )
    return CaIdentity(unit, key, certificate)


def issue(root: CaIdentity, kind: Kind, *, name: str | None = None, unit: str,
          certificate_no: str | None = None, years: int = 5,
          now: dt.datetime | None = None) -> Issued:
    """A P-256 key and certificate for an officer, the unit seal or a device.

    officer: CN=`name`, serialNumber=`certificate_no` (the enforcement certificate number);
    seal: CN=<unit>执法专用章 (`name` overrides it); device: CN="电子笔录室终端 `name`",
    serialNumber=`certificate_no` or `name`. The validity never outlasts the root's.
    """
    if kind not in KINDS:
        raise UserError(_("Unknown certificate kind {kind}: officer, seal or device.")
                        .format(kind=kind))
    unit = _text(unit, _("the unit's name"))
    if kind == "officer":
        subject = _subject(unit, _text(name, _("the officer's name")),
                           _text(certificate_no, _("the enforcement certificate number")))
    elif kind == "seal":
        subject = _subject(unit, _text(name or unit + SEAL_SUFFIX, _("a common name")))
    else:
        serial = _text(name, _("the device's serial"))
        subject = _subject(unit, DEVICE_PREFIX + serial, _text(certificate_no or serial,
                                                                _("the device's serial")))
    moment = _now(now)
    not_after = min(moment + dt.timedelta(days=365 * years),
                    root.certificate.not_valid_after_utc)
    key = ec.generate_private_key(ec.SECP256R1())
    root_ski = root.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(root.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(moment - dt.timedelta(days=2))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                     False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
            root_ski.value), critical=False)
    )
    if kind != "device":  # see the module docstring
        builder = builder.add_extension(role_extension(kind), critical=False)
    certificate = builder.sign(root.key, hashes.SHA384())
    return Issued(kind, key, certificate, (root.certificate,))


def _utf8_string(text: bytes) -> bytes:
    if len(text) >= 128:
        raise ValueError("role name too long")
    return bytes([0x0C, len(text)]) + text


def role_extension(kind: str) -> x509.UnrecognizedExtension:
    """The private extension that says a certificate is an officer's, the seal's or a device's."""
    return x509.UnrecognizedExtension(ROLE_EXTENSION, _utf8_string(kind.encode("ascii")))


def certificate_role(certificate: x509.Certificate) -> str | None:
    """The role written by `issue`, or None if the certificate carries no role extension.

    A present but unreadable role is returned as "?" so that it never matches a real role.
    """
    try:
        extension = certificate.extensions.get_extension_for_oid(ROLE_EXTENSION)
    except x509.ExtensionNotFound:
        return None
    value = extension.value
    raw = value.value if isinstance(value, x509.UnrecognizedExtension) else b""
    if len(raw) < 2 or raw[0] != 0x0C or raw[1] != len(raw) - 2:
        return "?"
    try:
        return raw[2:].decode("utf-8")
    except UnicodeDecodeError:
        return "?"


def key_matches(key: PrivateKeyTypes, certificate: x509.Certificate) -> bool:
    """Whether `key` is the private half of `certificate`'s public key."""
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    return bool(key.public_key().public_bytes(der, spki)
                == certificate.public_key().public_bytes(der, spki))


def pkcs12_for(issued: Issued, chain: Sequence[x509.Certificate], passphrase: bytes, *,
               rounds: int = P12_KDF_ROUNDS) -> bytes:
    """A .p12 (key, certificate, `chain`) under AES-256 and PBKDF2-SHA256 with `rounds`."""
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(rounds)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(passphrase)
    )
    if not passphrase:
        raise UserError(_("The passphrase is empty."))
    names = issued.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    label = str(names[0].value).encode("utf-8") if names else issued.kind.encode("ascii")
    return pkcs12.serialize_key_and_certificates(
        label, issued.key, issued.certificate, list(chain) or None, encryption)
