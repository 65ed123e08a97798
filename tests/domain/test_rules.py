"""The legal steps of a statement, as the domain rules enforce them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from desktop.domain import rules
from desktop.domain.errors import RuleViolation
from desktop.domain.model import (
    Officer,
    OpeningItem,
    SignatureRefusal,
    Statement,
    StatementKind,
    StatementState,
    Turn,
    TurnKind,
)

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def officer(oid: str, cert: str) -> Officer:
    return Officer(id=oid, name=f"队员{oid}", certificate_no=cert, unit="测试中队")


def turn(seq: int, kind: TurnKind, text: str, tag: OpeningItem | None = None) -> Turn:
    return Turn(id=f"t{seq}", statement_id="s", seq=seq, kind=kind, text=text, recorded_at=NOW,
                tag=tag)


def statement(*turns: Turn, state: StatementState = StatementState.DRAFT,
              kind: StatementKind = StatementKind.INQUIRY) -> Statement:
    return Statement(id="s", case_id="c", kind=kind, place="询问室", started_at=NOW,
                     interviewer_ids=("a", "b"), recorder_id="b", interviewee_id="p",
                     state=state, turns=turns)


OPENING = (
    turn(1, TurnKind.QUESTION, "你有如实回答的义务……你听清楚了吗？", OpeningItem.RIGHTS_NOTICE),
    turn(2, TurnKind.ANSWER, "听清楚了。", OpeningItem.RIGHTS_NOTICE),
    turn(3, TurnKind.QUESTION, "你是否申请回避？", OpeningItem.RECUSAL),
    turn(4, TurnKind.ANSWER, "不申请。", OpeningItem.RECUSAL),
)


def test_two_distinct_interviewers_with_certificates() -> None:
    rules.check_interviewers(officer("a", "C1"), officer("b", "C2"))
    with pytest.raises(RuleViolation, match="two different interviewers"):
        rules.check_interviewers(officer("a", "C1"), officer("a", "C1"))
    with pytest.raises(RuleViolation, match="two different interviewers"):
        rules.check_interviewers(officer("a", "C1"), officer("b", "C1"))
    with pytest.raises(RuleViolation, match="no enforcement certificate number"):
        rules.check_interviewers(officer("a", "C1"), officer("b", "  "))


def test_read_back_needs_rights_notice_and_recusal_answer() -> None:
    rules.check_transition(statement(*OPENING), StatementState.READ_BACK)
    with pytest.raises(RuleViolation, match="rights notice"):
        rules.check_transition(statement(*OPENING[2:]), StatementState.READ_BACK)
    # An answer that is not the tagged answer to the notice does not acknowledge it.
    untagged = (OPENING[0], turn(2, TurnKind.ANSWER, "听清楚了。"), *OPENING[2:])
    with pytest.raises(RuleViolation, match="rights notice"):
        rules.check_transition(statement(*untagged), StatementState.READ_BACK)
    unanswered = (*OPENING[:3], turn(4, TurnKind.QUESTION, "下一个问题"),
                  turn(5, TurnKind.ANSWER, "回答"))
    with pytest.raises(RuleViolation, match="recusal question is missing"):
        rules.check_transition(statement(*unanswered), StatementState.READ_BACK)
    blank = (*OPENING[:3], turn(4, TurnKind.ANSWER, "   ", OpeningItem.RECUSAL))
    with pytest.raises(RuleViolation, match="recusal"):
        rules.check_transition(statement(*blank), StatementState.READ_BACK)


def test_addendum_needs_no_opening_but_needs_answers() -> None:
    addendum = statement(turn(1, TurnKind.QUESTION, "补充问题"), turn(2, TurnKind.ANSWER, "答"),
                         kind=StatementKind.ADDENDUM)
    rules.check_transition(addendum, StatementState.READ_BACK)
    with pytest.raises(RuleViolation, match="no answers"):
        rules.check_transition(statement(OPENING[0]), StatementState.READ_BACK)


def test_lifecycle_moves() -> None:
    draft = statement(*OPENING)
    read_back = replace(draft, state=StatementState.READ_BACK)
    signed = replace(draft, state=StatementState.SIGNED)
    rules.check_transition(read_back, StatementState.SIGNED)
    rules.check_transition(read_back, StatementState.DRAFT)  # a correction during read-back
    rules.check_transition(signed, StatementState.SEALED)
    with pytest.raises(RuleViolation, match="cannot go from draft to signed"):
        rules.check_transition(draft, StatementState.SIGNED)
    with pytest.raises(RuleViolation, match="cannot go from signed to draft"):
        rules.check_transition(signed, StatementState.DRAFT)


def test_edits_only_in_draft() -> None:
    rules.check_editable(StatementState.DRAFT)
    with pytest.raises(RuleViolation, match="record an addendum"):
        rules.check_editable(StatementState.SIGNED)
    with pytest.raises(RuleViolation, match="Return the statement to draft"):
        rules.check_editable(StatementState.READ_BACK)


def test_refusal_needs_witness_and_reason() -> None:
    rules.check_refusal(SignatureRefusal("当事人拒绝签名", "见证人乙", NOW))
    with pytest.raises(RuleViolation, match="witness"):
        rules.check_refusal(SignatureRefusal("当事人拒绝签名", " ", NOW))
    with pytest.raises(RuleViolation, match="refusing"):
        rules.check_refusal(SignatureRefusal("", "见证人乙", NOW))


def test_addendum_references_a_signed_statement() -> None:
    signed = statement(*OPENING, state=StatementState.SIGNED)
    rules.check_addendum_target(StatementKind.ADDENDUM, signed)
    rules.check_addendum_target(StatementKind.INQUIRY, None)
    with pytest.raises(RuleViolation, match="must reference"):
        rules.check_addendum_target(StatementKind.ADDENDUM, None)
    with pytest.raises(RuleViolation, match="only be added to a signed"):
        rules.check_addendum_target(StatementKind.ADDENDUM, statement(*OPENING))
    with pytest.raises(RuleViolation, match="Only an addendum"):
        rules.check_addendum_target(StatementKind.INQUIRY, signed)
