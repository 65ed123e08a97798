"""A penalty case reaches HQ (issue 17, decision 53), over real loopback HTTP to a real HQ
process, on both lanes: a complex case decided on a real store (the engine's proposal, the
prior notice served, a legal reviewer's signed approval, the decision signed and served), one
real sync round, and HQ holds the decision, the review, both documents and their signed PDFs
byte for byte, and the room's catalog lists them. A case whose party is a unit reaches the
case page with the unit's particulars as named when it was decided. A forged decision or
review (its digest or its signature not holding, its party of an unknown kind or with a
credit code that fails its check) sent by an enrolled device is refused with words that say
why, and nothing of it is kept."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.documents import unit_ca
from desktop.domain.model import RepresentativeTitle, StatementState, UnitParty
from desktop.domain.penalty import DecisionState
from desktop.domain.penalty import PenaltyDocumentKind as Kind
from desktop.services import ca_root, case_party, keys, penalty, penalty_documents, sync_round
from desktop.store import outbox, penalty_backfill, penalty_records, statements
from desktop.store import penalty_documents as kept_documents
from legal.discretion.evaluation import Deviation, DeviationKind
from legal.discretion.model import PartyType
from sync.protocol.penalty import LegalReviewRecord, PenaltyDecisionRecord, UnitParticulars
from sync.protocol.records import RecordKind
from tests.conftest import PASSWORD, SECOND_PASSWORD, FakeClock, World
from tests.hq.client import enrolled
from tests.hq.test_web_accounts import Visitor
from tests.hq.test_web_statements import fetch
from tests.hq.web_support import add_user, totp_now
from tests.legal.laws import shipped_library
from tests.poppler import poppler_tool
from tests.services.penalty_decision_support import (
    REVIEWER_CERT,
    REVIEWER_PASSWORD,
    add_reviewer,
    login,
)
from tests.services.penalty_support import set_unit_profile
from tests.services.test_penalty_document_flow import decided_so_far, publish, serve
from tests.services.test_unit_party_documents import chosen
from tests.store.test_statements import signed_statement
from tests.support.hq_server import RunningHQ
from tests.sync_client.e2e import hq_db

ROOT_PASSPHRASE = "Unit-root-2026-passphrase"
SUPERVISOR = ("zhang", "Supervise-2026!")
LEGAL = ("li", "Legal-office-2026!")
ADMIN = ("root", "Administer-2026!")


@pytest.fixture
def case(world: World, clock: FakeClock, tmp_path: Path) -> World:
    """The case's statement sealed (its context names the officers to HQ), the datasets
    held, a legal reviewer, everyone's keys from a unit root whose key file (as
    `statement-room ca init` seals it) HQ may import; the case officer logged in."""
    sealed = signed_statement(world).id
    with world.store.transaction() as tx:
        statements.change_state(tx, sealed, StatementState.SEALED)
    publish(world, 1000, shipped_library())
    set_unit_profile(world.store)
    reviewer = add_reviewer(world)
    root = unit_ca.create_unit_root(world.admin.unit)
    keys.provision_from_unit_root(
        world.store, root, [world.admin, world.second, reviewer],
        {world.admin.id: PASSWORD, world.second.id: SECOND_PASSWORD,
         reviewer.id: REVIEWER_PASSWORD},
        custodian_id=world.admin.id, device_serial="SR-TEST-01", p12_rounds=2048)
    (tmp_path / "root.key.json").write_bytes(
        ca_root.export_root_key(root, ROOT_PASSPHRASE.encode()))
    (tmp_path / "passphrase").write_text(ROOT_PASSPHRASE + "\n")
    return world


@dataclass(frozen=True)
class Decided:
    world: World
    decision: str
    review: str
    documents: dict[Kind, str]  # kind -> document id


DEVIATION_REASON = "当事人多次在同一路段违法停放，经教育仍不改正（合成测试数据）"


def deviate(world: World, decision_id: str) -> Deviation:
    """Choose an amount outside the proposed tier with a written reason (从重 where the
    statute leaves room above the tier, else 从轻); the deviation chosen."""
    evaluation = penalty.get(world.store, decision_id).evaluation
    assert evaluation is not None
    proposed, statutory = evaluation.proposed_range, evaluation.statutory_range
    assert proposed is not None and statutory is not None
    if proposed.high < statutory.high:
        amount, kind = proposed.high + 1, DeviationKind.HEAVIER
    else:
        assert proposed.low > statutory.low
        amount, kind = proposed.low - 1, DeviationKind.LIGHTER
    deviation = Deviation(kind, DEVIATION_REASON)
    penalty.choose(world.store, decision_id, waive=False, amount=amount, deviation=deviation)
    return deviation


def decide_complex_case(world: World, clock: FakeClock, *, deviating: bool = False
                        ) -> Decided:
    """A complex case (art. 58 (三)): notice, legal review, decision; the second officer
    logged in at the end, as after signing. With `deviating`, the amount chosen leaves the
    proposed tier, with a written reason."""
    decision_id = decided_so_far(world, "complex_case")
    if deviating:
        deviate(world, decision_id)
    notice = serve(world, decision_id, Kind.PRIOR_NOTICE)
    penalty.submit_for_review(world.store, decision_id)
    login(world, REVIEWER_CERT, REVIEWER_PASSWORD, clock)
    penalty.approve(world.store, decision_id, "事实清楚，依据正确，同意。",
                    secret=REVIEWER_PASSWORD)
    login(world, "TEST0002", SECOND_PASSWORD, clock)
    clock.advance(days=6)
    decided = serve(world, decision_id, Kind.DECISION)
    made = penalty.get(world.store, decision_id)
    assert made.state is DecisionState.DECIDED and made.last_review is not None
    return Decided(world, decision_id, made.last_review.id,
                   {Kind.PRIOR_NOTICE: notice.id, Kind.DECISION: decided.id})


def synced(decided: Decided, clock: FakeClock, hq: RunningHQ) -> None:
    """The administrator enrols the device and one real sync round runs."""
    store = login(decided.world, decided.world.admin.certificate_no, PASSWORD, clock)
    sync_round.enrol(store, hq.url, hq.enrol_code())
    done = sync_round.run_round(store)
    assert done.complete, done.problems


def held(hq: RunningHQ, kind: RecordKind) -> dict[str, str]:
    with hq_db(hq) as db:
        return {str(r["entity_id"]): str(r["sha256"]) for r in db.all(
            "SELECT entity_id, sha256 FROM records WHERE kind = ?", (kind.value,))}


def rows(hq: RunningHQ, sql: str) -> list[dict[str, object]]:
    with hq_db(hq) as db:
        return db.all(sql)


def test_a_decided_case_reaches_hq_with_its_review_and_signed_documents(
        case: World, clock: FakeClock, hq_server: RunningHQ) -> None:
    decided = decide_complex_case(case, clock)
    store = case.store
    # Announced in the commits that made them, once each.
    announced = [(q.kind, q.entity_id) for q in outbox.all_entries(store.conn)
                 if q.kind in penalty_records.KINDS]
    assert sorted(announced) == sorted([
        (RecordKind.LEGAL_REVIEW, decided.review),
        (RecordKind.PENALTY_DECISION, decided.decision),
        *((k, d) for d in decided.documents.values()
          for k in (RecordKind.PENALTY_DOCUMENT, RecordKind.PENALTY_DOCUMENT_PDF))])
    synced(decided, clock, hq_server)
    store = case.store

    assert set(held(hq_server, RecordKind.PENALTY_DECISION)) == {decided.decision}
    assert set(held(hq_server, RecordKind.LEGAL_REVIEW)) == {decided.review}
    documents = set(decided.documents.values())
    assert set(held(hq_server, RecordKind.PENALTY_DOCUMENT)) == documents
    pdfs = held(hq_server, RecordKind.PENALTY_DOCUMENT_PDF)
    assert set(pdfs) == documents
    state = hq_server.open_state()
    try:  # the signed PDFs, byte for byte as the desktop keeps them
        for document_id, sha256 in pdfs.items():
            assert b"".join(state.blobs.read(sha256)) == penalty_documents.document_pdf(
                store, document_id)
        record = PenaltyDecisionRecord.from_bytes(b"".join(state.blobs.read(
            held(hq_server, RecordKind.PENALTY_DECISION)[decided.decision])))
    finally:
        state.close()
    made = penalty.get(store, decided.decision)
    assert made.choice is not None and made.standard is not None
    assert (record.case, record.statement, record.amount, record.deviation_kind,
            record.standard.version, record.standard.sha256, record.drafted_by) == (
        case.case.id, case.statement.id, made.choice.amount, None, made.standard.version,
        made.standard.sha256, made.officer_id)
    assert record.decided_by == case.second.id  # logged in when the decision was signed

    [decision_row] = rows(hq_server, "SELECT * FROM room_penalty_decisions")
    assert made.evaluation is not None
    assert (decision_row["decision"], decision_row["case_id"], decision_row["matter_code"],
            decision_row["matter_name"], decision_row["amount"], decision_row["deviation"],
            decision_row["standard_version"]) == (
        decided.decision, case.case.id, made.evaluation.matter_code,
        made.evaluation.matter_name, made.choice.amount, None, made.standard.version)
    [review_row] = rows(hq_server, "SELECT * FROM room_legal_reviews")
    assert (review_row["decision"], review_row["verdict"], review_row["reviewer_name"],
            review_row["reviewed_sha256"]) == (decided.decision, "approved", "测试审核员",
                                               decision_row["reviewed_sha256"])
    listed = {str(r["kind"]): r for r in rows(hq_server,
                                             "SELECT * FROM room_penalty_documents")}
    assert set(listed) == {"prior_notice", "decision"}
    for kind, document_id in decided.documents.items():
        kept = kept_documents.get(store.conn, document_id)
        row = listed[kind.value]
        assert (row["document"], row["number"], row["sha256"], row["pdf_sha256"],
                row["receipt"]) == (document_id, kept.number, kept.sha256, kept.sha256,
                                    "signed")

    # `statement-room-hq reindex` gives the same rows back from the records HQ holds
    tables = ("room_penalty_decisions", "room_legal_reviews", "room_penalty_documents")
    before = [rows(hq_server, f"SELECT * FROM {t}") for t in tables]
    with hq_db(hq_server) as db, db.transaction() as conn:
        for table in tables:
            conn.execute(f"DELETE FROM {table}")
    done = hq_server.admin("reindex")
    assert done.returncode == 0, done.stderr
    assert [rows(hq_server, f"SELECT * FROM {t}") for t in tables] == before


def _forged(data: bytes, change: dict[str, object]) -> bytes:
    """The canonical record with some fields replaced (not re-signed, not re-hashed)."""
    value = json.loads(data)
    value.update(change)
    return json.dumps(value, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()


def test_a_forged_decision_or_review_is_refused_with_words_that_say_why(
        case: World, clock: FakeClock, hq_server: RunningHQ) -> None:
    decided = decide_complex_case(case, clock)
    conn = case.store.conn
    decision = penalty_records.decision_record(conn, decided.decision)
    review = penalty_records.review_record(conn, decided.review)
    device = enrolled(hq_server)

    # The amount raised after the review judged the choice: the digest no longer holds.
    higher = dict(decision.choice, amount=(decision.amount or 0) + 1000)
    forged = _forged(decision.canonical_bytes(), {"choice": higher})
    reply = device.send(device.entry(RecordKind.PENALTY_DECISION, decision.id, forged), forged)
    assert reply.status == 422 and reply.error == "refused", reply.body
    assert "do not match the digest" in reply.json()["message"]

    # A deviation without a written reason, with a digest made to match.
    unexplained = dict(decision.choice, deviation={"kind": "heavier", "reason": " "})
    forged = _forged(decision.canonical_bytes(), {
        "choice": unexplained,
        "reviewed_sha256": hashlib.sha256(json.dumps(
            {"choice": unexplained, "evaluation": decision.evaluation}, ensure_ascii=False,
            sort_keys=True, separators=(",", ":")).encode()).hexdigest()})
    reply = device.send(device.entry(RecordKind.PENALTY_DECISION, decision.id, forged), forged)
    assert reply.status == 422 and "no written reason" in reply.json()["message"], reply.body

    # A party of a kind HQ does not know, and a unit whose credit code fails its check
    # character (the digest covers the evaluation and the choice, not the party: the party's
    # own check refuses it).
    unit = {"kind": "unit", "version": 1, "name": "示例伪造有限公司（合成）",
            "credit_code": "91110101TE00000018", "representative": "测试法人丙",
            "representative_title": "legal_representative", "address": "示例路2号（合成）",
            "phone": ""}
    for party, words in (({"kind": "company"}, "party.kind 'company' is not a party kind"),
                         (unit, "'91110101TE00000018' is not a unified social credit code: "
                                "it does not match its check character")):
        forged = _forged(decision.canonical_bytes(), {"party": party})
        reply = device.send(device.entry(RecordKind.PENALTY_DECISION, decision.id, forged),
                            forged)
        assert reply.status == 422 and reply.error == "refused", reply.body
        assert words in reply.json()["message"], reply.body

    # The reviewer's comments changed after they signed.
    altered = dataclasses.replace(review, comments="同意。")
    data = altered.canonical_bytes()
    reply = device.send(device.entry(RecordKind.LEGAL_REVIEW, review.id, data), data)
    assert reply.status == 422, reply.body
    assert "signature does not match the review" in reply.json()["message"]

    # Bytes other than those announced.
    data = review.canonical_bytes()
    entry = device.entry(RecordKind.LEGAL_REVIEW, review.id, data)
    other = data.replace("同意".encode(), "不同".encode())  # same length, other words
    assert other != data
    reply = device.send(entry, other)
    assert reply.status == 422 and "do not match the announced SHA-256" in (
        reply.json()["message"]), reply.body

    with hq_db(hq_server) as db:
        assert db.all("SELECT kind FROM records WHERE kind IN (?, ?)",
                      ("penalty_decision", "legal_review")) == []
        assert db.all("SELECT * FROM room_penalty_decisions") == []
    # The genuine review is accepted from the same device: only the forgeries were refused.
    assert LegalReviewRecord.from_bytes(data).signature_problem() is None
    reply = device.send(device.entry(RecordKind.LEGAL_REVIEW, review.id, data), data)
    assert reply.status == 200, reply.body



def _text(page: str) -> str:
    """The page's text without its tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_the_case_page_shows_the_decision_review_and_documents_and_hands_the_pdf_to_readers(
        case: World, clock: FakeClock, hq_server: RunningHQ, tmp_path: Path) -> None:
    imported = hq_server.admin("ca", "import", str(tmp_path / "root.key.json"),
                               "--passphrase-file", str(tmp_path / "passphrase"))
    assert imported.returncode == 0, imported.stderr
    decided = decide_complex_case(case, clock, deviating=True)
    synced(decided, clock, hq_server)
    made = penalty.get(case.store, decided.decision)
    assert made.choice is not None and made.evaluation is not None and made.standard
    kept = {kind: kept_documents.get(case.store.conn, d)
            for kind, d in decided.documents.items()}

    add_user(hq_server, SUPERVISOR[0], "supervisor", SUPERVISOR[1])
    room = Visitor(hq_server)
    assert room.login(*SUPERVISOR)[0] == 303
    status, _headers, page = room.request("GET", f"/room/cases/{case.case.id}")
    assert status == 200, page
    text = _text(page)
    assert f"{made.evaluation.matter_name}（{made.evaluation.matter_code}）" in text
    assert f"罚款人民币 {made.choice.amount} 元" in text
    deviation = made.choice.deviation
    assert deviation is not None  # its kind and its written reason, read from the record
    words = {DeviationKind.HEAVIER: "从重", DeviationKind.LIGHTER: "从轻"}[deviation.kind]
    assert re.search(f"{words}\\s*，理由：{re.escape(DEVIATION_REASON)}", text), text
    assert f"第 {made.standard.version} 版" in text and made.standard.label in text
    assert f"{case.second.name}，" in text  # who decided, by name
    # the party: the person interviewed, named as the statement's context names them
    assert f"当事人 被询问人（自然人）：{case.party.name}" in text, text
    assert "统一社会信用代码" not in text
    assert "同意" in text and "测试审核员" in text and "事实清楚，依据正确，同意。" in text
    reviews = text[text.index("法制审核 审核结论"):]
    assert "审核人证书由单位根证书签发，现仍有效" in reviews, reviews[:300]
    for kind, title in ((Kind.PRIOR_NOTICE, "行政处罚事先告知书"),
                        (Kind.DECISION, "行政处罚决定书")):
        assert title in text and kept[kind].number in text
    # HQ verified both signed PDFs against the unit root it holds
    assert text.count("验证通过") == 2, text
    # the statement page links to the case page
    status, _headers, page = room.request("GET", f"/room/statements/{case.statement.id}")
    assert status == 200 and f'href="/room/cases/{case.case.id}"' in page

    # The signed decision, downloaded byte for byte, validates in pdfsig.
    link = f"/room/cases/{case.case.id}/documents/{decided.documents[Kind.DECISION]}.pdf"
    assert f'href="{link}"' in room.request("GET", f"/room/cases/{case.case.id}")[2]
    status, headers, data = fetch(room, link)
    assert status == 200 and headers["content-type"] == "application/pdf"
    assert data == penalty_documents.document_pdf(case.store, decided.documents[Kind.DECISION])
    (tmp_path / "decision.pdf").write_bytes(data)
    checked = subprocess.run([poppler_tool("pdfsig"), str(tmp_path / "decision.pdf")],
                             capture_output=True, text=True)
    assert checked.stdout.count("Signature Validation: Signature is Valid.") >= 3, (
        checked.stdout)

    # The same access rules as the statement's PDF: the legal office may, an administrator
    # may not (refused and logged); every view is in the access log.
    add_user(hq_server, LEGAL[0], "legal", LEGAL[1])
    legal = Visitor(hq_server)
    assert legal.login(*LEGAL)[0] == 303
    assert fetch(legal, link)[0] == 200
    secret = add_user(hq_server, ADMIN[0], "admin", ADMIN[1])
    assert secret is not None
    admin = Visitor(hq_server)
    assert admin.login(ADMIN[0], ADMIN[1], totp_now(secret))[0] == 303
    status, _headers, body = fetch(admin, link)
    assert status == 403 and "仅限监察人员和法制部门" in body.decode()
    assert "下载签名PDF" not in admin.request("GET", f"/room/cases/{case.case.id}")[2]
    with hq_db(hq_server) as db:
        logged = db.all("SELECT user_name, page, status, record FROM web_access_log "
                        "WHERE page IN ('case', 'penalty-document') ORDER BY at_ms")
    assert {(r["user_name"], r["page"], r["status"]) for r in logged} >= {
        (SUPERVISOR[0], "case", 200), (SUPERVISOR[0], "penalty-document", 200),
        (LEGAL[0], "penalty-document", 200), (ADMIN[0], "penalty-document", 403)}
    # an unknown case is a 404, a malformed id a 400
    assert room.request("GET", "/room/cases/0190aaaa-0000-7000-8000-000000000000")[0] == 404
    assert room.request("GET", "/room/cases/not-a-case")[0] == 400


def test_a_case_decided_before_decision_53_is_announced_once_at_the_next_login(
        case: World, clock: FakeClock, hq_server: RunningHQ,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The program before decision 53 kept decisions, reviews and documents and announced
    # none of them, nor had it the login's backfill: its store is made here by this program
    # with the three announcements and that step off.
    with monkeypatch.context() as older:
        for name in ("announce_decision", "announce_review", "announce_document"):
            older.setattr(penalty_records, name, lambda _tx, _id: None)
        older.setattr(penalty_backfill, "pending", lambda _conn: False)
        decided = decide_complex_case(case, clock)
        conn = case.store.conn
        assert [q for q in outbox.all_entries(conn) if q.kind in penalty_records.KINDS] == []
    assert penalty_backfill.pending(case.store.conn)
    before = outbox.all_entries(case.store.conn)

    store = login(case, case.admin.certificate_no, PASSWORD, clock)  # the upkeep announces
    after = outbox.all_entries(store.conn)
    assert after[:len(before)] == before
    # (the session that ended signed its tree head, too)
    added = [q for q in after[len(before):] if q.kind is not RecordKind.TREE_HEAD]
    assert [q.device_seq for q in after] == list(range(1, len(after) + 1))  # no gap
    documents = list(decided.documents.values())
    assert sorted((q.kind, q.entity_id) for q in added) == sorted([
        (RecordKind.PENALTY_DECISION, decided.decision),
        (RecordKind.LEGAL_REVIEW, decided.review),
        *((k, d) for d in documents
          for k in (RecordKind.PENALTY_DOCUMENT, RecordKind.PENALTY_DOCUMENT_PDF))])
    # the bytes announced are those this program announces when it decides
    decision = next(q for q in added if q.kind is RecordKind.PENALTY_DECISION)
    record = penalty_records.decision_record(store.conn, decided.decision)
    assert decision.sha256 == hashlib.sha256(record.canonical_bytes()).hexdigest()
    assert record.decided_by == case.second.id

    assert not penalty_backfill.pending(store.conn)
    store = login(case, case.second.certificate_no, SECOND_PASSWORD, clock)
    again = [q for q in outbox.all_entries(store.conn) if q.kind in penalty_records.KINDS]
    assert again == [q for q in after if q.kind in penalty_records.KINDS]  # once: no more

    synced(decided, clock, hq_server)
    assert set(held(hq_server, RecordKind.PENALTY_DECISION)) == {decided.decision}
    assert set(held(hq_server, RecordKind.LEGAL_REVIEW)) == {decided.review}
    assert set(held(hq_server, RecordKind.PENALTY_DOCUMENT_PDF)) == set(documents)


def test_an_altered_document_pdf_is_shown_as_failing_its_verification(
        case: World, clock: FakeClock, hq_server: RunningHQ, tmp_path: Path) -> None:
    imported = hq_server.admin("ca", "import", str(tmp_path / "root.key.json"),
                               "--passphrase-file", str(tmp_path / "passphrase"))
    assert imported.returncode == 0, imported.stderr
    decided = decide_complex_case(case, clock)
    document_id = decided.documents[Kind.DECISION]
    genuine = penalty_documents.document_pdf(case.store, document_id)
    # One byte of the page's content changed after the signatures: same length, same
    # structure, so the file still opens; its record names the altered bytes, so only the
    # signatures can tell.
    at = genuine.index(b"stream\n") + 20
    altered = genuine[:at] + bytes([genuine[at] ^ 0x01]) + genuine[at + 1:]
    record = dataclasses.replace(
        penalty_records.document_record(case.store.conn, document_id),
        sha256=hashlib.sha256(altered).hexdigest())
    device = enrolled(hq_server)  # another terminal, enrolled, sending what it likes
    data = record.canonical_bytes()
    assert device.send(device.entry(RecordKind.PENALTY_DOCUMENT, document_id, data),
                       data).status == 200
    sent = device.upload(device.entry(RecordKind.PENALTY_DOCUMENT_PDF, document_id, altered),
                         altered)
    assert sent.status == 204, sent.body

    add_user(hq_server, SUPERVISOR[0], "supervisor", SUPERVISOR[1])
    room = Visitor(hq_server)
    assert room.login(*SUPERVISOR)[0] == 303
    status, _headers, page = room.request("GET", f"/room/cases/{case.case.id}")
    assert status == 200, page
    text = _text(page)
    assert "验证未通过" in text and "文件完整性" in text, text
    assert "验证通过" not in text.replace("验证未通过", "")


UNIT = UnitParty(name="示例建材有限公司（合成测试数据）", credit_code="91110101TE00000019",
                 representative="测试法人甲",
                 representative_title=RepresentativeTitle.PRINCIPAL,
                 address="示例市示例区示例路1号（合成）", phone="010-00000002")
MISTYPED = dataclasses.replace(UNIT, address="示例市示例区示例路9号（误录，合成）")


def test_a_unit_party_reaches_the_case_page_as_named_when_it_was_decided(
        case: World, clock: FakeClock, hq_server: RunningHQ) -> None:
    # Named, corrected (version 2), then decided for the unit: the decision names version 2.
    case_party.set_unit(case.store, case.case.id, MISTYPED)
    clock.advance(days=1)
    case_party.set_unit(case.store, case.case.id, UNIT, reason="住所录入有误，按营业执照更正")
    decision_id = chosen(case, PartyType.UNIT)
    serve(case, decision_id, Kind.PRIOR_NOTICE, waived=True)
    serve(case, decision_id, Kind.DECISION)
    assert penalty.get(case.store, decision_id).state is DecisionState.DECIDED
    expected = UnitParticulars(
        version=2, name=UNIT.name, credit_code=UNIT.credit_code,
        representative=UNIT.representative, representative_title="principal",
        address=UNIT.address, phone=UNIT.phone)
    record = penalty_records.decision_record(case.store.conn, decision_id)
    assert record.party == expected
    [announced] = [q for q in outbox.all_entries(case.store.conn)
                   if q.kind is RecordKind.PENALTY_DECISION]
    assert announced.sha256 == hashlib.sha256(record.canonical_bytes()).hexdigest()

    store = login(case, case.admin.certificate_no, PASSWORD, clock)
    sync_round.enrol(store, hq_server.url, hq_server.enrol_code())
    done = sync_round.run_round(store)
    assert done.complete, done.problems
    state = hq_server.open_state()
    try:  # HQ keeps the record as sent, its party with it
        kept = PenaltyDecisionRecord.from_bytes(b"".join(state.blobs.read(
            held(hq_server, RecordKind.PENALTY_DECISION)[decision_id])))
    finally:
        state.close()
    assert kept.party == expected

    add_user(hq_server, SUPERVISOR[0], "supervisor", SUPERVISOR[1])
    room = Visitor(hq_server)
    assert room.login(*SUPERVISOR)[0] == 303
    status, _headers, page = room.request("GET", f"/room/cases/{case.case.id}")
    assert status == 200, page
    text = _text(page)
    assert f"当事人 {UNIT.name}（单位）" in text, text
    assert f"统一社会信用代码 {UNIT.credit_code}" in text
    assert f"负责人 {UNIT.representative}" in text
    assert f"住所 {UNIT.address}" in text
    assert MISTYPED.address not in text  # the naming in force, not the earlier one
    assert "被询问人（自然人）" not in text
    with hq_db(hq_server) as db:
        logged = db.all("SELECT user_name, page, status, record FROM web_access_log "
                        "WHERE page = 'case'")
    assert [(r["user_name"], r["status"], r["record"]) for r in logged] == [
        (SUPERVISOR[0], 200, case.case.id)]
