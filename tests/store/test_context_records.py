"""A statement's context (desktop/store/context_records.py) and an evidence item's record on
a real store: announced in the commit that seals the statement or imports the item, with
the case, party and officers as they stand then, sent with exactly the bytes announced even
after the item is filed; and, for a store an older program wrote (sealed statements and
imported items without these records), written once at the first login after migration
0017: idempotent, gap-free, and all or nothing when it fails half-way."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from pathlib import Path

import pytest

from desktop.domain.model import StatementState
from desktop.services import evidence
from desktop.services.sync import payload_bytes
from desktop.store import context_backfill, context_records, outbox, statements
from desktop.store import evidence as records
from desktop.store.store import Store, unlock
from sync.protocol.context import EvidenceItemRecord, StatementContext
from sync.protocol.records import RecordKind
from tests.conftest import PASSWORD, FakeClock, World
from tests.store.test_audit_tiles import undo_migrations_after
from tests.store.test_statements import signed_statement


def seal(world: World) -> None:
    sid = signed_statement(world).id
    with world.store.transaction() as tx:
        statements.change_state(tx, sid, StatementState.SEALED)


def import_photo(world: World, tmp_path: Path, case_id: str | None) -> str:
    photo = tmp_path / "现场照片-秘密名.jpg"
    photo.write_bytes(os.urandom(4096))
    return evidence.import_path(world.store, case_id, photo).items[0].id


def kinds(store: Store) -> Counter[tuple[RecordKind, str]]:
    return Counter((r.kind, r.entity_id) for r in outbox.all_entries(store.conn))


def assert_sent_as_announced(store: Store) -> None:
    """Every kept record's bytes are what its entry announced, and the sequence has no gap."""
    rows = outbox.all_entries(store.conn)
    assert [r.device_seq for r in rows] == list(range(1, len(rows) + 1))
    for row in rows:
        if row.kind in outbox.KEPT_KINDS:
            data = payload_bytes(store.conn, store.store_id, row.kind, row.entity_id)
            assert (hashlib.sha256(data).hexdigest(), len(data)) == (row.sha256, row.size)


def test_sealing_announces_the_context_with_case_party_and_officers(world: World) -> None:
    seal(world)
    rows = outbox.all_entries(world.store.conn)
    [sealed] = [r for r in rows if r.kind is RecordKind.STATEMENT]
    [entry] = [r for r in rows if r.kind is RecordKind.STATEMENT_CONTEXT]
    assert entry.device_seq == sealed.device_seq + 1 and entry.priority == sealed.priority
    context = StatementContext.from_bytes(payload_bytes(
        world.store.conn, world.store.store_id, entry.kind, entry.entity_id))
    assert context.statement == world.statement.id
    case = world.case
    assert (context.case.id, context.case.number, context.case.cause, context.case.matter,
            context.case.place) == (case.id, case.number, case.cause, case.matter, case.place)
    party = context.party
    assert (party.id, party.id_kind, party.id_number, party.name, party.sex, party.birth_date,
            party.phone, party.source) == (
        world.party.id, "resident_id", world.party.id_number, world.party.name, "male",
        "1990-03-07", world.party.phone, "manual")
    # The interviewers in order (the administrator leads), the recorder (the second
    # interviewer too) named once.
    assert [(o.id, o.name, o.certificate_no, o.unit) for o in context.officers] == [
        (o.id, o.name, o.certificate_no, o.unit) for o in (world.admin, world.second)]
    assert_sent_as_announced(world.store)


def test_an_import_announces_the_record_and_its_bytes_survive_the_filing(
        world: World, tmp_path: Path) -> None:
    item_id = import_photo(world, tmp_path, None)  # unfiled, as docked footage often is
    [entry] = [r for r in outbox.all_entries(world.store.conn)
               if r.kind is RecordKind.EVIDENCE_RECORD]
    data = payload_bytes(world.store.conn, world.store.store_id, entry.kind, item_id)
    record = EvidenceItemRecord.from_bytes(data)
    assert (record.id, record.case, record.source, record.kind, record.imported_by) == (
        item_id, None, "folder", "photo", world.admin.id)
    assert "秘密名".encode() not in data  # the file's name stays on the desktop
    evidence.file_item(world.store, item_id, world.case.id)
    # Filed since: the record still reads as announced (HQ keeps one version per id).
    assert payload_bytes(world.store.conn, world.store.store_id, entry.kind, item_id) == data
    assert_sent_as_announced(world.store)
    with pytest.raises(Exception, match="immutable"):
        world.store.conn.execute("UPDATE outbox_payloads SET payload = x'00'")
    with pytest.raises(Exception, match="immutable"):
        world.store.conn.execute("DELETE FROM outbox_payloads")


def as_an_older_program(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                        ) -> str:
    """A store an older program wrote: a sealed statement and an imported photo announced
    without context or record, at schema 16; closed. The photo's id."""
    with monkeypatch.context() as old:
        old.setattr(context_records, "announce_statement_context", lambda *a: None)
        old.setattr(records, "announce_record", lambda *a: None)
        seal(world)
        item_id = import_photo(world, tmp_path, world.case.id)
    conn = world.store.conn
    conn.execute("BEGIN IMMEDIATE")
    undo_migrations_after(conn, 16)
    conn.execute("COMMIT")
    assert not {k for k, _ in kinds(world.store)} & outbox.KEPT_KINDS
    world.store.close()
    return item_id


def test_the_first_login_after_the_update_writes_what_was_missing_once(
        world: World, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    item_id = as_an_older_program(world, tmp_path, monkeypatch)
    store = unlock(world.paths, "TEST0001", PASSWORD, clock=clock)
    try:
        found = kinds(store)
        assert found[(RecordKind.STATEMENT_CONTEXT, world.statement.id)] == 1
        assert found[(RecordKind.EVIDENCE_RECORD, item_id)] == 1
        assert_sent_as_announced(store)
        record = EvidenceItemRecord.from_bytes(payload_bytes(
            store.conn, store.store_id, RecordKind.EVIDENCE_RECORD, item_id))
        assert record.case == world.case.id
        assert not context_backfill.backfill_pending(store.conn)
        before = outbox.all_entries(store.conn)
    finally:
        store.close()
    store = unlock(world.paths, "TEST0001", PASSWORD, clock=clock)  # nothing twice
    try:
        assert [r for r in outbox.all_entries(store.conn)
                if r.kind in outbox.KEPT_KINDS] == [r for r in before
                                                    if r.kind in outbox.KEPT_KINDS]
        with store.transaction() as tx:  # even run again by hand
            assert context_backfill.backfill(tx.conn, tx.at) == (0, 0)
    finally:
        store.close()


class Boom(Exception):
    pass


def test_a_backfill_that_fails_half_way_leaves_nothing_and_runs_at_the_next_login(
        world: World, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    item_id = as_an_older_program(world, tmp_path, monkeypatch)

    def crash(*_args: object) -> None:
        raise Boom

    with monkeypatch.context() as failing:
        failing.setattr(records, "announce_record", crash)
        with pytest.raises(Boom):  # after the statement's context was written
            unlock(world.paths, "TEST0001", PASSWORD, clock=clock)
    with monkeypatch.context() as looking:  # a login that leaves the backfill for later
        looking.setattr(context_backfill, "backfill_pending", lambda _conn: False)
        store = unlock(world.paths, "TEST0001", PASSWORD, clock=clock)
    try:
        assert not {k for k, _ in kinds(store)} & outbox.KEPT_KINDS  # nothing half-written
        assert context_backfill.backfill_pending(store.conn)  # and the mark is still there
    finally:
        store.close()
    store = unlock(world.paths, "TEST0001", PASSWORD, clock=clock)
    try:
        found = kinds(store)
        assert found[(RecordKind.STATEMENT_CONTEXT, world.statement.id)] == 1
        assert found[(RecordKind.EVIDENCE_RECORD, item_id)] == 1
        assert_sent_as_announced(store)
    finally:
        store.close()
