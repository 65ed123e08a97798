"""Recompute the audit trail from the stored records and name the first inconsistency.

Checks, in order of the log: leaf indexes are contiguous (a deleted record leaves a gap);
every record hashes to its stored leaf hash (an edited record); every signed tree head has a
valid device signature and matches the root recomputed at its size (records edited together
with their hashes, or deleted from the end); every stored subtree root the proofs are built
from (decision 21) matches the records it covers; the log extends the anchor kept outside the
store (the store replaced by an older copy); and the statements agree with the log: every
turn revision's text hashes to what its `turn.saved` event recorded, no recorded revision is
missing, and each statement's state is the last state the log recorded for it; and every
audited record (parties, cases, statements, signed documents, pen captures, evidence,
dockings, signing identities, trust roots, officers) matches the content digest of the
latest leaf that recorded it (decision 19). The report also says since when the log waits
for HQ's countersignature: until then a rewrite of the whole history, re-signed with the
device key kept in the store, is beyond what a check inside the store can see.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from gettext import gettext as _

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from desktop.domain.model import StatementState
from desktop.domain.rules import state_label
from desktop.store import audit, coverage
from desktop.store.anchor import Anchor
from desktop.store.connection import Connection, guarded
from desktop.store.store import rollback_message
from sync.protocol.merkle import CompactRange, leaf_hash
from sync.protocol.treehead import SignedTreeHead


@dataclass(frozen=True)
class Problem:
    position: int  # leaf index the problem is found at; problems are reported in log order
    message: str


@dataclass
class TrailReport:
    size: int = 0
    heads_checked: int = 0
    revisions_checked: int = 0
    anchored: bool = False
    problems: list[Problem] = field(default_factory=list)
    records_checked: int = 0
    records_by_table: dict[str, int] = field(default_factory=dict)
    # "table key" of rows recorded before leaves held record digests: reported, not failed
    not_covered: list[str] = field(default_factory=list)
    # The time of the oldest tree head HQ has not countersigned (today: every head).
    countersign_pending_since: str | None = None
    notes: list[str] = field(default_factory=list)  # said whether or not the check passes

    @property
    def ok(self) -> bool:
        return not self.problems

    def first_problem(self) -> str | None:
        if not self.problems:
            return None
        return min(self.problems, key=lambda p: p.position).message


def _label(record: audit.AuditRecord) -> str:
    return _("audit record #{index} ({action}, {time})").format(
        index=record.idx, action=record.action, time=record.at
    )


def verify_trail(conn: Connection, log_id: str, anchor: Anchor | None) -> TrailReport:
    with guarded():
        records = audit.records(conn)
        heads = audit.heads(conn, log_id)
        keys = audit.device_public_keys(conn)
        tiles = audit.stored_tiles(conn)
        report = TrailReport(size=len(records))
        details = [json.loads(record.details) for record in records]
        _check_log(records, heads, keys, tiles, anchor, report)
        _check_statements(conn, records, details, report)
        _check_records(conn, records, details, report)
        _note_countersigning(records, heads, report)
    return report


def _check_log(
    records: list[audit.AuditRecord],
    heads: list[SignedTreeHead],
    keys: dict[str, Ed25519PublicKey],
    tiles: dict[tuple[int, int], bytes],
    anchor: Anchor | None,
    report: TrailReport,
) -> None:
    checkpoints: dict[int, list[tuple[str, SignedTreeHead | Anchor]]] = {}
    for head in heads:
        checkpoints.setdefault(head.head.tree_size, []).append(("head", head))
    if anchor is not None:
        report.anchored = True
        if not anchor.is_authentic():
            report.problems.append(Problem(0, _("The anchor's tree head signature is invalid.")))
        elif anchor.head.key_id not in keys:
            report.problems.append(Problem(0, _(
                "The store's device key is not the key that signed the anchored tree head: "
                "the store has been replaced.")))
        if anchor.head.head.tree_size > len(records):
            report.problems.append(Problem(len(records), rollback_message(len(records), anchor)))
        else:
            checkpoints.setdefault(anchor.head.head.tree_size, []).append(("anchor", anchor))

    frontier = CompactRange()
    last_good = 0
    for position in range(len(records) + 1):
        for kind, item in checkpoints.get(position, []):
            head = item.head if isinstance(item, Anchor) else item
            if kind == "head":
                key = keys.get(head.key_id)
                report.heads_checked += 1
                if key is None or not head.verify(key):
                    report.problems.append(Problem(position, _(
                        "The tree head of size {size} has an invalid signature.").format(
                            size=position)))
                    continue
            if head.head.root_hash != frontier.root():
                what = (_("the tree head kept outside the store") if kind == "anchor"
                        else _("the tree head signed for size {size}").format(size=position))
                report.problems.append(Problem(last_good, _(
                    "Audit records #{first} to #{last} do not match {what}: records in that "
                    "range were altered or removed.").format(
                        first=last_good, last=max(last_good, position - 1), what=what)))
            else:
                last_good = position
        if position == len(records):
            break
        record = records[position]
        if record.idx != position:
            report.problems.append(Problem(position, _(
                "Audit record #{index} is missing (the next record is #{found}).").format(
                    index=position, found=record.idx)))
            return
        digest = leaf_hash(record.leaf_data())
        if digest != record.leaf_hash:
            report.problems.append(Problem(position, _(
                "{record} has been altered: its content no longer matches its hash.").format(
                    record=_label(record))))
        completed = frontier.append_subtrees(digest)
        for height in range(audit.TILE_HEIGHT, len(completed), audit.TILE_HEIGHT):
            stored = tiles.get((height, (frontier.size >> height) - 1))
            if stored is not None and stored != completed[height]:
                first = frontier.size - (1 << height)
                report.problems.append(Problem(first, _(
                    "The stored subtree hash of audit records #{first} to #{last} does not "
                    "match them: the proofs given for these records would fail.").format(
                        first=first, last=position)))
    for size in sorted(checkpoints):
        if size > len(records):
            report.problems.append(Problem(len(records), _(
                "The tree head of size {size} covers audit records that are missing: the log "
                "holds only {held}.").format(size=size, held=len(records))))


def _check_statements(
    conn: Connection, records: list[audit.AuditRecord], parsed: list[dict[str, object]],
    report: TrailReport,
) -> None:
    saved: dict[tuple[str, int], tuple[audit.AuditRecord, str]] = {}
    last_state: dict[str, str] = {}
    for record, details in zip(records, parsed, strict=True):
        if record.action == "turn.saved" and record.subject:
            saved[(record.subject, int(str(details["revision"])))] = (
                record, str(details["sha256"]))
        elif record.action == "statement.state" and record.subject:
            last_state[record.subject] = str(details["to_state"])
    rows = conn.execute(
        "SELECT turn_id, revision, text FROM turn_revisions ORDER BY turn_id, revision"
    ).fetchall()
    stored: set[tuple[str, int]] = set()
    for turn_id, revision, text in rows:
        report.revisions_checked += 1
        key = (str(turn_id), int(revision))
        stored.add(key)
        if key not in saved:
            report.problems.append(Problem(report.size, _(
                "Turn {turn} revision {revision} has no audit record: it was written "
                "outside Statement Room.").format(turn=turn_id, revision=revision)))
            continue
        record, digest = saved[key]
        if audit.text_digest(str(text)) != digest:
            report.problems.append(Problem(record.idx, _(
                "The text of turn {turn} revision {revision} was changed after {record} "
                "recorded it.").format(turn=turn_id, revision=revision, record=_label(record))))
    for key, (record, _digest) in saved.items():
        if key not in stored:
            report.problems.append(Problem(record.idx, _(
                "Turn {turn} revision {revision}, recorded by {record}, is missing from the "
                "store.").format(turn=key[0], revision=key[1], record=_label(record))))
    for statement_id, state in conn.execute("SELECT id, state FROM statements").fetchall():
        expected = last_state.get(str(statement_id), "draft")
        if state != expected:
            report.problems.append(Problem(report.size, _(
                "Statement {statement} is marked {state}, but the audit trail last recorded "
                "{expected}.").format(statement=statement_id, state=_state_name(state),
                                      expected=_state_name(expected))))


def _state_name(value: str) -> str:
    try:
        return state_label(StatementState(value))
    except ValueError:  # an invented state, written behind the program's back
        return value


def _check_records(
    conn: Connection, records: list[audit.AuditRecord], parsed: list[dict[str, object]],
    report: TrailReport,
) -> None:
    """Every covered row against the latest leaf that recorded it, and every such leaf's row."""
    latest: dict[tuple[str, str], tuple[audit.AuditRecord, str]] = {}
    legacy: dict[str, set[str]] = {}  # table -> subjects recorded by leaves without digests
    for record, details in zip(records, parsed, strict=True):
        table = details.get(coverage.TABLE_FIELD)
        if isinstance(table, str) and table in coverage.BY_TABLE \
                and coverage.DIGEST_FIELD in details:
            key = str(details.get(coverage.KEY_FIELD) or record.subject)
            latest[(table, key)] = (record, str(details[coverage.DIGEST_FIELD]))
            continue
        if record.subject and details.get("revision", 1) == 1:  # a turn's later revisions
            for name in coverage.CREATED_BY.get(record.action, ()):
                named = coverage.BY_TABLE[name]
                if not named.legacy_subject:
                    legacy.setdefault(name, set()).add(record.subject)
                elif record.subject == named.legacy_subject \
                        and named.legacy_key_detail in details:
                    legacy.setdefault(name, set()).add(str(details[named.legacy_key_detail]))
    secret = coverage.store_key(conn, create=False)
    if secret is None and latest:
        report.problems.append(Problem(min(r.idx for r, _d in latest.values()), _(
            "The key of the record digests is missing from the store: no record can be "
            "checked against its audit record.")))
    # A store begun before records were covered may hold rows written with no leaf at all
    # (the signing identities migration 0008 carried over): those are reported, not failed.
    # Only a leaf from before coverage itself (version 1 of the leaves) says so: a unit
    # profile set before it was covered (named by version) says nothing about other rows, and
    # must not turn a forged row elsewhere into a mere note.
    began_uncovered = any(not coverage.BY_TABLE[table].legacy_subject for table in legacy)
    seen: set[tuple[str, str]] = set()
    not_covered: dict[str, list[str]] = {}
    for covered in coverage.TABLES:
        report.records_by_table[covered.table] = 0
        for key, content in coverage.rows(conn, covered):
            report.records_checked += 1
            report.records_by_table[covered.table] += 1
            seen.add((covered.table, key))
            found = latest.get((covered.table, key))
            if found is None:
                if key.split("/")[0] in legacy.get(covered.table, set()) or began_uncovered:
                    not_covered.setdefault(covered.table, []).append(key)
                else:
                    report.problems.append(Problem(report.size, _(
                        "Record {table} {key} has no audit record: it was written outside "
                        "Statement Room.").format(table=covered.table, key=key)))
                continue
            record, expected = found
            if secret is None or coverage.digest(secret, covered.table, key, content) != expected:
                report.problems.append(Problem(record.idx, _(
                    "Record {table} {key} does not match {record}, which recorded it: it was "
                    "changed outside Statement Room.").format(
                        table=covered.table, key=key, record=_label(record))))
    for (table, key), (record, _digest) in latest.items():
        if (table, key) not in seen:
            report.problems.append(Problem(record.idx, _(
                "Record {table} {key}, recorded by {record}, is missing from the store.").format(
                    table=table, key=key, record=_label(record))))
    for table, keys in not_covered.items():
        report.not_covered.extend(f"{table} {key}" for key in keys)
        report.notes.append(_(
            "{count} records of {table} are not covered (recorded before version {version} "
            "of the audit trail): {keys}").format(
                count=len(keys), table=table, version=coverage.COVERAGE_VERSION,
                keys=", ".join(keys[:5]) + (", …" if len(keys) > 5 else "")))


def _note_countersigning(
    records: list[audit.AuditRecord], heads: list[SignedTreeHead], report: TrailReport
) -> None:
    # No tree head carries HQ's countersignature yet (the issue "Sync to HQ"), so the oldest
    # head not countersigned is the oldest head.
    if heads:
        oldest = min(heads, key=lambda h: h.head.timestamp_ms)
        since = datetime.fromtimestamp(oldest.head.timestamp_ms / 1000, UTC).astimezone()
        report.countersign_pending_since = since.isoformat(timespec="seconds")
    elif records:
        report.countersign_pending_since = records[0].at
    else:
        return
    report.notes.append(_(
        "The log is signed by this device only, not yet countersigned by HQ since {time}: "
        "until HQ countersigns, a rewrite of the whole history re-signed with the device key "
        "kept in the store cannot be detected here.").format(
            time=report.countersign_pending_since))
