"""HQ's escrow private key on disk: encrypted under a passphrase, never in the clear.

The file is our own small JSON format rather than encrypted PKCS#8: `cryptography` writes
PKCS#8 only with PBKDF2 (BestAvailableEncryption), which GPUs test cheaply, and cannot write
scrypt or Argon2 into PKCS#8. Here the 32-byte X25519 private key is wrapped with the same
primitive as the officers' data-key wraps (Argon2id, then AES-256-GCM with the key id bound as
associated data), with a heavier cost because the file is used rarely and is worth more than
any one store: t=3, 256 MiB, p=4. The public key travels in the same file, so HQ can check
which stores a key belongs to without the passphrase. See decision 13.
"""

from __future__ import annotations

import json
from gettext import gettext as _

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from desktop.domain.errors import UserError
from desktop.store.keys import (
    KdfParams,
    PasswordWrap,
    UnwrapError,
    WeakKdfParams,
    escrow_key_id,
    load_escrow_private_key,
    unwrap_with_password,
    wrap_with_password,
)

FORMAT = "statement-room-escrow-key"
VERSION = 1
ESCROW_KDF = KdfParams(iterations=3, memory_kib=256 * 1024, lanes=4)


def _context(key_id: str) -> bytes:
    return b"escrow-key|" + key_id.encode("ascii")


def encrypt_escrow_private_key(private_key: X25519PrivateKey, passphrase: str,
                               params: KdfParams = ESCROW_KDF) -> bytes:
    """The key as an encrypted escrow key file (bytes to write, mode 0600)."""
    raw = private_key.private_bytes(serialization.Encoding.Raw,
                                    serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
    key_id = escrow_key_id(private_key.public_key())
    wrap = wrap_with_password(raw, passphrase, _context(key_id), params)
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    document = {
        "format": FORMAT, "version": VERSION, "key_id": key_id,
        "kdf": {"name": "argon2id", **wrap.params.to_json()}, "cipher": "aes-256-gcm",
        "salt": wrap.salt.hex(), "nonce": wrap.nonce.hex(), "ciphertext": wrap.ciphertext.hex(),
        "public_key": public_pem.decode("ascii"),
    }
    return (json.dumps(document, indent=1, sort_keys=True) + "\n").encode("utf-8")


def is_encrypted_escrow_file(data: bytes) -> bool:
    return data.lstrip().startswith(b"{")


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
    try:
        document = json.loads(data.decode("utf-8"))
        if document.get("format") != FORMAT or document.get("version") != VERSION or \
                document.get("cipher") != "aes-256-gcm" or \
                document["kdf"].get("name") != "argon2id":
            raise ValueError("not an escrow key file")
        key_id = str(document["key_id"])
        wrap = PasswordWrap(bytes.fromhex(document["salt"]), bytes.fromhex(document["nonce"]),
                            bytes.fromhex(document["ciphertext"]),
                            KdfParams.from_json(document["kdf"]))
        if len(wrap.salt) != 16 or len(wrap.nonce) != 12:
            raise ValueError("bad salt or nonce")
    except WeakKdfParams as exc:
        raise UserError(_("The escrow key file asks for Argon2id parameters below the "
                          "minimum; it may have been tampered with.")) from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(_("The escrow key file is damaged or not an escrow key file.")) from exc
    try:
        raw = unwrap_with_password(wrap, passphrase, _context(key_id))
    except UnwrapError as exc:
        raise UserError(_("Wrong passphrase for the escrow key file.")) from exc
    private = X25519PrivateKey.from_private_bytes(raw)
    if escrow_key_id(private.public_key()) != key_id:
        raise UserError(_("The escrow key file is damaged or not an escrow key file."))
    return private
