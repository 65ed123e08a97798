"""Signing and serving penalty documents: officers with their own keys, the party's receipt
or refusal, kept immutable and audited, checked by pyHanko and poppler's pdfsig.

Decisions are built as the engine's records (synthetic, tests/services/penalty_support.py);
the store, case, party, officers, keys and PDFs are real.
"""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.x509 import load_pem_x509_certificate

from desktop.documents.synthetic_signature import synthetic_signature
from desktop.domain.errors import UserError
from desktop.domain.model import SignatureRefusal
from desktop.domain.penalty import PenaltyDecision
from desktop.domain.penalty import PenaltyDocumentKind as Kind
from desktop.services import audit_trail, penalty, penalty_documents
from desktop.services.demo_pki import export_trust_root
from desktop.services.officer_signing import Credentials
from desktop.services.penalty_documents import DraftPenaltyDocument
from desktop.store import audit
from desktop.store import penalty_documents as repo
from tests.conftest import PASSWORD, World, provision_world_keys
from tests.poppler import poppler_tool
from tests.services import penalty_support as ps
from verification.pdf import verify_pdf

QUOTE = ps.quoting(ps.library())


@pytest.fixture(autouse=True)
def _unit_profile(request: pytest.FixtureRequest) -> None:
    """The unit's legal particulars set by its administrator, as before any document (in
    the tests that have a store)."""
    if "world" in request.fixturenames:
        ps.set_unit_profile(request.getfixturevalue("world").store)


def signable(_decision: PenaltyDecision) -> None:
    """Stands in for the decision service's rule, which these decisions (approved) pass."""


@pytest.fixture
def keyed(world: World, tmp_path: Path) -> Path:
    """Keys for both officers and the seal; the trust root exported (its path)."""
    provision_world_keys(world)
    return export_trust_root(world.store, tmp_path / "root")


def credentials(world: World, **overrides: str) -> Credentials:
    assert world.unit_keys is not None
    secrets = {**world.unit_keys.passwords, **overrides}
    return Credentials(secrets=secrets, custodian_id=world.admin.id, custodian_secret=PASSWORD)


def receipt_for(draft: DraftPenaltyDocument, seed: int = 7) -> object:
    page = draft.receipt_page
    return synthetic_signature(page, draft.page_bindings[page], seed=seed)


def sign(world: World, made: PenaltyDecision, kind: Kind, draft: DraftPenaltyDocument,
         receipt: object, **kwargs: object) -> repo.KeptPenaltyDocument:
    return penalty_documents.sign(
        world.store, made, kind, QUOTE, require_signable=kwargs.pop("require", signable),  # type: ignore[arg-type]
        credentials=kwargs.pop("creds", None) or credentials(world),  # type: ignore[arg-type]
        receipt=receipt, at=draft.at)  # type: ignore[arg-type]


def decision_of(world: World, **changes: object) -> PenaltyDecision:
    """The decision made of the support's records, kept through the decision service (signing
    a final document marks the stored decision decided)."""
    made = ps.decision(world.case.id, world.statement.id, world.admin.id, **changes)  # type: ignore[arg-type]
    assert made.facts and made.evaluation and made.standard and made.choice
    opened = penalty.open_decision(world.store, made.case_id, made.statement_id)
    penalty.record_proposal(world.store, opened.id, made.facts, made.evaluation, made.standard,
                            made.library)
    return penalty.record_choice(world.store, opened.id, made.choice)


def pdfsig(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "for-pdfsig.pdf"
    path.write_bytes(pdf)
    return subprocess.run([poppler_tool("pdfsig"), str(path)], capture_output=True, text=True,
                          check=False).stdout


def pdftext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "for-pdftotext.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([poppler_tool("pdftotext"), "-enc", "UTF-8", str(path), "-"],
                         capture_output=True, text=True, check=True).stdout
    return "".join(out.split())


def test_a_signed_decision_validates_is_kept_and_numbered(world: World, keyed: Path,
                                                          tmp_path: Path) -> None:
    made = decision_of(world)
    draft = penalty_documents.draft(world.store, made, Kind.DECISION, QUOTE)
    kept = sign(world, made, Kind.DECISION, draft, receipt_for(draft))
    assert kept.number == "示综执罚决字〔2026〕第1号" and kept.receipt == repo.SIGNED
    assert kept.pages == draft.page_count and kept.content_digest == \
        draft.content.content_digest
    pdf = penalty_documents.document_pdf(world.store, kept.id)
    assert pdf.startswith(draft.pdf[:9])  # a PDF; signed incrementally over the rendering
    root = load_pem_x509_certificate(keyed.read_bytes())
    report = verify_pdf(pdf, [root])
    assert report.bottom_line, report.reasons
    names = {s.field_name for s in report.signatures}
    assert {"Receipt", "Officer1", "Officer2", "Seal"} <= names
    assert report.complete is True
    output = pdfsig(pdf, tmp_path)
    assert output.count("Signature is Valid.") == len(report.signatures) == 5
    # A copy cut back to the certification alone names the signatures it lacks.
    ends = [i for i in range(len(pdf)) if pdf.startswith(b"%%EOF", i)]
    certified_only = pdf[:ends[1] + len(b"%%EOF\n")]
    cut = verify_pdf(certified_only, [root])
    assert not cut.bottom_line and cut.complete is False
    assert set(cut.missing_fields) == {"Receipt", "Officer1", "Officer2", "Seal"}
    assert "Enforcement officer 1" in " ".join(cut.reasons)
    # What the document says survived signing, with its number and the party's receipt.
    text = pdftext(pdf, tmp_path)
    assert "示综执罚决字〔2026〕第1号" in text and "罚款人民币100元" in text
    # Kept for good, listed for the decision, its pen capture kept behind it.
    assert [d.id for d in penalty_documents.documents(world.store, made.id)] == [kept.id]
    capture = repo.receipt_capture(world.store.conn, kept.id)
    assert capture is not None and capture.png.startswith(b"\x89PNG")
    with pytest.raises(Exception, match="immutable"):
        world.store.conn.execute("UPDATE penalty_documents SET number = 'X'")
    with pytest.raises(Exception, match="immutable"):
        world.store.conn.execute("DELETE FROM penalty_documents")
    # Audited: the document's leaf, and every signature with who authenticated.
    actions = [e.action for e in audit.events_about(world.store.conn, kept.id)]
    assert actions[:4] == ["penalty_document.signed", *["document.signature"] * 3]
    # The next document of the kind gets the next number; a signed one is not signed twice.
    assert penalty_documents.draft(world.store, made, Kind.DECISION, QUOTE).number == \
        "示综执罚决字〔2026〕第2号"
    with pytest.raises(UserError, match="already signed"):
        sign(world, made, Kind.DECISION, draft, receipt_for(draft))
    # Exported as it is kept, never over an existing file.
    out = penalty_documents.export(world.store, kept.id, tmp_path / "decision.pdf")
    assert out.read_bytes() == pdf
    with pytest.raises(UserError):
        penalty_documents.export(world.store, kept.id, tmp_path / "decision.pdf")
    assert audit_trail.verify(world.store).ok


def test_a_wrong_password_refuses_and_keeps_nothing(world: World, keyed: Path) -> None:
    made = decision_of(world)
    draft = penalty_documents.draft(world.store, made, Kind.PRIOR_NOTICE, QUOTE)
    wrong = credentials(world, **{world.second.id: "not the password"})
    with pytest.raises(UserError) as refused:
        sign(world, made, Kind.PRIOR_NOTICE, draft, receipt_for(draft), creds=wrong)
    assert getattr(refused.value, "slot", None) == world.second.id
    assert wrong.secrets == {}  # forgotten even when refused
    assert penalty_documents.documents(world.store, made.id) == []
    assert world.store.conn.execute("SELECT count(*) FROM penalty_documents").fetchone()[0] == 0
    # No number was used up.
    assert penalty_documents.draft(world.store, made, Kind.PRIOR_NOTICE, QUOTE).number == \
        draft.number


def test_a_decision_the_review_rule_refuses_cannot_be_signed(world: World,
                                                             keyed: Path) -> None:
    made = decision_of(world)
    draft = penalty_documents.draft(world.store, made, Kind.DECISION, QUOTE)
    seen: list[str] = []

    def needs_review(decision: PenaltyDecision) -> None:
        seen.append(decision.id)
        raise UserError("This decision needs legal review before it is signed.")

    with pytest.raises(UserError, match="needs legal review"):
        sign(world, made, Kind.DECISION, draft, receipt_for(draft), require=needs_review)
    assert seen == [made.id]
    assert penalty_documents.documents(world.store, made.id) == []


def test_a_receipt_signed_on_another_version_is_refused(world: World, keyed: Path) -> None:
    made = decision_of(world)
    draft = penalty_documents.draft(world.store, made, Kind.DECISION, QUOTE)
    stale = synthetic_signature(draft.receipt_page, "ab" * 32, seed=3)
    with pytest.raises(UserError, match="another version"):
        sign(world, made, Kind.DECISION, draft, stale)
    first_page = synthetic_signature(0, draft.page_bindings[0], seed=3)
    if draft.page_count > 1:
        with pytest.raises(UserError, match="another version"):
            sign(world, made, Kind.DECISION, draft, first_page)
    assert penalty_documents.documents(world.store, made.id) == []


def test_a_refusal_with_a_witness_is_printed_and_kept(world: World, keyed: Path,
                                                      tmp_path: Path) -> None:
    made = decision_of(world, evaluated=ps.on_the_spot())
    refusal = SignatureRefusal(reason="当事人称不认可处罚，拒绝签字", witness_name="测试见证人乙",
                               recorded_at=world.store.clock(),
                               witness_id_number="110101198001010014")
    draft = penalty_documents.draft(world.store, made, Kind.ON_THE_SPOT, QUOTE,
                                    refusal=refusal)
    assert "receipt" not in draft.rendered.boxes  # no box to sign in: the refusal is there
    kept = sign(world, made, Kind.ON_THE_SPOT, draft, refusal)
    assert kept.receipt == repo.REFUSED and kept.refusal is not None
    assert kept.refusal.witness_name == "测试见证人乙"
    assert kept.refusal.reason == "当事人称不认可处罚，拒绝签字"
    assert repo.receipt_capture(world.store.conn, kept.id) is None
    pdf = penalty_documents.document_pdf(world.store, kept.id)
    text = pdftext(pdf, tmp_path)
    assert "受送达人拒绝签收。理由：当事人称不认可处罚，拒绝签字。见证人：测试见证人乙" in text
    assert "拒绝签收的情况在此注明" in text  # art. 52: noted on the decision
    report = verify_pdf(pdf, [load_pem_x509_certificate(keyed.read_bytes())])
    assert report.bottom_line, report.reasons
    assert "Receipt" not in {s.field_name for s in report.signatures}
    assert pdfsig(pdf, tmp_path).count("Signature is Valid.") == len(report.signatures) == 4


def test_a_refusal_needs_a_witness(world: World, keyed: Path) -> None:
    made = decision_of(world)
    draft = penalty_documents.draft(world.store, made, Kind.PRIOR_NOTICE, QUOTE)
    refusal = SignatureRefusal(reason="拒绝签字", witness_name=" ",
                               recorded_at=world.store.clock())
    with pytest.raises(UserError, match="witness"):
        sign(world, made, Kind.PRIOR_NOTICE, draft, refusal)
    assert penalty_documents.documents(world.store, made.id) == []


def test_the_decision_names_the_prior_notice_served(world: World, keyed: Path,
                                                    tmp_path: Path) -> None:
    made = decision_of(world, evaluated=ps.hearing())
    notice = penalty_documents.draft(world.store, made, Kind.PRIOR_NOTICE, QUOTE)
    kept = sign(world, made, Kind.PRIOR_NOTICE, notice, receipt_for(notice))
    decision = penalty_documents.draft(world.store, made, Kind.DECISION, QUOTE)
    text = pdftext(decision.pdf, tmp_path)
    assert (f"本机关已于2026年11月27日向当事人送达《行政处罚事先告知书》（{kept.number}）"
            in text)
    assert "陈述、申辩、要求听证等权利" in text
    signed = sign(world, made, Kind.DECISION, decision, receipt_for(decision))
    assert [d.kind for d in penalty_documents.documents(world.store, made.id)] == [
        Kind.PRIOR_NOTICE, Kind.DECISION]
    assert signed.number == "示综执罚决字〔2026〕第1号"


def test_a_document_prepared_another_day_must_be_prepared_again(world: World,
                                                                keyed: Path) -> None:
    made = decision_of(world)
    yesterday = datetime(2026, 11, 26, 16, 0, tzinfo=world.store.clock().tzinfo)
    draft = penalty_documents.draft(world.store, made, Kind.DECISION, QUOTE, at=yesterday)
    with pytest.raises(UserError, match="another day"):
        sign(world, made, Kind.DECISION, draft, receipt_for(draft))


def test_a_stored_document_altered_behind_the_program_is_detected(world: World,
                                                                  keyed: Path) -> None:
    made = decision_of(world)
    draft = penalty_documents.draft(world.store, made, Kind.DECISION, QUOTE)
    kept = sign(world, made, Kind.DECISION, draft, receipt_for(draft))
    assert audit_trail.verify(world.store).ok
    conn = world.store.conn
    conn.execute("DROP TRIGGER penalty_documents_no_update")
    conn.execute("UPDATE penalty_documents SET pdf = CAST('not the decision' AS BLOB)"
                 " WHERE id = ?", (kept.id,))
    with pytest.raises(UserError, match="has been altered"):
        penalty_documents.document_pdf(world.store, kept.id)
    report = audit_trail.verify(world.store)
    assert not report.ok
    problems = " ".join(p.message for p in report.problems)
    assert f"penalty_documents {kept.id}" in problems and "does not match" in problems


def test_the_verify_command_finds_the_exported_document_in_the_store(
        world: World, keyed: Path, tmp_path: Path) -> None:
    from tests.cli.helpers import last_json, run_cli

    made = decision_of(world)
    draft = penalty_documents.draft(world.store, made, Kind.DECISION, QUOTE)
    kept = sign(world, made, Kind.DECISION, draft, receipt_for(draft))
    exported = penalty_documents.export(world.store, kept.id, tmp_path / "decision.pdf")
    world.store.close()
    login = {"STATEMENT_ROOM_OFFICER": world.admin.certificate_no,
             "STATEMENT_ROOM_PASSWORD": PASSWORD}
    run = run_cli("verify", str(exported), "--trust", str(keyed), "--workdir",
                  str(world.paths.workdir), "--json", env=login)
    assert run.returncode == 0, run.stderr
    result = last_json(run.stdout)
    assert result["bottom_line"] is True and result["complete"] is True
    assert result["record"]["penalty_document"] == kept.id and result["record"]["exact"]
    words = run_cli("verify", str(exported), "--trust", str(keyed), "--workdir",
                    str(world.paths.workdir), env=login)
    assert f"this is the penalty document {kept.id} kept in this store" in words.stdout
