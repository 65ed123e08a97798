"""`statement-room sync`: send everything recorded to HQ and keep HQ's signed receipts.

    sync [--hq URL]                          one round, a progress bar on stderr, a summary
    sync enrol --hq URL --code CODE          enrol this device with a code from HQ's admin
    sync status                              what waits, the last sync, problems in words
    sync receipts [--statement ID | --evidence ID]   HQ's receipts, per record
    sync purge [--dry-run]                   free the vault of media HQ holds (admins)
    sync policy [--durability D] [--retention-days N]   the purge policy (admins)

A round that could not send everything exits 1 with the reasons in words; what it did send
stays sent. Each round also pulls HQ's reference data (roster, templates, revocations): what
came is said, a refusal is said on stderr and keeps the last good data, and neither changes
the exit code (the records' delivery decides it). `sync status` shows the versions held,
warns when they are stale (by HQ's clock, and says so when this computer's is far off), and
why HQ's last reference data was refused if it was.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from gettext import gettext as _
from typing import TYPE_CHECKING, Any

from desktop.cli.common import (
    EXIT_OK,
    EXIT_REFUSED,
    Subparsers,
    add_json,
    add_officer,
    add_workdir,
    command,
    emit,
    login_from_args,
    text_checked,
)

if TYPE_CHECKING:
    from sync.client.engine import Progress

DURABILITIES = ("staged", "stored", "replicated", "archived")


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return _("{count} bytes").format(count=n)


def _bar(progress: Progress) -> None:
    """The progress bar on stderr, redrawn in place on a terminal."""
    if not sys.stderr.isatty():
        return
    total = max(progress.bytes_total, 1)
    filled = int(30 * min(progress.bytes_done, total) / total)
    print("\r[" + "#" * filled + "-" * (30 - filled) + "] " + _(
        "{done}/{total} records, {sent} of {size}").format(
            done=progress.records_done, total=progress.records_total,
            sent=_size(progress.bytes_done), size=_size(progress.bytes_total)),
        end="", file=sys.stderr, flush=True)


def cmd_round(args: argparse.Namespace) -> int:
    from desktop.services.sync_round import run_round

    with login_from_args(args) as store:
        report = run_round(store, hq_url=args.hq, progress=_bar)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    result = report.result
    print(_("Sent {sent} records to HQ ({size}); {held} HQ already held; {verified} receipts "
            "verified.").format(sent=result.sent, size=_size(result.bytes_sent),
                                held=result.already_held, verified=result.receipts_verified))
    for problem in report.problems:  # a complete round's are news (HQ restored), not failures
        print(problem if report.complete else _("Not sent: {problem}").format(problem=problem),
              file=sys.stderr)
    pulled = report.refdata
    if pulled is not None and pulled.problem is not None:
        print(_("Reference data not accepted: {problem}").format(problem=pulled.problem),
              file=sys.stderr)
    if pulled is not None and pulled.updated:  # a dataset set aside does not hold back others
        print(_("Reference data from HQ: {datasets}.").format(datasets=_versions(pulled.updated)))
    emit(args, {"complete": report.complete, **report.summary,
                "problems": list(report.problems),
                "refdata": None if pulled is None else {
                    "updated": pulled.updated, "unchanged": pulled.unchanged,
                    "problem": pulled.problem}})
    return EXIT_OK if report.complete else EXIT_REFUSED


def _versions(versions: dict[str, int]) -> str:
    from desktop.services.refdata import dataset_words

    return _(", ").join(_("{name} version {version}").format(name=dataset_words(name),
                                                             version=version)
                        for name, version in sorted(versions.items()))


def _when_ms(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def cmd_enrol(args: argparse.Namespace) -> int:
    from desktop.services.device_certificate import received_words
    from desktop.services.sync_round import enrol

    with login_from_args(args) as store:
        enrolled = enrol(store, args.hq, args.code, args.name)
    print(_("Enrolled with HQ {hq} at {url} as device {device}.").format(
        hq=enrolled.hq_id, url=enrolled.hq_url, device=enrolled.device_id))
    certificate = received_words(enrolled.certificate)
    if certificate is not None:
        print(certificate)
    emit(args, {"hq": enrolled.hq_id, "url": enrolled.hq_url, "device": enrolled.device_id,
                "device_certificate": enrolled.certificate is not None})
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from desktop.services import refdata
    from desktop.services.sync import now_ms, status

    with login_from_args(args) as store:
        shown = status(store)
        reference = refdata.status(store, now_ms())
    if shown.hq_url is None:
        print(_("Not enrolled with HQ."))
    else:
        print(_("HQ: {url}").format(url=shown.hq_url))
    print(_("Waiting to be sent: {count} records, {size}.").format(
        count=shown.pending_records, size=_size(shown.pending_bytes)))
    print(_("Acknowledged by HQ: {count} records.").format(count=shown.receipted))
    print(_("Last sync: {when}").format(
        when=shown.last_sync.strftime("%Y-%m-%d %H:%M:%S") if shown.last_sync
        else _("never")))
    if shown.countersigned_size is not None:
        print(_("Audit trail countersigned by HQ up to {size} events.").format(
            size=shown.countersigned_size))
    for error in shown.errors:
        print(_("Problem: {error}").format(error=error))
    if reference.versions and reference.expires_ms is not None:
        print(_("Reference data from HQ: {datasets} (valid until {when}).").format(
            datasets=_versions(reference.versions), when=_when_ms(reference.expires_ms)))
    else:
        print(_("No reference data from HQ yet."))
    if reference.stale:
        print(_("Warning: HQ's reference data is out of date (it expired {when}); the last "
                "good version stays in use until a sync brings a newer one.").format(
                    when=_when_ms(reference.expires_ms or 0)))
    if reference.clock_note is not None and reference.expires_ms is not None:
        print(reference.clock_note)
    if reference.refusal is not None and reference.refused_at is not None:
        print(_("HQ's last reference data was refused ({when}): {why}").format(
            when=reference.refused_at.strftime("%Y-%m-%d %H:%M:%S"), why=reference.refusal))
    emit(args, {"hq": shown.hq_url, "pending_records": shown.pending_records,
                "pending_bytes": shown.pending_bytes, "receipted": shown.receipted,
                "waiting_for_a_person": shown.waiting_for_a_person,
                "last_sync": shown.last_sync.isoformat() if shown.last_sync else None,
                "countersigned_size": shown.countersigned_size, "errors": list(shown.errors),
                "refdata": {"versions": reference.versions,
                            "expires_ms": reference.expires_ms, "stale": reference.stale,
                            "hq_clock_offset_ms": reference.clock_offset_ms,
                            "refused": reference.refusal}})
    return EXIT_OK


def cmd_receipts(args: argparse.Namespace) -> int:
    from desktop.services.sync import error_words
    from desktop.store import sync_state

    with login_from_args(args) as store, store.reading() as conn:
        rows = sync_state.entries_about(conn, statement_id=args.statement,
                                        evidence_id=args.evidence)
    listed: list[dict[str, Any]] = []
    for row in rows:
        q, receipt = row.queued, row.receipt
        line: dict[str, Any] = {"kind": q.kind.value, "id": q.entity_id, "sha256": q.sha256,
                                "size": q.size, "state": q.state}
        if receipt is not None:
            body = receipt.body
            hq_time = datetime.fromtimestamp(body.hq_time_ms / 1000, UTC)
            line.update(receipt=body.receipt_id, durability=body.durability.value,
                        hq_time=hq_time.isoformat(), log_index=body.log_index)
            print(_("{kind} {id}: receipt {receipt}, {durability} at HQ since {time} (log "
                    "index {index})").format(kind=q.kind.value, id=q.entity_id,
                                            receipt=body.receipt_id,
                                            durability=body.durability.value,
                                            time=hq_time.strftime("%Y-%m-%d %H:%M:%S UTC"),
                                            index=body.log_index))
        else:
            problem = error_words(row.last_error) if row.last_error else None
            line["problem"] = problem
            print(_("{kind} {id}: not yet acknowledged by HQ{problem}").format(
                kind=q.kind.value, id=q.entity_id,
                problem=f" ({problem})" if problem else ""))
        listed.append(line)
    if not rows:
        print(_("No records to send for this."))
    emit(args, {"receipts": listed})
    return EXIT_OK


def cmd_purge(args: argparse.Namespace) -> int:
    from desktop.services.sync_purge import purge

    with login_from_args(args) as store:
        report = purge(store, dry_run=args.dry_run)
    line = (_("Would purge {size} of evidence {items} (held at HQ, receipt {receipt}).")
            if report.dry_run else
            _("Purged {size} of evidence {items} (held at HQ, receipt {receipt})."))
    for check in report.purged:
        print(line.format(size=_size(check.size), items=", ".join(check.item_ids),
                          receipt=check.receipt_id))
    for check in report.kept:
        print(_("Kept evidence {items}: {reason}").format(items=", ".join(check.item_ids),
                                                         reason=check.reason))
    total = (_("Would purge {count} media, freeing {size}.") if report.dry_run
             else _("Purged {count} media, {size} freed."))
    print(total.format(count=len(report.purged), size=_size(report.freed_bytes)))
    emit(args, {"dry_run": report.dry_run, "purged": len(report.purged),
                "freed_bytes": report.freed_bytes, "kept": len(report.kept)})
    return EXIT_OK


def cmd_policy(args: argparse.Namespace) -> int:
    from desktop.services.sync_purge import policy, set_policy
    from sync.protocol.receipt import Durability

    with login_from_args(args) as store:
        if args.durability is None and args.retention_days is None:
            current = policy(store)
        else:
            current = set_policy(store, None if args.durability is None
                                 else Durability(args.durability), args.retention_days)
    print(_("Media are purged once HQ holds them at least “{durability}” and {days} days "
            "have passed since HQ's receipt.").format(durability=current.durability.value,
                                                      days=current.retention_days))
    emit(args, {"durability": current.durability.value,
                "retention_days": current.retention_days})
    return EXIT_OK


def register(sub: Subparsers) -> None:
    """Add `sync` and its actions."""
    parser = sub.add_parser("sync", help=_("send everything recorded to HQ and keep its "
                                           "receipts"))
    parser.set_defaults(handler=text_checked(parser, cmd_round))
    add_workdir(parser)
    add_officer(parser)
    add_json(parser)
    parser.add_argument("--hq", help=_("HQ's address for this round (default: the one "
                                       "enrolled with)"))
    actions = parser.add_subparsers(dest="sync_action", metavar="ACTION")

    enrol = command(actions, "enrol", cmd_enrol, _("enrol this device with HQ"), login=True)
    enrol.add_argument("--hq", required=True, help=_("HQ's address, e.g. https://hq.example"))
    enrol.add_argument("--code", required=True, help=_("the one-time code from HQ's "
                                                       "administrator"))
    enrol.add_argument("--name", help=_("this device's name at HQ"))
    add_json(enrol)

    add_json(command(actions, "status", cmd_status, _("what waits to be sent, the last sync "
                                                      "and problems"), login=True))

    receipts = command(actions, "receipts", cmd_receipts, _("HQ's receipts per record"),
                       login=True)
    which = receipts.add_mutually_exclusive_group()
    which.add_argument("--statement", help=_("only this statement's records"))
    which.add_argument("--evidence", help=_("only this evidence item"))
    add_json(receipts)

    purge = command(actions, "purge", cmd_purge, _("delete local media HQ holds, per the "
                                                   "purge policy (administrators)"),
                    login=True)
    purge.add_argument("--dry-run", action="store_true", help=_("only say what would go"))
    add_json(purge)

    policy = command(actions, "policy", cmd_policy, _("show or set the purge policy "
                                                      "(administrators)"), login=True)
    policy.add_argument("--durability", choices=DURABILITIES,
                        help=_("the least durability HQ must vouch for"))
    policy.add_argument("--retention-days", type=int,
                        help=_("days to keep media after HQ's receipt"))
    add_json(policy)
