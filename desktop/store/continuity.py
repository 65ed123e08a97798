"""Is this the store as it last was? The checks against what is kept outside it.

Two records outside the encrypted file say how far its audit log had come:

- every copy of the tree-head anchor (`anchor.json` and the `config.ANCHOR` mirror,
  desktop/store/anchor.py): the log must *extend* each one (an RFC 9162 consistency proof
  from the anchored head to the log's head), so an older copy of the store, or a different
  one, is caught; on a store that has signed tree heads the primary anchor must exist;
- the high-water mark (desktop/store/highwater.py): the log must reach the size of the last
  acknowledged commit with the same root, so saves lost with a damaged or deleted WAL are
  caught;
- HQ's countersigned tree head (desktop/store/countersign.py), once the store has synced: the
  log must hold it (its size, and its root at that size).

`check` reads the files first and the store after (marks are written after their commit,
so a concurrent session can only make the store look newer, never older). It returns the
findings; `unlock` refuses a store with any, `audit verify` reports them. A session that
opened with findings is *suspect*: it neither advances the mark nor signs or writes an
anchor, so looking at a damaged store never makes it look intact. See
docs/decisions/0003-rollback-anchor.md and 0018-anchor-and-high-water-mark.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from gettext import gettext as _
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.store import audit, countersign
from desktop.store.anchor import Anchor, read_anchor
from desktop.store.connection import Connection
from desktop.store.highwater import META_FLAG, MarkDamaged, read_mark
from desktop.store.paths import StorePaths
from sync.protocol.merkle import verify_consistency


class StoreRolledBack(UserError):
    """The store is older than (or differs from) a tree head anchored outside it."""


class SavesLost(UserError):
    """The store holds less than its high-water mark: acknowledged saves were lost."""


class AnchorMissing(UserError):
    """A store with signed tree heads has no anchor (or no high-water mark) beside it."""


class Kind(Enum):
    # In order of precedence (login's refusal, `audit verify`'s exit status): an older copy
    # of the whole store also falls behind the mark, but "older copy" says more.
    ROLLED_BACK = "rolled_back"
    SAVES_LOST = "saves_lost"
    ANCHOR_MISSING = "anchor_missing"


@dataclass(frozen=True)
class Finding:
    kind: Kind
    message: str

    def error(self) -> UserError:
        cls = {Kind.SAVES_LOST: SavesLost, Kind.ROLLED_BACK: StoreRolledBack,
               Kind.ANCHOR_MISSING: AnchorMissing}[self.kind]
        return cls(self.message)


@dataclass(frozen=True)
class Continuity:
    findings: list[Finding]
    newest: Anchor | None  # the newest valid anchor copy the log extends, if any

    @property
    def ok(self) -> bool:
        return not self.findings

    def worst(self) -> Finding:
        """The finding that decides: a rollback, then lost saves, then a missing anchor."""
        order = list(Kind)
        return min(self.findings, key=lambda f: order.index(f.kind))


def _when(anchor: Anchor) -> str:
    signed_at = datetime.fromtimestamp(anchor.head.head.timestamp_ms / 1000).astimezone()
    return signed_at.strftime("%Y-%m-%d %H:%M:%S")


def rollback_message(held: int, anchor: Anchor) -> str:
    return _(
        "The store has been replaced by an older copy: it holds {held} audit events, but the "
        "tree head signed at {time} and kept outside the store covers {expected}."
    ).format(held=held, time=_when(anchor), expected=anchor.head.head.tree_size)


def read_anchor_copies(paths: list[Path]) -> list[tuple[Path, Anchor | None]]:
    """Every anchor copy: (path, anchor or None when that copy does not exist)."""
    return [(path, read_anchor(path)) for path in paths]


def extends(conn: Connection, anchor: Anchor) -> bool:
    """Does the log in `conn` extend the anchored head (consistency proof, RFC 9162)?"""
    old_size, old_root = anchor.head.head.tree_size, anchor.head.head.root_hash
    new_size, new_root = audit.size(conn), audit.root(conn)
    if old_size > new_size:
        return False
    try:
        proof = audit.prove_consistency(conn, old_size, new_size) if old_size < new_size else []
    except ValueError:  # leaves missing from the log
        return False
    return verify_consistency(old_size, new_size, old_root, new_root, proof)


def anchor_problem(conn: Connection, store_id: str, path: Path, anchor: Anchor) -> str | None:
    """Why the log cannot stand on this anchor copy, or None."""
    if anchor.store_id != store_id or not anchor.is_authentic():
        return _("The tree-head anchor {path} is not a valid signed head of this store: it "
                 "was altered or belongs to another store.").format(path=path)
    if anchor.head.key_id not in audit.device_public_keys(conn):
        return _("The store's device key is not the key that signed the anchored tree head "
                 "({path}): the store has been replaced.").format(path=path)
    held = audit.size(conn)
    if held < anchor.head.head.tree_size:
        return rollback_message(held, anchor)
    if not extends(conn, anchor):
        return _("The store has been replaced by an older copy or a different one: its "
                 "audit log does not extend the tree head signed at {time} and kept outside "
                 "the store ({path}).").format(time=_when(anchor), path=path)
    if not holds_head(conn, anchor):  # heads are never deleted (trigger): someone did
        return _("The tree head signed at {time} for {size} audit events, kept outside the "
                 "store ({path}), is no longer in the store: signed tree heads were deleted "
                 "behind the program.").format(time=_when(anchor), path=path,
                                               size=anchor.head.head.tree_size)
    return None


def holds_head(conn: Connection, anchor: Anchor) -> bool:
    """Does the store still hold the signed head an anchor copy was made from?"""
    row = conn.execute("SELECT root_hash FROM tree_heads WHERE tree_size = ?",
                       (anchor.head.head.tree_size,)).fetchone()
    return row is not None and bytes(row[0]) == anchor.head.head.root_hash


def _root_at(conn: Connection, size: int) -> bytes | None:
    try:
        return audit.root_at(conn, size)  # O(log n) from the stored subtree roots
    except ValueError:  # the log holds fewer leaves
        return None


def has_signed_heads(conn: Connection) -> bool:
    return conn.execute("SELECT 1 FROM tree_heads LIMIT 1").fetchone() is not None


def mark_required(conn: Connection) -> bool:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (META_FLAG,)).fetchone()
    return row is not None


def check(paths: StorePaths, conn: Connection, store_id: str, mark_key: bytes) -> Continuity:
    """Compare the store with every record kept outside it; see the module text."""
    copies = read_anchor_copies(paths.anchor_mirrors())
    countersigned = countersign.read(paths.countersign)
    try:
        mark = read_mark(paths.highwater, mark_key)
        mark_damaged = False
    except MarkDamaged:
        mark, mark_damaged = None, True
    findings: list[Finding] = []
    newest: Anchor | None = None
    conn.execute("BEGIN")  # one snapshot for everything below
    try:
        held = audit.size(conn)
        if mark_damaged:
            findings.append(Finding(Kind.SAVES_LOST, _(
                "The high-water mark {path} is damaged or was not written by this store: "
                "acknowledged saves may have been lost, and that cannot be ruled out.").format(
                    path=paths.highwater)))
        elif mark is not None:
            if mark.size > held:
                findings.append(Finding(Kind.SAVES_LOST, _(
                    "{lost} audit events of acknowledged saves are lost: the store holds "
                    "{held}, but {expected} had been committed (the high-water mark kept "
                    "outside the store says so). The write-ahead log (store.db-wal) was "
                    "damaged or deleted. Restore the store from a backup or contact "
                    "HQ.").format(lost=mark.size - held, held=held, expected=mark.size)))
            elif (audit.root(conn) if mark.size == held
                  else _root_at(conn, mark.size)) != mark.root:
                findings.append(Finding(Kind.SAVES_LOST, _(
                    "The audit log no longer matches the high-water mark at {size} events: "
                    "acknowledged saves were lost (a damaged or deleted write-ahead log) or "
                    "the log was rewritten.").format(size=mark.size)))
        elif mark_required(conn):
            findings.append(Finding(Kind.ANCHOR_MISSING, _(
                "The high-water mark {path} is missing, so lost saves cannot be ruled out. "
                "An administrator can re-create it with `statement-room audit anchor "
                "--recreate` after checking the trail.").format(path=paths.highwater)))
        primary_missing = copies[0][1] is None
        if primary_missing and has_signed_heads(conn):
            findings.append(Finding(Kind.ANCHOR_MISSING, _(
                "The tree-head anchor {path} is missing, so an older copy of the store cannot "
                "be told apart. An administrator can re-create it with `statement-room audit "
                "anchor --recreate` after checking the trail.").format(path=copies[0][0])))
        for path, anchor in copies:
            if anchor is None:
                continue
            problem = anchor_problem(conn, store_id, path, anchor)
            if problem is not None:
                findings.append(Finding(Kind.ROLLED_BACK, problem))
            elif newest is None or anchor.head.head.tree_size > newest.head.head.tree_size:
                newest = anchor
        if countersigned is not None:
            problem = countersign.problem(conn, store_id, paths.countersign, countersigned)
            if problem is not None:
                findings.append(Finding(Kind.ROLLED_BACK, problem))
    finally:
        conn.execute("COMMIT")
    return Continuity(findings, newest)


def check_before_signing(paths: StorePaths, conn: Connection, store_id: str) -> None:
    """Refuse to write an anchor that some existing copy is not extended by."""
    for path, anchor in read_anchor_copies(paths.anchor_mirrors()):
        if anchor is None:
            continue
        problem = anchor_problem(conn, store_id, path, anchor)
        if problem is not None:
            raise StoreRolledBack(problem)
