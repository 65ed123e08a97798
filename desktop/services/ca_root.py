"""A unit root's private key on the administrator's offline medium: sealed, never in clear.

The root key can mint officers, so it gets the heaviest protection the project has: a sealed
file (`desktop.store.sealed_file`: Argon2id at 256 MiB, AES-256-GCM) with the root certificate
beside it in clear and its fingerprint bound as associated data, so a file cannot be paired
with another root's certificate. `ca init` writes it, `ca issue` opens it (decision 15).
"""

from __future__ import annotations

from collections.abc import Mapping
from gettext import gettext as _
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from desktop.documents.certcheck import fingerprint
from desktop.documents.unit_ca import CaIdentity, key_matches
from desktop.domain.errors import UserError
from desktop.store import sealed_file

ROOT_KEY_FORMAT = "statement-room-ca-root-key"


def _context(certificate_pem: str) -> bytes:
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode("ascii"))
    return b"ca-root|" + fingerprint(certificate).encode("ascii")


def _passphrase(passphrase: bytes) -> str:
    try:
        text = passphrase.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(_("The passphrase is not valid UTF-8 text.")) from exc
    if not text:
        raise UserError(_("The passphrase is empty."))
    return text


def export_root_key(root: CaIdentity, passphrase: bytes) -> bytes:
    """The root key sealed under `passphrase`, with its certificate (bytes for a 0600 file)."""
    der = root.key.private_bytes(serialization.Encoding.DER,
                                 serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    pem = root.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return sealed_file.seal(der, _passphrase(passphrase), kind=ROOT_KEY_FORMAT,
                            context=_context(pem), public={"unit": root.unit, "certificate": pem})


def load_root_key(data: bytes, passphrase: bytes) -> CaIdentity:
    """Open a file written by `export_root_key`; a wrong passphrase is a `UserError`."""
    unreadable = _("This is not a unit root key file, or it is damaged.")

    def context(document: Mapping[str, Any]) -> bytes:
        return _context(str(document["certificate"]))

    try:
        der, document = sealed_file.unseal(data, _passphrase(passphrase),
                                           kind=ROOT_KEY_FORMAT, context=context)
    except sealed_file.SealedFileWeak as exc:
        raise UserError(_("The root key file asks for Argon2 parameters outside what the "
                          "project writes; it may have been tampered with.")) from exc
    except sealed_file.SealedFileWrongPassphrase as exc:
        raise UserError(_("The passphrase does not open the root key (or the file was "
                          "altered).")) from exc
    except sealed_file.SealedFileDamaged as exc:
        raise UserError(unreadable) from exc
    certificate = x509.load_pem_x509_certificate(str(document["certificate"]).encode("ascii"))
    key = serialization.load_der_private_key(der, None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not key_matches(key, certificate):
        raise UserError(unreadable)
    return CaIdentity(str(document["unit"]), key, certificate)
