"""What every `statement-room` subcommand shares: the shared options, where the store is, how an
officer logs in, how secrets are read, how results are printed, the exit codes.

Every command module imports this and nothing else of the CLI, and `desktop.cli.app` imports
the command modules, so the package has no import circle. Each option used by several
commands (`--workdir`, `--officer`, `--json`) is added here, once, with its one help text.
Passwords never come from the command line: from environment variables (named in
`desktop.config`) or a prompt.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from gettext import gettext as _
from gettext import ngettext
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from desktop import config
from desktop.domain.errors import UserError

if TYPE_CHECKING:  # the store stack loads when a command logs in, not when the parser is built
    from desktop.domain.model import Officer
    from desktop.services.export_files import ExportKind
    from desktop.store.store import Store

Handler: TypeAlias = Callable[[argparse.Namespace], int]
"""What runs a subcommand: the parsed arguments in, the exit code out."""

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""Where a command module adds its subcommands: `register(sub: Subparsers) -> None`."""

EXIT_OK = 0
EXIT_REFUSED = 1  # a refused operation: a translated message on stderr
EXIT_INTERRUPTED = 130  # Ctrl+C, as a shell reports SIGINT
EXIT_BUG = 70  # anything else: a bug, with its traceback on stderr


# -- the shared options ----------------------------------------------------------------------
def add_workdir(parser: argparse.ArgumentParser) -> None:
    """`--workdir`: the store's folder (filled in by `default_workdir` when not given)."""
    parser.add_argument("--workdir", type=Path, default=None,
                        help=_("store directory (default: ${env} or the user data directory)")
                        .format(env=config.HOME))


def add_officer(parser: argparse.ArgumentParser) -> None:
    """`--officer`: who logs in (else the officer variable, else a prompt)."""
    parser.add_argument("--officer", help=_("certificate number of the officer logging in"))


def add_json(parser: argparse.ArgumentParser) -> None:
    """`--json`: the result as one JSON line at the end of stdout, for scripts."""
    parser.add_argument("--json", action="store_true", help=_("end with one JSON line"))


SEARCH_LIMIT_MAX = 1000  # more hits than anyone reads in a terminal; a script narrows instead


def add_search_arguments(parser: argparse.ArgumentParser) -> None:
    """A search command's query and `--limit`, the same for every search."""
    parser.add_argument("query")
    parser.add_argument("--limit", type=int, default=20,
                        help=_("at most this many hits (1 to {high})").format(
                            high=SEARCH_LIMIT_MAX))


def search_query(args: argparse.Namespace) -> str:
    """The query of a search command, refused (translated) when blank or when `--limit` is
    out of range."""
    query = str(args.query).strip()
    if not query:
        raise UserError(_("Give the words to search for."))
    if not 1 <= args.limit <= SEARCH_LIMIT_MAX:
        raise UserError(_("--limit must be between 1 and {high}.").format(
            high=SEARCH_LIMIT_MAX))
    return query


def text_checked(parser: argparse.ArgumentParser, handler: Handler) -> Handler:
    """`handler`, run only when every text argument is text.

    On Linux an argument that is not UTF-8 arrives with its bytes escaped as lone surrogates
    (PEP 383); a file name may be like that and stays a `Path`, but text (a name, a query, a
    case number) cannot be stored or printed, so it is refused here, naming the option,
    instead of failing deep inside with a traceback.
    """
    def run(args: argparse.Namespace) -> int:
        for action_ in parser._actions:  # argparse keeps no public list of its arguments
            values = getattr(args, action_.dest, None)
            for value in values if isinstance(values, list) else [values]:
                if isinstance(value, str) and not _is_text(value):
                    option = (action_.option_strings[-1] if action_.option_strings
                              else str(action_.metavar or action_.dest).upper())
                    raise UserError(_("The value given for {option} is not valid text "
                                      "(UTF-8): {value}").format(
                        option=option, value=value.encode("utf-8", "surrogateescape")
                        .decode("utf-8", "backslashreplace")))
        return handler(args)

    return run


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def command(parent: Subparsers, name: str, handler: Handler, help_text: str, *,
            login: bool = False) -> argparse.ArgumentParser:
    """A subcommand that works on a store: `--workdir`, and with `login` also `--officer`."""
    parser = parent.add_parser(name, help=help_text)
    parser.set_defaults(handler=text_checked(parser, handler))
    add_workdir(parser)
    if login:
        add_officer(parser)
    return parser


def action(parent: Subparsers, name: str, handler: Handler,
           help_text: str) -> argparse.ArgumentParser:
    """A subcommand that needs no store (`ca init`, `devices list`…)."""
    parser = parent.add_parser(name, help=help_text)
    parser.set_defaults(handler=text_checked(parser, handler))
    return parser


def group(sub: Subparsers, name: str, help_text: str, dest: str, *,
          metavar: str | None = None) -> Subparsers:
    """A command with actions (`officer add`, `keys list`…): the subparsers of its actions."""
    return sub.add_parser(name, help=help_text).add_subparsers(dest=dest, metavar=metavar,
                                                               required=True)


# -- the store, the officer and secrets ------------------------------------------------------
def default_workdir() -> Path:
    home = config.home()
    if home is not None:
        return home
    import platformdirs

    return Path(platformdirs.user_data_dir("statement-room", appauthor=False))


def secret(env: str, prompt: str, confirm: bool = False, *, passphrase: bool = False) -> str:
    """A password (or, with `passphrase`, a file's passphrase) from `env` or a prompt.

    Never from the command line: it would be visible to other users and kept in history.
    """
    value = config.env(env)
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


def secret_env(certificate_no: str) -> str:
    """The variable that may hold one officer's password or PIN, for scripts and tests."""
    return config.SECRET_PREFIX + re.sub(r"[^A-Z0-9]", "_", certificate_no.upper())


def officer_secret(officer: Officer) -> str:
    """The named officer's own password (or token PIN), from their variable or a prompt:
    each officer authenticates for their own signature or key."""
    return secret(secret_env(officer.certificate_no),
                  _("Password or token PIN of {name} ({certificate}): ").format(
                      name=officer.name, certificate=officer.certificate_no))


def officer_login(args: argparse.Namespace) -> str:
    login = args.officer or config.env(config.OFFICER)
    if login:
        return str(login)
    if not sys.stdin or not sys.stdin.isatty():
        raise UserError(
            _("Name the officer with --officer or {env}.").format(env=config.OFFICER)
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
    """Unlock the store for the officer named by --officer or the officer variable.

    On a store the demo made, nobody named means the demo officer with the demo password.
    """
    from desktop.services.demo_login import demo_login
    from desktop.store.store import StorePaths, unlock

    directory = workdir or args.workdir
    demo = demo_login(directory)
    if demo is not None and not (args.officer or config.env(config.OFFICER)):
        return report_failed_attempts(
            unlock(StorePaths(directory), *demo, check_anchor=check_anchor))
    return report_failed_attempts(unlock(
        StorePaths(directory), officer_login(args),
        secret(config.PASSWORD, _("Password: ")), check_anchor=check_anchor,
    ))


def target_officer(store: Store, certificate: str) -> Officer:
    """The officer a command acts on, by certificate number."""
    from desktop.store import officers

    officer = officers.find_by_certificate(store.conn, certificate)
    if officer is None:
        raise UserError(_("No officer with certificate number {number}.").format(
            number=certificate))
    return officer


# -- output ----------------------------------------------------------------------------------
def emit(args: argparse.Namespace, result: dict[str, Any]) -> None:
    """With --json, print `result` as the one JSON line a script reads."""
    if getattr(args, "json", False):
        print_json(result)


def print_json(value: dict[str, Any]) -> None:
    """One JSON line on stdout (non-ASCII kept readable; dates and paths as strings)."""
    print(json.dumps(value, ensure_ascii=False, default=str), flush=True)


def export_out(store: Store, statement_id: str, out_text: str, kind: ExportKind) -> Path:
    """Where `--out` asks an export to go: the file named, or inside an existing folder under
    the statement's default name (case number and kind). A trailing "/" says a folder was
    meant, so a missing one is refused rather than written as a file of that name."""
    from desktop.services.export_files import export_target, statement_file_name

    given = Path(out_text)
    if out_text.endswith(("/", os.sep)) and not given.is_dir():
        raise UserError(_("The folder {folder} does not exist; create it first or choose "
                          "another folder.").format(folder=given))
    return export_target(given, statement_file_name(store, statement_id, kind))


@contextmanager
def refusing_overwrite() -> Iterator[None]:
    """Turn the export service's refusal to replace a file into the command line's words."""
    from desktop.services.export_files import ExportTargetExists

    try:
        yield
    except ExportTargetExists as exc:
        raise UserError(_("{path} already exists; add --force to replace it.").format(
            path=exc.path)) from exc


def add_out(parser: argparse.ArgumentParser, what: str, metavar: str) -> None:
    """`--out FILE|FOLDER` and `--force`, as every export command takes them."""
    parser.add_argument("--out", dest="out_text", required=True, metavar=metavar,
                        help=what)
    parser.add_argument("--force", action="store_true",
                        help=_("replace the file if it exists"))
