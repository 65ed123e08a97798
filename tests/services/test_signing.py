"""Signing after read-back: every page signed by the party, officers, seal; kept and checked."""

from __future__ import annotations

import io
import json
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.x509 import load_pem_x509_certificate
from PIL import Image, ImageChops

from desktop.documents.capture import DECLARATION, SignatureCapture, capture_digest, render_png
from desktop.documents.page_signatures import FingerprintImage, PageSignature, ReadBackSignatures
from desktop.documents.render import render_statement
from desktop.documents.stamps import officer_stamp, with_fingerprint
from desktop.documents.synthetic_signature import synthetic_signature
from desktop.domain.errors import RuleViolation, UserError
from desktop.domain.model import Officer, SignatureRefusal, StatementState, TurnKind
from desktop.services import interview, readback, signing
from desktop.services.demo_pki import TRUST_ROOT_NAME, export_trust_root
from desktop.store import audit, documents, signing_keys
from tests.conftest import World, provision_world_keys, sign_as_team
from tests.poppler import poppler_tool
from verification.pdf import verify_pdf


def ready_for_signing(world: World, tmp_path: Path) -> Path:
    for turn in world.statement.turns:
        if turn.kind is TurnKind.ANSWER:
            interview.save_turn(world.store, turn.id, "明白。不申请回避。")
    interview.add_turn(world.store, world.statement.id, TurnKind.QUESTION, "车是你停的吗？")
    interview.add_turn(world.store, world.statement.id, TurnKind.ANSWER, "是我停的。" * 200)
    interview.start_read_back(world.store, world.statement.id)
    provision_world_keys(world)
    return export_trust_root(world.store, tmp_path)


def handwritten(digests: list[str], seed: int = 99) -> SignatureCapture:
    """The declaration written by hand on the last page (synthetic strokes)."""
    last = len(digests) - 1
    return replace(synthetic_signature(last, digests[last], seed=seed), purpose=DECLARATION)


def all_pages_signed(world: World) -> ReadBackSignatures:
    """Every page signed and, the document leaving it for handwriting, the declaration."""
    digests = signing.page_digests(signing.prepare(world.store, world.statement.id))
    return ReadBackSignatures(
        (PageSignature(page, synthetic_signature(page, digest, seed=page))
         for page, digest in enumerate(digests)), declaration=handwritten(digests))


def pdfsig_lines(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "signed-for-pdfsig.pdf"
    path.write_bytes(pdf)
    return subprocess.run([poppler_tool("pdfsig"), str(path)], capture_output=True, text=True,
                          check=False).stdout.splitlines()


def test_signed_statement_is_sealed_kept_and_verifies(world: World, tmp_path: Path) -> None:
    root_path = ready_for_signing(world, tmp_path)
    signed = sign_as_team(world, all_pages_signed(world))
    assert signed.pages >= 2
    statement = interview.get(world.store, world.statement.id)
    assert statement.state is StatementState.SEALED
    assert documents.signed_document(world.store.conn, statement.id) == signed.pdf
    report = verify_pdf(signed.pdf, [load_pem_x509_certificate(root_path.read_bytes())])
    assert report.bottom_line, report.reasons
    names = {s.field_name for s in report.signatures}
    assert {f"Party{p + 1}" for p in range(signed.pages)} <= names
    assert {"Interviewer1", "Interviewer2", "Recorder", "Seal"} <= names
    events = [r.action for r in audit.events_about(world.store.conn, statement.id)]
    assert events.count("document.capture") >= signed.pages  # one leaf per pen capture
    actions = [a for a in events if a != "document.capture"]
    assert actions[-7:] == ["statement.state", "document.signed", *["document.signature"] * 4,
                            "statement.state"]
    with pytest.raises(Exception, match="immutable"):
        world.store.conn.execute("UPDATE statement_documents SET pdf = x'00'")
    exported = signing.export_document(world.store, statement.id, tmp_path / "out.pdf")
    pdfsig = poppler_tool("pdfsig")
    output = subprocess.run([pdfsig, str(exported)], capture_output=True, text=True,
                            check=False).stdout
    assert output.count("Signature is Valid.") == len(report.signatures)


def test_the_document_read_back_is_the_one_signed_and_is_rendered_once(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ready_for_signing(world, tmp_path)
    rendered: list[object] = []

    def counting(document: Any) -> Any:
        rendered.append(document)
        return render_statement(document)

    monkeypatch.setattr("desktop.services.signing.render_statement", counting)
    shown = readback.prepare_document(world.store, world.statement.id, None)
    signed = sign_as_team(world, all_pages_signed(world))
    assert len(rendered) == 1  # read-back rendered it; signing took that document
    # Every signature is an incremental update of exactly the PDF the interviewee read.
    assert signed.pdf.startswith(shown.pdf)
    assert interview.get(world.store, world.statement.id).state is StatementState.SEALED


def test_every_page_must_be_signed(world: World, tmp_path: Path) -> None:
    ready_for_signing(world, tmp_path)
    partial = ReadBackSignatures(list(all_pages_signed(world).signatures)[:1])
    with pytest.raises(UserError, match="has not signed page"):
        sign_as_team(world, partial)
    assert interview.get(world.store, world.statement.id).state is StatementState.READ_BACK


def test_a_signature_for_another_version_of_the_page_is_refused(
    world: World, tmp_path: Path
) -> None:
    ready_for_signing(world, tmp_path)
    stale = ReadBackSignatures([PageSignature(0, synthetic_signature(0, "ab" * 32, seed=1))])
    with pytest.raises(UserError, match=r"changed after they were signed|has not signed"):
        sign_as_team(world, stale)


def test_refusal_to_sign_is_recorded_and_the_document_still_sealed(
    world: World, tmp_path: Path
) -> None:
    root_path = ready_for_signing(world, tmp_path)
    refused = ReadBackSignatures()
    refused.record_refusal(SignatureRefusal("当事人拒绝签名", "见证人丙", world.store.clock()))
    signed = sign_as_team(world, refused)
    statement = interview.get(world.store, world.statement.id)
    assert statement.state is StatementState.SEALED
    assert statement.refusal is not None
    assert statement.refusal.witness_name == "见证人丙"
    report = verify_pdf(signed.pdf, [load_pem_x509_certificate(root_path.read_bytes())])
    assert report.bottom_line, report.reasons
    assert not any(s.field_name.startswith("Party") for s in report.signatures)
    # The signed document itself says so: the refusal, its reason and the witness.
    text = subprocess.run([poppler_tool("pdftotext"), "-", "-"], input=signed.pdf,
                          capture_output=True, check=True).stdout.decode("utf-8")
    flat = "".join(text.split())
    assert "当事人拒绝签名" in flat and "见证人丙" in flat


def test_only_read_back_statements_are_signed(world: World) -> None:
    provision_world_keys(world)
    with pytest.raises(RuleViolation, match="read-back"):
        sign_as_team(world, ReadBackSignatures())


def test_trust_root_is_exported_by_name(world: World, tmp_path: Path) -> None:
    provision_world_keys(world)
    path = export_trust_root(world.store, tmp_path)
    assert path.name == TRUST_ROOT_NAME
    assert b"BEGIN CERTIFICATE" in path.read_bytes()
    assert b"PRIVATE" not in path.read_bytes()


def test_configured_tsa_timestamps_every_signature_over_http(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.documents.pki import write_test_pki
    from desktop.documents.tsa import LoopbackTsa

    root_path = ready_for_signing(world, tmp_path / "demo")
    tsa_pki = write_test_pki(tmp_path / "tsa", root_name="Test TSA Root")
    with LoopbackTsa(tsa_pki.tsa.certificate, tsa_pki.tsa_key,
                     [tsa_pki.root.certificate]) as tsa:
        monkeypatch.setenv(signing.TSA_ENV, tsa.url)
        signed = sign_as_team(world,
                                        all_pages_signed(world),
                                        timestamper=signing.configured_timestamper())
        assert tsa.requests > 0
    assert signed.timestamped
    roots = [load_pem_x509_certificate(root_path.read_bytes()), tsa_pki.root.certificate]
    report = verify_pdf(signed.pdf, roots)
    assert report.bottom_line, report.reasons
    assert all(s.timestamped for s in report.signatures)


def test_unreachable_tsa_falls_back_to_b_b(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root_path = ready_for_signing(world, tmp_path)
    monkeypatch.setenv(signing.TSA_ENV, "http://127.0.0.1:9/tsr")  # nothing listens there
    signed = sign_as_team(world, all_pages_signed(world),
                                    timestamper=signing.configured_timestamper())
    assert not signed.timestamped
    report = verify_pdf(signed.pdf, [load_pem_x509_certificate(root_path.read_bytes())])
    assert report.bottom_line, report.reasons
    assert not any(s.timestamped for s in report.signatures)


def test_a_fingerprint_is_printed_beside_the_signature(world: World, tmp_path: Path) -> None:
    ready_for_signing(world, tmp_path)
    rendered = signing.prepare(world.store, world.statement.id)
    digests = signing.page_digests(rendered)
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), (120, 40, 40)).save(buffer, format="PNG")
    fingerprint = FingerprintImage(0, digests[0], buffer.getvalue(), "测试指纹仪")
    pages = [PageSignature(page, synthetic_signature(page, digest, seed=page),
                           fingerprint if page == 0 else None)
             for page, digest in enumerate(digests)]
    signed = sign_as_team(world,
                                    ReadBackSignatures(pages, handwritten(digests)))

    plain = render_png(pages[0].capture, dpi=signing.SIGNATURE_DPI)
    with Image.open(io.BytesIO(plain)) as alone:
        expected = with_fingerprint(alone, fingerprint.png).size
        without = alone.size
    listing = subprocess.run([poppler_tool("pdfimages"), "-list", "-"], input=signed.pdf,
                             capture_output=True, check=True).stdout.decode()
    sizes = {(int(f[3]), int(f[4])) for f in (line.split() for line in listing.splitlines()[2:])}
    assert expected in sizes  # page 1's box holds signature and fingerprint
    assert expected[0] > without[0] and expected[1] == without[1]


def test_each_officer_box_shows_the_signer_the_certificate_and_the_time(
    world: World, tmp_path: Path
) -> None:
    """The box printed for an interviewer or the recorder names the officer who signed, the
    serial of their own certificate and the minute of signing (issue 10 §2): the picture in
    each box is exactly the one those three lines make, and no other officer's."""
    ready_for_signing(world, tmp_path)
    rendered = signing.prepare(world.store, world.statement.id)
    sign_as_team(world, all_pages_signed(world))
    pdf = documents.signed_document(world.store.conn, world.statement.id)
    last = rendered.page_count
    subprocess.run([poppler_tool("pdfimages"), "-png", "-f", str(last), "-l", str(last), "-",
                    str(tmp_path / "box")], input=pdf, check=True)
    pictures = []
    for path in sorted(tmp_path.glob("box-*.png")):
        with Image.open(path) as image:
            if image.mode == "RGB":  # (the boxes' transparency comes as separate masks)
                pictures.append(image.convert("RGB"))
    when = world.store.clock().strftime("%Y-%m-%d %H:%M")

    def box(officer: Officer, box_name: str, minute: str = when) -> Image.Image:
        identity = signing_keys.active_identity(world.store.conn, signing_keys.OFFICER,
                                                officer.id)
        assert identity is not None
        serial = format(load_pem_x509_certificate(identity.cert_pem).serial_number, "X")
        _page, _x, _y, w, h = rendered.signature_boxes[box_name][0]
        return officer_stamp([officer.name, "证书 " + serial[:16], minute], w, h).convert("RGB")

    def printed(expected: Image.Image) -> int:
        return sum(p.size == expected.size and ImageChops.difference(p, expected).getbbox()
                   is None for p in pictures)

    assert printed(box(world.admin, "interviewer1")) == 1
    # The second officer is the second interviewer and the recorder: two boxes, alike.
    assert box(world.second, "interviewer2") == box(world.second, "recorder")
    assert printed(box(world.second, "recorder")) == 2
    # The comparison sees the details: another minute is another picture.
    assert printed(box(world.admin, "interviewer1", "2000-01-01 00:00")) == 0


def test_the_handwritten_declaration_is_signed_into_its_space(
    world: World, tmp_path: Path
) -> None:
    root_path = ready_for_signing(world, tmp_path)
    rendered = signing.prepare(world.store, world.statement.id)
    last = rendered.page_count - 1
    [(page, x, y, w, h)] = rendered.signature_boxes["declaration"]
    assert page == last
    signatures = all_pages_signed(world)
    signed = sign_as_team(world, signatures)
    assert interview.get(world.store, world.statement.id).state is StatementState.SEALED
    report = verify_pdf(signed.pdf, [load_pem_x509_certificate(root_path.read_bytes())])
    assert report.bottom_line, report.reasons
    names = [s.field_name for s in report.signatures]
    assert "Declaration" in names
    # signed right after the party's pages, before the officers
    assert names.index("Declaration") == names.index(f"Party{signed.pages}") + 1
    assert names.index("Declaration") < names.index("Interviewer1")
    lines = pdfsig_lines(signed.pdf, tmp_path)
    validations = [line.split(":", 1)[1].strip() for line in lines
                   if "Signature Validation:" in line]
    assert validations == ["Signature is Valid."] * len(report.signatures)
    assert any("Declaration" in line for line in lines)
    # The field lies over the ruled write space of the last page, with the strokes drawn.
    from pyhanko.pdf_utils.reader import PdfFileReader
    reader = PdfFileReader(io.BytesIO(signed.pdf))
    [field] = [f for f in reader.embedded_signatures if f.field_name == "Declaration"]
    rect = [float(v) for v in field.sig_field["/Rect"]]
    assert rect == [round(x), round(y), round(x + w), round(y + h)]
    assert field.sig_object["/Reason"] == "被询问人手写确认意见"
    assert signatures.declaration is not None
    declaration_png = render_png(signatures.declaration, dpi=signing.SIGNATURE_DPI)
    with Image.open(io.BytesIO(declaration_png)) as image:
        size = image.size
    listing = subprocess.run([poppler_tool("pdfimages"), "-list", "-f", str(last + 1), "-l",
                              str(last + 1), "-"], input=signed.pdf, capture_output=True,
                             check=True).stdout.decode()
    sizes = {(int(f[3]), int(f[4])) for f in (line.split() for line in listing.splitlines()[2:])}
    assert size in sizes


def test_a_missing_handwritten_declaration_is_refused(world: World, tmp_path: Path) -> None:
    ready_for_signing(world, tmp_path)
    digests = signing.page_digests(signing.prepare(world.store, world.statement.id))
    pages = [PageSignature(page, synthetic_signature(page, digest, seed=page))
             for page, digest in enumerate(digests)]
    with pytest.raises(UserError, match=r"^The interviewee has not written the declaration\.$"):
        sign_as_team(world, ReadBackSignatures(pages))
    stale = ReadBackSignatures(pages, replace(handwritten(digests), page_digest="ab" * 32))
    with pytest.raises(UserError, match="another version of the last page"):
        sign_as_team(world, stale)
    with pytest.raises(UserError, match="both typed and handwritten"):
        sign_as_team(world,
                               ReadBackSignatures(pages, handwritten(digests)),
                               declaration="以上笔录我看过，和我说的相符。")
    assert interview.get(world.store, world.statement.id).state is StatementState.READ_BACK


def test_a_typed_declaration_needs_no_handwriting(world: World, tmp_path: Path) -> None:
    root_path = ready_for_signing(world, tmp_path)
    typed = "以上笔录我看过，和我说的相符。"
    rendered = signing.prepare(world.store, world.statement.id, typed)
    assert "declaration" not in rendered.signature_boxes
    signatures = ReadBackSignatures(
        PageSignature(page, synthetic_signature(page, digest, seed=page))
        for page, digest in enumerate(signing.page_digests(rendered)))
    signed = sign_as_team(world, signatures,
                                    declaration=typed)
    report = verify_pdf(signed.pdf, [load_pem_x509_certificate(root_path.read_bytes())])
    assert report.bottom_line, report.reasons
    assert "Declaration" not in {s.field_name for s in report.signatures}


def test_the_pen_captures_are_kept_with_the_signed_statement(world: World,
                                                             tmp_path: Path) -> None:
    ready_for_signing(world, tmp_path)
    signatures = all_pages_signed(world)
    sign_as_team(world, signatures)
    kept = documents.capture_digests(world.store.conn, world.statement.id)
    expected = {("signature", s.page_index): capture_digest(
        s.capture, render_png(s.capture, dpi=signing.SIGNATURE_DPI))
        for s in signatures.signatures}
    declaration = signatures.declaration
    assert declaration is not None
    expected[("declaration", declaration.page_index)] = capture_digest(
        declaration, render_png(declaration, dpi=signing.SIGNATURE_DPI))
    assert kept == expected
    row = world.store.conn.execute(
        "SELECT record FROM signature_captures WHERE statement_id = ? AND purpose = 'signature'"
        " AND page_index = 0", (world.statement.id,)).fetchone()
    assert json.loads(bytes(row[0]))["page_digest"] == signatures.signatures[0].page_digest
    with pytest.raises(Exception, match="immutable"):
        world.store.conn.execute("DELETE FROM signature_captures")


def test_exporting_to_an_unwritable_place_is_a_message(world: World, tmp_path: Path) -> None:
    ready_for_signing(world, tmp_path)
    sign_as_team(world, all_pages_signed(world))
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"x")
    with pytest.raises(UserError, match="is not a folder"):
        signing.export_document(world.store, world.statement.id, blocker / "signed.pdf")


def test_a_typed_declaration_changed_after_the_party_signed_is_refused(
    world: World, tmp_path: Path
) -> None:
    """The dishonest officer: the party signs every page under declaration A, the officer
    signs with declaration B (same content digest, same QR codes). Refused; with A it seals,
    and the sealed PDF shows A above the party's signature."""
    ready_for_signing(world, tmp_path)
    read, read_aloud = readback.declaration_presets()
    shown = signing.prepare(world.store, world.statement.id, read)
    changed = signing.prepare(world.store, world.statement.id, read_aloud)
    assert changed.qr_payloads == shown.qr_payloads  # the content digest does not see it
    digests = signing.page_digests(shown)
    signed_under_read = ReadBackSignatures(
        PageSignature(page, synthetic_signature(page, digest, seed=page))
        for page, digest in enumerate(digests))
    last = len(digests)
    with pytest.raises(UserError, match=rf"^Page\(s\) {last} changed after they were signed; "
                                        "the last page carries the declaration"):
        sign_as_team(world, signed_under_read, declaration=read_aloud)
    assert interview.get(world.store, world.statement.id).state is StatementState.READ_BACK
    with pytest.raises(UserError, match="no signed document"):
        documents.signed_document(world.store.conn, world.statement.id)

    signed = sign_as_team(world, signed_under_read, declaration=read)
    text = subprocess.run([poppler_tool("pdftotext"), "-", "-"], input=signed.pdf,
                          capture_output=True, check=True).stdout.decode("utf-8")
    assert "".join(read.split()) in "".join(text.split())
