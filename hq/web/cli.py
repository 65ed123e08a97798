"""``statement-room-hq users add NAME --role R | list | disable NAME``: the supervision
room's accounts, made on the server's command line only.

``add`` asks the password twice on a terminal, or reads one line from standard input when it
is not one (scripts, tests); for an administrator it prints the TOTP secret and its
``otpauth://`` URI once, to be entered in an authenticator app.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from gettext import gettext as _

from hq.config import HQConfig
from hq.db import Database, open_database
from hq.keys import load_master_key
from hq.state import now_ms
from hq.web import totp
from hq.web.users import ROLES, add_user, disable_user, list_users

__all__ = ["add_users_parser", "run_users"]


def add_users_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]
                     ) -> list[argparse.ArgumentParser]:
    """The ``users`` command and its subcommands (returned, so the caller adds ``--data``
    and ``--lang`` to each)."""
    users = commands.add_parser("users", help=_("the supervision room's users"))
    actions = users.add_subparsers(dest="users_command", required=True)
    add = actions.add_parser("add", help=_("add a user (asks for the password)"))
    add.add_argument("name", help=_("the user's login name"))
    add.add_argument("--role", required=True, choices=ROLES,
                     help=_("supervisor, legal (read-only) or admin (needs a TOTP code)"))
    actions.add_parser("list", help=_("list the users"))
    actions.add_parser("disable", help=_("disable a user and end their sessions")
                       ).add_argument("name", help=_("the user's login name"))
    return list(actions.choices.values())


def _read_password() -> str | None:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(_("Password: "))
    if getpass.getpass(_("Password again: ")) != first:
        print(_("statement-room-hq: the two passwords differ"), file=sys.stderr)
        return None
    return first


def run_users(config: HQConfig, args: argparse.Namespace) -> int:
    config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    db = open_database(config.database)
    try:
        return _run(config, db, args)
    finally:
        db.close()


def _run(config: HQConfig, db: Database, args: argparse.Namespace) -> int:
    if args.users_command == "list":
        from hq.cli import _when as when  # the CLI's one way to print a time (UTC)

        for u in list_users(db):
            state = (_("disabled {when}").format(when=when(u["disabled_ms"]))
                     if u["disabled_ms"] else _("active"))
            print(_("{name}  {role}  created {created}  last login {login}  {state}").format(
                name=u["name"], role=u["role"], created=when(u["created_ms"]),
                login=when(u["last_login_ms"]), state=state))
        return 0
    if args.users_command == "disable":
        if not disable_user(db, args.name, now_ms()):
            print(_("no user {name}").format(name=args.name), file=sys.stderr)
            return 1
        print(_("user {name} disabled; their sessions are ended").format(name=args.name))
        return 0
    password = _read_password()
    if password is None:
        return 2
    try:
        secret = add_user(db, load_master_key(config.data_dir), args.name, args.role,
                          password, now_ms())
    except ValueError as exc:
        print(f"statement-room-hq: {exc}", file=sys.stderr)
        return 2
    print(_("user {name} added as {role}").format(name=args.name, role=args.role))
    if secret is not None:
        print(_("TOTP secret (enter it in an authenticator app; shown only now): {secret}"
                ).format(secret=secret))
        print(totp.otpauth_uri(secret, args.name))
    return 0
