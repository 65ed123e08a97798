"""Signing a Chinese statement end to end, checked by pyHanko and independently by pdfsig.

The flow is the one the application uses: certification first (DocMDP fill-forms, empty
fields pre-created), the party's handwriting on every page (B-B, image stamp), two officers
with CJK text stamps timestamped over HTTP by a loopback RFC 3161 TSA (B-T), then the unit
seal (B-T), which locks the document.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from desktop.documents.pki import TestPki
from desktop.documents.signer import Signer, SoftwareSigner
from desktop.documents.signing import (
    INTERVIEWER1_FIELD,
    SEAL_FIELD,
    WITNESS_FIELD,
    FieldSpec,
    TimestampUnavailable,
    certify,
    sign_field,
)
from desktop.domain.errors import UserError
from tests.documents.conftest import PAGES, SignedStatement, field_specs
from tests.poppler import poppler_tool
from verification.pdf import verify_pdf

EXPECTED_SIGNATURES = ["Certification", *(f"Party{p + 1}" for p in range(PAGES)),
                       "Interviewer1", "Interviewer2", "Recorder", "Seal"]



def test_signed_statement_holds_for_pyhanko(signed_statement: SignedStatement,
                                            pki: TestPki) -> None:
    report = verify_pdf(signed_statement.data, [pki.root.certificate], [pki.crl])
    assert report.bottom_line, report.reasons
    assert report.reasons == ()
    assert [s.field_name for s in report.signatures] == EXPECTED_SIGNATURES
    by_name = {s.field_name: s for s in report.signatures}
    for sig in report.signatures:
        assert (sig.intact, sig.valid, sig.trusted, sig.bottom_line) == (True, True, True, True)
        assert sig.docmdp_ok is True
        assert sig.coverage in {"ENTIRE_REVISION", "ENTIRE_FILE"}
    assert [s.field_name for s in report.signatures if s.certifying] == ["Certification"]
    assert by_name["Certification"].signer == pki.device.name
    assert by_name["Interviewer1"].signer == pki.officers[0].name
    assert by_name["Seal"].coverage == "ENTIRE_FILE"
    # B-T where a timestamper was given, B-B for the party.
    for name in ("Certification", "Interviewer1", "Interviewer2", "Seal"):
        assert by_name[name].timestamped
        assert by_name[name].timestamp_valid and by_name[name].timestamp_trusted
    assert not by_name["Party1"].timestamped and not by_name["Recorder"].timestamped
    assert by_name["Party1"].timestamp_valid is None
    # The real HTTP client path was used (pyHanko may also ask once to size the token).
    assert signed_statement.tsa_requests >= 4
    assert report.timestamps == ()


def test_signed_statement_keeps_the_empty_witness_field_and_the_chinese_text(
        signed_statement: SignedStatement) -> None:
    from io import BytesIO

    from pyhanko.sign.fields import enumerate_sig_fields

    reader = PdfFileReader(BytesIO(signed_statement.data))
    empty = [name for name, *_rest in enumerate_sig_fields(reader, filled_status=False)]
    assert empty == [WITNESS_FIELD]
    assert b"FontFile2" in signed_statement.data  # stamp and page fonts embedded


def _pdfsig(path: Path) -> str:
    run = subprocess.run([poppler_tool("pdfsig"), str(path)], capture_output=True, text=True,
                         check=False,
                         timeout=60)
    return run.stdout + run.stderr


def test_poppler_pdfsig_accepts_every_signature(signed_statement: SignedStatement,
                                                tmp_path: Path) -> None:
    path = tmp_path / "statement.pdf"
    path.write_bytes(signed_statement.data)
    output = _pdfsig(path)
    assert f"Digital Signature Info of: {path}" in output
    # pdfsig lists every signature field, the empty witness field included.
    assert len(re.findall(r"^Signature #\d+:", output, re.M)) == len(EXPECTED_SIGNATURES) + 1
    assert output.count("The signature form field is not signed.") == 1
    validations = re.findall(r"Signature Validation: (.*)", output)
    assert validations == ["Signature is Valid."] * len(EXPECTED_SIGNATURES), output
    # Our root is private: poppler (NSS) does not know it, so it reports the certificate
    # as untrusted ("Certificate issuer isn't Trusted.") while the signature itself is valid.
    trust = re.findall(r"Certificate Validation: (.*)", output)
    assert len(trust) == len(EXPECTED_SIGNATURES)
    assert all(t in {"Certificate issuer isn't Trusted.", "Certificate is Trusted."}
               for t in trust), trust
    assert output.count("- Signature Type: ETSI.CAdES.detached") == len(EXPECTED_SIGNATURES)
    # Only the last (seal) signature covers the whole file.
    assert output.count("Total document signed") == 1


def test_a_sealed_document_cannot_be_signed_again(signed_statement: SignedStatement,
                                                  pki: TestPki) -> None:
    device = SoftwareSigner.from_pkcs12(pki.device.p12_path.read_bytes(), pki.p12_password)
    with pytest.raises(UserError, match="sealed"):
        sign_field(signed_statement.data, WITNESS_FIELD, device, text="证人")


def test_certify_refuses_a_document_that_is_already_signed(
        signed_statement: SignedStatement, pki: TestPki) -> None:
    device = SoftwareSigner.from_pkcs12(pki.device.p12_path.read_bytes(), pki.p12_password)
    with pytest.raises(UserError, match="already signed"):
        certify(signed_statement.data, [], device, reason="x", location="y")


def test_unreachable_tsa_is_a_typed_error_so_the_caller_can_sign_offline(
        unsigned_pdf: bytes, pki: TestPki) -> None:
    from pyhanko.sign.timestamps import HTTPTimeStamper

    device: Signer = SoftwareSigner.from_pkcs12(pki.device.p12_path.read_bytes(),
                                                pki.p12_password)
    dead = HTTPTimeStamper("http://127.0.0.1:9/tsr", timeout=2)  # discard port: refused
    with pytest.raises(TimestampUnavailable):
        certify(unsigned_pdf, field_specs(), device, timestamper=dead, reason="r",
                location="l")
    # Offline: B-B works and validates.
    data = certify(unsigned_pdf, field_specs(), device, reason="r", location="l")
    report = verify_pdf(data, [pki.root.certificate])
    assert report.signatures[0].bottom_line, report.reasons
    assert report.complete is False  # certified only: the statement is not complete
    assert not report.signatures[0].timestamped


def test_sign_field_checks_field_names_and_the_lock(unsigned_pdf: bytes,
                                                    pki: TestPki) -> None:
    device = SoftwareSigner.from_pkcs12(pki.device.p12_path.read_bytes(), pki.p12_password)
    data = certify(unsigned_pdf, field_specs(), device, reason="r", location="l")
    with pytest.raises(UserError, match="no empty signature field"):
        sign_field(data, "Nobody", device, text="x")
    with pytest.raises(ValueError, match="lock"):
        sign_field(data, SEAL_FIELD, device, text="x")  # the seal must be applied as a lock
    with pytest.raises(ValueError, match="lock"):
        sign_field(data, INTERVIEWER1_FIELD, device, text="x", lock=True)
    with pytest.raises(ValueError, match="page"):
        certify(unsigned_pdf, [FieldSpec("Far", PAGES, 0, 0, 10, 10)], device, reason="r",
                location="l")


def test_key_loading_errors_are_user_errors(pki: TestPki) -> None:
    with pytest.raises(UserError):
        SoftwareSigner.from_pkcs12(pki.device.p12_path.read_bytes(), b"wrong password")
    with pytest.raises(UserError):
        SoftwareSigner.from_pem(b"not a key", pki.device.cert_path.read_bytes())
    with pytest.raises(UserError, match="does not belong"):
        SoftwareSigner.from_pem(pki.device.key_path.read_bytes(),
                                pki.seal.cert_path.read_bytes())
    signer = SoftwareSigner.from_pem(pki.seal.key_path.read_bytes(),
                                     pki.seal.cert_path.read_bytes())
    assert isinstance(signer, Signer)
    assert "PRIVATE" not in repr(signer) and signer.signing_name in repr(signer)


def test_bad_inputs_to_signing_are_user_errors(unsigned_pdf: bytes, pki: TestPki) -> None:
    device = SoftwareSigner.from_pkcs12(pki.device.p12_path.read_bytes(), pki.p12_password)
    with pytest.raises(UserError, match="not a readable PDF"):
        certify(b"%PDF-1.7 garbage", field_specs(), device, reason="r", location="l")
    data = certify(unsigned_pdf, field_specs(), device, reason="r", location="l")
    with pytest.raises(UserError, match="image"):
        sign_field(data, "Party1", device, image_png=b"\x89PNG broken")
    with pytest.raises(UserError, match="font"):
        sign_field(data, "Party1", device, text="x", font_path=Path("/nonexistent/font.ttf"))


def test_a_signature_that_outgrows_its_reserved_room_is_sized_again(
        unsigned_pdf: bytes, pki: TestPki) -> None:
    """The room for a signature is estimated once per certificate; if a container ever
    outgrows it (a TSA's answer can), the signature is made again with a fresh estimate."""
    from desktop.documents import signing as signing_module

    device = SoftwareSigner.from_pkcs12(pki.device.p12_path.read_bytes(), pki.p12_password)
    data = certify(unsigned_pdf, field_specs(), device, reason="r", location="l")
    key = (bytes(device.pyhanko_signer().signing_cert.sha256), None)
    assert key in signing_module._reserved  # certify sized it
    signing_module._reserved[key] = 64  # far too small for any signature container
    data = sign_field(data, "Party1", device, text="甲")
    report = verify_pdf(data, [pki.root.certificate])
    assert [s.field_name for s in report.signatures] == ["Certification", "Party1"]
    assert all(s.intact and s.valid for s in report.signatures), report.reasons
    assert signing_module._reserved[key] > 64
