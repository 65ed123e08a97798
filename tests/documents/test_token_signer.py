"""An officer signs with a key on a real PKCS#11 token (SoftHSM2), checked by pyHanko and pdfsig.

The device certifies the statement with its software key; interviewer 1 fills their field
with the key on the token. Wrong PIN, absent token, missing key and a certificate that does
not belong to the key are refused with typed, translated errors; the key cannot be read off
the token; the PIN is not kept anywhere in the signer.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pkcs11
import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from pkcs11 import Attribute, KeyType, ObjectClass
from pkcs11 import exceptions as p11_errors
from pkcs11.util.rsa import encode_rsa_public_key

from desktop.documents.pki import TestPki
from desktop.documents.signer import Signer, SoftwareSigner
from desktop.documents.signing import INTERVIEWER1_FIELD, certify, sign_field
from desktop.documents.token_signer import (
    TokenCertificateMismatch,
    TokenError,
    TokenKeyNotFound,
    TokenModuleError,
    TokenNotFound,
    TokenPinIncorrect,
    TokenRef,
    TokenSigner,
    find_token_keys,
    open_token_signer,
)
from tests.documents.conftest import field_specs
from tests.documents.softhsm import SoftHsm
from tests.poppler import poppler_tool
from verification.pdf import verify_pdf


@pytest.fixture(scope="session")
def officer_ref(softhsm: SoftHsm) -> TokenRef:
    return TokenRef(module_path=softhsm.module_path, token_label=softhsm.officer_token,
                    key_id=softhsm.key_id.hex())


@pytest.fixture(scope="session")
def certified_pdf(unsigned_pdf: bytes, pki: TestPki) -> bytes:
    device = SoftwareSigner.from_pkcs12(pki.device.p12_path.read_bytes(), pki.p12_password)
    return certify(unsigned_pdf, field_specs(), device, reason="笔录生成", location="询问室1")


@pytest.fixture(scope="session")
def token_signed_pdf(certified_pdf: bytes, officer_ref: TokenRef, softhsm: SoftHsm,
                     pki: TestPki) -> bytes:
    with open_token_signer(officer_ref, softhsm.user_pin, (pki.root.certificate,)) as signer:
        assert isinstance(signer, Signer)
        return sign_field(certified_pdf, INTERVIEWER1_FIELD, signer,
                          text="询问人：%(signer)s\n时间：%(ts)s")


def test_an_officer_signs_with_the_key_on_the_token(token_signed_pdf: bytes,
                                                    pki: TestPki) -> None:
    report = verify_pdf(token_signed_pdf, [pki.root.certificate])
    assert all(s.bottom_line for s in report.signatures), report.reasons
    assert report.complete is False  # two of the statement's signatures only
    assert len(report.signatures) == 2
    assert report.signatures[1].signer == pki.officers[0].name


def test_poppler_pdfsig_accepts_the_token_signature(token_signed_pdf: bytes,
                                                    tmp_path: Path) -> None:
    path = tmp_path / "token-signed.pdf"
    path.write_bytes(token_signed_pdf)
    run = subprocess.run([poppler_tool("pdfsig"), str(path)], capture_output=True, text=True,
                         check=False, timeout=60)
    output = run.stdout + run.stderr
    validations = re.findall(r"Signature Validation: (.*)", output)
    assert validations == ["Signature is Valid.", "Signature is Valid."], output
    # Our root is private, so NSS reports the issuer as untrusted; the signature is valid.
    trust = re.findall(r"Certificate Validation: (.*)", output)
    assert all(t in {"Certificate issuer isn't Trusted.", "Certificate is Trusted."}
               for t in trust), trust
    assert "张建国" in output


def test_the_signer_names_its_token_and_certificate(officer_ref: TokenRef, softhsm: SoftHsm,
                                                    pki: TestPki) -> None:
    signer = open_token_signer(officer_ref, softhsm.user_pin)
    try:
        assert signer.token_label == softhsm.officer_token
        assert re.fullmatch(r"[0-9a-f]{16}", signer.token_serial), signer.token_serial
        assert signer.certificate == pki.officers[0].certificate
        assert signer.signing_name == pki.officers[0].name
    finally:
        signer.close()
    assert signer.closed
    with pytest.raises(TokenError, match="closed"):
        signer.pyhanko_signer()
    signer.close()  # twice is harmless


def test_a_wrong_pin_is_refused_and_nothing_is_signed(officer_ref: TokenRef,
                                                       certified_pdf: bytes) -> None:
    with pytest.raises(TokenPinIncorrect, match="Wrong token PIN"):
        open_token_signer(officer_ref, "0000-wrong")
    # The right PIN still works afterwards (SoftHSM does not lock; a UKey counts tries).


def test_an_absent_token_is_refused(officer_ref: TokenRef, softhsm: SoftHsm) -> None:
    ref = TokenRef(module_path=officer_ref.module_path, token_label="NO-SUCH-UKEY",
                   key_id=officer_ref.key_id)
    with pytest.raises(TokenNotFound, match=r"NO-SUCH-UKEY.*not inserted"):
        open_token_signer(ref, softhsm.user_pin)
    ref = TokenRef(module_path=officer_ref.module_path, token_serial="0000000000000000",
                   key_id=officer_ref.key_id)
    with pytest.raises(TokenNotFound):
        open_token_signer(ref, softhsm.user_pin)


def test_a_missing_or_broken_module_is_refused(tmp_path: Path, softhsm: SoftHsm) -> None:
    ref = TokenRef(module_path=str(tmp_path / "libvendor-ukey.so"), token_label="X",
                   key_id="01")
    with pytest.raises(TokenModuleError, match="not found"):
        open_token_signer(ref, softhsm.user_pin)
    broken = tmp_path / "libbroken.so"
    broken.write_bytes(b"not a shared object")
    with pytest.raises(TokenModuleError, match="could not be loaded"):
        find_token_keys(str(broken))


def test_a_key_not_on_the_token_is_refused(officer_ref: TokenRef, softhsm: SoftHsm) -> None:
    ref = TokenRef(module_path=officer_ref.module_path, token_label=softhsm.officer_token,
                   key_id="99")
    with pytest.raises(TokenKeyNotFound, match="not on the token"):
        open_token_signer(ref, softhsm.user_pin)


def test_a_certificate_that_is_not_the_keys_is_refused(softhsm: SoftHsm,
                                                       officer_ref: TokenRef) -> None:
    ref = TokenRef(module_path=softhsm.module_path, token_label=softhsm.mismatch_token,
                   key_id=softhsm.key_id.hex())
    with pytest.raises(TokenCertificateMismatch, match="does not belong"):
        open_token_signer(ref, softhsm.user_pin)
    swapped = TokenRef(**{**officer_ref.to_json(), "cert_sha256": "00" * 32})
    with pytest.raises(TokenCertificateMismatch, match="not the one that was imported"):
        open_token_signer(swapped, softhsm.user_pin)


def test_the_private_key_cannot_be_read_off_the_token(softhsm: SoftHsm) -> None:
    token = pkcs11.lib(softhsm.module_path).get_token(token_label=softhsm.officer_token)
    with token.open(user_pin=softhsm.user_pin) as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=softhsm.key_id)
        assert key[Attribute.EXTRACTABLE] is False
        assert key[Attribute.SENSITIVE] is True
        with pytest.raises(p11_errors.AttributeSensitive):
            key[Attribute.VALUE]


def _strings(value: Any, seen: set[int], depth: int = 0) -> Iterator[str]:
    """Every str/bytes reachable from `value` through attributes and containers."""
    if id(value) in seen or depth > 6:
        return
    seen.add(id(value))
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes | bytearray):
        yield bytes(value).decode("latin-1")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, seen, depth + 1)
            yield from _strings(item, seen, depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _strings(item, seen, depth + 1)
    elif hasattr(value, "__dict__") or hasattr(value, "__slots__"):
        for name in getattr(value, "__dict__", {}):
            yield from _strings(getattr(value, name, None), seen, depth + 1)
        for name in getattr(type(value), "__slots__", ()):
            yield from _strings(getattr(value, name, None), seen, depth + 1)


def test_the_pin_is_not_kept_or_logged(officer_ref: TokenRef, softhsm: SoftHsm,
                                       certified_pdf: bytes,
                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with open_token_signer(officer_ref, softhsm.user_pin) as signer:
        sign_field(certified_pdf, INTERVIEWER1_FIELD, signer, text="询问人：%(signer)s")
        strings = list(_strings(signer, set()))
        assert strings  # the walk reached the signer's state
        assert not [s for s in strings if softhsm.user_pin in s]
        assert softhsm.user_pin not in repr(signer)
    assert softhsm.user_pin not in caplog.text


def test_find_token_keys_lists_keys_for_import(softhsm: SoftHsm, officer_ref: TokenRef,
                                               pki: TestPki, certified_pdf: bytes) -> None:
    listed = find_token_keys(softhsm.module_path, token_label=softhsm.officer_token)
    assert [k.signing_name for k in listed] == [pki.officers[0].name]
    assert not listed[0].private_key_seen
    keys = find_token_keys(softhsm.module_path, softhsm.user_pin,
                           token_label=softhsm.officer_token)
    assert len(keys) == 1 and keys[0].private_key_seen
    ref = keys[0].ref
    assert ref.key_id == officer_ref.key_id and ref.key_label == softhsm.key_label
    assert ref.cert_sha256 is not None and ref.token_serial
    # The reference survives JSON and opens the same key again; it holds no PIN.
    stored = json.dumps(ref.to_json())
    assert softhsm.user_pin not in stored
    again = TokenRef.from_json(json.loads(stored))
    assert again == ref
    with open_token_signer(again, softhsm.user_pin) as signer:
        data = sign_field(certified_pdf, INTERVIEWER1_FIELD, signer)
    assert all(s.bottom_line for s in verify_pdf(data, [pki.root.certificate]).signatures)
    with pytest.raises(TokenPinIncorrect):
        find_token_keys(softhsm.module_path, "0000-wrong", token_label=softhsm.officer_token)
    with pytest.raises(TokenNotFound):
        find_token_keys(softhsm.module_path, token_label="NO-SUCH-UKEY")


def test_a_token_signer_is_a_signer(officer_ref: TokenRef, softhsm: SoftHsm) -> None:
    with open_token_signer(officer_ref, softhsm.user_pin) as signer:
        assert isinstance(signer, TokenSigner) and isinstance(signer, Signer)


def test_bytes_signed_on_the_token_verify_as_a_software_keys_do(
        officer_ref: TokenRef, softhsm: SoftHsm, pki: TestPki) -> None:
    """A plain signature (a legal review's record) made on the token is DER ECDSA over
    SHA-256: the check that verifies the same key's software signature verifies it."""
    record = json.dumps({"review": "r-1", "verdict": "approved", "comments": "同意。"},
                        ensure_ascii=False).encode("utf-8")
    software = SoftwareSigner(pki.officers[0].key, pki.officers[0].certificate)
    public = pki.officers[0].certificate.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    with open_token_signer(officer_ref, softhsm.user_pin) as signer:
        on_token = signer.sign_bytes(record)
        again = signer.sign_bytes(record)
    for signature in (on_token, again, software.sign_bytes(record)):
        public.verify(signature, record, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        public.verify(on_token, record.replace(b"approved", b"returned"),
                      ec.ECDSA(hashes.SHA256()))
    with pytest.raises(TokenError, match="enter the PIN again"):
        signer.sign_bytes(record)  # logged out on leaving the block


def test_bytes_signed_with_an_rsa_key_on_the_token_verify_as_pkcs1_v15(
        officer_ref: TokenRef, softhsm: SoftHsm) -> None:
    """An RSA key on a token signs plain bytes through the raw CKM_RSA_PKCS mechanism with
    the SHA-256 DigestInfo: RSA PKCS#1 v1.5 with SHA-256, as a software RSA key signs. The
    key pair is made on the token as session objects (gone when the session closes, so the
    tokens the other tests share are unchanged); its certificate is issued by a throwaway
    CA for the test."""
    lib = pkcs11.lib(softhsm.module_path)
    token = lib.get_token(token_label=softhsm.officer_token)
    session = token.open(user_pin=softhsm.user_pin)
    public_handle, private_handle = session.generate_keypair(
        KeyType.RSA, 2048, store=False, id=b"\x09", label="review-rsa-test",
        private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False})
    public = serialization.load_der_public_key(
        encode_rsa_public_key(public_handle))
    assert isinstance(public, rsa.RSAPublicKey)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "测试审核员RSA")]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "测试CA")]))
        .public_key(public).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
        .sign(ca_key, hashes.SHA256()))
    ref = TokenRef(module_path=softhsm.module_path, token_label=softhsm.officer_token,
                   key_id="09")
    record = "审核记录：同意。".encode()
    with TokenSigner(ref, session, token, certificate, private_handle) as signer:
        signature = signer.sign_bytes(record)
    public.verify(signature, record, padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(InvalidSignature):
        public.verify(signature, record + b".", padding.PKCS1v15(), hashes.SHA256())


def test_a_locked_pin_is_its_own_error() -> None:
    # SoftHSM2 never locks a PIN, so the mapping of CKR_PIN_LOCKED is checked on a stub token.
    from desktop.documents import token_signer

    class LockedToken:
        def open(self, **_kwargs: object) -> None:
            raise p11_errors.PinLocked()

    with pytest.raises(token_signer.TokenPinLocked, match="locked"):
        token_signer._login(LockedToken(), "1234")
