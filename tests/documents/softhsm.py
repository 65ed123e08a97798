"""A real PKCS#11 token for the tests: Debian's SoftHSM2, initialised in a temporary folder.

`make_tokens(directory, pki)` writes a softhsm2.conf whose token directory is inside
`directory`, points SOFTHSM2_CONF at it (the caller restores the environment), initialises
the tokens with `softhsm2-util`, and imports keys and certificates from the test PKI with
python-pkcs11: each private key sensitive and not extractable, as on a UKey.

- "OFFICER-UKEY": interviewer 1's P-256 key (CKA_ID 01, label "interviewer1") with its
  certificate and public key;
- "MISMATCH-UKEY": interviewer 1's key under CKA_ID 01 with interviewer 2's certificate.

SoftHSM reads its configuration once per process, when the module is first initialised, so
every token is created before the module is loaded here and one set serves the whole session.
softhsm2 missing: installed with apt-get when the tests run as root (like tests/poppler.py),
otherwise the test fails saying what to install; never a silent skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pkcs11
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
from pkcs11.util.ec import encode_named_curve_parameters

from desktop.documents.pki import PkiIdentity, TestPki

MODULE_CANDIDATES = ("/usr/lib/softhsm/libsofthsm2.so",
                     "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                     "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
                     "/usr/local/lib/softhsm/libsofthsm2.so")
SO_PIN = "so-12345678"
USER_PIN = "Pin-8T4k-2209"  # distinctive, so a test can look for it anywhere
OFFICER_TOKEN = "OFFICER-UKEY"
MISMATCH_TOKEN = "MISMATCH-UKEY"
KEY_ID = b"\x01"
KEY_LABEL = "interviewer1"


@dataclass(frozen=True)
class SoftHsm:
    module_path: str
    conf_path: Path
    officer_token: str = OFFICER_TOKEN
    mismatch_token: str = MISMATCH_TOKEN
    user_pin: str = USER_PIN
    key_id: bytes = KEY_ID
    key_label: str = KEY_LABEL


def _module() -> str | None:
    return next((p for p in MODULE_CANDIDATES if os.path.isfile(p)), None)


def _install() -> None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "install", "-y", "-qq", "softhsm2"],
                    ["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "softhsm2"]):
        subprocess.run(command, env=env, capture_output=True, timeout=900, check=False)
        if _module() is not None and shutil.which("softhsm2-util"):
            return


def softhsm_module() -> tuple[str, str]:
    """The SoftHSM2 PKCS#11 module and softhsm2-util, installing softhsm2 if possible."""
    if _module() is None or shutil.which("softhsm2-util") is None:
        _install()
    module, util = _module(), shutil.which("softhsm2-util")
    if module is None or util is None:
        pytest.fail("SoftHSM2 is missing: install Debian's softhsm2 (apt-get install softhsm2) "
                    "to run the hardware-token tests")
    return module, util


def _init_token(util: str, label: str) -> None:
    run = subprocess.run([util, "--init-token", "--free", "--label", label, "--so-pin", SO_PIN,
                          "--pin", USER_PIN], capture_output=True, text=True, timeout=60,
                         check=False)
    if run.returncode != 0:
        pytest.fail(f"softhsm2-util could not initialise token {label}: {run.stderr}")


def _der(identity: PkiIdentity) -> bytes:
    return identity.certificate.public_bytes(serialization.Encoding.DER)


def _import(session: pkcs11.Session, key_of: PkiIdentity, cert_of: PkiIdentity) -> None:
    key = key_of.key
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    params = encode_named_curve_parameters("secp256r1")
    common = {Attribute.TOKEN: True, Attribute.ID: KEY_ID, Attribute.LABEL: KEY_LABEL}
    session.create_object({
        **common, Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.KEY_TYPE: KeyType.EC,
        Attribute.EC_PARAMS: params,
        Attribute.VALUE: key.private_numbers().private_value.to_bytes(32, "big"),
        Attribute.PRIVATE: True, Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
        Attribute.SIGN: True})
    point = key.public_key().public_bytes(serialization.Encoding.X962,
                                          serialization.PublicFormat.UncompressedPoint)
    session.create_object({
        **common, Attribute.CLASS: ObjectClass.PUBLIC_KEY, Attribute.KEY_TYPE: KeyType.EC,
        Attribute.EC_PARAMS: params, Attribute.EC_POINT: b"\x04" + bytes([len(point)]) + point,
        Attribute.VERIFY: True})
    certificate = cert_of.certificate
    session.create_object({
        **common, Attribute.CLASS: ObjectClass.CERTIFICATE,
        Attribute.CERTIFICATE_TYPE: CertificateType.X_509, Attribute.VALUE: _der(cert_of),
        Attribute.SUBJECT: certificate.subject.public_bytes(),
        Attribute.ISSUER: certificate.issuer.public_bytes(), Attribute.PRIVATE: False})


def make_tokens(directory: Path, pki: TestPki) -> SoftHsm:
    """Initialise the test tokens under `directory`; sets SOFTHSM2_CONF (caller restores)."""
    module, util = softhsm_module()
    tokens = directory / "tokens"
    tokens.mkdir(parents=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                    "log.level = ERROR\nslots.removable = false\n", encoding="utf-8")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    _init_token(util, OFFICER_TOKEN)
    _init_token(util, MISMATCH_TOKEN)
    lib = pkcs11.lib(module)
    officer1, officer2 = pki.officers[0], pki.officers[1]
    for label, cert_of in ((OFFICER_TOKEN, officer1), (MISMATCH_TOKEN, officer2)):
        token = lib.get_token(token_label=label)
        with token.open(rw=True, user_pin=USER_PIN) as session:
            _import(session, officer1, cert_of)
    return SoftHsm(module, conf)
