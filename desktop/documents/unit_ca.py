"""A unit's own certificate authority, for a unit that has no bureau CA (decision 0015).

`create_unit_root` makes a P-384 root (subject C=CN, O=<unit>, CN="<unit> 电子笔录签名根证书";
CA with pathlen 0, keyCertSign + cRLSign). `issue` gives an officer, the unit seal or a
statement-room device a P-256 key and a certificate under that root. Every subject names the
unit actually configured (O=<unit>); officers carry their enforcement certificate number in
`serialNumber`, devices their serial. The profile (extensions, the private role
extension officers and the seal carry, the device's CN prefix and why a device carries no
role extension) is `sync.protocol.pki`'s, shared with HQ, which issues device certificates at
enrolment (decision 26). Not an extendedKeyUsage: a private EKU makes NSS and Adobe refuse a
certificate for signing.

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
from sync.protocol import pki
from sync.protocol.pki import (
    CN_MAX_BYTES,
    DEVICE_PREFIX,
    OID_ARC,
    ROLE_EXTENSION,
    ROOT_SUFFIX,
    certificate_role,
    role_extension,
)

__all__ = ["CN_MAX_BYTES", "DEVICE_PREFIX", "KINDS", "OID_ARC", "ROLE_EXTENSION",
           "ROOT_SUFFIX", "SEAL_SUFFIX", "CaIdentity", "Issued", "Kind", "certificate_role",
           "create_unit_root", "issue", "key_matches", "pkcs12_for", "role_extension"]

Kind = Literal["officer", "seal", "device"]
KINDS: tuple[Kind, ...] = ("officer", "seal", "device")
SEAL_SUFFIX = "执法专用章"
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


def _fits(unit: str, name: str) -> None:
    """A common name that cannot fit a certificate is the officer's problem, in words."""
    try:
        pki.fit_common_name(unit, name)
    except ValueError:
        raise UserError(_("{what} is longer than a certificate allows (64 characters).")
                        .format(what=name)) from None


def _subject(unit: str, common_name: str, serial_number: str | None = None) -> x509.Name:
    _fits(unit, common_name)
    return pki.subject(unit, common_name, serial_number)


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
    name = _text(common_name or unit + ROOT_SUFFIX, _("a common name"))
    _fits(unit, name)
    certificate = pki.root_certificate(unit, key, common_name=name,
                                       not_before=moment - pki.BACKDATE,
                                       not_after=moment + dt.timedelta(days=365 * years))
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
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = pki.end_entity_certificate(
        root.key, root.certificate, key.public_key(), subject,
        role=None if kind == "device" else kind,  # see sync.protocol.pki
        now=_now(now), years=years)
    return Issued(kind, key, certificate, (root.certificate,))


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
