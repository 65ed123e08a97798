"""`statement-room unit show|set`: the unit's legal particulars the penalty documents print.

- `show` prints the particulars in force (the abbreviation in document numbers, the
  reconsideration body, the court, the payment details), with their version and who set them
  when; any officer may read them (every document prints them).
- `set` puts new particulars in force: administrators only, audited (decision 51). The first
  time every particular is given; later, the ones not given keep their value.

With ``--json`` the last line is one JSON object: ``profile`` (null before one is set).
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, fields, replace
from gettext import gettext as _
from typing import Any

from desktop.cli.common import Subparsers, add_json, command, emit, group, login_from_args

_OPTIONS = {"abbreviation": "--abbreviation", "reconsideration_body": "--reconsideration-body",
            "court": "--court", "payee": "--payee", "bank": "--bank", "account": "--account",
            "payment_method": "--payment-method"}


def _profile_json(held: Any) -> dict[str, Any] | None:
    if held is None:
        return None
    return {"version": held.version, "set_at": held.set_at.isoformat(), "set_by": held.set_by,
            **asdict(held.particulars)}


def _print(held: Any, set_by: str) -> None:
    from desktop.services.unit_profile import field_labels

    print(_("Unit legal particulars, version {version}, set {at} by {officer}:").format(
        version=held.version, at=held.set_at.strftime("%Y-%m-%d %H:%M"), officer=set_by))
    for name, label in field_labels().items():
        print(f"  {label}: {getattr(held.particulars, name)}")


def _officer_name(store: Any, officer_id: str) -> str:
    from desktop.store import officers

    officer = officers.get_officer(store.conn, officer_id)
    return f"{officer.name} ({officer.certificate_no})"


def cmd_show(args: argparse.Namespace) -> int:
    from desktop.services import unit_profile

    with login_from_args(args) as store:
        held = unit_profile.show(store)
        set_by = _officer_name(store, held.set_by) if held else ""
    if args.json:
        emit(args, {"profile": _profile_json(held)})
        return 0
    if held is None:
        print(_("The unit's legal particulars are not set yet: an administrator sets them "
                "with `statement-room unit set` before penalty documents can be drafted."))
        return 0
    _print(held, set_by)
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    from desktop.services import unit_profile

    given = {name: getattr(args, name) for name in _OPTIONS
             if getattr(args, name) is not None}
    with login_from_args(args) as store:
        held = unit_profile.show(store)
        if held is None:
            blank = {f.name: "" for f in fields(unit_profile.UnitParticularsRow)}
            particulars = unit_profile.UnitParticularsRow(**{**blank, **given})
        else:
            particulars = replace(held.particulars, **given)
        kept = unit_profile.set_profile(store, particulars)
        set_by = _officer_name(store, kept.set_by)
    if args.json:
        emit(args, {"profile": _profile_json(kept)})
        return 0
    _print(kept, set_by)
    return 0


def register(sub: Subparsers) -> None:
    """Add `unit …`."""
    unit_cmd = group(sub, "unit", _("the unit's legal particulars printed on penalty documents"),
                     "unit_command")
    show = command(unit_cmd, "show", cmd_show, _("show the unit's legal particulars"),
                   login=True)
    add_json(show)
    set_ = command(unit_cmd, "set", cmd_set,
                   _("set the unit's legal particulars (administrators only)"), login=True)
    helps = {
        "abbreviation": _("the unit's abbreviation in document numbers, e.g. 南综执"),
        "reconsideration_body": _("where the party applies for administrative "
                                  "reconsideration, e.g. 嘉兴市南湖区人民政府"),
        "court": _("where the party may sue, e.g. 嘉兴市南湖区人民法院"),
        "payee": _("the account name fines are paid to"),
        "bank": _("the bank of that account"),
        "account": _("the account number"),
        "payment_method": _("how a fine is paid, in the words the decision prints"),
    }
    for name, option in _OPTIONS.items():
        set_.add_argument(option, dest=name, help=helps[name])
    add_json(set_)
