"""Issue 11 §2: a statement with signatures missing, bytes after %%EOF or an unexplained
incremental update does not verify; a complete statement (with HQ's later document
timestamp) still does."""

from __future__ import annotations

import io
import re
from typing import Any

from pyhanko.pdf_utils import generic as _generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from desktop.documents.pki import TestPki
from desktop.documents.verify import verify_pdf
from tests.documents.conftest import SignedStatement

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

    from desktop.documents.signer import to_asn1_certificate
    from desktop.documents.tsa import LoopbackTsa

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
