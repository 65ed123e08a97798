"""Audit proofs from stored subtree roots (decision 21) equal the all-leaves reference.

The reference is `sync.protocol.merkle`'s list functions over every leaf hash (what the
store computed before tiles), and every proof must also pass the RFC 9162 verifiers. A store
written at schema 8 (leaves, no tiles) migrates, verifies, proves, and gets its tiles.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from desktop.domain.model import Action, AuditEvent
from desktop.services import audit_trail
from desktop.store import audit
from desktop.store.audit_verify import verify_trail
from desktop.store.connection import SCHEMA_VERSION, _migrations, _split_sql
from desktop.store.store import unlock
from sync.protocol.auditleaf import AuditLeaf
from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.merkle import (
    consistency_proof,
    inclusion_proof,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from tests.conftest import PASSWORD, FakeClock, World
from tests.store.old_schema import database_at

# The audit_log of schemas 1 to 8, as 0001_initial.sql created it (UNIQUE id).
SCHEMA_8_AUDIT_LOG = """
CREATE TABLE audit_log (
    idx       INTEGER PRIMARY KEY CHECK (idx >= 0),
    id        TEXT NOT NULL UNIQUE,
    at        TEXT NOT NULL,
    actor     TEXT,
    action    TEXT NOT NULL,
    subject   TEXT,
    outcome   TEXT NOT NULL,
    details   TEXT NOT NULL,
    leaf_hash BLOB NOT NULL
) STRICT"""


def leaf_hashes(conn: Any) -> list[bytes]:
    return [bytes(r[0]) for r in conn.execute("SELECT leaf_hash FROM audit_log ORDER BY idx")]


def event(number: int) -> AuditEvent:
    return AuditEvent(Action.AUDIT_VERIFIED.value, None, f"subject-{number}",
                      details={"n": number})


def append_events(conn: Any, clock: FakeClock, count: int) -> None:
    """One by one at first, then in batches of odd sizes that straddle tile boundaries."""
    conn.execute("BEGIN")
    singles = min(count, 3000)
    for number in range(singles):
        audit.append(conn, event(number), clock())
    rng = random.Random(9)
    done = singles
    while done < count:
        batch = min(count - done, rng.randrange(1, 5000))
        indexes = audit.append_many(conn, [event(done + i) for i in range(batch)], clock())
        assert indexes == range(done, done + batch)
        done += batch
    conn.execute("COMMIT")


def check_against_reference(conn: Any, leaves: list[bytes], sizes: list[int],
                            rng: random.Random) -> None:
    for size in sizes:
        prefix = leaves[:size]
        root = root_hash(prefix)
        assert audit.root_at(conn, size) == root
        indexes = sorted({0, size - 1, *(rng.randrange(size) for _ in range(3))})
        for idx, proof in zip(indexes, audit.prove_inclusions(conn, indexes, size),
                              strict=True):
            assert proof == inclusion_proof(prefix, idx) == audit.prove_inclusion(conn, idx, size)
            assert verify_inclusion(prefix[idx], idx, size, proof, root)
        for old in sorted({1, size - 1, size // 2, rng.randrange(1, size + 1)}):
            proof = audit.prove_consistency(conn, old, size)
            assert proof == consistency_proof(prefix, old)
            assert verify_consistency(old, size, root_hash(prefix[:old]), root, proof)


def test_proofs_from_tiles_equal_the_all_leaves_proofs_at_many_sizes(clock: FakeClock) -> None:
    # Past 2**16 leaves so that both tile heights (8 and 16) are stored and used.
    conn = database_at(SCHEMA_VERSION)
    total = (1 << 16) + 700
    append_events(conn, clock, total)
    leaves = leaf_hashes(conn)
    stored = dict(((h, i), bytes(v)) for h, i, v in
                  conn.execute("SELECT height, idx, hash FROM audit_tiles"))
    assert len([k for k in stored if k[0] == 8]) == total >> 8
    assert stored[(16, 0)] == root_hash(leaves[: 1 << 16])
    assert stored[(8, 3)] == root_hash(leaves[3 * 256: 4 * 256])
    rng = random.Random(13)
    sizes = [*range(1, 40), 255, 256, 257, 511, 512, 513, 4095, 4096, 4097,
             *(rng.randrange(1, total + 1) for _ in range(4)), (1 << 16) - 1, 1 << 16,
             (1 << 16) + 1, (1 << 16) + 256, total]
    check_against_reference(conn, leaves, sizes, rng)
    with pytest.raises(ValueError):
        audit.prove_inclusion(conn, 0, total + 1)
    with pytest.raises(Exception, match="immutable"):
        conn.execute("UPDATE audit_tiles SET hash = zeroblob(32)")
    with pytest.raises(Exception, match="immutable"):
        conn.execute("DELETE FROM audit_tiles")


def downgrade_to_schema_8(conn: Any) -> None:
    """What a store written before migration 0009 holds: the same leaves, no tiles, the
    UNIQUE id, schema version 8."""
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("DROP TABLE audit_tiles")
    conn.execute("ALTER TABLE audit_log RENAME TO audit_log_9")
    conn.execute(SCHEMA_8_AUDIT_LOG)
    conn.execute("INSERT INTO audit_log SELECT * FROM audit_log_9")
    conn.execute("DROP TABLE audit_log_9")
    conn.execute("CREATE INDEX audit_subject ON audit_log (subject, action)")
    for what in ("UPDATE", "DELETE"):
        conn.execute(f"CREATE TRIGGER audit_log_no_{what.lower()} BEFORE {what} ON audit_log"
                     " BEGIN SELECT RAISE(ABORT, 'immutable: the audit log is append-only');"
                     " END")
    undo_migrations_after(conn, 16)
    undo_statement_content_version(conn)
    undo_officer_hq_keys(conn)
    undo_sync_desktop(conn)
    undo_refdata(conn)
    undo_officer_disabled(conn)
    undo_form_fields(conn)
    conn.execute("PRAGMA user_version = 8")
    conn.execute("COMMIT")


def undo_migrations_after(conn: Any, version: int) -> None:
    """Step a store back to schema ``version`` inside the caller's transaction: the recent
    migrations undone, newest first (what an older program's store holds). A new migration
    adds its undo here; the check below fails until it does."""
    steps = {24: undo_case_parties, 23: undo_unit_profile, 22: undo_recordings,
             21: undo_penalty_documents, 20: undo_penalty_decisions, 19: undo_law_library,
             18: undo_hq_restore, 17: undo_context_records}
    newest = max(number for number, _name, _sql in _migrations())
    assert max(steps) == newest, f"migration {newest} has no undo in undo_migrations_after"
    assert version >= min(steps) - 1, f"no undo for the migrations after {version}"
    for number in sorted(steps, reverse=True):
        if number > version:
            steps[number](conn)
    conn.execute(f"PRAGMA user_version = {version}")


def undo_case_parties(conn: Any) -> None:
    """Migration 0024 undone: who the cases' parties are dropped (its triggers go with it)."""
    conn.execute("DROP TABLE case_parties")


def undo_unit_profile(conn: Any) -> None:
    """Migration 0023 undone: the unit's legal particulars dropped (its triggers go with it)."""
    conn.execute("DROP TABLE unit_profiles")


def undo_recordings(conn: Any) -> None:
    """Migration 0022 undone: the recordings' tables dropped (their triggers and indexes go
    with them), evidence_items rebuilt as 0006 made it (its CHECK without 'recorder'), with
    0006's own statements for the table, its indexes and its triggers."""
    for table in ("recording_waivers", "recording_marks", "recording_pauses",
                  "recording_checkpoints", "recordings"):
        conn.execute(f"DROP TABLE {table}")
    [dockings] = [sql for number, _name, sql in _migrations() if number == 6]
    statements = _split_sql(dockings)
    [table] = [s for s in statements if s.startswith("CREATE TABLE evidence_items_v6")]
    conn.execute(table)
    conn.execute("INSERT INTO evidence_items_v6 SELECT * FROM evidence_items")
    conn.execute("DROP TABLE evidence_items")
    conn.execute("ALTER TABLE evidence_items_v6 RENAME TO evidence_items")
    for statement in statements:
        if statement.startswith(("CREATE INDEX evidence_items",
                                 "CREATE UNIQUE INDEX evidence_items",
                                 "CREATE TRIGGER evidence_items")):
            conn.execute(statement)


def undo_penalty_documents(conn: Any) -> None:
    """Migration 0021 undone: the signed penalty documents and their numbers dropped."""
    for table in ("penalty_documents", "penalty_document_numbers"):
        conn.execute(f"DROP TABLE {table}")


def undo_penalty_decisions(conn: Any) -> None:
    """Migration 0020 undone: the penalty decisions, their history and reviews dropped (their
    triggers and indexes go with them)."""
    for table in ("penalty_reviews", "penalty_decision_history", "penalty_decisions"):
        conn.execute(f"DROP TABLE {table}")


def undo_law_library(conn: Any) -> None:
    """Migration 0019 undone: the law library's index dropped (derived data only)."""
    for table in ("law_fts", "law_articles", "law_statutes", "law_index_state"):
        conn.execute(f"DROP TABLE {table}")


def undo_hq_restore(conn: Any) -> None:
    """Migration 0018 undone: the lost receipts dropped, 0013's receipt trigger back."""
    conn.execute("DROP TABLE outbox_lost_receipts")
    conn.execute("DROP TRIGGER outbox_receipt_kept")
    [sync_desktop] = [sql for number, _name, sql in _migrations() if number == 13]
    [trigger] = [statement for statement in _split_sql(sync_desktop)
                 if "CREATE TRIGGER outbox_receipt_kept" in statement]
    conn.execute(trigger)
def undo_context_records(conn: Any) -> None:
    """Migration 0017 undone: the kept record bytes and the backfill's mark dropped."""
    conn.execute("DROP TABLE outbox_payloads")
    conn.execute("DELETE FROM meta WHERE key = 'context_records_backfill'")


def undo_statement_content_version(conn: Any) -> None:
    """Migration 0015 undone: the statements' `content_version` dropped, 0010's
    frozen-statement trigger back."""
    conn.execute("DROP TRIGGER statements_signed_frozen")
    conn.execute("ALTER TABLE statements DROP COLUMN content_version")
    [form_fields] = [sql for number, _name, sql in _migrations() if number == 10]
    [trigger] = [statement for statement in _split_sql(form_fields)
                 if "CREATE TRIGGER statements_signed_frozen" in statement]
    conn.execute(trigger)


def undo_officer_hq_keys(conn: Any) -> None:
    """Migration 0016 undone: the officers' HQ keys and their registrations dropped."""
    for table in ("officer_hq_registrations", "officer_hq_keys"):
        conn.execute(f"DROP TABLE {table}")


def undo_refdata(conn: Any) -> None:
    """Migration 0012 undone: the reference-data tables (and their triggers) dropped."""
    for table in ("statement_ref_versions", "ref_datasets", "ref_manifest"):
        conn.execute(f"DROP TABLE {table}")


def undo_sync_desktop(conn: Any) -> None:
    """Migration 0013 undone: the sync tables, the outbox's progress columns and triggers."""
    for trigger in ("outbox_announced_frozen", "outbox_no_delete", "outbox_receipt_kept"):
        conn.execute(f"DROP TRIGGER {trigger}")
    for table in ("evidence_purges", "sync_state", "sync_enrolment"):
        conn.execute(f"DROP TABLE {table}")
    for column in ("upload_url", "server_offset", "attempts", "next_attempt_ms", "last_error",
                   "last_message", "receipted_at"):
        conn.execute(f"ALTER TABLE outbox DROP COLUMN {column}")


def undo_officer_disabled(conn: Any) -> None:
    """Migration 0011 undone: its triggers and the officers' `disabled_at` column dropped."""
    for trigger in ("statements_no_disabled_officer", "statements_no_disabled_officer_edit",
                    "signing_key_wraps_no_disabled_officer"):
        conn.execute(f"DROP TRIGGER {trigger}")
    conn.execute("ALTER TABLE officers DROP COLUMN disabled_at")


def undo_form_fields(conn: Any) -> None:
    """Migration 0010 undone: the form's columns dropped, 0001's frozen-statement trigger."""
    conn.execute("DROP TRIGGER statements_signed_frozen")
    for column in ("sequence", "interpreter", "interpreter_language", "guardian",
                   "guardian_relation"):
        conn.execute(f"ALTER TABLE statements DROP COLUMN {column}")
    [initial] = [sql for number, _name, sql in _migrations() if number == 1]
    [trigger] = [statement for statement in _split_sql(initial)
                 if "CREATE TRIGGER statements_signed_frozen" in statement]
    conn.execute(trigger)


def test_a_schema_8_store_with_events_migrates_verifies_and_gets_its_tiles(
        world: World, clock: FakeClock) -> None:
    store = world.store
    with store.transaction() as tx:
        for number in range(600):
            tx.audit(Action.AUDIT_VERIFIED, store.store_id, size=number, status="intact")
    downgrade_to_schema_8(store.conn)
    before = leaf_hashes(store.conn)
    assert len(before) > 512
    store.close()  # signs a tree head and writes the anchor and the high-water mark

    # Login migrates to the current schema and proves the log extends its anchor (with no
    # tile stored yet, each node is folded from the leaves).
    store = unlock(world.paths, "TEST0001", PASSWORD, clock=clock)
    conn = store.conn
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert leaf_hashes(conn)[: len(before)] == before
    assert conn.execute("SELECT count(*) FROM audit_tiles").fetchone()[0] == 0
    indexes = [name for _seq, name, *_rest in conn.execute("PRAGMA index_list(audit_log)")]
    assert indexes == ["audit_subject"]  # the UNIQUE on id is gone, the subject index kept
    with pytest.raises(Exception, match="immutable"):
        conn.execute("UPDATE audit_log SET action = 'x' WHERE idx = 1")
    with pytest.raises(Exception, match="immutable"):
        conn.execute("DELETE FROM audit_log WHERE idx = 1")
    report, status = audit_trail.check(store)
    assert status is audit_trail.Status.INTACT, report.problems
    rng = random.Random(8)
    leaves = leaf_hashes(conn)
    check_against_reference(conn, leaves, [len(before), 300, len(leaves)], rng)

    # The first append that completes a tile writes every earlier one too.
    with store.transaction() as tx:
        while audit.size(tx.conn) % 256:
            tx.audit(Action.AUDIT_VERIFIED, store.store_id, size=0, status="intact")
    leaves = leaf_hashes(conn)
    tiles = {int(i): bytes(h) for i, h in
             conn.execute("SELECT idx, hash FROM audit_tiles WHERE height = 8")}
    assert tiles == {i: root_hash(leaves[i * 256:(i + 1) * 256])
                     for i in range(len(leaves) >> 8)}
    check_against_reference(conn, leaves, [len(before), len(leaves) - 1, len(leaves)], rng)
    report, status = audit_trail.check(store)
    assert status is audit_trail.Status.INTACT, report.problems
    store.close()


@pytest.mark.parametrize("details", [
    {}, {"n": 0, "ok": True, "none": None}, {"名字": "测试\"引号\"\\ \n", "𝄞": "😀", "a": -5},
    {"statement": "0190-…", "revision": 2**53 - 1, "sha256": "ab" * 32},
])
@pytest.mark.parametrize(("actor", "subject"), [(None, None), ("officer-1", "主题\u2028")])
def test_leaf_bytes_are_the_canonical_json_of_the_protocol_leaf(
        details: dict[str, Any], actor: str | None, subject: str | None) -> None:
    text = canonical_json(details).decode("utf-8")
    composed = audit.leaf_data(7, "0190a3b4-0000-7000-8000-000000000001",
                               "2026-12-06T19:00:00.000+08:00", actor, "turn.saved", subject,
                               "ok", text)
    assert composed == AuditLeaf(idx=7, id="0190a3b4-0000-7000-8000-000000000001",
                                 at="2026-12-06T19:00:00.000+08:00", actor=actor,
                                 action="turn.saved", subject=subject, outcome="ok",
                                 details=details).canonical_bytes()
    parsed = parse_canonical(composed)
    assert isinstance(parsed, dict) and parsed["details"] == details


def test_audit_verify_names_a_stored_subtree_hash_that_does_not_match(clock: FakeClock) -> None:
    conn = database_at(SCHEMA_VERSION)
    append_events(conn, clock, 700)
    assert verify_trail(conn, "log", None).ok
    # Someone with the key rewrites the stored root of records #256 to #511.
    conn.execute("DROP TRIGGER audit_tiles_no_update")
    conn.execute("UPDATE audit_tiles SET hash = zeroblob(32) WHERE height = 8 AND idx = 1")
    report = verify_trail(conn, "log", None)
    assert report.first_problem() == (
        "The stored subtree hash of audit records #256 to #511 does not match them: the "
        "proofs given for these records would fail.")
    # And a proof built on it fails the verifier; it cannot pass for a true one.
    leaves = leaf_hashes(conn)
    proof = audit.prove_inclusion(conn, 3, 700)
    assert not verify_inclusion(leaves[3], 3, 700, proof, root_hash(leaves))
