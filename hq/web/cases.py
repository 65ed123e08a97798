"""The room's case page (issue 17, decision 53): what was decided in a case, and its documents.

- ``/room/cases/{case}``: the case's statements (from the statement catalog), its penalty
  decisions (matter, amount, deviation and its written reason, the standard's and the
  library's versions, who drafted and who decided, when), the legal reviews of each (verdict,
  reviewer, comments, when; each review's signature was verified when HQ received it, and
  the page says whether the reviewer's certificate comes from the unit root HQ holds), the
  party each decision names (当事人: a unit's 名称, 统一社会信用代码, 法定代表人 or 负责人 and
  住所 as the sealed decision record carries them, or the person interviewed, named as the
  decision's statement names its party), and
  its penalty documents (kind, number, pages, service) with the verdict HQ recomputes on each
  signed PDF (hq/verdicts.py) and its download. A deviation's reason and a reviewer's comments
  are read from the sealed records, as a statement page reads its turns.
- ``/room/cases/{case}/documents/{document}.pdf``: the signed PDF, to the supervisor and the
  legal office only, as the statement's court package (administrators run HQ; they do not
  read cases): a 403 otherwise, logged like every view, with the party of the case's
  statement named in the access log.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hq.db import Row
from hq.state import HQState
from hq.unit_ca import load_ca
from hq.web.frame import NO_QUERY, View, page_route
from hq.web.package_pages import DOWNLOAD_ROLES
from hq.web.render import ALERT_ID, HEADERS, BadRequest, query_values
from hq.web.sessions import Session
from sync.protocol.penalty import LegalReviewRecord, PenaltyDecisionRecord

__all__ = ["DOCUMENT_TITLES", "REPRESENTATIVE_TITLES", "officer_names", "reviewer_trust", "routes"]

CASE_ID = ALERT_ID  # the desktop's ids are UUIDs (v7)
DOCUMENT_TITLES = {"order_to_correct": "责令改正通知书", "prior_notice": "行政处罚事先告知书",
                   "decision": "行政处罚决定书", "on_the_spot": "当场行政处罚决定书",
                   "no_penalty": "不予行政处罚决定书"}
DEVIATION_NAMES = {"lighter": "从轻", "mitigated": "减轻", "heavier": "从重"}
VERDICT_NAMES = {"approved": "同意", "returned": "退回"}
REPRESENTATIVE_TITLES = {"legal_representative": "法定代表人", "principal": "负责人"}


@dataclass(frozen=True)
class Shown:
    """A catalog row and what its sealed record says (None and a problem if unreadable)."""

    row: Row
    record: PenaltyDecisionRecord | LegalReviewRecord | None
    problem: str | None


def _sealed(state: HQState, row: Row, parse: type[PenaltyDecisionRecord]
            | type[LegalReviewRecord]) -> Shown:
    sha256 = str(row["record_sha256"])
    try:
        data = b"".join(state.blobs.read(sha256))
    except (OSError, ValueError):
        return Shown(row, None, "总部保存的记录无法读取（文件缺失或已被改动）")
    if hashlib.sha256(data).hexdigest() != sha256:
        return Shown(row, None, "总部保存的记录与接收时的哈希不符")
    try:
        return Shown(row, parse.from_bytes(data), None)
    except ValueError:
        return Shown(row, None, "记录内容无法解析")


def reviewer_trust(state: HQState, review: LegalReviewRecord) -> tuple[bool, str]:
    """Whether the reviewer's certificate (whose key signed the review, checked when HQ
    received it) was issued by the unit root HQ holds and is valid now."""
    try:
        ca = load_ca(state.config.data_dir)
    except (ValueError, OSError):
        return False, "局机关的单位根证书无法读取"
    if ca is None:
        return False, "局机关未持有单位根证书，无法判断审核人证书的来源"
    try:
        certificate = x509.load_pem_x509_certificate(review.certificate.encode("ascii"))
        certificate.verify_directly_issued_by(ca.certificate)
    except (ValueError, TypeError, InvalidSignature):
        return False, "审核人证书不是单位根证书签发的"
    # Judged now, as HQ judges the documents' signatures (hq/verdicts.py): the time a review
    # states is the desktop's clock, which HQ does not vouch for.
    now = datetime.now(UTC)
    if not (certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc):
        return False, "审核人证书已过期或尚未生效"
    return True, "审核人证书由单位根证书签发，现仍有效"


def _case_id(request: Request) -> str:
    case = str(request.path_params["case"])
    if CASE_ID.fullmatch(case) is None:
        raise BadRequest("case")
    return case


def officer_names(state: HQState, ids: set[str]) -> dict[str, str]:
    """Officer id -> name, from the statements' contexts (`room_officers`) and, for officers
    no context named (a legal reviewer), from the officers HQ registered for sync."""
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    names = {str(r["officer_id"]): str(r["name"]) for r in state.db.all(
        f"SELECT officer_id, name FROM officers WHERE officer_id IN ({marks})", tuple(ids))}
    names.update({str(r["officer"]): str(r["name"]) for r in state.db.all(
        f"SELECT officer, name FROM room_officers WHERE officer IN ({marks})", tuple(ids))})
    return names


def _party(state: HQState, case: str) -> str | None:
    """The party of the case's statements (for the access log), if HQ knows them."""
    row = state.db.one("SELECT party FROM room_statements WHERE case_id = ? AND party IS NOT "
                       "NULL ORDER BY started_ms", (case,))
    return None if row is None else str(row["party"])


def _interviewees(state: HQState, case: str, decisions: list[Shown]) -> dict[str, str]:
    """Decision id -> the name of the person interviewed, for the decisions whose party is
    that person: as the sealed context of the statement the decision's facts came from
    names them (else of the case's first statement HQ holds a context of); the catalog
    keeps only the party's id."""
    from hq.web.statement_records import read_records  # pdfium: imported when first needed

    names: dict[str, str] = {}
    for shown in decisions:
        record = shown.record
        if not isinstance(record, PenaltyDecisionRecord) or record.party is not None:
            continue
        row = None if record.statement is None else state.db.one(
            "SELECT * FROM room_statements WHERE statement = ? AND context_sha256 IS NOT NULL",
            (record.statement,))
        if row is None:
            row = state.db.one("SELECT * FROM room_statements WHERE case_id = ? AND "
                               "context_sha256 IS NOT NULL ORDER BY started_ms", (case,))
        context = None if row is None else read_records(state, row).context.value
        if context is not None:
            names[record.id] = context.party.name
    return names


def _gather(state: HQState, case: str) -> dict[str, object]:
    statements = state.db.all("SELECT statement, case_number, kind, started_ms, device FROM "
                              "room_statements WHERE case_id = ? ORDER BY started_ms",
                              (case,))
    decisions = [_sealed(state, r, PenaltyDecisionRecord) for r in state.db.all(
        "SELECT * FROM room_penalty_decisions WHERE case_id = ? ORDER BY decided_ms", (case,))]
    reviews = [_sealed(state, r, LegalReviewRecord) for r in state.db.all(
        "SELECT * FROM room_legal_reviews WHERE case_id = ? ORDER BY at_ms", (case,))]
    trust = {str(r.row["review"]): reviewer_trust(state, r.record) for r in reviews
             if isinstance(r.record, LegalReviewRecord)}
    documents = state.db.all("SELECT * FROM room_penalty_documents WHERE case_id = ? "
                             "ORDER BY served_ms", (case,))
    from hq.verdicts import document_verdict  # pyHanko: imported when first needed

    verdicts = {str(d["document"]): document_verdict(
        state, str(d["document"]), str(d["pdf_sha256"]),
        None if d["sha256"] is None else str(d["sha256"]), str(d["device"]))
        for d in documents if d["pdf_sha256"] is not None}
    ids = {str(d.row["decided_by"]) for d in decisions}
    for shown in decisions:
        if isinstance(shown.record, PenaltyDecisionRecord):
            ids.add(shown.record.drafted_by)
    number = next((str(s["case_number"]) for s in statements if s["case_number"]), None)
    return {"case": case, "case_number": number, "statements": statements,
            "decisions": decisions, "reviews": reviews, "documents": documents,
            "verdicts": verdicts, "trust": trust, "names": officer_names(state, ids),
            "interviewees": _interviewees(state, case, decisions),
            "can_download": False, "DOCUMENT_TITLES": DOCUMENT_TITLES,
            "DEVIATION_NAMES": DEVIATION_NAMES, "VERDICT_NAMES": VERDICT_NAMES,
            "REPRESENTATIVE_TITLES": REPRESENTATIVE_TITLES}


async def case_page(state: HQState, request: Request, session: Session) -> View:
    query_values(request, NO_QUERY)
    case = _case_id(request)
    values = await asyncio.to_thread(_gather, state, case)
    if not (values["statements"] or values["decisions"] or values["reviews"]
            or values["documents"]):
        return View("not_found.html", status=404, record=case)
    values["can_download"] = session.user.role in DOWNLOAD_ROLES
    return View("case.html", values, record=case, party=_party(state, case))


def _disposition(name: str, document: str) -> str:
    return (f"attachment; filename=\"penalty-document-{document[:8]}.pdf\"; "
            f"filename*=UTF-8''{quote(name, safe='')}")


async def document_download(state: HQState, request: Request, session: Session) -> View:
    query_values(request, NO_QUERY)
    case = _case_id(request)
    document = str(request.path_params["document"])
    if CASE_ID.fullmatch(document) is None:
        raise BadRequest("document")
    row = state.db.one("SELECT * FROM room_penalty_documents WHERE document = ? AND "
                       "case_id = ?", (document, case))
    party = _party(state, case)
    if row is None or row["pdf_sha256"] is None:
        return View("not_found.html", status=404, record=document, party=party)
    device = str(row["device"])
    if session.user.role not in DOWNLOAD_ROLES:
        return View("forbidden_document.html", status=403, device=device, record=document,
                    party=party)
    sha256 = str(row["pdf_sha256"])
    try:
        data = await asyncio.to_thread(lambda: b"".join(state.blobs.read(sha256)))
    except (OSError, ValueError):
        data = b""
    if hashlib.sha256(data).hexdigest() != sha256:
        return View("not_found.html", status=404, device=device, record=document, party=party)
    title = DOCUMENT_TITLES.get(str(row["kind"]), "处罚文书")
    name = f"{title}_{row['number'] or document[:8]}.pdf".replace("/", "_")
    response = Response(data, media_type="application/pdf", headers={
        **HEADERS, "Content-Disposition": _disposition(name, document)})
    return View("", response=response, device=device, record=document, party=party)


def routes(state: HQState) -> list[Route]:
    return [
        page_route(state, "/cases/{case}", "case", case_page),
        page_route(state, "/cases/{case}/documents/{document}.pdf", "penalty-document",
                   document_download),
    ]
