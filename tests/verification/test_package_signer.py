"""Who signs a court package's binding record (decision 36): the statement room's device
certificate, or HQ's export certificate for a package HQ built; the verifier says which,
holds `bag-info.txt`'s `Export-Source` to it, and refuses any other certificate (an
officer's, the seal's) even under the unit root. And the rule both exporters pick the
statement's audit events by."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.protocol import merkle, pki
from sync.protocol.canonical import canonical_json
from sync.protocol.treehead import TreeHead, sign_tree_head
from tests.documents.test_package import synthetic_pdf, synthetic_unit
from verification import package_verifier as verifier
from verification.package import (
    EXPORT_SOURCE_HQ,
    PackageEvent,
    PackageInfo,
    PackageTrust,
    custody_summary,
    in_package,
    media_extension,
    package_members,
    statement_subjects,
)

PEM = serialization.Encoding.PEM
STATEMENT = "statement-1"


@pytest.fixture(autouse=True)
def english_details(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verifier, "LANGUAGE", ["en"])


def signer(role: str | None, subject_name: str) -> tuple[ec.EllipticCurvePrivateKey, bytes,
                                                          bytes]:
    """A key and certificate under the synthetic unit root (PEM and DER)."""
    root, _device = synthetic_unit()
    key = ec.generate_private_key(ec.SECP256R1())
    name = (pki.hq_export_subject(root.unit, subject_name) if role == pki.HQ_EXPORT_ROLE
            else pki.subject(root.unit, subject_name, "OFF-9"))
    certificate = pki.end_entity_certificate(root.key, root.certificate, key.public_key(),
                                             name, role=role, now=dt.datetime.now(dt.UTC),
                                             years=1)
    return key, certificate.public_bytes(PEM), certificate.public_bytes(
        serialization.Encoding.DER)


def members(trust: PackageTrust, export_source: str | None) -> dict[str, bytes]:
    leaves = []
    for idx in range(5):
        event: dict[str, object] = {"v": 1, "idx": idx, "id": f"e{idx}", "at": "2026-12-07",
                                    "actor": "o1", "action": "turn.saved",
                                    "subject": STATEMENT, "outcome": "ok", "details": {}}
        if idx == 3:
            event["action"] = "document.signed"
            event["details"] = {"sha256": hashlib.sha256(synthetic_pdf()).hexdigest()}
        leaves.append(canonical_json(event))
    hashes_ = [merkle.leaf_hash(leaf) for leaf in leaves]
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    head = sign_tree_head(TreeHead(len(leaves), merkle.root_hash(hashes_), 1_765_000_000_000,
                                   "log-1"), key)
    events = [PackageEvent(i, leaves[i], tuple(merkle.inclusion_proof(hashes_, i)))
              for i in range(len(leaves))]
    info = PackageInfo(STATEMENT, "测试〔2026〕1号", "总部 hq-1（zhao）",
                       dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC), "0.1.0",
                       export_source=export_source)
    return package_members(synthetic_pdf(), events, head,
                           key.public_key().public_bytes_raw(), info, trust)


def trust_of(key: ec.EllipticCurvePrivateKey, pem: bytes, der: bytes) -> PackageTrust:
    root = synthetic_unit()[0].certificate.public_bytes(PEM)
    return PackageTrust(pem, root, der,
                        lambda data: key.sign(data, ec.ECDSA(hashes.SHA256())))


def against_root(package: dict[str, bytes]) -> verifier.Verdict:
    """The binding's checks given the unit root (the synthetic PDF is signed throughout by
    the device certificate, so the whole package holds only without a root)."""
    verdict = verifier.Verdict()
    verifier.check_binding(package, verifier.bag_info(package), synthetic_unit()[0].certificate,
                           verdict)
    return verdict


def test_a_binding_signed_by_hqs_export_certificate_verifies_and_says_so() -> None:
    package = members(trust_of(*signer(pki.HQ_EXPORT_ROLE, "hq-1")), EXPORT_SOURCE_HQ)
    assert "Export-Source: hq\n" in package["bag-info.txt"].decode()
    verdict = against_root(package)
    assert verdict.trusted and verdict.signer == verifier.SIGNER_HQ
    assert any("signed by HQ's export certificate" in line and "hq-1" in line
               for line in verdict.lines)
    assert any("HQ's export certificate chains to the unit root" in line
               for line in verdict.lines)
    # Every other check holds too; without the root it says who signed, and that trust is
    # not established.
    untrusted = verifier.verify_members(package)
    assert untrusted.signer == verifier.SIGNER_HQ and not untrusted.trusted


def test_the_desktops_own_packages_are_the_devices_and_carry_no_export_source() -> None:
    _root, device = synthetic_unit()
    package = members(trust_of(device.key, device.certificate.public_bytes(PEM),
                               device.certificate.public_bytes(serialization.Encoding.DER)),
                      None)
    assert "Export-Source" not in package["bag-info.txt"].decode()
    verdict = against_root(package)
    assert verdict.trusted and verdict.signer == verifier.SIGNER_DEVICE
    assert any("signed by the device certificate" in line for line in verdict.lines)
    assert verifier.verify_members(package).signer == verifier.SIGNER_DEVICE


def test_bag_info_must_name_the_signer_it_was_signed_by() -> None:
    claims_device = members(trust_of(*signer(pki.HQ_EXPORT_ROLE, "hq-1")), None)
    with pytest.raises(verifier.PackageError, match="Export-Source says device, but the "
                       "binding record is signed by HQ's export certificate"):
        verifier.verify_members(claims_device)
    _root, device = synthetic_unit()
    claims_hq = members(trust_of(device.key, device.certificate.public_bytes(PEM),
                                 device.certificate.public_bytes(serialization.Encoding.DER)),
                        EXPORT_SOURCE_HQ)
    with pytest.raises(verifier.PackageError, match="Export-Source says hq, but the binding "
                       "record is signed by a device certificate"):
        verifier.verify_members(claims_hq)


@pytest.mark.parametrize("role", ["officer", "seal", "something-else"])
def test_no_other_certificate_under_the_root_may_sign_the_binding(role: str) -> None:
    package = members(trust_of(*signer(role, "队员乙")), None)
    with pytest.raises(verifier.PackageError, match="neither a device certificate nor HQ's "
                       "export certificate"):
        against_root(package)


def test_both_exporters_pick_the_statements_events_by_one_rule() -> None:
    subjects = statement_subjects("s1", ("t1", "t2"))
    assert subjects == {"s1", "t1", "t2"}
    assert in_package(4, "t2", subjects, 5) and in_package(0, "s1", subjects, 5)
    assert not in_package(5, "s1", subjects, 5)  # not covered by the head
    assert not in_package(1, "s2", subjects, 5) and not in_package(1, None, subjects, 5)


def test_media_names_and_custody_are_spelt_alike() -> None:
    assert media_extension("现场照片.JPG") == "jpg"
    assert media_extension("DCIM/REC0001.MP4") == "mp4"
    assert media_extension(None) == media_extension("noext") == media_extension("a.b c") == "bin"
    custody = custody_summary(
        {"clock_offset_ms": 4000, "gps": {"points": 12}, "device_model": ["not", "text"]},
        device_serial="DSJ-1", device_path="DCIM/x.mp4", device_mtime=None,
        officer_number="33070021001")
    assert custody == {"device_serial": "DSJ-1", "device_path": "DCIM/x.mp4",
                       "officer_number": "33070021001", "clock_offset_ms": 4000,
                       "gps_fixes": 12}
