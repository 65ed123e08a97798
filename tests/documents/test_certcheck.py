"""Certificate checks for import: each refusal names its reason."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from desktop.documents import unit_ca
from desktop.documents.certcheck import (
    CertificateExpired,
    CertificateKeyMismatch,
    CertificateNotYetValid,
    CertificateUntrusted,
    CertificateWrongUsage,
    check_certificate,
)
from verification.roles import certificate_number

UNIT = "测试市某区综合行政执法局"


@pytest.fixture(scope="module")
def root() -> unit_ca.CaIdentity:
    return unit_ca.create_unit_root(UNIT)


@pytest.fixture(scope="module")
def officer(root: unit_ca.CaIdentity) -> unit_ca.Issued:
    return unit_ca.issue(root, "officer", name="钱测试", unit=UNIT, certificate_no="99000002")


def test_a_good_officer_certificate_is_described(root: unit_ca.CaIdentity,
                                                 officer: unit_ca.Issued) -> None:
    checked = check_certificate(officer.certificate, officer.chain, [root.certificate],
                                role="officer", key=officer.key)
    assert checked.path == (officer.certificate, root.certificate)
    assert checked.common_name == "钱测试" and checked.serial_number == "99000002"
    assert certificate_number(officer.certificate) == "99000002"
    assert len(checked.fingerprint) == 64 and checked.role == "officer"
    assert checked.not_before < checked.not_after
    seal = unit_ca.issue(root, "seal", unit=UNIT)
    device = unit_ca.issue(root, "device", name="T-02", unit=UNIT)
    assert check_certificate(seal.certificate, [], [root.certificate], role="seal").role == "seal"
    check_certificate(device.certificate, [], [root.certificate], role="device")


def test_expired_and_not_yet_valid(root: unit_ca.CaIdentity) -> None:
    old = unit_ca.issue(root, "officer", name="孙测试", unit=UNIT, certificate_no="1",
                        years=1, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=800))
    with pytest.raises(CertificateExpired, match="expired"):
        check_certificate(old.certificate, [], [root.certificate], role="officer")
    future = unit_ca.issue(root, "officer", name="李测试", unit=UNIT, certificate_no="2",
                           now=dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
    with pytest.raises(CertificateNotYetValid, match="not valid before"):
        check_certificate(future.certificate, [], [root.certificate], role="officer")


def test_wrong_role_and_ca_and_usage(root: unit_ca.CaIdentity, officer: unit_ca.Issued) -> None:
    seal = unit_ca.issue(root, "seal", unit=UNIT)
    device = unit_ca.issue(root, "device", name="T-03", unit=UNIT)
    with pytest.raises(CertificateWrongUsage, match="not one for"):
        check_certificate(seal.certificate, [], [root.certificate], role="officer")
    with pytest.raises(CertificateWrongUsage, match="not one for"):
        check_certificate(officer.certificate, [], [root.certificate], role="seal")
    with pytest.raises(CertificateWrongUsage, match="not one for"):
        check_certificate(device.certificate, [], [root.certificate], role="officer")
    with pytest.raises(CertificateWrongUsage, match="not one for"):
        check_certificate(officer.certificate, [], [root.certificate], role="device")
    with pytest.raises(CertificateWrongUsage, match="CA certificate"):
        check_certificate(root.certificate, [], [root.certificate], role="officer")
    tls = _foreign(root, eku=[ExtendedKeyUsageOID.SERVER_AUTH])
    with pytest.raises(CertificateWrongUsage, match="may not be used"):
        check_certificate(tls, [], [root.certificate], role="officer")
    encipher_only = _foreign(root, signing=False)
    with pytest.raises(CertificateWrongUsage, match="may not be used"):
        check_certificate(encipher_only, [], [root.certificate], role="officer")
    bureau = _foreign(root)  # no role extension: a bureau's officer certificate
    assert check_certificate(bureau, [], [root.certificate], role="officer").serial_number \
        == "88000001"
    no_number = _foreign(root, serial=None)
    with pytest.raises(CertificateWrongUsage, match="serialNumber"):
        check_certificate(no_number, [], [root.certificate], role="officer")


def test_broken_chain_and_key_mismatch(root: unit_ca.CaIdentity,
                                       officer: unit_ca.Issued) -> None:
    other = unit_ca.create_unit_root("别的单位")
    stranger = unit_ca.issue(other, "officer", name="周测试", unit="别的单位",
                             certificate_no="3")
    with pytest.raises(CertificateUntrusted, match="trusted root"):
        check_certificate(stranger.certificate, stranger.chain, [root.certificate],
                          role="officer")
    with pytest.raises(CertificateKeyMismatch, match="does not belong"):
        check_certificate(officer.certificate, [], [root.certificate], role="officer",
                          key=stranger.key)


def _foreign(root: unit_ca.CaIdentity, *, eku: list[x509.ObjectIdentifier] | None = None,
             signing: bool = True, serial: str | None = "88000001") -> x509.Certificate:
    """A certificate as another CA might make it: no role extension."""
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, UNIT),
             x509.NameAttribute(NameOID.COMMON_NAME, "吴测试")]
    if serial:
        names.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder().subject_name(x509.Name(names))
        .issuer_name(root.certificate.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=9))
        .add_extension(x509.KeyUsage(signing, False, True, False, False, False, False, False,
                                     False), critical=True)
    )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    return builder.sign(root.key, hashes.SHA384())
