"""The `case` subcommands of `statement-room`: open a case, list the cases, show one.

    statement-room case new --number N --cause C [--matter M] [--place P] [--json]
    statement-room case list [--json]
    statement-room case show CASE [--json]
    statement-room case party|party-unit|party-person CASE …   (desktop/cli/case_party.py)

A case is named by its number (案件编号) or its id wherever one is asked for.
"""

from __future__ import annotations

import argparse
from gettext import gettext as _
from typing import Any

from desktop.cli import case_party
from desktop.cli.common import Subparsers, add_json, command, group, login_from_args, print_json


def cmd_case_new(args: argparse.Namespace) -> int:
    from desktop.domain.ids import new_id
    from desktop.domain.model import Case
    from desktop.services import records

    with login_from_args(args) as store:
        case = records.create_case(store, Case(
            id=new_id(), number=args.number, cause=args.cause, matter=args.matter or args.cause,
            place=args.place))
    if args.json:
        print_json({"ok": True, "case": case.id, "number": case.number})
    else:
        print(_("Case {number} opened ({id}).").format(number=case.number, id=case.id))
    return 0


def cmd_case_list(args: argparse.Namespace) -> int:
    from desktop.services.records import case_summaries

    with login_from_args(args) as store:
        summaries = case_summaries(store)
    rows: list[dict[str, Any]] = [
        {"id": s.case.id, "number": s.case.number, "cause": s.case.cause,
         "matter": s.case.matter, "place": s.case.place, "status": s.case.status.value,
         "statements": len(s.statements), "evidence": s.evidence} for s in summaries]
    if args.json:
        print_json({"cases": rows})
        return 0
    if not rows:
        print(_("No cases yet; open one with `statement-room case new`."))
    for row in rows:
        print(_("{number}  {cause}  {statements} statement(s), {evidence} evidence file(s)  "
                "{id}").format(**row))
    return 0


def cmd_case_show(args: argparse.Namespace) -> int:
    from desktop.domain.model import CaseStatus
    from desktop.domain.rules import state_label
    from desktop.services import case_party as parties
    from desktop.services.cases import find_case, statement_rows
    from desktop.services.evidence import case_items
    from desktop.ui.labels import kind_label

    with login_from_args(args) as store:
        case = find_case(store, args.case)
        statements = statement_rows(store, case.id)
        evidence = case_items(store, case.id)
        party = parties.show(store, case.id)
    result: dict[str, Any] = {
        "id": case.id, "number": case.number, "cause": case.cause, "matter": case.matter,
        "place": case.place, "status": case.status.value,
        "party": case_party.naming_json(party),  # null: the person interviewed
        "statements": [{"id": s.id, "kind": s.kind.value, "state": s.state.value,
                        "party": s.party_name, "started_at": s.started_at.isoformat(),
                        "turns": s.turns} for s in statements],
        "evidence": [{"id": e.id, "name": e.original_name, "kind": e.kind, "size": e.size,
                      "sha256": e.sha256} for e in evidence],
    }
    if args.json:
        print_json(result)
        return 0
    print(_("Case {number}: {cause}").format(number=case.number, cause=case.cause))
    status = _("open") if case.status is CaseStatus.OPEN else _("closed")
    print(_("Matter: {matter}; place: {place}; status: {status}").format(
        matter=case.matter or "-", place=case.place or "-", status=status))
    print(case_party.party_line(party))
    for row in statements:
        print("  " + _("Statement {id}: {kind}, {state}, {party}, {date}, {turns} turn(s)")
              .format(id=row.id, kind=kind_label(row.kind), state=state_label(row.state),
                      party=row.party_name, date=row.started_at.strftime("%Y-%m-%d %H:%M"),
                      turns=row.turns))
    for item in result["evidence"]:
        print("  " + _("Evidence {id}: {name} ({kind}, {size} bytes)").format(**item))
    return 0


def register(sub: Subparsers) -> None:
    """Add `case new|list|show|party|party-unit|party-person`."""
    case = group(sub, "case", _("cases"), "case_command", metavar="ACTION")
    new = command(case, "new", cmd_case_new, _("open a new case"), login=True)
    new.add_argument("--number", required=True, help=_("the case number (案件编号)"))
    new.add_argument("--cause", required=True, help=_("the cause of the case (案由)"))
    new.add_argument("--matter", default="",
                     help=_("the enforcement matter (执法事项; default: the cause)"))
    new.add_argument("--place", default="", help=_("where it happened"))
    add_json(new)
    listing = command(case, "list", cmd_case_list, _("list the cases"), login=True)
    add_json(listing)
    show = command(case, "show", cmd_case_show,
                   _("show a case with its statements and evidence"), login=True)
    show.add_argument("case", metavar="CASE", help=_("the case number or id"))
    add_json(show)
    case_party.register_actions(case)  # who the case's party is (decision 54)
