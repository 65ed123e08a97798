"""The `keys` subcommands: a real unit's keys.

    statement-room keys add-root FILE.pem            trust the unit's (or bureau's) root
    statement-room keys import --role device|seal|officer --p12 FILE [--for CERT]
                               [--custodian CERT ...]
    statement-room keys import-token --for CERT --module LIB.so [--token-label L]
                               [--key-label K]
    statement-room keys list [--json]
    statement-room keys retire ID-OR-FINGERPRINT

Administrators manage keys. Whoever's key is imported or used types their own secret: the
officer of an officer's key, each custodian of the seal. Secrets never go on the command line:
each comes from the variable `config.SECRET_PREFIX` + <certificate number> (for scripts and
tests) or a prompt naming the officer; a PKCS#12 passphrase from `config.P12_PASSPHRASE` or a
prompt. Statements are signed with these keys by `statement sign` (`desktop.cli.statements`).
"""

from __future__ import annotations

import argparse
from datetime import datetime
from gettext import gettext as _
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop import config
from desktop.cli.common import (
    Subparsers,
    add_json,
    command,
    group,
    login_from_args,
    officer_secret,
    print_json,
    secret,
    target_officer,
)
from desktop.domain.errors import UserError

if TYPE_CHECKING:
    from desktop.domain.model import Officer


def cmd_add_root(args: argparse.Namespace) -> int:
    from desktop.services import keys

    with login_from_args(args) as store:
        root = keys.add_trust_root(store, keys.read_key_file(args.file))
    print(_("Trusted root: {subject} (SHA-256 {fingerprint}).").format(
        subject=root.subject, fingerprint=root.fingerprint))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from desktop.services import keys
    from desktop.ui.labels import signing_role_label  # loads the store: not on every start

    data = keys.read_key_file(args.p12)
    with login_from_args(args) as store:
        passphrase = secret(config.P12_PASSPHRASE, _("Passphrase of the PKCS#12 file: "))
        holders: list[Officer] = []
        officer_id = None
        if args.role == "officer":
            if not args.for_officer:
                raise UserError(_("Name the officer whose key this is with --for."))
            holders = [target_officer(store, args.for_officer)]
            officer_id = holders[0].id
        elif args.role == "seal":
            if not args.custodian:
                raise UserError(_("Name the seal's custodian(s) with --custodian."))
            holders = [target_officer(store, number) for number in args.custodian]
        passwords = {officer.id: officer_secret(officer) for officer in holders}
        identity = keys.import_pkcs12(store, data, passphrase.encode("utf-8"), role=args.role,
                                      officer_id=officer_id, holder_passwords=passwords)
        listing = next(k for k in keys.list_keys(store) if k.identity.id == identity.id)
    print(_("Imported {role} key {subject}, valid until {until}, fingerprint {fingerprint}.")
          .format(role=signing_role_label(args.role), subject=listing.subject,
                  until=listing.not_after.date().isoformat(), fingerprint=listing.fingerprint))
    return 0


def cmd_import_token(args: argparse.Namespace) -> int:
    from desktop.documents import token_signer
    from desktop.services import keys

    with login_from_args(args) as store:
        officer = target_officer(store, args.for_officer)
        found = token_signer.find_token_keys(args.module, token_label=args.token_label)
        chosen = [k for k in found
                  if (args.token_label is None or k.ref.token_label == args.token_label)
                  and (args.key_label is None or k.ref.key_label == args.key_label)]
        if len(chosen) != 1:
            raise UserError(_("{count} signing keys with a certificate match on the token(s); "
                              "name one with --token-label and --key-label.").format(
                count=len(chosen)))
        identity = keys.import_token_key(store, officer.id, chosen[0].ref.to_json(),
                                         chosen[0].certificate)
    print(_("Registered the token key of {name}; the PIN is asked at each signing.").format(
        name=officer.name))
    print(identity.id)
    return 0


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


def cmd_list(args: argparse.Namespace) -> int:
    from desktop.documents.certcheck import fingerprint
    from desktop.services import keys
    from desktop.store import officers
    from desktop.ui.labels import key_kind_label, key_status_label, signing_role_label

    with login_from_args(args) as store:
        listings = keys.list_keys(store)
        roots = keys.trust_root_certificates(store)
        names = {o.id: o.name for o in officers.list_officers(store.conn)}
    rows: list[dict[str, Any]] = [
        {"id": k.identity.id, "role": k.identity.role, "kind": k.identity.kind,
             "officer": names.get(k.identity.officer_id or ""), "subject": k.subject,
             "serial": k.serial, "fingerprint": k.fingerprint, "status": k.identity.status,
             "not_before": _when(k.not_before), "not_after": _when(k.not_after),
             "holders": list(k.holders), "chain": list(k.chain),
             "retired_at": _when(k.identity.retired_at)} for k in listings]
    if args.json:
        print_json({"keys": rows, "trust_roots": [fingerprint(r) for r in roots]})
        return 0
    for row in rows:
        holder = f" [{', '.join(row['holders'])}]" if row["holders"] else ""
        print(f"{key_status_label(row['status'])}  {signing_role_label(row['role'])}  "
              f"{key_kind_label(row['kind'])}  {row['subject']}{holder}  "
              f"{str(row['not_after'])[:10]}  {row['fingerprint'][:16]}  "
              f"{' → '.join(row['chain'])}")
    if not rows:
        print(_("No signing keys yet."))
    return 0


def cmd_retire(args: argparse.Namespace) -> int:
    from desktop.services import keys
    from desktop.ui.labels import signing_role_label

    with login_from_args(args) as store:
        retired = keys.retire_identity(store, args.identity)
    print(_("Retired; documents signed with it still verify ({role}, {id}).").format(
        role=signing_role_label(retired.role), id=retired.id))
    return 0


def register(sub: Subparsers) -> None:
    """Add `keys …`."""
    keys_cmd = group(sub, "keys", _("the unit's signing keys"), "keys_command")
    root = command(keys_cmd, "add-root", cmd_add_root, _("trust the unit's root certificate"),
                   login=True)
    root.add_argument("file", type=Path)
    imp = command(keys_cmd, "import", cmd_import, _("import a key from a PKCS#12 file"),
                  login=True)
    imp.add_argument("--role", choices=("device", "seal", "officer"), required=True)
    imp.add_argument("--p12", type=Path, required=True)
    imp.add_argument("--for", dest="for_officer", metavar="CERT",
                     help=_("the officer whose key it is"))
    imp.add_argument("--custodian", action="append", metavar="CERT",
                     help=_("a custodian of the seal (repeat for more)"))
    token = command(keys_cmd, "import-token", cmd_import_token,
                    _("register an officer's key on a hardware token"), login=True)
    token.add_argument("--for", dest="for_officer", metavar="CERT", required=True)
    token.add_argument("--module", required=True, help=_("the token's PKCS#11 library"))
    token.add_argument("--token-label")
    token.add_argument("--key-label")
    listing = command(keys_cmd, "list", cmd_list, _("list signing keys and trust roots"),
                      login=True)
    add_json(listing)
    retire = command(keys_cmd, "retire", cmd_retire, _("retire a signing key"), login=True)
    retire.add_argument("identity", metavar="ID")
