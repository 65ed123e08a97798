"""The `statement-room` command: the GUI by default (GUI issue), subcommands for the rest.

Passwords never come from the command line (it is visible to other users and kept in shell
history): they come from $STATEMENT_ROOM_PASSWORD (new ones from
$STATEMENT_ROOM_NEW_PASSWORD) or an interactive prompt. The officer logging in is named by
certificate number with --officer or $STATEMENT_ROOM_OFFICER. A refused operation prints a
translated message and exits 1; anything else is a bug and exits 70 with its traceback on
stderr (never written to disk, where it could leak personal data).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from gettext import gettext as _
from pathlib import Path
from typing import Any

from desktop import (
    cli_ca,
    cli_devices,
    cli_documents,
    cli_evidence,
    cli_export,
    cli_keys,
    cli_maintenance,
)
from desktop.cli_common import (
    HOME_ENV,
    NEW_PASSWORD_ENV,
    OFFICER_ENV,
    PASSWORD_ENV,
    default_workdir,
    emit,
    login_from_args,
    officer_login,
    report_failed_attempts,
    secret,
    target_officer,
)
from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Officer, Role
from desktop.domain.security import check_password_strength
from desktop.i18n import LANGUAGES, set_language
from desktop.store.escrow_file import (
    encrypt_escrow_private_key,
    is_encrypted_escrow_file,
    load_escrow_key_file,
)
from desktop.store.keys import load_escrow_public_key
from desktop.store.store import StorePaths, create_store, recover, unlock

ESCROW_PASSPHRASE_ENV = "STATEMENT_ROOM_ESCROW_PASSPHRASE"
EXIT_REFUSED = 1
EXIT_SAVES_LOST = 3  # `audit verify`: acknowledged saves lost (a damaged or deleted WAL)
EXIT_ANCHOR_MISSING = 4  # `audit verify`: the anchor or high-water mark outside the store is gone
EXIT_BUG = 70


def cmd_demo(args: argparse.Namespace) -> int:
    from desktop.services.demo import run_demo

    quiet = args.json
    result = run_demo(args.workdir, (lambda _line: None) if quiet else print)
    if not quiet:
        from desktop.services.demo_login import DEMO_PASSWORD

        password = "$" + PASSWORD_ENV if os.environ.get(PASSWORD_ENV) else DEMO_PASSWORD
        print(_("Demo finished. To search the demo store yourself, run:"))
        print(f"  {OFFICER_ENV}={result['officer']} {PASSWORD_ENV}={password} "
              f"statement-room search --workdir {args.workdir} 人行道")
    emit(args, result)
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    escrow = None
    if args.escrow_public_key:
        try:
            escrow = load_escrow_public_key(args.escrow_public_key.read_bytes())
        except (OSError, ValueError) as exc:
            raise UserError(_("Cannot read the escrow public key {path}.").format(
                path=args.escrow_public_key)) from exc
    password = secret(PASSWORD_ENV, _("New password: "), confirm=True)
    admin = Officer(id=new_id(), name=args.name, certificate_no=args.certificate,
                    unit=args.unit, role=Role.ADMIN)
    store = create_store(StorePaths(args.workdir), admin, password, escrow=escrow)
    store.close()
    print(_("Store created at {path}.").format(path=args.workdir))
    return 0


def cmd_officer_add(args: argparse.Namespace) -> int:
    with login_from_args(args) as store:
        officer = Officer(id=new_id(), name=args.name, certificate_no=args.certificate,
                          unit=args.unit, role=Role(args.role))
        store.add_officer(officer, secret(NEW_PASSWORD_ENV, _("Password for the new officer: "),
                                           confirm=True))
    print(_("Officer {name} added.").format(name=args.name))
    return 0


def cmd_password(args: argparse.Namespace) -> int:
    current = secret(PASSWORD_ENV, _("Current password: "))
    with report_failed_attempts(
            unlock(StorePaths(args.workdir), officer_login(args), current)) as store:
        store.change_password(current, secret(NEW_PASSWORD_ENV, _("New password: "),
                                               confirm=True))
    print(_("Password changed."))
    return 0


def cmd_officer_unlock(args: argparse.Namespace) -> int:
    with login_from_args(args) as store:
        officer = target_officer(store, args.certificate)
        store.unlock_officer(officer.id)
    print(_("Officer {name} can log in again.").format(name=officer.name))
    return 0


def cmd_officer_reset_password(args: argparse.Namespace) -> int:
    with login_from_args(args) as store:
        officer = target_officer(store, args.certificate)
        store.reset_password(officer.id, secret(
            NEW_PASSWORD_ENV, _("New password for {name}: ").format(name=officer.name),
            confirm=True))
    print(_("Officer {name} can log in with the new password.").format(name=officer.name))
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    try:
        data = args.escrow_key.read_bytes()
    except OSError as exc:
        raise UserError(_("Cannot read the escrow private key {path}.").format(
            path=args.escrow_key)) from exc
    passphrase = (secret(ESCROW_PASSPHRASE_ENV, _("Escrow key passphrase: "))
                  if is_encrypted_escrow_file(data) else None)
    try:
        private = load_escrow_key_file(data, passphrase)
    except UserError as exc:
        raise UserError(_("Cannot read the escrow private key {path}: {reason}").format(
            path=args.escrow_key, reason=exc.message)) from exc
    officer = recover(StorePaths(args.workdir), private, args.certificate,
                      secret(NEW_PASSWORD_ENV, _("New password: "), confirm=True))
    print(_("Officer {name} can log in with the new password.").format(name=officer.name))
    return 0


def cmd_escrow_keygen(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    private_path, public_path = args.out / "escrow-private.key", args.out / "escrow-public.pem"
    if private_path.exists():
        raise UserError(_("{path} exists; refusing to overwrite a key.").format(path=private_path))
    passphrase = secret(ESCROW_PASSPHRASE_ENV, _("Passphrase for the escrow private key: "),
                         confirm=True)
    check_password_strength(passphrase)
    private = X25519PrivateKey.generate()
    encrypted = encrypt_escrow_private_key(private, passphrase)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    args.out.mkdir(parents=True, exist_ok=True)
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(encrypted)
        handle.flush()
        os.fsync(handle.fileno())
    public_path.write_bytes(public_pem)
    print(_("Escrow key pair written: keep {private} at HQ, give {public} to each store.").format(
        private=private_path, public=public_path))
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Exit 0 intact; 1 altered or replaced by an older copy; 3 acknowledged saves lost;
    4 the anchor or the high-water mark kept outside the store is missing."""
    from desktop.services.audit_trail import Status, check

    store = login_from_args(args, check_anchor=False)
    intact = False
    try:
        report, status = check(store)
        intact = status is Status.INTACT
    finally:
        store.close(sign=intact)  # a failed check never signs, nor writes an anchor
    emit(args, {"ok": report.ok, "status": status.value, "size": report.size,
                 "tree_heads": report.heads_checked,
                 "revisions": report.revisions_checked,
                 "problems": [p.message for p in sorted(report.problems,
                                                        key=lambda p: p.position)],
                 "records": report.records_checked, "notes": list(report.notes)})
    if report.ok:
        if not args.json:
            print(_("Audit trail intact: {size} events, {heads} signed tree heads, {revisions} "
                    "turn revisions checked{anchor}.").format(
                size=report.size, heads=report.heads_checked,
                revisions=report.revisions_checked,
                anchor=_(", consistent with the anchor") if report.anchored else ""))
            for note in report.notes:  # the limits of this check (HQ's countersignature…)
                print("  " + note)
        return 0
    first = report.first_problem()
    print(_("Audit trail check FAILED: {problem}").format(problem=first), file=sys.stderr)
    for problem in sorted(report.problems, key=lambda p: p.position)[1:10]:
        print("  - " + problem.message, file=sys.stderr)
    for note in report.notes:
        print("  " + note, file=sys.stderr)
    return {Status.SAVES_LOST: EXIT_SAVES_LOST,
            Status.ANCHOR_MISSING: EXIT_ANCHOR_MISSING}.get(status, EXIT_REFUSED)


def cmd_audit_anchor(args: argparse.Namespace) -> int:
    from desktop.services.audit_trail import recreate_anchor

    if not args.recreate:
        raise UserError(_("Say what to do: --recreate."))
    store = login_from_args(args, check_anchor=False)
    head = None
    try:
        head = recreate_anchor(store)
    finally:
        store.close(sign=head is not None)
    print(_("The tree-head anchor and the high-water mark were re-created at {size} audit "
            "events; this was recorded in the audit trail.").format(size=head.head.tree_size))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from desktop.services.search import search_statements
    from desktop.store.search import highlight

    with login_from_args(args) as store:
        hits = search_statements(store, args.query, args.limit)
    if args.json:
        emit(args, {"query": args.query, "hits": [
            {"statement": h.statement_id, "source": h.source, "snippet": h.snippet,
             "spans": [list(s) for s in h.spans], "score": h.score} for h in hits]})
        return 0
    if not hits:
        print(_("No statement contains 「{query}」.").format(query=args.query))
    for index, hit in enumerate(hits, 1):
        print(f"{index:>3}. {hit.statement_id}  {highlight(hit.snippet, hit.spans)}")
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    """No subcommand: the desktop application."""
    if (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        # Qt would abort the process without a word; say what is wrong instead.
        raise UserError(_("No display was found, so the window cannot open. Run it in a "
                          "desktop session, or use the subcommands (see `statement-room "
                          "--help`)."))
    try:
        from desktop.ui.app import run_gui
    except ImportError as exc:  # e.g. Qt's system libraries are missing
        raise UserError(_("The window cannot start: {error}. The subcommands still work; "
                          "see `statement-room --help`.").format(error=exc)) from exc
    return run_gui(args.workdir, demo_devices=args.demo_devices, language=args.lang)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="statement-room", description=_("Electronic statement room."))
    parser.add_argument("--lang", choices=LANGUAGES, help=_("user interface language"))
    parser.add_argument("--workdir", type=Path, default=None,
                        help=_("store directory (default: ${env} or the user data directory)")
                        .format(env=HOME_ENV))
    parser.add_argument("--demo-devices", action="store_true",
                        help=_("start the window with every device on an emulator"))
    sub = parser.add_subparsers(dest="command")

    def command(name: str, handler: Callable[[argparse.Namespace], int], help_text: str,
                parent: Any = sub, login: bool = False) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(name, help=help_text)
        p.set_defaults(handler=handler)
        p.add_argument("--workdir", type=Path, default=None,
                       help=_("store directory (default: ${env} or the user data directory)")
                       .format(env=HOME_ENV))
        if login:
            p.add_argument("--officer", help=_("certificate number of the officer logging in"))
        return p

    demo = command("demo", cmd_demo, _("run the headless end-to-end demo"))
    demo.add_argument("--json", action="store_true", help=_("end with one JSON line"))
    init = command("init", cmd_init, _("create a new store with its first administrator"))
    init.add_argument("--name", required=True)
    init.add_argument("--certificate", required=True)
    init.add_argument("--unit", required=True)
    init.add_argument("--escrow-public-key", type=Path)
    officer = sub.add_parser("officer", help=_("manage officers")).add_subparsers(
        dest="officer_command", required=True)
    add = command("add", cmd_officer_add, _("add an officer"), officer, login=True)
    add.add_argument("--name", required=True)
    add.add_argument("--certificate", required=True)
    add.add_argument("--unit", required=True)
    add.add_argument("--role", choices=[r.value for r in Role], default=Role.OFFICER.value)
    command("password", cmd_password, _("change your password"), login=True)
    unlock_cmd = command("unlock", cmd_officer_unlock,
                         _("clear an officer's lockout (administrators)"), officer, login=True)
    unlock_cmd.add_argument("certificate", help=_("certificate number of the locked officer"))
    reset = command("reset-password", cmd_officer_reset_password,
                    _("give an officer a new password (administrators)"), officer, login=True)
    reset.add_argument("certificate", help=_("certificate number of the officer"))
    rec = command("recover", cmd_recover, _("set a new password using HQ's escrow key"))
    rec.add_argument("--escrow-key", type=Path, required=True)
    rec.add_argument("--certificate", required=True)
    escrow = sub.add_parser("escrow", help=_("HQ escrow keys")).add_subparsers(
        dest="escrow_command", required=True)
    keygen = escrow.add_parser("keygen", help=_("create an escrow key pair"))
    keygen.set_defaults(handler=cmd_escrow_keygen)
    keygen.add_argument("--out", type=Path, required=True)
    audit_cmd = sub.add_parser("audit", help=_("the audit trail")).add_subparsers(
        dest="audit_command", required=True)
    verify = command("verify", cmd_audit_verify, _("verify the audit trail"), audit_cmd,
                     login=True)
    verify.add_argument("--json", action="store_true")
    anchor = command("anchor", cmd_audit_anchor,
                     _("re-create a deleted tree-head anchor (administrators; audited)"),
                     audit_cmd, login=True)
    anchor.add_argument("--recreate", action="store_true",
                        help=_("write the anchor and high-water mark anew, after checking "
                               "that nothing but their absence is wrong"))
    cli_devices.register(sub, command)
    cli_documents.register(sub)
    cli_export.register(sub)
    cli_evidence.register(sub)
    cli_keys.register(sub, command)
    cli_ca.register(sub, command)
    cli_maintenance.register(sub)
    search = command("search", cmd_search, _("search statements"), login=True)
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=20)
    search.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    set_language(_peek_language(arguments))
    # Libraries (pyHanko, fontTools) log notes an officer cannot act on; show only errors,
    # on stderr and never in a file (a log could hold personal data).
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(arguments)
    if getattr(args, "handler", None) is None:
        args.handler = cmd_gui
    if hasattr(args, "workdir") and args.workdir is None:
        args.workdir = default_workdir()
    try:
        return int(args.handler(args))
    except UserError as exc:
        print(_("Error: {message}").format(message=exc.message), file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print(_("Interrupted; everything shown as saved is kept."), file=sys.stderr)
        return 130
    except Exception:
        traceback.print_exc()
        print(_("This is a bug in Statement Room. Nothing shown as saved was lost; please "
                "report the text above."), file=sys.stderr)
        return EXIT_BUG


def _peek_language(arguments: list[str]) -> str | None:
    """Set the language before argparse builds its (translated) help texts."""
    for index, arg in enumerate(arguments):
        if arg == "--lang" and index + 1 < len(arguments):
            return arguments[index + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


if __name__ == "__main__":
    sys.exit(main())
