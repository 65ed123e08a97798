"""The `statement-room` command: the GUI by default (GUI issue), subcommands for the rest.

This module assembles the parser from the command modules (each exposes
`register(sub) -> None`), sets the language, and turns the outcome into an exit code.
Arguments that only open the window (no subcommand, no `--help`) are parsed without the
command modules, which load pyHanko and the database: the login window is shown first.
Passwords never come from the command line (it is visible to other users and kept in shell
history): they come from the variables named in `desktop.config` or an interactive prompt.
The officer logging in is named by certificate number with --officer or the officer
variable. A refused operation prints a translated message and exits 1; anything else is a bug
and exits 70 with its traceback on stderr; the file written is a crash report without the
messages or any value (desktop/crash_reports.py), since they could hold personal data.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from gettext import gettext as _
from typing import NoReturn

from desktop.cli.common import (
    EXIT_BUG,
    EXIT_INTERRUPTED,
    EXIT_REFUSED,
    Subparsers,
    add_workdir,
    default_workdir,
)
from desktop.crash_reports import write_crash_report
from desktop.domain.errors import UserError
from desktop.hardening import forbid_core_dumps
from desktop.i18n import LANGUAGES, set_language
from desktop.version import program_version


def registers() -> tuple[Callable[[Subparsers], None], ...]:
    """Every command module's `register`, in the order `--help` lists their commands.

    Imported here, not at the top: the command modules load the signing and database stack,
    which the window (no subcommand) does not need before its login is shown.
    """
    from desktop.cli import (
        audit,
        backup,
        ca,
        cases,
        demo,
        devices,
        discretion,
        documents,
        evidence,
        export,
        keys,
        laws,
        maintenance,
        officers,
        package_check,
        penalty,
        recording,
        search,
        statements,
        sync,
        unit,
    )

    return (
        demo.register,
        officers.register,
        cases.register,
        statements.register,
        recording.register,
        penalty.register,
        audit.register,
        devices.register,
        documents.register,
        export.register,
        package_check.register,
        evidence.register,
        keys.register,
        ca.register,
        maintenance.register,
        backup.register,
        search.register,
        laws.register,
        sync.register,
        discretion.register,
        unit.register,
    )


def cmd_gui(args: argparse.Namespace) -> int:
    """No subcommand: the desktop application."""
    if (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        # Qt would abort the process without a word; say what is wrong instead.
        raise UserError(_("No display was found, so the window cannot open. Run it in a "
                          "desktop session, or use the subcommands (see `statement-room "
                          "--help`)."))
    from desktop.qt_libraries import missing_packages, uses_xcb

    missing = missing_packages() if uses_xcb() else []
    if missing:
        # Qt would print an English message and abort (SIGABRT): name the packages instead.
        raise UserError(_("The window cannot open: the system libraries Qt needs for X11 are "
                          "missing. Install them, for example with `sudo apt-get install "
                          "{packages}`, and start again. The subcommands still work; see "
                          "`statement-room --help`.").format(packages=" ".join(missing)))
    try:
        from desktop.ui.app import run_gui
    except ImportError as exc:  # e.g. Qt's system libraries are missing
        raise UserError(_("The window cannot start: {error}. The subcommands still work; "
                          "see `statement-room --help`.").format(error=exc)) from exc
    return run_gui(args.workdir, demo_devices=args.demo_devices, language=args.lang)


def _add_window_options(parser: argparse.ArgumentParser) -> None:
    """The options of the window itself (no subcommand), shared by both parsers."""
    parser.add_argument("--lang", choices=LANGUAGES, help=_("user interface language"))
    add_workdir(parser)
    parser.add_argument("--demo-devices", action="store_true",
                        help=_("start the window with every device on an emulator"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="statement-room", description=_("Electronic statement room."))
    parser.add_argument("--version", action="version",
                        version=f"statement-room {program_version()}",
                        help=_("print the program's version and exit"))
    _add_window_options(parser)
    sub = parser.add_subparsers(dest="command")
    for register in registers():
        register(sub)
    return parser


class _NotTheWindow(Exception):
    """The arguments are not the window's options alone: the full parser decides."""


class _WindowParser(argparse.ArgumentParser):
    """The window's options and nothing else; anything it cannot parse goes to the full one."""

    def error(self, message: str) -> NoReturn:
        raise _NotTheWindow(message)


def _window_arguments(arguments: list[str]) -> argparse.Namespace | None:
    """The parsed options when `arguments` only open the window (no subcommand, no help,
    no version, nothing wrong); otherwise None, and the full parser handles them (with its
    messages). The full parser imports every command module, and with them pyHanko and the
    database; the window's start need neither, so the usual start skips them."""
    parser = _WindowParser(prog="statement-room", add_help=False)
    _add_window_options(parser)
    parser.set_defaults(command=None)
    try:
        return parser.parse_args(arguments)
    except _NotTheWindow:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    forbid_core_dumps()
    set_language(_peek_language(arguments))
    # Libraries (pyHanko, fontTools) log notes an officer cannot act on; show only errors,
    # on stderr and never in a file (a log could hold personal data).
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    args = _window_arguments(arguments)
    if args is None:
        args = build_parser().parse_args(arguments)
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
        return EXIT_INTERRUPTED
    except Exception as exc:
        traceback.print_exc()
        report = write_crash_report(exc)
        print(_("This is a bug in Statement Room. Nothing shown as saved was lost; please "
                "report the text above."), file=sys.stderr)
        if report is not None:
            print(_("A report for HQ, without personal data, was saved as {path}.")
                  .format(path=report), file=sys.stderr)
        return EXIT_BUG


def _peek_language(arguments: list[str]) -> str | None:
    """Set the language before argparse builds its (translated) help texts."""
    for index, arg in enumerate(arguments):
        if arg == "--lang" and index + 1 < len(arguments):
            return arguments[index + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None
