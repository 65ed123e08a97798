"""The key hierarchy: one random data key, wrapped for each officer and for HQ escrow.

The store is opened with a random 256-bit data key used as a raw SQLCipher key (about 1 ms,
against ~100 ms for SQLCipher's own passphrase KDF). Each officer's password derives a
key-encryption key with Argon2id that wraps the data key with AES-256-GCM; HQ's X25519 escrow
public key wraps it too, so a store can be recovered when every password is lost. Changing a
password re-wraps the data key; nothing is re-encrypted. Key bytes never reach logs: they are
only ever held in `bytes` objects and hex-encoded straight into the SQLCipher PRAGMA.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

DATA_KEY_BYTES = 32
_ESCROW_INFO = b"statement-room escrow wrap v1"


class UnwrapError(Exception):
    """The wrapped key did not open: wrong password, wrong escrow key, or altered key file."""


class WeakKdfParams(ValueError):
    """Argon2id parameters below the floor, or not parameters at all (a tampered key file)."""


# Ceilings only stop a damaged file from asking for absurd work (a 4 TiB allocation would
# crash the login instead of giving a clear message); they are far above anything we write.
_MAX_ITERATIONS = 64
_MAX_MEMORY_KIB = 4 * 1024 * 1024
_MAX_LANES = 64


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost; RFC 9106's second recommendation (t=3, 64 MiB, p=4), 160–360 ms here.

    The defaults are also the floor: a key file asking for less is refused (decision 13), so
    someone who can rewrite keys.json cannot make a guess or a recovery cheaper.
    """

    iterations: int = 3
    memory_kib: int = 64 * 1024
    lanes: int = 4

    def to_json(self) -> dict[str, int]:
        return {"t": self.iterations, "m": self.memory_kib, "p": self.lanes}

    @classmethod
    def from_json(cls, data: object) -> KdfParams:
        """Parse and check stored parameters; anything odd raises WeakKdfParams."""
        if not isinstance(data, dict):
            raise WeakKdfParams("KDF parameters are not an object")
        values = [data.get(name) for name in ("t", "m", "p")]
        ints = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
        if len(ints) != 3:
            raise WeakKdfParams("KDF parameters missing or not integers")
        params = cls(iterations=ints[0], memory_kib=ints[1], lanes=ints[2])
        params.check()
        return params

    def check(self) -> None:
        """Refuse parameters below the floor or beyond the sanity ceilings."""
        floor = KdfParams()
        if (self.iterations < floor.iterations or self.memory_kib < floor.memory_kib
                or self.lanes < floor.lanes):
            raise WeakKdfParams("KDF parameters below the floor")
        if (self.iterations > _MAX_ITERATIONS or self.memory_kib > _MAX_MEMORY_KIB
                or self.lanes > _MAX_LANES):
            raise WeakKdfParams("KDF parameters beyond the ceiling")

    def at_least_floor(self) -> KdfParams:
        """These parameters raised to the floor wherever they fall short."""
        floor = KdfParams()
        return KdfParams(max(self.iterations, floor.iterations),
                         max(self.memory_kib, floor.memory_kib), max(self.lanes, floor.lanes))


@dataclass(frozen=True)
class PasswordWrap:
    salt: bytes
    nonce: bytes
    ciphertext: bytes
    params: KdfParams


@dataclass(frozen=True)
class EscrowWrap:
    ephemeral_public: bytes
    nonce: bytes
    ciphertext: bytes
    escrow_key_id: str


def new_data_key() -> bytes:
    return os.urandom(DATA_KEY_BYTES)


def password_kek(password: str, salt: bytes, params: KdfParams) -> bytes:
    """The Argon2id key-encryption key for a password (also used by the escrow key file)."""
    kdf = Argon2id(
        salt=salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(password.encode("utf-8"))


def wrap_with_password(
    data_key: bytes, password: str, context: bytes, params: KdfParams | None = None
) -> PasswordWrap:
    """Wrap the data key for one officer; `context` (officer id) is bound as associated data.

    New wraps never go below the floor, whatever `params` says (a recovery must not copy a
    tampered file's cheap parameters).
    """
    params = (params or KdfParams()).at_least_floor()
    salt = os.urandom(16)
    nonce = os.urandom(12)
    kek = password_kek(password, salt, params)
    ciphertext = AESGCM(kek).encrypt(nonce, data_key, b"pw|" + context)
    return PasswordWrap(salt=salt, nonce=nonce, ciphertext=ciphertext, params=params)


def unwrap_with_password(wrap: PasswordWrap, password: str, context: bytes) -> bytes:
    kek = password_kek(password, wrap.salt, wrap.params)
    try:
        return AESGCM(kek).decrypt(wrap.nonce, wrap.ciphertext, b"pw|" + context)
    except InvalidTag as exc:
        raise UnwrapError("password does not open the key") from exc


def escrow_key_id(public_key: X25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(raw)
    return digest.finalize().hex()[:16]


def _escrow_kek(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral_public + recipient_public,
        info=_ESCROW_INFO,
    ).derive(shared)


def _raw(public_key: X25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def wrap_for_escrow(data_key: bytes, recipient: X25519PublicKey, context: bytes) -> EscrowWrap:
    """Wrap the data key to HQ's escrow key (ephemeral-static X25519, HKDF, AES-256-GCM)."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = _raw(ephemeral.public_key())
    kek = _escrow_kek(ephemeral.exchange(recipient), ephemeral_public, _raw(recipient))
    nonce = os.urandom(12)
    ciphertext = AESGCM(kek).encrypt(nonce, data_key, b"escrow|" + context)
    return EscrowWrap(ephemeral_public, nonce, ciphertext, escrow_key_id(recipient))


def unwrap_with_escrow(wrap: EscrowWrap, private_key: X25519PrivateKey, context: bytes) -> bytes:
    recipient_public = _raw(private_key.public_key())
    try:
        shared = private_key.exchange(X25519PublicKey.from_public_bytes(wrap.ephemeral_public))
        kek = _escrow_kek(shared, wrap.ephemeral_public, recipient_public)
        return AESGCM(kek).decrypt(wrap.nonce, wrap.ciphertext, b"escrow|" + context)
    except (InvalidTag, ValueError) as exc:
        raise UnwrapError("escrow key does not open the key") from exc


def load_escrow_public_key(pem: bytes) -> X25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, X25519PublicKey):
        raise ValueError("not an X25519 public key")
    return key


def load_escrow_private_key(pem: bytes) -> X25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, X25519PrivateKey):
        raise ValueError("not an X25519 private key")
    return key


def generate_escrow_keypair() -> tuple[bytes, bytes]:
    """A new HQ escrow key pair as (private PEM, public PEM), for HQ tooling, tests and demo."""
    private = X25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def spend_unwrap_cost(password: str, params: KdfParams) -> None:
    """Do the work of an unwrap that has nothing to open (an unknown certificate number), so
    the answer takes as long as for a registered officer."""
    password_kek(password, os.urandom(16), params)
