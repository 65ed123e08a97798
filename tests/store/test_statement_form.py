"""The statement form's own fields (issue 14 §1): 第N次询问, interpreter, guardian, breaks.

On a real store: the number is counted per person and case, a minor's statement does not
go to read-back (nor is signed) without the guardian, the fields are audited and frozen once
signed, and a break is a note turn with its start and end time.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from desktop.domain import rules
from desktop.domain.errors import RuleViolation
from desktop.domain.model import (
    BreakKind,
    StatementForm,
    StatementKind,
    StatementState,
    TurnKind,
)
from desktop.services import interview, records
from desktop.store import audit
from desktop.store.coverage import DIGEST_FIELD
from tests.conftest import FakeClock, World, make_party
from tests.store.test_statements import answer_opening


def open_for(world: World, party_id: str, form: StatementForm | None = None,
             kind: StatementKind = StatementKind.INQUIRY) -> str:
    return interview.open_statement(
        world.store, case_id=world.case.id, interviewee_id=party_id, kind=kind,
        place="询问室", interviewers=(world.admin.id, world.second.id),
        recorder_id=world.second.id, form=form).id


def test_the_interview_number_counts_this_persons_interviews_in_the_case(world: World) -> None:
    assert world.statement.form.sequence == 1
    # The same person, recorded afresh from the card for the second interview: 第2次.
    again = records.record_party(world.store, make_party())
    second = interview.get(world.store, open_for(world, again.id))
    assert second.form.sequence == 2
    # Another person in the same case starts at 1; so does another kind of statement.
    other = records.record_party(world.store, make_party("测试人乙", "110101198001010014"))
    assert interview.get(world.store, open_for(world, other.id)).form.sequence == 1
    inspection = open_for(world, again.id, kind=StatementKind.INSPECTION)
    assert interview.get(world.store, inspection).form.sequence == 1
    # Entered by the officer (an interview taken on paper before): kept as entered.
    typed = open_for(world, again.id, StatementForm(sequence=5))
    assert interview.get(world.store, typed).form.sequence == 5
    # Set back to what it would be counted as: nothing entered is kept.
    assert interview.set_form(world.store, typed, StatementForm(sequence=3)).form.sequence == 3
    assert world.store.conn.execute("SELECT sequence FROM statements WHERE id = ?",
                                    (typed,)).fetchone()[0] is None
    assert interview.next_sequence(world.store, world.case.id, again.id,
                                   StatementKind.INQUIRY) == 4


def test_form_fields_are_kept_audited_and_refused_when_incomplete(world: World) -> None:
    form = StatementForm(sequence=1, interpreter="测试翻译", interpreter_language="英语",
                         guardian="测试监护人", guardian_relation="父亲")
    updated = interview.set_form(world.store, world.statement.id, form)
    assert updated.form == form == interview.get(world.store, world.statement.id).form
    leaf = [e for e in audit.events_about(world.store.conn, world.statement.id)
            if e.action == "statement.updated"][-1]
    assert DIGEST_FIELD in leaf.details and "测试" not in leaf.details  # no names in the trail
    with pytest.raises(RuleViolation, match="interpreter's name"):
        interview.set_form(world.store, world.statement.id,
                           StatementForm(sequence=1, interpreter_language="英语"))
    with pytest.raises(RuleViolation, match="starts at 1"):
        interview.set_form(world.store, world.statement.id, StatementForm(sequence=0))
    # Cleared again: stored as nothing, read back as empty names.
    cleared = interview.set_form(world.store, world.statement.id, StatementForm(sequence=1))
    assert cleared.form == StatementForm(sequence=1)


def test_a_minor_needs_the_guardian_before_read_back(world: World, clock: FakeClock) -> None:
    # 17 years and 364 days old on the day of the interview (2026-11-27).
    minor = records.record_party(world.store, replace(
        make_party("测试少年", "110101200811287612"), birth_date=date(2008, 11, 28)))
    statement_id = open_for(world, minor.id)
    world.statement = interview.get(world.store, statement_id)
    answer_opening(world)
    with pytest.raises(RuleViolation, match=r"under 18.*guardian"):
        interview.start_read_back(world.store, statement_id)
    assert interview.get(world.store, statement_id).state is StatementState.DRAFT
    interview.set_form(world.store, statement_id,
                       replace(world.statement.form, guardian="测试家长", guardian_relation="母亲"))
    assert interview.start_read_back(world.store, statement_id).state is StatementState.READ_BACK
    # Once in read-back (and signed) the form is frozen like the rest.
    with pytest.raises(RuleViolation):
        interview.set_form(world.store, statement_id, StatementForm(sequence=1))
    signed = interview.sign(world.store, statement_id)
    assert signed.form.guardian == "测试家长"
    with (pytest.raises(RuleViolation, match="statement is signed"),  # the schema's trigger
          world.store.transaction() as tx):
        tx.conn.execute("UPDATE statements SET guardian = NULL WHERE id = ?", (statement_id,))


def test_the_age_is_taken_on_the_day_the_interview_started() -> None:
    birth = date(2008, 11, 28)
    assert rules.age_on(birth, date(2026, 11, 27)) == 17
    assert rules.age_on(birth, date(2026, 11, 28)) == 18
    assert rules.age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert rules.age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18
    assert not rules.minor_at(None, FakeClock().now)  # no birth date known: no minor


def test_an_adult_needs_no_guardian(world: World) -> None:
    answer_opening(world)
    assert interview.start_read_back(world.store, world.statement.id).state is \
        StatementState.READ_BACK


def test_a_break_is_a_note_with_its_start_and_end(world: World, clock: FakeClock) -> None:
    start = clock.now + timedelta(minutes=65)
    clock.advance(minutes=95)
    turn = interview.add_break(world.store, world.statement.id, BreakKind.MEAL, start,
                               start + timedelta(minutes=25))
    assert turn.kind is TurnKind.NOTE and turn.text == "10:05—10:30 用餐"
    assert interview.get(world.store, world.statement.id).turns[-1] == turn
    with pytest.raises(RuleViolation, match="end after"):
        interview.add_break(world.store, world.statement.id, BreakKind.REST, start, start)
    with pytest.raises(RuleViolation, match="before the interview"):
        interview.add_break(world.store, world.statement.id, BreakKind.REST,
                            world.statement.started_at - timedelta(hours=1), start)
    with pytest.raises(RuleViolation, match="future"):
        interview.add_break(world.store, world.statement.id, BreakKind.REST, start,
                            clock.now + timedelta(hours=1))
    overnight = interview.break_text(BreakKind.REST, start.replace(hour=23),
                                     start.replace(hour=23) + timedelta(hours=2))
    assert overnight == "23:05—11月28日01:05 休息"
