"""The `evidence` subcommand of `statement-room`: import, verify and export evidence files.

    statement-room evidence import --workdir DIR (--path P | --bodycam URL) [--case CASE]
                                   [--statement ID] [--sm3] [--delete-originals] [--json]
    statement-room evidence verify --workdir DIR [--json]
    statement-room evidence list --workdir DIR [--case CASE] [--json]
    statement-room evidence file --workdir DIR ID... --case CASE [--statement ID] [--json]
    statement-room evidence export --workdir DIR ID --out FILE [--json]

Files are encrypted into the store's vault; names stay inside the encrypted database.
`import` shows each file as it goes, notes empty and hidden files, refuses the store's own
folder, and exits 1 when any file was skipped (each is listed with its reason). Evidence
imported without a case (a docking at the end of a shift) is filed later with `file`.
"""

from __future__ import annotations

import argparse
import sys
from gettext import gettext as _
from gettext import ngettext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop import config
from desktop.cli.common import (
    Subparsers,
    add_json,
    command,
    group,
    login_from_args,
    print_json,
)
from desktop.domain.errors import UserError

if TYPE_CHECKING:
    # The evidence service loads the store and the vault: its handlers import it when they
    # run, not every start of the program (the parser imports every command module).
    from desktop.services.evidence import ImportedItem, SkippedEntry
    from desktop.store.store import Store


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


EXIT_SKIPPED = 1  # some files were not imported: a script must not take the folder as done
CLOCK_WARNING_S = 30.0  # a recorder clock further off than this is corrected *and* reported


def _refuse_store_folder(path: Path, workdir: Path) -> None:
    """Importing the store (or its vault) into itself would double the disk, file by file."""
    from desktop.services.evidence import printable

    source, store = path.resolve(), workdir.resolve()
    if source == store or store in source.parents:
        raise UserError(_("{path} is inside the store's own folder {store}; import evidence "
                          "from where it was copied to, not from the store.").format(
            path=printable(path), store=printable(store)))


def _case_id(store: Store, reference: str | None) -> str | None:
    """The case named by number or id, or None: the files are kept unfiled."""
    from desktop.services.cases import find_case

    return None if reference is None else find_case(store, reference).id


def _notes(item: ImportedItem) -> list[str]:
    """What the officer should look at again: an empty file, a hidden one."""
    notes = []
    if item.size == 0:
        notes.append(_("{name} is empty (0 bytes).").format(name=item.original_name))
    if item.original_name.startswith("."):
        notes.append(_("{name} is a hidden file; check that it belongs to the evidence.")
                     .format(name=item.original_name))
    return notes


def cmd_import(args: argparse.Namespace) -> int:
    if args.bodycam is not None:
        return _import_bodycam(args)
    from desktop.services.evidence import ImportReport, import_path, printable, regular_files

    _refuse_store_folder(args.path, args.workdir)
    report = ImportReport()
    with login_from_args(args) as store:
        case_id = _case_id(store, args.case)
        if args.path.is_dir() and not args.path.is_symlink():
            files = list(regular_files(args.path, report.skipped, args.workdir.resolve()))
        else:
            files = [args.path]
        for index, file in enumerate(files, 1):
            if not args.json:  # progress, one line per file, before its (long) encryption
                print(_("[{index}/{count}] {name}").format(
                    index=index, count=len(files), name=printable(file)), flush=True)
            one = import_path(store, case_id, file, statement_id=args.statement, sm3=args.sm3)
            report.items += one.items
            report.duplicates += one.duplicates
            report.skipped += one.skipped
    notes = [note for item in report.items + report.duplicates for note in _notes(item)]
    if args.json:
        print_json({
            "ok": not report.skipped,
            "items": [_item_json(i, "stored") for i in report.items]
            + [_item_json(i, "duplicate") for i in report.duplicates],
            "skipped": [{"name": s.name, "reason": s.reason} for s in report.skipped],
            "notes": notes,
        })
    else:
        _print_items(report.items, [], report.duplicates, report.skipped)
        for note in notes:
            print(_("Note: {note}").format(note=note))
    return _skipped_exit(report.skipped)


def _skipped_exit(skipped: list[SkippedEntry]) -> int:
    if not skipped:
        return 0
    print(ngettext("{count} file or folder was not imported (listed above).",
                   "{count} files or folders were not imported (listed above).",
                   len(skipped)).format(count=len(skipped)), file=sys.stderr)
    return EXIT_SKIPPED


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
        report = dock_port(store, args.bodycam, case_id=_case_id(store, args.case),
                           statement_id=args.statement, policy=policy, progress=show)
    docking = report.docking
    clock_warning = (docking.clock_offset_s is not None
                     and abs(docking.clock_offset_s) > CLOCK_WARNING_S)
    if clock_warning:  # on stderr even with --json: a person should see it
        print(_("Warning: the clock of recorder {serial} was {offset:+.0f} s off, more than "
                "{limit:.0f} s. The times of its files were corrected by that much; check "
                "the recorder's clock and note it in the case file.").format(
            serial=docking.device_serial, offset=docking.clock_offset_s,
            limit=CLOCK_WARNING_S), file=sys.stderr)
    if not args.json:
        _print_items(report.items, report.already, [], report.skipped)
        if docking.clock_offset_s is not None and args.no_clock_sync:
            print(_("Recorder {serial} (officer {officer}): its clock is {offset:+.0f} s off; "
                    "it was not set (--no-clock-sync).").format(serial=docking.device_serial,
                    officer=docking.officer_number, offset=docking.clock_offset_s))
        elif docking.clock_offset_s is not None:
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
        return _skipped_exit(report.skipped)
    print_json({
        "ok": not report.skipped,
        "docking": docking.id,
        "resumed": report.resumed,
        "device_serial": docking.device_serial,
        "officer_number": docking.officer_number,
        "clock_offset_ms": None if docking.clock_offset_s is None
        else round(docking.clock_offset_s * 1000),
        "clock_warning": clock_warning,
        "certificate_sha256": docking.certificate_sha256,
        "items": [_item_json(i, "stored") for i in report.items]
        + [_item_json(i, "already_stored") for i in report.already],
        "skipped": [{"name": s.name, "reason": s.reason} for s in report.skipped],
        "deleted": report.deleted,
        "not_deleted": [{"name": s.name, "reason": s.reason} for s in report.not_deleted],
    })
    return _skipped_exit(report.skipped)


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


def cmd_list(args: argparse.Namespace) -> int:
    from desktop.services.cases import find_case, unfiled_items
    from desktop.services.evidence import case_items

    with login_from_args(args) as store:
        items = (case_items(store, find_case(store, args.case).id) if args.case
                 else unfiled_items(store))
    rows: list[dict[str, Any]] = [
        {"id": i.id, "name": i.original_name, "kind": i.kind, "size": i.size,
         "sha256": i.sha256, "case": i.case_id, "statement": i.statement_id,
         "imported_at": i.imported_at.isoformat(timespec="seconds")} for i in items]
    if args.json:
        print_json({"items": rows})
        return 0
    if not rows:
        print(_("No evidence filed under this case.") if args.case
              else _("No unfiled evidence."))
    for row in rows:
        print(f"{row['id']}  {row['imported_at'][:16].replace('T', ' ')}  {row['name']}  "
              f"{row['size']}")
    return 0


def cmd_file(args: argparse.Namespace) -> int:
    from desktop.services.cases import find_case
    from desktop.services.evidence import file_item

    with login_from_args(args) as store:
        case = find_case(store, args.case)
        filed = [file_item(store, item_id, case.id, args.statement) for item_id in args.ids]
    if args.json:
        print_json({"ok": True, "case": case.id, "items": [i.id for i in filed]})
    else:
        for item in filed:
            print(_("Filed {name} ({id}) under case {number}.").format(
                name=item.original_name, id=item.id, number=case.number))
    return 0


def register(sub: Subparsers) -> None:
    """Add `evidence import|verify|export`."""
    actions = group(sub, "evidence", _("import, verify and export evidence files"),
                    "evidence_command", metavar="ACTION")

    imp = command(actions, "import", cmd_import,
                  _("encrypt a file or folder into the case's evidence"), login=True)
    add_json(imp)
    imp.add_argument("--case", default=None, metavar="CASE",
                     help=_("the case number or id (without it the files are kept unfiled)"))
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

    listing = command(actions, "list", cmd_list,
                      _("list the unfiled evidence, or a case's with --case"), login=True)
    listing.add_argument("--case", metavar="CASE", help=_("the case number or id"))
    add_json(listing)

    file = command(actions, "file", cmd_file, _("file unfiled evidence under a case"),
                   login=True)
    file.add_argument("ids", nargs="+", metavar="ID", help=_("the evidence item(s)"))
    file.add_argument("--case", required=True, metavar="CASE",
                      help=_("the case number or id"))
    file.add_argument("--statement", default=None, metavar="ID",
                      help=_("also link them to this statement of the case"))
    add_json(file)
