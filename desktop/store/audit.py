"""The tamper-evident audit trail: an RFC 9162 Merkle log kept inside the encrypted store.

Every security- or evidence-relevant event becomes one leaf, appended in the same transaction
as the change it records, so a change and its trace commit or vanish together. A leaf is the
canonical JSON of the event, including its own index, so records cannot be reordered. The
right edge of the tree (a `CompactRange`) is kept in `meta`, which makes an append O(1)
amortised hashing and gives the root at any moment without reading the leaves. The device's
Ed25519 key, kept in the store, signs tree heads at session end (and at every sync later).

Inclusion and consistency proofs read O(log n) hashes, not every leaf: `audit_tiles` keeps
the root of every complete aligned subtree of 2**8, 2**16, 2**24... leaves (one row per 256
appends, written by the append that completes it), and any node a proof needs is folded
from at most 256 hashes of the level below it (docs/decisions/0021-merkle-tiles.md). A
store whose leaves predate the tiles (schema 8) gets them all at the first append that
completes a tile; until then a missing tile is recomputed from the level below.

HQ receives the trail through the outbox: each signed tree head is announced when it is
signed (the leaves since the previous head travel with it), and the events HQ must act on
without waiting for a head (signatures applied, officers and their keys) are announced one by
one, each in the transaction that appends its leaf (`SYNCED_ACTIONS`).

Events carry identifiers and content hashes only, never personal data, so one event with its
inclusion proof can be shown to a court or HQ on its own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from desktop.domain.ids import new_id
from desktop.domain.model import Action, AuditEvent
from desktop.store import outbox
from desktop.store.connection import Connection
from sync.protocol.auditleaf import AUDIT_LEAF_VERSION
from sync.protocol.canonical import MAX_SAFE_INTEGER, canonical_json
from sync.protocol.merkle import (
    CompactRange,
    consistency_path,
    fold_subtrees,
    inclusion_path,
    leaf_hash,
    perfect_subtrees,
    root_hash,
)
from sync.protocol.records import RecordKind
from sync.protocol.treehead import SignedTreeHead, TreeHead, key_id_for, sign_tree_head

FRONTIER_KEY = "audit_frontier"
AUDIT_KEY_PURPOSE = "audit"
# Heights of the stored subtree roots: every multiple of TILE_HEIGHT. A node of any height is
# then folded from at most 2**TILE_HEIGHT stored hashes (decision 21).
TILE_HEIGHT = 8

# Audit events announced on their own in the outbox, by the kind HQ files them under.
SYNCED_ACTIONS: dict[str, RecordKind] = {
    Action.SIGNATURE_APPLIED.value: RecordKind.SIGNATURE_EVENT,
    Action.REFUSAL_RECORDED.value: RecordKind.SIGNATURE_EVENT,
    Action.OFFICER_ADDED.value: RecordKind.OFFICER_EVENT,
    Action.OFFICER_UNLOCKED.value: RecordKind.OFFICER_EVENT,
    Action.PASSWORD_RESET.value: RecordKind.OFFICER_EVENT,
    Action.OFFICER_DISABLED.value: RecordKind.OFFICER_EVENT,
    Action.OFFICER_ENABLED.value: RecordKind.OFFICER_EVENT,
    Action.OFFICER_ROLE_CHANGED.value: RecordKind.OFFICER_EVENT,
    Action.SIGNING_KEY_SET.value: RecordKind.KEY_EVENT,
    Action.SIGNING_KEY_RETIRED.value: RecordKind.KEY_EVENT,
    Action.SEAL_CUSTODIAN_ADDED.value: RecordKind.KEY_EVENT,
    Action.TRUST_ROOT_ADDED.value: RecordKind.KEY_EVENT,
    Action.ESCROW_SET.value: RecordKind.KEY_EVENT,
    Action.OFFICER_HQ_KEY_CREATED.value: RecordKind.KEY_EVENT,
}


@dataclass(frozen=True)
class AuditRecord:
    """One stored leaf, as read back from the log."""

    idx: int
    id: str
    at: str
    actor: str | None
    action: str
    subject: str | None
    outcome: str
    details: str  # canonical JSON text
    leaf_hash: bytes

    def leaf_data(self) -> bytes:
        return leaf_data(
            self.idx, self.id, self.at, self.actor, self.action, self.subject, self.outcome,
            self.details,
        )

    def describe(self) -> str:
        return f"#{self.idx} {self.action} {self.at}"


def leaf_data(
    idx: int,
    event_id: str,
    at: str,
    actor: str | None,
    action: str,
    subject: str | None,
    outcome: str,
    details: str,
) -> bytes:
    """The exact bytes hashed into the tree for one event: the canonical JSON of its
    `sync.protocol.auditleaf.AuditLeaf`, composed around the details' canonical text
    (RFC 8785 puts the members in key order, all keys here ASCII) instead of parsing that
    text back into a dict and serialising it again, which was a third of an append's CPU.
    tests/store/test_audit_tiles.py checks it against `AuditLeaf.canonical_bytes`."""
    if not 0 <= idx <= MAX_SAFE_INTEGER:
        raise ValueError(f"leaf index {idx} is outside the I-JSON safe range")
    return "".join((
        '{"action":', _json_text(action), ',"actor":', _json_text(actor),
        ',"at":', _json_text(at), ',"details":', details, ',"id":', _json_text(event_id),
        ',"idx":', str(idx), ',"outcome":', _json_text(outcome),
        ',"subject":', _json_text(subject), ',"v":', _LEAF_VERSION, "}",
    )).encode("utf-8")


_json_string = json.JSONEncoder(ensure_ascii=False).encode  # as sync.protocol.canonical
_LEAF_VERSION = str(AUDIT_LEAF_VERSION)


def _json_text(value: str | None) -> str:
    return "null" if value is None else _json_string(value)


def text_digest(text: str) -> str:
    """SHA-256 of a text as UTF-8: how audit details refer to content without holding it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _frontier(conn: Connection) -> CompactRange:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (FRONTIER_KEY,)).fetchone()
    return CompactRange() if row is None else CompactRange.from_bytes(bytes(row[0]))


def append(conn: Connection, event: AuditEvent, at: datetime) -> int:
    """Append one event inside the caller's transaction; return its leaf index."""
    return append_many(conn, (event,), at)[0]


def append_many(conn: Connection, events: Sequence[AuditEvent], at: datetime) -> range:
    """Append events in order inside the caller's transaction, all at time `at`; their
    leaf indexes. One read and one write of the right edge however many there are."""
    frontier = _frontier(conn)
    first = frontier.size
    at_text = at.isoformat(timespec="milliseconds")
    rows: list[tuple[object, ...]] = []
    tiles: list[tuple[int, int, bytes]] = []
    for event in events:
        idx = frontier.size
        event_id = new_id()
        details = canonical_json(event.details).decode("utf-8")
        data = leaf_data(idx, event_id, at_text, event.actor, event.action, event.subject,
                         event.outcome.value, details)
        digest = leaf_hash(data)
        rows.append((idx, event_id, at_text, event.actor, event.action, event.subject,
                     event.outcome.value, details, digest))
        completed = frontier.append_subtrees(digest)
        if len(completed) > TILE_HEIGHT:
            if not tiles:
                _backfill_if_needed(conn, first)
            tiles.extend((height, (frontier.size >> height) - 1, completed[height])
                         for height in range(TILE_HEIGHT, len(completed), TILE_HEIGHT))
        kind = SYNCED_ACTIONS.get(event.action)
        if kind is not None:
            outbox.enqueue_bytes(conn, at, kind, event_id, data)
    conn.executemany(
        "INSERT INTO audit_log (idx, id, at, actor, action, subject, outcome, details, leaf_hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    if tiles:
        conn.executemany(
            "INSERT OR IGNORE INTO audit_tiles (height, idx, hash) VALUES (?, ?, ?)", tiles)
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (FRONTIER_KEY, frontier.to_bytes()),
    )
    return range(first, frontier.size)


# Stored subtree roots ("tiles") -------------------------------------------------------------


def _backfill_if_needed(conn: Connection, stored: int) -> None:
    """Before the first tile of a batch: write every tile of the `stored` leaves if the log
    was written before tiles were kept (schema 8; one pass, once)."""
    last = (stored >> TILE_HEIGHT) - 1
    if last >= 0 and _tile_hashes(conn, TILE_HEIGHT, last, last + 1) is None:
        backfill_tiles(conn, stored)


def backfill_tiles(conn: Connection, up_to: int | None = None) -> int:
    """Compute and keep every tile of the first `up_to` leaves (all by default) from the
    stored leaf hashes, inside the caller's transaction; the number of tiles written.
    One pass over the leaves, done once for a store whose log predates the tiles."""
    limit = size(conn) if up_to is None else up_to
    frontier = CompactRange()
    tiles: list[tuple[int, int, bytes]] = []
    cursor = conn.execute("SELECT leaf_hash FROM audit_log WHERE idx < ? ORDER BY idx", (limit,))
    while rows := cursor.fetchmany(65536):
        for (digest,) in rows:
            completed = frontier.append_subtrees(bytes(digest))
            for height in range(TILE_HEIGHT, len(completed), TILE_HEIGHT):
                tiles.append((height, (frontier.size >> height) - 1, completed[height]))
    if frontier.size != limit:
        raise ValueError(f"the log holds {frontier.size} leaves, not {limit}")
    conn.executemany(
        "INSERT OR IGNORE INTO audit_tiles (height, idx, hash) VALUES (?, ?, ?)", tiles)
    return len(tiles)


def stored_tiles(conn: Connection) -> dict[tuple[int, int], bytes]:
    """Every stored subtree root by (height, index), for `audit verify` to recompute."""
    rows = conn.execute("SELECT height, idx, hash FROM audit_tiles").fetchall()
    return {(int(r[0]), int(r[1])): bytes(r[2]) for r in rows}


def _tile_hashes(conn: Connection, height: int, start: int, stop: int) -> list[bytes] | None:
    """Stored roots of the height-`height` subtrees start..stop-1, or None if any is missing.
    Height 0 are the leaf hashes themselves."""
    if height == 0:
        rows = conn.execute(
            "SELECT leaf_hash FROM audit_log WHERE idx >= ? AND idx < ? ORDER BY idx",
            (start, stop)).fetchall()
    else:
        rows = conn.execute(
            "SELECT hash FROM audit_tiles WHERE height = ? AND idx >= ? AND idx < ? ORDER BY idx",
            (height, start, stop)).fetchall()
    if len(rows) != stop - start:
        return None
    return [bytes(r[0]) for r in rows]


def _perfect_root(conn: Connection, start: int, height: int) -> bytes:
    """Root of the 2**height leaves from `start` (a multiple of 2**height)."""
    below = height - height % TILE_HEIGHT
    if below == height and height:
        below -= TILE_HEIGHT  # a tile's own height: read it, else fold the level below
        stored = _tile_hashes(conn, height, start >> height, (start >> height) + 1)
        if stored is not None:
            return stored[0]
    first = start >> below
    hashes = _tile_hashes(conn, below, first, first + (1 << (height - below)))
    if hashes is None:
        if below == 0:
            raise ValueError(f"the log lacks leaves below {start + (1 << height)}")
        # A tile the log has not backfilled yet: fold the one level further down.
        hashes = [_perfect_root(conn, (first + i) << below, below)
                  for i in range(1 << (height - below))]
    return root_hash(hashes)


def subtree_root(conn: Connection, lo: int, hi: int) -> bytes:
    """MTH of leaves lo..hi-1 from the stored tiles: O(log n) reads of at most 2**TILE_HEIGHT
    hashes each."""
    return fold_subtrees([_perfect_root(conn, start, height)
                          for start, height in perfect_subtrees(lo, hi)])


def root_at(conn: Connection, tree_size: int) -> bytes:
    """The root the log had at `tree_size` leaves; ValueError if it holds fewer."""
    if tree_size > size(conn):
        raise ValueError(f"the log holds fewer than {tree_size} leaves")
    return subtree_root(conn, 0, tree_size)


def size(conn: Connection) -> int:
    return _frontier(conn).size


def root(conn: Connection) -> bytes:
    return _frontier(conn).root()


def records(conn: Connection, start: int = 0, stop: int | None = None) -> list[AuditRecord]:
    sql = (
        "SELECT idx, id, at, actor, action, subject, outcome, details, leaf_hash FROM audit_log"
        " WHERE idx >= ? AND idx < ? ORDER BY idx"
    )
    rows = conn.execute(sql, (start, stop if stop is not None else 2**62)).fetchall()
    return [AuditRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bytes(r[8])) for r in rows]


def events_about(conn: Connection, subject: str) -> list[AuditRecord]:
    sql = (
        "SELECT idx, id, at, actor, action, subject, outcome, details, leaf_hash FROM audit_log"
        " WHERE subject = ? ORDER BY idx"
    )
    rows = conn.execute(sql, (subject,)).fetchall()
    return [AuditRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bytes(r[8])) for r in rows]


def _check_size(conn: Connection, tree_size: int) -> None:
    held = size(conn)
    if tree_size > held:
        raise ValueError(f"the log holds {held} leaves, not {tree_size}")


def prove_inclusion(conn: Connection, idx: int, tree_size: int) -> list[bytes]:
    """RFC 9162 inclusion proof of leaf `idx` in the tree of `tree_size` leaves."""
    _check_size(conn, tree_size)
    return inclusion_path(lambda lo, hi: subtree_root(conn, lo, hi), idx, tree_size)


def prove_inclusions(conn: Connection, indexes: list[int], tree_size: int) -> list[list[bytes]]:
    """Inclusion proofs of many leaves in one tree: a node two proofs share (the upper
    levels, the neighbours of nearby events) is read and folded once."""
    _check_size(conn, tree_size)
    cache: dict[tuple[int, int], bytes] = {}

    def node(lo: int, hi: int) -> bytes:
        found = cache.get((lo, hi))
        if found is None:
            found = cache[(lo, hi)] = subtree_root(conn, lo, hi)
        return found

    return [inclusion_path(node, idx, tree_size) for idx in indexes]


def prove_consistency(conn: Connection, old_size: int, new_size: int) -> list[bytes]:
    """RFC 9162 consistency proof from the tree of `old_size` leaves to `new_size`."""
    _check_size(conn, new_size)
    return consistency_path(lambda lo, hi: subtree_root(conn, lo, hi), old_size, new_size)


# Device key -------------------------------------------------------------------------------


def create_device_key(conn: Connection, at: datetime) -> str:
    """Generate the Ed25519 key that signs this store's tree heads; return its key id."""
    private = Ed25519PrivateKey.generate()
    public = private.public_key()
    key_id = key_id_for(public)
    conn.execute(
        "INSERT INTO device_keys (key_id, purpose, private_key, public_key, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            key_id,
            AUDIT_KEY_PURPOSE,
            private.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            ),
            public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
            at.isoformat(timespec="milliseconds"),
        ),
    )
    return key_id


def device_private_key(conn: Connection) -> Ed25519PrivateKey:
    row = conn.execute(
        "SELECT private_key FROM device_keys WHERE purpose = ? ORDER BY created_at DESC LIMIT 1",
        (AUDIT_KEY_PURPOSE,),
    ).fetchone()
    if row is None:
        raise LookupError("the store has no audit device key")
    return Ed25519PrivateKey.from_private_bytes(bytes(row[0]))


def device_public_keys(conn: Connection) -> dict[str, Ed25519PublicKey]:
    rows = conn.execute(
        "SELECT key_id, public_key FROM device_keys WHERE purpose = ?", (AUDIT_KEY_PURPOSE,)
    ).fetchall()
    return {str(r[0]): Ed25519PublicKey.from_public_bytes(bytes(r[1])) for r in rows}


# Tree heads -------------------------------------------------------------------------------


def sign_head(conn: Connection, log_id: str, at: datetime) -> SignedTreeHead:
    """Sign the current tree head inside the caller's transaction and keep it."""
    frontier = _frontier(conn)
    existing = conn.execute(
        "SELECT tree_size FROM tree_heads WHERE tree_size = ?", (frontier.size,)
    ).fetchone()
    if existing is not None:
        latest = latest_head(conn, log_id)
        assert latest is not None
        return latest
    head = TreeHead(
        tree_size=frontier.size,
        root_hash=frontier.root(),
        timestamp_ms=int(at.timestamp() * 1000),
        log_id=log_id,
    )
    signed = sign_tree_head(head, device_private_key(conn))
    conn.execute(
        "INSERT INTO tree_heads (tree_size, root_hash, timestamp_ms, key_id, signature)"
        " VALUES (?, ?, ?, ?, ?)",
        (head.tree_size, head.root_hash, head.timestamp_ms, signed.key_id, signed.signature),
    )
    outbox.enqueue_bytes(conn, at, RecordKind.TREE_HEAD, str(head.tree_size),
                         signed.canonical_bytes())
    return signed


def heads(conn: Connection, log_id: str) -> list[SignedTreeHead]:
    rows = conn.execute(
        "SELECT tree_size, root_hash, timestamp_ms, key_id, signature FROM tree_heads"
        " ORDER BY tree_size"
    ).fetchall()
    return [
        SignedTreeHead(
            head=TreeHead(
                tree_size=int(r[0]), root_hash=bytes(r[1]), timestamp_ms=int(r[2]), log_id=log_id
            ),
            key_id=str(r[3]),
            signature=bytes(r[4]),
        )
        for r in rows
    ]


def latest_head(conn: Connection, log_id: str) -> SignedTreeHead | None:
    all_heads = heads(conn, log_id)
    return all_heads[-1] if all_heads else None
