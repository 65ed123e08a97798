"""`statement-room discretion matters|search QUERY|evaluate FACTS.json`: the discretion
standard HQ published, on the command line.

- `matters` lists the standard's matters (code, field, name), with the standard's version.
- `search QUERY` finds matters by name, code, keyword or field (one character and up).
- `evaluate FACTS.json` applies the engine to the facts (the JSON form of
  `legal.discretion.evaluation.Facts`) and prints the outcome, the tier, the proposed range
  and amount and every step of the reasoning with its citations, and the versions and
  SHA-256 of the standard and of the law library held, which a decision would record. With
  ``--json`` the last line is one JSON object: ``evaluation``, ``standard`` and ``laws``.

Texts are in the officer's language; the reasoning steps are Chinese legal wording (they go
into documents as they are). An example standard is labelled as one.
"""

from __future__ import annotations

import argparse
import json
from gettext import gettext as _
from pathlib import Path
from typing import Any

from desktop.cli.common import Subparsers, add_json, command, emit, group, login_from_args
from desktop.domain.errors import UserError

LIMIT_MAX = 1000


def _standard_json(store: Any) -> dict[str, Any] | None:
    from desktop.services import discretion

    held = discretion.held(store)
    if held is None:
        return None
    return {"version": held.version, "sha256": held.sha256, "id": held.id,
            "title": held.title, "version_date": held.version_date,
            "effective_date": held.effective_date, "example": held.example}


def _laws_json(store: Any) -> dict[str, Any] | None:
    from desktop.store import refdata

    with store.reading() as conn:
        for dataset in refdata.held_datasets(conn):
            if dataset.name == "laws":
                return {"version": dataset.version, "sha256": dataset.sha256}
    return None


def _print_standard(held: dict[str, Any]) -> None:
    print(_("Discretion standard {title} ({id}), version {version} of {date}, sha256 {sha256}")
          .format(title=held["title"], id=held["id"], version=held["version"],
                  date=held["version_date"], sha256=held["sha256"]))
    if held["example"]:
        print(_("This is an example standard: the bureau replaces it with its own."))


def cmd_matters(args: argparse.Namespace) -> int:
    from desktop.services import discretion

    with login_from_args(args) as store:
        std = discretion.standard(store)
        held = _standard_json(store)
    if std is None or held is None:
        raise UserError(_("No discretion standard is held yet: it comes from HQ with the next "
                          "sync."))
    if args.json:
        emit(args, {"standard": held, "matters": [
            {"code": m.code, "name": m.name, "field": m.field} for m in std.matters]})
        return 0
    _print_standard(held)
    for matter in std.matters:
        print(f"{matter.code}  {matter.field}  {matter.name}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from desktop.services import discretion

    query = args.query.strip()
    if not query:
        raise UserError(_("Give the words to search for."))
    if not 1 <= args.limit <= LIMIT_MAX:
        raise UserError(_("--limit must be between 1 and {high}.").format(high=LIMIT_MAX))
    with login_from_args(args) as store:
        hits = discretion.search_matters(store, query, limit=args.limit)
    if args.json:
        emit(args, {"query": query, "hits": [
            {"code": h.code, "name": h.name, "field": h.field, "score": h.score,
             "matched": h.matched} for h in hits]})
        return 0
    if not hits:
        print(_("No matter matches 「{query}」.").format(query=query))
    for index, hit in enumerate(hits, 1):
        print(f"{index:>3}. {hit.code}  {hit.name}  ({hit.field})")
    return 0


def _read_facts(path: Path) -> Any:
    from legal.discretion.evaluation import Facts

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(_("Cannot read {path}: {problem}").format(
            path=path, problem=exc.strerror or exc)) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(_("{path} is not a JSON file of facts ({problem}).").format(
            path=path, problem=exc)) from exc
    try:
        return Facts.from_json(doc)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UserError(_("{path} does not state the facts: it needs matter_code and "
                          "party_type (individual or unit), and may give conditions, "
                          "violation_date, violation_ended, discovered_date and on_the_spot "
                          "({problem}).").format(path=path, problem=exc)) from exc


def _range(r: Any) -> str:
    return "-" if r is None else _("{low}-{high} yuan").format(low=r.low, high=r.high)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from desktop.services import discretion

    facts = _read_facts(args.facts)
    with login_from_args(args) as store:
        evaluation = discretion.evaluate(store, facts)
        held, laws = _standard_json(store), _laws_json(store)
    assert held is not None  # evaluate refused otherwise
    if args.json:
        emit(args, {"evaluation": evaluation.to_json(), "standard": held, "laws": laws})
        return 0
    _print_standard(held)
    print(_("Law library: version {version}, sha256 {sha256}").format(**laws) if laws
          else _("No law library is held: citations cannot be quoted yet."))
    outcome = {"penalty": _("penalty"), "may_waive": _("the penalty may be waived"),
               "no_penalty": _("no penalty"), "time_barred": _("time-barred: no penalty")}
    print(_("Matter: {code} {name}").format(code=evaluation.matter_code,
                                            name=evaluation.matter_name))
    print(_("Outcome: {outcome}").format(outcome=outcome[evaluation.outcome.value]))
    if evaluation.tier is not None:
        print(_("Tier: {tier}; statutory range {statutory}; proposed range {proposed}; "
                "proposed amount {amount}").format(
            tier=evaluation.tier.value, statutory=_range(evaluation.statutory_range),
            proposed=_range(evaluation.proposed_range),
            amount="-" if evaluation.proposed_amount is None
            else _("{amount} yuan").format(amount=evaluation.proposed_amount)))
    flags = [text for on, text in (
        (evaluation.mandatory_mitigation, _("mandatory lighter or mitigated penalty")),
        (evaluation.on_the_spot_allowed, _("may be decided on the spot")),
        (evaluation.hearing_right, _("the party has a right to a hearing")),
        (evaluation.legal_review_required, _("legal review required before the decision")))
        if on]
    if flags:
        print("; ".join(flags))
    for index, step in enumerate(evaluation.steps, 1):
        print(f"{index:>2}. {step.text}")
        for citation in step.citations:
            print(f"      {citation}")
    return 0


def register(sub: Subparsers) -> None:
    """Add `discretion …`."""
    discretion_cmd = group(sub, "discretion", _("the discretion standard HQ published"),
                           "discretion_command")
    matters = command(discretion_cmd, "matters", cmd_matters,
                      _("list the matters of the standard held"), login=True)
    add_json(matters)
    search = command(discretion_cmd, "search", cmd_search, _("find matters by name, code, "
                                                             "keyword or field"), login=True)
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=20,
                        help=_("at most this many hits (1 to {high})").format(high=LIMIT_MAX))
    add_json(search)
    evaluate = command(discretion_cmd, "evaluate", cmd_evaluate,
                       _("apply the standard to the facts of a case (a JSON file)"),
                       login=True)
    evaluate.add_argument("facts", type=Path, metavar="FACTS.json")
    add_json(evaluate)
