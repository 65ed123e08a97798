"""Statements in the store: template opening, autosave revisions, lifecycle, immutability."""

from __future__ import annotations

import pytest

from desktop.domain.errors import RuleViolation, UserError
from desktop.domain.ids import new_id
from desktop.domain.model import (
    OpeningItem,
    SignatureRefusal,
    Statement,
    StatementKind,
    StatementState,
    TurnKind,
)
from desktop.services import interview
from desktop.store import audit
from desktop.store.audit import text_digest
from desktop.store.statements import create_statement
from tests.conftest import World


def answer_opening(world: World) -> None:
    for turn in world.statement.turns:
        if turn.kind is TurnKind.ANSWER and turn.tag is not None:
            interview.save_turn(world.store, turn.id, "明白。")
    interview.add_turn(world.store, world.statement.id, TurnKind.QUESTION, "车是你停的吗？")
    interview.add_turn(world.store, world.statement.id, TurnKind.ANSWER, "是我停的。")


def signed_statement(world: World) -> Statement:
    answer_opening(world)
    interview.start_read_back(world.store, world.statement.id)
    return interview.sign(world.store, world.statement.id)


def test_opening_questions_come_from_the_template(world: World) -> None:
    turns = world.statement.turns
    items = [OpeningItem.IDENTIFICATION, OpeningItem.RIGHTS_NOTICE, OpeningItem.RECUSAL]
    assert [t.tag for t in turns] == [item for item in items for _ in range(2)]
    assert [t.kind for t in turns] == [TurnKind.QUESTION, TurnKind.ANSWER] * 3
    assert [t.text for t in turns[1::2]] == ["", "", ""]  # answers for the recorder to fill
    assert world.admin.name in turns[0].text and world.second.certificate_no in turns[0].text
    assert "回避" in turns[4].text
    assert world.statement.state is StatementState.DRAFT


def test_autosave_keeps_every_revision(world: World) -> None:
    turn = interview.add_turn(world.store, world.statement.id, TurnKind.ANSWER, "我")
    texts = ["我当时", "我当时在", "我当时在药店买药。"]
    for expected_revision, text in enumerate(texts, start=2):
        assert interview.save_turn(world.store, turn.id, text) == expected_revision
    assert interview.save_turn(world.store, turn.id, texts[-1]) == 4  # unchanged: no revision
    history = interview.history(world.store, turn.id)
    assert [r.text for r in history] == ["我", *texts]
    assert [r.revision for r in history] == [1, 2, 3, 4]
    assert all(r.saved_by == world.admin.id for r in history)
    current = interview.get(world.store, world.statement.id).turns[-1]
    assert (current.text, current.revision) == (texts[-1], 4)
    # Each revision has its own audit leaf holding only the text's hash.
    saved = [r for r in audit.events_about(world.store.conn, turn.id) if r.action == "turn.saved"]
    assert len(saved) == 4
    assert text_digest(texts[-1]) in saved[-1].details
    assert "药店" not in saved[-1].details


def test_read_back_requires_the_opening(world: World) -> None:
    interview.add_turn(world.store, world.statement.id, TurnKind.ANSWER, "看清楚了。")
    with pytest.raises(RuleViolation, match="rights notice"):
        interview.start_read_back(world.store, world.statement.id)
    rights_answer = world.statement.turns[3]
    interview.save_turn(world.store, rights_answer.id, "听清楚了。")
    with pytest.raises(RuleViolation, match="recusal"):
        interview.start_read_back(world.store, world.statement.id)
    assert interview.get(world.store, world.statement.id).state is StatementState.DRAFT
    interview.save_turn(world.store, world.statement.turns[5].id, "不申请回避。")
    assert interview.start_read_back(world.store, world.statement.id).state is \
        StatementState.READ_BACK


def test_signed_statement_is_immutable_even_to_raw_sql(world: World) -> None:
    statement = signed_statement(world)
    assert statement.state is StatementState.SIGNED and statement.ended_at is not None
    turn = statement.turns[-1]
    with pytest.raises(RuleViolation, match="record an addendum"):
        interview.save_turn(world.store, turn.id, "改过的回答")
    with pytest.raises(RuleViolation):
        interview.add_turn(world.store, statement.id, TurnKind.QUESTION, "新问题")
    conn = world.store.conn
    # The store itself refuses, whatever code path tries it.
    for sql, args in [
        ("INSERT INTO turn_revisions VALUES (?, 99, 'x', '2026-01-01', ?)",
         (turn.id, world.admin.id)),
        ("UPDATE turn_revisions SET text = 'x' WHERE turn_id = ?", (turn.id,)),
        ("DELETE FROM turn_revisions WHERE turn_id = ?", (turn.id,)),
        ("UPDATE statements SET place = 'x' WHERE id = ?", (statement.id,)),
        ("UPDATE statements SET state = 'draft' WHERE id = ?", (statement.id,)),
        ("DELETE FROM statements WHERE id = ?", (statement.id,)),
        ("DELETE FROM turns WHERE id = ?", (turn.id,)),
        ("UPDATE parties SET name = 'x' WHERE id = ?", (world.party.id,)),
        ("DELETE FROM audit_log WHERE idx = 0", ()),
        ("UPDATE audit_log SET action = 'x' WHERE idx = 0", ()),
    ]:
        with pytest.raises(Exception, match="immutable"):
            conn.execute(sql, args)
    assert interview.get(world.store, statement.id).turns[-1].text == turn.text
    sealed = interview.seal(world.store, statement.id)
    assert sealed.state is StatementState.SEALED
    outbox = conn.execute("SELECT kind, entity_id FROM outbox WHERE entity_id = ?",
                          (statement.id,)).fetchall()
    assert outbox == [("statement", statement.id), ("statement_context", statement.id)]


def test_correction_during_read_back_goes_back_to_draft(world: World) -> None:
    answer_opening(world)
    interview.start_read_back(world.store, world.statement.id)
    turn = interview.get(world.store, world.statement.id).turns[-1]
    with pytest.raises(RuleViolation, match="Return the statement to draft"):
        interview.save_turn(world.store, turn.id, "更正")
    interview.return_to_draft(world.store, world.statement.id)
    interview.save_turn(world.store, turn.id, "更正后的回答")
    interview.start_read_back(world.store, world.statement.id)
    assert interview.get(world.store, world.statement.id).turns[-1].text == "更正后的回答"


def test_refusal_to_sign_is_recorded_with_a_witness(world: World) -> None:
    answer_opening(world)
    interview.start_read_back(world.store, world.statement.id)
    now = world.store.clock()
    with pytest.raises(RuleViolation, match="witness"):
        interview.sign(world.store, world.statement.id, SignatureRefusal("拒绝签名", "", now))
    assert interview.get(world.store, world.statement.id).state is StatementState.READ_BACK
    signed = interview.sign(world.store, world.statement.id,
                            SignatureRefusal("当事人称不认可笔录内容，拒绝签名", "见证人乙", now))
    assert signed.refusal is not None and signed.refusal.witness_name == "见证人乙"
    assert "statement.refusal" in [r.action for r in audit.events_about(world.store.conn,
                                                                        signed.id)]


def test_addendum_references_a_signed_statement(world: World) -> None:
    with pytest.raises(RuleViolation, match="only be added to a signed"):
        interview.open_statement(
            world.store, case_id=world.case.id, interviewee_id=world.party.id,
            kind=StatementKind.ADDENDUM, place="询问室",
            interviewers=(world.admin.id, world.second.id), recorder_id=world.second.id,
            addendum_of=world.statement.id)
    signed_statement(world)
    addendum = interview.open_statement(
        world.store, case_id=world.case.id, interviewee_id=world.party.id,
        kind=StatementKind.ADDENDUM, place="询问室",
        interviewers=(world.admin.id, world.second.id), recorder_id=world.second.id,
        addendum_of=world.statement.id)
    assert addendum.addendum_of == world.statement.id
    assert addendum.turns[0].tag is OpeningItem.IDENTIFICATION
    interview.add_turn(world.store, addendum.id, TurnKind.QUESTION, "补充问题？")
    interview.add_turn(world.store, addendum.id, TurnKind.ANSWER, "补充回答。")
    assert interview.start_read_back(world.store, addendum.id).state is StatementState.READ_BACK


def test_same_officer_twice_is_refused(world: World) -> None:
    bad = Statement(id=new_id(), case_id=world.case.id, kind=StatementKind.INQUIRY,
                    place="x", started_at=world.store.clock(),
                    interviewer_ids=(world.admin.id, world.admin.id),
                    recorder_id=world.admin.id, interviewee_id=world.party.id)
    with pytest.raises(RuleViolation, match="two different interviewers"), \
            world.store.transaction() as tx:
        create_statement(tx, bad)


def test_unknown_records_are_user_errors(world: World) -> None:
    with pytest.raises(UserError, match="No such turn"):
        interview.save_turn(world.store, new_id(), "x")
    with pytest.raises(UserError, match="No such statement"):
        interview.get(world.store, new_id())
