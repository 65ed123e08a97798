"""The formats only sync uses: request signatures, enrolment MACs and proofs, HQ's receipt
log head and the reference-data manifest. Each binds what it claims to bind: change any part
and the signature or MAC no longer holds; strict parsing refuses a missing or extra field."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.protocol.loghead import LogHead
from sync.protocol.refdata import DatasetVersion, RefManifest
from sync.protocol.requests import (
    SignedRequest,
    enrol_mac,
    enrol_mac_matches,
    enrol_proof_bytes,
)
from sync.protocol.signing import Ed25519Signer, Signed, sign, sign_bytes, verify_bytes
from sync.protocol.wire import UnsupportedVersion

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
EMPTY_SHA = hashlib.sha256(b"").hexdigest()


def request() -> SignedRequest:
    return SignedRequest(hq="hq-city-01", device="0123456789abcdef", method="post",
                         target="/v1/records", body_sha256=EMPTY_SHA,
                         nonce="0192a000-0000-7000-8000-000000000001", time_ms=1_700_000_000_000)


@pytest.mark.parametrize("change", [
    {"hq": "hq-other"}, {"device": "fedcba9876543210"}, {"method": "PATCH"},
    {"target": "/v1/records?x=1"}, {"body_sha256": "0" * 64},
    {"nonce": "0192a000-0000-7000-8000-000000000002"}, {"time_ms": 1_700_000_000_001},
])
def test_a_request_signature_binds_every_part(change: dict[str, object]) -> None:
    signature = sign_bytes(request().signing_bytes(), KEY)
    assert verify_bytes(request().signing_bytes(), signature, KEY.public_key())
    changed = dataclasses.replace(request(), **change)  # type: ignore[arg-type]
    assert not verify_bytes(changed.signing_bytes(), signature, KEY.public_key())


def test_the_method_is_signed_in_one_spelling() -> None:
    assert request().signing_bytes() == dataclasses.replace(request(),
                                                            method="POST").signing_bytes()


def test_an_enrolment_mac_holds_only_for_its_secret_and_body() -> None:
    body = b'{"v":1}'
    mac = enrol_mac("secret-1", body)
    assert enrol_mac_matches("secret-1", body, mac)
    assert enrol_mac_matches("secret-1", body, mac.upper())
    assert not enrol_mac_matches("secret-2", body, mac)
    assert not enrol_mac_matches("secret-1", b'{"v":2}', mac)


def test_the_enrolment_proof_names_code_key_and_nonce() -> None:
    key_hex = KEY.public_key().public_bytes_raw().hex()
    proof = sign_bytes(enrol_proof_bytes("code-1", key_hex, "n1"), KEY)
    assert verify_bytes(enrol_proof_bytes("code-1", key_hex, "n1"), proof, KEY.public_key())
    assert not verify_bytes(enrol_proof_bytes("code-2", key_hex, "n1"), proof, KEY.public_key())
    assert not verify_bytes(enrol_proof_bytes("code-1", key_hex, "n2"), proof, KEY.public_key())


def test_a_log_head_round_trips_and_verifies_only_with_hq_key() -> None:
    head = sign(LogHead(hq="hq-city-01", size=3, root_hash=bytes(32), hq_time_ms=5), KEY)
    again = Signed.from_json(head.to_json(), LogHead)
    assert again == head
    assert again.verify(KEY.public_key())
    assert not again.verify(OTHER.public_key())
    grown = Signed(dataclasses.replace(head.body, size=4), head.signature)
    assert not grown.verify(KEY.public_key())


def test_a_log_head_of_another_version_or_shape_is_refused() -> None:
    wire = LogHead(hq="h", size=0, root_hash=bytes(32), hq_time_ms=0).to_json()
    with pytest.raises(UnsupportedVersion):
        LogHead.from_json({**wire, "v": 2})
    with pytest.raises(ValueError, match="root_hash"):
        LogHead.from_json({**wire, "root_hash": "ab"})
    with pytest.raises(ValueError):
        LogHead.from_json({**wire, "extra": 1})


def manifest() -> RefManifest:
    return RefManifest(hq="hq-city-01", issued_ms=1000, expires_ms=2000, datasets={
        "roster": DatasetVersion(3, EMPTY_SHA, 0),
        "templates": DatasetVersion(1, "a" * 64, 10)})


def test_a_manifest_round_trips_and_a_changed_version_breaks_its_signature() -> None:
    signed = sign(manifest(), KEY)
    again = Signed.from_json(signed.to_json(), RefManifest)
    assert again == signed and again.verify(KEY.public_key())
    older = dict(manifest().datasets, roster=DatasetVersion(2, EMPTY_SHA, 0))
    assert not Signed(dataclasses.replace(manifest(), datasets=older),
                      signed.signature).verify(KEY.public_key())


def test_a_manifest_expires_and_refuses_bad_names_and_versions() -> None:
    assert not manifest().expired(1999)
    assert manifest().expired(2000)
    with pytest.raises(ValueError, match="dataset name"):
        RefManifest(hq="h", issued_ms=0, expires_ms=1,
                    datasets={"../roster": DatasetVersion(1, EMPTY_SHA, 0)})
    with pytest.raises(ValueError, match="expires before"):
        RefManifest(hq="h", issued_ms=5, expires_ms=5, datasets={})
    wire = manifest().to_json()
    wire["datasets"]["roster"]["version"] = 0
    with pytest.raises(ValueError, match="version"):
        RefManifest.from_json(wire)


def test_a_signer_signs_like_its_key_and_never_shows_it() -> None:
    signer = Ed25519Signer(KEY)
    head = LogHead(hq="h", size=1, root_hash=bytes(32), hq_time_ms=1)
    assert sign(head, signer) == sign(head, KEY)
    assert sign(head, signer).verify(KEY.public_key())
    assert signer.key_id == sign(head, KEY).signature.key_id
    assert KEY.private_bytes_raw().hex() not in repr(signer)
