"""What a Statement Room certificate is: the profile the desktop's unit CA and HQ's agree on.

One definition for both issuers (`desktop.documents.unit_ca` offline, `hq.unit_ca` at
enrolment, decisions 15 and 26), so a device certificate HQ issues is told, checked and
verified exactly like one made by `statement-room ca issue`:

- A unit root: P-384, subject C=CN, O=<unit>, CN="<unit> 电子笔录签名根证书"; CA with pathlen 0,
  keyUsage keyCertSign + cRLSign (critical), SKI and AKI; signed with SHA-384.
- An end-entity certificate: P-256 (or the requester's key), issuer = the root, keyUsage
  digitalSignature + nonRepudiation (critical), SKI, AKI from the root's SKI, and for an
  officer or the seal the private role extension below; valid from two days back (offline
  clocks), never beyond the root.
- A device certificate: CN="电子笔录室终端 <serial>", serialNumber=<serial>, and *no* role
  extension: with any extra extension poppler's pdfsig reported "Unknown issue with
  Certificate" for the device's timestamped certification signature (decision 15). Its CN
  prefix is what names it a device.
- HQ's export certificate (decision 36): the key HQ signs the court packages it builds with
  (the binding record of a package a supervisor downloads), issued by HQ to itself under the
  unit CA it runs: CN="电子笔录总部导出 <hq id>", serialNumber=<hq id>, and the role extension
  "hq-export", so a court's verifier tells it from a device's and names HQ as the exporter.
  It never signs a PDF, so pdfsig's dislike of extra extensions does not concern it.

The role extension (a UUID OID, X.667, no registration needed)::

    2.25.28683661531268330255528533512285135431.1   value: DER UTF8String "officer" | "seal"

Errors are plain `ValueError`s: the desktop turns them into its translated words.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = [
    "BACKDATE",
    "CN_MAX_BYTES",
    "DEVICE_PREFIX",
    "HQ_EXPORT_PREFIX",
    "HQ_EXPORT_ROLE",
    "OID_ARC",
    "ROLE_EXTENSION",
    "ROOT_SUFFIX",
    "certificate_role",
    "device_subject",
    "end_entity_certificate",
    "fit_common_name",
    "hq_export_subject",
    "role_extension",
    "root_certificate",
    "subject",
    "unit_of",
]

OID_ARC = "2.25.28683661531268330255528533512285135431"
ROLE_EXTENSION = x509.ObjectIdentifier(OID_ARC + ".1")
DEVICE_PREFIX = "电子笔录室终端 "
HQ_EXPORT_PREFIX = "电子笔录总部导出 "
HQ_EXPORT_ROLE = "hq-export"
ROOT_SUFFIX = " 电子笔录签名根证书"
CN_MAX_BYTES = 64  # what `cryptography` enforces for commonName (UTF-8 bytes, not characters)
BACKDATE = dt.timedelta(days=2)  # validity starts this far back: squads' clocks drift offline


def fit_common_name(unit: str, name: str) -> str:
    """`name`, or, when "<unit>…" is too long for a commonName, the part after the unit
    (the unit is in O= anyway): 14 hanzi of unit plus a suffix already exceed 64 bytes.
    ValueError when even that does not fit."""
    if len(name.encode("utf-8")) <= CN_MAX_BYTES:
        return name
    short = name[len(unit):].strip() if name.startswith(unit) else name
    if not short or len(short.encode("utf-8")) > CN_MAX_BYTES:
        raise ValueError(f"{name!r} is longer than a certificate's common name allows")
    return short


def subject(unit: str, common_name: str, serial_number: str | None = None) -> x509.Name:
    """C=CN, O=`unit`, CN=`common_name` (fitted), and serialNumber when given."""
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, unit),
        x509.NameAttribute(NameOID.COMMON_NAME, fit_common_name(unit, common_name)),
    ]
    if serial_number is not None:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number))
    return x509.Name(attributes)


def device_subject(unit: str, serial: str, serial_number: str | None = None) -> x509.Name:
    """A statement-room device's subject: CN="电子笔录室终端 `serial`", serialNumber."""
    return subject(unit, DEVICE_PREFIX + serial, serial_number or serial)


def hq_export_subject(unit: str, hq_id: str) -> x509.Name:
    """HQ's export certificate's subject: CN="电子笔录总部导出 `hq_id`", serialNumber."""
    return subject(unit, HQ_EXPORT_PREFIX + hq_id, hq_id)


def unit_of(root: x509.Certificate) -> str:
    """The unit a root names in O=."""
    values = root.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    if not values:
        raise ValueError("the root certificate names no unit (O=)")
    return str(values[0].value)


def root_certificate(unit: str, key: ec.EllipticCurvePrivateKey, *, not_before: dt.datetime,
                     not_after: dt.datetime, common_name: str | None = None
                     ) -> x509.Certificate:
    """A unit root for `key` (P-384 by the profile), self-signed."""
    name = subject(unit, common_name or unit + ROOT_SUFFIX)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    return (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                     False), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                       critical=False)
        .sign(key, hashes.SHA384())
    )


def end_entity_certificate(root_key: ec.EllipticCurvePrivateKey, root: x509.Certificate,
                           public_key: ec.EllipticCurvePublicKey, name: x509.Name, *,
                           role: str | None, now: dt.datetime, years: int
                           ) -> x509.Certificate:
    """A signing certificate for `public_key` under `root`: valid from `now` minus
    `BACKDATE` for `years`, never beyond the root; `role` None for a device."""
    not_after = min(now + dt.timedelta(days=365 * years), root.not_valid_after_utc)
    root_ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(root.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                     False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
            root_ski.value), critical=False)
    )
    if role is not None:
        builder = builder.add_extension(role_extension(role), critical=False)
    return builder.sign(root_key, hashes.SHA384())


def _utf8_string(text: bytes) -> bytes:
    if len(text) >= 128:
        raise ValueError("role name too long")
    return bytes([0x0C, len(text)]) + text


def role_extension(kind: str) -> x509.UnrecognizedExtension:
    """The private extension that says a certificate is an officer's or the seal's."""
    return x509.UnrecognizedExtension(ROLE_EXTENSION, _utf8_string(kind.encode("ascii")))


def certificate_role(certificate: x509.Certificate) -> str | None:
    """The role a certificate's extension names, or None if it carries none.

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
