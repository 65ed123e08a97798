"""The transactional outbox (desktop.store.outbox) on a real SQLCipher store: every kind of
record HQ will receive is announced exactly once, in the record's own commit, with the SHA-256
and size of the bytes the sync will send; a failed transaction leaves neither the record nor
its announcement; device sequence numbers run 1, 2, 3… without gaps."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Action, StatementState
from desktop.services import evidence
from desktop.store import audit, dockings, documents, outbox, penalty_records, statements
from desktop.store import evidence as records
from desktop.store.connection import Connection, migrate
from sync.protocol.canonical import canonical_json
from sync.protocol.records import RecordKind
from tests.conftest import World, sign_as_team
from tests.documents.test_package_evidence import VIDEO, add_recorder_file
from tests.services.test_signing import all_pages_signed, ready_for_signing
from tests.store.old_schema import database_at
from tests.store.test_statements import signed_statement

PHOTO = b"\xff\xd8\xff\xe0synthetic outbox photo " + bytes(range(256)) * 8


def payload(conn: Connection, store_id: str, row: outbox.Queued,
            media: dict[str, bytes]) -> bytes:
    """The bytes the sync will send for an outbox row, read back from the store."""
    kind, entity = row.kind, row.entity_id
    if kind in outbox.KEPT_KINDS:  # kept as announced; their content is checked below
        return outbox.kept_payload(conn, kind, entity)
    if kind is RecordKind.STATEMENT:
        return statements.statement_content(
            statements.get_statement(conn, entity)).canonical_bytes()
    if kind is RecordKind.STATEMENT_PDF:
        return documents.signed_document(conn, entity)
    if kind is RecordKind.SIGNATURE_CAPTURE:
        statement_id, purpose, page = entity.split("/")
        found = conn.execute(
            "SELECT record FROM signature_captures WHERE statement_id = ? AND purpose = ?"
            " AND page_index = ?", (statement_id, purpose, int(page))).fetchone()
        return bytes(found[0])
    if kind is RecordKind.EVIDENCE_ITEM:
        return media[records.get_item(conn, entity).sha256]
    if kind is RecordKind.DOCKING:
        signed = dockings.signed_certificate(dockings.get_docking(conn, entity))
        return canonical_json(signed.to_json())
    if kind is RecordKind.TREE_HEAD:
        (head,) = [h for h in audit.heads(conn, store_id) if h.head.tree_size == int(entity)]
        return head.canonical_bytes()
    (idx,) = conn.execute("SELECT idx FROM audit_log WHERE id = ?", (entity,)).fetchone()
    return audit.records(conn, int(idx), int(idx) + 1)[0].leaf_data()


def everything(world: World, tmp_path: Path) -> dict[str, bytes]:
    """A store holding one record of every kind; returns the media by SHA-256."""
    ready_for_signing(world, tmp_path / "pki")  # keys: key events
    sign_as_team(world, all_pages_signed(world))  # PDF, captures, signatures, sealed statement
    folder = tmp_path / "evidence-in"
    folder.mkdir()
    (folder / "现场照片.JPG").write_bytes(PHOTO)
    evidence.import_path(world.store, world.case.id, folder)
    add_recorder_file(world, tmp_path)  # a docking completed with its certificate
    world.store.sign_tree_head()
    return {hashlib.sha256(m).hexdigest(): m for m in (PHOTO, VIDEO)}


def test_every_kind_is_announced_once_with_the_bytes_it_names(world: World,
                                                              tmp_path: Path) -> None:
    media = everything(world, tmp_path)
    conn = world.store.conn
    rows = outbox.all_entries(conn)
    # every kind but a penalty case's (tests/hq/test_penalty_records.py announces and sends
    # those from a decided case)
    assert {r.kind for r in rows} == set(RecordKind) - penalty_records.KINDS
    assert [r.device_seq for r in rows] == list(range(1, len(rows) + 1))
    assert Counter((r.kind, r.entity_id) for r in rows).most_common(1)[0][1] == 1
    for row in rows:
        data = payload(conn, world.store.store_id, row, media)
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (row.sha256, row.size), row
    by_kind = Counter(r.kind for r in rows)
    assert by_kind[RecordKind.STATEMENT] == 1
    assert by_kind[RecordKind.STATEMENT_PDF] == 1
    assert by_kind[RecordKind.DOCKING] == 1
    # The photo, the video imported from a folder, and the same video taken by the docking.
    assert by_kind[RecordKind.EVIDENCE_ITEM] == 3
    # Each with its record, and the sealed statement with its context, in the same commit.
    assert by_kind[RecordKind.EVIDENCE_RECORD] == 3 and by_kind[RecordKind.STATEMENT_CONTEXT] == 1
    items = {r.entity_id for r in rows if r.kind is RecordKind.EVIDENCE_ITEM}
    assert {r.entity_id for r in rows if r.kind is RecordKind.EVIDENCE_RECORD} == items
    sealed = next(r for r in rows if r.kind is RecordKind.STATEMENT)
    context = next(r for r in rows if r.kind is RecordKind.STATEMENT_CONTEXT)
    assert (context.entity_id, context.device_seq) == (world.statement.id,
                                                       sealed.device_seq + 1)
    assert sealed.sha256 == statements.content_digest(
        statements.get_statement(conn, world.statement.id))
    video = next(r for r in rows if r.kind is RecordKind.EVIDENCE_ITEM and r.size == len(VIDEO))
    assert video.priority == 3 and sealed.priority == 1  # statements before large media
    send_order = [r.device_seq for r in outbox.pending(conn)]
    assert send_order.index(sealed.device_seq) < send_order.index(video.device_seq)


def test_signing_the_same_head_again_announces_nothing(world: World) -> None:
    world.store.sign_tree_head()
    before = outbox.all_entries(world.store.conn)
    world.store.sign_tree_head()  # same size: the stored head is returned, not a new one
    assert outbox.all_entries(world.store.conn) == before
    assert [r.kind for r in before].count(RecordKind.TREE_HEAD) == 1


class Boom(Exception):
    pass


def test_a_failed_transaction_leaves_neither_record_nor_announcement(world: World) -> None:
    store = world.store
    before = outbox.all_entries(store.conn)
    items = len(records.all_items(store.conn))
    leaves = audit.size(store.conn)
    inside: list[int] = []

    def item_and_event_then_fail() -> None:
        with store.transaction() as tx:
            records.record_item(tx, item_id=new_id(), case_id=world.case.id,
                                sha256=hashlib.sha256(PHOTO).hexdigest(), size=len(PHOTO),
                                kind="photo", source="folder", original_name="a.jpg",
                                original_path="a.jpg")
            tx.audit(Action.TRUST_ROOT_ADDED, "synthetic")  # an announced audit event
            inside.append(len(outbox.all_entries(tx.conn)))
            raise Boom

    with pytest.raises(Boom):
        item_and_event_then_fail()
    # inside the transaction the item's medium and record, and the event, were announced
    assert inside == [len(before) + 3]
    assert outbox.all_entries(store.conn) == before
    assert len(records.all_items(store.conn)) == items
    assert audit.size(store.conn) == leaves


def test_a_failed_seal_is_not_announced_and_numbers_stay_gapless(world: World) -> None:
    store = world.store
    sid = signed_statement(world).id

    def seal_then_fail() -> None:
        with store.transaction() as tx:
            statements.change_state(tx, sid, StatementState.SEALED)
            raise Boom

    with pytest.raises(Boom):
        seal_then_fail()
    assert all(r.kind is not RecordKind.STATEMENT for r in outbox.all_entries(store.conn))
    with store.transaction() as tx:
        statements.change_state(tx, sid, StatementState.SEALED)
    store.sign_tree_head()
    rows = outbox.all_entries(store.conn)
    assert [r.device_seq for r in rows] == list(range(1, len(rows) + 1))
    assert [r.kind for r in rows][-3:] == [RecordKind.STATEMENT, RecordKind.STATEMENT_CONTEXT,
                                           RecordKind.TREE_HEAD]
    with pytest.raises(UserError), store.transaction() as tx:  # sealing twice is refused
        statements.change_state(tx, sid, StatementState.SEALED)
    assert outbox.all_entries(store.conn) == rows


def test_a_statement_queued_before_the_kinds_reads_as_a_statement() -> None:
    # Before issue 12 a sealed statement was queued as kind 'record'; such rows still read.
    conn = database_at(8)
    conn.execute("INSERT INTO outbox (op_id, device_seq, kind, entity_id, sha256, size,"
                 " priority, state, created_at) VALUES ('op', 1, 'record', 'st-1', ?, 3, 1,"
                 " 'queued', '2026-11-01T09:00:00+08:00')", ("ab" * 32,))
    assert migrate(conn) >= 8
    (row,) = outbox.pending(conn)
    assert (row.kind, row.entity_id, row.device_seq) == (RecordKind.STATEMENT, "st-1", 1)
    conn.close()
