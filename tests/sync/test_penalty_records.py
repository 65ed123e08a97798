"""The penalty records' wire format (sync/protocol/penalty.py, decision 53): each parses back
to itself, refuses an unknown version or field, a decision whose evaluation and choice are
not those its digest states or whose deviation has no reason, a decision's party of an unknown
kind or with a unified social credit code that fails its check, a document of an unknown kind;
a review's signature holds with its certificate (ECDSA and RSA) and fails when anything it
covers changes; and the bytes a reviewer signs are the desktop's own."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from desktop.domain.penalty import ReviewVerdict
from desktop.services.penalty import key_fingerprint, review_record
from sync.protocol.penalty import (
    DatasetSnapshot,
    LegalReviewRecord,
    PenaltyDecisionRecord,
    PenaltyDocumentRecord,
    UnitParticulars,
    key_sha256,
    reviewed_sha256,
)
from sync.protocol.wire import UnsupportedVersion

EVALUATION: dict[str, Any] = {"matter_code": "A-001", "matter_name": "机动车人行道违法停放（合成）",
                              "proposed_range": [50, 100], "steps": []}
CHOICE: dict[str, Any] = {"waived": False, "amount": 80, "penalties": ["罚款"],
                          "deviation": None, "steps": []}


def decision(**changes: Any) -> PenaltyDecisionRecord:
    evaluation = changes.pop("evaluation", EVALUATION)
    choice = changes.pop("choice", CHOICE)
    values: dict[str, Any] = dict(
        id="0190aaaa-0000-7000-8000-000000000001", case="0190aaaa-0000-7000-8000-00000000000c",
        statement=None, standard=DatasetSnapshot("discretion", 3, "a" * 64, "示例标准 2026"),
        library=None, evaluation=evaluation, choice=choice,
        reviewed_sha256=reviewed_sha256(evaluation, choice), party=None,
        drafted_by="officer-1",
        decided_by="officer-2", decided_at="2026-12-03T09:00:00+08:00")
    values.update(changes)
    return PenaltyDecisionRecord(**values)


def test_a_decision_parses_back_to_itself_and_states_its_penalty() -> None:
    made = decision()
    assert PenaltyDecisionRecord.from_bytes(made.canonical_bytes()) == made
    assert (made.matter_code, made.amount, made.deviation_kind, made.penalties) == (
        "A-001", 80, None, ("罚款",))


def test_a_decision_not_matching_its_digest_or_without_a_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="do not match the digest"):
        decision(reviewed_sha256="b" * 64)
    raised = dict(CHOICE, amount=180, deviation={"kind": "heavier", "reason": "  "})
    with pytest.raises(ValueError, match="no written reason"):
        decision(choice=raised)
    explained = dict(raised, deviation={"kind": "heavier", "reason": "多次违法，拒不改正"})
    assert decision(choice=explained).deviation_reason == "多次违法，拒不改正"
    with pytest.raises(ValueError, match="whole number of yuan"):
        decision(choice=dict(CHOICE, amount=-5))
    value = decision().to_json()
    with pytest.raises(UnsupportedVersion):
        PenaltyDecisionRecord.from_json(value | {"v": 2})
    with pytest.raises(ValueError, match="extra"):
        PenaltyDecisionRecord.from_json(value | {"party_name": "张三"})


UNIT = UnitParticulars(version=2, name="示例建材有限公司（合成）",
                       credit_code="91110101TE00000019", representative="王示例",
                       representative_title="legal_representative",
                       address="示例市示例区示例路1号（合成）", phone="")


def test_a_decisions_party_parses_back_a_unit_with_its_particulars_or_the_person() -> None:
    person = decision()
    assert person.to_json()["party"] == {"kind": "person"}
    assert PenaltyDecisionRecord.from_bytes(person.canonical_bytes()).party is None
    unit = decision(party=UNIT)
    assert unit.to_json()["party"] == {
        "kind": "unit", "version": 2, "name": UNIT.name, "credit_code": "91110101TE00000019",
        "representative": "王示例", "representative_title": "legal_representative",
        "address": UNIT.address, "phone": ""}
    back = PenaltyDecisionRecord.from_bytes(unit.canonical_bytes())
    assert back == unit and back.party == UNIT
    assert back.canonical_bytes() == unit.canonical_bytes()


def test_a_party_of_an_unknown_kind_or_with_a_wrong_credit_code_is_refused() -> None:
    value = decision(party=UNIT).to_json()
    unit = value["party"]

    def parsed(party: object) -> PenaltyDecisionRecord:
        return PenaltyDecisionRecord.from_json(value | {"party": party})

    with pytest.raises(ValueError, match=r"party\.kind 'company' is not a party kind"):
        parsed(unit | {"kind": "company"})
    with pytest.raises(ValueError, match=r"party\.kind None is not a party kind"):
        parsed({"name": UNIT.name})
    with pytest.raises(ValueError, match="party must be a JSON object"):
        parsed("person")
    # the check character: the last character changed, then two characters swapped
    with pytest.raises(ValueError, match=r"'91110101TE00000018' is not a unified social "
                                         r"credit code: it does not match its check character"):
        parsed(unit | {"credit_code": "91110101TE00000018"})
    with pytest.raises(ValueError, match="check character"):
        parsed(unit | {"credit_code": "91110101ET00000019"})
    with pytest.raises(ValueError, match="does not have 18 characters"):
        parsed(unit | {"credit_code": "9111010100000019"})
    with pytest.raises(ValueError, match="character other than a digit"):
        parsed(unit | {"credit_code": "91110101te00000019"})  # kept upper case, sent so
    with pytest.raises(ValueError, match="administrative division"):
        parsed(unit | {"credit_code": "911A0101TE0000001X"})
    with pytest.raises(ValueError, match="representative_title"):
        parsed(unit | {"representative_title": "法定代表人"})
    with pytest.raises(ValueError, match=r"party\.address is empty"):
        parsed(unit | {"address": " "})
    with pytest.raises(ValueError, match=r"party\.version must be an integer"):
        parsed(unit | {"version": 0})
    with pytest.raises(ValueError, match="fields wrong"):  # a person carries no particulars
        parsed({"kind": "person", "name": "张三"})
    with pytest.raises(ValueError, match="fields wrong"):
        parsed({k: v for k, v in unit.items() if k != "phone"})
    without = {k: v for k, v in value.items() if k != "party"}
    with pytest.raises(ValueError, match=r"missing \['party'\]"):
        PenaltyDecisionRecord.from_json(without)
    assert parsed(unit).party == UNIT


def _certificate(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "测试审核员")])
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(7).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=365)).sign(key, hashes.SHA256()))


def _signed_review(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> LegalReviewRecord:
    certificate = _certificate(key)
    at = dt.datetime(2026, 12, 1, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    review = LegalReviewRecord(
        id="r-1", decision="d-1", case="c-1", reviewer="officer-3", verdict="approved",
        comments="事实清楚，依据正确，同意。", at=at.isoformat(), reviewed_sha256="c" * 64,
        key_sha256=key_sha256(certificate), signature="",
        certificate=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"))
    # the desktop's own bytes (desktop.services.penalty.review_record)
    signed = review_record("r-1", "d-1", "c" * 64, ReviewVerdict.APPROVED, review.comments, at,
                           "officer-3", key_fingerprint(certificate))
    assert signed == review.signed_bytes()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(signed, ec.ECDSA(hashes.SHA256()))
    else:
        signature = key.sign(signed, padding.PKCS1v15(), hashes.SHA256())
    return dataclasses.replace(review, signature=signature.hex())


@pytest.mark.parametrize("key", [ec.generate_private_key(ec.SECP256R1()),
                                 rsa.generate_private_key(65537, 2048)],
                         ids=["ecdsa", "rsa"])
def test_a_review_signature_holds_and_fails_when_anything_it_covers_changes(
        key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> None:
    review = _signed_review(key)
    assert LegalReviewRecord.from_bytes(review.canonical_bytes()) == review
    assert review.signature_problem() is None
    changes: list[dict[str, Any]] = [
        {"comments": "同意。"}, {"verdict": "returned"}, {"decision": "d-2"},
        {"reviewed_sha256": "d" * 64}, {"at": "2026-12-01T10:31:00+08:00"}]
    for change in changes:
        assert "altered" in (dataclasses.replace(review, **change).signature_problem() or "")
    other = _certificate(ec.generate_private_key(ec.SECP256R1()))
    swapped = dataclasses.replace(review, certificate=other.public_bytes(
        serialization.Encoding.PEM).decode("ascii"))
    assert "another key" in (swapped.signature_problem() or "")
    assert "cannot be read" in (dataclasses.replace(review, signature="zz")
                                .signature_problem() or "")
    with pytest.raises(ValueError, match="verdict"):
        dataclasses.replace(review, verdict="maybe")


def test_a_document_parses_back_and_refuses_an_unknown_kind() -> None:
    document = PenaltyDocumentRecord(
        id="doc-1", decision="d-1", case="c-1", kind="decision", number="示例综执罚决〔2026〕1号",
        sha256="e" * 64, size=123456, pages=2, content_digest="f" * 64,
        served_at="2026-12-03T09:00:00+08:00", receipt="refused", rights_waived=False,
        signed_by="officer-2")
    assert PenaltyDocumentRecord.from_bytes(document.canonical_bytes()) == document
    with pytest.raises(ValueError, match="not a penalty document kind"):
        dataclasses.replace(document, kind="statement")
    with pytest.raises(ValueError, match="receipt"):
        dataclasses.replace(document, receipt="lost")
