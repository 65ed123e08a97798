"""The content version of a statement (decision 28) on a real store: a statement signed now is
fixed at version 2, whose digest (printed in the PDF's subject and QR codes, announced in the
outbox, recomputed by HQ) covers the form the PDF prints; a statement signed as the program
before version 2 did keeps version 1, and its printed digest, the outbox's announcement, the
PDF's signatures, its court package and HQ all still agree on it."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from desktop.documents.page_signatures import ReadBackSignatures
from desktop.domain.errors import UserError
from desktop.domain.model import SignatureRefusal, StatementForm, StatementState
from desktop.services import audit_trail, export, interview, signing
from desktop.services.sync import payload_bytes
from desktop.store import audit, documents, outbox, statements
from hq.receiver import Refused
from sync.protocol.canonical import canonical_json
from sync.protocol.records import RecordKind
from sync.protocol.signing import sign
from sync.protocol.statement import StatementContent
from tests.cli.helpers import last_json, run_cli
from tests.conftest import World, sign_as_team
from tests.documents.test_package import extract, run_verifier
from tests.hq.test_receiver import receiver
from tests.services.test_signing import all_pages_signed, ready_for_signing

FORM = StatementForm(sequence=2, interpreter="李译员（合成）", interpreter_language="英语",
                     guardian="王监护（合成）", guardian_relation="父亲")


def printed_digest(pdf: bytes, statement_id: str) -> str:
    """The content digest the signed PDF prints in its subject, `SR1:<id>:<digest>`."""
    info = PdfFileReader(io.BytesIO(pdf)).trailer_view["/Info"]
    prefix, printed_id, digest = str(info["/Subject"]).split(":")
    assert (prefix, printed_id) == ("SR1", statement_id)
    return digest


def sealed_with_form(world: World, tmp_path: Path) -> bytes:
    """The world's statement with every form field filled in, read back, signed and sealed;
    returns the signed PDF."""
    interview.set_form(world.store, world.statement.id, FORM)
    ready_for_signing(world, tmp_path / "pki")
    sign_as_team(world, all_pages_signed(world))
    return documents.signed_document(world.store.conn, world.statement.id)


def announced(world: World) -> outbox.Queued:
    (row,) = [r for r in outbox.all_entries(world.store.conn)
              if r.kind is RecordKind.STATEMENT and r.entity_id == world.statement.id]
    return row


def test_a_statement_signed_now_is_v2_and_its_digest_covers_the_form(
        world: World, tmp_path: Path) -> None:
    pdf = sealed_with_form(world, tmp_path)
    conn = world.store.conn
    statement = statements.get_statement(conn, world.statement.id)
    assert statement.state is StatementState.SEALED and statement.content_version == 2
    content = statements.statement_content(statement)
    body = json.loads(content.canonical_bytes())
    assert body["v"] == 2
    assert (body["sequence"], body["interpreter"], body["interpreter_language"],
            body["guardian"], body["guardian_relation"], body["refusal"]) == (
        2, "李译员（合成）", "英语", "王监护（合成）", "父亲", None)
    # One digest everywhere: printed, announced, and what the sync sends.
    assert printed_digest(pdf, statement.id) == content.digest() == announced(world).sha256
    sent = payload_bytes(conn, world.store.store_id, RecordKind.STATEMENT, statement.id)
    assert hashlib.sha256(sent).hexdigest() == content.digest()
    # Each printed form field is in the digest: another value, another digest.
    others = [replace(FORM, sequence=3), replace(FORM, interpreter="赵译员（合成）"),
              replace(FORM, interpreter_language="手语"), replace(FORM, guardian="孙监护（合成）"),
              replace(FORM, guardian_relation="母亲"), replace(FORM, interpreter="",
                                                             interpreter_language="")]
    digests = {statements.content_digest(replace(statement, form=form)) for form in others}
    assert len(digests) == len(others) and content.digest() not in digests
    # The version is frozen with the rest of the signed row, and audited with it.
    with pytest.raises(UserError), world.store.transaction() as tx:
        tx.conn.execute("UPDATE statements SET content_version = NULL WHERE id = ?",
                        (statement.id,))
    report, status = audit_trail.check(world.store)
    assert status is audit_trail.Status.INTACT, report.problems


def test_a_refusal_to_sign_is_in_the_v2_digest(world: World, tmp_path: Path) -> None:
    ready_for_signing(world, tmp_path / "pki")
    refusal = SignatureRefusal(reason="当事人称不认可笔录（合成）", witness_name="见证人丁（合成）",
                               witness_id_number="110101199001011234",
                               recorded_at=world.store.clock())
    refused = ReadBackSignatures()
    refused.record_refusal(refusal)
    sign_as_team(world, refused)
    conn = world.store.conn
    statement = statements.get_statement(conn, world.statement.id)
    content = statements.statement_content(statement)
    assert content.refusal is not None
    assert (content.refusal.reason, content.refusal.witness) == (refusal.reason,
                                                                 refusal.witness_name)
    assert "110101199001011234" not in content.canonical_bytes().decode()  # not printed
    pdf = documents.signed_document(conn, statement.id)
    assert printed_digest(pdf, statement.id) == content.digest() == announced(world).sha256
    other = replace(refusal, reason="另一理由（合成）")
    assert statements.content_digest(replace(statement, refusal=other)) != content.digest()


@pytest.fixture
def signed_as_before(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """A statement signed and sealed exactly as the program before content version 2 did
    (it printed and announced version-1 digests), then the program as it is now."""
    with monkeypatch.context() as patch:
        patch.setattr(statements, "SIGNING_CONTENT_VERSION", 1)
        pdf = sealed_with_form(world, tmp_path)
    assert statements.SIGNING_CONTENT_VERSION == 2
    return pdf


def test_a_statement_signed_before_keeps_v1_and_its_printed_digest(
        world: World, signed_as_before: bytes) -> None:
    conn = world.store.conn
    (stored,) = conn.execute("SELECT content_version FROM statements WHERE id = ?",
                             (world.statement.id,)).fetchone()
    assert stored is None  # as every statement signed before migration 0015
    statement = statements.get_statement(conn, world.statement.id)
    assert statement.content_version == 1 and statement.form.interpreter == FORM.interpreter
    content = statements.statement_content(statement)
    assert b'"v"' not in content.canonical_bytes()
    assert b"interpreter" not in content.canonical_bytes()
    assert printed_digest(signed_as_before, statement.id) == content.digest()
    assert announced(world).sha256 == content.digest()
    sent = payload_bytes(conn, world.store.store_id, RecordKind.STATEMENT, statement.id)
    assert sent == content.canonical_bytes()
    report, status = audit_trail.check(world.store)
    assert status is audit_trail.Status.INTACT, report.problems


def test_a_v1_statement_verifies_in_the_cli_and_its_court_package(
        world: World, signed_as_before: bytes, tmp_path: Path) -> None:
    pdf_path = tmp_path / "v1.pdf"
    signing.export_document(world.store, world.statement.id, pdf_path)
    root = tmp_path / "root.pem"
    assert world.unit_keys is not None
    root.write_bytes(world.unit_keys.root_pem)
    verified = run_cli("verify", str(pdf_path), "--trust", str(root), "--json")
    assert verified.returncode == 0, verified.stderr
    assert last_json(verified.stdout)["bottom_line"] is True
    package = tmp_path / "out" / "package.zip"
    package.parent.mkdir()
    export.export_package(world.store, world.statement.id, package)
    folder = extract(package.read_bytes(), tmp_path / "package")
    checked = run_verifier(folder, "--root", str(root))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_hq_accepts_v1_and_v2_and_refuses_v3_and_an_altered_interpreter(
        world: World, signed_as_before: bytes, tmp_path: Path) -> None:
    conn = world.store.conn
    device_key = audit.device_private_key(conn)
    hq = receiver(tmp_path / "hq")
    device = hq.enrol(device_key.public_key())
    row = announced(world)
    v1 = payload_bytes(conn, world.store.store_id, RecordKind.STATEMENT, row.entity_id)
    got = hq.accept(sign(row.entry(device), device_key), v1)
    assert got.verify(hq.public_key) and got.body.sha256 == row.sha256

    # A v2 statement of the same store, sealed now.
    v2_content = replace(statements.statement_content(
        statements.get_statement(conn, world.statement.id)), version=2,
        id="0192a000-0000-7000-8000-0000000000c2", interpreter="李译员（合成）")
    v2 = v2_content.canonical_bytes()
    second = replace(row.entry(device), op_id="op-v2", device_seq=row.device_seq + 100,
                     entity_id=v2_content.id, sha256=hashlib.sha256(v2).hexdigest(),
                     size=len(v2))
    assert hq.accept(sign(second, device_key), v2).verify(hq.public_key)

    # The content record with its interpreter changed no longer matches what was announced.
    altered = replace(v2_content, interpreter="冒名译员（合成）").canonical_bytes()
    third = replace(second, op_id="op-alt", device_seq=second.device_seq + 1,
                    entity_id="0192a000-0000-7000-8000-0000000000c3")
    with pytest.raises(Refused, match="do not match the announced SHA-256"):
        hq.accept(sign(third, device_key), altered)

    # A version HQ does not know is refused, even announced with its own SHA-256.
    v3 = canonical_json(json.loads(v2) | {"v": 3, "id": third.entity_id})
    fourth = replace(third, op_id="op-v3", sha256=hashlib.sha256(v3).hexdigest(),
                     size=len(v3))
    with pytest.raises(Refused, match="version 3 is not supported"):
        hq.accept(sign(fourth, device_key), v3)
    assert StatementContent.from_bytes(v2) == v2_content
