"""The `case` subcommands of `statement-room`: open a case, list the cases, show one.

    statement-room case new --number N --cause C [--matter M] [--place P] [--json]
    statement-room case list [--json]
    statement-room case show CASE [--json]
    statement-room case party CASE [--json]
    statement-room case party-unit CASE --name N --credit-code C --representative R
        [--title legal_representative|principal] --address A [--phone P] [--reason W] [--json]
    statement-room case party-person CASE --reason W [--json]

A case is named by its number (案件编号) or its id wherever one is asked for.

Who a case's party is (decision 54):
- `party` shows the party in force (the person interviewed, or the unit with its
  particulars) and every earlier naming with who made it, when and why.
- `party-unit` names a unit the case's party: its name, 统一社会信用代码 (checked), the
  法定代表人 (`--title legal_representative`, the default) or 负责人 (`--title principal`),
  its 住所 and a phone. Naming it again says why (`--reason`).
- `party-person` makes the person interviewed the party again, saying why.
With ``--json`` their last line is one JSON object: ``party`` (the naming in force, or null:
the person interviewed) and ``history``.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from gettext import gettext as _
from typing import Any

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
        "party": naming_json(party),  # null: the person interviewed
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
    print(party_line(party))
    for row in statements:
        print("  " + _("Statement {id}: {kind}, {state}, {party}, {date}, {turns} turn(s)")
              .format(id=row.id, kind=kind_label(row.kind), state=state_label(row.state),
                      party=row.party_name, date=row.started_at.strftime("%Y-%m-%d %H:%M"),
                      turns=row.turns))
    for item in result["evidence"]:
        print("  " + _("Evidence {id}: {name} ({kind}, {size} bytes)").format(**item))
    return 0


TITLES = ("legal_representative", "principal")


def naming_json(kept: Any) -> dict[str, Any] | None:
    if kept is None:
        return None
    unit = None if kept.unit is None else {
        **asdict(kept.unit), "representative_title": kept.unit.representative_title.value}
    return {"version": kept.version, "kind": kept.kind.value, "unit": unit,
            "reason": kept.reason, "set_at": kept.set_at.isoformat(), "set_by": kept.set_by}


def title_label(value: str) -> str:
    """法定代表人 or 负责人 in the reader's language."""
    return {"legal_representative": _("Legal representative"),
            "principal": _("Principal")}[value]


def party_line(kept: Any) -> str:
    """Who the party is, on one line (`case show`)."""
    if kept is None or kept.unit is None:
        return _("Party: the person interviewed")
    return _("Party: {name} (unit; unified social credit code {code})").format(
        name=kept.unit.name, code=kept.unit.credit_code)


def _print(case_number: str, kept: Any, history: list[Any], names: dict[str, str]) -> None:
    if kept is None or kept.unit is None:
        print(_("The party of case {number} is the person interviewed.").format(
            number=case_number))
    else:
        unit = kept.unit
        print(_("The party of case {number} is a unit:").format(number=case_number))
        print("  " + _("Name: {name}").format(name=unit.name))
        print("  " + _("Unified social credit code: {code}").format(code=unit.credit_code))
        print("  " + _("{title}: {name}").format(
            title=title_label(unit.representative_title.value), name=unit.representative))
        print("  " + _("Address: {address}").format(address=unit.address))
        if unit.phone:
            print("  " + _("Phone: {phone}").format(phone=unit.phone))
    for naming in history:
        what = naming.unit.name if naming.unit else _("the person interviewed")
        line = _("Version {version}: {what}, named {at} by {officer}").format(
            version=naming.version, what=what, at=naming.set_at.strftime("%Y-%m-%d %H:%M"),
            officer=names.get(naming.set_by, naming.set_by))
        if naming.reason:
            line += _(" (why: {reason})").format(reason=naming.reason)
        print("  " + line)


def _report(args: argparse.Namespace, store: Any, case: Any) -> None:
    from desktop.services import case_party
    from desktop.store import officers

    kept = case_party.show(store, case.id)
    history = case_party.history(store, case.id)
    names = {}
    for naming in history:
        officer = officers.get_officer(store.conn, naming.set_by)
        names[naming.set_by] = f"{officer.name} ({officer.certificate_no})"
    if args.json:
        print_json({"case": case.id, "number": case.number, "party": naming_json(kept),
                    "history": [naming_json(h) for h in history]})
        return
    _print(case.number, kept, history, names)


def cmd_party(args: argparse.Namespace) -> int:
    from desktop.services.cases import find_case

    with login_from_args(args) as store:
        _report(args, store, find_case(store, args.case))
    return 0


def cmd_party_unit(args: argparse.Namespace) -> int:
    from desktop.domain.model import RepresentativeTitle, UnitParty
    from desktop.services import case_party
    from desktop.services.cases import find_case

    unit = UnitParty(name=args.name, credit_code=args.credit_code,
                     representative=args.representative,
                     representative_title=RepresentativeTitle(args.title),
                     address=args.address, phone=args.phone)
    with login_from_args(args) as store:
        case = find_case(store, args.case)
        case_party.set_unit(store, case.id, unit, reason=args.reason)
        _report(args, store, case)
    return 0


def cmd_party_person(args: argparse.Namespace) -> int:
    from desktop.services import case_party
    from desktop.services.cases import find_case

    with login_from_args(args) as store:
        case = find_case(store, args.case)
        case_party.set_person(store, case.id, args.reason)
        _report(args, store, case)
    return 0


def _register_party_actions(case: Subparsers) -> None:
    """Add `case party|party-unit|party-person` to the `case` command."""
    show = command(case, "party", cmd_party, _("show who the case's party is"), login=True)
    show.add_argument("case", metavar="CASE", help=_("the case number or id"))
    add_json(show)
    unit = command(case, "party-unit", cmd_party_unit,
                   _("name a unit (company or organisation) the case's party"), login=True)
    unit.add_argument("case", metavar="CASE", help=_("the case number or id"))
    unit.add_argument("--name", required=True, help=_("the unit's name (名称)"))
    unit.add_argument("--credit-code", required=True,
                      help=_("the unified social credit code (统一社会信用代码, 18 characters)"))
    unit.add_argument("--representative", required=True,
                      help=_("the name of the legal representative or principal"))
    unit.add_argument("--title", choices=TITLES, default=TITLES[0],
                      help=_("legal_representative (法定代表人, the default) or principal "
                             "(负责人)"))
    unit.add_argument("--address", required=True, help=_("the unit's registered address (住所)"))
    unit.add_argument("--phone", default="", help=_("a phone number of the unit"))
    unit.add_argument("--reason", default="",
                      help=_("why the party is named again (needed after the first time)"))
    add_json(unit)
    person = command(case, "party-person", cmd_party_person,
                     _("make the person interviewed the case's party again"), login=True)
    person.add_argument("case", metavar="CASE", help=_("the case number or id"))
    person.add_argument("--reason", required=True, help=_("why the party is named again"))
    add_json(person)


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
    _register_party_actions(case)  # who the case's party is (decision 54)
