"""A unit as the party of a case, from the naming to the signed 行政处罚决定书 (decision 54).

Through the program's own wiring: the starter standard and the shipped law library accepted
from HQ, a unit named on the case, the facts evaluated for a unit (the standard's unit range
applies), the prior notice and the decision signed by the officers and sealed. The signed
PDF validates in pyHanko and poppler's pdfsig, and what pdftotext reads off it names the
unit's particulars, not the interviewee's home address or workplace. Store, keys, engine,
PDFs: all real.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from cryptography.x509 import load_pem_x509_certificate

from desktop.domain.errors import UserError
from desktop.domain.model import RepresentativeTitle, UnitParty
from desktop.domain.penalty import DecisionState
from desktop.domain.penalty import PenaltyDocumentKind as Kind
from desktop.services import case_party, penalty, penalty_documents
from desktop.services.demo_pki import export_trust_root
from legal.discretion.evaluation import Facts
from legal.discretion.model import PartyType
from tests.conftest import FakeClock, World
from tests.legal.laws import shipped_library
from tests.poppler import poppler_tool
from tests.services.penalty_decision_support import add_reviewer, provision_keys
from tests.services.penalty_support import set_unit_profile
from tests.services.test_penalty_document_flow import publish, serve
from verification.pdf import verify_pdf

DOGS = "示例-QY-001"  # 在重点管理区内养犬未按规定办理养犬登记: individuals 200-800, units 1000-1600
MINOR = "c-8f602035ee"
UNIT = UnitParty(name="测试宠物服务有限公司", credit_code="91110101TE00000019",
                 representative="测试法人乙",
                 representative_title=RepresentativeTitle.LEGAL_REPRESENTATIVE,
                 address="北京市东城区测试大街1号", phone="010-00000001")


@pytest.fixture
def case(world: World, clock: FakeClock) -> World:
    """The datasets held, everyone's keys, a legal reviewer, the unit's particulars set."""
    publish(world, 1000, shipped_library())
    set_unit_profile(world.store)
    provision_keys(world, add_reviewer(world))
    return world


def facts(party_type: PartyType) -> Facts:
    return Facts(DOGS, party_type, frozenset({MINOR}), violation_date="2026-11-20",
                 discovered_date="2026-11-20")


def chosen(world: World, party_type: PartyType) -> str:
    decision = penalty.open_decision(world.store, world.case.id, world.statement.id)
    proposed = penalty.propose(world.store, decision.id, facts(party_type)).evaluation
    assert proposed is not None
    penalty.choose(world.store, decision.id, waive=False, amount=proposed.proposed_amount,
                   deviation=None)
    return decision.id


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "decision.pdf"
    path.write_bytes(pdf)
    return re.sub(r"\s+", "", subprocess.run(
        [poppler_tool("pdftotext"), "-enc", "UTF-8", str(path), "-"], capture_output=True,
        text=True, check=True).stdout)


def test_a_signed_decision_names_the_unit_and_not_the_interviewee(
        case: World, tmp_path: Path) -> None:
    case_party.set_unit(case.store, case.case.id, UNIT)
    decision_id = chosen(case, PartyType.UNIT)
    proposed = penalty.get(case.store, decision_id).evaluation
    assert proposed is not None and proposed.proposed_amount is not None
    assert 1000 <= proposed.proposed_amount <= 1600  # the unit's range, not 200-800
    serve(case, decision_id, Kind.PRIOR_NOTICE, waived=True)
    decided = serve(case, decision_id, Kind.DECISION)
    assert penalty.get(case.store, decision_id).state is DecisionState.DECIDED

    pdf = penalty_documents.document_pdf(case.store, decided.id)
    root = load_pem_x509_certificate(export_trust_root(case.store, tmp_path).read_bytes())
    report = verify_pdf(pdf, [root])
    assert report.bottom_line, report.reasons
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    pdfsig = subprocess.run([poppler_tool("pdfsig"), str(path)], capture_output=True,
                            text=True, check=False).stdout
    assert pdfsig.count("Signature is Valid.") == len(report.signatures) >= 3

    text = pdf_text(pdf, tmp_path)
    assert "行政处罚决定书" in text
    assert "当事人：测试宠物服务有限公司" in text
    assert "统一社会信用代码：91110101TE00000019" in text
    assert "法定代表人：测试法人乙" in text
    assert "住所：北京市东城区测试大街1号" in text and "联系电话：010-00000001" in text
    assert "当事人测试宠物服务有限公司在测试路口" in text  # the facts name the unit
    # The interviewee answered for the unit: their identity, home and workplace are not the
    # party's and are not printed as its particulars.
    assert case.party.address not in text and case.party.workplace not in text
    assert case.party.id_number not in text and "住址" not in text
    assert f"罚款人民币{proposed.proposed_amount}元" in text
    # Once decided, the party is what the decision names: no longer changed.
    with pytest.raises(UserError, match="can no longer be changed"):
        case_party.set_person(case.store, case.case.id, "误录")


def test_the_decision_s_party_type_follows_the_case(case: World) -> None:
    # The case's party is the person: an evaluation for a unit is refused, and nothing kept.
    decision = penalty.open_decision(case.store, case.case.id, case.statement.id)
    with pytest.raises(UserError, match="first name the unit"):
        penalty.propose(case.store, decision.id, facts(PartyType.UNIT))
    assert penalty.get(case.store, decision.id).evaluation is None
    # Named a unit, the case refuses an evaluation for an individual.
    case_party.set_unit(case.store, case.case.id, UNIT)
    with pytest.raises(UserError, match="evaluate the facts for a unit"):
        penalty.propose(case.store, decision.id, facts(PartyType.INDIVIDUAL))
    assert penalty.propose(case.store, decision.id, facts(PartyType.UNIT)).evaluation


def test_documents_refuse_a_party_type_the_case_no_longer_has(case: World) -> None:
    """A decision evaluated for the person, then the case names a unit (or the other way
    round): its documents wait for a new evaluation instead of naming the wrong party."""
    decision_id = chosen(case, PartyType.INDIVIDUAL)
    case_party.set_unit(case.store, case.case.id, UNIT)
    with pytest.raises(UserError, match="evaluate the facts again for a unit"):
        penalty_documents.draft_for(case.store, decision_id, Kind.PRIOR_NOTICE)
    unit_decision = chosen(case, PartyType.UNIT)
    drafted = penalty_documents.draft_for(case.store, unit_decision, Kind.PRIOR_NOTICE)
    assert drafted.page_count >= 1
    case_party.set_person(case.store, case.case.id, "经核实当事人系个人")
    with pytest.raises(UserError, match="names no unit"):
        penalty_documents.draft_for(case.store, unit_decision, Kind.PRIOR_NOTICE)
