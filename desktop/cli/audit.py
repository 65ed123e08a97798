"""`statement-room audit verify|anchor`: check the audit trail; re-create a deleted anchor.

`audit verify` exits 0 when the trail is intact; 1 when it was altered or replaced by an older
copy; 3 when acknowledged saves were lost (a damaged or deleted WAL); 4 when the anchor or the
high-water mark kept outside the store is missing.
"""

from __future__ import annotations

import argparse
import sys
from gettext import gettext as _

from desktop.cli.common import (
    EXIT_REFUSED,
    Subparsers,
    add_json,
    command,
    emit,
    group,
    login_from_args,
)
from desktop.domain.errors import UserError

EXIT_SAVES_LOST = 3  # `audit verify`: acknowledged saves lost (a damaged or deleted WAL)
EXIT_ANCHOR_MISSING = 4  # `audit verify`: the anchor or high-water mark outside the store is gone


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Exit 0 intact; 1 altered or replaced by an older copy; 3 acknowledged saves lost;
    4 the anchor or the high-water mark kept outside the store is missing."""
    from desktop.services.audit_trail import Status, check

    store = login_from_args(args, check_anchor=False)
    intact = False
    try:
        report, status = check(store)
        intact = status is Status.INTACT
    finally:
        store.close(sign=intact)  # a failed check never signs, nor writes an anchor
    emit(args, {"ok": report.ok, "status": status.value, "size": report.size,
                 "tree_heads": report.heads_checked,
                 "revisions": report.revisions_checked,
                 "problems": [p.message for p in sorted(report.problems,
                                                        key=lambda p: p.position)],
                 "records": report.records_checked, "notes": list(report.notes)})
    if report.ok:
        if not args.json:
            print(_("Audit trail intact: {size} events, {heads} signed tree heads, {revisions} "
                    "turn revisions checked{anchor}.").format(
                size=report.size, heads=report.heads_checked,
                revisions=report.revisions_checked,
                anchor=_(", consistent with the anchor") if report.anchored else ""))
            for note in report.notes:  # the limits of this check (HQ's countersignature…)
                print("  " + note)
        return 0
    first = report.first_problem()
    print(_("Audit trail check FAILED: {problem}").format(problem=first), file=sys.stderr)
    for problem in sorted(report.problems, key=lambda p: p.position)[1:10]:
        print("  - " + problem.message, file=sys.stderr)
    for note in report.notes:
        print("  " + note, file=sys.stderr)
    return {Status.SAVES_LOST: EXIT_SAVES_LOST,
            Status.ANCHOR_MISSING: EXIT_ANCHOR_MISSING}.get(status, EXIT_REFUSED)


def cmd_audit_anchor(args: argparse.Namespace) -> int:
    from desktop.services.audit_trail import recreate_anchor

    if not args.recreate:
        raise UserError(_("Say what to do: --recreate."))
    store = login_from_args(args, check_anchor=False)
    head = None
    try:
        head = recreate_anchor(store)
    finally:
        store.close(sign=head is not None)
    print(_("The tree-head anchor and the high-water mark were re-created at {size} audit "
            "events; this was recorded in the audit trail.").format(size=head.head.tree_size))
    return 0


def register(sub: Subparsers) -> None:
    """Add `audit verify` and `audit anchor`."""
    audit = group(sub, "audit", _("the audit trail"), "audit_command")
    verify = command(audit, "verify", cmd_audit_verify, _("verify the audit trail"), login=True)
    add_json(verify)
    anchor = command(audit, "anchor", cmd_audit_anchor,
                     _("re-create a deleted tree-head anchor (administrators; audited)"),
                     login=True)
    anchor.add_argument("--recreate", action="store_true",
                        help=_("write the anchor and high-water mark anew, after checking "
                               "that nothing but their absence is wrong"))
