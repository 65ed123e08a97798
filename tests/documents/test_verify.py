"""Verification: the good statement holds; tampering, foreign keys and broken files do not.

Each tamper is one a forger would try: a changed byte in the signed range, an incremental
update that draws on page 1 after the seal, a signature from a key under a root nobody
trusts, a truncated or non-PDF file. The command-line `verify` is checked for its exit codes.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils import generic as _generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from desktop.cli import documents as cli_documents
from desktop.documents.pki import TestPki
from desktop.documents.signer import SoftwareSigner
from desktop.documents.signing import INTERVIEWER1_FIELD, certify, sign_field
from desktop.domain.errors import UserError
from desktop.i18n import set_language
from desktop.services.verify import verify_document
from tests.documents.conftest import SignedStatement, field_specs
from tests.poppler import poppler_tool
from verification.errors import UnreadablePdf
from verification.pdf import verify_pdf

generic: Any = _generic  # pyHanko's PDF object model is untyped



def flip_one_byte(data: bytes) -> bytes:
    """Change one byte of revision 1 (a comment near the start: parsing is unaffected)."""
    offset = data.index(b"ReportLab Generated") + len(b"ReportLab Generate")
    assert offset < data.index(b"/ByteRange")  # inside every signature's signed range
    return data[:offset] + b"X" + data[offset + 1:]


def draw_on_page_one(data: bytes) -> bytes:
    """Append an incremental update that paints "FORGED" onto page 1."""
    writer: Any = IncrementalPdfFileWriter(io.BytesIO(data))
    font = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Font"),
        generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
        generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica")}))
    stream = writer.add_object(generic.StreamObject(
        stream_data=b"BT /Forged 28 Tf 120 500 Td (FORGED) Tj ET"))
    resources = generic.DictionaryObject({generic.NameObject("/Font"): generic.DictionaryObject(
        {generic.NameObject("/Forged"): font})})
    writer.add_stream_to_page(0, stream, resources=resources)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_one_flipped_byte_breaks_every_signature(signed_statement: SignedStatement,
                                                 pki: TestPki) -> None:
    report = verify_pdf(flip_one_byte(signed_statement.data), [pki.root.certificate])
    assert not report.bottom_line
    assert report.signatures and all(not s.intact for s in report.signatures)
    assert all(not s.bottom_line for s in report.signatures)
    assert "altered after signing" in report.reasons[0]


def test_drawing_on_page_one_after_the_seal_is_an_unexplained_modification(
        signed_statement: SignedStatement, pki: TestPki) -> None:
    forged = draw_on_page_one(signed_statement.data)
    report = verify_pdf(forged, [pki.root.certificate])
    assert not report.bottom_line
    # The signed bytes are untouched: only the diff analysis can catch this.
    assert all(s.intact and s.valid and s.trusted for s in report.signatures)
    assert all(s.modification_level == "OTHER" for s in report.signatures)
    assert all(s.docmdp_ok is False for s in report.signatures)
    assert all(s.coverage == "ENTIRE_REVISION" for s in report.signatures)
    assert any("unexplained incremental update" in r for r in report.reasons)


def test_a_signature_from_an_untrusted_root_is_reported(
        unsigned_pdf: bytes, pki: TestPki, other_pki: TestPki) -> None:
    device = SoftwareSigner.from_pkcs12(pki.device.p12_path.read_bytes(), pki.p12_password)
    impostor = other_pki.officers[0]
    foreign = SoftwareSigner.from_pem(impostor.key_path.read_bytes(),
                                      impostor.cert_path.read_bytes())
    data = certify(unsigned_pdf, field_specs(), device, reason="r", location="l")
    data = sign_field(data, INTERVIEWER1_FIELD, foreign, text="询问人：%(signer)s")
    report = verify_pdf(data, [pki.root.certificate])
    assert not report.bottom_line
    certification, officer = report.signatures
    assert certification.bottom_line
    assert officer.intact and officer.valid and not officer.trusted and not officer.bottom_line
    assert report.reasons[0] == officer.problem
    assert report.complete is False and "Seal" in report.missing_fields  # half signed
    assert "not trusted" in report.reasons[0] and impostor.name in report.reasons[0]
    # Trusting the other root instead flips which signature is untrusted.
    flipped = verify_pdf(data, [other_pki.root.certificate])
    assert [s.trusted for s in flipped.signatures] == [False, True]


def test_without_trust_roots_nothing_is_trusted(signed_statement: SignedStatement) -> None:
    report = verify_pdf(signed_statement.data, [])
    assert not report.bottom_line
    assert all(s.intact and s.valid and not s.trusted for s in report.signatures)


def test_an_unsigned_pdf_does_not_hold(unsigned_pdf: bytes, pki: TestPki) -> None:
    report = verify_pdf(unsigned_pdf, [pki.root.certificate])
    assert not report.bottom_line
    assert report.signatures == ()
    assert report.reasons == ("The document carries no signatures.",)


@pytest.mark.parametrize("cut", [0.5, 0.9, 0.999])
def test_a_truncated_file_is_a_clear_error(signed_statement: SignedStatement, pki: TestPki,
                                           cut: float) -> None:
    data = signed_statement.data
    with pytest.raises(UnreadablePdf, match="not a readable PDF"):
        verify_pdf(data[: int(len(data) * cut)], [pki.root.certificate])


@pytest.mark.parametrize("garbage", [b"", b"hello", b"%PDF-1.7\n%%EOF\n", bytes(range(256)) * 8])
def test_garbage_is_a_clear_error(garbage: bytes, pki: TestPki) -> None:
    with pytest.raises(UnreadablePdf, match="not a readable PDF"):
        verify_pdf(garbage, [pki.root.certificate])
    with pytest.raises(UserError, match="not a readable PDF"):  # as the desktop shows it
        verify_document(garbage, [pki.root.certificate])


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `verify` as `statement-room` does: a UserError is a refused operation (exit 1)."""
    parser = argparse.ArgumentParser(prog="statement-room")
    cli_documents.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    try:
        code = int(args.handler(args))
    except UserError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        code = 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def files(tmp_path: Path, signed_statement: SignedStatement) -> dict[str, Path]:
    paths = {"good": tmp_path / "good.pdf", "forged": tmp_path / "forged.pdf",
             "flipped": tmp_path / "flipped.pdf", "garbage": tmp_path / "garbage.pdf"}
    paths["good"].write_bytes(signed_statement.data)
    paths["forged"].write_bytes(draw_on_page_one(signed_statement.data))
    paths["flipped"].write_bytes(flip_one_byte(signed_statement.data))
    paths["garbage"].write_bytes(b"not a pdf at all")
    return paths


def test_cli_exit_codes(capsys: pytest.CaptureFixture[str], files: dict[str, Path],
                        pki: TestPki) -> None:
    trust = ("--trust", str(pki.root.cert_path))
    code, out, err = cli(capsys, "verify", str(files["good"]), *trust, "--crl",
                         str(pki.crl_path))
    assert code == 0, err
    assert "[Interviewer 1] 张建国" in out
    assert "Bottom line: every signature holds" in out
    assert err == ""
    for name in ("forged", "flipped"):
        code, out, err = cli(capsys, "verify", str(files[name]), *trust)
        assert code == cli_documents.EXIT_DOES_NOT_HOLD
        assert "does NOT hold" in out and err.strip()
    code, _out, err = cli(capsys, "verify", str(files["good"]))  # no trust root given
    assert code == cli_documents.EXIT_DOES_NOT_HOLD and "not trusted" in err
    code, _out, err = cli(capsys, "verify", str(files["garbage"]), *trust)
    assert code == 1 and "not a readable PDF" in err
    code, _out, err = cli(capsys, "verify", str(files["good"]) + ".missing", *trust)
    assert code == 1 and "Cannot read" in err
    code, _out, err = cli(capsys, "verify", str(files["good"]), "--trust", str(files["good"]))
    assert code == 1 and "not a certificate" in err


def test_cli_json(capsys: pytest.CaptureFixture[str], files: dict[str, Path],
                  pki: TestPki) -> None:
    code, out, _err = cli(capsys, "verify", str(files["forged"]), "--trust",
                          str(pki.root.cert_path), "--json")
    assert code == cli_documents.EXIT_DOES_NOT_HOLD
    result = json.loads(out)
    assert result["bottom_line"] is False
    assert {s["modification_level"] for s in result["signatures"]} == {"OTHER"}
    assert result["reasons"]


def test_what_poppler_pdfsig_sees_of_the_tampering(files: dict[str, Path]) -> None:
    """pdfsig catches changed bytes, but not an appended update (it has no diff analysis).

    Its exit status is 0 either way; only its text tells. For the forged file every
    signature still reads "Signature is Valid." and merely none covers the whole file, which
    is why our own verification relies on pyHanko's modification analysis.
    """
    def pdfsig(path: Path) -> str:
        return subprocess.run([poppler_tool("pdfsig"), str(path)], capture_output=True, text=True,
                              check=False, timeout=60).stdout

    flipped = pdfsig(files["flipped"])
    validations = re.findall(r"Signature Validation: (.*)", flipped)
    assert validations and set(validations) == {"Digest Mismatch."}
    forged = pdfsig(files["forged"])
    assert set(re.findall(r"Signature Validation: (.*)", forged)) == {"Signature is Valid."}
    assert "Total document signed" not in forged
    assert pdfsig(files["good"]).count("Total document signed") == 1


def test_a_document_timestamp_added_later_is_reported_and_allowed(
        signed_statement: SignedStatement, pki: TestPki) -> None:
    """What HQ does for long-term validation: a /DocTimeStamp after the seal still holds."""
    from pyhanko.sign import signers

    from desktop.documents.tsa import LoopbackTsa

    with LoopbackTsa(pki.tsa.certificate, pki.tsa_key, [pki.root.certificate]) as tsa:
        writer: Any = IncrementalPdfFileWriter(io.BytesIO(signed_statement.data))
        out = io.BytesIO()
        stamper: Any = signers.PdfTimeStamper(tsa.timestamper())
        stamper.timestamp_pdf(writer, "sha256", output=out)
    report = verify_pdf(out.getvalue(), [pki.root.certificate], [pki.crl])
    assert report.bottom_line, report.reasons
    (timestamp,) = report.timestamps
    assert timestamp.intact and timestamp.valid and timestamp.trusted and timestamp.bottom_line
    assert timestamp.coverage == "ENTIRE_FILE" and timestamp.time is not None
    assert report.signatures[-1].modification_level == "LTA_UPDATES"


def test_cli_report_in_chinese(capsys: pytest.CaptureFixture[str], files: dict[str, Path],
                               pki: TestPki) -> None:
    """Field names, coverage and modification levels are words, not pyHanko's names."""
    set_language("zh_CN")
    try:
        code, out, err = cli(capsys, "verify", str(files["good"]), "--trust",
                             str(pki.root.cert_path), "--crl", str(pki.crl_path))
    finally:
        set_language("en")
    assert code == 0, err
    assert "[询问人一] 张建国（批准签名）" in out
    assert "[单位印章]" in out and "[被询问人（第1页）]" in out
    for name in ("ENTIRE_FILE", "ENTIRE_REVISION", "FORM_FILLING", "LTA_UPDATES", "NONE",
                 "Interviewer1", "Seal]", "Party1"):
        assert name not in out
