"""`statement-room demo`: the headless end-to-end demo, into a new store at --workdir."""

from __future__ import annotations

import argparse
from gettext import gettext as _

from desktop import config
from desktop.cli.common import Subparsers, add_json, command, emit


def cmd_demo(args: argparse.Namespace) -> int:
    from desktop.services.demo import run_demo

    quiet = args.json
    result = run_demo(args.workdir, (lambda _line: None) if quiet else print)
    if not quiet:
        from desktop.services.demo_login import DEMO_PASSWORD

        password = "$" + config.PASSWORD if config.env(config.PASSWORD) else DEMO_PASSWORD
        print(_("Demo finished. To search the demo store yourself, run:"))
        print(f"  {config.OFFICER}={result['officer']} {config.PASSWORD}={password} "
              f"statement-room search --workdir {args.workdir} 人行道")
    emit(args, result)
    return 0


def register(sub: Subparsers) -> None:
    """Add `demo`."""
    demo = command(sub, "demo", cmd_demo, _("run the headless end-to-end demo"))
    add_json(demo)
