"""The `evidence` subcommand of `statement-room`: import, verify and export evidence files.

    statement-room evidence import --workdir DIR (--path P | --bodycam URL) [--case CASE_ID]
                                   [--statement ID] [--sm3] [--delete-originals] [--json]
    statement-room evidence verify --workdir DIR [--json]
    statement-room evidence export --workdir DIR ID --out FILE [--json]

Files are encrypted into the store's vault; names stay inside the encrypted database.
"""

from __future__ import annotations

import argparse
from gettext import gettext as _
from pathlib import Path
from typing import Any

from desktop import config
from desktop.cli.common import (
    Subparsers,
    add_json,
    command,
    group,
    login_from_args,
    print_json,
)
from desktop.services.evidence import ImportedItem, SkippedEntry


def _item_json(item: ImportedItem, status: str) -> dict[str, Any]:
    return {"id": item.id, "original_name": item.original_name, "sha256": item.sha256,
            "size": item.size, "kind": item.kind, "status": status}


def _print_items(stored: list[ImportedItem], already: list[ImportedItem],
                 duplicates: list[ImportedItem], skipped: list[SkippedEntry]) -> None:
    for item in stored:
        print(_("Imported {name} ({size} bytes, SHA-256 {sha256}) as {id}.").format(
            name=item.original_name, size=item.size, sha256=item.sha256, id=item.id))
    for item in already:
        print(_("Already in the vault from this recorder: {name} (item {id}).").format(
            name=item.original_name, id=item.id))
    for item in duplicates:
        print(_("Already in this case: {name} (item {id}).").format(
            name=item.original_name, id=item.id))
    for entry in skipped:
        print(_("Skipped {name}: {reason}").format(name=entry.name, reason=entry.reason))
    print(_("{count} files imported, {duplicates} already present, {skipped} skipped.")
          .format(count=len(stored), duplicates=len(already) + len(duplicates),
                  skipped=len(skipped)))


def cmd_import(args: argparse.Namespace) -> int:
    if args.bodycam is not None:
        return _import_bodycam(args)
    from desktop.services.evidence import import_path

    with login_from_args(args) as store:
        report = import_path(store, args.case, args.path, statement_id=args.statement,
                             sm3=args.sm3)
    if not args.json:
        _print_items(report.items, [], report.duplicates, report.skipped)
        return 0
    print_json({
        "ok": True,
        "items": [_item_json(i, "stored") for i in report.items]
        + [_item_json(i, "duplicate") for i in report.duplicates],
        "skipped": [{"name": s.name, "reason": s.reason} for s in report.skipped],
    })
    return 0


def _import_bodycam(args: argparse.Namespace) -> int:
    from desktop.services.dock import (
        DockPolicy,
        DockProgress,
        configured_device_password,
        dock_port,
    )

    policy = DockPolicy(
        device_password=configured_device_password(),
        sm3=args.sm3, delete_originals=args.delete_originals,
        sync_clock=not args.no_clock_sync)

    shown: set[int] = set()

    def show(p: DockProgress) -> None:
        if not args.json and p.file_index and p.file_index not in shown:
            shown.add(p.file_index)
            print(_("[{index}/{count}] {name}").format(index=p.file_index, count=p.file_count,
                                                      name=p.file_name), flush=True)

    with login_from_args(args) as store:
        report = dock_port(store, args.bodycam, case_id=args.case, statement_id=args.statement,
                           policy=policy, progress=show)
    docking = report.docking
    if not args.json:
        _print_items(report.items, report.already, [], report.skipped)
        if docking.clock_offset_s is not None:
            print(_("Recorder {serial} (officer {officer}): its clock was {offset:+.0f} s off "
                    "and has been set right.").format(serial=docking.device_serial,
                    officer=docking.officer_number, offset=docking.clock_offset_s))
        for path in report.deleted:
            print(_("Deleted from the recorder after verification: {path}").format(path=path))
        for entry in report.not_deleted:
            print(_("Kept on the recorder: {name}: {reason}").format(name=entry.name,
                                                                     reason=entry.reason))
        print(_("Ingest certificate of docking {id}: SHA-256 {sha256}.").format(
            id=docking.id, sha256=docking.certificate_sha256))
        return 0
    print_json({
        "ok": True,
        "docking": docking.id,
        "resumed": report.resumed,
        "device_serial": docking.device_serial,
        "officer_number": docking.officer_number,
        "clock_offset_ms": None if docking.clock_offset_s is None
        else round(docking.clock_offset_s * 1000),
        "certificate_sha256": docking.certificate_sha256,
        "items": [_item_json(i, "stored") for i in report.items]
        + [_item_json(i, "already_stored") for i in report.already],
        "skipped": [{"name": s.name, "reason": s.reason} for s in report.skipped],
        "deleted": report.deleted,
        "not_deleted": [{"name": s.name, "reason": s.reason} for s in report.not_deleted],
    })
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from desktop.services.evidence import verify_all

    with login_from_args(args) as store:
        report = verify_all(store)
    if args.json:
        print_json({
            "ok": report.ok, "checked": report.checked,
            "problems": [{"id": p.item_id, "original_name": p.original_name,
                          "message": p.message} for p in report.problems],
        })
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
    from desktop.services.evidence import export_item

    with login_from_args(args) as store:
        result = export_item(store, args.id, args.out)
    if args.json:
        print_json({"ok": True, "path": str(result.path), "sha256": result.sha256,
                    "size": result.size})
    else:
        print(_("Evidence written to {path} ({size} bytes, SHA-256 {sha256}).").format(
            path=result.path, size=result.size, sha256=result.sha256))
    return 0


def register(sub: Subparsers) -> None:
    """Add `evidence import|verify|export`."""
    actions = group(sub, "evidence", _("import, verify and export evidence files"),
                    "evidence_command", metavar="ACTION")

    imp = command(actions, "import", cmd_import,
                  _("encrypt a file or folder into the case's evidence"), login=True)
    add_json(imp)
    imp.add_argument("--case", default=None, metavar="CASE_ID",
                     help=_("the case (without it the files are kept unfiled)"))
    source = imp.add_mutually_exclusive_group(required=True)
    source.add_argument("--path", type=Path, metavar="PATH",
                        help=_("a file, or a folder imported recursively"))
    source.add_argument("--bodycam", metavar="URL",
                        help=_("dock a body-worn recorder at this port or URL "
                               "(device password from ${env}, default the factory one)")
                        .format(env=config.DEVICE_PASSWORD))
    imp.add_argument("--delete-originals", action="store_true",
                     help=_("with --bodycam: delete each file from the recorder once its vault "
                            "copy is verified"))
    imp.add_argument("--no-clock-sync", action="store_true",
                     help=_("with --bodycam: record the recorder's clock but do not set it"))
    imp.add_argument("--statement", default=None, metavar="ID",
                     help=_("link the files to this statement of the case"))
    imp.add_argument("--sm3", action="store_true", help=_("also compute SM3 digests"))

    ver = command(actions, "verify", cmd_verify, _("decrypt and re-hash every evidence file"),
                  login=True)
    add_json(ver)

    exp = command(actions, "export", cmd_export,
                  _("write the original bytes of an evidence file"), login=True)
    add_json(exp)
    exp.add_argument("id", metavar="ID", help=_("the evidence item"))
    exp.add_argument("--out", type=Path, required=True, metavar="FILE",
                     help=_("where to write the file"))
