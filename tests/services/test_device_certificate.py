"""What the desktop accepts of the certificate an enrolment answer carries, before anything is
kept: it must fit the key the room made, be a device's, and chain to the returned root. The
key itself is the same for a retry with the same code, and another for another code."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.documents import unit_ca
from desktop.domain.errors import UserError
from desktop.services import device_certificate
from sync.client.enrol import IssuedCertificate
from sync.protocol import pki

PEM = serialization.Encoding.PEM
UNIT = "示例区综合行政执法局城南中队"


def issued_for(root: unit_ca.CaIdentity, key: ec.EllipticCurvePrivateKey, *,
               role: str | None = None, device: str = "0123456789abcdef",
               chain_root: unit_ca.CaIdentity | None = None) -> IssuedCertificate:
    name = (pki.device_subject(UNIT, device) if role is None
            else pki.subject(UNIT, "队员乙", "OFF-002"))
    certificate = pki.end_entity_certificate(
        root.key, root.certificate, key.public_key(), name, role=role,
        now=root.certificate.not_valid_before_utc + pki.BACKDATE, years=3)
    return IssuedCertificate(certificate.public_bytes(PEM),
                             ((chain_root or root).certificate.public_bytes(PEM),))


def test_the_signing_key_is_the_same_for_a_retry_and_another_for_another_code() -> None:
    device = Ed25519PrivateKey.generate()
    first = device_certificate.signing_key(device, "a1b2c3d4e5")
    again = device_certificate.signing_key(device, "a1b2c3d4e5")
    other = device_certificate.signing_key(device, "f6a7b8c9d0")
    assert isinstance(first.curve, ec.SECP256R1)
    numbers = first.private_numbers().private_value
    assert numbers == again.private_numbers().private_value
    assert numbers != other.private_numbers().private_value
    assert numbers != device_certificate.signing_key(
        Ed25519PrivateKey.generate(), "a1b2c3d4e5").private_numbers().private_value


def test_only_a_device_certificate_for_our_key_under_the_returned_root_is_taken() -> None:
    root = unit_ca.create_unit_root(UNIT)
    key = device_certificate.signing_key(Ed25519PrivateKey.generate(), "a1b2c3d4e5")
    taken = device_certificate.checked(key, issued_for(root, key))
    assert taken.root == root.certificate and taken.certificate.public_key() == key.public_key()

    with pytest.raises(UserError, match="refused: The private key does not belong"):
        device_certificate.checked(key, issued_for(root, ec.generate_private_key(
            ec.SECP256R1())))
    with pytest.raises(UserError, match="is not one for a statement-room device"):
        device_certificate.checked(key, issued_for(root, key, role="officer"))
    with pytest.raises(UserError, match="not issued by a trusted root"):
        device_certificate.checked(key, issued_for(
            root, key, chain_root=unit_ca.create_unit_root(UNIT)))
    with pytest.raises(UserError, match="cannot be read"):
        device_certificate.checked(key, IssuedCertificate(b"-----BEGIN CERTIFICATE-----\n",
                                                          ()))
