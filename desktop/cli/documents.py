"""The document subcommands of `statement-room`: `verify FILE.pdf`.

`verify` checks every signature and document timestamp of a signed statement offline against
the trust roots given with --trust (and CRLs with --crl), prints each signature and the
bottom line, and exits 0 only when everything holds; 3 when the document does not hold (the
reasons go to stderr); a file that cannot be read at all is a refused operation (exit 1,
via `UserError`). Without --trust no signer can be trusted, so the bottom line is false.
"""

from __future__ import annotations

import argparse
import sys
from gettext import gettext as _
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.cli.common import (
    EXIT_OK,
    Subparsers,
    action,
    add_json,
    add_officer,
    login_from_args,
    print_json,
)

if TYPE_CHECKING:
    from verification.pdf import SignatureReport, VerificationReport

EXIT_DOES_NOT_HOLD = 3


def _yes(value: bool | None) -> str:
    return "-" if value is None else (_("yes") if value else _("no"))


def _print_signature(sig: SignatureReport) -> None:
    from verification.pdf import coverage_label, field_label, modification_label

    kind = _("certification") if sig.certifying else _("approval")
    print(_("[{field}] {signer} ({kind})").format(field=field_label(sig.field_name),
                                                   signer=sig.signer, kind=kind))
    timestamp = _("none (B-B)") if not sig.timestamped else _(
        "{time}, valid: {valid}, trusted: {trusted}").format(
        time=sig.timestamp_time, valid=_yes(sig.timestamp_valid),
        trusted=_yes(sig.timestamp_trusted))
    print("  " + _("signing time: {time}").format(time=sig.signing_time or "-"))
    print("  " + _("timestamp: {timestamp}").format(timestamp=timestamp))
    print("  " + _("intact: {intact}  valid: {valid}  trusted: {trusted}").format(
        intact=_yes(sig.intact), valid=_yes(sig.valid), trusted=_yes(sig.trusted)))
    print("  " + _("coverage: {coverage}  modification: {level}  DocMDP ok: {ok}").format(
        coverage=coverage_label(sig.coverage), level=modification_label(sig.modification_level),
        ok=_yes(sig.docmdp_ok)))
    print("  " + _("bottom line: {verdict}").format(
        verdict=_("holds") if sig.bottom_line else _("DOES NOT HOLD")))


def _print_report(report: VerificationReport) -> None:
    for sig in report.signatures:
        _print_signature(sig)
    for ts in report.timestamps:
        print(_("[{field}] document timestamp {time}: {verdict}").format(
            field=ts.field_name, time=ts.time or "-",
            verdict=_("holds") if ts.bottom_line else _("DOES NOT HOLD")))
    if report.bottom_line:
        print(_("Bottom line: every signature holds and nothing unexplained was modified."))
    else:
        print(_("Bottom line: the document does NOT hold."))


def cmd_verify(args: argparse.Namespace) -> int:
    # Here, not at the top: pyHanko and the verifier load only when `verify` runs, not on
    # every start of the program (the parser imports every command module).
    from desktop.services.verify import load_certificates, load_crls, read_file, verify_document

    data = read_file(args.file)
    report = verify_document(data, load_certificates(args.trust), load_crls(args.crl))
    record_problem = None
    record: dict[str, Any] | None = None
    if args.record_workdir is not None:
        record, record_problem = _check_record(args, data)
    if args.json:
        result = report.as_json()
        if record is not None:
            result["record"] = record
        print_json(result)
    else:
        _print_report(report)
        if record is not None and record_problem is None and record.get("penalty_document"):
            print(_("Record: this is the penalty document {document} kept in this "
                    "store{extra}.").format(
                document=record["penalty_document"],
                extra="" if record["exact"] else _(", with later incremental updates")))
        elif record is not None and record_problem is None:
            print(_("Record: this is the document kept for statement {statement}{extra}.").format(
                statement=record["statement"],
                extra="" if record["exact"] else _(", with later incremental updates")))
    if report.bottom_line and record_problem is None:
        return EXIT_OK
    for reason in [*report.reasons, *([record_problem] if record_problem else [])]:
        print(reason, file=sys.stderr)
    return EXIT_DOES_NOT_HOLD


def _check_record(args: argparse.Namespace, data: bytes) -> tuple[dict[str, Any], str | None]:
    """Compare the file with the signed PDF kept in the store at --workdir."""
    from desktop.services.verify import stored_copy

    with login_from_args(args, workdir=args.record_workdir) as store:
        found = stored_copy(store, data)
    if found.penalty_document_id is not None:
        return {"statement": None, "penalty_document": found.penalty_document_id,
                "exact": found.exact}, None
    if found.statement_id is None:
        return {"statement": None, "exact": False}, _(
            "The file is not a document kept in this store (not the signed copy of any "
            "statement, nor that copy with updates appended).")
    return {"statement": found.statement_id, "exact": found.exact}, None


def register(sub: Subparsers) -> None:
    """Add `verify FILE.pdf` (a store only with --workdir, to compare with its record)."""
    verify = action(sub, "verify", cmd_verify, _("verify the signatures of a statement PDF"))
    verify.add_argument("file", type=Path, metavar="FILE.pdf")
    verify.add_argument("--trust", type=Path, action="append", default=[], metavar="ROOT.pem",
                        help=_("trusted root certificate (repeatable)"))
    verify.add_argument("--crl", type=Path, action="append", default=[], metavar="CRL.pem",
                        help=_("certificate revocation list (repeatable)"))
    add_json(verify)
    # Not the shared --workdir: here the store is optional and never defaulted.
    verify.add_argument("--workdir", dest="record_workdir", type=Path, default=None,
                        help=_("also check the file against the record in this store"))
    add_officer(verify)
