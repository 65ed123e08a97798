"""The `statement` subcommands of `statement-room`: everything about a statement but the pen.

    statement-room statement new --case CASE --place P --interviewer CERT --interviewer CERT
                   [--recorder CERT] [--kind inquiry|…] (--party-name N --party-id-number X
                   [--party-id-kind K] [--party-phone T] [--party-workplace W]
                   | --read-card PORT) [--json]
    statement-room statement list [--case CASE] [--json]
    statement-room statement show ID [--json]
    statement-room statement turn add ID --kind question|answer|note TEXT|-
    statement-room statement turn edit ID NUMBER TEXT|-
    statement-room statement read-back ID          the interview ends, read-back starts
    statement-room statement draft ID              the interviewee asked for a correction
    statement-room statement sign --statement ID --refused REASON --witness NAME
                   --custodian CERT [--witness-id N] [--json]
    statement-room statement export-pdf ID --out FILE.pdf|FOLDER [--force] [--json]

A turn's TEXT `-` is read from standard input (a long answer, typed or pasted). `sign`
signs a statement whose interviewee refused to sign, with the witness of the refusal: no pen
is needed; each officer of the statement and the seal custodian authenticate for their own
signature (their secret from `config.SECRET_PREFIX` + certificate number, or a prompt naming
them). Pages signed by hand are signed in the window.
"""

from __future__ import annotations

import argparse
import sys
from gettext import gettext as _
from typing import TYPE_CHECKING, Any

from desktop.cli.common import (
    Subparsers,
    add_json,
    add_out,
    command,
    export_out,
    group,
    login_from_args,
    officer_secret,
    print_json,
    refusing_overwrite,
    target_officer,
)
from desktop.domain.errors import UserError
from desktop.domain.model import IdKind, StatementKind, TurnKind

if TYPE_CHECKING:
    from desktop.domain.model import Party, Statement
    from desktop.store.store import Store


def _text(value: str) -> str:
    """A turn's text: the argument, or standard input for `-`."""
    if value != "-":
        return value
    try:
        return sys.stdin.read().rstrip("\n")
    except UnicodeDecodeError as exc:
        raise UserError(_("The text on standard input is not valid UTF-8.")) from exc


def _party(store: Store, args: argparse.Namespace) -> Party:
    """The interviewee: read from an ID card, or typed (checked as the window checks it)."""
    from desktop.domain.ids import new_id
    from desktop.domain.model import Party
    from desktop.services import devices

    if args.read_card is not None:
        read = devices.read_card_party(args.read_card, wait=args.card_timeout)
        for warning in read.warnings:
            print(_("Warning: {warning}").format(warning=warning), file=sys.stderr)
    else:
        if not args.party_name or not args.party_id_number:
            raise UserError(_("Name the interviewee with --party-name and --party-id-number, "
                              "or read their card with --read-card PORT."))
        read = devices.typed_party(Party(id=new_id(), id_kind=IdKind(args.party_id_kind),
                                         id_number=args.party_id_number, name=args.party_name))
    return devices.record_party(store, read.with_contact(args.party_phone,
                                                         args.party_workplace))


def cmd_new(args: argparse.Namespace) -> int:
    from desktop.services import interview
    from desktop.services.cases import find_case

    if len(args.interviewer) != 2:
        raise UserError(_("Name exactly two interviewers, each with --interviewer CERT."))
    with login_from_args(args) as store:
        case = find_case(store, args.case)
        first, second = (target_officer(store, number) for number in args.interviewer)
        recorder = target_officer(store, args.recorder) if args.recorder else second
        party = _party(store, args)
        statement = interview.open_statement(
            store, case_id=case.id, interviewee_id=party.id, kind=StatementKind(args.kind),
            place=args.place, interviewers=(first.id, second.id), recorder_id=recorder.id,
            addendum_of=args.addendum_of)
    if args.json:
        print_json({"ok": True, "statement": statement.id, "case": case.id,
                    "party": party.id, "turns": len(statement.turns)})
    else:
        print(_("Statement {id} opened in case {number} with {party}; {count} opening turns "
                "to complete (see `statement show`).").format(
            id=statement.id, number=case.number, party=party.name, count=len(statement.turns)))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from desktop.domain.rules import state_label
    from desktop.services.cases import find_case, statement_rows
    from desktop.ui.labels import kind_label

    with login_from_args(args) as store:
        case_id = find_case(store, args.case).id if args.case else None
        rows = statement_rows(store, case_id)
    if args.json:
        print_json({"statements": [
            {"id": r.id, "case": r.case_id, "case_number": r.case_number, "kind": r.kind.value,
             "state": r.state.value, "party": r.party_name,
             "started_at": r.started_at.isoformat(), "turns": r.turns} for r in rows]})
        return 0
    if not rows:
        print(_("No statements yet; open one with `statement-room statement new`."))
    for r in rows:
        print(f"{r.started_at:%Y-%m-%d %H:%M}  {r.case_number}  {r.party_name}  "
              f"{kind_label(r.kind)}  {state_label(r.state)}  {r.id}")
    return 0


def _statement_json(statement: Statement, case_number: str, party_name: str,
                    names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": statement.id, "case": statement.case_id, "case_number": case_number,
        "kind": statement.kind.value, "state": statement.state.value, "place": statement.place,
        "party": party_name, "started_at": statement.started_at.isoformat(),
        "ended_at": statement.ended_at.isoformat() if statement.ended_at else None,
        "interviewers": [names[i] for i in statement.interviewer_ids],
        "recorder": names[statement.recorder_id],
        "turns": [{"number": t.seq, "id": t.id, "kind": t.kind.value, "text": t.text,
                   "revision": t.revision, "tag": t.tag.value if t.tag else None}
                  for t in statement.turns],
    }


def cmd_show(args: argparse.Namespace) -> int:
    from desktop.domain.rules import state_label
    from desktop.services import interview
    from desktop.ui.labels import kind_label, turn_label

    with login_from_args(args) as store:
        header = interview.describe(store, args.statement)
    statement = header.statement
    names = {officer_id: officer.name for officer_id, officer in header.officers.items()}
    if args.json:
        print_json(_statement_json(statement, header.case.number, header.party.name, names))
        return 0
    print(_("{kind} of {party}, case {number}, {state}").format(
        kind=kind_label(statement.kind), party=header.party.name, number=header.case.number,
        state=state_label(statement.state)))
    print(_("Place: {place}; started {start}; interviewers {first}, {second}; recorder "
            "{recorder}").format(
        place=statement.place, start=f"{statement.started_at:%Y-%m-%d %H:%M}",
        first=names[statement.interviewer_ids[0]], second=names[statement.interviewer_ids[1]],
        recorder=names[statement.recorder_id]))
    for turn in statement.turns:
        print(f"{turn.seq:>3}  {turn_label(turn.kind)}: {turn.text}")
    return 0


def cmd_turn_add(args: argparse.Namespace) -> int:
    from desktop.services import interview

    text = _text(args.text)
    with login_from_args(args) as store:
        turn = interview.add_turn(store, args.statement, TurnKind(args.kind), text)
    if args.json:
        print_json({"ok": True, "turn": turn.id, "number": turn.seq})
    else:
        print(_("Turn {number} saved.").format(number=turn.seq))
    return 0


def cmd_turn_edit(args: argparse.Namespace) -> int:
    from desktop.services import interview
    from desktop.services.cases import turn_at

    text = _text(args.text)
    with login_from_args(args) as store:
        turn = turn_at(interview.get(store, args.statement), args.number)
        revision = interview.save_turn(store, turn.id, text)
    if args.json:
        print_json({"ok": True, "turn": turn.id, "number": turn.seq, "revision": revision})
    else:
        print(_("Turn {number} saved (revision {revision}).").format(number=turn.seq,
                                                                    revision=revision))
    return 0


def cmd_read_back(args: argparse.Namespace) -> int:
    from desktop.services import interview

    with login_from_args(args) as store:
        interview.start_read_back(store, args.statement)
    print(_("The interview has ended; the statement is in read-back and can be signed."))
    return 0


def cmd_draft(args: argparse.Namespace) -> int:
    from desktop.services import interview

    with login_from_args(args) as store:
        interview.return_to_draft(store, args.statement)
    print(_("The statement is a draft again and can be corrected."))
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    from desktop.documents.page_signatures import ReadBackSignatures
    from desktop.domain.model import SignatureRefusal
    from desktop.services import signing

    with login_from_args(args) as store:
        custodian = target_officer(store, args.custodian)
        refusal = SignatureRefusal(reason=args.refused, witness_name=args.witness,
                                   recorded_at=store.clock(),
                                   witness_id_number=args.witness_id or "")
        # Each officer types their own secret; being logged in signs nothing.
        secrets = {o.id: officer_secret(o) for o in signing.signing_team(store, args.statement)}
        if custodian.id not in secrets:
            secrets[custodian.id] = officer_secret(custodian)
        team = signing.unlock_team(store, args.statement, secrets, custodian_id=custodian.id)
        secrets.clear()
        try:
            signatures = ReadBackSignatures()
            signatures.record_refusal(refusal)
            signed = signing.sign_statement(store, args.statement, signatures, team=team,
                                            timestamper=signing.configured_timestamper())
        finally:
            team.close()
    if args.json:
        print_json({"ok": True, "sha256": signed.sha256, "pages": signed.pages})
    else:
        print(_("Signed and sealed: {pages} page(s), SHA-256 {sha256}.").format(
            pages=signed.pages, sha256=signed.sha256))
    return 0


def cmd_export_pdf(args: argparse.Namespace) -> int:
    import hashlib

    from desktop.services import signing
    from desktop.services.export_files import ExportKind

    with login_from_args(args) as store, refusing_overwrite():
        path = signing.export_document(
            store, args.statement,
            export_out(store, args.statement, args.out_text, ExportKind.SIGNED_PDF),
            force=args.force)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if args.json:
        print_json({"ok": True, "path": str(path), "sha256": digest})
    else:
        print(_("Signed statement written to {path} (SHA-256 {sha256}).").format(
            path=path, sha256=digest))
    return 0


def _statement_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("statement", metavar="ID", help=_("the statement"))


def register(sub: Subparsers) -> None:
    """Add `statement new|list|show|turn|read-back|draft|sign|export-pdf`."""
    statement = group(sub, "statement", _("statements"), "statement_command", metavar="ACTION")
    new = command(statement, "new", cmd_new, _("open a statement in a case"), login=True)
    new.add_argument("--case", required=True, metavar="CASE",
                     help=_("the case number or id"))
    new.add_argument("--kind", choices=[k.value for k in StatementKind],
                     default=StatementKind.INQUIRY.value)
    new.add_argument("--place", required=True, help=_("where the interview takes place"))
    new.add_argument("--interviewer", action="append", default=[], metavar="CERT",
                     required=True, help=_("an interviewer's certificate number (twice)"))
    new.add_argument("--recorder", metavar="CERT",
                     help=_("the recorder's certificate number (default: the second "
                            "interviewer)"))
    new.add_argument("--addendum-of", metavar="ID",
                     help=_("with --kind addendum: the signed statement it adds to"))
    new.add_argument("--party-name", help=_("the interviewee's name"))
    new.add_argument("--party-id-number", help=_("the number of their identity document"))
    new.add_argument("--party-id-kind", choices=[k.value for k in IdKind],
                     default=IdKind.RESIDENT_ID.value)
    new.add_argument("--party-phone", default="")
    new.add_argument("--party-workplace", default="")
    new.add_argument("--read-card", metavar="PORT",
                     help=_("read the interviewee's ID card on this reader instead"))
    new.add_argument("--card-timeout", type=float, default=10.0,
                     help=_("seconds to wait for a card"))
    add_json(new)

    listing = command(statement, "list", cmd_list,
                      _("list statements with case number, party and date"), login=True)
    listing.add_argument("--case", metavar="CASE", help=_("only this case (number or id)"))
    add_json(listing)

    show = command(statement, "show", cmd_show, _("show a statement and its turns"),
                   login=True)
    _statement_arg(show)
    add_json(show)

    turn = statement.add_parser("turn", help=_("add or correct a question, answer or note")
                                ).add_subparsers(dest="turn_command", metavar="ACTION",
                                                 required=True)
    add = command(turn, "add", cmd_turn_add, _("add a turn at the end"), login=True)
    _statement_arg(add)
    add.add_argument("--kind", choices=[k.value for k in TurnKind], required=True)
    add.add_argument("text", metavar="TEXT", help=_("the text, or - to read standard input"))
    add_json(add)
    edit = command(turn, "edit", cmd_turn_edit, _("replace the text of a turn"), login=True)
    _statement_arg(edit)
    edit.add_argument("number", type=int, metavar="NUMBER",
                      help=_("the turn's number, as `statement show` lists it"))
    edit.add_argument("text", metavar="TEXT", help=_("the text, or - to read standard input"))
    add_json(edit)

    read_back = command(statement, "read-back", cmd_read_back,
                        _("end the interview and start the read-back"), login=True)
    _statement_arg(read_back)
    draft = command(statement, "draft", cmd_draft,
                    _("back to draft: the interviewee asked for a correction"), login=True)
    _statement_arg(draft)

    sign = command(statement, "sign", cmd_sign,
                   _("sign and seal a statement the interviewee refused to sign"), login=True)
    sign.add_argument("--statement", required=True, metavar="ID")
    sign.add_argument("--refused", required=True, metavar="REASON",
                      help=_("what the interviewee said when refusing"))
    sign.add_argument("--witness", required=True, help=_("the witness of the refusal"))
    sign.add_argument("--witness-id", help=_("the witness's ID number"))
    sign.add_argument("--custodian", required=True, metavar="CERT",
                      help=_("the seal custodian who applies the seal"))
    add_json(sign)

    export = command(statement, "export-pdf", cmd_export_pdf,
                     _("write the signed statement PDF"), login=True)
    _statement_arg(export)
    add_out(export, _("where to write the PDF: a file, or an existing folder to name it by "
                      "case number and statement kind"), "FILE.pdf|FOLDER")
    add_json(export)
