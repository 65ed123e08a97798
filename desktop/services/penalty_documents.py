"""The documents of a penalty decision: which are due, drafted for read-back, signed, served.

`kinds_for(decision)` says which documents a decision calls for. `draft` fills the kind's
template from the decision, the case, the party and the officers, quotes every cited article
with `quote` (the text from the law-library version the decision used) and renders the PDF
and its page images in memory for read-back; nothing is kept. `sign` renders the same
document again, refuses a decision that is not signable (`require_signable`, the decision
service's rule) and a receipt captured on another version of the page, certifies it with
the statement room's key, places the party's signature for receipt (送达) from the pad, or
prints their refusal with its witness, has each enforcement officer sign with their own key
(each authenticated with their own secret, as statements are signed) and the unit seal lock
it; only then does one transaction take the document's number and keep the signed PDF with
its service record. A failure on the way (a wrong password, a stale receipt) keeps nothing
and uses no number. `documents`, `document_pdf` and `export` read back what was kept.

The core functions take the loaded `PenaltyDecision` and a `quote` function. The program
calls them by decision id through `draft_for` and `sign_for`, the one place that wires them
to the decision store (`desktop.services.penalty`), to the law library the decision used
(`desktop.services.law_library.quote`; refused if HQ sent another version since) and to the
signing rule of each kind (`signing_rule`): the preliminary documents (the order to correct,
the prior notice) need a chosen penalty; a final one (the decision, on the spot or not to
penalise) needs `penalty.require_signable` (legal review where art. 58 requires it) and,
where the decision calls for a prior notice, the notice served first (art. 44: no decision
before the party was told) and its periods to state and defend (and to ask for a hearing)
run out, unless the party waived them in writing above their signature for the notice.
Signing a final document marks the decision decided in the same transaction that keeps it.
Every document prints the unit's legal particulars its administrator set
(`desktop.services.unit_profile`, decision 51): the number's abbreviation (one series per
abbreviation), the reconsideration body, the court and the payment channels; none is drafted
before they are set.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from gettext import gettext as _
from pathlib import Path
from typing import Any

from desktop.documents.capture import (
    SIGNATURE,
    SignatureCapture,
    capture_digest,
    capture_record,
    png_bytes,
    render_image,
    render_png,
)
from desktop.documents.page_images import page_pngs
from desktop.documents.penalty_render import (
    RECEIPT_BOX,
    SEAL_BOX,
    RenderedPenaltyDocument,
    officer_box,
    render_penalty,
)
from desktop.documents.penalty_text import (
    PenaltyDocumentContent,
    PenaltyInputs,
    Quote,
    UnitParticulars,
    chinese_date,
    compose,
    template,
)
from desktop.documents.signing import (
    FieldSpec,
    TimestampUnavailable,
    certify,
    sign_field,
)
from desktop.documents.stamps import officer_stamp, text_stamp
from desktop.domain import rules
from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Action, Officer, SignatureRefusal, StatementState
from desktop.domain.penalty import DecisionState, PenaltyDecision, PenaltyDocumentKind
from desktop.services import case_party, keys, law_library, penalty, signing, unit_profile
from desktop.services.export_files import write_export
from desktop.services.officer_signing import HANDWRITING_DPI, Credentials
from desktop.services.templates import load_template
from desktop.store import cases, evidence, officers
from desktop.store import penalty as decisions_repo
from desktop.store import penalty_documents as repo
from desktop.store import statements as statements_repo
from desktop.store.penalty_documents import KeptPenaltyDocument, ReceiptCapture
from desktop.store.store import Store
from legal.discretion.evaluation import Outcome
from legal.discretion.model import PartyType
from legal.library.numerals import to_int
from sync.protocol.canonical import canonical_json

__all__ = ["DraftPenaltyDocument", "KeptPenaltyDocument", "Receipt", "SignableCheck",
           "agency_name", "document_pdf", "documents", "draft", "enforcement_officers", "export",
           "kinds_for", "sign"]

Receipt = SignatureCapture | SignatureRefusal
SignableCheck = Callable[[PenaltyDecision], None]  # raises UserError when not signable
RECEIPT_FIELD = "Receipt"
SEAL_FIELD = "Seal"
SIGNATURE_DPI = 200
_KIND_ORDER = tuple(PenaltyDocumentKind)
_EVIDENCE_WORDS = {"photo": "现场照片", "video": "视听资料", "audio": "录音资料",
                   "document": "书证", "other": "电子数据"}


def kinds_for(decision: PenaltyDecision) -> list[PenaltyDocumentKind]:
    """The documents this decision calls for, in the order they are served.

    An order to correct where the penalties include 责令改正; then a decision not to
    penalise when no penalty is given, an on-the-spot decision where the officer chose the
    simple procedure and art. 51 allows it and the penalty as chosen gives no hearing right
    (a hearing is told in the prior notice, arts. 63-64), else the prior notice and the
    decision. None before the engine evaluated the facts.
    """
    evaluation, choice = decision.evaluation, decision.choice
    if evaluation is None:
        return []
    penalties = choice.penalties if choice else evaluation.penalties
    kinds: list[PenaltyDocumentKind] = []
    if any("责令" in p and "改正" in p for p in penalties):
        kinds.append(PenaltyDocumentKind.ORDER_TO_CORRECT)
    waived = choice.waived if choice else evaluation.outcome in (Outcome.NO_PENALTY,
                                                                  Outcome.TIME_BARRED)
    if waived:
        kinds.append(PenaltyDocumentKind.NO_PENALTY)
    elif evaluation.facts.on_the_spot and evaluation.on_the_spot_allowed \
            and not decision.hearing_right:
        kinds.append(PenaltyDocumentKind.ON_THE_SPOT)
    else:
        kinds += [PenaltyDocumentKind.PRIOR_NOTICE, PenaltyDocumentKind.DECISION]
    return kinds


def agency_name(unit: str) -> str:
    """The administrative organ that decides (art. 59 (六)): an officer's unit up to its
    bureau (示例区综合行政执法局测试中队 -> 示例区综合行政执法局); a squad is not one."""
    match = re.match(r".+?局", unit)
    return match.group(0) if match else unit


def enforcement_officers(store: Store, decision: PenaltyDecision) -> list[Officer]:
    """Who is named on the document and signs it: the case officer who drafted the decision,
    then the other interviewers of the statement its facts came from (at least two officers
    act in a case, art. 42)."""
    ids = [decision.officer_id]
    if decision.statement_id is not None:
        statement = statements_repo.get_statement(store.conn, decision.statement_id)
        ids += [i for i in statement.interviewer_ids if i not in ids]
    return [officers.get_officer(store.conn, officer_id) for officer_id in ids]


def _party_id(store: Store, decision: PenaltyDecision, party_id: str | None) -> str:
    if party_id is not None:
        return party_id
    if decision.statement_id is None:
        raise UserError(_("Name the party the document is served on: the decision has no "
                          "statement to take them from."))
    return statements_repo.get_statement(store.conn, decision.statement_id).interviewee_id


def _evidence(store: Store, case_id: str) -> tuple[str, ...]:
    """The case's signed statements and its evidence, in words for the document."""
    words = template("common")["words"]["statement_kinds"]
    found: list[str] = []
    for statement_id in statements_repo.list_statements(store.conn, case_id):
        statement = statements_repo.get_statement(store.conn, statement_id)
        if statement.state in (StatementState.SIGNED, StatementState.SEALED):
            name = words.get(statement.kind.value) or load_template(statement.kind).title
            found.append(f"{name}（{chinese_date(statement.started_at.date())}）")
    counts: dict[str, int] = {}
    for item in evidence.items_for_case(store.conn, case_id):
        counts[item.kind] = counts.get(item.kind, 0) + 1
    found += [f"{_EVIDENCE_WORDS.get(kind, kind)}{count}份" for kind, count in counts.items()]
    return tuple(found)


def _notice(store: Store, decision: PenaltyDecision) -> tuple[str, Any] | None:
    for kept in repo.for_decision(store.conn, decision.id):
        if kept.kind is PenaltyDocumentKind.PRIOR_NOTICE:
            return kept.number, kept.served_at.date()
    return None


@dataclass(frozen=True)
class DraftPenaltyDocument:
    """A document as the party reads it before signing for it; kept nowhere.

    `page_images` are PNGs of the pages; the party's receipt capture must be made on
    `receipt_page` and bound to `page_bindings[receipt_page]`. Sign with the same `at`.
    """

    kind: PenaltyDocumentKind
    number: str
    sequence: int  # the number's N
    at: datetime
    content: PenaltyDocumentContent
    rendered: RenderedPenaltyDocument
    page_images: tuple[bytes, ...]

    @property
    def pdf(self) -> bytes:
        return self.rendered.pdf

    @property
    def page_count(self) -> int:
        return self.rendered.page_count

    @property
    def page_bindings(self) -> tuple[str, ...]:
        return self.rendered.page_bindings

    @property
    def receipt_page(self) -> int:
        return self.rendered.receipt_page


def _check_kind(decision: PenaltyDecision, kind: PenaltyDocumentKind) -> None:
    if kind not in kinds_for(decision):
        raise UserError(_("This decision does not call for a {title}.").format(
            title=template(kind.value)["title"]))


def _compose(store: Store, decision: PenaltyDecision, kind: PenaltyDocumentKind, quote: Quote,
             at: datetime, party_id: str | None, refusal: SignatureRefusal | None,
             rights_waived: bool = False
             ) -> tuple[PenaltyDocumentContent, RenderedPenaltyDocument, int, str]:
    set_profile = unit_profile.require(store)  # refused, saying who sets it, before it is set
    team = enforcement_officers(store, decision)
    agency = agency_name(team[0].unit)
    # One sequence per number prefix, the abbreviation the administrator set (decision 51):
    # every squad of the unit numbers in its series, and two units never share one.
    series = set_profile.abbreviation
    sequence = repo.next_number(store.conn, kind, series, at.year)
    number = str(template("common")["number"]).format(
        abbreviation=series, word=template(kind.value)["word"], year=at.year, n=sequence)
    # The unit the case names as its party, when the decision is for one (decision 54).
    facts = decision.facts or (decision.evaluation.facts if decision.evaluation else None)
    unit_party = case_party.unit_for_documents(
        store.conn, decision.case_id, facts.party_type if facts else PartyType.INDIVIDUAL)
    inputs = PenaltyInputs(
        decision=decision, kind=kind, case=cases.get_case(store.conn, decision.case_id),
        party=cases.get_party(store.conn, _party_id(store, decision, party_id)),
        officers=tuple(team), unit=agency, number=number, at=at,
        particulars=UnitParticulars(
            reconsideration_body=set_profile.reconsideration_body, court=set_profile.court,
            payee=set_profile.payee, bank=set_profile.bank, account=set_profile.account,
            payment_method=set_profile.payment_method),
        evidence=_evidence(store, decision.case_id), notice=_notice(store, decision),
        refusal=refusal, rights_waived=rights_waived, unit_party=unit_party)
    content = compose(inputs, quote)
    return content, render_penalty(content, at), sequence, series


def _check_waiver(kind: PenaltyDocumentKind, refusal: SignatureRefusal | None,
                  rights_waived: bool) -> None:
    if rights_waived and (kind is not PenaltyDocumentKind.PRIOR_NOTICE or refusal is not None):
        raise UserError(_("Only a party who signs for the prior notice can waive its periods "
                          "in writing."))


def draft(store: Store, decision: PenaltyDecision, kind: PenaltyDocumentKind, quote: Quote, *,
          party_id: str | None = None, refusal: SignatureRefusal | None = None,
          at: datetime | None = None, rights_waived: bool = False) -> DraftPenaltyDocument:
    """The document for read-back, rendered in memory with its page images; not kept.

    With `refusal` it is the document as signed when the party refuses to sign for it; with
    `rights_waived` (a prior notice) the party's waiver of its periods is printed above the
    signature they give for it.
    """
    _check_kind(decision, kind)
    _check_waiver(kind, refusal, rights_waived)
    at = at or store.clock()
    content, rendered, sequence, _series = _compose(store, decision, kind, quote, at, party_id,
                                                  refusal, rights_waived)
    return DraftPenaltyDocument(kind, content.number, sequence, at, content, rendered,
                                page_pngs(rendered.pdf))


def _field(name: str, box: tuple[int, float, float, float, float], locks: bool = False
           ) -> FieldSpec:
    page, x, y, w, h = box
    return FieldSpec(name, page, round(x), round(y), round(x + w), round(y + h), locks)


def _check_receipt(receipt: Receipt, rendered: RenderedPenaltyDocument) -> None:
    if isinstance(receipt, SignatureRefusal):
        rules.check_refusal(receipt)
        return
    if not isinstance(receipt, SignatureCapture) or receipt.purpose != SIGNATURE:
        raise UserError(_("The party's receipt must be their signature from the pad, or "
                          "their refusal with a witness."))
    page = rendered.receipt_page
    if (receipt.page_index != page
            or receipt.page_digest != rendered.page_bindings[page]):
        raise UserError(_("The party signed for another version of the document; show it "
                          "again and have them sign for it again."))


def sign(store: Store, decision: PenaltyDecision, kind: PenaltyDocumentKind, quote: Quote, *,
         require_signable: SignableCheck, credentials: Credentials, receipt: Receipt,
         at: datetime, party_id: str | None = None, timestamper: Any = None,
         rights_waived: bool = False) -> KeptPenaltyDocument:
    """Sign, seal and keep the document the party read (drafted at `at`), served as
    `receipt` says: their signature for receipt, or their refusal with a witness.

    `require_signable` is the decision service's rule (`penalty.require_signable`): a
    decision it refuses is not signed. Each enforcement officer authenticates with their own
    secret in `credentials` (forgotten right away), the seal with its custodian's.
    """
    try:
        require_signable(decision)
        _check_kind(decision, kind)
        refused = receipt if isinstance(receipt, SignatureRefusal) else None
        _check_waiver(kind, refused, rights_waived)
        if any(k.kind is kind for k in repo.for_decision(store.conn, decision.id)):
            raise UserError(_("The {title} of this decision is already signed.").format(
                title=template(kind.value)["title"]))
        if at.date() != store.clock().date():
            raise UserError(_("The document was prepared on another day; prepare it again "
                              "so that it carries today's date."))
        refusal = receipt if isinstance(receipt, SignatureRefusal) else None
        if refusal is not None:
            rules.check_refusal(refusal)
        team_officers = enforcement_officers(store, decision)
        handwriting = {officer_id: render_png(capture, dpi=HANDWRITING_DPI)
                       for officer_id, capture in credentials.handwriting.items()}
        team = signing.unlock_signers(store, team_officers, credentials.secrets,
                                      custodian_id=credentials.custodian_id,
                                      seal_secret=credentials.custodian_secret,
                                      handwriting=handwriting)
    finally:
        credentials.forget()
    try:
        signing.check_signers(store, [o.id for o in team_officers], team)
        content, rendered, sequence, series = _compose(store, decision, kind, quote, at,
                                                       party_id, refusal, rights_waived)
        _check_receipt(receipt, rendered)
        pdf, kept_capture, applied = _signed_pdf(store, content, rendered, team_officers,
                                                 team, receipt, timestamper)
    finally:
        team.close()
    document_id = new_id()
    served: ReceiptCapture | SignatureRefusal = kept_capture or refusal_of(receipt)
    with store.transaction() as tx:
        if kind in FINAL_KINDS:  # the decision is made: never changed again
            decisions_repo.set_decided(tx, decision.id)
        repo.take_number(tx, kind, series, at.year, sequence)
        repo.keep(tx, repo.NewPenaltyDocument(
            id=document_id, decision_id=decision.id, case_id=decision.case_id, kind=kind,
            number=content.number, pdf=pdf, pages=rendered.page_count,
            content_digest=content.content_digest, served_at=at,
            receipt=served, rights_waived=rights_waived))
        for field_name, details in applied:
            tx.audit(Action.SIGNATURE_APPLIED, document_id, field=field_name, **details)
    return repo.get(store.conn, document_id)


def notice_period_days(hearing_right: bool) -> int:
    """Days the prior notice gives the party to state and defend (and, with a hearing right,
    to ask for a hearing): the longer of the two its template states."""
    common = template("common")
    periods = [str(common["defence_days"])] + ([str(common["hearing_days"])]
                                               if hearing_right else [])
    return max(to_int(period) for period in periods)


FINAL_KINDS = frozenset({PenaltyDocumentKind.DECISION, PenaltyDocumentKind.ON_THE_SPOT,
                         PenaltyDocumentKind.NO_PENALTY})


def signing_rule(store: Store, kind: PenaltyDocumentKind) -> SignableCheck:
    """What a decision must be for a document of `kind` to be signed (see the module's doc)."""
    def preliminary(decision: PenaltyDecision) -> None:
        if decision.state is DecisionState.DECIDED:
            raise UserError(_("The decision has already been signed."))
        if decision.evaluation is None or decision.choice is None:
            raise UserError(_("The penalty has not been chosen yet; the decision cannot be "
                              "signed."))

    def final(decision: PenaltyDecision) -> None:
        penalty.require_signable(decision)
        due = kinds_for(decision)
        if PenaltyDocumentKind.PRIOR_NOTICE not in due:
            return
        notices = [k for k in repo.for_decision(store.conn, decision.id)
                   if k.kind is PenaltyDocumentKind.PRIOR_NOTICE]
        if not notices:
            raise UserError(_("Serve the prior notice (行政处罚事先告知书) first: the party "
                              "must be told of the proposed penalty and their rights before "
                              "the decision is made."))
        notice = notices[0]
        if notice.rights_waived:
            return
        # The periods run from the day after the notice was received (the first day is not
        # counted) for as many days as the notice states: the decision waits for them.
        days = notice_period_days(decision.hearing_right)
        opens = notice.served_at.date() + timedelta(days=days + 1)
        if store.clock().date() < opens:
            raise UserError(_(
                "The party may state their case (or ask for a hearing) until {last}, as the "
                "prior notice {number} told them; the decision can be signed from {opens}, or "
                "earlier if they waived that period in writing when they signed for the "
                "notice.").format(last=(opens - timedelta(days=1)).isoformat(),
                                  number=notice.number, opens=opens.isoformat()))

    return final if kind in FINAL_KINDS else preliminary


def _quote_for(store: Store, decision: PenaltyDecision) -> Quote:
    """Quotes from the library version the decision was evaluated under, which is the one
    held unless HQ sent a newer one since: then the documents would cite other text than the
    reasoning did, so the officer evaluates again first."""
    held = law_library.held(store)
    if decision.library is not None and (held is None
                                         or held.sha256 != decision.library.sha256):
        raise UserError(_("The law library was updated since the penalty was proposed; "
                          "evaluate the facts again so that the documents quote the articles "
                          "the reasoning rests on."))
    return lambda citation: law_library.quote(store, citation)


def draft_for(store: Store, decision_id: str, kind: PenaltyDocumentKind, *,
              party_id: str | None = None, refusal: SignatureRefusal | None = None,
              at: datetime | None = None, rights_waived: bool = False
              ) -> DraftPenaltyDocument:
    """`draft` for the decision with this id, quoting the law library held."""
    decision = penalty.get(store, decision_id)
    return draft(store, decision, kind, _quote_for(store, decision), party_id=party_id,
                 refusal=refusal, at=at, rights_waived=rights_waived)


def sign_for(store: Store, decision_id: str, kind: PenaltyDocumentKind, *,
             credentials: Credentials, receipt: Receipt, at: datetime,
             party_id: str | None = None, timestamper: Any = None,
             rights_waived: bool = False) -> KeptPenaltyDocument:
    """`sign` for the decision with this id, under the signing rule of `kind`."""
    decision = penalty.get(store, decision_id)
    return sign(store, decision, kind, _quote_for(store, decision),
                require_signable=signing_rule(store, kind), credentials=credentials,
                receipt=receipt, at=at, party_id=party_id, timestamper=timestamper,
                rights_waived=rights_waived)


def export_draft(store: Store, decision_id: str, kind: PenaltyDocumentKind, path: Path, *,
                 force: bool = False) -> DraftPenaltyDocument:
    """Write the document as drafted now (unsigned: for reading or printing before it is
    served) to `path`, never over a file unless `force`; audited like every export."""
    drafted = draft_for(store, decision_id, kind)
    written = write_export(path, drafted.pdf, force=force)
    with store.transaction() as tx:
        tx.audit(Action.DOCUMENT_EXPORTED, decision_id, name=path.name, sha256=written.sha256,
                 kind=kind.value, draft=True)
    return drafted


def refusal_of(receipt: Receipt) -> SignatureRefusal:
    if not isinstance(receipt, SignatureRefusal):
        raise AssertionError("a signed receipt is kept as its capture")
    return receipt


def _signed_pdf(store: Store, content: PenaltyDocumentContent,
                rendered: RenderedPenaltyDocument, team_officers: Sequence[Officer],
                team: signing.SigningTeam, receipt: Receipt, timestamper: Any
                ) -> tuple[bytes, ReceiptCapture | None, list[tuple[str, dict[str, Any]]]]:
    """Certify, the receipt, each officer, the seal: the signed PDF and what was applied."""
    boxes = rendered.boxes
    officer_fields = [(f"Officer{i + 1}", officer_box(i), o) for i, o in
                      enumerate(team_officers)]
    specs = [_field(name, boxes[box]) for name, box, _o in officer_fields]
    if RECEIPT_BOX in boxes:
        specs.insert(0, _field(RECEIPT_FIELD, boxes[RECEIPT_BOX]))
    specs.append(_field(SEAL_FIELD, boxes[SEAL_BOX], locks=True))
    device = keys.device_signer(store)
    place = content.title
    try:
        pdf = certify(rendered.pdf, specs, device, timestamper=timestamper,
                      reason="处罚文书生成", location=place)
    except TimestampUnavailable:
        timestamper = None  # offline: B-B throughout; HQ adds a document timestamp later
        pdf = certify(rendered.pdf, specs, device, reason="处罚文书生成", location=place)
    kept_capture = None
    if isinstance(receipt, SignatureCapture):
        picture = render_image(receipt, dpi=SIGNATURE_DPI)
        strokes_png = png_bytes(picture, SIGNATURE_DPI)
        kept_capture = ReceiptCapture(canonical_json(capture_record(receipt)), strokes_png,
                                      capture_digest(receipt, strokes_png))
        pdf = sign_field(pdf, RECEIPT_FIELD, device, image=picture, timestamper=timestamper,
                         reason="受送达人签收")
    day = store.clock().strftime("%Y-%m-%d %H:%M")
    applied: list[tuple[str, dict[str, Any]]] = []
    for field_name, box_name, officer in officer_fields:
        signer = team.officers[officer.id]
        _page, _x, _y, w, h = boxes[box_name]
        serial = format(signer.signer.certificate.serial_number, "X")[:16]
        stamp = officer_stamp([officer.name, "证书 " + serial, day], w, h,
                              signer.handwriting_png)
        pdf = sign_field(pdf, field_name, signer.signer, image=stamp,
                         timestamper=timestamper, reason="执法人员签名")
        applied.append((field_name, dict(signer.audit_details())))
    _page, _x, _y, w, h = boxes[SEAL_BOX]
    seal = text_stamp([content.unit[:8], content.unit[8:], day[:10]], w, h, seal=True)
    pdf = sign_field(pdf, SEAL_FIELD, team.seal.signer, image=seal, timestamper=timestamper,
                     lock=True, reason="单位盖章")
    applied.append((SEAL_FIELD, dict(team.seal.audit_details())))
    return pdf, kept_capture, applied


def documents(store: Store, decision_id: str) -> list[KeptPenaltyDocument]:
    """The signed documents of a decision, in the order they were signed."""
    kept = repo.for_decision(store.conn, decision_id)
    return sorted(kept, key=lambda d: (d.created_at, _KIND_ORDER.index(d.kind)))


def document_pdf(store: Store, document_id: str) -> bytes:
    """The kept PDF; a document altered in the store is refused with a clear message."""
    return repo.pdf(store.conn, document_id)


def export(store: Store, document_id: str, path: Path, *, force: bool = False) -> Path:
    """Write a signed document out (never over a file unless `force`); audited."""
    pdf = repo.pdf(store.conn, document_id)
    written = write_export(path, pdf, force=force)
    with store.transaction() as tx:
        tx.audit(Action.DOCUMENT_EXPORTED, document_id, name=path.name, sha256=written.sha256)
    return path
