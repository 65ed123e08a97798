"""Signing with a key that never leaves a hardware token (UKey), through PKCS#11.

A `TokenRef` says where the key is: the PKCS#11 module (the vendor's .so/.dll), the token
(label and/or serial number), the key (CKA_ID in hex and/or CKA_LABEL) and the SHA-256
fingerprint of the certificate that was imported, so a token whose certificate was swapped is
refused. It holds no key bytes and no PIN and is stored as JSON by the caller.
`open_token_signer(ref, pin)` logs in with the PIN asked at signing time, finds the key and its
certificate, checks with a probe signature that the two belong together, and returns a
`TokenSigner` (the `Signer` protocol of `signer.py`) whose pyHanko signer is pyHanko's own
`PKCS11Signer`: pyHanko builds the CMS and hashes, the token only signs the digest with
the raw mechanism (CKM_ECDSA, CKM_RSA_PKCS), which tokens implement far more often than the
hash-and-sign ones (SoftHSM 2.6 has no CKM_ECDSA_SHA256). The PIN is passed to
the login call and dropped; close the signer (or use it as a context manager) to log out.
`find_token_keys` lists the signing keys with certificates on the tokens present, for import.
`TokenSigner.sign_bytes` makes a plain signature of some bytes (not a PDF), the same as
`SoftwareSigner.sign_bytes` gives and checked the same way: DER ECDSA over SHA-256, or RSA
PKCS#1 v1.5 with SHA-256 (a legal review's record is signed so). The token hashes nothing:
the digest (or, for RSA, its DigestInfo) goes to the raw mechanism, as for PDFs. An ECDSA
signature from a token is not deterministic (RFC 6979 is a software choice); each is checked
against the certificate before it is returned.

Every PKCS#11 failure a user can act on becomes a translated `TokenError`. A GM/T 0016 SKF
UKey or a remote SM2 signing service would be another class with the same three members
(decision 14).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from gettext import gettext as _
from typing import Any

import pkcs11
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature
from pkcs11 import Attribute, Mechanism, ObjectClass
from pkcs11 import exceptions as p11_errors
from pyhanko.sign.pkcs11 import PKCS11Signer

from desktop.documents.signer import CertifiedSigner
from desktop.domain.errors import UserError
from verification.certificates import common_name, to_asn1_certificate

log = logging.getLogger(__name__)


class TokenError(UserError):
    """A hardware-token operation was refused; the message says what to do."""


class TokenModuleError(TokenError):
    """The PKCS#11 module is missing or cannot be loaded."""


class TokenNotFound(TokenError):
    """No token is present, or not the one asked for."""


class TokenPinIncorrect(TokenError):
    """The token refused the PIN."""


class TokenPinLocked(TokenError):
    """The token's user PIN is locked (too many wrong PINs) or unusable."""


class TokenKeyNotFound(TokenError):
    """The key or its certificate is not on the token."""


class TokenCertificateMismatch(TokenError):
    """The certificate on the token does not belong to the key, or is not the imported one."""


@dataclass(frozen=True)
class TokenRef:
    """Where a signing key lives on a token. No key bytes, no PIN: safe to store as JSON."""

    module_path: str
    token_label: str | None = None
    token_serial: str | None = None
    key_id: str | None = None  # CKA_ID, lower-case hex
    key_label: str | None = None  # CKA_LABEL
    cert_sha256: str | None = None  # fingerprint of the certificate imported, hex

    def __post_init__(self) -> None:
        if self.token_label is None and self.token_serial is None:
            raise ValueError("a TokenRef needs the token's label or serial number")
        if self.key_id is None and self.key_label is None:
            raise ValueError("a TokenRef needs the key's id or label")
        if self.key_id is not None:
            bytes.fromhex(self.key_id)  # ValueError if not hex

    def to_json(self) -> dict[str, str]:
        fields = ("module_path", "token_label", "token_serial", "key_id", "key_label",
                  "cert_sha256")
        return {name: value for name in fields if (value := getattr(self, name)) is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TokenRef:
        def text(name: str) -> str | None:
            value = data.get(name)
            return None if value is None else str(value)
        return cls(module_path=str(data["module_path"]), token_label=text("token_label"),
                   token_serial=text("token_serial"), key_id=text("key_id"),
                   key_label=text("key_label"), cert_sha256=text("cert_sha256"))


@dataclass(frozen=True)
class TokenKey:
    """A key found on a token, with its certificate. `ref` opens it again."""

    ref: TokenRef
    certificate: x509.Certificate = field(repr=False)
    signing_name: str
    private_key_seen: bool  # False when listed without a PIN (private objects are hidden)


def _load_module(module_path: str) -> Any:
    if not os.path.isfile(module_path):
        raise TokenModuleError(
            _("The token driver (PKCS#11 module) was not found: {path}. Install the UKey "
              "vendor's driver or correct the path.").format(path=module_path))
    try:
        return pkcs11.lib(module_path)  # cached per path, shared with pyHanko's p11_lib
    except (p11_errors.PKCS11Error, OSError, RuntimeError) as exc:
        raise TokenModuleError(
            _("The token driver (PKCS#11 module) could not be loaded: {path}. It may be for "
              "another system or damaged.").format(path=module_path)) from exc


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value).strip().rstrip("\x00").strip()


def _tokens(lib: Any) -> Iterator[Any]:
    try:
        slots = lib.get_slots(token_present=True)
    except p11_errors.PKCS11Error as exc:
        raise TokenNotFound(_("The token reader could not be queried. Reinsert the token "
                              "and try again.")) from exc
    for slot in slots:
        try:
            yield slot.get_token()
        except p11_errors.PKCS11Error:  # removed meanwhile, unrecognised: not ours
            continue


def _find_token(lib: Any, label: str | None, serial: str | None) -> Any:
    for token in _tokens(lib):
        if label is not None and _text(token.label) != label:
            continue
        if serial is not None and _text(token.serial) != serial:
            continue
        return token
    raise TokenNotFound(
        _("The signing token \"{token}\" is not inserted. Insert it and try again.").format(
            token=label if label is not None else serial))


def _login(token: Any, pin: str | None) -> Any:
    """A read-only session, logged in when `pin` is given. The PIN goes no further."""
    try:
        if pin is None:
            return token.open()
        return token.open(user_pin=pin)
    except p11_errors.PinIncorrect as exc:
        raise TokenPinIncorrect(_("Wrong token PIN. The token locks itself after a few wrong "
                                  "PINs.")) from exc
    except (p11_errors.PinLocked, p11_errors.PinExpired,
            p11_errors.UserPinNotInitialized) as exc:
        raise TokenPinLocked(_("The token PIN is locked or not set. Ask the certificate "
                               "administrator to unlock the token.")) from exc
    except (p11_errors.PinInvalid, p11_errors.PinLenRange) as exc:
        raise TokenPinIncorrect(_("Wrong token PIN. The token locks itself after a few wrong "
                                  "PINs.")) from exc
    except (p11_errors.TokenNotPresent, p11_errors.DeviceRemoved,
            p11_errors.TokenNotRecognised) as exc:
        raise TokenNotFound(_("The token was removed or is not recognised. Insert it and try "
                              "again.")) from exc


def _object_query(ref: TokenRef, object_class: Any) -> dict[Any, Any]:
    query: dict[Any, Any] = {Attribute.CLASS: object_class}
    if ref.key_id is not None:
        query[Attribute.ID] = bytes.fromhex(ref.key_id)
    if ref.key_label is not None and (ref.key_id is None or object_class is not
                                      ObjectClass.CERTIFICATE):
        query[Attribute.LABEL] = ref.key_label
    return query


def _single(session: Any, query: dict[Any, Any]) -> Any | None:
    found = list(session.get_objects(query))
    return found[0] if len(found) == 1 else None


def _certificate(obj: Any) -> x509.Certificate:
    return x509.load_der_x509_certificate(bytes(obj[Attribute.VALUE]))


def _fingerprint(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def _probe(key: Any, certificate: x509.Certificate) -> bool:
    """Whether `key` on the token made a signature that `certificate` verifies."""
    challenge = os.urandom(32)
    public = certificate.public_key()
    try:
        if isinstance(public, ec.EllipticCurvePublicKey):
            digest = hashlib.sha256(challenge).digest()
            raw = bytes(key.sign(digest, mechanism=Mechanism.ECDSA))
            half = len(raw) // 2
            der = encode_dss_signature(int.from_bytes(raw[:half], "big"),
                                       int.from_bytes(raw[half:], "big"))
            public.verify(der, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        elif isinstance(public, rsa.RSAPublicKey):
            signature = bytes(key.sign(challenge, mechanism=Mechanism.SHA256_RSA_PKCS))
            public.verify(signature, challenge, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except (InvalidSignature, ValueError, p11_errors.PKCS11Error):
        return False
    return True


# DER prefix of a DigestInfo for SHA-256 (RFC 8017 section 9.2, note 1): CKM_RSA_PKCS pads
# and signs what it is given, so the algorithm identifier goes in with the digest.
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


class TokenSigner(CertifiedSigner):
    """A `Signer` whose key stays on a PKCS#11 token; holds an open, logged-in session."""

    def __init__(self, ref: TokenRef, session: Any, token: Any,
                 certificate: x509.Certificate, key: Any,
                 chain: tuple[x509.Certificate, ...] = ()) -> None:
        self._ref = ref
        self._session: Any | None = session
        self._token_label = _text(token.label)
        self._token_serial = _text(token.serial)
        self._certificate = certificate
        self._chain = chain
        self._key = key  # a handle on the token: no key bytes
        key_id = bytes.fromhex(ref.key_id) if ref.key_id is not None else None
        key_label = None if key_id is not None else _text(key[Attribute.LABEL])
        self._signer = PKCS11Signer(
            session, signing_cert=to_asn1_certificate(certificate), key_id=key_id,
            key_label=key_label, cert_id=key_id if key_id is not None else None,
            ca_chain=[to_asn1_certificate(c) for c in chain], other_certs_to_pull=None,
            bulk_fetch=False, use_raw_mechanism=True)

    def __repr__(self) -> str:
        return (f"TokenSigner({self.signing_name!r}, token={self._token_label!r}, "
                f"serial={self._token_serial!r})")

    def __enter__(self) -> TokenSigner:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Log out and close the session; the signer cannot sign afterwards."""
        session, self._session = self._session, None
        if session is None:
            return
        try:
            session.close()  # python-pkcs11 logs out of a logged-in session first
        except p11_errors.PKCS11Error:  # token pulled out: the session is gone anyway
            log.info("token session already gone on close (token %s)", self._token_serial)

    @property
    def ref(self) -> TokenRef:
        return self._ref

    @property
    def token_label(self) -> str:
        return self._token_label

    @property
    def token_serial(self) -> str:
        return self._token_serial

    @property
    def closed(self) -> bool:
        return self._session is None

    def pyhanko_signer(self) -> Any:
        if self._session is None:
            raise TokenError(_("The token session was closed; enter the PIN again to sign."))
        return self._signer

    def sign_bytes(self, data: bytes) -> bytes:
        """A plain signature of `data` made on the token: DER ECDSA with SHA-256, or RSA
        PKCS#1 v1.5 with SHA-256, which the certificate's public key verifies as it verifies
        `SoftwareSigner.sign_bytes`. Checked against the certificate before it is returned,
        so a token that answers garbage is said, not stored."""
        if self._session is None:
            raise TokenError(_("The token session was closed; enter the PIN again to sign."))
        public = self._certificate.public_key()
        digest = hashlib.sha256(data).digest()
        try:
            if isinstance(public, ec.EllipticCurvePublicKey):
                raw = bytes(self._key.sign(digest, mechanism=Mechanism.ECDSA))
                half = len(raw) // 2
                signature = encode_dss_signature(int.from_bytes(raw[:half], "big"),
                                                 int.from_bytes(raw[half:], "big"))
                public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
            elif isinstance(public, rsa.RSAPublicKey):
                signature = bytes(self._key.sign(_SHA256_DIGEST_INFO + digest,
                                                 mechanism=Mechanism.RSA_PKCS))
                public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
            else:
                raise TokenCertificateMismatch(
                    _("The key on the token is neither EC nor RSA; it cannot sign here."))
        except (p11_errors.TokenNotPresent, p11_errors.DeviceRemoved,
                p11_errors.SessionClosed, p11_errors.SessionHandleInvalid) as exc:
            raise TokenNotFound(_("The token was removed while signing. Insert it, enter "
                                  "the PIN again and sign again.")) from exc
        except (p11_errors.PKCS11Error, InvalidSignature, ValueError) as exc:
            log.warning("token %s: signature refused or not verifiable (%s)",
                        self._token_serial, type(exc).__name__)
            raise TokenError(_("The token did not make a valid signature. Reinsert it and "
                               "try again; if it happens again, ask the certificate "
                               "administrator to check the token.")) from exc
        return signature


def open_token_signer(ref: TokenRef, pin: str,
                      chain: tuple[x509.Certificate, ...] = ()) -> TokenSigner:
    """Log in to the token of `ref` with `pin` and return a signer for its key.

    `chain` holds the issuing CA certificates to embed (from the caller's store). Close the
    result when done (it is a context manager).
    """
    lib = _load_module(ref.module_path)
    token = _find_token(lib, ref.token_label, ref.token_serial)
    session = _login(token, pin)
    del pin
    try:
        key = _single(session, _object_query(ref, ObjectClass.PRIVATE_KEY))
        cert_obj = _single(session, _object_query(ref, ObjectClass.CERTIFICATE))
        if key is None or cert_obj is None:
            raise TokenKeyNotFound(
                _("The signing key or its certificate is not on the token \"{token}\". Was "
                  "the right token inserted?").format(token=_text(token.label)))
        certificate = _certificate(cert_obj)
        if ref.cert_sha256 is not None and _fingerprint(certificate) != ref.cert_sha256:
            raise TokenCertificateMismatch(
                _("The certificate on the token is not the one that was imported for this "
                  "officer. Import the token again."))
        if not _probe(key, certificate):
            raise TokenCertificateMismatch(
                _("The certificate on the token does not belong to its signing key."))
        signer = TokenSigner(ref, session, token, certificate, key, chain)
    except BaseException:
        session.close()
        raise
    log.info("token signer opened: token %s, key %s", signer.token_serial,
             ref.key_id or ref.key_label)
    return signer


def find_token_keys(module_path: str, pin: str | None = None, *,
                    token_label: str | None = None) -> list[TokenKey]:
    """The keys with certificates on the tokens present (only `token_label`'s if given).

    Without a PIN, private objects are hidden: every certificate with a CKA_ID is listed
    (`private_key_seen` False). With a PIN, only certificates whose key is on the token are.
    """
    lib = _load_module(module_path)
    tokens = [t for t in _tokens(lib) if token_label is None or _text(t.label) == token_label]
    if not tokens:
        raise TokenNotFound(_("No signing token is inserted. Insert it and try again."))
    found: list[TokenKey] = []
    for token in tokens:
        try:
            session = _login(token, pin)
        except TokenNotFound:
            if token_label is not None:
                raise
            continue  # an empty (uninitialised) slot, or a card that is not a signing token
        try:
            certs = list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}))
            for cert_obj in certs:  # one search at a time per session
                found.extend(_token_key(module_path, token, session, cert_obj, pin is not None))
        finally:
            session.close()
    del pin
    return found


def _token_key(module_path: str, token: Any, session: Any, cert_obj: Any,
               logged_in: bool) -> list[TokenKey]:
    try:
        key_id = bytes(cert_obj[Attribute.ID])
        certificate = _certificate(cert_obj)
    except (p11_errors.PKCS11Error, ValueError):
        return []
    if not key_id:
        return []
    keys = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                                     Attribute.ID: key_id})) if logged_in else []
    if logged_in and len(keys) != 1:
        return []
    label = _text(keys[0][Attribute.LABEL]) if keys else None
    ref = TokenRef(module_path=module_path, token_label=_text(token.label),
                   token_serial=_text(token.serial), key_id=key_id.hex(),
                   key_label=label or None, cert_sha256=_fingerprint(certificate))
    return [TokenKey(ref, certificate, common_name(certificate), bool(keys))]
