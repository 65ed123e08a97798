"""HQ's escrow private key on disk: encrypted under a passphrase, never in the clear.

The 32-byte X25519 private key is a sealed file (`sealed_file`: Argon2id at 256 MiB, then
AES-256-GCM with the key id bound as associated data); the public key and its id travel in
clear in the same file, so HQ can tell which stores a key belongs to without the passphrase.
A clear PEM from before is still read. See decision 13.
"""

from __future__ import annotations

from gettext import gettext as _

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from desktop.domain.errors import UserError
from desktop.store import sealed_file
from desktop.store.keys import escrow_key_id, load_escrow_private_key

FORMAT = "statement-room-escrow-key"


def _context(key_id: str) -> bytes:
    return b"escrow-key|" + key_id.encode("ascii")


def encrypt_escrow_private_key(private_key: X25519PrivateKey, passphrase: str) -> bytes:
    """The key as an encrypted escrow key file (bytes to write, mode 0600)."""
    raw = private_key.private_bytes(serialization.Encoding.Raw,
                                    serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
    key_id = escrow_key_id(private_key.public_key())
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return sealed_file.seal(raw, passphrase, kind=FORMAT, context=_context(key_id),
                            public={"key_id": key_id, "public_key": public_pem.decode("ascii")})


def is_encrypted_escrow_file(data: bytes) -> bool:
    return sealed_file.is_sealed_file(data)


def load_escrow_key_file(data: bytes, passphrase: str | None) -> X25519PrivateKey:
    """Open an escrow key file; a clear PEM from older versions is still accepted.

    Raises UserError for a wrong passphrase, a damaged file or parameters below the floor.
    """
    if not is_encrypted_escrow_file(data):
        try:
            return load_escrow_private_key(data)
        except (ValueError, TypeError) as exc:
            raise UserError(_("This is not an escrow private key file.")) from exc
    if passphrase is None:
        raise UserError(_("This escrow key file is encrypted: a passphrase is needed."))
    damaged = _("The escrow key file is damaged or not an escrow key file.")
    try:
        raw, document = sealed_file.unseal(data, passphrase, kind=FORMAT,
                                           context=lambda d: _context(str(d["key_id"])))
    except sealed_file.SealedFileWeak as exc:
        raise UserError(_("The escrow key file asks for Argon2id parameters below the "
                          "minimum; it may have been tampered with.")) from exc
    except sealed_file.SealedFileWrongPassphrase as exc:
        raise UserError(_("Wrong passphrase for the escrow key file.")) from exc
    except sealed_file.SealedFileDamaged as exc:
        raise UserError(damaged) from exc
    try:
        private = X25519PrivateKey.from_private_bytes(raw)
    except ValueError as exc:
        raise UserError(damaged) from exc
    if escrow_key_id(private.public_key()) != document["key_id"]:
        raise UserError(damaged)
    return private
