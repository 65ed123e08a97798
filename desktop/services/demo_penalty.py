"""The demo's penalty step: the sidewalk-parking case carried from its statement to a signed
decision, through the same services an officer uses (issue 17).

It needs the law library and a discretion standard from HQ (the demo's embedded HQ publishes
the statute texts of resources/laws and the starter standard, an example, before the first
sync). The matter is found from the statement's own words; the facts are what the demo's
interview established (an individual, nothing ticked: no prior record is known, the party
drove off when told); the engine proposes a tier and an amount with its reasoning, and the
officer takes the proposed amount. Legal review is asked for only where the evaluation says
art. 58 requires it (a sidewalk-parking fine does not), and then the demo cannot give it: a
reviewer must log in to review, and the demo says so rather than pretend. The prior notice
and the decision are drafted, signed for by the party (a synthetic signature, as the
statement's; on the notice the party waives its periods to state and defend in writing, so
the decision may follow at once), signed by both officers and sealed, exported, and
verified against the unit's trust root like the statement.
"""

from __future__ import annotations

from collections.abc import Callable
from gettext import gettext as _
from pathlib import Path
from typing import Any

from cryptography.x509 import load_pem_x509_certificate

from desktop.documents.penalty_text import title
from desktop.documents.synthetic_signature import synthetic_signature
from desktop.domain.errors import UserError
from desktop.domain.model import Officer
from desktop.domain.penalty import PenaltyDocumentKind
from desktop.services import discretion, law_library, penalty, penalty_documents, unit_profile
from desktop.services.demo_login import demo_password
from desktop.services.officer_signing import Credentials
from desktop.services.verify import verify_document
from desktop.store.store import Store
from legal.discretion.engine import tier_label
from legal.discretion.evaluation import Facts
from legal.discretion.model import PartyType

__all__ = ["decide", "demo_facts"]


def _file_name(kind: PenaltyDocumentKind, number: str) -> str:
    return f"{title(kind)}-{number}.pdf".replace("/", "-")


def demo_facts(store: Store, matter_code: str) -> Facts:
    """The facts the demo's interview established, dated today by the store's clock: the
    clock, and so the time zone, the penalty documents are dated by (`penalty_documents`
    drafts at `store.clock()`). A date of its own zone (Beijing's, say, on a machine set to
    UTC) would have the decision recite facts of a day after its own date."""
    today = store.clock().date().isoformat()
    return Facts(matter_code=matter_code, party_type=PartyType.INDIVIDUAL,
                 conditions=frozenset(), violation_date=today, discovered_date=today)


def decide(store: Store, case_id: str, statement_id: str, team: list[Officer], exports: Path,
           trust_root: Path, say: Callable[[str], None]) -> dict[str, Any] | None:
    """Carry the case to its signed penalty documents; what was done, for the demo's JSON.
    None (said why) when HQ has not sent a law library and a discretion standard."""
    law, standard = law_library.held(store), discretion.held(store)
    if law is None or standard is None:
        say(_("No law library or discretion standard from HQ yet: the penalty step needs "
              "both (run the demo with HQ)."))
        return None
    set_demo_unit_profile(store)
    found = discretion.suggest_for_statement(store, statement_id)
    if not found:
        raise UserError(_("No matter of the discretion standard matches the statement."))
    matter = found[0]
    facts = demo_facts(store, matter.code)
    decision = penalty.open_decision(store, case_id, statement_id)
    decision = penalty.propose(store, decision.id, facts)
    evaluation = decision.evaluation
    assert evaluation is not None  # propose records one or raises
    say(_("Matter matched from the statement's words: {code} {name}; standard 「{title}」 "
          "version {version}, law library 「{edition}」 version {library}").format(
              code=matter.code, name=matter.name, title=standard.title,
              version=standard.version, edition=law.edition, library=law.version))
    decision = penalty.choose(store, decision.id, waive=False,
                              amount=evaluation.proposed_amount, deviation=None)
    say(_("Proposed: tier {tier}, {low}–{high} yuan, {amount} yuan taken; {steps} steps of "
          "reasoning, each cited").format(
              tier="-" if evaluation.tier is None else tier_label(evaluation.tier),
              low=evaluation.proposed_range.low if evaluation.proposed_range else "-",
              high=evaluation.proposed_range.high if evaluation.proposed_range else "-",
              amount=evaluation.proposed_amount, steps=len(evaluation.steps)))
    if decision.review_required:
        penalty.submit_for_review(store, decision.id)
        say(_("This decision needs legal review (art. 58); a legal reviewer must approve it "
              "before it is signed."))
        return {"decision": decision.id, "legal_review_required": True, "documents": []}
    say(_("Legal review not required (art. 58 does not apply)."))
    roots = [load_pem_x509_certificate(trust_root.read_bytes())]
    made: list[dict[str, Any]] = []
    for kind in penalty_documents.kinds_for(decision):
        # The party gives up the notice's periods in writing when signing for it (they
        # admitted the facts), so the decision may follow at once; without that it would
        # wait for the periods to run out.
        waived = kind is PenaltyDocumentKind.PRIOR_NOTICE
        draft = penalty_documents.draft_for(store, decision.id, kind, rights_waived=waived)
        page = draft.receipt_page
        receipt = synthetic_signature(page, draft.page_bindings[page], seed=31 + len(made))
        credentials = Credentials(secrets={o.id: demo_password() for o in team},
                                  custodian_id=team[0].id, custodian_secret=demo_password())
        kept = penalty_documents.sign_for(store, decision.id, kind, credentials=credentials,
                                          receipt=receipt, at=draft.at, rights_waived=waived)
        path = penalty_documents.export(store, kept.id,
                                        exports / _file_name(kind, kept.number))
        report = verify_document(penalty_documents.document_pdf(store, kept.id), roots)
        if not report.bottom_line:
            raise UserError("; ".join(report.reasons))
        say(_("Signed and served: {number} ({pages} page(s), {count} signatures verified), "
              "{path}").format(number=kept.number, pages=kept.pages,
                               count=len(report.signatures), path=path))
        made.append({"id": kept.id, "kind": kind.value, "number": kept.number, "pdf": str(path),
                     "sha256": kept.sha256, "signatures": len(report.signatures),
                     "rights_waived": kept.rights_waived})
    decided = penalty.get(store, decision.id)
    return {
        "decision": decided.id, "state": decided.state.value,
        "matter": {"code": matter.code, "name": matter.name},
        "standard": {"id": standard.id, "title": standard.title,
                     "version": standard.version, "sha256": standard.sha256,
                     "version_date": standard.version_date, "example": standard.example},
        "library": {"edition": law.edition, "version": law.version, "sha256": law.sha256,
                    "synthetic": law.synthetic},
        "matter_row_hash": evaluation.matter_row_hash,
        "tier": None if evaluation.tier is None else evaluation.tier.value,
        "proposed_range": None if evaluation.proposed_range is None
        else [evaluation.proposed_range.low, evaluation.proposed_range.high],
        "amount": None if decided.choice is None else decided.choice.amount,
        "reasoning": [{"rule": s.rule, "citations": list(s.citations)}
                      for s in evaluation.steps],
        "legal_review_required": False,
        "documents": made,
    }


def set_demo_unit_profile(store: Store) -> None:
    """The demo's administrator sets the unit's legal particulars the documents print (an
    example unit: the bodies are named for it, the payment details marked as an example);
    a real unit's administrator sets its own (`statement-room unit set`)."""
    unit_profile.set_profile(store, unit_profile.UnitParticularsRow(
        abbreviation="示综执", reconsideration_body="示例区人民政府", court="示例区人民法院",
        payee="示例区财政局（示例）", bank="示例银行示例区支行（示例）",
        account="0000 0000 0000 0000（示例）",
        payment_method="持本决定书到开户银行缴纳，或者通过统一公共支付平台在线缴纳"))
