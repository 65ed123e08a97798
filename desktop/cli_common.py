"""What every `statement-room` subcommand shares: where the store is, how an officer logs in,
how secrets are read, how results are printed.

Kept apart from `desktop.cli` (which builds the parser from every `cli_*` module) so the
subcommand modules depend on this and not on the parser that imports them. Passwords never
come from the command line: from environment variables or a prompt.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from gettext import gettext as _
from gettext import ngettext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.domain.errors import UserError
from desktop.domain.model import Officer

if TYPE_CHECKING:  # the store stack loads when a command logs in, not when the parser is built
    from desktop.store.store import Store

HOME_ENV = "STATEMENT_ROOM_HOME"
PASSWORD_ENV = "STATEMENT_ROOM_PASSWORD"
NEW_PASSWORD_ENV = "STATEMENT_ROOM_NEW_PASSWORD"
OFFICER_ENV = "STATEMENT_ROOM_OFFICER"


def default_workdir() -> Path:
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home)
    import platformdirs

    return Path(platformdirs.user_data_dir("statement-room", appauthor=False))


def secret(env: str, prompt: str, confirm: bool = False, *, passphrase: bool = False) -> str:
    """A password (or, with `passphrase`, a file's passphrase) from `env` or a prompt.

    Never from the command line: it would be visible to other users and kept in history.
    """
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin or not sys.stdin.isatty():
        raise UserError((_("No passphrase given: set {env} or run in a terminal.") if passphrase
                         else _("No password given: set {env} or run in a terminal.")
                         ).format(env=env))
    value = getpass.getpass(prompt)
    if confirm and getpass.getpass(_("Repeat the passphrase: ") if passphrase
                                   else _("Repeat the password: ")) != value:
        raise UserError(_("The passphrases do not match.") if passphrase
                        else _("The passwords do not match."))
    return value


def officer_login(args: argparse.Namespace) -> str:
    login = args.officer or os.environ.get(OFFICER_ENV)
    if login:
        return str(login)
    if not sys.stdin or not sys.stdin.isatty():
        raise UserError(
            _("Name the officer with --officer or {env}.").format(env=OFFICER_ENV)
        )
    return input(_("Enforcement certificate number: ")).strip()


def report_failed_attempts(store: Store) -> Store:
    """Tell the officer (on stderr, so --json output stays clean) about guesses since their
    last login: they are the one who can tell whether it was them."""
    count = store.failed_attempts_since_login
    if count:
        print(ngettext("{count} failed attempt since your last login.",
                       "{count} failed attempts since your last login.", count)
              .format(count=count), file=sys.stderr)
    return store


def login_from_args(args: argparse.Namespace, check_anchor: bool = True,
                    workdir: Path | None = None) -> Store:
    """Unlock the store for the officer named by --officer/$STATEMENT_ROOM_OFFICER.

    On a store the demo made, nobody named means the demo officer with the demo password.
    """
    from desktop.services.demo_login import demo_login
    from desktop.store.store import StorePaths, unlock

    directory = workdir or args.workdir
    demo = demo_login(directory)
    if demo is not None and not (args.officer or os.environ.get(OFFICER_ENV)):
        return report_failed_attempts(
            unlock(StorePaths(directory), *demo, check_anchor=check_anchor))
    return report_failed_attempts(unlock(
        StorePaths(directory), officer_login(args),
        secret(PASSWORD_ENV, _("Password: ")), check_anchor=check_anchor,
    ))


def emit(args: argparse.Namespace, result: dict[str, Any]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(result, ensure_ascii=False), flush=True)


def target_officer(store: Store, certificate: str) -> Officer:
    from desktop.store import officers

    officer = officers.find_by_certificate(store.conn, certificate)
    if officer is None:
        raise UserError(_("No officer with certificate number {number}.").format(
            number=certificate))
    return officer
