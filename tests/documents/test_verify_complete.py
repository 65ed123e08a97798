"""Issue 11 §2: a statement with signatures missing, bytes after %%EOF or an unexplained
incremental update does not verify; a complete statement (with HQ's later document
timestamp) still does."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pyhanko.pdf_utils import generic as _generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from desktop.documents.pki import TestPki
from desktop.documents.signer import SoftwareSigner
from desktop.documents.signing import (
    INTERVIEWER1_FIELD,
    INTERVIEWER2_FIELD,
    RECORDER_FIELD,
    SEAL_FIELD,
    certify,
    sign_field,
)
from tests.documents.conftest import PAGES, SignedStatement, field_specs, signer_from
from verification import package_verifier as verifier
from verification.pdf import verify_pdf

generic: Any = _generic


def first_revision(data: bytes) -> bytes:
    """The PDF cut back to its first signed revision: only the certification."""
    ranges = [[int(n) for n in m.groups()] for m in re.finditer(
        rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)]
    end = min(r[2] + r[3] for r in ranges)
    return data[:end]


def replace_info(data: bytes) -> bytes:
    writer: Any = IncrementalPdfFileWriter(io.BytesIO(data))
    info = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Title"): generic.TextStringObject("this is not the statement"),
        generic.NameObject("/Producer"): generic.TextStringObject("forger")}))
    writer.set_info(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_complete_statement_holds(signed_statement: SignedStatement, pki: TestPki) -> None:
    report = verify_pdf(signed_statement.data, [pki.root.certificate], [pki.crl])
    assert report.bottom_line, report.reasons
    assert report.complete is True
    assert report.missing_fields == ()


def test_a_statement_cut_back_to_its_certification_fails(
        signed_statement: SignedStatement, pki: TestPki) -> None:
    cut = first_revision(signed_statement.data)
    report = verify_pdf(cut, [pki.root.certificate], [pki.crl])
    assert [s.field_name for s in report.signatures] == ["Certification"]
    assert not report.bottom_line
    assert report.complete is False
    assert {"Party1", "Party2", "Interviewer1", "Interviewer2", "Recorder", "Seal"} <= set(
        report.missing_fields)
    # The reader sees what each field is, not its name in the PDF.
    assert any("not signed" in r and "Unit seal" in r and "Party, page 2" in r
               for r in report.reasons), report.reasons


def test_bytes_after_the_last_eof_fail(signed_statement: SignedStatement,
                                       pki: TestPki) -> None:
    report = verify_pdf(signed_statement.data + b"\nthis is not the statement\n",
                        [pki.root.certificate], [pki.crl])
    assert not report.bottom_line
    assert any("follow the end of the document" in r for r in report.reasons), report.reasons


def test_an_incremental_update_replacing_info_fails(signed_statement: SignedStatement,
                                                   pki: TestPki) -> None:
    report = verify_pdf(replace_info(signed_statement.data), [pki.root.certificate],
                        [pki.crl])
    assert not report.bottom_line
    assert any("incremental update" in r and "not explained" in r
               for r in report.reasons), report.reasons


def test_hq_validation_data_and_document_timestamp_still_hold(
        signed_statement: SignedStatement, pki: TestPki) -> None:
    """HQ's long-term validation: a DSS update, then a document timestamp, after the seal."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import signers
    from pyhanko.sign.validation import add_validation_info
    from pyhanko_certvalidator import ValidationContext

    from desktop.documents.tsa import LoopbackTsa
    from verification.certificates import to_asn1_certificate

    reader = PdfFileReader(io.BytesIO(signed_statement.data))
    context = ValidationContext(trust_roots=[to_asn1_certificate(pki.root.certificate)],
                                allow_fetching=False)
    with_dss = io.BytesIO()
    add_validation_info(reader.embedded_signatures[-1], context, output=with_dss)
    with LoopbackTsa(pki.tsa.certificate, pki.tsa_key, [pki.root.certificate]) as tsa:
        writer: Any = IncrementalPdfFileWriter(io.BytesIO(with_dss.getvalue()))
        out = io.BytesIO()
        stamper: Any = signers.PdfTimeStamper(tsa.timestamper())
        stamper.timestamp_pdf(writer, "sha256", output=out)
    report = verify_pdf(out.getvalue(), [pki.root.certificate], [pki.crl])
    assert report.bottom_line, report.reasons
    assert report.complete is True and report.unexplained_revisions == ()
    # The same DSS revision with a replaced /Info on top is not HQ's doing.
    report = verify_pdf(replace_info(out.getvalue()), [pki.root.certificate], [pki.crl])
    assert not report.bottom_line


def test_officer_fields_and_the_seal_signed_by_the_device_do_not_hold(
    pki: TestPki, unsigned_pdf: bytes, party_png: bytes, signed_statement: SignedStatement,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every login opens the device key. A statement whose officers' fields and seal carry the
    device's signatures (each valid, trusted and covering the document) is not what its boxes
    claim: the verifier names each such field. (Issue 10 §2.)"""
    device = signer_from(pki.device.p12_path, pki.p12_password)
    officer1, officer2, recorder = (
        SoftwareSigner.from_pem(o.key_path.read_bytes(), o.cert_path.read_bytes(),
                                pki.root.cert_path.read_bytes()) for o in pki.officers)
    certified = certify(unsigned_pdf, field_specs(), device, reason="笔录生成",
                        location="询问室")
    for page in range(PAGES):
        certified = sign_field(certified, f"Party{page + 1}", device, image_png=party_png)
    data = sign_field(certified, INTERVIEWER1_FIELD, officer1)  # that officer's own
    for name in (INTERVIEWER2_FIELD, RECORDER_FIELD):
        data = sign_field(data, name, device)
    data = sign_field(data, SEAL_FIELD, officer1, lock=True)  # an officer is no seal either
    report = verify_pdf(data, [pki.root.certificate])
    assert not report.bottom_line
    assert all(s.valid and s.trusted for s in report.signatures)  # each one on its own is
    device_name = device.signing_name
    assert report.reasons == (
        f"Signature Interviewer 2 is made with the certificate of {device_name}, which is "
        "not one for an officer.",
        f"Signature Recorder is made with the certificate of {device_name}, which is not one "
        "for an officer.",
        f"Signature Unit seal is made with the certificate of {officer1.signing_name}, which is "
        "not one for the unit seal.")
    broken = {s.field_name for s in report.signatures if not s.bottom_line}
    assert broken == {INTERVIEWER2_FIELD, RECORDER_FIELD, SEAL_FIELD}
    # The court package's stand-alone verifier says the same of the first such field, in
    # both of its languages; the genuine statement passes it.
    for language, words in (("en", "not an officer's own certificate"),
                            ("zh", "不是执法人员本人的证书")):
        monkeypatch.setattr(verifier, "LANGUAGE", [language])
        with pytest.raises(verifier.PackageError, match=f"Interviewer2.*{words}"):
            verifier.check_pdf_signatures(data, pki.root.certificate)
    with_device_seal = certified
    for name, own in ((INTERVIEWER1_FIELD, officer1), (INTERVIEWER2_FIELD, officer2),
                      (RECORDER_FIELD, recorder)):
        with_device_seal = sign_field(with_device_seal, name, own)
    with_device_seal = sign_field(with_device_seal, SEAL_FIELD, device, lock=True)
    assert verify_pdf(with_device_seal, [pki.root.certificate]).reasons == (
        f"Signature Unit seal is made with the certificate of {device_name}, which is not one "
        "for the unit seal.",)
    monkeypatch.setattr(verifier, "LANGUAGE", ["en"])
    with pytest.raises(verifier.PackageError, match="not the unit seal's certificate"):
        verifier.check_pdf_signatures(with_device_seal, pki.root.certificate)
    assert verifier.check_pdf_signatures(signed_statement.data, pki.root.certificate)
