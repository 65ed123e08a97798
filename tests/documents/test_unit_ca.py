"""The unit CA: a PDF signed with an issued officer key verifies against the unit root."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
from cryptography.x509.oid import NameOID

from desktop.documents import unit_ca
from desktop.documents.signer import SoftwareSigner
from desktop.documents.signing import INTERVIEWER1_FIELD, certify, sign_field
from desktop.domain.errors import UserError
from tests.documents.conftest import field_specs
from tests.poppler import poppler_tool
from verification.pdf import verify_pdf

UNIT = "测试市某区综合行政执法局"


@pytest.fixture(scope="module")
def root() -> unit_ca.CaIdentity:
    return unit_ca.create_unit_root(UNIT)


def test_subjects_carry_the_configured_unit(root: unit_ca.CaIdentity) -> None:
    def attr(cert: object, oid: object) -> str:
        return str(cert.subject.get_attributes_for_oid(oid)[0].value)  # type: ignore[attr-defined]

    assert attr(root.certificate, NameOID.ORGANIZATION_NAME) == UNIT
    officer = unit_ca.issue(root, "officer", name="赵测试", unit=UNIT, certificate_no="99000001")
    seal = unit_ca.issue(root, "seal", unit=UNIT)
    device = unit_ca.issue(root, "device", name="T-01", unit=UNIT)
    for issued in (officer, seal, device):
        assert attr(issued.certificate, NameOID.ORGANIZATION_NAME) == UNIT
        assert attr(issued.certificate, NameOID.COUNTRY_NAME) == "CN"
    assert attr(officer.certificate, NameOID.SERIAL_NUMBER) == "99000001"
    assert attr(seal.certificate, NameOID.COMMON_NAME) == UNIT + "执法专用章"
    assert attr(device.certificate, NameOID.COMMON_NAME) == "电子笔录室终端 T-01"
    assert unit_ca.certificate_role(officer.certificate) == "officer"
    assert unit_ca.certificate_role(seal.certificate) == "seal"
    assert unit_ca.certificate_role(device.certificate) is None
    with pytest.raises(UserError):
        unit_ca.issue(root, "officer", name="赵测试", unit=UNIT)  # no certificate number


def test_pdf_signed_with_an_issued_key_verifies(root: unit_ca.CaIdentity, unsigned_pdf: bytes,
                                               tmp_path: Path) -> None:
    officer = unit_ca.issue(root, "officer", name="赵测试", unit=UNIT, certificate_no="99000001")
    device = unit_ca.issue(root, "device", name="T-01", unit=UNIT)
    p12 = unit_ca.pkcs12_for(officer, officer.chain, b"p12 pass", rounds=1000)
    officer_signer = SoftwareSigner.from_pkcs12(p12, b"p12 pass")
    device_signer = SoftwareSigner(device.key, device.certificate, device.chain)
    data = certify(unsigned_pdf, field_specs(), device_signer, reason="笔录生成", location="询问室")
    data = sign_field(data, INTERVIEWER1_FIELD, officer_signer, text="询问人：%(signer)s")
    report = verify_pdf(data, [root.certificate])
    # Each signature holds against the root; the statement as a whole is half-signed.
    assert all(s.bottom_line for s in report.signatures), report.reasons
    assert report.complete is False
    assert "赵测试" in {s.signer for s in report.signatures}
    other = unit_ca.create_unit_root("别的单位")
    assert not any(s.bottom_line for s in verify_pdf(data, [other.certificate]).signatures)
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)
    output = subprocess.run([poppler_tool("pdfsig"), str(path)], capture_output=True,
                            text=True, check=False, timeout=60).stdout
    assert re.findall(r"Signature Validation: (.*)", output) == ["Signature is Valid."] * 2
    trust = re.findall(r"Certificate Validation: (.*)", output)
    assert trust and all(t in {"Certificate issuer isn't Trusted.", "Certificate is Trusted."}
                         for t in trust), output
    assert "O=" + UNIT in output


def test_validity_follows_now_and_never_outlasts_the_root() -> None:
    past = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    short = unit_ca.create_unit_root(UNIT, years=1, now=past)
    issued = unit_ca.issue(short, "seal", unit=UNIT, years=5, now=past)
    assert issued.certificate.not_valid_after_utc <= short.certificate.not_valid_after_utc
    assert issued.certificate.not_valid_before_utc < past
