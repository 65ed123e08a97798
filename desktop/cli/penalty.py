"""The `penalty` subcommands of `statement-room`: penalty decisions and their legal review.

    statement-room penalty show CASE [--json]
    statement-room penalty propose CASE --facts FILE.json [--statement ID] [--decision ID]
                   [--json]
    statement-room penalty choose DECISION (--amount N [--deviation lighter|mitigated|heavier
                   --reason TEXT] | --waive) [--json]
    statement-room penalty submit DECISION [--json]
    statement-room penalty queue [--json]
    statement-room penalty approve DECISION [--comments TEXT] [--json]
    statement-room penalty return DECISION --comments TEXT [--json]
    statement-room penalty documents DECISION [--json]
    statement-room penalty document DECISION KIND --out FILE.pdf [--signed] [--force] [--json]

`documents` lists the documents a decision calls for and those signed; `document` writes one
out: as drafted now from the decision, the case and the law library (unsigned, to read or
print), or with `--signed` the copy signed and served in the statement room. Signing needs the
party at the signature pad, so it is done in the window.

`propose` opens a decision of the case (or evaluates an existing one again, `--decision`) and
records the engine's evaluation of the facts in FILE.json (`legal.discretion.evaluation.Facts`
as JSON: matter_code, party_type, conditions, dates, on_the_spot). `approve` and `return` are
a legal reviewer's: logged in as themselves, they type their own secret again to sign the
review (from `config.SECRET_PREFIX` + certificate number, or a prompt naming them), as the
officers do to sign a statement.
"""

from __future__ import annotations

import argparse
import json
from gettext import gettext as _
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.cli.common import (
    Subparsers,
    add_json,
    command,
    group,
    login_from_args,
    officer_secret,
    print_json,
)
from desktop.domain.errors import UserError

if TYPE_CHECKING:
    from desktop.domain.penalty import PenaltyDecision
    from desktop.store.store import Store
    from legal.discretion.evaluation import Facts


def _state_word(state: str) -> str:
    words = {"draft": _("draft: evaluated, no penalty chosen"),
             "chosen": _("chosen: to be submitted for legal review"),
             "in_review": _("with the legal reviewer"),
             "returned": _("returned by the legal reviewer"),
             "approved": _("approved: may be signed"),
             "decided": _("decided: the decision is signed")}
    return words.get(state, state)


def _decision_json(store: Store, decision: PenaltyDecision) -> dict[str, Any]:
    from desktop.services import penalty

    def dataset(used: Any) -> dict[str, Any] | None:
        return None if used is None else {"name": used.name, "version": used.version,
                                          "sha256": used.sha256, "label": used.label}

    reviews = []
    for review in decision.reviews:
        check = penalty.verify_review(store, review.id)
        reviews.append({"id": review.id, "verdict": review.verdict.value,
                        "reviewer": review.reviewer_name, "comments": review.comments,
                        "at": review.at.isoformat(), "key_sha256": review.key_fingerprint,
                        "signature_valid": check.valid, "current": check.current,
                        "problem": check.problem})
    return {"id": decision.id, "case": decision.case_id, "statement": decision.statement_id,
            "officer": decision.officer_id, "state": decision.state.value,
            "review_required": decision.review_required,
            "facts": None if decision.facts is None else decision.facts.to_json(),
            "evaluation": None if decision.evaluation is None
            else decision.evaluation.to_json(),
            "choice": None if decision.choice is None else decision.choice.to_json(),
            "standard": dataset(decision.standard), "library": dataset(decision.library),
            "reviews": reviews}


def _print_decision(result: dict[str, Any]) -> None:
    print(_("Decision {id}: {state}").format(id=result["id"], state=_state_word(result["state"])))
    evaluation = result["evaluation"]
    if result["standard"] is not None:
        print(_("Standard: {label}, version {version} (SHA-256 {sha256})").format(
            **result["standard"]))
    if result["library"] is not None:
        print(_("Law library: {label}, version {version} (SHA-256 {sha256})").format(
            **result["library"]))
    if evaluation is not None:
        print(_("Matter: {name} ({code})").format(name=evaluation["matter_name"],
                                                 code=evaluation["matter_code"]))
        if evaluation["proposed_range"] is not None:
            low, high = evaluation["proposed_range"]
            print(_("Proposed: {low} to {high} yuan").format(low=low, high=high))
        if evaluation["statutory_range"] is not None:
            low, high = evaluation["statutory_range"]
            print(_("Statutory range: {low} to {high} yuan").format(low=low, high=high))
        for step in evaluation["steps"]:
            cited = "；".join(step["citations"])
            print(f"  · {step['text']}" + (f"（{cited}）" if cited else ""))
        if result["review_required"]:
            print(_("Legal review is required (art. 58 of the Administrative Penalty Law)."))
    choice = result["choice"]
    if choice is not None:
        if choice["waived"]:
            print(_("Chosen: no penalty"))
        else:
            print(_("Chosen: {penalties}, {amount} yuan").format(
                penalties="、".join(choice["penalties"]), amount=choice["amount"]))
        if choice["deviation"] is not None:
            kinds = {"lighter": _("lighter penalty"), "mitigated": _("mitigated penalty"),
                     "heavier": _("heavier penalty")}
            deviation = choice["deviation"]
            print(_("Deviation ({kind}): {reason}").format(
                kind=kinds.get(deviation["kind"], deviation["kind"]), reason=deviation["reason"]))
    for review in result["reviews"]:
        verdict = _("approved") if review["verdict"] == "approved" else _("returned")
        print(_("Legal review by {reviewer} at {at}: {verdict}").format(
            reviewer=review["reviewer"], at=review["at"], verdict=verdict))
        if review["comments"]:
            print(_("  Comments: {comments}").format(comments=review["comments"]))
        if not review["signature_valid"]:
            print(_("  The review's signature does not verify: {problem}").format(
                problem=review["problem"]))
        elif not review["current"]:
            print(_("  This review judged an earlier choice."))


def _emit_decision(args: argparse.Namespace, store: Store, decision: PenaltyDecision,
                   message: str) -> int:
    result = _decision_json(store, decision)
    if args.json:
        print_json({"ok": True, **result})
    else:
        print(message)
        _print_decision(result)
    return 0


def _read_facts(path: Path) -> Facts:
    from legal.discretion.evaluation import Facts

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(_("The facts file {path} could not be read: {error}").format(
            path=path, error=exc.strerror or exc)) from exc
    except UnicodeDecodeError as exc:
        raise UserError(_("The facts file {path} is not UTF-8 text.").format(path=path)) \
            from exc
    try:
        return Facts.from_json(json.loads(text))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(_("The facts file {path} is not valid: it needs JSON with "
                          "matter_code, party_type (individual or unit) and conditions.")
                        .format(path=path)) from exc


def cmd_show(args: argparse.Namespace) -> int:
    from desktop.services import penalty
    from desktop.services.cases import find_case

    with login_from_args(args) as store:
        case = find_case(store, args.case)
        results = [_decision_json(store, d) for d in penalty.for_case(store, case.id)]
    if args.json:
        print_json({"case": case.id, "number": case.number, "decisions": results})
        return 0
    if not results:
        print(_("Case {number} has no penalty decision yet; start one with `statement-room "
                "penalty propose`.").format(number=case.number))
    for result in results:
        _print_decision(result)
    return 0


def cmd_propose(args: argparse.Namespace) -> int:
    from desktop.services import penalty
    from desktop.services.cases import find_case

    facts = _read_facts(args.facts)
    with login_from_args(args) as store:
        case = find_case(store, args.case)
        if args.decision:
            decision_id = args.decision
            if penalty.get(store, decision_id).case_id != case.id:
                raise UserError(_("That decision belongs to another case."))
        else:
            decision_id = penalty.open_decision(store, case.id, args.statement).id
        decision = penalty.propose(store, decision_id, facts)
        return _emit_decision(args, store, decision, _("Evaluated."))


def cmd_choose(args: argparse.Namespace) -> int:
    from desktop.services import penalty
    from legal.discretion.evaluation import Deviation, DeviationKind

    if args.waive and args.amount is not None:
        raise UserError(_("Give either --amount or --waive, not both."))
    if not args.waive and args.amount is None:
        raise UserError(_("Give the amount (--amount) or --waive for no penalty."))
    if args.reason and not args.deviation:
        raise UserError(_("--reason goes with --deviation (lighter, mitigated or heavier)."))
    deviation = (None if args.deviation is None
                 else Deviation(DeviationKind(args.deviation), args.reason or ""))
    with login_from_args(args) as store:
        decision = penalty.choose(store, args.decision, waive=args.waive, amount=args.amount,
                                  deviation=deviation)
        return _emit_decision(args, store, decision, _("Penalty chosen."))


def cmd_submit(args: argparse.Namespace) -> int:
    from desktop.services import penalty

    with login_from_args(args) as store:
        decision = penalty.submit_for_review(store, args.decision)
        return _emit_decision(args, store, decision, _("Submitted for legal review."))


def cmd_queue(args: argparse.Namespace) -> int:
    from desktop.services import penalty
    from desktop.store import cases

    with login_from_args(args) as store:
        waiting = [(d, cases.get_case(store.conn, d.case_id)) for d in penalty.review_queue(store)]
    rows = [{"id": d.id, "case": case.id, "number": case.number, "cause": case.cause,
             "amount": None if d.choice is None else d.choice.amount,
             "waived": None if d.choice is None else d.choice.waived} for d, case in waiting]
    if args.json:
        print_json({"queue": rows})
        return 0
    if not rows:
        print(_("No decision is waiting for legal review."))
    for row in rows:
        print(_("{number}  {cause}  {amount} yuan  {id}").format(
            number=row["number"], cause=row["cause"],
            amount="—" if row["amount"] is None else row["amount"], id=row["id"]))
    return 0


def _review(args: argparse.Namespace, approve: bool) -> int:
    from desktop.services import penalty

    with login_from_args(args) as store:
        penalty.get(store, args.decision)  # an unknown id is refused before a secret is asked
        secret = officer_secret(store.officer)  # the reviewer signs with their own key
        if approve:
            decision = penalty.approve(store, args.decision, args.comments, secret=secret)
            message = _("Approved and signed.")
        else:
            decision = penalty.return_for_changes(store, args.decision, args.comments,
                                                  secret=secret)
            message = _("Returned to the case officer, signed.")
        return _emit_decision(args, store, decision, message)


def cmd_approve(args: argparse.Namespace) -> int:
    return _review(args, approve=True)


def cmd_return(args: argparse.Namespace) -> int:
    return _review(args, approve=False)


def _kind_words() -> dict[str, str]:
    from desktop.documents.penalty_text import title
    from desktop.domain.penalty import PenaltyDocumentKind

    return {kind.value: title(kind) for kind in PenaltyDocumentKind}


def cmd_documents(args: argparse.Namespace) -> int:
    from desktop.services import penalty, penalty_documents

    with login_from_args(args) as store:
        decision = penalty.get(store, args.decision)
        due = [kind.value for kind in penalty_documents.kinds_for(decision)]
        kept = penalty_documents.documents(store, decision.id)
    signed = [{"id": k.id, "kind": k.kind.value, "number": k.number, "sha256": k.sha256,
               "pages": k.pages, "receipt": k.receipt} for k in kept]
    if args.json:
        print_json({"decision": decision.id, "due": due, "signed": signed})
        return 0
    words = _kind_words()
    done = {k["kind"]: k for k in signed}
    if not due:
        print(_("This decision calls for no document yet: evaluate the facts first."))
    for kind in due:
        if kind in done:
            print(_("{title}: signed, {number} ({id})").format(
                title=words[kind], number=done[kind]["number"], id=done[kind]["id"]))
        else:
            print(_("{title}: not signed yet").format(title=words[kind]))
    return 0


def cmd_document(args: argparse.Namespace) -> int:
    from desktop.domain.penalty import PenaltyDocumentKind
    from desktop.services import penalty_documents

    kind = PenaltyDocumentKind(args.kind)
    with login_from_args(args) as store:
        if args.signed:
            kept = [k for k in penalty_documents.documents(store, args.decision)
                    if k.kind is kind]
            if not kept:
                raise UserError(_("No {title} of this decision is signed yet.").format(
                    title=_kind_words()[kind.value]))
            penalty_documents.export(store, kept[0].id, args.out, force=args.force)
            result = {"path": str(args.out), "signed": True, "number": kept[0].number,
                      "sha256": kept[0].sha256, "pages": kept[0].pages}
            message = _("Signed copy written to {path}")
        else:
            drafted = penalty_documents.export_draft(store, args.decision, kind, args.out,
                                                     force=args.force)
            result = {"path": str(args.out), "signed": False, "number": drafted.number,
                      "pages": drafted.page_count}
            message = _("Drafted, not signed, written to {path}")
    if args.json:
        print_json(result)
    else:
        print(message.format(path=args.out))
    return 0


def _decision_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("decision", metavar="DECISION", help=_("the decision's id"))


def register(sub: Subparsers) -> None:
    """Add `penalty show|propose|choose|submit|queue|approve|return|documents|document`."""
    from desktop.domain.penalty import PenaltyDocumentKind
    from legal.discretion.evaluation import DeviationKind

    penalty = group(sub, "penalty", _("penalty decisions and legal review"), "penalty_command",
                    metavar="ACTION")
    show = command(penalty, "show", cmd_show, _("show a case's penalty decisions"),
                   login=True)
    show.add_argument("case", metavar="CASE", help=_("the case number or id"))
    add_json(show)

    propose = command(penalty, "propose", cmd_propose,
                      _("evaluate the facts of a case under the discretion standard"),
                      login=True)
    propose.add_argument("case", metavar="CASE", help=_("the case number or id"))
    propose.add_argument("--facts", type=Path, required=True, metavar="FILE.json",
                         help=_("the facts as JSON (matter_code, party_type, conditions…)"))
    propose.add_argument("--statement", metavar="ID",
                         help=_("the statement the facts come from"))
    propose.add_argument("--decision", metavar="ID",
                         help=_("evaluate this decision again instead of opening a new one"))
    add_json(propose)

    choose = command(penalty, "choose", cmd_choose, _("choose the penalty"), login=True)
    _decision_arg(choose)
    choose.add_argument("--amount", type=int, metavar="N", help=_("the fine in yuan"))
    choose.add_argument("--deviation", choices=[k.value for k in DeviationKind],
                        help=_("when the amount leaves the proposed range"))
    choose.add_argument("--reason", metavar="TEXT",
                        help=_("the written reason for the deviation"))
    choose.add_argument("--waive", action="store_true",
                        help=_("no penalty, where the evaluation allows it"))
    add_json(choose)

    submit = command(penalty, "submit", cmd_submit, _("send a decision to legal review"),
                     login=True)
    _decision_arg(submit)
    add_json(submit)

    queue = command(penalty, "queue", cmd_queue, _("decisions waiting for legal review"),
                    login=True)
    add_json(queue)

    approve = command(penalty, "approve", cmd_approve,
                      _("approve a decision as legal reviewer (signed)"), login=True)
    _decision_arg(approve)
    approve.add_argument("--comments", default="", metavar="TEXT",
                         help=_("the reviewer's comments"))
    add_json(approve)

    returned = command(penalty, "return", cmd_return,
                       _("return a decision with written comments (signed)"), login=True)
    _decision_arg(returned)
    returned.add_argument("--comments", required=True, metavar="TEXT",
                          help=_("what the case officer must change"))
    add_json(returned)

    documents = command(penalty, "documents", cmd_documents,
                        _("the documents a decision calls for, and those signed"), login=True)
    _decision_arg(documents)
    add_json(documents)

    document = command(penalty, "document", cmd_document,
                       _("write a penalty document out (drafted now, or the signed copy)"),
                       login=True)
    _decision_arg(document)
    document.add_argument("kind", choices=[k.value for k in PenaltyDocumentKind],
                          help=_("which document"))
    document.add_argument("--out", type=Path, required=True, metavar="FILE.pdf",
                          help=_("where to write it"))
    document.add_argument("--signed", action="store_true",
                          help=_("the copy signed and served, not a draft"))
    document.add_argument("--force", action="store_true",
                          help=_("write over an existing file"))
    add_json(document)
