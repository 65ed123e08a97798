"""Which records the audit trail covers, and the content digest each leaf holds for its row.

Every write of an audited record (a party, a case, a statement's metadata, a signed PDF, a
pen capture, an evidence item, a docking, a signing identity, a trust root, an officer, a
recording with its pauses and waiver, a setting of the unit's legal particulars)
puts the digest of the row as it now stands into the leaf written in the same transaction:
`{"record": table, "record_digest": hex}` (plus `record_key` for a table whose key is not the
leaf's subject). `audit verify` recomputes the digest of every row and compares it with the
latest leaf that recorded it (decision 19).

The digest is HMAC-SHA256 over the canonical JSON (RFC 8785) of the row, all columns by name,
NULLs left out (so a migration adding a nullable column changes no digest), BLOBs as their
SHA-256, REALs as their `repr`. The HMAC key is derived per record from a random store key
kept in `meta` (inside the encryption): a leaf shown on its own therefore confirms nothing
about a person to someone who guesses the row's content (a party's identity is guessable by
whoever holds the card), and the key of one record can be handed to a court without the rest.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NotRequired, TypedDict

from desktop.store.connection import Connection
from sync.protocol.canonical import MAX_SAFE_INTEGER, canonical_json

TABLE_FIELD = "record"
DIGEST_FIELD = "record_digest"
KEY_FIELD = "record_key"
DIGEST_KEY = "record_digest_key"
# Audit leaves hold record digests from this version of the leaf details on; version 1 held
# them for turn texts only.
COVERAGE_VERSION = 2


class LeafFields(TypedDict):
    """What a leaf recording a write of a covered row adds to its details."""

    record: str
    record_digest: str
    record_key: NotRequired[str]


@dataclass(frozen=True)
class Covered:
    table: str
    key: tuple[str, ...]
    # Leaves that recorded such a row before coverage (no digest): the row is "not covered".
    created_by: frozenset[str]
    # For a table whose leaves name their row in a detail, not the subject (a unit profile:
    # subject "unit_profile", the row's key in details["version"]): the subject and the detail
    # by which a leaf from before coverage is matched to its row.
    legacy_subject: str = ""
    legacy_key_detail: str = ""


TABLES: tuple[Covered, ...] = (
    Covered("officers", ("id",), frozenset({"officer.added"})),
    Covered("parties", ("id",), frozenset({"party.recorded"})),
    Covered("cases", ("id",), frozenset({"case.created"})),
    Covered("statements", ("id",), frozenset({"statement.created"})),
    # a turn row (seq, kind, tag): covered by its first revision's leaf
    Covered("turns", ("id",), frozenset({"turn.saved"})),
    Covered("statement_documents", ("statement_id",), frozenset({"document.signed"})),
    Covered("signature_captures", ("statement_id", "purpose", "page_index"),
            frozenset({"document.signed"})),
    Covered("evidence_items", ("id",), frozenset({"evidence.imported"})),
    Covered("dockings", ("id",), frozenset({"docking.started"})),
    Covered("signing_identities", ("id",), frozenset({"signing_key.set"})),
    Covered("trust_roots", ("fingerprint",), frozenset({"trust_root.added"})),
    Covered("ref_datasets", ("name",), frozenset({"refdata.accepted"})),
    # issue 17 (PEN): penalty decisions were covered from their first row on
    Covered("penalty_decisions", ("id",), frozenset()),
    Covered("penalty_decision_history", ("decision_id", "seq"), frozenset()),
    Covered("penalty_reviews", ("id",), frozenset()),
    # issue 17 (DOC): signed penalty documents and their service record
    Covered("penalty_documents", ("id",), frozenset({"penalty_document.signed"})),
    # issue 18: recordings, their pauses and waivers, covered from their first row
    # (their checkpoints and turn marks are append-only, not audited one by one: decision 44)
    Covered("recordings", ("id",), frozenset()),
    Covered("recording_pauses", ("recording_id", "seq"), frozenset()),
    Covered("recording_waivers", ("statement_id",), frozenset()),
    # issue 17 (decision 51): each setting of the unit's legal particulars, covered since
    # the program of schema 24; a setting made before is "not covered", matched by its version
    Covered("unit_profiles", ("version",), frozenset({"setting.changed"}),
            legacy_subject="unit_profile", legacy_key_detail="version"),
    # issue 17 (helper C): who a case's party is, covered from its first row (decision 54)
    Covered("case_parties", ("case_id", "version"), frozenset()),
)
BY_TABLE = {covered.table: covered for covered in TABLES}
# action -> tables whose rows it recorded before coverage
CREATED_BY: dict[str, tuple[str, ...]] = {
    action: tuple(c.table for c in TABLES if action in c.created_by)
    for covered in TABLES for action in covered.created_by
}


def key_text(values: tuple[object, ...]) -> str:
    """How a row's key is written in leaves and messages: its values joined by '/'."""
    return "/".join(str(v) for v in values)


def _value(value: object) -> object:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"sha256": hashlib.sha256(bytes(value)).hexdigest()}
    if isinstance(value, float):
        return {"real": repr(value)}
    return value


def canonical_row(columns: list[str], row: tuple[object, ...]) -> bytes:
    """The canonical JSON of a row, composed directly for the values SQLite returns (the
    general `canonical_json` was most of `audit verify`'s time at 100k records); anything
    else goes through `canonical_json`, which the result always equals."""
    parts: list[str] = []
    for column, value in sorted(zip(columns, row, strict=True)):
        if value is None:
            continue
        if not column.isascii():  # code-point order is RFC 8785's order for ASCII only
            return _general_row(columns, row)
        if type(value) is str:
            text = _json_string(value)
        elif type(value) is int and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            text = str(value)
        elif isinstance(value, bytes | bytearray | memoryview):
            text = '{"sha256":"' + hashlib.sha256(bytes(value)).hexdigest() + '"}'
        else:  # a REAL, or a value outside the cases above: the general path decides
            return _general_row(columns, row)
        parts.append(_json_string(column) + ":" + text)
    return ("{" + ",".join(parts) + "}").encode("utf-8")


def _general_row(columns: list[str], row: tuple[object, ...]) -> bytes:
    return canonical_json({c: _value(v) for c, v in zip(columns, row, strict=True)
                           if v is not None})


_json_string = json.JSONEncoder(ensure_ascii=False).encode  # as sync.protocol.canonical


def store_key(conn: Connection, *, create: bool) -> bytes | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (DIGEST_KEY,)).fetchone()
    if row is not None:
        return bytes(row[0])
    if not create:
        return None
    key = os.urandom(32)
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (DIGEST_KEY, key))
    return key


def record_key(store: bytes, table: str, key: str) -> bytes:
    """The HMAC key of one record (what a court is given to check that record alone)."""
    return hmac.new(store, f"{table}\x00{key}".encode(), hashlib.sha256).digest()


def digest(store: bytes, table: str, key: str, content: bytes) -> str:
    return hmac.new(record_key(store, table, key), content, hashlib.sha256).hexdigest()


def leaf_fields(conn: Connection, table: str, *key: object) -> LeafFields:
    """The details to add to the leaf recording a write of this row (read back as stored).

    The leaf names its row by its subject, unless the fields carry `record_key` (a key of
    several columns, or a table whose leaves have a fixed subject)."""
    covered = BY_TABLE[table]
    where = " AND ".join(f"{c} = ?" for c in covered.key)
    cursor = conn.execute(f"SELECT * FROM {table} WHERE {where}", key)
    row = cursor.fetchone()
    if row is None:
        raise LookupError(f"{table} has no row {key_text(key)}")
    columns = [d[0] for d in cursor.description]
    text = key_text(key)
    secret = store_key(conn, create=True)
    assert secret is not None
    fields = LeafFields(
        record=table,
        record_digest=digest(secret, table, text, canonical_row(columns, tuple(row))))
    if len(covered.key) > 1 or covered.legacy_subject:
        fields["record_key"] = text
    return fields


def rows(conn: Connection, covered: Covered) -> Iterator[tuple[str, bytes]]:
    """(key text, canonical content) of every row of a covered table."""
    cursor = conn.execute(f"SELECT * FROM {covered.table}")
    columns = [d[0] for d in cursor.description]
    positions = [columns.index(c) for c in covered.key]
    for row in cursor:
        values = tuple(row)
        yield key_text(tuple(values[p] for p in positions)), canonical_row(columns, values)
