"""`statement-room demo`: the headless end-to-end demo, into a new store at --workdir (or
again into a store the demo made; any other store is refused before it is touched)."""

from __future__ import annotations

import argparse
from gettext import gettext as _

from desktop import config
from desktop.cli.common import Subparsers, add_json, command, emit
from desktop.domain.errors import UserError


def cmd_demo(args: argparse.Namespace) -> int:
    from desktop.services.demo import run_demo
    from desktop.services.demo_login import demo_login
    from desktop.store.store import StorePaths

    if StorePaths(args.workdir).exists() and demo_login(args.workdir) is None:
        # Not the demo's store: trying the demo's password on it would only count as a
        # failed login against a real officer.
        raise UserError(_("{path} holds a store that the demo did not make; the demo runs "
                          "in a new folder or in its own store. Name another folder with "
                          "--workdir.").format(path=args.workdir))

    quiet = args.json
    result = run_demo(args.workdir, (lambda _line: None) if quiet else print,
                      with_hq=not args.no_hq, hq_url=args.hq, hq_code=args.hq_code)
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
    demo.add_argument("--hq", help=_("sync to the HQ at this address instead of starting the "
                                     "embedded one"))
    demo.add_argument("--hq-code", help=_("with --hq: the enrolment code from HQ's "
                                          "administrator"))
    demo.add_argument("--no-hq", action="store_true", help=_("do not sync to HQ"))
