"""`statement-room case party|party-unit|party-person`: who a case's party is (decision 54).

    statement-room case party CASE [--json]
    statement-room case party-unit CASE --name N --credit-code C --representative R
        [--title legal_representative|principal] --address A [--phone P] [--reason W] [--json]
    statement-room case party-person CASE --reason W [--json]

- `party` shows the party in force (the person interviewed, or the unit with its
  particulars) and every earlier naming with who made it, when and why.
- `party-unit` names a unit the case's party: its name, 统一社会信用代码 (checked), the
  法定代表人 (`--title legal_representative`, the default) or 负责人 (`--title principal`),
  its 住所 and a phone. Naming it again says why (`--reason`).
- `party-person` makes the person interviewed the party again, saying why.

A case is named by its number or id. With ``--json`` the last line is one JSON object:
``party`` (the naming in force, or null: the person interviewed) and ``history``.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from gettext import gettext as _
from typing import Any

from desktop.cli.common import Subparsers, add_json, command, login_from_args, print_json

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


def register_actions(case: Subparsers) -> None:
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
