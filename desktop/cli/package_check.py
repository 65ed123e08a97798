"""The `verify-package` subcommand of `statement-room`: check a court package on this PC.

    statement-room verify-package PACKAGE.zip|FOLDER [--root ROOT.pem | --root-fingerprint HEX]
                                  [--pause]

runs `verification.package_verifier`, the very code every package carries as
`verify_package.py`, so an officer gets the court's verdict without extracting the package or
finding a Python: every manifest, the audit tree head and inclusion proofs, the PDF's
signatures, and with the unit root (given here, never taken from the package) the chain of
trust. Its report and exit status are the verifier's: 0 everything holds and chains to the
root, 1 a check failed (forged or damaged), 2 bad usage, 3 every check that could run holds
but trust was not established (no root given). The report follows the program's language.

`--pause` waits for Enter before returning: Windows' "Open with → 电子笔录室" on a package
(installer/windows/statement-room.nsi) runs the command with it, in a console window that
would otherwise close before the officer could read the verdict.
"""

from __future__ import annotations

import argparse
import contextlib
from gettext import gettext as _
from pathlib import Path

from desktop.cli.common import Subparsers, action
from desktop.i18n import current_language


def cmd_verify_package(args: argparse.Namespace) -> int:
    from verification import package_verifier

    arguments = [str(args.package)]
    if args.root is not None:
        arguments += ["--root", str(args.root)]
    if args.root_fingerprint is not None:
        arguments += ["--root-fingerprint", args.root_fingerprint]
    if not current_language().startswith("zh"):
        arguments.append("--en")
    code = package_verifier.main(arguments)
    if args.pause:
        # No console to read from (started without one): nothing to wait for.
        with contextlib.suppress(EOFError):
            input(_("Press Enter to close this window."))
    return code


def register(sub: Subparsers) -> None:
    """Add `verify-package`."""
    verify = action(sub, "verify-package", cmd_verify_package,
                    _("check a court package (its manifests, audit proofs and signatures)"))
    verify.add_argument("package", type=Path, metavar="PACKAGE.zip|FOLDER")
    trust = verify.add_mutually_exclusive_group()
    trust.add_argument("--root", type=Path, metavar="ROOT.pem",
                       help=_("the issuing unit's root certificate (from the unit, not from "
                              "the package)"))
    trust.add_argument("--root-fingerprint", metavar="HEX",
                       help=_("the SHA-256 fingerprint of the unit's root certificate"))
    verify.add_argument("--pause", action="store_true",
                        help=_("wait for Enter before closing (for a double-clicked package)"))
