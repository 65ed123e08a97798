"""HQ as the unit CA (decision 26): the unit root HQ holds, kept encrypted at rest.

Optional: an HQ without a CA enrols devices as before, without certificates. The
administrator gives HQ a root in one of two ways:

- ``statement-room-hq ca init --unit U`` makes a new root (the profile of
  `sync.protocol.pki`: P-384, C=CN, O=U, CN="U 电子笔录签名根证书", 20 years);
- ``statement-room-hq ca import ROOT_KEY_FILE --passphrase-file F`` takes the root a unit
  already has: the sealed file ``statement-room ca init`` writes (``root.key.json``,
  `desktop.services.ca_root`: the PKCS#8 key under AES-256-GCM with an Argon2id key from the
  passphrase, the root certificate in clear beside it and its SHA-256 bound as associated
  data). HQ reads that format itself: it imports nothing of the desktop.

At rest (``data/keys/unit-ca.json``, 0600, never overwritten): the root certificate in clear
and its key sealed with AES-256-GCM under a key derived (HKDF-SHA256) from HQ's master key,
the root's fingerprint bound as associated data, the way HQ keeps its blobs' keys. Like the
blob store, this defends copies and backups of the data folder, not a whole-machine
compromise; a deployment moves the master key (or the CA) to an HSM behind the same calls.

HQ's export certificate (decision 36): the court packages HQ builds for the supervision room
are signed (their binding record) with a key HQ issues itself a certificate for under this
root, in the profile `sync.protocol.pki` gives it (role "hq-export"), valid for a year and
renewed a month before it ends, or when the root changed. Its key is kept like the root's
(``data/keys/hq-export.json``, sealed under HQ's master key with its own derivation), and
replaced in place on renewal (a package signed with the older one still verifies: both chain
to the same root).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hq.keys import load_master_key, write_private
from sync.protocol import pki

__all__ = ["EXPORT_YEARS", "ROOT_YEARS", "ExportIdentity", "UnitCa", "export_identity",
           "fingerprint", "import_ca", "init_ca", "load_ca", "open_root_key_file"]

ROOT_YEARS = 20
EXPORT_YEARS = 1
_EXPORT_RENEW_BEFORE = dt.timedelta(days=30)
_EXPORT_FORMAT = "statement-room-hq-export-key"
_EXPORT_WRAP_INFO = b"statement-room hq export key wrap v1"
_AT_REST_FORMAT = "statement-room-hq-unit-ca"
_WRAP_INFO = b"statement-room hq unit-ca key wrap v1"
# The sealed root-key file of `statement-room ca init` (desktop.store.sealed_file, kind
# desktop.services.ca_root.ROOT_KEY_FORMAT): what HQ must read to import it.
_ROOT_KEY_FORMAT = "statement-room-ca-root-key"
_ARGON2_FLOOR = (3, 64 * 1024, 4)  # t, m (KiB), p: below this the file was tampered with
_ARGON2_CEILING = (64, 4 * 1024 * 1024, 64)


@dataclass(frozen=True)
class UnitCa:
    """The unit root HQ issues device certificates under."""

    unit: str
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    def __repr__(self) -> str:  # never show key material
        return f"UnitCa({self.unit!r})"


def fingerprint(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def _path(data_dir: Path) -> Path:
    return data_dir / "keys" / "unit-ca.json"


def _wrap_key(data_dir: Path, info: bytes = _WRAP_INFO) -> AESGCM:
    master = load_master_key(data_dir)
    return AESGCM(HKDF(hashes.SHA256(), 32, salt=None, info=info).derive(master))


def _aad(certificate: x509.Certificate) -> bytes:
    return b"unit-ca|" + fingerprint(certificate).encode("ascii")


def _check_root(key: ec.EllipticCurvePrivateKey, certificate: x509.Certificate,
                now: dt.datetime) -> None:
    """A root HQ may issue under: a valid, self-signed CA certificate of this key."""
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    if key.public_key().public_bytes(der, spki) != certificate.public_key().public_bytes(
            der, spki):
        raise ValueError("the root key does not belong to the root certificate")
    try:
        is_ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        certificate.verify_directly_issued_by(certificate)
    except (x509.ExtensionNotFound, ValueError, TypeError, InvalidSignature):
        is_ca = False
    if not is_ca:
        raise ValueError("the certificate is not a self-signed CA root")
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise ValueError(f"the root certificate is not valid now (valid "
                         f"{certificate.not_valid_before_utc:%Y-%m-%d} to "
                         f"{certificate.not_valid_after_utc:%Y-%m-%d})")
    pki.unit_of(certificate)


def _keep(data_dir: Path, ca: UnitCa) -> None:
    """Seal the root key under HQ's master key and write it beside HQ's other keys."""
    der = ca.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption())
    nonce = secrets.token_bytes(12)
    sealed = _wrap_key(data_dir).encrypt(nonce, der, _aad(ca.certificate))
    document = {"format": _AT_REST_FORMAT, "version": 1, "unit": ca.unit,
                "certificate": ca.certificate.public_bytes(
                    serialization.Encoding.PEM).decode("ascii"),
                "nonce": nonce.hex(), "ciphertext": sealed.hex()}
    try:
        write_private(_path(data_dir), json.dumps(document, ensure_ascii=False, indent=1,
                                                  sort_keys=True).encode("utf-8") + b"\n")
    except FileExistsError:
        raise ValueError("HQ already holds a unit CA; it is never replaced in place "
                         "(see `ca show`)") from None


def load_ca(data_dir: Path) -> UnitCa | None:
    """The unit CA HQ holds, or None when it holds none."""
    path = _path(data_dir)
    if not path.exists():
        return None
    try:
        document = json.loads(path.read_bytes())
        if document.get("format") != _AT_REST_FORMAT or document.get("version") != 1:
            raise ValueError("unknown format")
        certificate = x509.load_pem_x509_certificate(document["certificate"].encode("ascii"))
        der = _wrap_key(data_dir).decrypt(bytes.fromhex(document["nonce"]),
                                          bytes.fromhex(document["ciphertext"]),
                                          _aad(certificate))
    except (ValueError, KeyError, TypeError, AttributeError, InvalidTag) as exc:
        raise ValueError(f"{path} is damaged or not HQ's unit CA ({exc})") from None
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} does not hold an EC key")
    return UnitCa(str(document["unit"]), key, certificate)


def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)


def init_ca(data_dir: Path, unit: str, *, now: dt.datetime | None = None) -> UnitCa:
    """A new unit root for `unit`, kept by HQ (ValueError if HQ already holds one)."""
    unit = unit.strip()
    if not unit or len(unit) > 64:
        raise ValueError("the unit's name must be 1 to 64 characters")
    if _path(data_dir).exists():
        raise ValueError("HQ already holds a unit CA; it is never replaced in place "
                         "(see `ca show`)")
    moment = _now(now)
    key = ec.generate_private_key(ec.SECP384R1())
    certificate = pki.root_certificate(unit, key, not_before=moment - pki.BACKDATE,
                                       not_after=moment + dt.timedelta(days=365 * ROOT_YEARS))
    ca = UnitCa(unit, key, certificate)
    _keep(data_dir, ca)
    return ca


def _argon2_params(kdf: object) -> tuple[int, int, int]:
    if not isinstance(kdf, dict) or kdf.get("name") != "argon2id":
        raise ValueError("not an Argon2id key file")
    values = tuple(kdf.get(name) for name in ("t", "m", "p"))
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise ValueError("Argon2id parameters are not integers")
    t, m, p = (int(str(v)) for v in values)
    if any(v < low for v, low in zip((t, m, p), _ARGON2_FLOOR, strict=True)) or any(
            v > high for v, high in zip((t, m, p), _ARGON2_CEILING, strict=True)):
        raise ValueError("Argon2id parameters outside what `statement-room ca` writes: the "
                         "file may have been tampered with")
    return t, m, p


def open_root_key_file(data: bytes, passphrase: bytes) -> UnitCa:
    """The root in a file written by ``statement-room ca init`` (ValueError if it does not
    open: a wrong passphrase, another kind of file, or an altered one)."""
    try:
        document = json.loads(data.decode("utf-8"))
        if not isinstance(document, dict) or document.get("format") != _ROOT_KEY_FORMAT or \
                document.get("version") != 1 or document.get("cipher") != "aes-256-gcm":
            raise ValueError("unknown format")
        t, m, p = _argon2_params(document.get("kdf"))
        certificate = x509.load_pem_x509_certificate(str(document["certificate"]).encode(
            "ascii"))
        salt, nonce = bytes.fromhex(document["salt"]), bytes.fromhex(document["nonce"])
        ciphertext = bytes.fromhex(document["ciphertext"])
        if len(salt) != 16 or len(nonce) != 12:
            raise ValueError("bad salt or nonce")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a unit root key file of `statement-room ca`, or damaged "
                         f"({exc})") from None
    if not passphrase:
        raise ValueError("the passphrase is empty")
    kek = Argon2id(salt=salt, length=32, iterations=t, lanes=p, memory_cost=m).derive(
        passphrase)
    # sealed_file binds b"pw|" + the caller's context; ca_root's context is the fingerprint.
    aad = b"pw|ca-root|" + fingerprint(certificate).encode("ascii")
    try:
        der = AESGCM(kek).decrypt(nonce, ciphertext, aad)
    except InvalidTag:
        raise ValueError("the passphrase does not open the root key (or the file was "
                         "altered)") from None
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("the root key is not an EC key")
    return UnitCa(str(document.get("unit") or pki.unit_of(certificate)), key, certificate)


def import_ca(data_dir: Path, data: bytes, passphrase: bytes, *,
              now: dt.datetime | None = None) -> UnitCa:
    """Take the unit's existing root from its sealed key file (ValueError if it does not
    open, is not a valid root now, or HQ already holds a CA)."""
    if _path(data_dir).exists():
        raise ValueError("HQ already holds a unit CA; it is never replaced in place "
                         "(see `ca show`)")
    ca = open_root_key_file(data, passphrase)
    _check_root(ca.key, ca.certificate, _now(now))
    _keep(data_dir, ca)
    return ca


@dataclass(frozen=True)
class ExportIdentity:
    """HQ's export key and certificate, and the unit root it chains to."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    root: x509.Certificate

    def __repr__(self) -> str:  # never show key material
        return f"ExportIdentity({self.certificate.subject.rfc4514_string()!r})"

    def sign(self, data: bytes) -> bytes:
        """DER ECDSA P-256/SHA-256, deterministic (RFC 6979) like the device's binding."""
        return self.key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))


def _export_path(data_dir: Path) -> Path:
    return data_dir / "keys" / "hq-export.json"


def _held_export(data_dir: Path, ca: UnitCa, now: dt.datetime) -> ExportIdentity | None:
    """The export identity HQ keeps, if it is still good: issued by this root and valid for
    more than the renewal margin."""
    path = _export_path(data_dir)
    if not path.exists():
        return None
    try:
        document = json.loads(path.read_bytes())
        if document.get("format") != _EXPORT_FORMAT or document.get("version") != 1:
            raise ValueError("unknown format")
        certificate = x509.load_pem_x509_certificate(document["certificate"].encode("ascii"))
        der = _wrap_key(data_dir, _EXPORT_WRAP_INFO).decrypt(
            bytes.fromhex(document["nonce"]), bytes.fromhex(document["ciphertext"]),
            b"hq-export|" + fingerprint(certificate).encode("ascii"))
        key = serialization.load_der_private_key(der, password=None)
        certificate.verify_directly_issued_by(ca.certificate)
    except (ValueError, KeyError, TypeError, AttributeError, InvalidTag, InvalidSignature):
        return None  # damaged, or under another root: issue a new one
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not (
            certificate.not_valid_before_utc <= now
            and now + _EXPORT_RENEW_BEFORE < certificate.not_valid_after_utc):
        return None
    return ExportIdentity(key, certificate, ca.certificate)


def export_identity(data_dir: Path, hq_id: str, *, now: dt.datetime | None = None
                    ) -> ExportIdentity | None:
    """HQ's export identity under the unit CA it holds, issued (or renewed) when needed;
    None when HQ holds no unit CA."""
    ca = load_ca(data_dir)
    if ca is None:
        return None
    moment = _now(now)
    held = _held_export(data_dir, ca, moment)
    if held is not None:
        return held
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = pki.end_entity_certificate(
        ca.key, ca.certificate, key.public_key(), pki.hq_export_subject(ca.unit, hq_id),
        role=pki.HQ_EXPORT_ROLE, now=moment, years=EXPORT_YEARS)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    nonce = secrets.token_bytes(12)
    sealed = _wrap_key(data_dir, _EXPORT_WRAP_INFO).encrypt(
        nonce, der, b"hq-export|" + fingerprint(certificate).encode("ascii"))
    document = {"format": _EXPORT_FORMAT, "version": 1, "nonce": nonce.hex(),
                "ciphertext": sealed.hex(),
                "certificate": certificate.public_bytes(serialization.Encoding.PEM).decode()}
    path = _export_path(data_dir)
    # A fresh private file, then put in place (another HQ process renewing at the same time
    # puts its own: either certificate chains to the root, so either serves).
    staged = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    write_private(staged, json.dumps(document, sort_keys=True).encode("utf-8") + b"\n")
    os.replace(staged, path)
    return ExportIdentity(key, certificate, ca.certificate)
