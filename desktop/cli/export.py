"""The `export` subcommand of `statement-room`: a sealed statement as a court package.

    statement-room export --workdir DIR --statement ID --out PKG.zip|FOLDER [--force]
                          [--with-media] [--json]

writes a BagIt zip (see `verification.package`) holding the signed PDF, the statement's
audit events with inclusion proofs against a freshly signed tree head, SHA-256 and SM3
manifests, the device certificate chain and the unit root, a binding record signed by the
device certificate (decision 0017), the case's evidence manifest with each docking's signed
ingest certificate (with `--with-media` also the media, streamed from the vault), a Chinese
README and the stand-alone
`verify_package.py`. The command prints the package's SHA-256 and the verifier's SHA-256
(to publish, so a court can check its copy of the verifier).

Given a folder, `--out` names the package by case number and statement kind
(`export_files.statement_file_name`). An existing file is replaced only with `--force`; a
missing folder is an error, never created.
"""

from __future__ import annotations

import argparse
from gettext import gettext as _

from desktop.cli.common import (
    Subparsers,
    add_json,
    add_out,
    command,
    export_out,
    login_from_args,
    print_json,
    refusing_overwrite,
)


def cmd_export(args: argparse.Namespace) -> int:
    from desktop.services.export import export_package
    from desktop.services.export_files import ExportKind

    with login_from_args(args) as store, refusing_overwrite():
        out = export_out(store, args.statement, args.out_text, ExportKind.COURT_PACKAGE)
        result = export_package(store, args.statement, out, with_media=args.with_media,
                                force=args.force)
    if args.json:
        print_json({
            "ok": True, "package": str(result.path), "sha256": result.sha256,
            "size": result.size, "events": result.events, "tree_size": result.tree_size,
            "verifier_sha256": result.verifier_sha256,
            "evidence_items": result.evidence_items, "media_included": result.media_included,
        })
        return 0
    print(_("Court package written to {path} ({events} audit events, SHA-256 {sha256}).").format(
        path=result.path, events=result.events, sha256=result.sha256))
    if result.media_included:
        print(_("The package lists {count} evidence items of the case and includes their "
                "media.").format(count=result.evidence_items))
    else:
        print(_("The package lists {count} evidence items of the case (hashes, custody, "
                "ingest certificates); the media are not included (use --with-media).")
              .format(count=result.evidence_items))
    print(_("Check it offline with `python3 verify_package.py --root UNIT-ROOT.pem` in the "
            "extracted folder (the unit root from the issuing unit, not from the package); "
            "the verifier's SHA-256 is {sha256}.").format(sha256=result.verifier_sha256))
    return 0


def register(sub: Subparsers) -> None:
    """Add `export`."""
    export = command(sub, "export", cmd_export,
                     _("export a sealed statement as a court package"), login=True)
    export.add_argument("--statement", required=True, metavar="ID",
                        help=_("the statement to export"))
    add_out(export, _("where to write the package: a file, or an existing folder to name "
                      "it by case number and statement kind"), "PKG.zip|FOLDER")
    export.add_argument("--with-media", action="store_true",
                        help=_("also put the case's evidence media into the package"))
    add_json(export)
