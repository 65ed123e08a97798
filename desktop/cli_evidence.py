"""The `evidence` subcommand of `statement-room`: import, verify and export evidence files.

    statement-room evidence import --workdir DIR --case CASE_ID --path P [--statement ID] [--sm3]
                                   [--json]
    statement-room evidence verify --workdir DIR [--json]
    statement-room evidence export --workdir DIR ID --out FILE [--json]

Files are encrypted into the store's vault; names stay inside the encrypted database.
"""

from __future__ import annotations

import argparse
import json
from gettext import gettext as _
from pathlib import Path
from typing import Any


def cmd_import(args: argparse.Namespace) -> int:
    from desktop.cli import login_from_args  # the CLI's one way to log in
    from desktop.services.evidence import import_path

    with login_from_args(args) as store:
        report = import_path(store, args.case, args.path, statement_id=args.statement,
                             sm3=args.sm3)
    if not args.json:
        for item in report.items:
            print(_("Imported {name} ({size} bytes, SHA-256 {sha256}) as {id}.").format(
                name=item.original_name, size=item.size, sha256=item.sha256, id=item.id))
        for item in report.duplicates:
            print(_("Already in this case: {name} (item {id}).").format(
                name=item.original_name, id=item.id))
        for entry in report.skipped:
            print(_("Skipped {name}: {reason}").format(name=entry.name, reason=entry.reason))
        print(_("{count} files imported, {duplicates} already present, {skipped} skipped.")
              .format(count=len(report.items), duplicates=len(report.duplicates),
                      skipped=len(report.skipped)))
        return 0
    print(json.dumps({
        "ok": True,
        "items": [{"id": i.id, "original_name": i.original_name, "sha256": i.sha256,
                   "size": i.size} for i in report.items],
        "duplicates": [{"id": i.id, "original_name": i.original_name, "sha256": i.sha256,
                        "size": i.size} for i in report.duplicates],
        "skipped": [{"name": s.name, "reason": s.reason} for s in report.skipped],
    }, ensure_ascii=False), flush=True)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from desktop.cli import login_from_args
    from desktop.services.evidence import verify_all

    with login_from_args(args) as store:
        report = verify_all(store)
    if args.json:
        print(json.dumps({
            "ok": report.ok, "checked": report.checked,
            "problems": [{"id": p.item_id, "original_name": p.original_name,
                          "message": p.message} for p in report.problems],
        }, ensure_ascii=False), flush=True)
    else:
        for problem in report.problems:
            print(problem.message)
        if report.ok:
            print(_("All {count} evidence files are intact.").format(count=report.checked))
        else:
            print(_("{failed} of {count} evidence files failed verification.").format(
                failed=len(report.problems), count=report.checked))
    return 0 if report.ok else 1


def cmd_export(args: argparse.Namespace) -> int:
    from desktop.cli import login_from_args
    from desktop.services.evidence import export_item

    with login_from_args(args) as store:
        result = export_item(store, args.id, args.out)
    if args.json:
        print(json.dumps({"ok": True, "path": str(result.path), "sha256": result.sha256,
                          "size": result.size}, ensure_ascii=False), flush=True)
    else:
        print(_("Evidence written to {path} ({size} bytes, SHA-256 {sha256}).").format(
            path=result.path, size=result.size, sha256=result.sha256))
    return 0


def _common(parser: Any) -> None:
    parser.add_argument("--workdir", type=Path, default=None,
                        help=_("store directory (default: ${env} or the user data directory)")
                        .format(env="STATEMENT_ROOM_HOME"))
    parser.add_argument("--officer", help=_("certificate number of the officer logging in"))
    parser.add_argument("--json", action="store_true", help=_("end with one JSON line"))


def register(sub: Any) -> None:
    """Add the `evidence` subcommand (import, verify, export) to the main parser."""
    evidence = sub.add_parser("evidence", help=_("import, verify and export evidence files"))
    actions = evidence.add_subparsers(dest="evidence_command", metavar="ACTION", required=True)

    imp = actions.add_parser("import", help=_("encrypt a file or folder into the case's evidence"))
    imp.set_defaults(handler=cmd_import)
    _common(imp)
    imp.add_argument("--case", required=True, metavar="CASE_ID", help=_("the case"))
    imp.add_argument("--path", type=Path, required=True, metavar="PATH",
                     help=_("a file, or a folder imported recursively"))
    imp.add_argument("--statement", default=None, metavar="ID",
                     help=_("link the files to this statement of the case"))
    imp.add_argument("--sm3", action="store_true", help=_("also compute SM3 digests"))

    ver = actions.add_parser("verify", help=_("decrypt and re-hash every evidence file"))
    ver.set_defaults(handler=cmd_verify)
    _common(ver)

    exp = actions.add_parser("export", help=_("write the original bytes of an evidence file"))
    exp.set_defaults(handler=cmd_export)
    _common(exp)
    exp.add_argument("id", metavar="ID", help=_("the evidence item"))
    exp.add_argument("--out", type=Path, required=True, metavar="FILE",
                     help=_("where to write the file"))
